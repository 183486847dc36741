//! WeChat Pay v2 (`api.mch.weixin.qq.com`): XML both ways, every request signed with the
//! merchant's API key, every signed answer verified before it is used.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::wechatpay::{pay::{TradeType, UnifiedOrderRequest}, Client};
//! let pay = Client::new("wx-app-id", "1230000109", "merchant-api-key");
//! let order = pay
//!     .pay()
//!     .unified_order(
//!         UnifiedOrderRequest::new(
//!             "腾讯充值中心-QQ会员充值", "20150806125346", 1, // 1 fen
//!             "127.0.0.1", "https://example.com/pay/notify", TradeType::Jsapi,
//!         )
//!         .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
//!     )
//!     .await?;
//! println!("prepay_id {}", order.prepay_id);
//! # Ok(()) }
//! ```
//!
//! The `sign_type` (MD5, the default, or HMAC-SHA256) is a client setting:
//! [`ClientBuilder::sign_type`]. What WeChat Pay has of its own besides the generated
//! calls: the client payment parameters ([`Client::mini_program_pay_params`],
//! [`Client::app_pay_params`]), bills ([`Client::download_bill`]) and notifications
//! ([`Client::verify_payment_notification`], [`Client::decrypt_refund_notification`]).

// `rustfmt::skip`: the generated code is formatted by the generator (prettyplease);
// `cargo fmt` must not rewrite it, or every build would regenerate it.
#[rustfmt::skip]
#[path = "../../generated/wechatpay/mod.rs"]
mod api;

pub use api::*;

/// The former spelling of the platform's marker type [`WechatPay`].
#[deprecated(since = "0.2.0", note = "renamed `WechatPay`")]
pub type Wechatpay = WechatPay;

mod bill;
mod fundflow;
mod notify;
mod params;

pub use crate::runtime::signers::SignType;
#[cfg(feature = "payment")]
pub(crate) use bill::unparsable;
pub use bill::{Bill, BillError, BillRow, BillSummary};
pub use fundflow::{FundFlow, FundFlowRow, FundFlowSummary};
#[doc(hidden)]
pub use notify::encrypt_req_info;
pub use notify::{reply_fail, reply_success, NotifyError, PaymentNotification, RefundNotification};
pub use params::{AppPayParams, MiniProgramPayParams};

impl ClientBuilder {
    /// Signs requests (and expects answers signed) with `sign_type` (default MD5).
    pub fn sign_type(self, sign_type: SignType) -> Self {
        self.configure_signer(|options| options.sign_type = sign_type)
    }
}
