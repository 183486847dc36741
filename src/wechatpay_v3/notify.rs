//! Payment and refund notifications of API v3: WeChat Pay POSTs a JSON envelope to the
//! `notify_url`, signed in its `Wechatpay-*` headers like an answer, its `resource`
//! sealed with the merchant's APIv3 key (AEAD_AES_256_GCM). Nothing in one is trusted
//! until it has passed, in order: a size bound, the signature over the exact body (by
//! the key its `Wechatpay-Serial` names, timestamp within the allowed skew), the
//! envelope's shape, decryption, and this client's `mchid` and `appid` in the resource.
//!
//! Answer with [`reply_success`] (HTTP 200/204) once it is processed, or
//! [`reply_fail`] (a 4xx/5xx with `{"code":"FAIL","message":…}`) and WeChat Pay sends it
//! again; the same notification can arrive more than once, so process idempotently.
//!
//! In certificate mode with downloads, a notification may be signed by a certificate
//! that began signing after the client's last download: await
//! [`Client::refresh_keys_named_by`](crate::runtime::Client::refresh_keys_named_by) with
//! its headers first (it downloads only then, at most once a minute).
//!
//! Public docs: <https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_2.shtml>.

use super::pay::QueryByOutTradeNoResponse;
use super::Client;
use crate::crypto::aead::{check_algorithm, AeadError};
use crate::runtime::bounded_message;
use crate::runtime::signers::wechatpay_v3::Rejected;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The largest notification body accepted: a few KiB in practice; anything far larger
/// is refused before its signature is computed.
pub const MAX_NOTIFICATION_BYTES: usize = 64 * 1024;

/// A payment's transaction object, as a `TRANSACTION.SUCCESS` notification carries it
/// (the same shape as the query by `out_trade_no` answers).
pub type Transaction = QueryByOutTradeNoResponse;

/// Why a notification was rejected. Reply with [`reply_fail`]; WeChat Pay sends it again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    #[error("the notification has {0} bytes, more than the {MAX_NOTIFICATION_BYTES} accepted")]
    TooLarge(usize),
    /// The signature headers are missing, stale, name an unknown key, or do not verify.
    #[error("not verified as WeChat Pay's: {0}")]
    Unverified(#[from] Rejected),
    /// Not the documented JSON envelope.
    #[error("malformed notification: {0}")]
    Malformed(String),
    /// The client has no APIv3 key to open the resource with (`ClientBuilder::api_v3_key`).
    #[error(
        "the client has no APIv3 key (ClientBuilder::api_v3_key) to decrypt the resource with"
    )]
    NoApiV3Key,
    /// The resource does not decrypt (wrong APIv3 key, nonce, associated data, or altered).
    #[error("the resource cannot be decrypted: {0}")]
    Decrypt(#[from] AeadError),
    /// Another event than the one asked for (`REFUND.SUCCESS` where a payment was expected).
    #[error("the notification is a {0:?} event, not the one expected here")]
    UnexpectedEvent(String),
    /// The resource is for another merchant or app.
    #[error("the notification's {field} {value:?} is not this client's")]
    Foreign { field: &'static str, value: String },
    /// The decrypted resource does not have the documented fields and types.
    #[error("the resource's fields are not as documented: {0}")]
    Decode(String),
}

/// A verified, decrypted notification.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification<T> {
    /// The notification's id (`EV-…`); the same id arrives again on a resend.
    pub id: String,
    /// RFC 3339 with `+08:00`.
    pub create_time: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`.
    pub event_type: String,
    /// `支付成功`, `退款成功`, …
    pub summary: String,
    /// The decrypted resource.
    pub resource: T,
}

/// A refund's state as a `REFUND.*` notification carries it. Amounts are integer fen.
/// With the `encoders` feature it is written too, by a test bed (the simulator), so
/// that the notification it sends is this very shape.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "encoders", derive(serde::Serialize))]
#[non_exhaustive]
pub struct RefundResource {
    pub mchid: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub out_refund_no: String,
    pub refund_id: String,
    /// `SUCCESS`, `CLOSED` or `ABNORMAL`.
    pub refund_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    pub user_received_account: String,
    pub amount: RefundResourceAmount,
}

/// The amounts of a refund notification, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "encoders", derive(serde::Serialize))]
#[non_exhaustive]
pub struct RefundResourceAmount {
    pub total: i64,
    pub refund: i64,
    pub payer_total: i64,
    pub payer_refund: i64,
}

/// Which refund a notification is about (feature `encoders`, for a test bed).
#[cfg(feature = "encoders")]
#[derive(Debug, Clone, Copy)]
pub struct RefundIds<'a> {
    pub mchid: &'a str,
    pub out_trade_no: &'a str,
    pub transaction_id: &'a str,
    pub out_refund_no: &'a str,
    pub refund_id: &'a str,
}

#[cfg(feature = "encoders")]
impl RefundResource {
    /// The resource of a refund notification, as a test bed writes it.
    pub fn new(
        ids: RefundIds<'_>,
        refund_status: impl Into<String>,
        user_received_account: impl Into<String>,
        amount: RefundResourceAmount,
    ) -> Self {
        RefundResource {
            mchid: ids.mchid.to_owned(),
            out_trade_no: ids.out_trade_no.to_owned(),
            transaction_id: ids.transaction_id.to_owned(),
            out_refund_no: ids.out_refund_no.to_owned(),
            refund_id: ids.refund_id.to_owned(),
            refund_status: refund_status.into(),
            success_time: None,
            user_received_account: user_received_account.into(),
            amount,
        }
    }
    /// When the refund reached the user (RFC 3339), on a `REFUND.SUCCESS`.
    pub fn success_time(mut self, at: Option<impl Into<String>>) -> Self {
        self.success_time = at.map(Into::into);
        self
    }
}

#[cfg(feature = "encoders")]
impl RefundResourceAmount {
    /// Amounts in fen.
    pub fn new(total: i64, refund: i64, payer_total: i64, payer_refund: i64) -> Self {
        RefundResourceAmount {
            total,
            refund,
            payer_total,
            payer_refund,
        }
    }
}

/// The notification's outer JSON, before decryption.
#[derive(Deserialize)]
struct Envelope {
    id: String,
    create_time: String,
    event_type: String,
    #[serde(default)]
    summary: String,
    resource: Resource,
}

#[derive(Deserialize)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    #[serde(default)]
    associated_data: Option<String>,
    nonce: String,
}

/// What WeChat Pay expects once a notification is processed: HTTP 200 (or 204), with
/// this body.
pub fn reply_success() -> (u16, String) {
    (200, r#"{"code":"SUCCESS","message":"成功"}"#.to_owned())
}

/// What makes WeChat Pay send a notification again: a 4xx/5xx status with
/// `{"code":"FAIL","message":…}` (the message bounded, JSON-escaped).
pub fn reply_fail(status: u16, message: &str) -> (u16, String) {
    let status = if (400..=599).contains(&status) {
        status
    } else {
        500
    };
    let body = serde_json::json!({"code": "FAIL", "message": bounded_message(message.to_owned())});
    (status, body.to_string())
}

impl Client {
    /// Verifies and decrypts a notification of any event from its raw request: the
    /// headers and the exact body bytes as received (never a re-serialised body).
    pub fn verify_notification(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification<serde_json::Value>, NotifyError> {
        self.open(headers, body, |_| true)
    }

    /// A `TRANSACTION.SUCCESS` notification for this merchant and app.
    pub fn verify_payment_notification(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification<Transaction>, NotifyError> {
        let notification: Notification<Transaction> =
            self.open(headers, body, |event| event == "TRANSACTION.SUCCESS")?;
        self.own("mchid", &notification.resource.mchid, self.mchid())?;
        self.own("appid", &notification.resource.appid, self.app_id())?;
        Ok(notification)
    }

    /// A `REFUND.SUCCESS`, `REFUND.ABNORMAL` or `REFUND.CLOSED` notification for this
    /// merchant.
    pub fn verify_refund_notification(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification<RefundResource>, NotifyError> {
        let notification: Notification<RefundResource> =
            self.open(headers, body, |event| event.starts_with("REFUND."))?;
        self.own("mchid", &notification.resource.mchid, self.mchid())?;
        Ok(notification)
    }

    fn own(&self, field: &'static str, value: &str, ours: &str) -> Result<(), NotifyError> {
        if value == ours {
            Ok(())
        } else {
            Err(NotifyError::Foreign {
                field,
                value: bounded(value),
            })
        }
    }

    /// Verifies, checks the event (before the resource is decrypted and typed), opens.
    fn open<T: DeserializeOwned>(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        expected_event: impl Fn(&str) -> bool,
    ) -> Result<Notification<T>, NotifyError> {
        if body.len() > MAX_NOTIFICATION_BYTES {
            return Err(NotifyError::TooLarge(body.len()));
        }
        let signer = self.signer();
        signer.verify_message(headers, body, true)?;
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| NotifyError::Malformed(e.to_string()))?;
        if !expected_event(&envelope.event_type) {
            return Err(NotifyError::UnexpectedEvent(bounded(&envelope.event_type)));
        }
        let resource = envelope.resource;
        check_algorithm(&resource.algorithm)?;
        let key = signer.api_v3_key().ok_or(NotifyError::NoApiV3Key)?;
        let plain = key.decrypt(
            &resource.nonce,
            resource.associated_data.as_deref().unwrap_or(""),
            &resource.ciphertext,
        )?;
        let resource =
            serde_json::from_slice(&plain).map_err(|e| NotifyError::Decode(e.to_string()))?;
        Ok(Notification {
            id: envelope.id,
            create_time: envelope.create_time,
            event_type: envelope.event_type,
            summary: envelope.summary,
            resource,
        })
    }
}

fn bounded(text: &str) -> String {
    text.chars().take(64).collect()
}
