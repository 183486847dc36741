//! Asynchronous notifications: Alipay POSTs a form to the `notify_url` of a trade when
//! its state changes (paid, closed, refunded). Nothing in one is trusted until it has
//! passed every check here; Alipay expects the plain reply [`reply_success`] and sends
//! the notification again (for about 25 hours) until it gets it.

use super::Client;
use crate::runtime::bounded_message;
use crate::runtime::money::yuan_to_fen;
use crate::runtime::signers::Signer;
use serde_json::{Map, Value};

/// Why a notification was rejected: reply with anything but `success` (e.g.
/// [`reply_fail`]) and Alipay will send it again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// Not a form body (`application/x-www-form-urlencoded`, UTF-8).
    #[error("malformed notification: {0}")]
    Malformed(String),
    /// No `sign`: an unsigned notification is never trusted.
    #[error("the notification carries no sign")]
    MissingSign,
    /// A `sign_type` other than RSA2.
    #[error("unsupported sign_type {0:?} (only RSA2 is verified)")]
    UnsupportedSignType(String),
    /// The sign does not verify with Alipay's public key.
    #[error("sign rejected: {0}")]
    BadSign(String),
    /// The notification is for another app.
    #[error("the notification's {field} {value:?} is not this client's")]
    Foreign { field: &'static str, value: String },
    /// A field is missing or not as documented (e.g. an amount that is not exact yuan).
    #[error("the notification's fields are not as documented: {0}")]
    Decode(String),
}

/// A verified notification of a trade's state. Amounts are integer fen.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TradeNotification {
    /// `trade_status_sync` for trade notifications.
    pub notify_type: String,
    /// The notification's id: the same id arrives again when Alipay retries, so a
    /// handler can answer a replay idempotently.
    pub notify_id: String,
    /// `yyyy-MM-dd HH:mm:ss`, Beijing time.
    pub notify_time: String,
    pub app_id: String,
    pub trade_no: String,
    pub out_trade_no: String,
    /// `WAIT_BUYER_PAY`, `TRADE_CLOSED`, `TRADE_SUCCESS` or `TRADE_FINISHED`.
    pub trade_status: super::trade::TradeStatus,
    pub total_amount: Option<i64>,
    pub receipt_amount: Option<i64>,
    pub invoice_amount: Option<i64>,
    pub buyer_pay_amount: Option<i64>,
    pub point_amount: Option<i64>,
    /// The total refunded so far, on a refund's notification.
    pub refund_fee: Option<i64>,
    /// The refund's request number (`out_request_no`), on a refund's notification.
    pub out_biz_no: Option<String>,
    pub buyer_id: Option<String>,
    pub buyer_open_id: Option<String>,
    pub seller_id: Option<String>,
    pub subject: Option<String>,
    pub gmt_create: Option<String>,
    pub gmt_payment: Option<String>,
    pub gmt_refund: Option<String>,
    pub gmt_close: Option<String>,
    /// The payment channels, as the JSON text Alipay sent.
    pub fund_bill_list: Option<String>,
    pub passback_params: Option<String>,
    /// Every parameter as received (decoded once), `sign` included.
    pub params: Vec<(String, String)>,
}

impl std::fmt::Debug for TradeNotification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TradeNotification")
            .field("notify_type", &self.notify_type)
            .field("notify_id", &self.notify_id)
            .field("trade_no", &self.trade_no)
            .field("out_trade_no", &self.out_trade_no)
            .field("trade_status", &self.trade_status)
            .field("total_amount", &self.total_amount)
            .field("refund_fee", &self.refund_fee)
            .field("out_biz_no", &self.out_biz_no)
            .finish_non_exhaustive()
    }
}

/// The reply that acknowledges a notification (plain text `success`); send it only
/// once the notification's effect is committed.
pub fn reply_success() -> &'static str {
    "success"
}

/// A reply that makes Alipay send the notification again.
pub fn reply_fail() -> &'static str {
    "fail"
}

impl Client {
    /// Verifies a notification's form body (as it arrived: `application/x-www-form-
    /// urlencoded`) and returns it typed. Checks, in order: the body is a UTF-8 form;
    /// it has a `sign` and `sign_type` RSA2 (or none); the sign verifies with Alipay's
    /// public key over every other parameter but `sign_type`, sorted, values as decoded
    /// once; `app_id` is this client's; the fields are as documented.
    pub fn verify_notification(&self, body: &[u8]) -> Result<TradeNotification, NotifyError> {
        let params = parse_form(body)?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        match get("sign") {
            Some(s) if !s.is_empty() => {}
            _ => return Err(NotifyError::MissingSign),
        }
        match get("sign_type") {
            None | Some("RSA2") => {}
            Some(other) => return Err(NotifyError::UnsupportedSignType(bounded(other))),
        }
        let fields: Map<String, Value> = params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.signer()
            .verify(&fields)
            .map_err(NotifyError::BadSign)?;
        let app_id = get("app_id").unwrap_or_default();
        if app_id != self.app_id() {
            return Err(NotifyError::Foreign {
                field: "app_id",
                value: bounded(app_id),
            });
        }
        typed(&params)
    }
}

/// The parameters of a form body, each name and value percent-decoded once (`+` is a
/// space); a name given twice is refused (which one was signed?).
fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, NotifyError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| NotifyError::Malformed("the body is not UTF-8".into()))?;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(text.trim())
        .map_err(|e| NotifyError::Malformed(format!("not a form body: {e}")))?;
    if params.is_empty() {
        return Err(NotifyError::Malformed("the body is empty".into()));
    }
    for (i, (name, _)) in params.iter().enumerate() {
        if params[..i].iter().any(|(n, _)| n == name) {
            return Err(NotifyError::Malformed(format!(
                "parameter {:?} appears twice",
                bounded(name)
            )));
        }
    }
    Ok(params)
}

fn typed(params: &[(String, String)]) -> Result<TradeNotification, NotifyError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let required = |name: &'static str| {
        get(name).ok_or_else(|| NotifyError::Decode(format!("`{name}` is missing")))
    };
    let amount = |name: &'static str| -> Result<Option<i64>, NotifyError> {
        get(name)
            .map(|text| {
                yuan_to_fen(&text).map_err(|e| NotifyError::Decode(format!("`{name}`: {e}")))
            })
            .transpose()
    };
    let status = required("trade_status")?;
    Ok(TradeNotification {
        notify_type: required("notify_type")?,
        notify_id: required("notify_id")?,
        notify_time: required("notify_time")?,
        app_id: required("app_id")?,
        trade_no: required("trade_no")?,
        out_trade_no: required("out_trade_no")?,
        trade_status: status
            .parse()
            .map_err(|e| NotifyError::Decode(format!("{e}")))?,
        total_amount: amount("total_amount")?,
        receipt_amount: amount("receipt_amount")?,
        invoice_amount: amount("invoice_amount")?,
        buyer_pay_amount: amount("buyer_pay_amount")?,
        point_amount: amount("point_amount")?,
        refund_fee: amount("refund_fee")?,
        out_biz_no: get("out_biz_no"),
        buyer_id: get("buyer_id"),
        buyer_open_id: get("buyer_open_id"),
        seller_id: get("seller_id"),
        subject: get("subject"),
        gmt_create: get("gmt_create"),
        gmt_payment: get("gmt_payment"),
        gmt_refund: get("gmt_refund"),
        gmt_close: get("gmt_close"),
        fund_bill_list: get("fund_bill_list"),
        passback_params: get("passback_params"),
        params: params.to_vec(),
    })
}

fn bounded(text: &str) -> String {
    bounded_message(
        text.chars()
            .take(crate::runtime::MESSAGE_LIMIT + 1)
            .collect(),
    )
}
