//! The WeChat Pay API v3 admin routes: the keys a client needs, the merchant's orders
//! and refunds, paying an order, settling a refund, sending a signature probe (each
//! POSTs its notification and answers what the merchant said), rotating the platform
//! certificate.

use crate::admin::reply::{json_body, path, Paging, Refusal};
use crate::admin::{only, Sim};
use crate::wechatpay_v3::{
    Notified, Order, Refund, WechatPayV3Keys, WechatPayV3RefundOutcome, WechatPayV3SteerError,
};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) fn routes(router: Router<Sim>) -> Router<Sim> {
    router
        .route("/wechatpay_v3/keys", only(get(keys)))
        .route("/wechatpay_v3/notifications", only(get(notifications)))
        .route("/wechatpay_v3/orders", only(get(orders)))
        .route("/wechatpay_v3/orders/:out_trade_no", only(get(order)))
        .route("/wechatpay_v3/orders/:out_trade_no/pay", only(post(pay)))
        .route(
            "/wechatpay_v3/orders/:out_trade_no/probe",
            only(post(probe)),
        )
        .route("/wechatpay_v3/refunds", only(get(refunds)))
        .route("/wechatpay_v3/refunds/:out_refund_no", only(get(refund)))
        .route(
            "/wechatpay_v3/refunds/:out_refund_no/settle",
            only(post(settle)),
        )
        .route(
            "/wechatpay_v3/rotate-certificate",
            only(post(rotate_certificate)),
        )
}

type Named = Result<Path<String>, PathRejection>;

async fn keys(State(sim): State<Sim>) -> Result<Json<WechatPayV3Keys>, Refusal> {
    sim.wechatpay_v3_keys()
        .map(Json)
        .ok_or_else(|| refused(WechatPayV3SteerError::NotServed))
}

async fn notifications(State(sim): State<Sim>) -> Json<Value> {
    Json(json!({"deliveries": sim.wechatpay_v3_deliveries()}))
}

async fn orders(State(sim): State<Sim>, RawQuery(query): RawQuery) -> Result<Json<Value>, Refusal> {
    let paging = Paging::of(query.as_deref())?;
    let page = sim.wechatpay_v3_orders_page(paging.offset, paging.limit);
    Ok(paging.answer("/wechatpay_v3/orders", "orders", page))
}

async fn order(State(sim): State<Sim>, no: Named) -> Result<Json<Order>, Refusal> {
    let no = path(no)?;
    sim.wechatpay_v3_order(&no)
        .map(Json)
        .ok_or_else(|| refused(WechatPayV3SteerError::UnknownOrder(no)))
}

async fn pay(State(sim): State<Sim>, no: Named) -> Result<Json<Notified>, Refusal> {
    let no = path(no)?;
    sim.pay_wechatpay_v3_order(&no)
        .await
        .map(Json)
        .map_err(refused)
}

async fn probe(State(sim): State<Sim>, no: Named) -> Result<Json<Notified>, Refusal> {
    let no = path(no)?;
    sim.send_wechatpay_v3_probe(&no)
        .await
        .map(Json)
        .map_err(refused)
}

async fn refunds(
    State(sim): State<Sim>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, Refusal> {
    let paging = Paging::of(query.as_deref())?;
    let page = sim.wechatpay_v3_refunds_page(paging.offset, paging.limit);
    Ok(paging.answer("/wechatpay_v3/refunds", "refunds", page))
}

async fn refund(State(sim): State<Sim>, no: Named) -> Result<Json<Refund>, Refusal> {
    let no = path(no)?;
    sim.wechatpay_v3_refund(&no)
        .map(Json)
        .ok_or_else(|| refused(WechatPayV3SteerError::UnknownRefund(no)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settle {
    outcome: String,
}

async fn settle(State(sim): State<Sim>, no: Named, body: Body) -> Result<Json<Notified>, Refusal> {
    let no = path(no)?;
    let Settle { outcome } = json_body(&sim, body).await?;
    let outcome = WechatPayV3RefundOutcome::from_wire(&outcome).ok_or_else(|| {
        Refusal::bad(format!(
            "outcome {outcome:?} is none of SUCCESS, ABNORMAL, CLOSED"
        ))
    })?;
    sim.settle_wechatpay_v3_refund(&no, outcome)
        .await
        .map(Json)
        .map_err(refused)
}

async fn rotate_certificate(State(sim): State<Sim>) -> Result<Json<Value>, Refusal> {
    // A new RSA key takes a moment to generate: off the async threads.
    let handle = sim.clone();
    let serial = tokio::task::spawn_blocking(move || handle.rotate_wechatpay_v3_certificate())
        .await
        .map_err(|e| Refusal::bad(format!("rotation failed: {e}")))?
        .map_err(refused)?;
    let listed = sim
        .wechatpay_v3_keys()
        .map(|k| k.platform_certificates)
        .unwrap_or_default();
    Ok(Json(json!({"serial_no": serial, "certificates": listed})))
}

fn refused(e: WechatPayV3SteerError) -> Refusal {
    match e {
        WechatPayV3SteerError::UnknownOrder(_)
        | WechatPayV3SteerError::UnknownRefund(_)
        | WechatPayV3SteerError::NotServed => Refusal::not_found(e),
        WechatPayV3SteerError::NotPayable { .. }
        | WechatPayV3SteerError::Settled { .. }
        | WechatPayV3SteerError::NoCertificates => Refusal::conflict(e),
        WechatPayV3SteerError::Internal(_) => Refusal::bad(e),
    }
}
