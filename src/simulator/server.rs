//! The HTTP side: one axum fallback handler that routes by method + path to an
//! endpoint of a registered platform and decides the answer from the schema's data.
//!
//! Routing: `METHOD /path` served by exactly one platform, else
//! `METHOD /<platform>/path` for that platform's endpoint (see [`Shared::route`]).
//!
//! Order of checks for a matched endpoint: a failure forced with `fail_next`; the
//! app's credentials (endpoints with a [`CredentialCheck`]); the access token
//! (`needs_access_token`); a JSON body that does not parse; the request's sign
//! (platforms with a [`SignRule`](super::platform::SignRule) that verifies); required
//! fields; then the docs' example (a fresh token on token endpoints, a PNG on binary
//! endpoints). Nothing here panics: every failure becomes an answer.

use super::envelope;
use super::platform::{Bare, CredentialCheck, Platform};
use super::png::demo_png;
use super::request::{Incoming, RecordedRequest};
use crate::runtime::{Auth, Code, EndpointInfo, HttpMethod, ResponseKind, TokenFields};
use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Largest body the simulator reads.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// (platform index, endpoint index)
pub(crate) type Key = (usize, usize);

/// Everything the handler and the control API share.
pub(crate) struct Shared {
    pub platforms: Vec<Platform>,
    /// (`GET`/`POST`, path) → the endpoints serving it, one per platform at most (more
    /// than one: ambiguous without the platform's prefix).
    pub routes: HashMap<(&'static str, &'static str), Vec<Key>>,
    /// Per platform: app id and secret.
    pub credentials: Vec<(String, String)>,
    /// Per platform: the key that signs answers (platforms with a `SignRule`).
    pub sign_keys: Vec<String>,
    pub token_lifetime: Duration,
    pub state: Mutex<State>,
}

#[derive(Default)]
pub(crate) struct State {
    pub log: Vec<RecordedRequest>,
    /// Forced failures per endpoint: (code, calls left), oldest first.
    pub failures: HashMap<Key, VecDeque<(Code, usize)>>,
    pub delays: HashMap<Key, Duration>,
    pub tokens: HashMap<String, Issued>,
    /// Current stable token per token endpoint.
    pub stable: HashMap<Key, String>,
    pub serial: u64,
}

pub(crate) struct Issued {
    pub platform: usize,
    pub expires_at: Instant,
    pub revoked: bool,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere; the data is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn info(&self, (p, e): Key) -> &EndpointInfo {
        &self.platforms[p].endpoints[e]
    }

    /// The endpoint for `method path`: a path one platform serves, else `/<platform>`
    /// followed by a path of that platform.
    pub fn route(&self, method: &str, path: &str) -> Route {
        let at_root = self.routes.get(&(method, path)).map(Vec::as_slice);
        if let Some([key]) = at_root {
            return Route::Found(*key);
        }
        if let Some((p, rest)) = self.split_prefix(path) {
            if let Some(keys) = self.routes.get(&(method, rest)) {
                if let Some(key) = keys.iter().find(|(q, _)| *q == p) {
                    return Route::Found(*key);
                }
            }
        }
        match at_root {
            Some(keys) if keys.len() > 1 => Route::Ambiguous(keys.to_vec()),
            _ => Route::None,
        }
    }

    /// `/<platform>/rest` → (platform index, `/rest`).
    fn split_prefix<'p>(&self, path: &'p str) -> Option<(usize, &'p str)> {
        let tail = path.strip_prefix('/')?;
        let slash = tail.find('/')?;
        let (name, rest) = tail.split_at(slash);
        let p = self.platforms.iter().position(|p| p.name == name)?;
        Some((p, rest))
    }

    fn credential_check(&self, (p, e): Key) -> Option<&CredentialCheck> {
        let name = self.platforms[p].endpoints[e].name;
        self.platforms[p]
            .credentials
            .iter()
            .find(|c| c.endpoint == name)
    }
}

/// Where a request goes.
pub(crate) enum Route {
    Found(Key),
    /// Several platforms serve this method + path at the root.
    Ambiguous(Vec<Key>),
    None,
}

/// What to send back.
enum Answer {
    /// A JSON body in the platform's envelope, with the code it carries.
    Json {
        value: Value,
        code: Code,
    },
    Png,
    /// No endpoint here.
    NoRoute {
        status: StatusCode,
        value: Value,
    },
}

pub(crate) async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = parts.uri.path().to_owned();
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &json!({"error": "body unreadable", "message": e.to_string()}),
            )
        }
    };
    let incoming = Incoming::parse(parts.uri.query(), content_type.as_deref(), &body);
    let route = shared.route(parts.method.as_str(), &path);
    let key = match route {
        Route::Found(key) => Some(key),
        _ => None,
    };

    let (answer, delay) = {
        let mut state = shared.lock();
        let answer = match route {
            Route::Found(key) => decide(&shared, &mut state, key, &incoming),
            Route::Ambiguous(keys) => ambiguous(&shared, &parts.method, &path, &keys),
            Route::None => no_route(&shared, &parts.method, &path),
        };
        let (status, code) = match &answer {
            Answer::Json { code, .. } => (200, Some(code.clone())),
            Answer::Png => (200, None),
            Answer::NoRoute { status, .. } => (status.as_u16(), None),
        };
        state.log.push(RecordedRequest {
            platform: key.map(|(p, _)| shared.platforms[p].name),
            endpoint: key.map(|k| shared.info(k).name),
            method: parts.method.to_string(),
            path,
            query: incoming.query.clone(),
            content_type,
            body_text: incoming.body_text.clone(),
            body_len: incoming.body_len,
            parts: incoming.parts.iter().map(|(n, _)| n.clone()).collect(),
            status,
            code,
        });
        let delay = key.and_then(|k| state.delays.get(&k).copied());
        (answer, delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match answer {
        Answer::Json { value, .. } => json_response(StatusCode::OK, &value),
        Answer::Png => {
            let mut response = Response::new(Body::from(demo_png()));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            response
        }
        Answer::NoRoute { status, value } => json_response(status, &value),
    }
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// A path several platforms serve, asked for without a platform prefix.
fn ambiguous(shared: &Shared, method: &Method, path: &str, keys: &[Key]) -> Answer {
    let names: Vec<&str> = keys
        .iter()
        .map(|&(p, _)| shared.platforms[p].name)
        .collect();
    let prefixed: Vec<String> = names.iter().map(|n| format!("/{n}{path}")).collect();
    Answer::NoRoute {
        status: StatusCode::CONFLICT,
        value: json!({
            "error": "ambiguous",
            "message": format!(
                "miniapp simulator: {method} {path} is served by {}; use the platform's \
                 prefix ({}), i.e. point the client at `sim.url(\"<platform>\")`",
                names.join(" and "),
                prefixed.join(", "),
            ),
            "platforms": names,
        }),
    }
}

fn no_route(shared: &Shared, method: &Method, path: &str) -> Answer {
    let prefixed = shared.split_prefix(path);
    let other_method = shared.routes.iter().find_map(|((m, p), keys)| {
        let here = *p == path
            || prefixed.is_some_and(|(q, rest)| *p == rest && keys.iter().any(|(k, _)| *k == q));
        (here && *m != method.as_str()).then_some(*m)
    });
    match other_method {
        Some(m) => Answer::NoRoute {
            status: StatusCode::METHOD_NOT_ALLOWED,
            value: json!({
                "error": "method not allowed",
                "message": format!("miniapp simulator: {path} takes {m}, not {method}"),
            }),
        },
        None => Answer::NoRoute {
            status: StatusCode::NOT_FOUND,
            value: json!({
                "error": "not found",
                "message": format!("miniapp simulator: no endpoint at {method} {path}"),
                "platforms": shared.platforms.iter().map(|p| p.name).collect::<Vec<_>>(),
            }),
        },
    }
}

pub(crate) fn method_name(m: HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
    }
}

/// The answer of a matched endpoint.
fn decide(shared: &Shared, state: &mut State, key: Key, incoming: &Incoming) -> Answer {
    state.serial += 1;
    let request_id = format!("sim-{:08x}", state.serial);
    let platform = &shared.platforms[key.0];
    let info = shared.info(key);
    let fail = |code: Code, fallback: &str| -> Answer {
        let text = doc_text(info, &code).unwrap_or(fallback);
        failure(shared, key, code, text, &request_id)
    };

    // 1. A failure forced by the test.
    if let Some(code) = take_failure(state, key) {
        return fail(code, "simulated failure");
    }

    // 2. The app's credentials, under the wire names of the endpoint's schema auth.
    let check = shared.credential_check(key);
    if let Auth::AppSecret {
        app_id: app_id_name,
        secret: secret_name,
        ..
    } = info.auth
    {
        let (app_id, secret) = &shared.credentials[key.0];
        let missing = platform.missing_field.clone();
        if incoming.get(app_id_name).as_deref() != Some(app_id.as_str()) {
            let (code, text) = check.map_or(missing, |c| c.wrong_app_id.clone());
            return fail(code, text);
        }
        if incoming.get(secret_name).as_deref() != Some(secret.as_str()) {
            let (code, text) = check.map_or(missing, |c| c.wrong_secret.clone());
            return fail(code, text);
        }
    }
    // The schema's constants must have their values.
    for (name, value) in info.constants {
        if incoming.get(name).as_deref() != Some(*value) {
            let listed = check.map(|c| c.wrong_constant).unwrap_or_default();
            let (code, text) = listed
                .iter()
                .find(|(n, _, _)| n == name)
                .or(listed.first())
                .map_or(platform.missing_field.clone(), |(_, code, text)| {
                    (code.clone(), *text)
                });
            return fail(code, text);
        }
    }

    // 3. The access token, under the parameter name of the endpoint's schema auth.
    if let Auth::AccessToken { name: param } = info.auth {
        let rule = &platform.access_token;
        let now = Instant::now();
        match incoming.get(param) {
            None => return fail(rule.missing.clone(), "access_token missing"),
            Some(token) => match state.tokens.get(&token) {
                Some(t) if t.platform == key.0 && !t.revoked && t.expires_at > now => {}
                Some(t) if t.platform == key.0 && !t.revoked => {
                    return fail(rule.expired.clone(), "access_token expired")
                }
                _ => {
                    return fail(
                        rule.invalid.clone(),
                        "invalid credential, access_token is invalid",
                    )
                }
            },
        }
    }

    // 4. The body and the required fields.
    if incoming.bad_json {
        let (code, text) = platform.bad_body.clone();
        return failure(
            shared,
            key,
            code,
            &format!("{text}: the body is not a JSON object (miniapp simulator)"),
            &request_id,
        );
    }
    if let Some(rule) = &platform.sign {
        if let Some(verify) = rule.verify {
            if let Err(reason) = verify(&incoming.body_fields(), &shared.sign_keys[key.0]) {
                let (code, text) = rule.bad_sign.clone();
                return failure(
                    shared,
                    key,
                    code,
                    &format!("{text}: {reason} (miniapp simulator)"),
                    &request_id,
                );
            }
        }
    }
    if let Some(missing) = info.required.iter().find(|f| !incoming.has(f)) {
        let (code, text) = platform.missing_field.clone();
        return failure(
            shared,
            key,
            code,
            &format!("{text}: required field `{missing}` is missing (miniapp simulator)"),
            &request_id,
        );
    }

    // 5. Success.
    if info.response == ResponseKind::Binary {
        return Answer::Png;
    }
    let mut payload = info
        .example
        .and_then(|e| serde_json::from_str::<Value>(e).ok())
        .unwrap_or(Value::Null);
    if let Some(fields) = info.issues_token {
        let stable_unless = check.and_then(|c| c.stable_unless);
        payload = issue_token(
            shared,
            state,
            key,
            (fields, stable_unless),
            incoming,
            payload,
        );
    }
    success(shared, key, payload, &request_id)
}

fn doc_text(info: &EndpointInfo, code: &Code) -> Option<&'static str> {
    info.errors.iter().find(|(c, _)| c == code).map(|(_, t)| *t)
}

fn take_failure(state: &mut State, key: Key) -> Option<Code> {
    let queue = state.failures.get_mut(&key)?;
    let (code, left) = queue.front_mut()?;
    let code = code.clone();
    *left -= 1;
    if *left == 0 {
        queue.pop_front();
    }
    if queue.is_empty() {
        state.failures.remove(&key);
    }
    Some(code)
}

/// Fills the example's token fields with a token this simulator will accept.
fn issue_token(
    shared: &Shared,
    state: &mut State,
    key: Key,
    (fields, stable_unless): (TokenFields, Option<&str>),
    incoming: &Incoming,
    example: Value,
) -> Value {
    let now = Instant::now();
    let platform = key.0;
    let reuse = stable_unless.and_then(|flag| {
        if incoming.flag(flag) {
            // A forced refresh invalidates the current stable token.
            if let Some(old) = state.stable.remove(&key) {
                if let Some(t) = state.tokens.get_mut(&old) {
                    t.revoked = true;
                }
            }
            return None;
        }
        let current = state.stable.get(&key)?;
        let t = state.tokens.get(current)?;
        (!t.revoked && t.expires_at > now).then(|| (current.clone(), t.expires_at - now))
    });
    let (token, left) = match reuse {
        Some(found) => found,
        None => {
            state.serial += 1;
            let token = format!(
                "SIM-{}-{}-{:016x}",
                shared.platforms[platform].name.to_ascii_uppercase(),
                state.serial,
                rand::random::<u64>()
            );
            state.tokens.insert(
                token.clone(),
                Issued {
                    platform,
                    // A huge configured lifetime means "never expires", not a panic.
                    expires_at: now
                        .checked_add(shared.token_lifetime)
                        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400)),
                    revoked: false,
                },
            );
            if stable_unless.is_some() {
                state.stable.insert(key, token.clone());
            }
            (token, shared.token_lifetime)
        }
    };
    let mut map = match example {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    map.insert(fields.token.into(), token.into());
    // Whole seconds, rounded up so that a short test lifetime is not reported as 0.
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    map.insert(fields.expires_in.into(), secs.into());
    Value::Object(map)
}

fn bare(shared: &Shared, key: Key) -> Option<&Bare> {
    let name = shared.info(key).name;
    shared.platforms[key.0]
        .bare
        .iter()
        .find(|b| b.endpoint == name)
}

fn success(shared: &Shared, key: Key, payload: Value, request_id: &str) -> Answer {
    let env = &shared.platforms[key.0].envelope;
    let code = envelope::code_of(env.success.first().copied().unwrap_or("0"));
    let value = if bare(shared, key).is_some() {
        payload
    } else if payload.is_null() && env.style == crate::runtime::EnvelopeStyle::Errcode {
        let mut ok = serde_json::Map::new();
        ok.insert(env.code.into(), 0.into());
        ok.insert(env.message.into(), "ok".into());
        Value::Object(ok)
    } else {
        envelope::success(env, payload, request_id)
    };
    Answer::Json {
        value: sign(shared, key.0, value),
        code,
    }
}

fn failure(shared: &Shared, key: Key, code: Code, text: &str, request_id: &str) -> Answer {
    let env = &shared.platforms[key.0].envelope;
    let value = match bare(shared, key).and_then(|b| b.failure) {
        Some(render) => render(&code, text),
        None => envelope::failure(env, &code, text, request_id),
    };
    Answer::Json {
        value: sign(shared, key.0, value),
        code,
    }
}

fn sign(shared: &Shared, platform: usize, mut value: Value) -> Value {
    if let (Some(rule), Value::Object(map)) = (&shared.platforms[platform].sign, &mut value) {
        map.remove(rule.field);
        let signature = (rule.sign)(map, &shared.sign_keys[platform]);
        map.insert(rule.field.into(), signature.into());
    }
    value
}
