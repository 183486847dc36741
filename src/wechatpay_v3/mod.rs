//! WeChat Pay API v3 (`api.mch.weixin.qq.com/v3/…`): JSON both ways, amounts in integer
//! fen, every request signed whole with the merchant's API private key, every answer
//! verified over its exact bytes with WeChat Pay's key before it is used — the WeChat
//! Pay public key (public-key mode, what every merchant opened since about late 2024
//! has), platform certificates (certificate mode), or both during a migration.
//!
//! ```no_run
//! # async fn demo(merchant_private_key: &str, wechatpay_public_key: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::wechatpay_v3::{pay::{JsapiRequest, OrderAmount, Payer}, Client};
//! let pay = Client::builder(
//!     "wxd678efh567hg6787",                       // the mini program's AppID
//!     "1230000109",                               // mchid
//!     "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", // the merchant API certificate's serial_no
//!     merchant_private_key,                       // apiclient_key.pem
//! )
//! .wechatpay_public_key("PUB_KEY_ID_0112340000000000000000000000", wechatpay_public_key)
//! .try_build()?;
//! let order = pay
//!     .pay()
//!     .jsapi(JsapiRequest::new(
//!         "Image形象店-深圳腾大-QQ公仔",
//!         "1217752501201407033233368018",
//!         "https://example.com/wxpay/notify",
//!         OrderAmount::new(1), // 1 fen
//!         Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
//!     ))
//!     .await?;
//! println!("prepay_id {}", order.prepay_id);
//! # Ok(()) }
//! ```
//!
//! What API v3 has of its own besides the generated calls: the client payment
//! parameters ([`Client::mini_program_pay_params`], [`Client::app_pay_params`]),
//! notifications ([`Client::verify_payment_notification`],
//! [`Client::verify_refund_notification`]), bill files checked against their hash
//! ([`Client::download_bill`]) and sensitive fields ([`Client::encrypt_sensitive`],
//! [`Client::decrypt_sensitive`]).
//!
//! There is no WeChat Pay v3 sandbox; the `miniapp-simulator` crate serves v3 offline.

// `rustfmt::skip`: the generated code is formatted by the generator (prettyplease);
// `cargo fmt` must not rewrite it, or every build would regenerate it.
#[rustfmt::skip]
#[path = "../../generated/wechatpay_v3/mod.rs"]
mod api;

pub use api::*;

mod bill_file;
mod notify;
mod params;
mod sensitive;

pub use bill_file::{BillError, BillLocation, MAX_BILL_BYTES};
pub use sensitive::{EncryptedField, SensitiveError};

#[cfg(feature = "encoders")]
pub use notify::RefundIds;
pub use notify::{
    reply_fail, reply_success, Notification, NotifyError, RefundResource, RefundResourceAmount,
    Transaction, MAX_NOTIFICATION_BYTES,
};
pub use params::{AppPayParams, MiniProgramPayParams, ParamsError};

pub use crate::runtime::signers::wechatpay_v3::{Rejected, DEFAULT_MAX_SKEW};
pub use crate::runtime::signers::{WechatPayPublicKey, WechatPayV3Options};

use crate::runtime::Secret;
use std::time::Duration;

impl ClientBuilder {
    /// Public-key mode: answers (and notifications) signed with the WeChat Pay public key
    /// are verified with it; requests name it in `Wechatpay-Serial`, which asks WeChat
    /// Pay to sign their answers with it. `id` is `PUB_KEY_ID_…`, `key` the PEM (or bare
    /// base64) from the merchant console (账户中心 → API安全 → 微信支付公钥).
    pub fn wechatpay_public_key(self, id: impl Into<String>, key: impl Into<String>) -> Self {
        let key = WechatPayPublicKey {
            id: id.into(),
            pem: key.into(),
        };
        self.configure_signer(|options| options.public_key = Some(key))
    }
    /// Certificate mode: WeChat Pay platform certificates (PEM; a text may hold several)
    /// that answers naming their serial are verified with. May be combined with
    /// [`ClientBuilder::wechatpay_public_key`] while a merchant migrates: each answer
    /// is verified with the key its `Wechatpay-Serial` names.
    pub fn platform_certificates(self, pem: impl Into<String>) -> Self {
        let pem = pem.into();
        self.configure_signer(|options| options.platform_certificates.push(pem))
    }
    /// Certificate mode with downloads: platform certificates are fetched from
    /// `/v3/certificates`, decrypted with the APIv3 key ([`ClientBuilder::api_v3_key`],
    /// required), checked against the download's own signature, and installed — at the
    /// first answer naming a certificate not held, and again whenever a new serial
    /// appears (rotation), one download for all concurrent callers. The answer that
    /// named it is then verified again, never resent. [`Client::refresh_platform_keys`]
    /// downloads at will (at start, or when a notification names a new serial).
    ///
    /// With a shared [`ClientBuilder::token_store`] (e.g. a `RedisStore`) the download
    /// is kept there for 12 hours and every instance of the service uses it: one
    /// download per rotation for all of them. Each instance checks the kept answer (its
    /// signature, and the certificates sealed with the APIv3 key) before installing it;
    /// an entry that fails is replaced by a download.
    pub fn download_platform_certificates(self) -> Self {
        self.configure_signer(|options| options.download_certificates = true)
    }
    /// The APIv3 key (32 characters, 账户中心 → API安全 → APIv3密钥): decrypts
    /// notifications and downloaded platform certificates. Never sent.
    pub fn api_v3_key(self, key: impl Into<String>) -> Self {
        let key = Secret::new(key.into());
        self.configure_signer(|options| options.api_v3_key = Some(key))
    }
    /// The largest difference accepted between WeChat Pay's timestamps and this
    /// machine's clock (default five minutes, as the docs ask).
    pub fn max_clock_skew(self, skew: Duration) -> Self {
        self.configure_signer(|options| options.max_skew = Some(skew))
    }
}
