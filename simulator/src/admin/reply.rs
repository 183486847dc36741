//! What admin handlers answer when they refuse, and how they read bodies: every
//! refusal is `{"error": "…"}` with its 4xx status, never axum's plain-text rejections.

use super::Sim;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::fmt::Display;

/// Largest admin body read (they are a few members).
const BODY_LIMIT: usize = 64 * 1024;

/// An admin call refused: its status and why.
#[derive(Debug)]
pub(crate) struct Refusal {
    status: StatusCode,
    error: String,
}

impl Refusal {
    pub(crate) fn bad(error: impl Display) -> Refusal {
        Refusal::with(StatusCode::BAD_REQUEST, error)
    }
    pub(crate) fn not_found(error: impl Display) -> Refusal {
        Refusal::with(StatusCode::NOT_FOUND, error)
    }
    /// A state change the state does not allow.
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub(crate) fn conflict(error: impl Display) -> Refusal {
        Refusal::with(StatusCode::CONFLICT, error)
    }
    pub(crate) fn wrong_method(error: impl Display) -> Refusal {
        Refusal::with(StatusCode::METHOD_NOT_ALLOWED, error)
    }
    fn with(status: StatusCode, error: impl Display) -> Refusal {
        Refusal {
            status,
            error: error.to_string(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.error }))).into_response()
    }
}

/// The body as JSON of type `T`, whatever its `Content-Type` (`curl -d` sends a form
/// type).
pub(crate) async fn json_body<T: DeserializeOwned>(sim: &Sim, body: Body) -> Result<T, Refusal> {
    let timeout = sim.shared.body_timeout;
    let read = tokio::time::timeout(timeout, axum::body::to_bytes(body, BODY_LIMIT));
    let bytes = read
        .await
        .map_err(|_| {
            Refusal::with(
                StatusCode::REQUEST_TIMEOUT,
                format!("the body did not arrive within {timeout:?}"),
            )
        })?
        .map_err(|e| {
            Refusal::with(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("body unreadable (at most {BODY_LIMIT} bytes): {e}"),
            )
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::bad("a JSON body is required"));
    }
    serde_json::from_slice(&bytes).map_err(|e| Refusal::bad(format!("body: {e}")))
}

/// A path parameter, or why the path was unreadable (bad percent-encoding).
#[cfg_attr(not(feature = "merchant"), allow(dead_code))]
pub(crate) fn path<T>(
    path: Result<axum::extract::Path<T>, axum::extract::rejection::PathRejection>,
) -> Result<T, Refusal> {
    path.map(|p| p.0)
        .map_err(|e| Refusal::bad(format!("path: {}", e.body_text())))
}

/// Items per page of a merchant listing unless `limit` says otherwise.
const PAGE: usize = 100;
/// The largest `limit` a listing page may ask for.
const MAX_PAGE: usize = 1000;

/// Where a page of a listing starts and how long it is: `?offset=N&limit=M`.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(feature = "merchant"), allow(dead_code))]
pub(crate) struct Paging {
    #[serde(default)]
    pub offset: usize,
    #[serde(default = "page")]
    pub limit: usize,
}

fn page() -> usize {
    PAGE
}

impl Paging {
    /// The page a query asks for; a `limit` outside 1 to 1000 is refused.
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub(crate) fn of(query: Option<&str>) -> Result<Paging, Refusal> {
        let paging: Paging = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|e| Refusal::bad(format!("query: {e}")))?;
        if !(1..=MAX_PAGE).contains(&paging.limit) {
            return Err(Refusal::bad(format!(
                "limit {} is not between 1 and {MAX_PAGE}",
                paging.limit
            )));
        }
        Ok(paging)
    }

    /// `{member: items, "count": total, "next": path of the next page or null}`.
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub(crate) fn answer<T: serde::Serialize>(
        self,
        path: &str,
        member: &str,
        (items, total): (Vec<T>, usize),
    ) -> Json<serde_json::Value> {
        let end = self.offset.saturating_add(items.len());
        let next = (end < total)
            .then(|| format!("{}{path}?offset={end}&limit={}", super::PREFIX, self.limit));
        let mut answer = serde_json::Map::new();
        answer.insert(member.into(), json!(items));
        answer.insert("count".into(), total.into());
        answer.insert("next".into(), json!(next));
        Json(answer.into())
    }
}
