//! The HTTP side: one axum fallback handler that routes by method + path to an
//! endpoint of a registered platform and decides the answer from the schema's data.
//!
//! Routing: `METHOD /path` served by exactly one platform, else
//! `METHOD /<platform>/path` for that platform's endpoint (see [`Shared::route`]). On a
//! platform whose envelope names an operation parameter (Alipay's `method`) several
//! endpoints share a path, and the request's constants pick one.
//!
//! Order of checks for a matched endpoint: a failure forced with `fail_next`; the
//! app's credentials (endpoints with a [`CredentialCheck`]); the access token
//! (`needs_access_token`); a JSON or XML body that does not parse; on signed endpoints
//! of platforms with a [`SignRule`](super::platform::SignRule), the app and merchant the
//! request names, then its sign; required fields; then the platform's own state (its
//! `serve` hook, WeChat Pay's orders), else the docs' example (a fresh token on token
//! endpoints, a PNG on binary endpoints). Nothing here panics: every failure becomes an
//! answer. Required fields are also looked for in the platform's packed field (Alipay's
//! `biz_content`), and a platform with a seal hook writes its answers' bodies itself.
//!
//! Answers are signed the way the request was: with the key it verified with (the
//! platform's sign key, or its alternate key once issued) and the variant it named.

use super::engine::{Desk, Issued, Key, Platform, Reply, Shared, Signing, State};
use super::envelope;
use super::png::demo_png;
use super::request::{Incoming, RecordedRequest, Wire};
use super::rules::{Bare, CredentialCheck, UNDOCUMENTED};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use miniapp::__private::{Meaning, Refusal};
use miniapp::runtime::{
    Auth, Code, EndpointInfo, EnvelopeStyle, HttpMethod, ResponseKind, TokenFields,
};
use rand::distributions::{Alphanumeric, DistString};
use serde_json::{json, Map, Value};
use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

/// Largest body the simulator reads.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Does `path` fit `template`, segment by segment, a `{name}` standing for any
/// non-empty segment?
pub(crate) fn fits(template: &str, path: &str) -> bool {
    let mut want = template.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// The parameters of a path that fits `template` at its end (the path may carry the
/// platform's prefix before it), percent-decoded.
fn path_params(template: &str, path: &str) -> Vec<(String, String)> {
    let names: Vec<&str> = template.split('/').collect();
    let values: Vec<&str> = path.split('/').collect();
    let skip = values.len().saturating_sub(names.len());
    names
        .iter()
        .zip(&values[skip..])
        .filter_map(|(name, value)| {
            let name = name.strip_prefix('{')?.strip_suffix('}')?;
            let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
            Some((name.to_owned(), value.into_owned()))
        })
        .collect()
}

impl Shared {
    /// The index of the platform `name` when it is served with its merchant (what the
    /// steering calls of a stateful platform act on).
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub(crate) fn merchant_platform(&self, name: &str) -> Option<usize> {
        self.platforms
            .iter()
            .position(|p| p.name == name && p.merchant.is_some())
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere; the data is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn info(&self, (p, e): Key) -> &'static EndpointInfo {
        &self.platforms[p].endpoints[e]
    }

    /// The key of platform `p` that `signing` names. An alternate key that was never
    /// issued falls back to the sign key.
    pub fn signing_key<'a>(&'a self, state: &'a State, p: usize, signing: &Signing) -> &'a str {
        let alternate = signing
            .alternate
            .then(|| state.alternate_keys.get(&p))
            .flatten();
        alternate.map_or(self.sign_keys[p].as_str(), String::as_str)
    }

    /// The answer's fields signed as `signing` says, with the fields every signed answer
    /// of the platform carries (its app id, merchant id and a fresh nonce), if the
    /// platform signs and the answer is one it signs.
    pub fn sign(&self, state: &State, p: usize, signing: &Signing, mut value: Value) -> Value {
        let platform = &self.platforms[p];
        let Some(rule) = &platform.sign else {
            return value;
        };
        if !envelope::is_signed(&platform.envelope, &value) {
            return value;
        }
        let Value::Object(map) = &mut value else {
            return value;
        };
        let nonce = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
        let stamped = [
            (&rule.app_id_field, self.credentials[p].0.as_str()),
            (&rule.merchant_field, self.merchant_id.as_str()),
            (&rule.nonce_field, nonce.as_str()),
        ];
        for (field, value) in stamped {
            if let Some(field) = field {
                map.entry(field.as_str()).or_insert_with(|| value.into());
            }
        }
        map.remove(rule.field);
        let key = self.signing_key(state, p, signing);
        // A variant the scheme lacks (a refused request's, or one answered by
        // `fail_next` before its sign was looked at) signs in the default.
        let signature = (rule.sign)(map, key, signing.variant.as_deref())
            .or_else(|| (rule.sign)(map, key, None))
            .unwrap_or_default();
        map.insert(rule.field.into(), signature.into());
        value
    }

    /// The endpoint for `method path`: a path one platform serves, else `/<platform>`
    /// followed by a path of that platform; among the endpoints of a platform routed by
    /// an operation parameter, the one whose constants the request carries.
    pub fn route(&self, method: &str, path: &str, incoming: &Incoming) -> Route {
        let at_root = self
            .routes
            .get(&(method, path))
            .map(Vec::as_slice)
            .or_else(|| self.template(method, path));
        if let Some(keys @ [(p, _), ..]) = at_root {
            if keys.iter().all(|(q, _)| q == p) {
                return self.pick(keys, incoming);
            }
        }
        if let Some((p, rest)) = self.split_prefix(path) {
            let keys = self.routes.get(&(method, rest)).map(Vec::as_slice);
            if let Some(keys) = keys.or_else(|| self.template(method, rest)) {
                let mine: Vec<Key> = keys.iter().filter(|(q, _)| *q == p).copied().collect();
                if !mine.is_empty() {
                    return self.pick(&mine, incoming);
                }
            }
        }
        match at_root {
            Some(keys) if keys.len() > 1 => Route::Ambiguous(keys.to_vec()),
            _ => Route::None,
        }
    }

    /// The endpoints of a path with parameters that `path` fits (none without such
    /// paths: the other platforms pay nothing for them).
    fn template(&self, method: &str, path: &str) -> Option<&[Key]> {
        self.templates
            .iter()
            .find(|t| t.method == method && fits(t.path, path))
            .map(|t| t.keys.as_slice())
    }

    /// One of a platform's endpoints on a path (`keys`, never empty): the only one, or
    /// on a platform routed by an operation parameter, the one whose constants the
    /// request all carries, else the first one of the operation it names (whose other
    /// constants are then refused as wrong), else a refusal.
    fn pick(&self, keys: &[Key], incoming: &Incoming) -> Route {
        let Some(&first) = keys.first() else {
            return Route::None;
        };
        let platform = &self.platforms[first.0];
        let Some(param) = platform.envelope.operation else {
            return Route::Found(first);
        };
        let Some(operation) = incoming.get(param).filter(|v| !v.is_empty()) else {
            let refusal = platform_refusal(
                platform,
                Meaning::MissingOperation,
                &platform.missing_operation,
            );
            return Route::Refused(first.0, refusal);
        };
        let carries = |key: &&Key| {
            self.info(**key)
                .constants
                .iter()
                .all(|(name, value)| incoming.get_ref(name).as_deref() == Some(*value))
        };
        let names = |key: &&Key| {
            self.info(**key)
                .constants
                .iter()
                .any(|(name, value)| *name == param && *value == operation)
        };
        match keys
            .iter()
            .find(carries)
            .or_else(|| keys.iter().find(names))
        {
            Some(key) => Route::Found(*key),
            None => Route::Refused(
                first.0,
                platform_refusal(
                    platform,
                    Meaning::UnknownOperation,
                    &platform.unknown_operation,
                ),
            ),
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
    /// A platform's gateway path, but the request names none of its operations.
    Refused(usize, (Code, &'static str)),
    None,
}

/// What to send back.
enum Answer {
    /// A body in the platform's envelope (JSON, or flat XML for `wechatpay_xml`), with
    /// the code it carries.
    Enveloped { value: Value, code: Code, xml: bool },
    /// A JSON body written by the platform's seal hook (Alipay's signed member), with
    /// the code it carries.
    Sealed { body: String, code: Code },
    /// A JSON body written before (an answer that never changes), with its code.
    Written { body: Bytes, code: Code },
    /// A binary body (a PNG, a bill).
    Bytes {
        content_type: &'static str,
        bytes: Bytes,
    },
    /// No endpoint here.
    NoRoute { status: StatusCode, value: Value },
    /// A whole HTTP answer — status, headers, body — as a platform's `respond` hook
    /// wrote it (WeChat Pay API v3: the status is the code's, the headers sign it).
    Raw {
        raw: miniapp::runtime::RawResponse,
        code: Option<Code>,
    },
}

#[cfg_attr(not(feature = "merchant"), allow(dead_code))]
impl Desk<'_> {
    /// The request of endpoint `E` read into its generated type (the SDK's `encoders`
    /// feature) from the path parameters, the query, a form and `body` (a later pair
    /// wins), then checked by the type's own `validate()`. `Err` is the reason, for the
    /// platform's refusal of an invalid field.
    #[cfg_attr(
        not(any(feature = "wechatpay_v3", feature = "alipay")),
        allow(dead_code)
    )]
    pub fn read_request<E>(&self, body: Option<&Value>) -> Result<E, String>
    where
        E: miniapp::runtime::Endpoint + serde::de::DeserializeOwned,
    {
        let incoming = self.incoming;
        let params: Vec<(String, String)> = incoming
            .path_params
            .iter()
            .chain(&incoming.query)
            .chain(&incoming.form)
            .cloned()
            .collect();
        let request: E = miniapp::__private::read_request(&params, body)?;
        request.validate().map_err(|e| e.to_string())?;
        Ok(request)
    }
    /// A request field, when present and not empty (an empty value counts as absent, as
    /// it does in a sign).
    #[cfg_attr(
        not(any(feature = "wechatpay_v3", feature = "alipay")),
        allow(dead_code)
    )]
    pub fn field(&self, name: &str) -> Option<String> {
        self.incoming.get(name).filter(|v| !v.is_empty())
    }
    /// The app id the platform accepts.
    pub fn app_id(&self) -> &str {
        &self.shared.credentials[self.platform].0
    }
    #[cfg_attr(
        not(any(feature = "wechatpay", feature = "wechatpay_v3")),
        allow(dead_code)
    )]
    pub fn merchant_id(&self) -> &str {
        &self.shared.merchant_id
    }
    /// Where this request reached the simulator: `http://HOST` and the platform's path
    /// prefix when the request came that way, so that a URL handed out (a bill's) is
    /// fetched the way the client called.
    #[cfg_attr(
        not(any(feature = "wechatpay_v3", feature = "alipay")),
        allow(dead_code)
    )]
    pub fn reached_url(&self) -> String {
        let wire = &self.incoming.wire;
        let host = wire.header("host").unwrap_or("127.0.0.1");
        let name = self.shared.platforms[self.platform].name;
        let prefixed = wire
            .uri
            .path()
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(name))
            .is_some_and(|rest| rest.starts_with('/'));
        match prefixed {
            true => format!("http://{host}/{name}"),
            false => format!("http://{host}"),
        }
    }
    /// The platform's sign key (not the alternate one).
    #[cfg_attr(not(feature = "wechatpay"), allow(dead_code))]
    pub fn sign_key(&self) -> &str {
        &self.shared.sign_keys[self.platform]
    }
    /// The refusal the schema gives `meaning` for this endpoint or its platform.
    pub fn refuse_for(&self, meaning: Meaning) -> Reply {
        let platform = &self.shared.platforms[self.platform];
        let (code, text) = Refusal::find(self.info.refusals, meaning, None)
            .map(|r| (r.code.clone(), r.message))
            .unwrap_or_else(|| platform_refusal(platform, meaning, &None));
        Reply::Refused(code, text.to_owned())
    }

    /// [`Self::refuse_for`], its text followed by why (what is wrong, the field).
    pub fn refuse_because(&self, meaning: Meaning, why: &str) -> Reply {
        match self.refuse_for(meaning) {
            Reply::Refused(code, text) => Reply::Refused(code, format!("{text}: {why}")),
            other => other,
        }
    }

    /// A refusal with the code and message of `error` (a variant of the endpoint's
    /// generated error enum), for a text the platform answers beyond its docs.
    #[cfg_attr(not(feature = "wechatpay"), allow(dead_code))]
    pub fn refuse_saying(&self, error: impl miniapp::runtime::ApiError) -> Reply {
        Reply::Refused(error.code(), error.message().to_owned())
    }

    /// A refusal with the code of `error` — a variant of the endpoint's generated error
    /// enum, so that the code is the schema's — and the endpoint's doc text for it,
    /// else the variant's message.
    #[cfg_attr(
        not(any(feature = "wechatpay", feature = "wechatpay_v3")),
        allow(dead_code)
    )]
    pub fn refuse_as(&self, error: impl miniapp::runtime::ApiError) -> Reply {
        let code = error.code();
        let text = doc_text(self.info, &code)
            .unwrap_or(error.message())
            .to_owned();
        Reply::Refused(code, text)
    }
}

pub(crate) async fn handle(shared: Arc<Shared>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = parts.uri.path().to_owned();
    let body =
        match tokio::time::timeout(shared.body_timeout, axum::body::to_bytes(body, BODY_LIMIT))
            .await
        {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => {
                return json_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &json!({"error": "body unreadable", "message": e.to_string()}),
                )
            }
            Err(_) => {
                let message = format!(
                    "miniapp simulator: the body did not arrive within {:?}",
                    shared.body_timeout
                );
                return json_response(
                    StatusCode::REQUEST_TIMEOUT,
                    &json!({"error": "body too slow", "message": message}),
                );
            }
        };
    let mut incoming = Incoming::parse(parts.uri.query(), content_type.as_deref(), &body);
    let route = shared.route(parts.method.as_str(), &path, &incoming);
    let (mut platform, key) = match route {
        Route::Found(key) => (Some(key.0), Some(key)),
        Route::Refused(p, _) => (Some(p), None),
        _ => (None, None),
    };
    if let Some(key) = key {
        let template = shared.info(key).path;
        if template.contains('{') {
            incoming.path_params = path_params(template, &path);
        }
    }
    incoming.wire = Wire {
        method: parts.method.clone(),
        uri: std::mem::take(&mut parts.uri),
        headers: std::mem::take(&mut parts.headers),
        body,
    };

    let (answer, delay) = {
        let mut state = shared.lock();
        let answer = match route {
            Route::Found(key) => decide(&shared, &mut state, key, &incoming),
            Route::Ambiguous(keys) => ambiguous(&shared, &parts.method, &path, &keys),
            Route::Refused(p, (code, text)) => refused(&shared, p, code, text),
            Route::None => match extra(&shared, &mut state, &path, &incoming) {
                Some((p, raw)) => {
                    platform = Some(p);
                    Answer::Raw { raw, code: None }
                }
                None => no_route(&shared, &parts.method, &path),
            },
        };
        let (status, code) = match &answer {
            Answer::Enveloped { code, .. }
            | Answer::Sealed { code, .. }
            | Answer::Written { code, .. } => (200, Some(code.clone())),
            Answer::Bytes { .. } => (200, None),
            Answer::NoRoute { status, .. } => (status.as_u16(), None),
            Answer::Raw { raw, code } => (raw.status, code.clone()),
        };
        // The request has been answered: what it carried moves into the log.
        let (body_text, body_truncated) = state.log.kept_body(incoming.body_text.take());
        state.log.push(RecordedRequest {
            id: 0,
            platform: platform.map(|p| shared.platforms[p].name),
            endpoint: key.map(|k| shared.info(k).name),
            method: parts.method.as_str().to_owned(),
            path,
            query: std::mem::take(&mut incoming.query),
            content_type,
            body_text,
            body_truncated,
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
        Answer::Enveloped {
            value, xml: true, ..
        } => typed(envelope::to_xml(&value), "text/xml; charset=utf-8"),
        Answer::Enveloped { value, .. } => json_response(StatusCode::OK, &value),
        Answer::Sealed { body, .. } => typed(body, "application/json; charset=utf-8"),
        Answer::Written { body, .. } => typed(body, "application/json; charset=utf-8"),
        Answer::Bytes {
            content_type,
            bytes,
        } => typed(bytes, content_type),
        Answer::NoRoute { status, value } => json_response(status, &value),
        Answer::Raw { raw, .. } => {
            let mut response = Response::new(Body::from(raw.body));
            *response.status_mut() =
                StatusCode::from_u16(raw.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            *response.headers_mut() = raw.headers;
            response
        }
    }
}

/// A path no endpoint is on that a served platform answers itself (WeChat Pay API
/// v3's bill downloads), at the root or under the platform's prefix.
fn extra(
    shared: &Shared,
    state: &mut State,
    path: &str,
    incoming: &Incoming,
) -> Option<(usize, miniapp::runtime::RawResponse)> {
    for (p, platform) in shared.platforms.iter().enumerate() {
        let Some(hook) = platform.extra else {
            continue;
        };
        let rest = match shared.split_prefix(path) {
            Some((q, rest)) if q == p => rest,
            _ => path,
        };
        if let Some(raw) = hook(shared, state, p, rest, incoming) {
            return Some((p, raw));
        }
    }
    None
}

fn typed(body: impl Into<Body>, content_type: &'static str) -> Response {
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    // Straight to bytes: `to_string` would go through `fmt::Write`, several times slower.
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// A request to a platform's gateway path that names none of its operations, answered
/// in the platform's envelope.
fn refused(shared: &Shared, p: usize, code: Code, text: &str) -> Answer {
    let platform = &shared.platforms[p];
    let env = &platform.envelope;
    let value = envelope::failure(env, &code, text, "");
    match platform.seal {
        Some(seal) => Answer::Sealed {
            body: seal(env, None, &value),
            code,
        },
        None => Answer::Enveloped {
            value,
            code,
            xml: env.style == EnvelopeStyle::WechatPayXml,
        },
    }
}

/// A path several platforms serve, asked for without a platform prefix.
fn ambiguous(shared: &Shared, method: &Method, path: &str, keys: &[Key]) -> Answer {
    let mut names: Vec<&str> = keys
        .iter()
        .map(|&(p, _)| shared.platforms[p].name)
        .collect();
    names.dedup();
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

/// One matched request on its way to an answer.
struct Call<'a> {
    shared: &'a Shared,
    key: Key,
    incoming: &'a Incoming,
    /// Numbers the request id of envelopes that carry one.
    serial: u64,
    signing: Signing,
}

impl Call<'_> {
    fn platform(&self) -> &Platform {
        &self.shared.platforms[self.key.0]
    }
    fn info(&self) -> &'static EndpointInfo {
        self.shared.info(self.key)
    }

    /// The code and text the schema gives `meaning` for this endpoint (its own table,
    /// else the platform's common codes), else what the platform was given explicitly,
    /// else the simulator's generic refusal.
    fn refusal(
        &self,
        meaning: Meaning,
        param: Option<&str>,
        explicit: &Option<(Code, &'static str)>,
    ) -> (Code, &'static str) {
        Refusal::find(self.info().refusals, meaning, param)
            .map(|r| (r.code.clone(), r.message))
            .unwrap_or_else(|| platform_refusal_for(self.platform(), meaning, param, explicit))
    }

    /// The answer refusing the request for `meaning` (see [`Call::refusal`]).
    fn refused_for(
        &self,
        state: &State,
        meaning: Meaning,
        param: Option<&str>,
        explicit: &Option<(Code, &'static str)>,
    ) -> Answer {
        let (code, text) = self.refusal(meaning, param, explicit);
        self.failure(state, code, text)
    }

    /// The request id of the platform's envelope; empty where it carries none (most),
    /// so that no call pays for text it does not send.
    fn request_id(&self) -> String {
        match self.platform().envelope.request_id {
            Some(_) => format!("sim-{:08x}", self.serial),
            None => String::new(),
        }
    }

    /// A refusal with the endpoint's doc text for `code`, else `fallback`.
    fn fail(&self, state: &State, code: Code, fallback: &str) -> Answer {
        let text = doc_text(self.info(), &code).unwrap_or(fallback);
        self.failure(state, code, text)
    }

    /// A refusal with the platform's `(code, text)` and the simulator's diagnosis.
    fn refuse(&self, state: &State, (code, text): (Code, &str), why: &str) -> Answer {
        self.failure(state, code, &format!("{text}: {why} (miniapp simulator)"))
    }

    fn failure(&self, state: &State, code: Code, text: &str) -> Answer {
        let env = &self.platform().envelope;
        let listed = bare(self.shared, self.key);
        let value = match listed.and_then(|b| b.failure) {
            Some(render) => render(&code, text),
            // An endpoint answering outside the envelope, in its OAuth2.0 fields.
            None if self.info().bare || listed.is_some() => {
                let raw = envelope::bare_failure(env, &code, text);
                let code = Some(code);
                return Answer::Raw { raw, code };
            }
            None => envelope::failure(env, &code, text, &self.request_id()),
        };
        self.enveloped(state, value, code)
    }

    fn success(&self, state: &State, payload: Value) -> Answer {
        let env = &self.platform().envelope;
        let code = envelope::code_of(env.success.first().copied().unwrap_or("0"));
        let value = if self.info().bare || bare(self.shared, self.key).is_some() {
            payload
        } else if payload.is_null() && env.style == EnvelopeStyle::Errcode {
            let mut ok = Map::new();
            ok.insert(env.code.into(), 0.into());
            ok.insert(env.message.into(), "ok".into());
            Value::Object(ok)
        } else {
            envelope::success(env, payload, &self.request_id())
        };
        match self.enveloped(state, value, code) {
            // A style whose success is the HTTP status carries no code: the log shows
            // the status instead of a made-up `0`.
            Answer::Raw { raw, .. } if env.success.is_empty() => Answer::Raw { raw, code: None },
            answer => answer,
        }
    }

    fn enveloped(&self, state: &State, value: Value, code: Code) -> Answer {
        let platform = self.platform();
        if let Some(respond) = platform.respond {
            let raw = respond(self.shared, state, self.key, self.incoming, value);
            return Answer::Raw {
                raw,
                code: Some(code),
            };
        }
        if let Some(seal) = platform.seal {
            let body = seal(&platform.envelope, Some(self.info()), &value);
            return Answer::Sealed { body, code };
        }
        let value = self.shared.sign(state, self.key.0, &self.signing, value);
        self.unsigned(value, code)
    }

    fn unsigned(&self, value: Value, code: Code) -> Answer {
        let xml = self.platform().envelope.style == EnvelopeStyle::WechatPayXml;
        Answer::Enveloped { value, code, xml }
    }

    /// Is `code` in the endpoint's table or among its platform's documented refusals?
    fn documents(&self, code: &Code) -> bool {
        self.info().errors.iter().any(|(c, _)| c == code)
            || self.platform().refusals.iter().any(|r| r.code == *code)
    }

    fn reply(&self, state: &State, reply: Reply) -> Answer {
        match reply {
            Reply::Done(payload) => self.success(state, Value::Object(payload)),
            // A merchant answers only codes the schema documents for the endpoint or
            // its platform: anything else would be the simulator inventing the
            // platform's behaviour, so it is reported, loudly, as the simulator's fault.
            Reply::Refused(code, _) if !self.documents(&code) => Answer::NoRoute {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                value: json!({
                    "error": format!(
                        "miniapp simulator bug: {} refused with code {code}, which the schema does not document for it",
                        self.info().name
                    ),
                }),
            },
            Reply::Refused(code, text) => self.failure(state, code, &text),
            Reply::Exact(answer) => {
                let env = &self.platform().envelope;
                let code = answer
                    .get(env.code)
                    .and_then(Value::as_str)
                    .map_or_else(|| Code::from(""), Code::from);
                self.unsigned(Value::Object(answer), code)
            }
            Reply::Bytes(content_type, bytes) => Answer::Bytes {
                content_type,
                bytes: bytes.into(),
            },
            Reply::Broken(why) => Answer::NoRoute {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                value: json!({"error": format!("miniapp simulator bug: {why}")}),
            },
        }
    }

    /// On a signed endpoint of a platform whose requests name the app and the merchant:
    /// a request for another one is refused. The app id may be absent (WeChat Pay's
    /// sandbox key request has none); the merchant may not.
    fn check_identity(&self, state: &State) -> Option<Answer> {
        let rule = self.platform().sign.as_ref()?;
        if !matches!(self.info().auth, Auth::Sign { .. }) {
            return None;
        }
        let (app_id, _) = &self.shared.credentials[self.key.0];
        let checks = [
            (&rule.app_id_field, app_id.as_str(), false),
            (&rule.merchant_field, self.shared.merchant_id.as_str(), true),
        ];
        for (field, expected, required) in checks {
            let Some(field) = field else { continue };
            match self.incoming.get(field) {
                Some(value) if value == expected => {}
                None if !required => {}
                value => {
                    let why = format!("{field} {value:?} is not this simulator's");
                    tracing::debug!(endpoint = self.info().name, %why, "request refused");
                    let explicit = Some(rule.wrong_identity.clone());
                    return Some(self.refused_for(state, Meaning::WrongIdentity, None, &explicit));
                }
            }
        }
        None
    }
}

/// How a request was signed, and why its sign is refused if it is: its variant, and
/// which of the platform's keys it verifies with. Unsigned endpoints and platforms that
/// do not check signs pass.
fn check_sign(
    shared: &Shared,
    state: &State,
    key: Key,
    incoming: &Incoming,
) -> (Signing, Option<String>) {
    let platform = &shared.platforms[key.0];
    let Some(rule) = &platform.sign else {
        return (Signing::default(), None);
    };
    let mut signing = Signing {
        alternate: false,
        variant: rule.variant_field.as_deref().and_then(|f| incoming.get(f)),
    };
    let (Some(verify), Auth::Sign { .. }) = (rule.verify, shared.info(key).auth) else {
        return (signing, None);
    };
    let fields = incoming.body_fields();
    let variant = signing.variant.as_deref();
    let Err(reason) = verify(&fields, &shared.sign_keys[key.0], variant) else {
        return (signing, None);
    };
    match state.alternate_keys.get(&key.0) {
        Some(alternate) if verify(&fields, alternate, variant).is_ok() => {
            signing.alternate = true;
            (signing, None)
        }
        _ => (signing, Some(reason)),
    }
}

/// The answer of a matched endpoint.
fn decide(shared: &Shared, state: &mut State, key: Key, incoming: &Incoming) -> Answer {
    state.serial += 1;
    let (signing, bad_sign) = check_sign(shared, state, key, incoming);
    let call = Call {
        shared,
        key,
        incoming,
        serial: state.serial,
        signing,
    };
    let platform = call.platform();
    let info = call.info();

    // 1. A failure forced by the test.
    if let Some(code) = take_failure(state, key) {
        return call.fail(state, code, "simulated failure");
    }
    // A request signed whole (WeChat Pay API v3) is refused before anything in it is
    // read, as the platform executes nothing it cannot authenticate.
    if let Some(authenticate) = platform.authenticate {
        if let Err((meaning, why)) = authenticate(shared, key.0, incoming) {
            tracing::debug!(endpoint = info.name, %why, "request refused");
            let refusal = call.refusal(meaning, None, &None);
            return call.refuse(state, refusal, &why);
        }
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
        if incoming.get_ref(app_id_name).as_deref() != Some(app_id.as_str()) {
            let explicit = check.and_then(|c| c.wrong_app_id.clone());
            return call.refused_for(state, Meaning::WrongAppId, None, &explicit);
        }
        if incoming.get_ref(secret_name).as_deref() != Some(secret.as_str()) {
            let explicit = check.and_then(|c| c.wrong_secret.clone());
            return call.refused_for(state, Meaning::WrongSecret, None, &explicit);
        }
    }
    // The schema's constants must have their values.
    for (name, value) in info.constants {
        if incoming.get_ref(name).as_deref() != Some(*value) {
            let listed = check.map(|c| c.wrong_constant).unwrap_or_default();
            let explicit = listed
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, code, text)| (code.clone(), *text));
            // Where the schema names no meaning for it, a wrong constant is a field
            // that is not as documented.
            let (code, text) = Refusal::find(info.refusals, Meaning::WrongConstant, Some(name))
                .or_else(|| Refusal::find(platform.refusals, Meaning::WrongConstant, Some(name)))
                .map(|r| (r.code.clone(), r.message))
                .or(explicit)
                .unwrap_or_else(|| {
                    call.refusal(Meaning::MissingField, None, &platform.missing_field)
                });
            return call.failure(state, code, text);
        }
    }

    // 3. The access token, under the parameter name of the endpoint's schema auth.
    if let Some(answer) = check_token(&call, state) {
        return answer;
    }

    // 4. The body, who the request is for and its sign, the required fields.
    if let Some(reason) = &incoming.bad_body {
        let refusal = call.refusal(Meaning::BadBody, None, &platform.bad_body);
        return call.refuse(state, refusal, reason);
    }
    if let Some(answer) = call.check_identity(state) {
        return answer;
    }
    if let (Some(reason), Some(rule)) = (bad_sign, &platform.sign) {
        tracing::debug!(endpoint = info.name, %reason, "request sign refused");
        let (code, text) = call.refusal(Meaning::BadSign, None, &Some(rule.bad_sign.clone()));
        return match rule.explain {
            true => call.refuse(state, (code, text), &reason),
            false => call.failure(state, code, text),
        };
    }
    let packed = platform
        .packed_into
        .and_then(|field| incoming.get(field))
        .and_then(|text| serde_json::from_str::<Map<String, Value>>(&text).ok());
    let present =
        |f: &&&str| incoming.has(f) || packed.as_ref().is_some_and(|m| m.contains_key(**f));
    if let Some(missing) = info.required.iter().find(|f| !present(f)) {
        let why = format!("required field `{missing}` is missing");
        let refusal = call.refusal(Meaning::MissingField, None, &platform.missing_field);
        return call.refuse(state, refusal, &why);
    }
    // The documented constraints, checked by the endpoint's generated wire check.
    let text_of = |name: &str| {
        incoming.get(name).or_else(|| {
            packed.as_ref()?.get(name).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        })
    };
    if let Err(invalid) = (info.check_wire)(&text_of) {
        let refusal = match Refusal::find(info.refusals, Meaning::InvalidField, None)
            .or_else(|| Refusal::find(platform.refusals, Meaning::InvalidField, None))
        {
            Some(r) => (r.code.clone(), r.message),
            None => call.refusal(Meaning::MissingField, None, &platform.missing_field),
        };
        return call.refuse(state, refusal, &invalid.to_string());
    }

    // 5. Success: from the platform's state, else the docs' example.
    if let Some(serve) = platform.merchant.map(|m| m.serve) {
        let mut desk = Desk {
            shared,
            state: &mut *state,
            platform: key.0,
            info,
            incoming,
            signing: &call.signing,
        };
        if let Some(reply) = serve(&mut desk) {
            return call.reply(state, reply);
        }
    }
    if info.response == ResponseKind::Binary {
        return Answer::Bytes {
            content_type: "image/png",
            bytes: Bytes::from_static(demo_png()),
        };
    }
    // An answer that is the docs' example whatever the request is written once.
    let fixed = info.issues_token.is_none()
        && platform.merchant.is_none()
        && platform.seal.is_none()
        && platform.sign.is_none()
        && platform.envelope.request_id.is_none();
    if fixed {
        if let Some((body, code)) = state.written.get(&key) {
            let (body, code) = (body.clone(), code.clone());
            return Answer::Written { body, code };
        }
    }
    let mut payload = shared.examples[key.0][key.1].clone();
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
    let answer = call.success(state, payload);
    match answer {
        Answer::Enveloped {
            value,
            code,
            xml: false,
        } if fixed => {
            let body = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
            state.written.insert(key, (body.clone(), code.clone()));
            Answer::Written { body, code }
        }
        answer => answer,
    }
}

/// The access token of an endpoint that needs one: missing, unknown or expired answers
/// the platform's code.
fn check_token(call: &Call<'_>, state: &State) -> Option<Answer> {
    let Auth::AccessToken { name: param } = call.info().auth else {
        return None;
    };
    let rule = call.platform().access_token.as_ref();
    let explicit = |code: Option<&Code>, text| code.map(|c| (c.clone(), text));
    let Some(token) = call.incoming.get_ref(param) else {
        let given = explicit(rule.map(|r| &r.missing), "access_token missing");
        return Some(call.refused_for(state, Meaning::TokenMissing, None, &given));
    };
    match state.tokens.get(&*token) {
        Some(t) if t.platform == call.key.0 && !t.revoked && t.expires_at > Instant::now() => None,
        Some(t) if t.platform == call.key.0 && !t.revoked => {
            let given = explicit(rule.map(|r| &r.expired), "access_token expired");
            Some(call.refused_for(state, Meaning::TokenExpired, None, &given))
        }
        _ => {
            let given = explicit(rule.map(|r| &r.invalid), "access_token is invalid");
            Some(call.refused_for(state, Meaning::TokenInvalid, None, &given))
        }
    }
}

/// A refusal made at the platform level: its schema meaning, else the explicit code,
/// else the simulator's generic refusal.
fn platform_refusal(
    platform: &Platform,
    meaning: Meaning,
    explicit: &Option<(Code, &'static str)>,
) -> (Code, &'static str) {
    platform_refusal_for(platform, meaning, None, explicit)
}

fn platform_refusal_for(
    platform: &Platform,
    meaning: Meaning,
    param: Option<&str>,
    explicit: &Option<(Code, &'static str)>,
) -> (Code, &'static str) {
    Refusal::find(platform.refusals, meaning, param)
        .map(|r| (r.code.clone(), r.message))
        .or_else(|| explicit.clone())
        .unwrap_or_else(|| (Code::from(UNDOCUMENTED), "refused by the simulator"))
}

/// A generated type written as the JSON object an answer (or a fingerprint) is made
/// of; a value that is not an object is the simulator's bug, said as such.
#[cfg_attr(
    not(any(feature = "wechatpay_v3", feature = "alipay")),
    allow(dead_code)
)]
pub(crate) fn object<T: serde::Serialize>(value: &T) -> Result<Map<String, Value>, String> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!("an answer written as {other}")),
        Err(e) => Err(e.to_string()),
    }
}

pub(crate) fn doc_text(info: &EndpointInfo, code: &Code) -> Option<&'static str> {
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
