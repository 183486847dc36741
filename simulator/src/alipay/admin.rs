//! The Alipay admin routes: the merchant's trades and refunds, paying a trade,
//! notifying a refund (each POSTs its notification and answers what the merchant said)
//! and finishing a trade.

use crate::admin::reply::{path, Paging, Refusal};
use crate::admin::{only, Sim};
use crate::alipay::{AlipaySteerError, Notified, Trade};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub(crate) fn routes(router: Router<Sim>) -> Router<Sim> {
    router
        .route("/alipay/trades", only(get(trades)))
        .route("/alipay/trades/:out_trade_no", only(get(trade)))
        .route("/alipay/trades/:out_trade_no/pay", only(post(pay)))
        .route("/alipay/trades/:out_trade_no/finish", only(post(finish)))
        .route(
            "/alipay/trades/:out_trade_no/refunds/:out_request_no/notify",
            only(post(notify_refund)),
        )
        .route("/alipay/refunds", only(get(refunds)))
}

async fn trades(State(sim): State<Sim>, RawQuery(query): RawQuery) -> Result<Json<Value>, Refusal> {
    let paging = Paging::of(query.as_deref())?;
    let page = sim.alipay_trades_page(paging.offset, paging.limit);
    Ok(paging.answer("/alipay/trades", "trades", page))
}

async fn trade(
    State(sim): State<Sim>,
    no: Result<Path<String>, PathRejection>,
) -> Result<Json<Trade>, Refusal> {
    let no = path(no)?;
    sim.alipay_trade(&no)
        .map(Json)
        .ok_or_else(|| refused(AlipaySteerError::UnknownTrade(no)))
}

async fn pay(
    State(sim): State<Sim>,
    no: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Refusal> {
    let no = path(no)?;
    match sim.pay_alipay_trade(&no).await.map_err(refused)? {
        Some(notified) => Ok(Json(json!(notified))),
        // The same members as a notification sent, so that callers read one shape.
        None => Ok(Json(json!({
            "url": null, "sent": null, "status": null, "reply": null, "acknowledged": false,
        }))),
    }
}

async fn notify_refund(
    State(sim): State<Sim>,
    nos: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Notified>, Refusal> {
    let (trade, request) = path(nos)?;
    sim.notify_alipay_refund(&trade, &request)
        .await
        .map(Json)
        .map_err(refused)
}

async fn finish(
    State(sim): State<Sim>,
    no: Result<Path<String>, PathRejection>,
) -> Result<Json<Trade>, Refusal> {
    let no = path(no)?;
    sim.finish_alipay_trade(&no).map_err(refused)?;
    sim.alipay_trade(&no)
        .map(Json)
        .ok_or_else(|| refused(AlipaySteerError::UnknownTrade(no)))
}

async fn refunds(
    State(sim): State<Sim>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, Refusal> {
    let paging = Paging::of(query.as_deref())?;
    let page = sim.alipay_refunds_page(paging.offset, paging.limit);
    Ok(paging.answer("/alipay/refunds", "refunds", page))
}

fn refused(e: AlipaySteerError) -> Refusal {
    match e {
        AlipaySteerError::UnknownTrade(_)
        | AlipaySteerError::UnknownRefund { .. }
        | AlipaySteerError::UnknownAuthToken
        | AlipaySteerError::NotServed => Refusal::not_found(e),
        AlipaySteerError::NotPayable { .. }
        | AlipaySteerError::NotFinishable { .. }
        | AlipaySteerError::NoNotifyUrl(_) => Refusal::conflict(e),
    }
}
