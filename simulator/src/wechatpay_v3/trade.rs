//! Orders: placing them (JSAPI, APP, H5, Native), querying, closing.

use super::books::Books;
use super::books::OrderEntry;
use super::internal;
use super::keys::rfc3339;
use super::{Order, BANK};
use crate::engine::{Desk, Reply};
use crate::fingerprint::Fingerprint;
use crate::server::object;
use miniapp::__private::{Endpoint, Meaning};
use miniapp::wechatpay_v3::pay::{self, OrderAmount};
use miniapp::wechatpay_v3::pay::{CloseError, JsapiError, QueryByOutTradeNoError};
use miniapp::wechatpay_v3::pay::{TradeState, TradeType};
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::SystemTime;

pub(super) fn jsapi(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    // The payer's openid is 1–128 bytes: the request's generated `validate()` says so.
    let r: pay::JsapiRequest = read(desk)?;
    let placing = Placing {
        written: written(desk, &r)?,
        out_trade_no: r.out_trade_no,
        description: r.description,
        attach: r.attach,
        notify_url: r.notify_url,
        amount: r.amount,
        openid: Some(r.payer.openid),
        device_id: r.scene_info.and_then(|s| s.device_id),
    };
    place(desk, TradeType::Jsapi, placing)
}

pub(super) fn app(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: pay::AppRequest = read(desk)?;
    let placing = Placing {
        written: written(desk, &r)?,
        out_trade_no: r.out_trade_no,
        description: r.description,
        attach: r.attach,
        notify_url: r.notify_url,
        amount: r.amount,
        openid: None,
        device_id: r.scene_info.and_then(|s| s.device_id),
    };
    place(desk, TradeType::App, placing)
}

/// H5 (trade type `MWEB`): `scene_info.h5_info` is required by the request type, its
/// `type` one of the documented values.
pub(super) fn h5(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: pay::H5Request = read(desk)?;
    let placing = Placing {
        written: written(desk, &r)?,
        out_trade_no: r.out_trade_no,
        description: r.description,
        attach: r.attach,
        notify_url: r.notify_url,
        amount: r.amount,
        openid: None,
        device_id: r.scene_info.device_id,
    };
    place(desk, TradeType::Mweb, placing)
}

pub(super) fn native(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: pay::NativeRequest = read(desk)?;
    let placing = Placing {
        written: written(desk, &r)?,
        out_trade_no: r.out_trade_no,
        description: r.description,
        attach: r.attach,
        notify_url: r.notify_url,
        amount: r.amount,
        openid: None,
        device_id: r.scene_info.and_then(|s| s.device_id),
    };
    place(desk, TradeType::Native, placing)
}

/// The request, read into its generated type: the body (JSON) with the path and query
/// parameters, as `miniapp::__private::read_request` assembles them, then the
/// constraints its generated `validate()` checks (nested objects included). A request
/// that does not read is `PARAM_ERROR` with serde's reason, as WeChat Pay names what
/// is wrong. The fields the client fills from its credentials (`appid`, `mchid`) are
/// not in the type: `check_identity` has compared them with this merchant's already.
pub(super) fn read<E>(desk: &Desk<'_>) -> Result<E, Reply>
where
    E: Endpoint + DeserializeOwned,
{
    let body = desk.incoming.json.clone().map(Value::Object);
    desk.read_request(body.as_ref())
        .map_err(|why| invalid(desk, &why))
}

/// A success written from the endpoint's generated response type.
pub(super) fn answer<T: Serialize>(desk: &Desk<'_>, response: &T) -> Result<Reply, Reply> {
    object(response)
        .map(Reply::Done)
        .map_err(|why| internal(desk, &why))
}

/// The request as the type writes it back: what identifies it (see [`fingerprint`]).
pub(super) fn written<T: Serialize>(
    desk: &Desk<'_>,
    request: &T,
) -> Result<Map<String, Value>, Reply> {
    object(request).map_err(|why| internal(desk, &why))
}

/// `PARAM_ERROR` for a field that is not as documented, saying why.
pub(super) fn invalid(desk: &Desk<'_>, what: &str) -> Reply {
    desk.refuse_because(Meaning::InvalidField, what)
}

/// The largest amount accepted, in fen (ten billion yuan): far above any real order,
/// and low enough that the sums and fees of a bill over every order kept cannot
/// overflow.
const MAX_FEN: i64 = 1_000_000_000_000;

/// An amount in fen, at least 1 (and at most [`MAX_FEN`]); `what` says which.
pub(super) fn fen(desk: &Desk<'_>, value: i64, what: &str) -> Result<i64, Reply> {
    match (1..=MAX_FEN).contains(&value) {
        true => Ok(value),
        false => Err(invalid(
            desk,
            &format!("{what}须为 1 到 {MAX_FEN} 的整数(分)"),
        )),
    }
}

/// The currency, `CNY` when absent; any other is refused (domestic merchants only).
pub(super) fn currency(desk: &Desk<'_>, value: Option<String>) -> Result<String, Reply> {
    match value {
        None => Ok(CNY.into()),
        Some(c) if c == CNY => Ok(c),
        Some(_) => Err(invalid(desk, "币种只支持 CNY")),
    }
}

/// The only currency of a domestic merchant.
const CNY: &str = "CNY";

/// What identifies a request: each top-level field's JSON text (objects with sorted
/// members), and the trade type (the same number placed at another endpoint differs).
pub(super) fn fingerprint(body: &Map<String, Value>, kind: &str) -> Fingerprint {
    let mut params: BTreeMap<String, String> = body
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    params.insert("\u{0}kind".into(), kind.to_owned());
    Fingerprint::of(&params)
}

/// What the four ways to place an order share, read from their request types.
struct Placing {
    /// The request as its type writes it (its fingerprint).
    written: Map<String, Value>,
    out_trade_no: String,
    description: String,
    attach: Option<String>,
    notify_url: String,
    amount: OrderAmount,
    openid: Option<String>,
    device_id: Option<String>,
}

fn place(desk: &mut Desk<'_>, trade_type: TradeType, placing: Placing) -> Result<Reply, Reply> {
    let total = fen(desk, placing.amount.total, "订单金额")?;
    let currency = currency(desk, placing.amount.currency)?;
    let out_trade_no = placing.out_trade_no;
    let params = fingerprint(&placing.written, trade_type.as_str());
    let existing = desk
        .state
        .merchant_mut::<Books>()?
        .order(&out_trade_no)
        .map(|e| (e.order.trade_state.clone(), e.params == params));
    if let Some((state, same)) = existing {
        match state {
            TradeState::Success | TradeState::Refund => {
                return Err(desk.refuse_as(JsapiError::OrderPaid {
                    message: "订单已支付".into(),
                }))
            }
            TradeState::Closed => {
                return Err(desk.refuse_as(JsapiError::OrderClosed {
                    message: "订单已关闭".into(),
                }))
            }
            _ if !same => {
                return Err(desk.refuse_as(JsapiError::OutTradeNoUsed {
                    message: "商户订单号重复".into(),
                }))
            }
            _ => {}
        }
        // The same request again: the same prepay_id; a Native order a new code_url,
        // the old one no longer valid.
        let entry = desk.state.merchant_mut::<Books>()?.order_mut(&out_trade_no);
        let order = entry.map(|entry| {
            if trade_type == TradeType::Native {
                entry.order.code_url = Some(code_url());
            }
            entry.order.clone()
        });
        return match order {
            Some(order) => placed(desk, &order),
            None => Err(desk.refuse_as(JsapiError::SystemError {
                message: "miniapp simulator: the order vanished".into(),
            })),
        };
    }
    let now = rfc3339(SystemTime::now());
    let prepay_id = desk.state.merchant_mut::<Books>()?.prepay_id(&now);
    let (prepay, h5_url, code) = match trade_type {
        TradeType::Native => (None, None, Some(code_url())),
        TradeType::Mweb => (None, Some(h5_url(&prepay_id)), None),
        _ => (Some(prepay_id), None, None),
    };
    let order = Order {
        out_trade_no,
        // `check_identity` found the request's appid to be this one.
        appid: desk.app_id().to_owned(),
        trade_type,
        trade_state: TradeState::NotPay,
        description: placing.description,
        attach: placing.attach.filter(|a| !a.is_empty()),
        total,
        currency,
        payer_openid: placing.openid,
        notify_url: placing.notify_url,
        prepay_id: prepay,
        h5_url,
        code_url: code,
        device_id: placing.device_id.filter(|d| !d.is_empty()),
        transaction_id: None,
        create_time: now,
        success_time: None,
        refunded: 0,
    };
    let answer = placed(desk, &order)?;
    desk.state
        .merchant_mut::<Books>()?
        .place(OrderEntry { order, params });
    Ok(answer)
}

/// The answer of a placed order, in its endpoint's response type: what its trade type
/// pays with.
fn placed(desk: &Desk<'_>, order: &Order) -> Result<Reply, Reply> {
    let missing = || internal(desk, "a placed order without what it pays with");
    let text = |value: &Option<String>| value.clone().ok_or_else(missing);
    match order.trade_type {
        TradeType::Native => answer(
            desk,
            &pay::NativeResponse {
                code_url: text(&order.code_url)?,
            },
        ),
        TradeType::Mweb => answer(
            desk,
            &pay::H5Response {
                h5_url: text(&order.h5_url)?,
            },
        ),
        TradeType::App => answer(
            desk,
            &pay::AppResponse {
                prepay_id: text(&order.prepay_id)?,
            },
        ),
        _ => answer(
            desk,
            &pay::JsapiResponse {
                prepay_id: text(&order.prepay_id)?,
            },
        ),
    }
}

fn code_url() -> String {
    let code = Alphanumeric.sample_string(&mut rand::thread_rng(), 9);
    format!("weixin://wxpay/bizpayurl?pr={code}")
}

fn h5_url(prepay_id: &str) -> String {
    let package: u64 = rand::thread_rng().gen_range(0..10_000_000_000);
    format!(
        "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package={package:010}"
    )
}

/// The transaction of an order (a query's answer, a notification's resource): whole
/// once paid, the unpaid subset before (and for a closed unpaid order).
pub(super) fn transaction(order: &Order, mchid: &str) -> pay::QueryByOutTradeNoResponse {
    let mut out = pay::QueryByOutTradeNoResponse {
        appid: order.appid.clone(),
        mchid: mchid.to_owned(),
        out_trade_no: order.out_trade_no.clone(),
        transaction_id: None,
        trade_type: None,
        trade_state: order.trade_state.clone(),
        trade_state_desc: state_desc(&order.trade_state).to_owned(),
        bank_type: None,
        attach: None,
        success_time: None,
        payer: None,
        amount: Some(pay::TransactionAmount {
            total: Some(order.total),
            payer_total: None,
            currency: Some(order.currency.clone()),
            payer_currency: Some(order.currency.clone()),
        }),
        scene_info: None,
        promotion_detail: None,
    };
    let Some(transaction_id) = &order.transaction_id else {
        return out;
    };
    let openid = order.payer_openid.as_deref().unwrap_or(super::PAYER_OPENID);
    out.transaction_id = Some(transaction_id.clone());
    out.trade_type = Some(order.trade_type.clone());
    out.bank_type = Some(BANK.into());
    out.attach = Some(order.attach.clone().unwrap_or_default());
    out.success_time = order.success_time.clone();
    out.payer = Some(pay::TransactionPayer {
        openid: Some(openid.to_owned()),
    });
    if let Some(amount) = &mut out.amount {
        amount.payer_total = Some(order.total);
    }
    out.scene_info = order
        .device_id
        .clone()
        .map(|device_id| pay::TransactionSceneInfo {
            device_id: Some(device_id),
        });
    out
}

fn state_desc(state: &TradeState) -> &'static str {
    match state {
        TradeState::Success => "支付成功",
        TradeState::Refund => "转入退款",
        TradeState::Closed => "已关闭",
        _ => "订单未支付",
    }
}

/// `pay.queryById`: only a paid order has a `transaction_id`. Its answer has the
/// fields of the query by `out_trade_no` (with `transaction_id` always there), so it is
/// written from the same transaction and read back into its own type.
pub(super) fn query_by_id(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: pay::QueryByIdRequest = read(desk)?;
    let books = desk.state.merchant::<Books>()?;
    let entry = books.by_transaction(&r.transaction_id).ok_or_else(|| {
        desk.refuse_as(QueryByOutTradeNoError::OrderNotExist {
            message: "订单不存在".into(),
        })
    })?;
    let found = transaction(&books.snapshot(entry), desk.merchant_id());
    let by_id: pay::QueryByIdResponse = serde_json::to_value(&found)
        .and_then(serde_json::from_value)
        .map_err(|e| internal(desk, &e.to_string()))?;
    answer(desk, &by_id)
}

pub(super) fn query_by_out_trade_no(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: pay::QueryByOutTradeNoRequest = read(desk)?;
    let books = desk.state.merchant::<Books>()?;
    let entry = books.order(&r.out_trade_no).ok_or_else(|| {
        desk.refuse_as(QueryByOutTradeNoError::OrderNotExist {
            message: "订单不存在".into(),
        })
    })?;
    let found = transaction(&books.snapshot(entry), desk.merchant_id());
    answer(desk, &found)
}

/// `pay.close`: an unpaid order is closed (again: nothing changes); answered 204.
pub(super) fn close(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: pay::CloseRequest = read(desk)?;
    let no = r.out_trade_no;
    let state = desk
        .state
        .merchant_mut::<Books>()?
        .order(&no)
        .map(|e| e.order.trade_state.clone())
        .ok_or_else(|| {
            desk.refuse_as(QueryByOutTradeNoError::OrderNotExist {
                message: "订单不存在".into(),
            })
        })?;
    match state {
        TradeState::Success | TradeState::Refund => Err(desk.refuse_as(CloseError::OrderPaid {
            message: "订单已支付".into(),
        })),
        _ => {
            desk.state.merchant_mut::<Books>()?.close(&no);
            answer(desk, &pay::CloseResponse {})
        }
    }
}
