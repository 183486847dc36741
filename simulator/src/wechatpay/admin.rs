//! The WeChat Pay admin routes: the merchant's orders and refunds, paying an order and
//! settling a refund (each POSTs its notification and answers what the merchant said).

use crate::admin::reply::{json_body, path, Paging, Refusal};
use crate::admin::{only, Sim};
use crate::wechatpay::{Notified, Order, Refund, RefundOutcome, WechatPaySteerError};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

pub(crate) fn routes(router: Router<Sim>) -> Router<Sim> {
    router
        .route("/wechatpay/orders", only(get(orders)))
        .route("/wechatpay/orders/:out_trade_no", only(get(order)))
        .route("/wechatpay/orders/:out_trade_no/pay", only(post(pay)))
        .route("/wechatpay/refunds", only(get(refunds)))
        .route("/wechatpay/refunds/:out_refund_no", only(get(refund)))
        .route(
            "/wechatpay/refunds/:out_refund_no/settle",
            only(post(settle)),
        )
}

type Named = Result<Path<String>, PathRejection>;

async fn orders(State(sim): State<Sim>, RawQuery(query): RawQuery) -> Result<Json<Value>, Refusal> {
    let paging = Paging::of(query.as_deref())?;
    let page = sim.wechatpay_orders_page(paging.offset, paging.limit);
    Ok(paging.answer("/wechatpay/orders", "orders", page))
}

async fn order(State(sim): State<Sim>, no: Named) -> Result<Json<Order>, Refusal> {
    let no = path(no)?;
    sim.wechatpay_order(&no)
        .map(Json)
        .ok_or_else(|| refused(WechatPaySteerError::UnknownOrder(no)))
}

async fn pay(State(sim): State<Sim>, no: Named) -> Result<Json<Notified>, Refusal> {
    let no = path(no)?;
    sim.pay_wechatpay_order(&no)
        .await
        .map(Json)
        .map_err(refused)
}

async fn refunds(
    State(sim): State<Sim>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, Refusal> {
    let paging = Paging::of(query.as_deref())?;
    let page = sim.wechatpay_refunds_page(paging.offset, paging.limit);
    Ok(paging.answer("/wechatpay/refunds", "refunds", page))
}

async fn refund(State(sim): State<Sim>, no: Named) -> Result<Json<Refund>, Refusal> {
    let no = path(no)?;
    sim.wechatpay_refund(&no)
        .map(Json)
        .ok_or_else(|| refused(WechatPaySteerError::UnknownRefund(no)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settle {
    outcome: String,
}

async fn settle(State(sim): State<Sim>, no: Named, body: Body) -> Result<Json<Notified>, Refusal> {
    let no = path(no)?;
    let Settle { outcome } = json_body(&sim, body).await?;
    let outcome = RefundOutcome::from_wire(&outcome).ok_or_else(|| {
        Refusal::bad(format!(
            "outcome {outcome:?} is none of SUCCESS, CHANGE, REFUNDCLOSE"
        ))
    })?;
    sim.settle_wechatpay_refund(&no, outcome)
        .await
        .map(Json)
        .map_err(refused)
}

fn refused(e: WechatPaySteerError) -> Refusal {
    match e {
        WechatPaySteerError::UnknownOrder(_)
        | WechatPaySteerError::UnknownRefund(_)
        | WechatPaySteerError::NotServed => Refusal::not_found(e),
        WechatPaySteerError::NotPayable { .. } | WechatPaySteerError::Settled { .. } => {
            Refusal::conflict(e)
        }
    }
}
