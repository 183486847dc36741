//! The platform-independent admin routes: health, the request log, reset, forced
//! failures, delays and token expiry.

use super::reply::{json_body, Refusal};
use super::{Sim, PREFIX};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::Json;
use miniapp::runtime::Code;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// `GET /_admin/health`
pub(super) async fn health(State(sim): State<Sim>) -> Json<Value> {
    let base = sim.base_url();
    let platforms: Vec<Value> = sim
        .shared
        .platforms
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "url": format!("{base}/{}", p.name),
                "app_id": sim.app_id(p.name),
                "endpoints": p.endpoints.len(),
            })
        })
        .collect();
    Json(json!({
        "ok": true,
        "base_url": base,
        "admin_url": format!("{base}{PREFIX}"),
        "merchant_id": sim.merchant_id(),
        "platforms": platforms,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogFilter {
    endpoint: Option<String>,
}

/// `GET /_admin/requests[?endpoint=NAME]`
pub(super) async fn requests(
    State(sim): State<Sim>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, Refusal> {
    let filter: LogFilter = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| Refusal::bad(format!("query: {e}")))?;
    let mut log = sim.requests();
    if let Some(endpoint) = &filter.endpoint {
        let names = sim.endpoint_names(endpoint).map_err(Refusal::bad)?;
        log.retain(|r| r.reached(&names));
    }
    Ok(Json(json!({ "count": log.len(), "requests": log })))
}

/// `POST /_admin/reset`, `DELETE /_admin/requests`
pub(super) async fn reset(State(sim): State<Sim>) -> Json<Value> {
    sim.reset();
    Json(json!({ "ok": true }))
}

/// `POST /_admin/expire-tokens`
pub(super) async fn expire_tokens(State(sim): State<Sim>) -> Json<Value> {
    sim.expire_tokens();
    Json(json!({ "ok": true }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNext {
    endpoint: String,
    /// A number or a string, as the platform's codes are.
    code: Value,
    #[serde(default = "one")]
    times: usize,
}

fn one() -> usize {
    1
}

/// `POST /_admin/fail-next`
pub(super) async fn fail_next(State(sim): State<Sim>, body: Body) -> Result<Json<Value>, Refusal> {
    let FailNext {
        endpoint,
        code,
        times,
    } = json_body(body).await?;
    let code = match code {
        Value::Number(n) => n
            .as_i64()
            .map(Code::Int)
            .ok_or_else(|| Refusal::bad(format!("code {n} is not an integer (nor a string)")))?,
        Value::String(s) if !s.is_empty() => Code::from(s),
        other => {
            return Err(Refusal::bad(format!(
                "code must be an integer or a non-empty string, not {other}"
            )))
        }
    };
    let names = qualified(&sim, &endpoint)?;
    sim.try_fail_next(&endpoint, code, times)
        .map_err(Refusal::bad)?;
    Ok(Json(json!({ "endpoints": names })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Delay {
    endpoint: String,
    ms: u64,
}

/// `POST /_admin/delay`
pub(super) async fn delay(State(sim): State<Sim>, body: Body) -> Result<Json<Value>, Refusal> {
    let Delay { endpoint, ms } = json_body(body).await?;
    let names = qualified(&sim, &endpoint)?;
    sim.try_set_delay(&endpoint, Duration::from_millis(ms))
        .map_err(Refusal::bad)?;
    Ok(Json(json!({ "endpoints": names, "ms": ms })))
}

/// `platform:endpoint` for every endpoint a name stands for.
fn qualified(sim: &Sim, endpoint: &str) -> Result<Vec<String>, Refusal> {
    let names = sim.endpoint_names(endpoint).map_err(Refusal::bad)?;
    Ok(names.iter().map(|(p, e)| format!("{p}:{e}")).collect())
}
