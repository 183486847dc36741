//! Refunds: asking for one, querying it.

use super::books::Books;
use super::books::RefundEntry;
use super::keys::rfc3339;
use super::trade::{answer, currency, fen, fingerprint, read, written};
use super::Refund;
use crate::engine::{Desk, Reply};
use miniapp::wechatpay_v3::pay::TradeState;
use miniapp::wechatpay_v3::refund::{CreateError, QueryError};
use miniapp::wechatpay_v3::refund::{CreateOrder, CreateRequest, CreateResponse, QueryRequest};
use miniapp::wechatpay_v3::refund::{FundsAccount, QueryResponse, RefundAmount};
use miniapp::wechatpay_v3::refund::{RefundChannel, RefundStatus};
use serde_json::Value;
use std::time::SystemTime;

/// Where a refund to the payer's balance goes, as WeChat Pay names it.
const RECEIVED_ACCOUNT: &str = "支付用户零钱";

/// A refund as `refund.create` and `refund.query` answer it (their response types have
/// the same fields): no coupons, the whole amount from the payer's cash; the funds
/// account the request named, else the unsettled funds.
macro_rules! refund_answer {
    ($answer:ident, $refund:expr) => {{
        let refund: &Refund = $refund;
        $answer {
            refund_id: refund.refund_id.clone(),
            out_refund_no: refund.out_refund_no.clone(),
            transaction_id: refund.transaction_id.clone(),
            out_trade_no: refund.out_trade_no.clone(),
            channel: RefundChannel::Original,
            user_received_account: RECEIVED_ACCOUNT.to_owned(),
            success_time: refund.success_time.clone(),
            create_time: refund.create_time.clone(),
            status: refund.status.clone(),
            funds_account: Some(
                refund
                    .funds_account
                    .as_deref()
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(FundsAccount::Unsettled),
            ),
            amount: RefundAmount {
                total: refund.total,
                refund: refund.refund,
                from: Some(Vec::new()),
                payer_total: refund.total,
                payer_refund: refund.refund,
                settlement_refund: refund.refund,
                settlement_total: refund.total,
                discount_refund: 0,
                currency: refund.currency.clone(),
                refund_fee: Some(0),
            },
            promotion_detail: Some(Vec::new()),
        }
    }};
}

pub(super) fn create(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: CreateRequest = read(desk)?;
    let refund = fen(desk, r.amount.refund, "退款金额")?;
    let total = fen(desk, r.amount.total, "原订单金额")?;
    let currency = currency(desk, Some(r.amount.currency.clone()))?;
    let params = fingerprint(&written(desk, &r)?, "refund");
    if let Some(entry) = desk.state.merchant_mut::<Books>()?.refund(&r.out_refund_no) {
        // One refund per out_refund_no: asking again with the same request answers it
        // as it stands.
        return match entry.params == params {
            true => {
                let again = refund_answer!(CreateResponse, &entry.refund);
                answer(desk, &again)
            }
            false => Err(desk.refuse_as(CreateError::InvalidRequest {
                message: "商户退款单号已被使用,请求参数与原请求不一致".into(),
            })),
        };
    }
    let books = desk.state.merchant::<Books>()?;
    let order = match &r.order {
        CreateOrder::TransactionId { transaction_id } => books.by_transaction(transaction_id),
        CreateOrder::OutTradeNo { out_trade_no } => books.order(out_trade_no),
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
    let non_empty = |text: Option<String>| text.filter(|t| !t.is_empty());
    let record = Refund {
        out_refund_no: r.out_refund_no,
        refund_id,
        out_trade_no: order.out_trade_no.clone(),
        transaction_id,
        total,
        refund,
        currency,
        status: RefundStatus::Processing,
        reason: non_empty(r.reason),
        notify_url: non_empty(r.notify_url),
        funds_account: r.funds_account.map(|a| a.as_str().to_owned()),
        create_time: now,
        success_time: None,
    };
    let created = refund_answer!(CreateResponse, &record);
    desk.state.merchant_mut::<Books>()?.add_refund(RefundEntry {
        refund: record,
        params,
    });
    answer(desk, &created)
}

pub(super) fn query(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: QueryRequest = read(desk)?;
    let entry = desk
        .state
        .merchant::<Books>()?
        .refund(&r.out_refund_no)
        .ok_or_else(|| {
            desk.refuse_as(QueryError::ResourceNotExists {
                message: "退款单不存在".into(),
            })
        })?;
    let found = refund_answer!(QueryResponse, &entry.refund);
    answer(desk, &found)
}

/// A refund as its `REFUND.*` notification carries it: the SDK's own
/// `RefundResource`, written (feature `encoders`) as the client reads it.
pub(super) fn notification_resource(refund: &Refund, mchid: &str) -> Result<Value, String> {
    use miniapp::wechatpay_v3::{RefundIds, RefundResource, RefundResourceAmount};
    let ids = RefundIds {
        mchid,
        out_trade_no: &refund.out_trade_no,
        transaction_id: &refund.transaction_id,
        out_refund_no: &refund.out_refund_no,
        refund_id: &refund.refund_id,
    };
    let amount =
        RefundResourceAmount::new(refund.total, refund.refund, refund.total, refund.refund);
    let notice = RefundResource::new(ids, refund.status.as_str(), RECEIVED_ACCOUNT, amount)
        .success_time(refund.success_time.clone());
    serde_json::to_value(notice).map_err(|e| e.to_string())
}
