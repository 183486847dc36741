//! Alipay (feature `alipay`): the gateway's wire, the merchant's trades and refunds, the
//! users' logins, and the steering a test uses to move them on (plain methods on
//! [`Simulator`] returning plain data).
//!
//! Every call is `POST /gateway.do` (a form), routed by its `method` (see
//! [`platform_with`] for the gateway's checks: the
//! RSA2 sign with the app's public key, the app id, the method). Answers are
//! `{"<method>_response": {code, msg, …}, "sign": …}`, signed over the member's exact
//! text with the simulator's Alipay key; amounts are yuan text (`"88.88"`). Business
//! fields come from `biz_content`. What the endpoints do:
//!
//! * `alipay.system.oauth.token`, `grant_type=authorization_code` (`auth.code2Session`):
//!   any non-empty auth code is good **once** and names a user derived from its text
//!   (`user_id` `2088…`, an `open_id` for this app); it answers an `access_token`,
//!   `expires_in` 1296000, a `refresh_token`, `re_expires_in` 2592000 and `auth_start`.
//!   A code used before, and [`INVALID_AUTH_CODE`], answer 40002 `isv.code-invalid`.
//! * `grant_type=refresh_token` (`auth.refreshToken`): a refresh token it issued (good
//!   once) answers new tokens for the same user; any other `isv.refresh-token-invalid`.
//!   Refusals of both sit under `error_response`.
//! * `alipay.user.info.share` (`user.infoShare`, the token in the common parameter
//!   `auth_token`): the public profile of the user an `access_token` above was issued
//!   for (`user_id`, `open_id`, a `nick_name`, `avatar`, `gender`, …; no personal
//!   data). A token it never issued answers 20001 `aop.invalid-auth-token`; one
//!   expired with [`Simulator::expire_alipay_auth_token`], `aop.auth-token-time-out`.
//! * `alipay.trade.create`: a trade `WAIT_BUYER_PAY` with a 28-digit `trade_no`
//!   (`yyyyMMdd220014…`). `total_amount` must be at least 0.01 yuan; `product_code`
//!   `JSAPI_PAY` needs `buyer_id` or `buyer_open_id`. The same `out_trade_no` again
//!   answers the same `trade_no` when every business parameter is the same, else
//!   `ACQ.CONTEXT_INCONSISTENT`; once paid `ACQ.TRADE_HAS_SUCCESS`, once closed
//!   `ACQ.TRADE_HAS_CLOSE`.
//! * `alipay.trade.precreate`: the same trade (no buyer needed), answered with its
//!   `qr_code` (`https://qr.alipay.com/bax…`, derived from the `trade_no`; nothing is
//!   served there: pay it with [`Simulator::pay_alipay_trade`]). The same parameters
//!   again answer the same QR code; a number used by `alipay.trade.create`, or other
//!   parameters, `ACQ.CONTEXT_INCONSISTENT`.
//! * `alipay.trade.query` (by `trade_no`, else `out_trade_no`): `trade_status`, the
//!   amounts (`0.00` until paid), once paid the buyer and `send_pay_date`;
//!   `fund_bill_list` when `query_options` asks for it. Unknown: `ACQ.TRADE_NOT_EXIST`.
//! * `alipay.trade.close`: `WAIT_BUYER_PAY` → `TRADE_CLOSED`; any other status
//!   `ACQ.TRADE_STATUS_ERROR`.
//! * `alipay.trade.cancel`: an unpaid trade is closed (`action: close`), a paid one is
//!   refunded in full and closed (`action: refund`), `retry_flag: N`; cancelling again
//!   answers the same. A trade refunded before: `ACQ.REASON_TRADE_REFUND_FEE_ERR`;
//!   `TRADE_FINISHED`: `ACQ.TRADE_HAS_FINISHED`; an unknown trade: no `action`, as the
//!   docs say.
//! * `alipay.trade.refund`: the trade must be paid (`ACQ.TRADE_STATUS_ERROR`; closed:
//!   `ACQ.TRADE_HAS_CLOSE`; finished: `ACQ.TRADE_HAS_FINISHED`). More than the trade's
//!   amount, or a partial refund without `out_request_no`: `ACQ.REFUND_AMT_NOT_EQUAL_TOTAL`;
//!   more than is left: `ACQ.REASON_TRADE_REFUND_FEE_ERR`. A refund succeeds at once
//!   (`fund_change: Y`, `refund_fee` the total refunded so far); the same
//!   `out_request_no` again answers it again (`fund_change: N`), with another amount
//!   `ACQ.DISCORDANT_REPEAT_REQUEST`. A trade refunded in full is `TRADE_CLOSED`.
//!   Without `out_request_no` the refund's request number is the `out_trade_no`.
//! * `alipay.trade.fastpay.refund.query` (by `out_request_no` of a trade):
//!   `refund_status: REFUND_SUCCESS`, `refund_amount`, `total_amount`; a request number
//!   the trade never had answers no `refund_status` (as the docs say). Unknown trade:
//!   `TRADE_NOT_EXIST`, as its table spells it.
//! * `alipay.data.dataservice.bill.downloadurl.query` (`bill_type=trade`, `bill_date`
//!   `yyyy-MM-dd` or `yyyy-MM`; a malformed date `INVAILID_ARGUMENTS`): a
//!   `bill_download_url` back at the simulator (`http://<its host>/downloadBillFile.resource?…&fileId=…`,
//!   under the `/alipay` prefix when the query came that way), valid 30 seconds, for a
//!   plain GET of a zip of two GBK CSV files laid out as Alipay's: the detail
//!   (`<account>_<yyyyMMdd>_业务明细.csv`: one `交易` row per trade paid that day,
//!   one `退款` row per refund, amounts negative, identifiers followed by a tab, the
//!   `#交易合计` / `#退款合计` lines) and the summary (`…_业务明细(汇总).csv`). A day
//!   with neither, another `bill_type`: `BILL_NOT_EXIST`. Unlike Alipay, today's bill
//!   is served (the simulator's trades are all recent), the entry names are UTF-8, and
//!   service fees are zero.
//!
//! Every request must name an `app_id` (40001 `isv.missing-app-id`) and a `timestamp`
//! `yyyy-MM-dd HH:mm:ss` (40002 `isv.invalid-timestamp`); a `biz_content` that is not a
//! JSON object, a missing required field or a bad amount answer `ACQ.INVALID_PARAMETER`.
//!
//! Steering: [`Simulator::pay_alipay_trade`] marks a trade paid and POSTs the signed
//! `trade_status_sync` notification to its `notify_url`; refunds are not notified on
//! their own — [`Simulator::notify_alipay_refund`] POSTs a refund's notification
//! (`refund_fee`, `gmt_refund`, `out_biz_no`) when the test wants one;
//! [`Simulator::finish_alipay_trade`] ends a trade's refund period (`TRADE_FINISHED`);
//! [`Simulator::alipay_trades`] and [`Simulator::alipay_refunds`] read the state;
//! [`Simulator::verify_alipay_order_string`] checks an App order string as Alipay would.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::alipay::trade::{CreateRequest, QueryOrder, QueryRequest, TradeStatus};
//! use miniapp::alipay::Client;
//! use miniapp_simulator::alipay::{ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY};
//! use miniapp_simulator::{Simulator, DEFAULT_ALIPAY_APP_ID};
//!
//! let sim = Simulator::builder().only(&["alipay"]).start().await?;
//! let ali = Client::builder(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
//!     .base_url(sim.url("alipay"))
//!     .try_build()?;
//! let order = CreateRequest::new("order-1", 88_88, "会员充值")
//!     .notify_url("http://127.0.0.1:8080/alipay/notify");
//! ali.trade().create(order).await?;
//! let notified = sim.pay_alipay_trade("order-1").await?; // your notify handler answered
//! assert!(notified.is_some_and(|n| n.acknowledged));
//! let query = ali.trade().query(QueryRequest::new(QueryOrder::out_trade_no("order-1"))).await?;
//! assert_eq!(query.trade_status, TradeStatus::TradeSuccess);
//! # Ok(()) }
//! ```
//!
//! Not simulated: certificate mode (requests with `app_cert_sn` are checked like any
//! other; answers carry no `alipay_cert_sn`, so a certificate-mode client, whose Alipay
//! key is a certificate, cannot be pointed here), parameters sent in the query string
//! (the sign is checked over the form body), notification retries, trade timeouts
//! (`timeout_express` never closes a trade), coupons and royalties.

mod admin;
mod auth;
mod bill;
mod books;
mod notify;
mod trade;
mod user;
mod wire;

pub(crate) use bill::extra;
pub(crate) use books::Books;
pub(crate) use wire::{app_id_field, seal, sign_fields, verify_request};

pub use super::DEFAULT_ALIPAY_APP_ID;

use super::engine::Platform;
use super::engine::{Desk, Reply, State};
use super::merchant::{registration, Held, Merchant, Start};
use super::rules::{schema_refusal, sign_field, OwnCredentials, SignRule};
use super::server::{doc_text, object};
use super::{wire_text, Simulator};
use miniapp::__private::Meaning;
use miniapp::alipay::trade::{CancelAction, RefundStatus, TradeStatus};
use miniapp::runtime::{beijing_time, EndpointInfo, Envelope, Platform as _};
use serde::Serialize;
use serde_json::{Map, Value};
use std::time::SystemTime;

/// **Test key, never use it in production**: the app private key (PKCS#8 PEM, 2048 bits)
/// whose public half the simulator checks request signs with by default. It is public
/// (committed in this repository): anything signed with it proves nothing.
pub const APP_PRIVATE_KEY: &str = include_str!("keys/app_private_key.pem");
/// **Test key, never use it in production**: the public half of [`APP_PRIVATE_KEY`]
/// (SubjectPublicKeyInfo PEM), what the simulator verifies requests with by default
/// (replace it with [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key)`("alipay", key)`).
pub const APP_PUBLIC_KEY: &str = include_str!("keys/app_public_key.pem");
/// **Test key, never use it in production**: the simulator's "Alipay" private key
/// (PKCS#8 PEM, 2048 bits), which signs every answer and notification. Public, so
/// tests can forge what the simulator would send.
pub const ALIPAY_PRIVATE_KEY: &str = include_str!("keys/alipay_private_key.pem");
/// **Test key, never use it in production**: the public half of [`ALIPAY_PRIVATE_KEY`],
/// the "Alipay public key" a client pointed at the simulator verifies answers and
/// notifications with.
pub const ALIPAY_PUBLIC_KEY: &str = include_str!("keys/alipay_public_key.pem");

/// An auth code that `auth.code2Session` always refuses (`isv.code-invalid`).
pub const INVALID_AUTH_CODE: &str = "invalid-code";
/// The buyer of a trade whose create request names none (`buyer_id`).
pub const SIMULATED_BUYER_ID: &str = "2088102146225135";
/// The merchant's account (`seller_id`) of a trade whose create request names none.
pub const SIMULATED_SELLER_ID: &str = "2088102146225100";

/// Lifetime of the access tokens issued (`expires_in`, seconds: 15 days).
const ACCESS_TOKEN_LIFETIME: i64 = 1_296_000;
/// Lifetime of the refresh tokens issued (`re_expires_in`, seconds: 30 days).
const REFRESH_TOKEN_LIFETIME: i64 = 2_592_000;

/// A trade the merchant created, as it stands. Times are Beijing time,
/// `yyyy-MM-dd HH:mm:ss`; amounts are fen (integers in JSON too, not Alipay's yuan
/// text; enums as their wire text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Trade {
    pub out_trade_no: String,
    pub trade_no: String,
    #[serde(serialize_with = "wire_text::serialize")]
    pub trade_status: TradeStatus,
    pub total_amount: i64,
    pub subject: String,
    pub body: Option<String>,
    pub product_code: Option<String>,
    /// The buyer: the create request's `buyer_id`, the user of its `buyer_open_id`, or
    /// [`SIMULATED_BUYER_ID`].
    pub buyer_id: String,
    /// The buyer's open id for this app.
    pub buyer_open_id: String,
    pub seller_id: String,
    /// Where its notifications go; `None`: none are sent.
    pub notify_url: Option<String>,
    pub passback_params: Option<String>,
    pub gmt_create: String,
    /// When it was paid.
    pub gmt_payment: Option<String>,
    /// When it was closed (unpaid, cancelled or refunded in full).
    pub gmt_close: Option<String>,
    /// Fen refunded so far (refunds and a cancel's refund).
    pub refunded: i64,
    /// What a cancel did to it, once cancelled.
    #[serde(serialize_with = "wire_text::option")]
    pub cancel_action: Option<CancelAction>,
    /// The QR code a precreate (`alipay.trade.precreate`) answered; `None` for a
    /// trade opened by `alipay.trade.create`.
    pub qr_code: Option<String>,
}

/// A refund the merchant asked for (it succeeded at once). Times are Beijing time,
/// `yyyy-MM-dd HH:mm:ss`; amounts are fen (integers in JSON too; enums as their wire
/// text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Refund {
    pub out_trade_no: String,
    pub trade_no: String,
    /// The refund's request number (its `out_trade_no` when the request named none).
    pub out_request_no: String,
    pub refund_amount: i64,
    /// The trade's amount.
    pub total_amount: i64,
    pub refund_reason: Option<String>,
    #[serde(serialize_with = "wire_text::serialize")]
    pub refund_status: RefundStatus,
    pub gmt_refund: String,
}

#[doc(hidden)]
pub use super::delivery::Notified;

/// Why a steering call of the simulated Alipay changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlipaySteerError {
    #[error("the simulator does not serve Alipay")]
    NotServed,
    #[error("no trade has out_trade_no {0:?}")]
    UnknownTrade(String),
    #[error("trade {out_trade_no:?} has no refund with out_request_no {out_request_no:?}")]
    UnknownRefund {
        out_trade_no: String,
        out_request_no: String,
    },
    #[error("trade {out_trade_no:?} is {status}: only a WAIT_BUYER_PAY trade can be paid")]
    NotPayable {
        out_trade_no: String,
        status: String,
    },
    #[error("trade {out_trade_no:?} is {status}: only a TRADE_SUCCESS trade can finish")]
    NotFinishable {
        out_trade_no: String,
        status: String,
    },
    #[error("trade {0:?} was created without a notify_url")]
    NoNotifyUrl(String),
    #[error("no such access token was issued (or it is forgotten)")]
    UnknownAuthToken,
}

/// The former name of [`AlipaySteerError`].
#[deprecated(since = "0.2.0", note = "renamed `AlipaySteerError`")]
pub type SteerError = AlipaySteerError;

/// Now, Beijing time, `yyyy-MM-dd HH:mm:ss`.
fn now() -> String {
    beijing_time::dashed(SystemTime::now())
}

/// The business fields of a request: its `biz_content` object (empty when it has none).
pub(super) struct Biz(Map<String, Value>);

impl Biz {
    /// Every field as text: what creating the same trade again must repeat.
    fn params(&self) -> std::collections::BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect()
    }
}

/// A refusal with the code of `error` — a variant of the endpoint's generated error
/// enum, so that the code is the schema's — and the first clause of its doc text.
fn refuse(desk: &Desk<'_>, error: impl miniapp::runtime::ApiError) -> Reply {
    let code = error.code();
    let text = doc_text(desk.info, &code).map_or(error.message(), |doc| {
        doc.split([':', ':']).next().unwrap_or(doc)
    });
    Reply::Refused(code, text.to_owned())
}

type Handler = fn(&mut Desk<'_>, &Biz) -> Result<Reply, Reply>;

/// The handler of an endpoint, by its generated name.
fn handler(name: &str) -> Option<Handler> {
    use miniapp::alipay::auth::{Code2SessionRequest, RefreshTokenRequest};
    use miniapp::alipay::bill::DownloadUrlQueryRequest;
    use miniapp::alipay::trade::{
        CancelRequest, CloseRequest, CreateRequest, PrecreateRequest, QueryRequest,
        RefundQueryRequest, RefundRequest,
    };
    use miniapp::alipay::user::InfoShareRequest;
    use miniapp::runtime::Endpoint;
    let table: [(&str, Handler); 11] = [
        (Code2SessionRequest::NAME, auth::code2_session),
        (RefreshTokenRequest::NAME, auth::refresh_token),
        (CreateRequest::NAME, trade::create),
        (PrecreateRequest::NAME, trade::precreate),
        (QueryRequest::NAME, trade::query),
        (CloseRequest::NAME, trade::close),
        (CancelRequest::NAME, trade::cancel),
        (RefundRequest::NAME, trade::refund),
        (RefundQueryRequest::NAME, trade::refund_query),
        (InfoShareRequest::NAME, user::info_share),
        (DownloadUrlQueryRequest::NAME, bill::download_url_query),
    ];
    table.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// The platform's `serve` hook: the gateway's remaining checks, then the handler of the
/// endpoint; an endpoint it does not know (a newer schema's) gets the generic answer.
pub(crate) fn serve(desk: &mut Desk<'_>) -> Option<Reply> {
    let handler = handler(desk.info.name)?;
    Some(
        gateway(desk)
            .and_then(|biz| handler(desk, &biz))
            .unwrap_or_else(|refusal| refusal),
    )
}

/// What the gateway checks besides the sign and the app id (done generically): that
/// the request names its app and its time, and that `biz_content` is a JSON object.
fn gateway(desk: &Desk<'_>) -> Result<Biz, Reply> {
    let rule = desk.shared.platforms[desk.platform].sign.as_ref();
    let app_id = rule
        .and_then(|r| r.app_id_field.as_deref())
        .unwrap_or("app_id");
    if desk.field(app_id).is_none() {
        return Err(desk.refuse_for(Meaning::MissingIdentity));
    }
    if !desk.field("timestamp").is_some_and(|t| is_timestamp(&t)) {
        return Err(desk.refuse_for(Meaning::BadTimestamp));
    }
    let packed = desk.shared.platforms[desk.platform].packed_into;
    match packed.and_then(|field| desk.field(field)) {
        None => Ok(Biz(Map::new())),
        Some(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => Ok(Biz(map)),
            _ => Err(desk.refuse_because(Meaning::InvalidField, "biz_content不是JSON对象")),
        },
    }
}

/// `yyyy-MM-dd HH:mm:ss`.
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// The request as its generated type: the gateway's form fields (the unpacked ones,
/// `notify_url`…) and `biz_content`'s members, checked by the type's own `validate()`.
/// What does not decode is `ACQ.INVALID_PARAMETER` with serde's reason.
pub(super) fn read<E>(desk: &Desk<'_>, biz: &Biz) -> Result<E, Reply>
where
    E: miniapp::runtime::Endpoint + serde::de::DeserializeOwned,
{
    let body = Value::Object(biz.0.clone());
    desk.read_request(Some(&body))
        .map_err(|why| desk.refuse_because(Meaning::InvalidField, &why))
}

/// Which trade a request's choice of number names: `(trade_no, out_trade_no)`.
pub(super) trait NamesTrade {
    fn numbers(&self) -> (Option<&str>, Option<&str>);
}

macro_rules! names_trade {
    ($($choice:ty),*) => {$(
        impl NamesTrade for $choice {
            fn numbers(&self) -> (Option<&str>, Option<&str>) {
                match self {
                    Self::TradeNo { trade_no } => (Some(trade_no), None),
                    Self::OutTradeNo { out_trade_no } => (None, Some(out_trade_no)),
                }
            }
        }
    )*};
}

names_trade!(
    miniapp::alipay::trade::QueryOrder,
    miniapp::alipay::trade::CloseOrder,
    miniapp::alipay::trade::CancelOrder,
    miniapp::alipay::trade::RefundOrder,
    miniapp::alipay::trade::RefundQueryOrder
);

/// A success written from the endpoint's generated response type.
pub(super) fn answer<T: Serialize>(response: &T) -> Result<Reply, Reply> {
    object(response).map(Reply::Done).map_err(Reply::Broken)
}

/// Steering Alipay's merchant (feature `alipay`).
impl Simulator {
    /// Marks a `WAIT_BUYER_PAY` trade paid (`TRADE_SUCCESS`, `gmt_payment` now), then,
    /// when it was created with a `notify_url`, POSTs the signed `trade_status_sync`
    /// notification there and returns what the merchant answered (`None`: no
    /// `notify_url`, nothing sent). The trade stays paid whatever the answer (Alipay
    /// would send the notification again; check [`Notified::acknowledged`]).
    pub async fn pay_alipay_trade(
        &self,
        out_trade_no: &str,
    ) -> Result<Option<Notified>, AlipaySteerError> {
        let (url, body) = {
            let p = self.alipay_index()?;
            let mut state = self.shared.lock();
            books_mut(&mut state)?.pay(out_trade_no, &now())?;
            let trade = books(&state)?
                .trade(out_trade_no)
                .ok_or_else(|| AlipaySteerError::UnknownTrade(out_trade_no.to_owned()))?;
            let Some(url) = trade.notify_url.clone() else {
                return Ok(None);
            };
            (
                url,
                notify::body(&self.shared.credentials[p].0, trade, None),
            )
        };
        Ok(Some(notify::deliver(url, body).await))
    }

    /// POSTs the notification of a refund (refunds are not notified on their own) to
    /// its trade's `notify_url`: the trade's status (`TRADE_CLOSED` once refunded in
    /// full), `refund_fee` (the total refunded so far), `gmt_refund` and `out_biz_no`
    /// (the refund's `out_request_no`). Returns what the merchant answered.
    pub async fn notify_alipay_refund(
        &self,
        out_trade_no: &str,
        out_request_no: &str,
    ) -> Result<Notified, AlipaySteerError> {
        let (url, body) = {
            let p = self.alipay_index()?;
            let state = self.shared.lock();
            let books = books(&state)?;
            let trade = books
                .trade(out_trade_no)
                .ok_or_else(|| AlipaySteerError::UnknownTrade(out_trade_no.to_owned()))?;
            let refund = books.refund(out_trade_no, out_request_no).ok_or_else(|| {
                AlipaySteerError::UnknownRefund {
                    out_trade_no: out_trade_no.to_owned(),
                    out_request_no: out_request_no.to_owned(),
                }
            })?;
            let url = trade
                .notify_url
                .clone()
                .ok_or_else(|| AlipaySteerError::NoNotifyUrl(out_trade_no.to_owned()))?;
            let app_id = &self.shared.credentials[p].0;
            (url, notify::body(app_id, trade, Some(refund)))
        };
        Ok(notify::deliver(url, body).await)
    }

    /// Ends the refund period of a paid trade: `TRADE_SUCCESS` → `TRADE_FINISHED`
    /// (refunds and cancels are refused from then on). Nothing is notified.
    pub fn finish_alipay_trade(&self, out_trade_no: &str) -> Result<(), AlipaySteerError> {
        self.alipay_index()?;
        books_mut(&mut self.shared.lock())?.finish(out_trade_no)
    }

    /// Expires an access token `auth.code2Session` or `auth.refreshToken` issued:
    /// `alipay.user.info.share` answers 20001 `aop.auth-token-time-out` for it from now on.
    pub fn expire_alipay_auth_token(&self, access_token: &str) -> Result<(), AlipaySteerError> {
        self.alipay_index()?;
        if books_mut(&mut self.shared.lock())?.expire_access(access_token) {
            Ok(())
        } else {
            Err(AlipaySteerError::UnknownAuthToken)
        }
    }

    /// Every trade created so far, oldest first.
    pub fn alipay_trades(&self) -> Vec<Trade> {
        books(&self.shared.lock())
            .map(|b| b.trades().cloned().collect())
            .unwrap_or_default()
    }

    /// `limit` trades from the `offset`-th oldest on, and how many are kept: what the
    /// admin API lists a page at a time.
    pub(crate) fn alipay_trades_page(&self, offset: usize, limit: usize) -> (Vec<Trade>, usize) {
        let state = self.shared.lock();
        let Ok(books) = books(&state) else {
            return (Vec::new(), 0);
        };
        let page = books.trades().skip(offset).take(limit).cloned().collect();
        (page, books.counts().0)
    }

    /// `limit` refunds from the `offset`-th oldest on, and how many are kept.
    pub(crate) fn alipay_refunds_page(&self, offset: usize, limit: usize) -> (Vec<Refund>, usize) {
        let state = self.shared.lock();
        let Ok(books) = books(&state) else {
            return (Vec::new(), 0);
        };
        let page = books.refunds().skip(offset).take(limit).cloned().collect();
        (page, books.counts().1)
    }

    /// The trade with this `out_trade_no`.
    pub fn alipay_trade(&self, out_trade_no: &str) -> Option<Trade> {
        books(&self.shared.lock())
            .ok()?
            .trade(out_trade_no)
            .cloned()
    }

    /// Every refund so far, oldest first.
    pub fn alipay_refunds(&self) -> Vec<Refund> {
        books(&self.shared.lock())
            .map(|b| b.refunds().cloned().collect())
            .unwrap_or_default()
    }

    /// The refund of a trade with this `out_request_no`.
    pub fn alipay_refund(&self, out_trade_no: &str, out_request_no: &str) -> Option<Refund> {
        books(&self.shared.lock())
            .ok()?
            .refund(out_trade_no, out_request_no)
            .cloned()
    }

    /// Checks an App order string (`miniapp::alipay::Client::app_pay_order_string`) as
    /// the gateway checks a request: a form, each parameter once, its RSA2 `sign` over
    /// every other parameter verified with the app public key the simulator checks
    /// requests with, and the simulator's app id. Returns the parameters, decoded.
    pub fn verify_alipay_order_string(&self, order: &str) -> Result<Vec<(String, String)>, String> {
        let p = self.alipay_index().map_err(|e| e.to_string())?;
        let params: Vec<(String, String)> = serde_urlencoded::from_str(order)
            .map_err(|e| format!("the order string is not a form: {e}"))?;
        let mut fields = Map::new();
        for (name, value) in &params {
            if fields.insert(name.clone(), value.as_str().into()).is_some() {
                return Err(format!("parameter {name:?} appears twice"));
            }
        }
        verify_request(&fields, &self.shared.sign_keys[p], None)?;
        let app_id = &self.shared.credentials[p].0;
        match fields.get("app_id").and_then(Value::as_str) {
            Some(id) if id == app_id => Ok(params),
            other => Err(format!(
                "app_id {other:?} is not the simulator's {app_id:?}"
            )),
        }
    }

    pub(crate) fn alipay_index(&self) -> Result<usize, AlipaySteerError> {
        self.shared
            .merchant_platform(miniapp::alipay::Alipay::NAME)
            .ok_or(AlipaySteerError::NotServed)
    }
}

/// The books in `state`, for the steering calls.
fn books(state: &State) -> Result<&Books, AlipaySteerError> {
    state.merchants.get().ok_or(AlipaySteerError::NotServed)
}

fn books_mut(state: &mut State) -> Result<&mut Books, AlipaySteerError> {
    state.merchants.get_mut().ok_or(AlipaySteerError::NotServed)
}

impl Merchant for Books {
    fn start(start: &mut Start<'_>) -> Result<Self, String> {
        Ok(Books::new(start.limits))
    }
    fn serve(desk: &mut Desk<'_>) -> Option<Reply> {
        serve(desk)
    }
    fn admin(router: axum::Router<crate::admin::Sim>) -> axum::Router<crate::admin::Sim> {
        admin::routes(router)
    }
}

impl Held for Books {
    fn reset(&mut self) {
        self.clear();
    }
    fn holdings(&self) -> Value {
        let (trades, refunds) = self.counts();
        serde_json::json!({"trades": trades, "refunds": refunds})
    }
}

/// Alipay open platform (`openapi.alipay.com/gateway.do`): the generated
/// `miniapp::alipay::{ENDPOINTS, ENVELOPE}` with [`platform_with`]'s rules.
///
/// The client is
/// `miniapp::alipay::Client::builder(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)`
/// with `.base_url(sim.url("alipay"))` (constants of this module,
/// test keys only). Another app id: [`SimulatorBuilder::credentials`](super::SimulatorBuilder::credentials)`("alipay", app_id, "")`;
/// another app key pair: give its public key (PEM or bare base64) to
/// [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key)`("alipay", key)`.
pub fn platform() -> Platform {
    platform_with(miniapp::alipay::ENDPOINTS, miniapp::alipay::ENVELOPE)
}

/// Alipay's wire rules (`schema/alipay/`) over an endpoint table — [`platform`] passes the
/// generated one.
///
/// * One gateway, `POST /gateway.do` with a form body; the endpoint is the one whose
///   constants the request carries (`method`, and `grant_type` for the two
///   `alipay.system.oauth.token` endpoints). No `method`: 40001 `isv.missing-method`;
///   one that no endpoint has: 40002 `isv.invalid-method`; a `grant_type` neither
///   endpoint has: `isv.grant-type-invalid`.
/// * Every request's `sign` is checked: RSA2 over every other non-empty parameter,
///   sorted, raw values, with the app's public key (the simulator's sign key for
///   `alipay`; default [`APP_PUBLIC_KEY`]). A missing or
///   wrong sign, or a `sign_type` other than RSA2: 40002 `isv.invalid-signature`; another
///   `app_id`: 40002 `isv.invalid-app-id`.
/// * Every answer is `{"<method>_response": {code, msg, …}, "sign": …}` signed over the
///   member's exact text with the simulator's Alipay key (whose public half is
///   [`ALIPAY_PUBLIC_KEY`]); refusals of the gateway
///   (sign, app id, method, timestamp) and every refusal of `alipay.system.oauth.token`
///   sit under `error_response`, signed the same way. A missing required business
///   field: 40004 `ACQ.INVALID_PARAMETER`.
/// * Trades, refunds and logins come from the merchant's state: see
///   this module.
pub fn platform_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    use miniapp::alipay::{trade::CreateRequest, Alipay};
    use miniapp::runtime::Endpoint;
    let platform = Platform::new(Alipay::NAME, endpoints, envelope)
        .refusals(Alipay::REFUSALS)
        .packed_into(CreateRequest::PACK_INTO)
        .merchant(registration::<Books>())
        .own_credentials(OwnCredentials {
            app_id: DEFAULT_ALIPAY_APP_ID,
            secret: "",
            sign_key: APP_PUBLIC_KEY,
        })
        .seal(seal)
        .extra(extra);
    let Some(field) = sign_field::<Alipay>() else {
        return platform;
    };
    platform.sign(SignRule {
        field,
        sign: sign_fields,
        verify: Some(verify_request),
        bad_sign: schema_refusal(Alipay::REFUSALS, Meaning::BadSign),
        explain: true,
        variant_field: None,
        app_id_field: app_id_field(),
        merchant_field: None,
        nonce_field: None,
        wrong_identity: schema_refusal(Alipay::REFUSALS, Meaning::WrongIdentity),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_users() {
        assert!(is_timestamp("2024-12-04 10:00:59"));
        assert!(!is_timestamp("2024-12-04T10:00:59"));
        assert!(!is_timestamp("2024-12-04 10:00"));
        let a = books::User::of_code("code-a", DEFAULT_ALIPAY_APP_ID);
        assert_eq!(a, books::User::of_code("code-a", DEFAULT_ALIPAY_APP_ID));
        assert_ne!(a, books::User::of_code("code-b", DEFAULT_ALIPAY_APP_ID));
        assert!(a.user_id.starts_with("2088") && a.user_id.len() == 16);
        assert!(a.user_id.bytes().all(|b| b.is_ascii_digit()));
        let other_app = books::User::with_id(a.user_id.clone(), "2021000000000002");
        assert_ne!(a.open_id, other_app.open_id, "open ids are per app");
        let mut books = Books::new(crate::recent::Limits::UNBOUNDED);
        assert_eq!(books.trade_no("20241204"), "2024120422001400000000000001");
    }
}
