//! Alipay open platform (`openapi.alipay.com/gateway.do`): every call a signed form
//! post naming its operation in `method`, business fields packed in `biz_content`, every
//! answer verified with Alipay's public key over its exact wire text before it is used.
//!
//! ```no_run
//! # async fn demo(private_key: &str, alipay_public_key: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::alipay::{auth::Code2SessionRequest, trade::CreateRequest, Client};
//! let ali = Client::new("2021000000000000", private_key, alipay_public_key)?;
//! let user = ali.auth().code2_session(Code2SessionRequest::new("auth-code-from-my.getAuthCode")).await?;
//! let trade = ali
//!     .trade()
//!     .create(
//!         CreateRequest::new("20150320010101001", 88_88, "Iphone6 16G") // ¥88.88, in fen
//!             .buyer_open_id(user.open_id.clone().unwrap_or_default())
//!             .notify_url("https://example.com/alipay/notify"),
//!     )
//!     .await?;
//! println!("my.tradePay({{ tradeNO: {:?} }})", trade.trade_no);
//! # Ok(()) }
//! ```
//!
//! Keys: the app private key in PKCS#8 or PKCS#1, PEM or bare base64 (force one with
//! [`ClientBuilder::key_format`], uniCloud's `keyType`); Alipay's public key as PEM or
//! bare base64 — or, in public-key-certificate mode ([`ClientBuilder::certificates`]),
//! Alipay's public-key certificate. Everything is parsed when the client is built.
//!
//! What Alipay has of its own besides the generated calls: the App order string
//! ([`Client::app_pay_order_string`]) and notifications
//! ([`Client::verify_notification`], [`reply_success`]).

// `rustfmt::skip`: the generated code is formatted by the generator (prettyplease);
// `cargo fmt` must not rewrite it, or every build would regenerate it.
#[rustfmt::skip]
#[path = "../../generated/alipay/mod.rs"]
mod api;

pub use api::*;

mod notify;

pub use crate::crypto::rsa::KeyFormat;
pub use crate::runtime::signers::{CertNames, CertificateMode};
#[cfg(feature = "payment")]
pub(crate) use notify::Params;
pub use notify::{reply_fail, reply_success, NotifyError, TradeNotification};

use crate::runtime::form_text;

impl ClientBuilder {
    /// Reads the app private key as exactly this encoding (uniCloud's `keyType`:
    /// `PKCS8` or `PKCS1`); by default the PEM label or the key's structure tells.
    pub fn key_format(self, format: KeyFormat) -> Self {
        self.configure_signer(|options| options.key_format = Some(format))
    }
    /// Public-key-certificate mode (公钥证书模式): requests carry `app_cert_sn` and
    /// `alipay_root_cert_sn` computed from these certificates, answers must name
    /// Alipay's certificate in `alipay_cert_sn`, and the client's Alipay key must then be
    /// Alipay's public-key certificate (`alipayCertPublicKey_RSA2.crt`). The
    /// certificates are checked when the client is built (the app certificate must hold
    /// the private key's public half).
    pub fn certificates(
        self,
        app_cert: impl Into<String>,
        alipay_root_cert: impl Into<String>,
    ) -> Self {
        let mode = CertificateMode {
            app_cert: app_cert.into(),
            alipay_root_cert: alipay_root_cert.into(),
        };
        self.configure_signer(|options| options.certificates = Some(mode))
    }
}

impl Client {
    /// The signed order string of an App payment (`alipay.trade.app.pay`): what the
    /// App hands to the Alipay SDK (`uni.requestPayment({ orderInfo })` with provider
    /// `alipay`). Nothing is sent; the request is validated and signed as the gateway
    /// expects, every parameter percent-encoded.
    pub async fn app_pay_order_string(
        &self,
        request: &trade::AppPayRequest,
    ) -> Result<String, crate::Error<trade::AppPayError>> {
        let fields = self.sign_only(request).await?;
        let pairs: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), form_text(v)))
            .collect();
        serde_urlencoded::to_string(pairs).map_err(|e| crate::Error::Encode {
            endpoint: "trade.appPay",
            reason: e.to_string(),
        })
    }
}
