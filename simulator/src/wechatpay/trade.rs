//! `unifiedOrder`, `orderQuery`, `closeOrder`: placing, reading and closing orders.

use super::ledger::Ledger;
use super::ledger::{code_url, mweb_url, OrderEntry};
use super::{call_fields, clock, put_opt, Order};
use crate::fingerprint::Fingerprint;
use crate::server::{Desk, Reply};
use miniapp::wechatpay::pay::{CloseOrderError, OrderQueryError, UnifiedOrderError};
use miniapp::wechatpay::pay::{TradeState, TradeType};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The only currency the simulator's merchant takes.
pub(super) const CNY: &str = "CNY";
/// The bank of every simulated payment (WeChat balance).
pub(super) const BANK: &str = "CFT";

/// A communication-level refusal (`return_code FAIL`): what WeChat Pay answers to
/// parameters it cannot read.
pub(super) fn bad_request(text: impl Into<String>) -> Reply {
    Reply::Refused("FAIL".into(), text.into())
}

/// A required request field.
pub(super) fn need(desk: &Desk<'_>, name: &str) -> Result<String, Reply> {
    desk.field(name)
        .ok_or_else(|| bad_request(format!("缺少参数{name}")))
}

/// An amount in fen, at least 1, if the request has the field.
pub(super) fn fen(desk: &Desk<'_>, name: &str) -> Result<Option<i64>, Reply> {
    let Some(text) = desk.field(name) else {
        return Ok(None);
    };
    match text.parse::<i64>() {
        Ok(fen) if fen >= 1 => Ok(Some(fen)),
        _ => Err(bad_request(format!("{name}参数格式错误"))),
    }
}

/// A required amount in fen.
pub(super) fn need_fen(desk: &Desk<'_>, name: &str) -> Result<i64, Reply> {
    fen(desk, name)?.ok_or_else(|| bad_request(format!("缺少参数{name}")))
}

/// The order a query names: `transaction_id` first, else `out_trade_no`.
fn named_order<'a>(desk: &'a Desk<'_>) -> Result<&'a OrderEntry, Reply> {
    let ledger = desk.state.merchant::<Ledger>()?;
    let found = match (desk.field("transaction_id"), desk.field("out_trade_no")) {
        (Some(id), _) => ledger.by_transaction(&id),
        (None, Some(no)) => ledger.order(&no),
        (None, None) => return Err(bad_request("transaction_id和out_trade_no必须填一个")),
    };
    found.ok_or_else(|| {
        desk.refuse_as(OrderQueryError::OrderNotExist {
            message: "order not exist".into(),
        })
    })
}

pub(super) fn unified_order(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let out_trade_no = need(desk, "out_trade_no")?;
    let params = Fingerprint::of(&business_params(desk));
    if let Some(placed) = desk.state.merchant::<Ledger>()?.order(&out_trade_no) {
        return again(desk, placed, &params);
    }
    let order = new_order(desk, out_trade_no)?;
    let answer = prepay_answer(&order);
    let entry = OrderEntry {
        order,
        params,
        signing: desk.signing.clone(),
        refunds: Vec::new(),
    };
    desk.state.merchant_mut::<Ledger>()?.place(entry);
    Ok(Reply::Done(answer))
}

/// The same `out_trade_no` placed again: the same order if nothing changed.
fn again(desk: &Desk<'_>, placed: &OrderEntry, params: &Fingerprint) -> Result<Reply, Reply> {
    match placed.order.trade_state {
        TradeState::Success | TradeState::Refund => {
            Err(desk.refuse_as(UnifiedOrderError::OrderPaid {
                message: "该订单已支付".into(),
            }))
        }
        TradeState::Closed => Err(desk.refuse_as(UnifiedOrderError::OrderClosed {
            message: "该订单已关闭".into(),
        })),
        _ if placed.params == *params => Ok(Reply::Done(prepay_answer(&placed.order))),
        _ => Err(desk.refuse_saying(UnifiedOrderError::InvalidRequest {
            message: "201 商户订单号重复".into(),
        })),
    }
}

fn new_order(desk: &mut Desk<'_>, out_trade_no: String) -> Result<Order, Reply> {
    let total_fee = need_fen(desk, "total_fee")?;
    let trade_type = match TradeType::from_str(&need(desk, "trade_type")?) {
        Ok(TradeType::Other(_)) | Err(_) => return Err(bad_request("trade_type参数格式错误")),
        Ok(known) => known,
    };
    let openid = desk.field("openid");
    if trade_type == TradeType::Jsapi && openid.is_none() {
        return Err(bad_request("JSAPI支付必须传openid"));
    }
    if trade_type == TradeType::Native && desk.field("product_id").is_none() {
        return Err(bad_request("NATIVE支付必须传product_id"));
    }
    let fee_type = desk.field("fee_type").unwrap_or_else(|| CNY.to_owned());
    if fee_type != CNY {
        return Err(bad_request("fee_type参数格式错误"));
    }
    let now = clock::now();
    let prepay_id = desk.state.merchant_mut::<Ledger>()?.prepay_id(&now);
    Ok(Order {
        code_url: (trade_type == TradeType::Native).then(code_url),
        mweb_url: (trade_type == TradeType::Mweb).then(|| mweb_url(&prepay_id)),
        out_trade_no,
        prepay_id,
        transaction_id: None,
        trade_type,
        trade_state: TradeState::NotPay,
        body: need(desk, "body")?,
        attach: desk.field("attach"),
        total_fee,
        fee_type,
        openid,
        device_info: desk.field("device_info"),
        notify_url: need(desk, "notify_url")?,
        time_start: desk.field("time_start").unwrap_or(now),
        time_end: None,
        refunded_fee: 0,
    })
}

/// Every field of the request but those of the call itself (sign, nonce, sign type):
/// what placing the same order again must repeat.
fn business_params(desk: &Desk<'_>) -> BTreeMap<String, String> {
    let call = call_fields(desk.shared, desk.platform);
    let skipped = [call.sign, call.nonce, call.variant];
    desk.incoming
        .body_fields()
        .into_iter()
        .filter(|(k, _)| !skipped.contains(&Some(k.as_str())))
        .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
        .collect()
}

fn prepay_answer(order: &Order) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("trade_type".into(), order.trade_type.as_str().into());
    out.insert("prepay_id".into(), order.prepay_id.as_str().into());
    put_opt(&mut out, "code_url", order.code_url.as_deref());
    put_opt(&mut out, "mweb_url", order.mweb_url.as_deref());
    put_opt(&mut out, "device_info", order.device_info.as_deref());
    out
}

pub(super) fn order_query(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let entry = named_order(desk)?;
    Ok(Reply::Done(query_answer(&entry.order)))
}

fn query_answer(order: &Order) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("out_trade_no".into(), order.out_trade_no.as_str().into());
    out.insert("trade_state".into(), order.trade_state.as_str().into());
    out.insert(
        "trade_state_desc".into(),
        state_desc(&order.trade_state).into(),
    );
    out.insert("trade_type".into(), order.trade_type.as_str().into());
    out.insert("total_fee".into(), order.total_fee.into());
    out.insert("fee_type".into(), order.fee_type.as_str().into());
    put_opt(&mut out, "attach", order.attach.as_deref());
    put_opt(&mut out, "device_info", order.device_info.as_deref());
    put_opt(&mut out, "openid", order.openid.as_deref());
    if let (Some(transaction_id), Some(time_end)) = (&order.transaction_id, &order.time_end) {
        out.insert("transaction_id".into(), transaction_id.as_str().into());
        out.insert("time_end".into(), time_end.as_str().into());
        out.insert("cash_fee".into(), order.total_fee.into());
        out.insert("cash_fee_type".into(), order.fee_type.as_str().into());
        out.insert("bank_type".into(), BANK.into());
        out.insert("is_subscribe".into(), "N".into());
    }
    out
}

/// `trade_state_desc` as WeChat Pay words it.
fn state_desc(state: &TradeState) -> &'static str {
    match state {
        TradeState::Success => "支付成功",
        TradeState::NotPay => "订单未支付",
        TradeState::Closed => "订单已关闭",
        TradeState::Refund => "订单发生过退款",
        other => other.description(),
    }
}

pub(super) fn close_order(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let out_trade_no = need(desk, "out_trade_no")?;
    let Some(entry) = desk.state.merchant::<Ledger>()?.order(&out_trade_no) else {
        return Err(desk.refuse_as(CloseOrderError::OrderNotExist {
            message: "order not exist".into(),
        }));
    };
    match entry.order.trade_state {
        TradeState::NotPay => {}
        TradeState::Closed => {
            return Err(desk.refuse_as(CloseOrderError::OrderClosed {
                message: "订单已关闭".into(),
            }))
        }
        _ => {
            return Err(desk.refuse_as(CloseOrderError::OrderPaid {
                message: "订单已支付".into(),
            }))
        }
    }
    desk.state.merchant_mut::<Ledger>()?.close(&out_trade_no);
    let mut out = Map::new();
    out.insert("result_msg".into(), "OK".into());
    Ok(Reply::Done(out))
}
