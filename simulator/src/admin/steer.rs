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
    let connections = &sim.shared.connections;
    let (log, merchants) = {
        let state = sim.shared.lock();
        let log = json!({
            "requests": state.log.len(),
            "bytes": state.log.bytes(),
            "limits": state.log.limits(),
        });
        let merchants: serde_json::Map<String, Value> = state
            .merchants
            .holdings()
            .map(|(name, holdings)| (name.to_owned(), holdings))
            .collect();
        (log, merchants)
    };
    Json(json!({
        "ok": true,
        "base_url": base,
        "admin_url": format!("{base}{PREFIX}"),
        "merchant_id": sim.merchant_id(),
        "platforms": platforms,
        "connections": {
            "open": connections.open(),
            "limit": sim.shared.max_connections,
            "timed_out": connections.timed_out(),
        },
        "log": log,
        "merchants": merchants,
    }))
}

/// Requests per page of `GET /_admin/requests` unless `limit` says otherwise.
const PAGE: usize = 100;
/// The largest `limit` a page may ask for.
const MAX_PAGE: usize = 1000;
/// What a page holds at most of the log (bodies, paths, queries) past its first request.
const PAGE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    endpoint: Option<String>,
    /// Requests numbered after this one (`id`).
    #[serde(default)]
    after: u64,
    limit: Option<usize>,
}

/// `GET /_admin/requests[?endpoint=NAME][&after=ID][&limit=N]`
pub(super) async fn requests(
    State(sim): State<Sim>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, Refusal> {
    let query: LogQuery = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| Refusal::bad(format!("query: {e}")))?;
    let limit = match query.limit {
        None => PAGE,
        Some(n @ 1..=MAX_PAGE) => n,
        Some(n) => {
            return Err(Refusal::bad(format!(
                "limit {n} is not between 1 and {MAX_PAGE}"
            )))
        }
    };
    let names = match &query.endpoint {
        Some(endpoint) => Some(sim.endpoint_names(endpoint).map_err(Refusal::bad)?),
        None => None,
    };
    let page = sim
        .shared
        .lock()
        .log
        .page(query.after, limit, PAGE_BYTES, |r| {
            names.as_deref().is_none_or(|names| r.reached(names))
        });
    let next = match (page.more, page.requests.last()) {
        (true, Some(last)) => {
            let mut pairs = vec![("after", last.id.to_string()), ("limit", limit.to_string())];
            if let Some(endpoint) = &query.endpoint {
                pairs.push(("endpoint", endpoint.clone()));
            }
            let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
            Value::from(format!("{PREFIX}/requests?{query}"))
        }
        _ => Value::Null,
    };
    Ok(Json(json!({
        "count": page.matching,
        "requests": page.requests,
        "next": next,
    })))
}

/// `POST /_admin/reset`, `DELETE /_admin/requests`
pub(super) async fn reset(State(sim): State<Sim>) -> Json<Value> {
    sim.reset();
    Json(json!({ "ok": true }))
}

/// `POST /_admin/reset-merchants`
pub(super) async fn reset_merchants(State(sim): State<Sim>) -> Json<Value> {
    sim.reset_merchants();
    Json(json!({ "ok": true }))
}

/// `POST /_admin/expire-tokens`
pub(super) async fn expire_tokens(State(sim): State<Sim>) -> Json<Value> {
    sim.expire_tokens();
    Json(json!({ "ok": true }))
}

/// Calls one `fail-next` may fail at most.
const MAX_TIMES: usize = 10_000;
/// Runs of failures (a code, a count) queued per endpoint at most.
const MAX_QUEUED: usize = 100;
/// The longest text code taken (the platforms' are under 40 characters).
const MAX_CODE_LEN: usize = 64;
/// The longest delay taken: longer would hold a connection for nothing a test needs.
const MAX_DELAY_MS: u64 = 60_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNext {
    endpoint: String,
    /// A number or a string, as the platform's codes are.
    code: Value,
    /// Read as any JSON value, so that a bad one is refused with a clear error.
    #[serde(default = "one")]
    times: Value,
}

fn one() -> Value {
    Value::from(1)
}

/// `POST /_admin/fail-next`
pub(super) async fn fail_next(State(sim): State<Sim>, body: Body) -> Result<Json<Value>, Refusal> {
    let FailNext {
        endpoint,
        code,
        times,
    } = json_body(&sim, body).await?;
    let names = qualified(&sim, &endpoint)?;
    let keys = sim.try_resolve(&endpoint).map_err(Refusal::bad)?;
    // The endpoints whose platform reads only integer codes: a text code must fit none.
    let integer: Vec<String> = keys
        .iter()
        .filter(|&&(p, _)| !sim.shared.platforms[p].codes_are_text())
        .map(|&key| {
            let (p, e) = (sim.shared.platforms[key.0].name, sim.shared.info(key).name);
            format!("{p}:{e}")
        })
        .collect();
    let code = code_for(code, &integer)?;
    let times = times
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n <= MAX_TIMES)
        .ok_or_else(|| {
            Refusal::bad(format!(
                "times must be a whole number from 0 to {MAX_TIMES}, not {times}"
            ))
        })?;
    if sim.queued_failures(&keys) >= MAX_QUEUED {
        return Err(Refusal::conflict(format!(
            "{MAX_QUEUED} failures are queued for {} already; let them happen or \
             POST {PREFIX}/reset",
            names.join(", ")
        )));
    }
    sim.try_fail_next(&endpoint, code, times)
        .map_err(Refusal::bad)?;
    Ok(Json(json!({ "endpoints": names })))
}

/// The code as the endpoints' platforms write codes: an integer (a JSON number, or a
/// string of digits) when any of them (`integer`) has integer codes, else a non-empty
/// text or a number.
fn code_for(code: Value, integer: &[String]) -> Result<Code, Refusal> {
    let code = match code {
        Value::Number(n) => n
            .as_i64()
            .map(Code::Int)
            .ok_or_else(|| Refusal::bad(format!("code {n} is not an integer (nor a string)")))?,
        Value::String(s) if s.trim().is_empty() => {
            return Err(Refusal::bad("code must not be empty"))
        }
        Value::String(s) if s.len() > MAX_CODE_LEN => {
            return Err(Refusal::bad(format!(
                "code is {} bytes long; codes are at most {MAX_CODE_LEN}",
                s.len()
            )))
        }
        Value::String(s) => Code::from(s),
        other => {
            return Err(Refusal::bad(format!(
                "code must be an integer or a non-empty string, not {other}"
            )))
        }
    };
    if integer.is_empty() {
        return Ok(code);
    }
    code.as_i64().map(Code::Int).ok_or_else(|| {
        Refusal::bad(format!(
            "{} answer{} integer codes: {:?} is not one",
            integer.join(", "),
            if integer.len() == 1 { "s" } else { "" },
            code.to_string(),
        ))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Delay {
    endpoint: String,
    ms: u64,
}

/// `POST /_admin/delay`
pub(super) async fn delay(State(sim): State<Sim>, body: Body) -> Result<Json<Value>, Refusal> {
    let Delay { endpoint, ms } = json_body(&sim, body).await?;
    let names = qualified(&sim, &endpoint)?;
    if ms > MAX_DELAY_MS {
        return Err(Refusal::bad(format!(
            "ms {ms} is more than {MAX_DELAY_MS} (60 s)"
        )));
    }
    sim.try_set_delay(&endpoint, Duration::from_millis(ms))
        .map_err(Refusal::bad)?;
    Ok(Json(json!({ "endpoints": names, "ms": ms })))
}

/// `platform:endpoint` for every endpoint a name stands for.
fn qualified(sim: &Sim, endpoint: &str) -> Result<Vec<String>, Refusal> {
    let names = sim.endpoint_names(endpoint).map_err(Refusal::bad)?;
    Ok(names.iter().map(|(p, e)| format!("{p}:{e}")).collect())
}
