//! `refund` and `refundQuery`: asking for refunds and reading them back.

use super::ledger::Ledger;
use super::ledger::{OrderEntry, RefundEntry};
use super::trade::CNY;
use super::{answer, clock, read, Refund};
use crate::engine::{Desk, Reply};
use miniapp::wechatpay::pay::{RefundChannel, RefundError, RefundItem, RefundOrder};
use miniapp::wechatpay::pay::{RefundQueryBy, RefundQueryError, RefundQueryRequest};
use miniapp::wechatpay::pay::{RefundQueryResponse, RefundRequest, RefundResponse};
use miniapp::wechatpay::pay::{RefundStatus, TradeState};
use miniapp::wechatpay::RefundNotification;

/// Where simulated refunds come from and go to.
const REFUND_ACCOUNT: &str = "REFUND_SOURCE_UNSETTLED_FUNDS";
const RECEIVED_BY: &str = "支付用户的零钱";
/// Who asked for every simulated refund.
const REQUEST_SOURCE: &str = "API";
/// Refunds per `refundQuery` page (its `offset` moves through them).
const PAGE: usize = 10;

pub(super) fn refund(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: RefundRequest = read(desk)?;
    let order = refunded_order(desk, &r.order)?.order.clone();
    // At least 1 fen each: the request's generated `validate()` has checked them.
    let (total_fee, refund_fee) = (r.total_fee, r.refund_fee);
    if let Some(asked) = desk.state.merchant::<Ledger>()?.refund(&r.out_refund_no) {
        let same = asked.refund.out_trade_no == order.out_trade_no
            && asked.refund.total_fee == total_fee
            && asked.refund.refund_fee == refund_fee;
        return match same {
            true => answer(desk, &refund_answer(&asked.refund)),
            false => Err(mismatch(desk)),
        };
    }
    if !matches!(order.trade_state, TradeState::Success | TradeState::Refund) {
        return Err(desk.refuse_as(RefundError::BusinessError {
            message: "订单未支付,不能退款".into(),
        }));
    }
    if total_fee != order.total_fee {
        return Err(mismatch(desk));
    }
    if refund_fee
        > order.total_fee
            - desk
                .state
                .merchant_mut::<Ledger>()?
                .refunded(&order.out_trade_no)
    {
        return Err(desk.refuse_saying(RefundError::NotEnough {
            message: "可退金额不足:累计退款金额不能大于订单金额".into(),
        }));
    }
    let now = clock::now();
    let refund = Refund {
        refund_id: desk.state.merchant_mut::<Ledger>()?.refund_id(&now),
        out_refund_no: r.out_refund_no,
        out_trade_no: order.out_trade_no,
        transaction_id: order.transaction_id.unwrap_or_default(),
        total_fee,
        refund_fee,
        refund_status: RefundStatus::Processing,
        refund_desc: r.refund_desc,
        notify_url: r.notify_url,
        requested_at: now,
        settled_at: None,
    };
    let answer = answer(desk, &refund_answer(&refund))?;
    let signing = desk.signing.clone();
    desk.state
        .merchant_mut::<Ledger>()?
        .add_refund(RefundEntry { refund, signing });
    Ok(answer)
}

fn mismatch(desk: &Desk<'_>) -> Reply {
    desk.refuse_as(RefundError::RefundFeeMismatch {
        message: "订单金额或退款金额与之前请求不一致,请核实后再试".into(),
    })
}

/// The order a refund names: by WeChat Pay's number, or by the merchant's.
fn refunded_order<'a>(desk: &'a Desk<'_>, by: &RefundOrder) -> Result<&'a OrderEntry, Reply> {
    let ledger = desk.state.merchant::<Ledger>()?;
    match by {
        RefundOrder::TransactionId { transaction_id } => {
            ledger.by_transaction(transaction_id).ok_or_else(|| {
                desk.refuse_as(RefundError::InvalidTransactionId {
                    message: "无效transaction_id".into(),
                })
            })
        }
        RefundOrder::OutTradeNo { out_trade_no } => ledger.order(out_trade_no).ok_or_else(|| {
            desk.refuse_as(RefundError::OrderNotExist {
                message: "订单不存在".into(),
            })
        }),
    }
}

fn refund_answer(refund: &Refund) -> RefundResponse {
    RefundResponse {
        transaction_id: refund.transaction_id.clone(),
        out_trade_no: refund.out_trade_no.clone(),
        out_refund_no: refund.out_refund_no.clone(),
        refund_id: refund.refund_id.clone(),
        refund_fee: refund.refund_fee,
        settlement_refund_fee: None,
        total_fee: refund.total_fee,
        settlement_total_fee: None,
        fee_type: Some(CNY.to_owned()),
        cash_fee: refund.total_fee,
        cash_refund_fee: Some(refund.refund_fee),
        coupon_refund_fee: None,
        coupon_refund_count: None,
        coupons: None,
    }
}

pub(super) fn refund_query(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: RefundQueryRequest = read(desk)?;
    let (order, refunds, whole_order) = queried(desk, &r.by)?;
    let offset = usize::try_from(r.offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let page: Vec<&Refund> = refunds.iter().skip(offset).take(PAGE).copied().collect();
    if page.is_empty() {
        return Err(desk.refuse_as(RefundQueryError::RefundNotExist {
            message: "not exist".into(),
        }));
    }
    let response = RefundQueryResponse {
        transaction_id: Some(order.transaction_id.clone().unwrap_or_default()),
        out_trade_no: Some(order.out_trade_no.clone()),
        total_fee: Some(order.total_fee),
        settlement_total_fee: None,
        fee_type: Some(order.fee_type.clone()),
        cash_fee: Some(order.total_fee),
        total_refund_count: whole_order.then(|| u32::try_from(refunds.len()).unwrap_or(u32::MAX)),
        refund_count: u32::try_from(page.len()).unwrap_or(u32::MAX),
        // Written as the numbered fields the generated response lists.
        refunds: Some(page.iter().map(|r| refund_item(r)).collect()),
    };
    answer(desk, &response)
}

/// The refunds a query names (by the docs' priority `refund_id`, `out_refund_no`,
/// `transaction_id`, `out_trade_no`: the order of the request type's alternatives),
/// with their order; `true` when it named the order (all its refunds), not one refund.
fn queried<'a>(
    desk: &'a Desk<'_>,
    by: &RefundQueryBy,
) -> Result<(&'a super::Order, Vec<&'a Refund>, bool), Reply> {
    let ledger = desk.state.merchant::<Ledger>()?;
    let none = || {
        desk.refuse_as(RefundQueryError::RefundNotExist {
            message: "not exist".into(),
        })
    };
    let one = |entry: Option<&'a RefundEntry>| {
        let entry = entry.ok_or_else(none)?;
        let order = ledger.order(&entry.refund.out_trade_no).ok_or_else(none)?;
        Ok((&order.order, vec![&entry.refund], false))
    };
    let order = match by {
        RefundQueryBy::RefundId { refund_id } => return one(ledger.by_refund_id(refund_id)),
        RefundQueryBy::OutRefundNo { out_refund_no } => return one(ledger.refund(out_refund_no)),
        RefundQueryBy::TransactionId { transaction_id } => ledger.by_transaction(transaction_id),
        RefundQueryBy::OutTradeNo { out_trade_no } => ledger.order(out_trade_no),
    };
    let order = order.ok_or_else(none)?;
    let refunds = ledger
        .refunds_of(&order.order.out_trade_no)
        .map(|e| &e.refund)
        .collect();
    Ok((&order.order, refunds, true))
}

/// One refund as an item of the query's numbered list.
fn refund_item(refund: &Refund) -> RefundItem {
    let settled = (refund.refund_status == RefundStatus::Success)
        .then_some(refund.settled_at.as_deref())
        .flatten();
    RefundItem {
        out_refund_no: refund.out_refund_no.clone(),
        refund_id: refund.refund_id.clone(),
        refund_channel: Some(RefundChannel::Original),
        refund_fee: refund.refund_fee,
        settlement_refund_fee: Some(refund.refund_fee),
        coupon_refund_fee: None,
        coupon_refund_count: None,
        coupons: None,
        refund_status: refund.refund_status.clone(),
        refund_account: Some(REFUND_ACCOUNT.to_owned()),
        refund_recv_accout: Some(RECEIVED_BY.to_owned()),
        refund_success_time: settled.map(clock::readable),
    }
}

/// The details of `refund`'s notification: the SDK's own `RefundNotification`, written
/// (feature `encoders`) as the client reads it.
pub(super) fn notification_details(refund: &Refund) -> RefundNotification {
    let mut details = RefundNotification::default();
    details.transaction_id = refund.transaction_id.clone();
    details.out_trade_no = refund.out_trade_no.clone();
    details.refund_id = refund.refund_id.clone();
    details.out_refund_no = refund.out_refund_no.clone();
    details.total_fee = refund.total_fee;
    details.settlement_total_fee = Some(refund.total_fee);
    details.refund_fee = refund.refund_fee;
    details.settlement_refund_fee = refund.refund_fee;
    details.refund_status = refund.refund_status.as_str().to_owned();
    details.refund_recv_accout = Some(RECEIVED_BY.to_owned());
    details.refund_account = Some(REFUND_ACCOUNT.to_owned());
    details.refund_request_source = Some(REQUEST_SOURCE.to_owned());
    details.success_time = (refund.refund_status == RefundStatus::Success).then(|| {
        refund
            .settled_at
            .as_deref()
            .map(clock::readable)
            .unwrap_or_default()
    });
    details
}
