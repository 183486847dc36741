//! WeChat Pay's merchant (feature `wechatpay`): the state behind the `pay.*` answers,
//! and the steering a test uses to move it on (plain methods on [`Simulator`] returning
//! plain data, what an admin API would expose).
//!
//! What the endpoints do, after the platform's generic checks (XML body, `appid` and
//! `mch_id`, the sign in the request's `sign_type`; see
//! [`platform_with`]):
//!
//! * `unifiedOrder` places an order (`NOTPAY`): a `prepay_id` `wx…`, a `code_url` for
//!   NATIVE, an `mweb_url` for MWEB. JSAPI needs an `openid`, NATIVE a `product_id`.
//!   The same `out_trade_no` again answers the same `prepay_id` when every business
//!   parameter is the same, `INVALID_REQUEST` when one differs, `ORDERPAID` once paid
//!   and `ORDERCLOSED` once closed.
//! * `orderQuery` (by `transaction_id` or `out_trade_no`): `trade_state` `NOTPAY`,
//!   `SUCCESS`, `REFUND` (a refund was asked for) or `CLOSED`; once paid also
//!   `transaction_id`, `time_end`, `cash_fee`, `bank_type`. Unknown: `ORDERNOTEXIST`.
//! * `closeOrder`: `NOTPAY` → `CLOSED`; `ORDERPAID` once paid, `ORDERCLOSED` when closed.
//! * `refund` (`secapi/pay/refund`): the order must be paid and `total_fee` its amount
//!   (`REFUND_FEE_MISMATCH`); more than is left to refund is `NOTENOUGH`. The same
//!   `out_refund_no` again answers the same refund (a different amount or order:
//!   `REFUND_FEE_MISMATCH`). A refund starts `PROCESSING`.
//! * `refundQuery` (by `refund_id`, `out_refund_no`, `transaction_id` or `out_trade_no`,
//!   ten per page from `offset`): the numbered fields the generated response lists
//!   (`refund_count`, `out_refund_no_0`, `refund_status_0`, …); none: `REFUNDNOTEXIST`.
//! * `downloadBill`: the day's payments (by `time_end`) and refunds (by the day they
//!   were asked for) in the bill format `miniapp::wechatpay::Bill` reads (`ALL`,
//!   `SUCCESS`, `REFUND`), gzipped for `tar_type=GZIP`; nothing that day (and always for
//!   `RECHARGE_REFUND`): `return_code FAIL`, `No Bill Exist`.
//! * `downloadFundflow` (signed with HMAC-SHA256 only, as the schema forces): the basic
//!   account's bookings of the day — payments in, successful refunds out, with the
//!   running balance — in the format `miniapp::wechatpay::FundFlow` reads.
//! * `sandbox.getSignKey` (the sandbox key): a key derived
//!   from the merchant id and API key, answered unsigned; from then on requests signed
//!   with it are accepted too, and answered (and notified) with it.
//!
//! How the handlers read and answer: each reads the request into its generated type
//! (`miniapp::wechatpay::pay::RefundRequest`…) from the XML's text fields — numbers
//! parsed from their text, alternatives (`transaction_id` or `out_trade_no`) as the
//! type's enum, in the docs' priority — and answers the generated response type, whose
//! numbered lists (`refund_fee_0`…) the runtime spreads. A request that does not read is
//! `return_code FAIL` with the schema's text for a missing or an invalid field and
//! serde's reason. The sign scheme's fields stay with the platform's sign rule; the
//! notifications, which the schema has no type for, are written from structs of the
//! fields the SDK's `PaymentNotification` and `RefundNotification` read.
//!
//! Steering: [`Simulator::pay_order`] marks an order paid and POSTs the signed payment
//! notification to its `notify_url`; [`Simulator::settle_refund`] ends a refund and
//! POSTs the encrypted refund notification; [`Simulator::orders`] and
//! [`Simulator::refunds`] read the state.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp_simulator::{Simulator, DEFAULT_APP_ID, DEFAULT_MERCHANT_ID};
//! use miniapp::wechatpay::pay::{OrderQueryOrder, OrderQueryRequest, TradeType, UnifiedOrderRequest};
//! use miniapp::wechatpay::Client;
//!
//! let sim = Simulator::builder().sign_key("wechatpay", "api-key").start().await?;
//! let pay = Client::builder(DEFAULT_APP_ID, DEFAULT_MERCHANT_ID, "api-key")
//!     .base_url(sim.url("wechatpay"))
//!     .build();
//! let order = UnifiedOrderRequest::new(
//!     "会员充值", "order-1", 100, "127.0.0.1", "http://127.0.0.1:8080/pay/notify",
//!     TradeType::Jsapi,
//! )
//! .openid("o-user");
//! pay.pay().unified_order(order).await?;
//! let notified = sim.pay_order("order-1").await?; // your notify handler answered
//! assert!(notified.acknowledged);
//! let query = OrderQueryRequest::new(OrderQueryOrder::out_trade_no("order-1"));
//! assert!(pay.pay().order_query(query).await?.transaction_id.is_some());
//! # Ok(()) }
//! ```
//!
//! Not simulated: client certificates (plain HTTP; refunds are answered whoever
//! calls), notification retries (WeChat Pay resends an unacknowledged one for hours;
//! [`Notified::acknowledged`] says whether it would have to), the nine o'clock delay of
//! bills (a day's bill is served at once), coupons, and the 5-minute wait before
//! `closeOrder`.

mod admin;
mod bills;
mod clock;
mod ledger;
mod notify;
mod refund;
mod trade;

pub(crate) use ledger::Ledger;

use super::engine::Platform;
use super::engine::{Desk, Reply, Shared, State};
use super::merchant::{registration, Held, Merchant, Start};
use super::rules::{schema_refusal, SignRule};
use super::{wire_text, Simulator};
use miniapp::__private::{read_text_request, write_text_response, Meaning, StructuredResponse};
use miniapp::runtime::Endpoint;
use miniapp::runtime::Platform as _;
use miniapp::runtime::{EndpointInfo, Envelope};
use miniapp::wechatpay::pay::OrderQueryError;
use miniapp::wechatpay::pay::{RefundStatus, TradeState, TradeType};
use miniapp::wechatpay::sandbox::GetSignKeyResponse;
use miniapp::wechatpay::WechatPay;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// An order the merchant placed, as it stands. Times are Beijing time,
/// `yyyyMMddHHmmss`; amounts are fen (integers in JSON too; enums as their wire text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Order {
    pub out_trade_no: String,
    pub prepay_id: String,
    /// WeChat Pay's order number, once paid.
    pub transaction_id: Option<String>,
    pub trade_type: TradeType,
    #[serde(serialize_with = "wire_text::serialize")]
    pub trade_state: TradeState,
    pub body: String,
    pub attach: Option<String>,
    pub total_fee: i64,
    pub fee_type: String,
    pub openid: Option<String>,
    pub device_info: Option<String>,
    pub notify_url: String,
    /// NATIVE orders: the QR code's URL.
    pub code_url: Option<String>,
    /// MWEB orders: the H5 payment page.
    pub mweb_url: Option<String>,
    /// When it was placed.
    pub time_start: String,
    /// When it was paid.
    pub time_end: Option<String>,
    /// Fen refunded or being refunded (refunds neither failed nor closed).
    pub refunded_fee: i64,
}

/// A refund the merchant asked for, as it stands. Times are Beijing time,
/// `yyyyMMddHHmmss`; amounts are fen (integers in JSON too; enums as their wire text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Refund {
    pub out_refund_no: String,
    pub refund_id: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    /// The order's amount.
    pub total_fee: i64,
    pub refund_fee: i64,
    #[serde(serialize_with = "wire_text::serialize")]
    pub refund_status: RefundStatus,
    pub refund_desc: Option<String>,
    /// Where its notification goes; `None`: the order's `notify_url`.
    pub notify_url: Option<String>,
    pub requested_at: String,
    /// When it succeeded, failed or was closed.
    pub settled_at: Option<String>,
}

/// How [`Simulator::settle_refund`] ends a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundOutcome {
    /// `SUCCESS`: the money is back.
    Success,
    /// `CHANGE`: the bank refused it (a closed card); the amount may be refunded again.
    Failed,
    /// `REFUNDCLOSE`: closed; the amount may be refunded again.
    Closed,
}

impl RefundOutcome {
    fn status(self) -> RefundStatus {
        match self {
            RefundOutcome::Success => RefundStatus::Success,
            RefundOutcome::Failed => RefundStatus::Change,
            RefundOutcome::Closed => RefundStatus::RefundClose,
        }
    }

    /// The outcome whose refund status is `wire` (`SUCCESS`, `CHANGE`, `REFUNDCLOSE`).
    pub fn from_wire(wire: &str) -> Option<RefundOutcome> {
        [Self::Success, Self::Failed, Self::Closed]
            .into_iter()
            .find(|o| o.status().as_str() == wire)
    }
}

#[doc(hidden)]
pub use super::delivery::Notified;

/// Why a steering call of the simulated WeChat Pay changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WechatPaySteerError {
    #[error("the simulator does not serve WeChat Pay")]
    NotServed,
    #[error("no order has out_trade_no {0:?}")]
    UnknownOrder(String),
    #[error("no refund has out_refund_no {0:?}")]
    UnknownRefund(String),
    #[error("order {out_trade_no:?} is {state}: only a NOTPAY order can be paid")]
    NotPayable { out_trade_no: String, state: String },
    #[error("refund {out_refund_no:?} is {status} already: only a PROCESSING refund settles")]
    Settled {
        out_refund_no: String,
        status: String,
    },
}

/// The former name of [`WechatPaySteerError`].
#[deprecated(since = "0.2.0", note = "renamed `WechatPaySteerError`")]
pub type SteerError = WechatPaySteerError;

type Handler = fn(&mut Desk<'_>) -> Result<Reply, Reply>;

/// The handler of an endpoint, by its generated name.
fn handler(name: &str) -> Option<Handler> {
    use miniapp::runtime::Endpoint;
    use miniapp::wechatpay::pay::{
        CloseOrderRequest, DownloadBillRequest, DownloadFundflowRequest, OrderQueryRequest,
        RefundQueryRequest, RefundRequest, UnifiedOrderRequest,
    };
    use miniapp::wechatpay::sandbox::GetSignKeyRequest;
    let table: [(&str, Handler); 8] = [
        (UnifiedOrderRequest::NAME, trade::unified_order),
        (OrderQueryRequest::NAME, trade::order_query),
        (CloseOrderRequest::NAME, trade::close_order),
        (RefundRequest::NAME, refund::refund),
        (RefundQueryRequest::NAME, refund::refund_query),
        (DownloadBillRequest::NAME, bills::download_bill),
        (DownloadFundflowRequest::NAME, bills::download_fundflow),
        (GetSignKeyRequest::NAME, sign_key),
    ];
    table.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// The platform's `serve` hook: the merchant answers the endpoints it knows; any other
/// (a newer schema's) gets the generic answer.
pub(crate) fn serve(desk: &mut Desk<'_>) -> Option<Reply> {
    let handler = handler(desk.info.name)?;
    Some(handler(desk).unwrap_or_else(|refusal| refusal))
}

/// `sandbox.getSignKey`: the sandbox key, derived from the merchant id and API key so that
/// it is the same on every call (and every run). Answered unsigned, as WeChat Pay does;
/// from now on the platform accepts it as its alternate key.
fn sign_key(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    use md5::{Digest, Md5};
    let seed = format!(
        "miniapp simulator sandbox key\n{}\n{}",
        desk.merchant_id(),
        desk.sign_key()
    );
    let key = hex::encode(Md5::digest(seed.as_bytes()));
    desk.state.alternate_keys.insert(desk.platform, key.clone());
    let envelope = &desk.shared.platforms[desk.platform].envelope;
    let mut answer = Map::new();
    let ok = envelope.success.first().copied().unwrap_or("SUCCESS");
    answer.insert(envelope.code.into(), ok.into());
    answer.insert(envelope.message.into(), "ok".into());
    let response = GetSignKeyResponse {
        mch_id: desk.merchant_id().to_owned(),
        sandbox_signkey: key.into(),
    };
    match write_text_response(&response) {
        Ok(fields) => answer.extend(fields),
        Err(why) => return Err(internal(desk, &why)),
    }
    Ok(Reply::Exact(answer))
}

/// The request fields that are about the call, not its business: those of the sign
/// scheme (from the platform's sign rule).
#[derive(Default)]
struct CallFields<'a> {
    sign: Option<&'a str>,
    variant: Option<&'a str>,
    nonce: Option<&'a str>,
    app_id: Option<&'a str>,
    merchant: Option<&'a str>,
}

fn call_fields(shared: &Shared, platform: usize) -> CallFields<'_> {
    let Some(rule) = &shared.platforms[platform].sign else {
        return CallFields::default();
    };
    CallFields {
        sign: Some(rule.field),
        variant: rule.variant_field.as_deref(),
        nonce: rule.nonce_field.as_deref(),
        app_id: rule.app_id_field.as_deref(),
        merchant: rule.merchant_field.as_deref(),
    }
}

/// The request, read into its generated type from the XML's text fields, as
/// `miniapp::__private::read_text_request` reads them (numbers from their decimal
/// text), then the constraints its generated `validate()` checks. An empty field is
/// absent, as WeChat Pay reads it. The sign scheme's fields (`sign`, `sign_type`,
/// `nonce_str`, `appid`, `mch_id`) are not in the type: the platform's sign rule has
/// checked them already. A request that does not read is answered as WeChat Pay answers
/// a bad parameter (`return_code FAIL`: the schema's text for a missing field, else for
/// an invalid one), with serde's reason.
fn read<E>(desk: &Desk<'_>) -> Result<E, Reply>
where
    E: Endpoint + DeserializeOwned,
{
    let fields: Vec<(String, String)> = desk
        .incoming
        .body_fields()
        .into_iter()
        .filter_map(|(name, value)| match value {
            Value::String(text) if text.is_empty() => None,
            Value::String(text) => Some((name, text)),
            other => Some((name, other.to_string())),
        })
        .collect();
    let request: E = read_text_request(&fields).map_err(|why| {
        let missing = why.starts_with("missing field") || why.contains("did not match any variant");
        let meaning = match missing {
            true => Meaning::MissingField,
            false => Meaning::InvalidField,
        };
        desk.refuse_because(meaning, &why)
    })?;
    request
        .validate()
        .map_err(|e| desk.refuse_because(Meaning::InvalidField, &e.to_string()))?;
    Ok(request)
}

/// A success written from the endpoint's generated response type: its fields (numbered
/// lists spread over their numbered fields), which the envelope writes as text.
fn answer<R>(desk: &Desk<'_>, response: &R) -> Result<Reply, Reply>
where
    R: StructuredResponse + Serialize,
{
    write_text_response(response)
        .map(Reply::Done)
        .map_err(|why| internal(desk, &why))
}

/// `SYSTEMERROR`: the simulator could not write what it meant to answer.
fn internal(desk: &Desk<'_>, why: &str) -> Reply {
    desk.refuse_saying(OrderQueryError::SystemError {
        message: format!("miniapp simulator: {why}"),
    })
}

/// Steering WeChat Pay's merchant (feature `wechatpay`).
impl Simulator {
    /// Marks a `NOTPAY` order paid (`SUCCESS`, a `transaction_id`, `time_end` now), then
    /// POSTs the signed payment notification to its `notify_url` and returns what the
    /// merchant answered. The order stays paid whatever the answer (WeChat Pay would
    /// send the notification again; call this once and check
    /// [`Notified::acknowledged`]).
    ///
    /// The notification is signed as the order was placed: same key (API or sandbox
    /// key), same `sign_type`.
    pub async fn pay_wechatpay_order(
        &self,
        out_trade_no: &str,
    ) -> Result<Notified, WechatPaySteerError> {
        let (url, body) = {
            let p = self.wechatpay_index()?;
            let mut state = self.shared.lock();
            ledger_mut(&mut state)?.pay(out_trade_no, clock::now())?;
            let state = &*state;
            let entry = ledger(state)?
                .order(out_trade_no)
                .ok_or_else(|| WechatPaySteerError::UnknownOrder(out_trade_no.to_owned()))?;
            let body = notify::payment(&self.shared, state, p, entry);
            (entry.order.notify_url.clone(), body)
        };
        Ok(notify::deliver(url, body).await)
    }

    /// Ends a `PROCESSING` refund (`SUCCESS`, `CHANGE` or `REFUNDCLOSE`), then POSTs the
    /// refund notification — its details AES-256-ECB encrypted in `req_info` with the
    /// key the refund was asked for with — to the refund's `notify_url`, or the order's
    /// when the refund request had none.
    pub async fn settle_wechatpay_refund(
        &self,
        out_refund_no: &str,
        outcome: RefundOutcome,
    ) -> Result<Notified, WechatPaySteerError> {
        let (url, body) = {
            let p = self.wechatpay_index()?;
            let mut state = self.shared.lock();
            ledger_mut(&mut state)?.settle(out_refund_no, outcome.status(), clock::now())?;
            let state = &*state;
            let (entry, order) = ledger(state)?
                .refund_with_order(out_refund_no)
                .ok_or_else(|| WechatPaySteerError::UnknownRefund(out_refund_no.to_owned()))?;
            let body = notify::refund(&self.shared, state, p, entry);
            let url = entry.refund.notify_url.as_ref();
            (url.unwrap_or(&order.order.notify_url).clone(), body)
        };
        Ok(notify::deliver(url, body).await)
    }

    /// Every order placed so far, oldest first.
    pub fn wechatpay_orders(&self) -> Vec<Order> {
        ledger(&self.shared.lock())
            .map(Ledger::orders)
            .unwrap_or_default()
    }

    /// `limit` orders from the `offset`-th oldest on, and how many are kept: what the
    /// admin API lists a page at a time.
    pub(crate) fn wechatpay_orders_page(&self, offset: usize, limit: usize) -> (Vec<Order>, usize) {
        let state = self.shared.lock();
        let Ok(ledger) = ledger(&state) else {
            return (Vec::new(), 0);
        };
        let page = ledger.all_orders().skip(offset).take(limit);
        (
            page.map(|e| ledger.snapshot(e)).collect(),
            ledger.counts().0,
        )
    }

    /// `limit` refunds from the `offset`-th oldest on, and how many are kept.
    pub(crate) fn wechatpay_refunds_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> (Vec<Refund>, usize) {
        let state = self.shared.lock();
        let Ok(ledger) = ledger(&state) else {
            return (Vec::new(), 0);
        };
        let page = ledger.all_refunds().skip(offset).take(limit);
        (page.map(|e| e.refund.clone()).collect(), ledger.counts().1)
    }

    /// The order with this `out_trade_no`.
    pub fn wechatpay_order(&self, out_trade_no: &str) -> Option<Order> {
        let state = self.shared.lock();
        let ledger = ledger(&state).ok()?;
        ledger.order(out_trade_no).map(|e| ledger.snapshot(e))
    }

    /// Every refund asked for so far, oldest first.
    pub fn wechatpay_refunds(&self) -> Vec<Refund> {
        ledger(&self.shared.lock())
            .map(Ledger::refunds)
            .unwrap_or_default()
    }

    /// The refund with this `out_refund_no`.
    pub fn wechatpay_refund(&self, out_refund_no: &str) -> Option<Refund> {
        let state = self.shared.lock();
        ledger(&state)
            .ok()?
            .refund(out_refund_no)
            .map(|e| e.refund.clone())
    }

    pub(crate) fn wechatpay_index(&self) -> Result<usize, WechatPaySteerError> {
        self.shared
            .merchant_platform(WechatPay::NAME)
            .ok_or(WechatPaySteerError::NotServed)
    }
    /// Former name of [`Simulator::pay_wechatpay_order`].
    #[deprecated(
        since = "0.2.0",
        note = "renamed `pay_wechatpay_order`, beside the Alipay calls"
    )]
    pub async fn pay_order(&self, out_trade_no: &str) -> Result<Notified, WechatPaySteerError> {
        self.pay_wechatpay_order(out_trade_no).await
    }
    /// Former name of [`Simulator::settle_wechatpay_refund`].
    #[deprecated(
        since = "0.2.0",
        note = "renamed `settle_wechatpay_refund`, beside the Alipay calls"
    )]
    pub async fn settle_refund(
        &self,
        out_refund_no: &str,
        outcome: RefundOutcome,
    ) -> Result<Notified, WechatPaySteerError> {
        self.settle_wechatpay_refund(out_refund_no, outcome).await
    }
    /// Former name of [`Simulator::wechatpay_orders`].
    #[deprecated(
        since = "0.2.0",
        note = "renamed `wechatpay_orders`, beside the Alipay calls"
    )]
    pub fn orders(&self) -> Vec<Order> {
        self.wechatpay_orders()
    }
    /// Former name of [`Simulator::wechatpay_order`].
    #[deprecated(
        since = "0.2.0",
        note = "renamed `wechatpay_order`, beside the Alipay calls"
    )]
    pub fn order(&self, out_trade_no: &str) -> Option<Order> {
        self.wechatpay_order(out_trade_no)
    }
    /// Former name of [`Simulator::wechatpay_refunds`].
    #[deprecated(
        since = "0.2.0",
        note = "renamed `wechatpay_refunds`, beside the Alipay calls"
    )]
    pub fn refunds(&self) -> Vec<Refund> {
        self.wechatpay_refunds()
    }
    /// Former name of [`Simulator::wechatpay_refund`].
    #[deprecated(
        since = "0.2.0",
        note = "renamed `wechatpay_refund`, beside the Alipay calls"
    )]
    pub fn refund(&self, out_refund_no: &str) -> Option<Refund> {
        self.wechatpay_refund(out_refund_no)
    }
}

/// The ledger in `state`, for the steering calls.
fn ledger(state: &State) -> Result<&Ledger, WechatPaySteerError> {
    state.merchants.get().ok_or(WechatPaySteerError::NotServed)
}

fn ledger_mut(state: &mut State) -> Result<&mut Ledger, WechatPaySteerError> {
    state
        .merchants
        .get_mut()
        .ok_or(WechatPaySteerError::NotServed)
}

impl Merchant for Ledger {
    fn start(start: &mut Start<'_>) -> Result<Self, String> {
        Ok(Ledger::new(start.limits))
    }
    fn serve(desk: &mut Desk<'_>) -> Option<Reply> {
        serve(desk)
    }
    fn admin(router: axum::Router<crate::admin::Sim>) -> axum::Router<crate::admin::Sim> {
        admin::routes(router)
    }
}

impl Held for Ledger {
    fn reset(&mut self) {
        self.clear();
    }
    fn holdings(&self) -> Value {
        let (orders, refunds) = self.counts();
        serde_json::json!({"orders": orders, "refunds": refunds})
    }
}

/// WeChat Pay v2 (`api.mch.weixin.qq.com`): the generated
/// `miniapp::wechatpay::{ENDPOINTS, ENVELOPE}` with [`platform_with`]'s rules.
///
/// The client is `miniapp::wechatpay::Client::builder(app_id, mch_id, key)` with
/// `.base_url(sim.url("wechatpay"))`: the app id of
/// [`SimulatorBuilder::app_id`](super::SimulatorBuilder::app_id) (or `credentials`),
/// the merchant id of [`SimulatorBuilder::merchant_id`](super::SimulatorBuilder::merchant_id)
/// and the API key of [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key)`("wechatpay", key)`
/// (default: the shared secret).
pub fn platform() -> Platform {
    platform_with(miniapp::wechatpay::ENDPOINTS, miniapp::wechatpay::ENVELOPE)
}

/// WeChat Pay's wire rules (`schema/wechatpay/`) over an endpoint table — [`platform`]
/// passes the generated one.
///
/// * XML both ways. A body that is not a flat XML document (a DOCTYPE among them)
///   answers `return_code FAIL`, `XML格式错误`; a missing required field `FAIL`,
///   `缺少参数: …`.
/// * Every request's `sign` is checked with the API key in the request's own `sign_type`
///   (MD5 by default, or HMAC-SHA256); a missing or wrong sign, or another `sign_type`,
///   answers `return_code FAIL`, `return_msg 签名错误`, unsigned, as WeChat Pay does. A
///   request naming another `mch_id` (or another `appid`) answers `FAIL`,
///   `appid和mch_id不匹配`; one without `mch_id` too. One without `appid` is served (the
///   sandbox key request has none).
/// * Every other answer is signed with the key and `sign_type` the request used and
///   carries `appid`, `mch_id` and a fresh `nonce_str`; business refusals are
///   `result_code FAIL` with `err_code` and `err_code_des`.
/// * Orders, refunds, bills and the sandbox key come from the merchant's state: see
///   this module.
///
/// Served over plain HTTP, the simulator cannot ask for the merchant's client
/// certificate: refunds and fund-flow bills are answered whether or not the client
/// presents one (the client still needs one configured to send those calls).
pub fn platform_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    use miniapp::runtime::Endpoint;
    use miniapp::wechatpay::{pay::DownloadFundflowRequest, WechatPay};
    let platform = Platform::new(WechatPay::NAME, endpoints, envelope)
        .refusals(WechatPay::REFUSALS)
        .merchant(registration::<Ledger>());
    let bad_sign = schema_refusal(WechatPay::REFUSALS, Meaning::BadSign);
    let Some(mut rule) = SignRule::of::<WechatPay>(bad_sign) else {
        return platform;
    };
    // The fund flow's forced variant names the field every request carries its own in.
    if let Some(variant) = DownloadFundflowRequest::SIGN_VARIANT {
        rule = rule.variant_from_request::<WechatPay>(variant);
    }
    rule.explain = false;
    rule.wrong_identity = schema_refusal(WechatPay::REFUSALS, Meaning::WrongIdentity);
    platform.sign(rule)
}
