//! Asynchronous notifications: Alipay POSTs a form to the `notify_url` of a trade when
//! its state changes (paid, closed, refunded). Nothing in one is trusted until it has
//! passed every check here; Alipay expects the plain reply [`reply_success`] and sends
//! the notification again (for about 25 hours) until it gets it.

use super::Client;
use crate::runtime::bounded_message;
use crate::runtime::money::yuan_to_fen;
use crate::runtime::signers::ParamsRejected;

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
    /// The trade's description, when it was created with one.
    pub body: Option<String>,
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
        self.checked_notification(body, Params::Keep)
    }

    /// [`Self::verify_notification`], keeping [`TradeNotification::params`] or not (the
    /// payment facade reads only the typed fields: no copy of every parameter).
    pub(crate) fn checked_notification(
        &self,
        body: &[u8],
        keep: Params,
    ) -> Result<TradeNotification, NotifyError> {
        let form = parse_form(body)?;
        let params = form.sorted();
        let get = |name: &str| lookup(&params, name);
        match get("sign") {
            Some(s) if !s.is_empty() => {}
            _ => return Err(NotifyError::MissingSign),
        }
        match get("sign_type") {
            None | Some("RSA2") => {}
            Some(other) => return Err(NotifyError::UnsupportedSignType(bounded(other))),
        }
        self.signer()
            .verify_sorted_params(&params)
            .map_err(|e| match e {
                ParamsRejected::Repeated(name) => {
                    NotifyError::Malformed(format!("parameter {:?} appears twice", bounded(&name)))
                }
                ParamsRejected::Signature(reason) => NotifyError::BadSign(reason),
            })?;
        let app_id = get("app_id").unwrap_or_default();
        if app_id != self.app_id() {
            return Err(NotifyError::Foreign {
                field: "app_id",
                value: bounded(app_id),
            });
        }
        let received = match keep {
            Params::Keep => form.owned(),
            Params::Drop => Vec::new(),
        };
        typed(&params, received)
    }
}

/// The parameters of a form body, each name and value percent-decoded once (`+` is a
/// space, `%XX` a byte; the decoded bytes must be UTF-8). A name given twice is refused
/// by the signature check, which sorts them anyway.
///
/// One pass over the bytes into one buffer, then one UTF-8 check: decoding each part on
/// its own (as `form_urlencoded` does, in layers of `Cow`s) was a sixth of the whole
/// notification check, the RSA2 verify included.
fn parse_form(body: &[u8]) -> Result<Form, NotifyError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| NotifyError::Malformed("the body is not UTF-8".into()))?;
    let form = text.trim().as_bytes();
    let mut decoded: Vec<u8> = Vec::with_capacity(form.len());
    // Each parameter as [name start, value start, value end] in `decoded`.
    let mut bounds: Vec<[usize; 3]> = Vec::with_capacity(32);
    let (mut name_start, mut value_start) = (0, None);
    let mut i = 0;
    loop {
        // Plain runs are copied whole; only the four bytes that mean something to a form
        // are looked at one by one.
        let run = i;
        while i < form.len() && !FORM_SYNTAX[usize::from(form[i])] {
            i += 1;
        }
        decoded.extend_from_slice(&form[run..i]);
        let byte = form.get(i).copied();
        if matches!(byte, None | Some(b'&')) {
            let end = decoded.len();
            // `a&&b` and a trailing `&` hold no parameter.
            if end > name_start || value_start.is_some() {
                bounds.push([name_start, value_start.unwrap_or(end), end]);
            }
            if byte.is_none() {
                break;
            }
            (name_start, value_start) = (end, None);
        } else if byte == Some(b'=') && value_start.is_none() {
            value_start = Some(decoded.len());
        } else if byte == Some(b'+') {
            decoded.push(b' ');
        } else if byte == Some(b'%') {
            match (hex(form.get(i + 1)), hex(form.get(i + 2))) {
                (Some(high), Some(low)) => {
                    decoded.push(high << 4 | low);
                    i += 2;
                }
                // A `%` that starts no escape stands for itself, as in every form parser.
                _ => decoded.push(b'%'),
            }
        } else if let Some(other) = byte {
            decoded.push(other);
        }
        i += 1;
    }
    let not_utf8 = || NotifyError::Malformed("a parameter is not UTF-8 once decoded".into());
    let decoded = String::from_utf8(decoded).map_err(|_| not_utf8())?;
    // A part must be UTF-8 on its own, not only joined to its neighbour.
    if !bounds
        .iter()
        .flatten()
        .all(|at| decoded.is_char_boundary(*at))
    {
        return Err(not_utf8());
    }
    if bounds.is_empty() {
        return Err(NotifyError::Malformed("the body is empty".into()));
    }
    Ok(Form { decoded, bounds })
}

/// A decoded form: every name and value in one buffer, read in place.
struct Form {
    decoded: String,
    /// Each parameter as [name start, value start, value end] in `decoded`, on
    /// character boundaries.
    bounds: Vec<[usize; 3]>,
}

impl Form {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.bounds.iter().map(|&[name, value, end]| {
            (
                self.decoded.get(name..value).unwrap_or_default(),
                self.decoded.get(value..end).unwrap_or_default(),
            )
        })
    }
    /// The parameters sorted by name (a stable sort: repeated names keep their order).
    fn sorted(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> = self.pairs().collect();
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        pairs
    }
    /// Every parameter, owned, in the body's order.
    fn owned(&self) -> Vec<(String, String)> {
        self.pairs()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

/// The value of `name` among parameters sorted by name.
fn lookup<'a>(sorted: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    let at = sorted.partition_point(|(k, _)| *k < name);
    sorted.get(at).filter(|(k, _)| *k == name).map(|(_, v)| *v)
}

/// The bytes with a meaning in a form: `&` and `=` separate, `+` and `%` encode.
const FORM_SYNTAX: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'=' as usize] = true;
    table[b'+' as usize] = true;
    table[b'%' as usize] = true;
    table
};

/// The value of a hexadecimal digit.
fn hex(digit: Option<&u8>) -> Option<u8> {
    match digit {
        Some(b @ b'0'..=b'9') => Some(b - b'0'),
        Some(b @ b'a'..=b'f') => Some(b - b'a' + 10),
        Some(b @ b'A'..=b'F') => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether a checked notification keeps every parameter as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Params {
    Keep,
    /// Only the typed fields are wanted.
    #[cfg_attr(not(feature = "payment"), allow(dead_code))]
    Drop,
}

/// The documented parameters of a notification, as found (non-empty values only).
#[derive(Default)]
struct Found<'a> {
    notify_type: Option<&'a str>,
    notify_id: Option<&'a str>,
    notify_time: Option<&'a str>,
    app_id: Option<&'a str>,
    trade_no: Option<&'a str>,
    out_trade_no: Option<&'a str>,
    trade_status: Option<&'a str>,
    total_amount: Option<&'a str>,
    receipt_amount: Option<&'a str>,
    invoice_amount: Option<&'a str>,
    buyer_pay_amount: Option<&'a str>,
    point_amount: Option<&'a str>,
    refund_fee: Option<&'a str>,
    out_biz_no: Option<&'a str>,
    buyer_id: Option<&'a str>,
    buyer_open_id: Option<&'a str>,
    seller_id: Option<&'a str>,
    subject: Option<&'a str>,
    gmt_create: Option<&'a str>,
    gmt_payment: Option<&'a str>,
    gmt_refund: Option<&'a str>,
    gmt_close: Option<&'a str>,
    fund_bill_list: Option<&'a str>,
    passback_params: Option<&'a str>,
    body: Option<&'a str>,
}

impl<'a> Found<'a> {
    /// One pass over the parameters (a lookup per field compared names many times over).
    fn of(params: &[(&str, &'a str)]) -> Self {
        let mut found = Found::default();
        for &(name, value) in params.iter().filter(|(_, v)| !v.is_empty()) {
            let slot = match name {
                "notify_type" => &mut found.notify_type,
                "notify_id" => &mut found.notify_id,
                "notify_time" => &mut found.notify_time,
                "app_id" => &mut found.app_id,
                "trade_no" => &mut found.trade_no,
                "out_trade_no" => &mut found.out_trade_no,
                "trade_status" => &mut found.trade_status,
                "total_amount" => &mut found.total_amount,
                "receipt_amount" => &mut found.receipt_amount,
                "invoice_amount" => &mut found.invoice_amount,
                "buyer_pay_amount" => &mut found.buyer_pay_amount,
                "point_amount" => &mut found.point_amount,
                "refund_fee" => &mut found.refund_fee,
                "out_biz_no" => &mut found.out_biz_no,
                "buyer_id" => &mut found.buyer_id,
                "buyer_open_id" => &mut found.buyer_open_id,
                "seller_id" => &mut found.seller_id,
                "subject" => &mut found.subject,
                "gmt_create" => &mut found.gmt_create,
                "gmt_payment" => &mut found.gmt_payment,
                "gmt_refund" => &mut found.gmt_refund,
                "gmt_close" => &mut found.gmt_close,
                "fund_bill_list" => &mut found.fund_bill_list,
                "passback_params" => &mut found.passback_params,
                "body" => &mut found.body,
                _ => continue,
            };
            *slot = Some(value);
        }
        found
    }
}

/// The documented fields of verified parameters (no name twice).
fn typed(
    params: &[(&str, &str)],
    received: Vec<(String, String)>,
) -> Result<TradeNotification, NotifyError> {
    let f = Found::of(params);
    let text = |value: Option<&str>| value.map(str::to_owned);
    let required = |value: Option<&str>, name: &'static str| {
        text(value).ok_or_else(|| NotifyError::Decode(format!("`{name}` is missing")))
    };
    let amount = |value: Option<&str>, name: &'static str| {
        value
            .map(|v| yuan_to_fen(v).map_err(|e| NotifyError::Decode(format!("`{name}`: {e}"))))
            .transpose()
    };
    let trade_status = f
        .trade_status
        .ok_or_else(|| NotifyError::Decode("`trade_status` is missing".into()))?
        .parse()
        .map_err(|e| NotifyError::Decode(format!("{e}")))?;
    Ok(TradeNotification {
        notify_type: required(f.notify_type, "notify_type")?,
        notify_id: required(f.notify_id, "notify_id")?,
        notify_time: required(f.notify_time, "notify_time")?,
        app_id: required(f.app_id, "app_id")?,
        trade_no: required(f.trade_no, "trade_no")?,
        out_trade_no: required(f.out_trade_no, "out_trade_no")?,
        trade_status,
        total_amount: amount(f.total_amount, "total_amount")?,
        receipt_amount: amount(f.receipt_amount, "receipt_amount")?,
        invoice_amount: amount(f.invoice_amount, "invoice_amount")?,
        buyer_pay_amount: amount(f.buyer_pay_amount, "buyer_pay_amount")?,
        point_amount: amount(f.point_amount, "point_amount")?,
        refund_fee: amount(f.refund_fee, "refund_fee")?,
        out_biz_no: text(f.out_biz_no),
        buyer_id: text(f.buyer_id),
        buyer_open_id: text(f.buyer_open_id),
        seller_id: text(f.seller_id),
        subject: text(f.subject),
        gmt_create: text(f.gmt_create),
        gmt_payment: text(f.gmt_payment),
        gmt_refund: text(f.gmt_refund),
        gmt_close: text(f.gmt_close),
        fund_bill_list: text(f.fund_bill_list),
        passback_params: text(f.passback_params),
        body: text(f.body),
        params: received,
    })
}

/// The other way (feature `encoders`), for a test bed that sends notifications: the
/// members the verifier reads, written under the same names.
#[cfg(feature = "encoders")]
impl TradeNotification {
    /// A `trade_status_sync` notification of a trade, its optional members unset.
    pub fn new(
        notify_id: impl Into<String>,
        notify_time: impl Into<String>,
        app_id: impl Into<String>,
        trade_no: impl Into<String>,
        out_trade_no: impl Into<String>,
        trade_status: super::trade::TradeStatus,
    ) -> Self {
        TradeNotification {
            notify_type: "trade_status_sync".to_owned(),
            notify_id: notify_id.into(),
            notify_time: notify_time.into(),
            app_id: app_id.into(),
            trade_no: trade_no.into(),
            out_trade_no: out_trade_no.into(),
            trade_status,
            total_amount: None,
            receipt_amount: None,
            invoice_amount: None,
            buyer_pay_amount: None,
            point_amount: None,
            refund_fee: None,
            out_biz_no: None,
            buyer_id: None,
            buyer_open_id: None,
            seller_id: None,
            subject: None,
            gmt_create: None,
            gmt_payment: None,
            gmt_refund: None,
            gmt_close: None,
            fund_bill_list: None,
            passback_params: None,
            body: None,
            params: Vec::new(),
        }
    }

    /// Its documented members as form parameters, unsigned: amounts as yuan text,
    /// absent options left out.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        use crate::runtime::money::fen_to_yuan;
        let mut out = vec![
            ("notify_type", self.notify_type.clone()),
            ("notify_id", self.notify_id.clone()),
            ("notify_time", self.notify_time.clone()),
            ("app_id", self.app_id.clone()),
            ("trade_no", self.trade_no.clone()),
            ("out_trade_no", self.out_trade_no.clone()),
            ("trade_status", self.trade_status.as_str().to_owned()),
        ];
        let amounts = [
            ("total_amount", self.total_amount),
            ("receipt_amount", self.receipt_amount),
            ("invoice_amount", self.invoice_amount),
            ("buyer_pay_amount", self.buyer_pay_amount),
            ("point_amount", self.point_amount),
            ("refund_fee", self.refund_fee),
        ];
        out.extend(
            amounts
                .into_iter()
                .filter_map(|(name, fen)| Some((name, fen_to_yuan(fen?)))),
        );
        let texts = [
            ("out_biz_no", &self.out_biz_no),
            ("buyer_id", &self.buyer_id),
            ("buyer_open_id", &self.buyer_open_id),
            ("seller_id", &self.seller_id),
            ("subject", &self.subject),
            ("gmt_create", &self.gmt_create),
            ("gmt_payment", &self.gmt_payment),
            ("gmt_refund", &self.gmt_refund),
            ("gmt_close", &self.gmt_close),
            ("fund_bill_list", &self.fund_bill_list),
            ("passback_params", &self.passback_params),
            ("body", &self.body),
        ];
        out.extend(
            texts
                .into_iter()
                .filter_map(|(name, value)| Some((name, value.clone()?))),
        );
        out
    }
}

fn bounded(text: &str) -> String {
    bounded_message(
        text.chars()
            .take(crate::runtime::MESSAGE_LIMIT + 1)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a test bed writes is what the verifier reads (its received parameters
    /// aside).
    #[cfg(feature = "encoders")]
    #[test]
    fn a_written_notification_reads_back() {
        use crate::alipay::trade::TradeStatus;
        let mut sent = TradeNotification::new(
            "n1",
            "2026-12-07 10:00:00",
            "2021000000000001",
            "2026120722001",
            "o1",
            TradeStatus::TradeSuccess,
        );
        sent.total_amount = Some(1234);
        sent.point_amount = Some(0);
        sent.buyer_id = Some("2088102122524333".into());
        sent.body = Some("说明".into());
        let written = sent.to_params();
        assert!(written.contains(&("total_amount", "12.34".to_owned())));
        assert!(!written.iter().any(|(name, _)| *name == "refund_fee"));
        let pairs: Vec<(&str, &str)> = written.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let read = typed(&pairs, Vec::new()).unwrap();
        assert_eq!(read, sent);
    }

    #[test]
    fn form_decoding_is_the_standard_one() {
        for form in [
            "a=x+y%20z&b=%E8%AE%A2%E5%8D%95",
            "k=50%&z=%zz%4&q=a%2",
            "sign=%2B%2F%3D&e=&=v&plain",
            "a=b=c&&d=%26&",
            "",
            "&&",
        ] {
            let standard: Vec<(String, String)> = form_urlencoded::parse(form.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            match parse_form(form.as_bytes()) {
                Ok(ours) => assert_eq!(ours.owned(), standard, "{form}"),
                Err(_) => assert!(standard.is_empty(), "{form}"),
            }
        }
        for bad in ["a=%C3%28", "%E8%AE=%A2", "a=%FF"] {
            assert!(
                matches!(parse_form(bad.as_bytes()), Err(NotifyError::Malformed(m)) if m.contains("UTF-8")),
                "{bad}"
            );
        }
    }

    #[test]
    fn forms_split_on_ampersands() {
        let params = parse_form(b"a=1&&b=x+y&c&d=%26").unwrap().owned();
        assert_eq!(
            params,
            [("a", "1"), ("b", "x y"), ("c", ""), ("d", "&")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        // Both copies are kept: the signature check refuses them (which one was signed?).
        assert_eq!(parse_form(b"sign=a&sign=b").unwrap().bounds.len(), 2);
        assert!(matches!(parse_form(b""), Err(NotifyError::Malformed(_))));
    }
}
