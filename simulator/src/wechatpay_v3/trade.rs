//! Orders: placing them (JSAPI, APP, H5, Native), querying, closing.

use super::books::Books;
use super::books::OrderEntry;
use super::keys::rfc3339;
use super::{Order, BANK};
use crate::fingerprint::Fingerprint;
use crate::server::{Desk, Reply};
use miniapp::__private::Meaning;
use miniapp::wechatpay_v3::pay::{CloseError, JsapiError, QueryByOutTradeNoError};
use miniapp::wechatpay_v3::pay::{TradeState, TradeType};
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::SystemTime;

pub(super) fn jsapi(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    place(desk, TradeType::Jsapi)
}

pub(super) fn app(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    place(desk, TradeType::App)
}

pub(super) fn h5(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    place(desk, TradeType::Mweb)
}

pub(super) fn native(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    place(desk, TradeType::Native)
}

/// The JSON body (a request that got here has one: its required fields were found).
pub(super) fn body<'a>(desk: &'a Desk<'_>) -> &'a Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    desk.incoming
        .json
        .as_ref()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// `PARAM_ERROR` for a field that is not as documented, naming it.
pub(super) fn invalid(desk: &Desk<'_>, what: &str) -> Reply {
    match desk.refuse_for(Meaning::InvalidField) {
        Reply::Refused(code, text) => Reply::Refused(code, format!("{text}: {what}")),
        other => other,
    }
}

/// `PARAM_ERROR` for a required field that is missing, naming it.
pub(super) fn missing(desk: &Desk<'_>, what: &str) -> Reply {
    match desk.refuse_for(Meaning::MissingField) {
        Reply::Refused(code, text) => Reply::Refused(code, format!("{text}: {what}")),
        other => other,
    }
}

/// A member of an object member (`amount.total`).
fn nested<'a>(body: &'a Map<String, Value>, outer: &str, inner: &str) -> Option<&'a Value> {
    body.get(outer)?.get(inner)
}

/// A non-empty text member.
fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The largest amount accepted, in fen (ten billion yuan): far above any real order,
/// and low enough that the sums and fees of a bill over every order kept cannot
/// overflow.
const MAX_FEN: i64 = 1_000_000_000_000;

/// An amount in fen, at least 1 (and at most [`MAX_FEN`]).
pub(super) fn fen(desk: &Desk<'_>, value: Option<&Value>, name: &str) -> Result<i64, Reply> {
    let value = value.ok_or_else(|| missing(desk, name))?;
    match value.as_i64() {
        Some(n) if (1..=MAX_FEN).contains(&n) => Ok(n),
        _ => Err(invalid(
            desk,
            &format!("{name} 须为 1 到 {MAX_FEN} 的整数(分)"),
        )),
    }
}

/// The currency, `CNY` when absent; any other is refused (domestic merchants only).
pub(super) fn currency(
    desk: &Desk<'_>,
    value: Option<&Value>,
    name: &str,
) -> Result<String, Reply> {
    match value {
        None => Ok("CNY".into()),
        Some(Value::String(c)) if c == "CNY" => Ok(c.clone()),
        Some(_) => Err(invalid(desk, &format!("{name} 只支持 CNY"))),
    }
}

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

fn place(desk: &mut Desk<'_>, trade_type: TradeType) -> Result<Reply, Reply> {
    let body = body(desk).clone();
    let out_trade_no =
        text(body.get("out_trade_no")).ok_or_else(|| missing(desk, "out_trade_no"))?;
    let total = fen(desk, nested(&body, "amount", "total"), "amount.total")?;
    let currency = currency(desk, nested(&body, "amount", "currency"), "amount.currency")?;
    let openid = text(nested(&body, "payer", "openid"));
    if trade_type == TradeType::Jsapi && openid.is_none() {
        return Err(missing(desk, "payer.openid"));
    }
    if trade_type == TradeType::Mweb {
        let h5_type = body
            .get("scene_info")
            .and_then(|s| s.get("h5_info"))
            .and_then(|h| h.get("type"))
            .and_then(Value::as_str);
        match h5_type {
            None => return Err(missing(desk, "scene_info.h5_info.type")),
            Some("iOS" | "Android" | "Wap") => {}
            Some(_) => return Err(invalid(desk, "scene_info.h5_info.type")),
        }
    }
    let params = fingerprint(&body, trade_type.as_str());
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
        let answer = entry.map(|entry| {
            if trade_type == TradeType::Native {
                entry.order.code_url = Some(code_url());
            }
            placed(&entry.order)
        });
        return answer.map(Reply::Done).ok_or_else(|| {
            desk.refuse_as(JsapiError::SystemError {
                message: "miniapp simulator: the order vanished".into(),
            })
        });
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
        appid: text(body.get("appid")).unwrap_or_default(),
        trade_type,
        trade_state: TradeState::NotPay,
        description: text(body.get("description")).unwrap_or_default(),
        attach: text(body.get("attach")),
        total,
        currency,
        payer_openid: openid,
        notify_url: text(body.get("notify_url")).unwrap_or_default(),
        prepay_id: prepay,
        h5_url,
        code_url: code,
        device_id: text(nested(&body, "scene_info", "device_id")),
        transaction_id: None,
        create_time: now,
        success_time: None,
        refunded: 0,
    };
    let answer = placed(&order);
    desk.state.merchant_mut::<Books>()?.place(OrderEntry {
        order,
        params,
        refunds: Vec::new(),
    });
    Ok(Reply::Done(answer))
}

/// The answer of a placed order: what its trade type pays with.
fn placed(order: &Order) -> Map<String, Value> {
    let mut out = Map::new();
    let pairs = [
        ("prepay_id", &order.prepay_id),
        ("h5_url", &order.h5_url),
        ("code_url", &order.code_url),
    ];
    for (name, value) in pairs {
        if let Some(value) = value {
            out.insert(name.into(), value.clone().into());
        }
    }
    out
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

/// The transaction object of an order (a query's answer, a notification's resource):
/// whole once paid, the unpaid subset before (and for a closed unpaid order).
pub(super) fn transaction(order: &Order, mchid: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("appid".into(), order.appid.clone().into());
    out.insert("mchid".into(), mchid.into());
    out.insert("out_trade_no".into(), order.out_trade_no.clone().into());
    out.insert("trade_state".into(), order.trade_state.as_str().into());
    out.insert(
        "trade_state_desc".into(),
        state_desc(&order.trade_state).into(),
    );
    let Some(transaction_id) = &order.transaction_id else {
        out.insert(
            "amount".into(),
            json!({"total": order.total, "currency": order.currency, "payer_currency": order.currency}),
        );
        return out;
    };
    out.insert("transaction_id".into(), transaction_id.clone().into());
    out.insert("trade_type".into(), order.trade_type.as_str().into());
    out.insert("bank_type".into(), BANK.into());
    out.insert(
        "attach".into(),
        order.attach.clone().unwrap_or_default().into(),
    );
    if let Some(at) = &order.success_time {
        out.insert("success_time".into(), at.clone().into());
    }
    let openid = order.payer_openid.as_deref().unwrap_or(super::PAYER_OPENID);
    out.insert("payer".into(), json!({ "openid": openid }));
    out.insert(
        "amount".into(),
        json!({
            "total": order.total,
            "payer_total": order.total,
            "currency": order.currency,
            "payer_currency": order.currency,
        }),
    );
    if let Some(device_id) = &order.device_id {
        out.insert("scene_info".into(), json!({ "device_id": device_id }));
    }
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

pub(super) fn query_by_id(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let id = desk
        .field("transaction_id")
        .ok_or_else(|| missing(desk, "transaction_id"))?;
    let books = desk.state.merchant::<Books>()?;
    let entry = books.by_transaction(&id).ok_or_else(|| {
        desk.refuse_as(QueryByOutTradeNoError::OrderNotExist {
            message: "订单不存在".into(),
        })
    })?;
    Ok(Reply::Done(transaction(
        &books.snapshot(entry),
        desk.merchant_id(),
    )))
}

pub(super) fn query_by_out_trade_no(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let no = desk
        .field("out_trade_no")
        .ok_or_else(|| missing(desk, "out_trade_no"))?;
    let books = desk.state.merchant::<Books>()?;
    let entry = books.order(&no).ok_or_else(|| {
        desk.refuse_as(QueryByOutTradeNoError::OrderNotExist {
            message: "订单不存在".into(),
        })
    })?;
    Ok(Reply::Done(transaction(
        &books.snapshot(entry),
        desk.merchant_id(),
    )))
}

/// `pay.close`: an unpaid order is closed (again: nothing changes); answered 204.
pub(super) fn close(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let no = desk
        .field("out_trade_no")
        .ok_or_else(|| missing(desk, "out_trade_no"))?;
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
            Ok(Reply::Done(Map::new()))
        }
    }
}
