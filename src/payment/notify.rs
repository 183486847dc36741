//! Notifications through the facade: the raw HTTP request in (headers and body, as
//! the web framework received them), the verified notification out in uniCloud's
//! shape, with the reply the provider expects — to be sent only once the merchant has
//! recorded what the notification says (a provider that gets no acknowledgement sends
//! the notification again, which is what makes "record, then acknowledge" safe).

use super::types::TradeState;
use super::Provider;
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use serde::Serialize;

/// A notification as it arrived: its headers and its body, untouched.
#[derive(Debug, Clone, Copy)]
pub struct NotifyRequest<'a> {
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl<'a> NotifyRequest<'a> {
    pub fn new(headers: &'a HeaderMap, body: &'a [u8]) -> Self {
        NotifyRequest { headers, body }
    }

    /// From a whole request whose body has been read (`http::Request<Bytes>`, what
    /// axum's `Request` becomes after `axum::body::to_bytes`, hyper's, …).
    pub fn from_http<B: AsRef<[u8]>>(request: &'a http::Request<B>) -> Self {
        NotifyRequest {
            headers: request.headers(),
            body: request.body().as_ref(),
        }
    }

    /// The media type, lower case, without parameters.
    pub(super) fn media_type(&self) -> Option<String> {
        let value = self.headers.get(CONTENT_TYPE)?.to_str().ok()?;
        let media = value.split(';').next().unwrap_or_default().trim();
        Some(media.to_ascii_lowercase())
    }
}

/// The HTTP answer a provider expects once a notification is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyReply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl NotifyReply {
    /// As an `http::Response`, which axum, hyper and most Rust web frameworks send as
    /// it is.
    pub fn into_http(self) -> http::Response<String> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() =
            http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::OK);
        response.headers_mut().insert(
            CONTENT_TYPE,
            http::HeaderValue::from_static(self.content_type),
        );
        response
    }
}

/// A verified notification and the reply that acknowledges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<T> {
    pub notification: T,
    /// Send it after the notification's effect is committed, not before.
    pub reply: NotifyReply,
}

impl Verified<Notification> {
    /// The notification if it is of the `expected` kind (`pick` returns it), else
    /// [`NotifyError::WrongKind`].
    pub(super) fn narrow<T>(
        self,
        expected: &'static str,
        pick: impl FnOnce(Notification) -> Option<T>,
    ) -> Result<Verified<T>, NotifyError> {
        let got = self.notification.kind();
        match pick(self.notification) {
            Some(notification) => Ok(Verified {
                notification,
                reply: self.reply,
            }),
            None => Err(NotifyError::WrongKind { expected, got }),
        }
    }
}

/// A payment notification (uniCloud's `verifyPaymentNotify` result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentNotify {
    /// The order's amount, fen.
    pub total_fee: i64,
    /// Paid in cash, fen (Alipay: `buyer_pay_amount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_fee: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_type: Option<String>,
    pub out_trade_no: String,
    pub transaction_id: String,
    /// When it was paid, `yyyyMMddHHmmss` Beijing time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_end: Option<String>,
    /// The payer (WeChat openid; Alipay buyer id or open id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// `SUCCESS` for a paid order; WeChat Pay also notifies failures (`PAYERROR`), and
    /// Alipay notifies every state change.
    pub trade_state: TradeState,
    /// The provider's own word (`SUCCESS`/`FAIL`, `TRADE_SUCCESS`, …).
    pub provider_state: String,
}

/// A refund notification (uniCloud's `verifyRefundNotify` result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundNotify {
    /// The order's amount, fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_fee: Option<i64>,
    /// Asked for, fen (Alipay: refunded so far on this order).
    pub refund_fee: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_total_fee: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_refund_fee: Option<i64>,
    pub out_trade_no: String,
    pub transaction_id: String,
    /// WeChat Pay's refund number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// The merchant's refund number (Alipay's `out_biz_no`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_refund_no: Option<String>,
    /// `SUCCESS`, `CHANGE`, `REFUNDCLOSE` (Alipay notifies only refunds that
    /// succeeded: `SUCCESS`).
    pub refund_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_recv_accout: Option<String>,
    /// When it was refunded, as the provider wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
}

/// Either kind, for a URL that receives both (Alipay sends a trade's refund
/// notifications to its payment `notify_url`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Notification {
    Payment(PaymentNotify),
    Refund(RefundNotify),
}

impl Notification {
    /// `payment` or `refund`.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::Payment(_) => "payment",
            Notification::Refund(_) => "refund",
        }
    }
}

/// Why a notification was refused. Answer it with [`Payment::reply_fail`](super::Payment::reply_fail)
/// (or any non-2xx status): the provider will send it again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// Not a body this provider sends (a wrong content type).
    #[error("{provider} notifications are {expected}, this one is {got}")]
    ContentType {
        provider: Provider,
        expected: &'static str,
        got: String,
    },
    /// WeChat Pay: the body did not verify or decrypt (the source says why: missing
    /// or wrong sign, another merchant, malformed XML).
    #[error("WeChat Pay notification refused: {0}")]
    WechatPay(#[source] crate::wechatpay::NotifyError),
    /// WeChat Pay API v3: the request did not verify or decrypt (the source says why:
    /// missing or stale headers, a signature that does not match the exact body, an
    /// unknown key, a wrong APIv3 key, another merchant or app).
    #[error("WeChat Pay API v3 notification refused: {0}")]
    WechatPayV3(#[source] crate::wechatpay_v3::NotifyError),
    /// Alipay: the body did not verify (missing or wrong sign, another app, malformed
    /// form).
    #[error("Alipay notification refused: {0}")]
    Alipay(#[source] crate::alipay::NotifyError),
    /// Verified, but of the other kind (a refund where a payment was expected, or the
    /// reverse). Use [`Payment::verify_notify`](super::Payment::verify_notify) on a URL
    /// that gets both.
    #[error("a {got} notification where a {expected} notification was expected")]
    WrongKind {
        expected: &'static str,
        got: &'static str,
    },
    /// Verified, but a field is not what the docs describe.
    #[error("{0}")]
    Malformed(String),
}
