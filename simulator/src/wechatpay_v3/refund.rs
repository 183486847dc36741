//! Refunds: asking for one, querying it.

use super::books::Books;
use super::books::RefundEntry;
use super::keys::rfc3339;
use super::trade::{body, currency, fen, fingerprint, missing};
use super::Refund;
use crate::server::{Desk, Reply};
use miniapp::wechatpay_v3::pay::TradeState;
use miniapp::wechatpay_v3::refund::RefundStatus;
use miniapp::wechatpay_v3::refund::{CreateError, QueryError};
use serde_json::{json, Map, Value};
use std::time::SystemTime;

/// Where a refund to the payer's balance goes, as WeChat Pay names it.
const RECEIVED_ACCOUNT: &str = "支付用户零钱";

pub(super) fn create(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let body = body(desk).clone();
    let text = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let out_refund_no = text("out_refund_no").ok_or_else(|| missing(desk, "out_refund_no"))?;
    let amount = body.get("amount");
    let refund = fen(desk, amount.and_then(|a| a.get("refund")), "amount.refund")?;
    let total = fen(desk, amount.and_then(|a| a.get("total")), "amount.total")?;
    let currency = currency(
        desk,
        amount.and_then(|a| a.get("currency")),
        "amount.currency",
    )?;
    let params = fingerprint(&body, "refund");
    if let Some(entry) = desk.state.merchant_mut::<Books>()?.refund(&out_refund_no) {
        // One refund per out_refund_no: asking again with the same request answers it
        // as it stands.
        return match entry.params == params {
            true => Ok(Reply::Done(refund_object(&entry.refund))),
            false => Err(desk.refuse_as(CreateError::InvalidRequest {
                message: "商户退款单号已被使用,请求参数与原请求不一致".into(),
            })),
        };
    }
    let books = desk.state.merchant::<Books>()?;
    let order = match (text("transaction_id"), text("out_trade_no")) {
        (Some(id), _) => books.by_transaction(&id),
        (None, Some(no)) => books.order(&no),
        (None, None) => return Err(missing(desk, "transaction_id 或 out_trade_no")),
    };
    let order = order.map(|e| books.snapshot(e)).ok_or_else(|| {
        desk.refuse_as(CreateError::ResourceNotExists {
            message: "订单不存在".into(),
        })
    })?;
    let transaction_id = match (&order.trade_state, &order.transaction_id) {
        (TradeState::Success | TradeState::Refund, Some(id)) => id.clone(),
        _ => {
            return Err(desk.refuse_as(CreateError::InvalidRequest {
                message: "订单未支付,不能退款".into(),
            }))
        }
    };
    if total != order.total {
        return Err(desk.refuse_as(CreateError::InvalidRequest {
            message: "订单金额与原订单金额不一致".into(),
        }));
    }
    if refund > order.total - order.refunded {
        return Err(desk.refuse_as(CreateError::InvalidRequest {
            message: "申请退款金额超过订单可退金额".into(),
        }));
    }
    let now = rfc3339(SystemTime::now());
    let refund_id = desk.state.merchant_mut::<Books>()?.refund_id(&now);
    let record = Refund {
        out_refund_no,
        refund_id,
        out_trade_no: order.out_trade_no.clone(),
        transaction_id,
        total,
        refund,
        currency,
        status: RefundStatus::Processing,
        reason: text("reason"),
        notify_url: text("notify_url"),
        funds_account: text("funds_account"),
        create_time: now,
        success_time: None,
    };
    let answer = refund_object(&record);
    desk.state.merchant_mut::<Books>()?.add_refund(RefundEntry {
        refund: record,
        params,
    });
    Ok(Reply::Done(answer))
}

pub(super) fn query(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let no = desk
        .field("out_refund_no")
        .ok_or_else(|| missing(desk, "out_refund_no"))?;
    let entry = desk.state.merchant::<Books>()?.refund(&no).ok_or_else(|| {
        desk.refuse_as(QueryError::ResourceNotExists {
            message: "退款单不存在".into(),
        })
    })?;
    Ok(Reply::Done(refund_object(&entry.refund)))
}

/// A refund as `refund.create` and `refund.query` answer it: no coupons, the whole
/// amount from the payer's cash.
pub(super) fn refund_object(refund: &Refund) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("refund_id".into(), refund.refund_id.clone().into());
    out.insert("out_refund_no".into(), refund.out_refund_no.clone().into());
    out.insert(
        "transaction_id".into(),
        refund.transaction_id.clone().into(),
    );
    out.insert("out_trade_no".into(), refund.out_trade_no.clone().into());
    out.insert("channel".into(), "ORIGINAL".into());
    out.insert("user_received_account".into(), RECEIVED_ACCOUNT.into());
    if let Some(at) = &refund.success_time {
        out.insert("success_time".into(), at.clone().into());
    }
    out.insert("create_time".into(), refund.create_time.clone().into());
    out.insert("status".into(), refund.status.as_str().into());
    out.insert(
        "funds_account".into(),
        refund
            .funds_account
            .clone()
            .unwrap_or_else(|| "UNSETTLED".into())
            .into(),
    );
    out.insert(
        "amount".into(),
        json!({
            "total": refund.total,
            "refund": refund.refund,
            "from": [],
            "payer_total": refund.total,
            "payer_refund": refund.refund,
            "settlement_refund": refund.refund,
            "settlement_total": refund.total,
            "discount_refund": 0,
            "currency": refund.currency,
            "refund_fee": 0,
        }),
    );
    out.insert("promotion_detail".into(), json!([]));
    out
}

/// A refund as its `REFUND.*` notification carries it.
pub(super) fn notification_resource(refund: &Refund, mchid: &str) -> Value {
    let mut out = json!({
        "mchid": mchid,
        "out_trade_no": refund.out_trade_no,
        "transaction_id": refund.transaction_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id,
        "refund_status": refund.status.as_str(),
        "user_received_account": RECEIVED_ACCOUNT,
        "amount": {
            "total": refund.total,
            "refund": refund.refund,
            "payer_total": refund.total,
            "payer_refund": refund.refund,
        },
    });
    if let (Some(at), Some(map)) = (&refund.success_time, out.as_object_mut()) {
        map.insert("success_time".into(), at.clone().into());
    }
    out
}
