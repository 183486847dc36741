//! `unifiedOrder`, `orderQuery`, `closeOrder`: placing, reading and closing orders.

use super::ledger::Ledger;
use super::ledger::{code_url, mweb_url, OrderEntry};
use super::{answer, call_fields, clock, read, Order};
use crate::engine::{Desk, Reply};
use crate::fingerprint::Fingerprint;
use miniapp::__private::Meaning;
use miniapp::wechatpay::pay::{CloseOrderError, OrderQueryError, UnifiedOrderError};
use miniapp::wechatpay::pay::{CloseOrderRequest, CloseOrderResponse, OrderQueryOrder};
use miniapp::wechatpay::pay::{OrderQueryRequest, OrderQueryResponse};
use miniapp::wechatpay::pay::{TradeState, TradeType, UnifiedOrderRequest, UnifiedOrderResponse};
use std::collections::BTreeMap;

/// The only currency the simulator's merchant takes.
pub(super) const CNY: &str = "CNY";
/// The bank of every simulated payment (WeChat balance).
pub(super) const BANK: &str = "CFT";
/// `is_subscribe` of every simulated payer: not following the merchant's account.
pub(super) const NOT_SUBSCRIBED: &str = "N";

/// A communication-level refusal (`return_code FAIL`): what WeChat Pay answers to
/// parameters it cannot read.
pub(super) fn bad_request(text: impl Into<String>) -> Reply {
    Reply::Refused("FAIL".into(), text.into())
}

/// The order a query names: by WeChat Pay's number, or by the merchant's.
fn named_order<'a>(desk: &'a Desk<'_>, by: &OrderQueryOrder) -> Result<&'a OrderEntry, Reply> {
    let ledger = desk.state.merchant::<Ledger>()?;
    let found = match by {
        OrderQueryOrder::TransactionId { transaction_id } => ledger.by_transaction(transaction_id),
        OrderQueryOrder::OutTradeNo { out_trade_no } => ledger.order(out_trade_no),
    };
    found.ok_or_else(|| {
        desk.refuse_as(OrderQueryError::OrderNotExist {
            message: "order not exist".into(),
        })
    })
}

pub(super) fn unified_order(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: UnifiedOrderRequest = read(desk)?;
    let params = Fingerprint::of(&business_params(desk));
    if let Some(placed) = desk.state.merchant::<Ledger>()?.order(&r.out_trade_no) {
        return again(desk, placed, &params);
    }
    let order = new_order(desk, r)?;
    let answer = answer(desk, &prepay_answer(&order))?;
    let entry = OrderEntry {
        order,
        params,
        signing: desk.signing.clone(),
    };
    desk.state.merchant_mut::<Ledger>()?.place(entry);
    Ok(answer)
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
        _ if placed.params == *params => answer(desk, &prepay_answer(&placed.order)),
        _ => Err(desk.refuse_saying(UnifiedOrderError::InvalidRequest {
            message: "201 商户订单号重复".into(),
        })),
    }
}

fn new_order(desk: &mut Desk<'_>, r: UnifiedOrderRequest) -> Result<Order, Reply> {
    // At least 1 fen: the request's generated `validate()` has checked it.
    let total_fee = r.total_fee;
    let trade_type = match r.trade_type {
        TradeType::Other(other) => {
            let why = format!("不支持的交易类型 {other:?}");
            return Err(desk.refuse_because(Meaning::InvalidField, &why));
        }
        known => known,
    };
    if trade_type == TradeType::Jsapi && r.openid.is_none() {
        return Err(bad_request("JSAPI支付必须传openid"));
    }
    if trade_type == TradeType::Native && r.product_id.is_none() {
        return Err(bad_request("NATIVE支付必须传product_id"));
    }
    let fee_type = r.fee_type.unwrap_or_else(|| CNY.to_owned());
    if fee_type != CNY {
        let why = format!("不支持的币种 {fee_type:?}");
        return Err(desk.refuse_because(Meaning::InvalidField, &why));
    }
    let now = clock::now();
    let prepay_id = desk.state.merchant_mut::<Ledger>()?.prepay_id(&now);
    Ok(Order {
        code_url: (trade_type == TradeType::Native).then(code_url),
        mweb_url: (trade_type == TradeType::Mweb).then(|| mweb_url(&prepay_id)),
        out_trade_no: r.out_trade_no,
        prepay_id,
        transaction_id: None,
        trade_type,
        trade_state: TradeState::NotPay,
        body: r.body,
        attach: r.attach,
        total_fee,
        fee_type,
        openid: r.openid,
        device_info: r.device_info,
        notify_url: r.notify_url,
        time_start: r.time_start.unwrap_or(now),
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

fn prepay_answer(order: &Order) -> UnifiedOrderResponse {
    UnifiedOrderResponse {
        trade_type: Some(order.trade_type.clone()),
        prepay_id: order.prepay_id.clone(),
        code_url: order.code_url.clone(),
        mweb_url: order.mweb_url.clone(),
        device_info: order.device_info.clone(),
    }
}

pub(super) fn order_query(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: OrderQueryRequest = read(desk)?;
    let entry = named_order(desk, &r.order)?;
    answer(desk, &query_answer(&entry.order))
}

fn query_answer(order: &Order) -> OrderQueryResponse {
    let paid = order.transaction_id.is_some() && order.time_end.is_some();
    OrderQueryResponse {
        out_trade_no: order.out_trade_no.clone(),
        trade_state: order.trade_state.clone(),
        trade_state_desc: Some(state_desc(&order.trade_state).to_owned()),
        transaction_id: order.transaction_id.clone().filter(|_| paid),
        openid: order.openid.clone(),
        is_subscribe: paid.then(|| NOT_SUBSCRIBED.to_owned()),
        trade_type: Some(order.trade_type.clone()),
        bank_type: paid.then(|| BANK.to_owned()),
        total_fee: Some(order.total_fee),
        settlement_total_fee: None,
        fee_type: Some(order.fee_type.clone()),
        cash_fee: paid.then_some(order.total_fee),
        cash_fee_type: paid.then(|| order.fee_type.clone()),
        coupon_fee: None,
        coupon_count: None,
        attach: order.attach.clone(),
        time_end: order.time_end.clone().filter(|_| paid),
        device_info: order.device_info.clone(),
    }
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
    let r: CloseOrderRequest = read(desk)?;
    let Some(entry) = desk.state.merchant::<Ledger>()?.order(&r.out_trade_no) else {
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
    desk.state.merchant_mut::<Ledger>()?.close(&r.out_trade_no);
    answer(
        desk,
        &CloseOrderResponse {
            result_msg: Some("OK".into()),
        },
    )
}
