//! `refund` and `refundQuery`: asking for refunds and reading them back.

use super::ledger::Ledger;
use super::ledger::{OrderEntry, RefundEntry};
use super::trade::{bad_request, need, need_fen, CNY};
use super::{clock, Refund};
use crate::server::{Desk, Reply};
use miniapp::runtime::{IndexedList, StructuredResponse};
use miniapp::wechatpay::pay::{RefundError, RefundQueryError};
use miniapp::wechatpay::pay::{RefundQueryResponse, RefundStatus, TradeState};
use serde_json::{Map, Value};

/// Where simulated refunds come from and go to.
const REFUND_ACCOUNT: &str = "REFUND_SOURCE_UNSETTLED_FUNDS";
const RECEIVED_BY: &str = "支付用户的零钱";
const CHANNEL: &str = "ORIGINAL";
/// Refunds per `refundQuery` page (its `offset` moves through them).
const PAGE: usize = 10;

pub(super) fn refund(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let order = refunded_order(desk)?.order.clone();
    let out_refund_no = need(desk, "out_refund_no")?;
    let total_fee = need_fen(desk, "total_fee")?;
    let refund_fee = need_fen(desk, "refund_fee")?;
    if let Some(asked) = desk.state.merchant_mut::<Ledger>()?.refund(&out_refund_no) {
        let same = asked.refund.out_trade_no == order.out_trade_no
            && asked.refund.total_fee == total_fee
            && asked.refund.refund_fee == refund_fee;
        return match same {
            true => Ok(Reply::Done(refund_answer(&asked.refund))),
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
        out_refund_no,
        out_trade_no: order.out_trade_no,
        transaction_id: order.transaction_id.unwrap_or_default(),
        total_fee,
        refund_fee,
        refund_status: RefundStatus::Processing,
        refund_desc: desk.field("refund_desc"),
        notify_url: desk.field("notify_url"),
        requested_at: now,
        settled_at: None,
    };
    let answer = refund_answer(&refund);
    let signing = desk.signing.clone();
    desk.state
        .merchant_mut::<Ledger>()?
        .add_refund(RefundEntry { refund, signing });
    Ok(Reply::Done(answer))
}

fn mismatch(desk: &Desk<'_>) -> Reply {
    desk.refuse_as(RefundError::RefundFeeMismatch {
        message: "订单金额或退款金额与之前请求不一致,请核实后再试".into(),
    })
}

/// The order a refund names: `transaction_id` first, else `out_trade_no`.
fn refunded_order<'a>(desk: &'a Desk<'_>) -> Result<&'a OrderEntry, Reply> {
    let ledger = desk.state.merchant::<Ledger>()?;
    match (desk.field("transaction_id"), desk.field("out_trade_no")) {
        (Some(id), _) => ledger.by_transaction(&id).ok_or_else(|| {
            desk.refuse_as(RefundError::InvalidTransactionId {
                message: "无效transaction_id".into(),
            })
        }),
        (None, Some(no)) => ledger.order(&no).ok_or_else(|| {
            desk.refuse_as(RefundError::OrderNotExist {
                message: "订单不存在".into(),
            })
        }),
        (None, None) => Err(bad_request("transaction_id和out_trade_no必须填一个")),
    }
}

fn refund_answer(refund: &Refund) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "transaction_id".into(),
        refund.transaction_id.as_str().into(),
    );
    out.insert("out_trade_no".into(), refund.out_trade_no.as_str().into());
    out.insert("out_refund_no".into(), refund.out_refund_no.as_str().into());
    out.insert("refund_id".into(), refund.refund_id.as_str().into());
    out.insert("refund_fee".into(), refund.refund_fee.into());
    out.insert("total_fee".into(), refund.total_fee.into());
    out.insert("cash_fee".into(), refund.total_fee.into());
    out.insert("cash_refund_fee".into(), refund.refund_fee.into());
    out.insert("fee_type".into(), CNY.into());
    out
}

pub(super) fn refund_query(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let (order, refunds, whole_order) = queried(desk)?;
    let offset = match desk.field("offset") {
        None => 0,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| bad_request("offset参数格式错误"))?,
    };
    let page: Vec<&Refund> = refunds.iter().skip(offset).take(PAGE).copied().collect();
    if page.is_empty() {
        return Err(desk.refuse_as(RefundQueryError::RefundNotExist {
            message: "not exist".into(),
        }));
    }
    let mut out = Map::new();
    out.insert(
        "transaction_id".into(),
        order.transaction_id.clone().unwrap_or_default().into(),
    );
    out.insert("out_trade_no".into(), order.out_trade_no.as_str().into());
    out.insert("total_fee".into(), order.total_fee.into());
    out.insert("cash_fee".into(), order.total_fee.into());
    out.insert("fee_type".into(), order.fee_type.as_str().into());
    if whole_order {
        out.insert("total_refund_count".into(), refunds.len().into());
    }
    // The generated response names the numbered list: its count and item fields.
    if let Some(list) = RefundQueryResponse::INDEXED_LISTS.first() {
        let items: Vec<_> = page.iter().map(|r| refund_item(r)).collect();
        write_indexed(&mut out, list, &items);
    }
    Ok(Reply::Done(out))
}

/// The refunds a query names, by the docs' priority (`refund_id`, `out_refund_no`,
/// `transaction_id`, `out_trade_no`), with their order; `true` when it named the order
/// (all its refunds), not one refund.
fn queried<'a>(desk: &'a Desk<'_>) -> Result<(&'a super::Order, Vec<&'a Refund>, bool), Reply> {
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
    if let Some(id) = desk.field("refund_id") {
        return one(ledger.by_refund_id(&id));
    }
    if let Some(no) = desk.field("out_refund_no") {
        return one(ledger.refund(&no));
    }
    let order = match (desk.field("transaction_id"), desk.field("out_trade_no")) {
        (Some(id), _) => ledger.by_transaction(&id),
        (None, Some(no)) => ledger.order(&no),
        (None, None) => {
            return Err(bad_request(
                "refund_id、out_refund_no、transaction_id、out_trade_no必须填一个",
            ))
        }
    };
    let order = order.ok_or_else(none)?;
    let refunds = ledger
        .refunds_of(&order.order.out_trade_no)
        .map(|e| &e.refund)
        .collect();
    Ok((&order.order, refunds, true))
}

/// One refund's fields under their wire names (numbered by [`write_indexed`]).
fn refund_item(refund: &Refund) -> Vec<(&'static str, String)> {
    let mut item = vec![
        ("out_refund_no", refund.out_refund_no.clone()),
        ("refund_id", refund.refund_id.clone()),
        ("refund_channel", CHANNEL.to_owned()),
        ("refund_fee", refund.refund_fee.to_string()),
        ("settlement_refund_fee", refund.refund_fee.to_string()),
        ("refund_status", refund.refund_status.as_str().to_owned()),
        ("refund_account", REFUND_ACCOUNT.to_owned()),
        ("refund_recv_accout", RECEIVED_BY.to_owned()),
    ];
    if let (RefundStatus::Success, Some(at)) = (&refund.refund_status, &refund.settled_at) {
        item.push(("refund_success_time", clock::readable(at)));
    }
    item
}

/// Spreads `items` over numbered fields as `list` names them: its count, then
/// `<field>_<n>` for each item field the list has.
fn write_indexed(out: &mut Map<String, Value>, list: &IndexedList, items: &[Vec<(&str, String)>]) {
    out.insert(list.count.into(), items.len().into());
    for (n, item) in items.iter().enumerate() {
        for (name, value) in item {
            if list.item_fields.contains(name) {
                out.insert(format!("{name}_{n}"), value.as_str().into());
            }
        }
    }
}

/// What a refund adds to the refund notification's encrypted details.
pub(super) fn notification_details(refund: &Refund) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("transaction_id", refund.transaction_id.clone()),
        ("out_trade_no", refund.out_trade_no.clone()),
        ("refund_id", refund.refund_id.clone()),
        ("out_refund_no", refund.out_refund_no.clone()),
        ("total_fee", refund.total_fee.to_string()),
        ("settlement_total_fee", refund.total_fee.to_string()),
        ("refund_fee", refund.refund_fee.to_string()),
        ("settlement_refund_fee", refund.refund_fee.to_string()),
        ("refund_status", refund.refund_status.as_str().to_owned()),
        ("refund_recv_accout", RECEIVED_BY.to_owned()),
        ("refund_account", REFUND_ACCOUNT.to_owned()),
        ("refund_request_source", "API".to_owned()),
    ];
    if refund.refund_status == RefundStatus::Success {
        let at = refund.settled_at.as_deref().map(clock::readable);
        fields.push(("success_time", at.unwrap_or_default()));
    }
    fields
}
