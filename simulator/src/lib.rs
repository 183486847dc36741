//! `miniapp-simulator`: a local simulator of the mini-program platforms' servers, the
//! offline test bed of the [`miniapp`] SDK — for tests (take it as a dev-dependency) and
//! demos, and, through its binary, for backends in any language.
//!
//! It serves every endpoint the schema describes (the generated `ENDPOINTS` of each
//! platform compiled in) on `127.0.0.1` at a random port, and answers from the schema's
//! data: the docs' example response in the platform's envelope, a real PNG for image
//! endpoints, and the documented error codes for what it checks — the app's id and
//! secret on token and session calls, the access token (issued by its own token
//! endpoints), request signs, required fields. WeChat Pay (feature `wechatpay`) answers
//! from a merchant's state instead: orders, refunds, notifications and bills, see
//! [`wechatpay`]; so does Alipay (feature `alipay`): logins, trades, refunds and
//! RSA2-signed notifications, see [`alipay`]; and WeChat Pay API v3 (feature
//! `wechatpay_v3`, which has no official sandbox): every request's `Authorization`
//! verified, answers and notifications signed with the WeChat Pay public key or platform
//! certificates, orders, refunds, bills, see [`wechatpay_v3`]. Tests steer it through
//! the [`Simulator`] handle.
//!
//! ```no_run
//! # #[cfg(feature = "wechat")]
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp_simulator::Simulator;
//! use miniapp::wechat::{auth::Code2SessionRequest, Client};
//!
//! let sim = Simulator::start().await?; // app id "wx-demo-appid", secret "demo-secret"
//! let wx = Client::builder("wx-demo-appid", "demo-secret")
//!     .base_url(sim.base_url())
//!     .build();
//! let session = wx.auth().code2_session(Code2SessionRequest::new("any-code")).await?;
//! assert_eq!(sim.count("auth.code2Session"), 1);
//!
//! sim.fail_next("auth.code2Session", 40029, 1); // the next call answers errcode 40029
//! # Ok(()) }
//! ```
//!
//! # Platforms and paths
//!
//! All registered platforms share one server and one port, routed by method + path,
//! and every platform is also served under its own prefix, its name:
//!
//! * [`Simulator::url`]`("baidu")` — `http://127.0.0.1:<port>/baidu` — reaches exactly
//!   Baidu's endpoints (`/baidu/oauth/2.0/token`, …). Give it to a client as its base URL
//!   and it never depends on what else is registered; the tour does this.
//! * [`Simulator::base_url`] — the root — serves every path that one platform alone has
//!   (all of them today: WeChat, Baidu, Jucai, WeChat Pay v2 and v3 and Alipay share no
//!   path).
//!
//! Why a path prefix, not one server per platform or the `Host` header: every client
//! already takes a base URL with a path (it appends the endpoint's path), one handle
//! controls and records every platform (`fail_next`, the request log) in one place,
//! and `*.localhost` host names do not resolve everywhere. Should two platforms ever
//! share a method + path, the simulator still starts: the root answers that path with
//! HTTP 409 naming the prefixed URLs, and each prefix serves its own. (Two endpoints
//! of *one* platform on the same method + path are a schema error —
//! [`SimulatorBuilder::start`] refuses them — unless the platform's envelope names an
//! operation parameter: Alipay serves every endpoint on `POST /gateway.do` and routes
//! each request by its `method` (and `grant_type`), the endpoint's constants, which
//! must then tell its endpoints apart.) A simulator of a single platform remains a
//! [`SimulatorBuilder::only`] away:
//!
//! ```no_run
//! # #[cfg(feature = "wechat")]
//! # async fn demo() -> std::io::Result<()> {
//! # use miniapp_simulator::Simulator;
//! let sim = Simulator::start().await?;
//! let wx = miniapp::wechat::Client::builder("wx-demo-appid", "demo-secret")
//!     .base_url(sim.url("wechat")) // http://127.0.0.1:<port>/wechat
//!     .build();
//! let wechat_only = Simulator::builder().only(&["wechat"]).start().await?;
//! # Ok(()) }
//! ```
//!
//! New platforms register in [`platform::builtin`] (see the [`platform`] module).
//!
//! # Steering over HTTP
//!
//! The handle's steering is also served on the simulator's port, under the reserved
//! prefix `/_admin/` (the [`admin`] API: health, the request log, forced failures,
//! delays, token expiry, paying orders and settling refunds), and the
//! `miniapp-simulator` binary runs the simulator as a standalone server on a fixed
//! port, so that a backend in any language can test against it.
//!
//! # Limits
//!
//! A simulator may run for days under a test suite's load, and whatever a client sends
//! must not exhaust it. Everything it keeps is bounded by a count and by bytes, the
//! oldest going first, and it closes slow clients; the defaults (each a builder
//! setting, and a flag of the binary):
//!
//! | what | default | setting |
//! |---|---|---|
//! | requests in the log | 10,000 ([`DEFAULT_LOG_LIMIT`]) | [`SimulatorBuilder::log_limit`] |
//! | bytes the log holds | 16 MiB ([`DEFAULT_LOG_BYTES`]) | [`SimulatorBuilder::log_bytes`] |
//! | bytes of each body logged (its real length is kept) | 64 KiB ([`DEFAULT_LOG_BODY_BYTES`]) | [`SimulatorBuilder::log_body_bytes`] |
//! | orders (WeChat Pay v2 and v3), trades (Alipay), their refunds, per merchant | 100,000 ([`DEFAULT_MAX_ORDERS`]) | [`SimulatorBuilder::max_orders`] |
//! | WeChat Pay API v3: bills waiting for download (5 minutes each), notification deliveries remembered, notifications waiting to be resent, platform certificates listed | 1,000 and 32 MiB, 256, 1,000, 4 | — |
//! | bytes of a merchant's orders or trades and refunds | 128 MiB ([`DEFAULT_MERCHANT_BYTES`]) | [`SimulatorBuilder::merchant_bytes`] |
//! | tokens issued that it still knows | 100,000 | — |
//! | connections served at once (the next one waits for a slot; while it does, silent connections and those still sending a head get at most 1 s more) | 512, fewer under a low open-file limit ([`DEFAULT_MAX_CONNECTIONS`]) | [`SimulatorBuilder::max_connections`] |
//! | a request's head, from its first byte | 10 s ([`DEFAULT_HEADER_TIMEOUT`]) | [`SimulatorBuilder::header_timeout`] |
//! | a connection's silence (no request begun, an answer not read) | 60 s ([`DEFAULT_IDLE_TIMEOUT`]) | [`SimulatorBuilder::idle_timeout`] |
//! | a request's body (answered 408 past it) | 30 s ([`DEFAULT_BODY_TIMEOUT`]) | [`SimulatorBuilder::body_timeout`] |
//! | a request's body size (answered 413 past it) | 16 MiB | — |
//!
//! Lookups of orders, trades and refunds by any of their numbers are O(1) (an index,
//! not a scan), so a simulator holding 100,000 orders places new ones as fast as an
//! empty one (see BENCHMARKS.md). [`Simulator::reset`] forgets the log, failures and
//! delays; [`Simulator::reset_merchants`] the merchants' books, giving their memory
//! back.

pub mod admin;
#[cfg(feature = "alipay")]
pub mod alipay;
#[cfg(any(feature = "wechatpay", feature = "wechatpay_v3"))]
#[cfg(any(feature = "wechatpay", feature = "wechatpay_v3"))]
mod bill_lines;
#[cfg(any(feature = "wechatpay", feature = "wechatpay_v3"))]
mod bill_text;
#[cfg(feature = "merchant")]
mod delivery;
#[cfg(feature = "merchant")]
pub use delivery::Notified;
mod engine;
mod envelope;
#[cfg(feature = "merchant")]
mod fingerprint;
mod fxhash;
mod holdings;
mod log;
#[cfg(feature = "merchant")]
mod merchant;
#[cfg(feature = "merchant")]
mod order_book;
pub mod platform;
mod png;
mod recent;
mod request;
mod rules;
mod serve;
mod server;
#[cfg(feature = "wechatpay")]
pub mod wechatpay;
#[cfg(feature = "wechatpay_v3")]
pub mod wechatpay_v3;
#[cfg(feature = "merchant")]
mod wire_text;

pub use log::{DEFAULT_LOG_BODY_BYTES, DEFAULT_LOG_BYTES, DEFAULT_LOG_LIMIT};
pub use platform::{
    AccessTokenRule, Bare, CredentialCheck, Platform, SignFields, SignRule, VerifySign,
};
pub use png::{demo_png, PNG_SIGNATURE, PNG_SIZE};
pub use request::{RecordedRequest, REDACTED};
pub use serve::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
};

use engine::{Key, Shared, State};
use log::LogLimits;
use miniapp::runtime::Code;
use recent::Limits;
use serve::{Connections, ServerLimits};
use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// App id the simulator accepts unless told otherwise.
pub const DEFAULT_APP_ID: &str = "wx-demo-appid";
/// Secret the simulator accepts unless told otherwise.
pub const DEFAULT_SECRET: &str = "demo-secret";
/// App id the simulator's Alipay accepts unless told otherwise (Alipay app ids are
/// 16 digits; set another with [`SimulatorBuilder::credentials`]`("alipay", id, "")`).
pub const DEFAULT_ALIPAY_APP_ID: &str = "2021000000000001";
/// Merchant id (WeChat Pay's `mch_id`) the simulator accepts unless told otherwise.
pub const DEFAULT_MERCHANT_ID: &str = "1900000109";
/// Lifetime of the tokens it issues unless told otherwise (`expires_in` 7200).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(7200);
/// Orders (WeChat Pay) and trades (Alipay) each merchant keeps unless told otherwise;
/// the oldest go first, with their refunds.
pub const DEFAULT_MAX_ORDERS: usize = 100_000;
/// Bytes each merchant's orders or trades and refunds may hold unless told otherwise
/// (128 MiB: 100,000 orders of the usual size fit).
pub const DEFAULT_MERCHANT_BYTES: usize = 128 * 1024 * 1024;

/// Configures a [`Simulator`]; see [`Simulator::builder`].
pub struct SimulatorBuilder {
    platforms: Vec<Platform>,
    only: Option<Vec<String>>,
    app_id: String,
    secret: String,
    per_platform: HashMap<String, (String, String)>,
    sign_keys: HashMap<String, String>,
    merchant_id: String,
    token_lifetime: Duration,
    bind: SocketAddr,
    log: LogLimits,
    merchant: Limits,
    server: ServerLimits,
    /// The platforms' own settings (WeChat Pay API v3's key mode), by type.
    settings: holdings::Extensions,
}

impl fmt::Debug for SimulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorBuilder")
            .field(
                "platforms",
                &self.platforms.iter().map(|p| p.name).collect::<Vec<_>>(),
            )
            .field("only", &self.only)
            .field("app_id", &self.app_id)
            .field("merchant_id", &self.merchant_id)
            .field("token_lifetime", &self.token_lifetime)
            .field("bind", &self.bind)
            .field("log", &self.log)
            .field("merchant", &self.merchant)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        let platforms = platform::builtin();
        let (mut per_platform, mut sign_keys) = (HashMap::new(), HashMap::new());
        // A platform whose app ids and keys differ in kind from the others' (Alipay: a
        // 16-digit app id, signs checked with the app's public key) brings its own.
        for p in &platforms {
            if let Some(own) = p.own_credentials {
                let (id, secret) = (own.app_id.to_owned(), own.secret.to_owned());
                per_platform.insert(p.name.to_owned(), (id, secret));
                sign_keys.insert(p.name.to_owned(), own.sign_key.to_owned());
            }
        }
        SimulatorBuilder {
            platforms,
            only: None,
            app_id: DEFAULT_APP_ID.to_owned(),
            secret: DEFAULT_SECRET.to_owned(),
            per_platform,
            sign_keys,
            merchant_id: DEFAULT_MERCHANT_ID.to_owned(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            log: LogLimits::default(),
            merchant: Limits {
                count: DEFAULT_MAX_ORDERS,
                bytes: DEFAULT_MERCHANT_BYTES,
            },
            server: ServerLimits::default(),
            settings: holdings::Extensions::default(),
        }
    }
}

impl SimulatorBuilder {
    /// The app id every platform accepts (default [`DEFAULT_APP_ID`]) — but Alipay,
    /// which keeps [`DEFAULT_ALIPAY_APP_ID`] unless given [`SimulatorBuilder::credentials`].
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = app_id.into();
        self
    }
    /// The secret every platform accepts (default [`DEFAULT_SECRET`]; Alipay has none).
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = secret.into();
        self
    }
    /// App id and secret for one platform (Baidu's AppKey + sk, …), instead of the
    /// shared ones.
    pub fn credentials(
        mut self,
        platform: &str,
        app_id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.per_platform
            .insert(platform.to_owned(), (app_id.into(), secret.into()));
        self
    }
    /// The key that checks one platform's request signs and signs its answers (Jucai's
    /// merchant key, WeChat Pay's API key); default: that platform's secret. For Alipay,
    /// the app's public key (PEM or bare base64) that request signs are checked with;
    /// default [`alipay::APP_PUBLIC_KEY`] (answers are signed with the simulator's own
    /// Alipay key either way).
    pub fn sign_key(mut self, platform: &str, key: impl Into<String>) -> Self {
        self.sign_keys.insert(platform.to_owned(), key.into());
        self
    }
    /// The merchant id that platforms with merchants accept (WeChat Pay's `mch_id`;
    /// default [`DEFAULT_MERCHANT_ID`]).
    pub fn merchant_id(mut self, merchant_id: impl Into<String>) -> Self {
        self.merchant_id = merchant_id.into();
        self
    }
    /// Lifetime of issued tokens (default 2 h). The answer's `expires_in` is this in
    /// whole seconds, rounded up; the simulator itself expires tokens exactly.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }
    /// Serves only these platforms (by name).
    pub fn only(mut self, names: &[&str]) -> Self {
        self.only = Some(names.iter().map(|n| (*n).to_owned()).collect());
        self
    }
    /// The address to listen on (default `127.0.0.1:0`: loopback, a free port). A fixed
    /// port lets programs in other languages find the simulator (see the
    /// `miniapp-simulator` binary); `0.0.0.0` exposes it to the network, which the
    /// simulator, checking nothing but test credentials, is not made for.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }
    /// Keeps only the latest `limit` requests in the log (default
    /// [`DEFAULT_LOG_LIMIT`], 10,000; at least 1). Counts ([`Simulator::count`]) cover
    /// the requests still kept.
    pub fn log_limit(mut self, limit: usize) -> Self {
        self.log.requests = limit.max(1);
        self
    }
    /// Keeps the log within `bytes` (default [`DEFAULT_LOG_BYTES`], 16 MiB): the
    /// oldest requests go first once what the log holds — bodies kept, paths, queries,
    /// about 200 bytes of bookkeeping each — would exceed it. The latest request is
    /// always kept, whatever its size (its body is cut at [`SimulatorBuilder::log_body_bytes`]).
    pub fn log_bytes(mut self, bytes: usize) -> Self {
        self.log.bytes = bytes;
        self
    }
    /// Keeps at most the first `bytes` of each request's body in the log (default
    /// [`DEFAULT_LOG_BODY_BYTES`], 64 KiB); a longer one is marked
    /// [`RecordedRequest::body_truncated`], with its real length in
    /// [`RecordedRequest::body_len`]. The simulator still reads the whole body (up to
    /// 16 MiB) to answer.
    pub fn log_body_bytes(mut self, bytes: usize) -> Self {
        self.log.body_bytes = bytes;
        self
    }
    /// Keeps at most `count` orders (WeChat Pay) and as many trades (Alipay), and as
    /// many refunds of each (default [`DEFAULT_MAX_ORDERS`], 100,000; at least 1):
    /// the oldest order or trade goes first, with its refunds, and is then unknown
    /// (`ORDERNOTEXIST`, `ACQ.TRADE_NOT_EXIST`). Alipay's used auth codes and refresh
    /// tokens are remembered within the same count.
    pub fn max_orders(mut self, count: usize) -> Self {
        self.merchant.count = count.max(1);
        self
    }
    /// Keeps each merchant's orders or trades and their refunds within `bytes`
    /// (default [`DEFAULT_MERCHANT_BYTES`], 128 MiB), evicting as
    /// [`SimulatorBuilder::max_orders`] does.
    pub fn merchant_bytes(mut self, bytes: usize) -> Self {
        self.merchant.bytes = bytes;
        self
    }
    /// Serves at most `count` connections at once (default
    /// [`DEFAULT_MAX_CONNECTIONS`], 512, or fewer when the process's open-file limit
    /// leaves less than that plus 64; at least 1). The next connection is accepted and
    /// waits for a slot, later ones wait in the listen backlog. While one waits, the
    /// connections that are silent or still sending a request head are given at most
    /// one more second: slow and idle clients make room instead of locking others out.
    pub fn max_connections(mut self, count: usize) -> Self {
        self.server.max_connections = count.max(1);
        self
    }
    /// How long a request's head (request line and headers) may take to arrive from
    /// its first byte (default [`DEFAULT_HEADER_TIMEOUT`], 10 s); the connection is
    /// closed after that.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.server.header_timeout = timeout;
        self
    }
    /// How long a connection may stay silent — opened or kept alive after an answer
    /// without starting a request, or not reading its answer — before it is closed
    /// (default [`DEFAULT_IDLE_TIMEOUT`], 60 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.server.idle_timeout = timeout;
        self
    }
    /// How long a request's body may take to arrive once its head has (default
    /// [`DEFAULT_BODY_TIMEOUT`], 30 s); a slower one is answered 408.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.server.body_timeout = timeout;
        self
    }
    /// Registers a platform (replacing a built-in one of the same name).
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platforms.retain(|p| p.name != platform.name);
        self.platforms.push(platform);
        self
    }

    /// Binds the address of [`SimulatorBuilder::bind`] (default `127.0.0.1:0`) and starts
    /// serving on the current tokio runtime: the platforms, and the [admin API](admin)
    /// under [`admin::PREFIX`].
    ///
    /// Fails with `InvalidInput` when one platform serves the same method + path twice
    /// (platforms sharing a path are fine: see [Platforms and paths](self#platforms-and-paths);
    /// a platform routed by an operation parameter may, when the endpoints' constants
    /// differ and each names its operation), or a platform would be served under the
    /// admin prefix (a platform named `_admin`, a path starting `/_admin/`); with
    /// `Unsupported` when a platform's envelope style cannot be simulated yet; and with
    /// the bind's error when the address cannot be bound.
    pub async fn start(self) -> std::io::Result<Simulator> {
        use std::io::{Error, ErrorKind};
        let platforms: Vec<Platform> = match &self.only {
            Some(names) => {
                for name in names {
                    if !self.platforms.iter().any(|p| p.name == name) {
                        return Err(Error::new(
                            ErrorKind::InvalidInput,
                            format!("simulator: no platform named `{name}` is compiled in"),
                        ));
                    }
                }
                self.platforms
                    .into_iter()
                    .filter(|p| names.iter().any(|n| n == p.name))
                    .collect()
            }
            None => self.platforms,
        };
        let mut routes: fxhash::FxHashMap<(&'static str, &'static str), Vec<Key>> =
            fxhash::FxHashMap::default();
        let mut templates: Vec<engine::Template> = Vec::new();
        for (p, platform) in platforms.iter().enumerate() {
            if let Some(clash) = admin::collision(platform) {
                return Err(Error::new(ErrorKind::InvalidInput, clash));
            }
            let sealed = platform.envelope.style != miniapp::runtime::EnvelopeStyle::Alipay
                || platform.seal.is_some();
            if !envelope::supported(platform.envelope.style) || !sealed {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "simulator: platform `{}` uses the {:?} envelope, which it cannot speak yet",
                        platform.name, platform.envelope.style
                    ),
                ));
            }
            let operation = platform.envelope.operation;
            for (e, info) in platform.endpoints.iter().enumerate() {
                let method = server::method_name(info.method);
                if let Some(param) = operation {
                    if !info.constants.iter().any(|(name, _)| *name == param) {
                        return Err(Error::new(
                            ErrorKind::InvalidInput,
                            format!(
                                "simulator: endpoint {} of platform `{}` has no `{param}` constant, \
                                 which the platform's requests are routed by",
                                info.name, platform.name,
                            ),
                        ));
                    }
                }
                let served = routes.entry((method, info.path)).or_default();
                let clash = served.iter().find(|&&(q, f)| {
                    q == p
                        && (operation.is_none()
                            || same_constants(platform.endpoints[f].constants, info.constants))
                });
                if let Some(&(_, f)) = clash {
                    let with = if operation.is_some() {
                        " with the same constants"
                    } else {
                        ""
                    };
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        format!(
                            "simulator: platform `{}` serves {method} {} twice{with} ({} and {})",
                            platform.name, info.path, platform.endpoints[f].name, info.name,
                        ),
                    ));
                }
                served.push((p, e));
                if info.path.contains('{') {
                    match templates
                        .iter_mut()
                        .find(|t| t.method == method && t.path == info.path)
                    {
                        Some(t) => t.keys.push((p, e)),
                        None => templates.push(engine::Template {
                            method,
                            path: info.path,
                            keys: vec![(p, e)],
                        }),
                    }
                }
            }
        }
        let credentials = platforms
            .iter()
            .map(|p| {
                self.per_platform
                    .get(p.name)
                    .cloned()
                    .unwrap_or_else(|| (self.app_id.clone(), self.secret.clone()))
            })
            .collect::<Vec<_>>();
        let sign_keys = platforms
            .iter()
            .zip(&credentials)
            .map(|(p, (_, secret))| {
                self.sign_keys
                    .get(p.name)
                    .cloned()
                    .unwrap_or_else(|| secret.clone())
            })
            .collect();
        let examples = platforms
            .iter()
            .map(|p| {
                let parse = |e: &str| serde_json::from_str(e).ok();
                let example = |info: &miniapp::runtime::EndpointInfo| info.example.and_then(parse);
                p.endpoints
                    .iter()
                    .map(|info| example(info).unwrap_or(serde_json::Value::Null))
                    .collect()
            })
            .collect();
        // Each merchant starts from the builder's settings; what it fixes (keys) is
        // shared without the state's lock.
        let mut fixed = holdings::Extensions::default();
        let mut merchants = holdings::Merchants::default();
        for p in &platforms {
            let Some(registration) = p.merchant else {
                continue;
            };
            let mut start = holdings::Start {
                limits: self.merchant,
                settings: &self.settings,
                fixed: &mut fixed,
            };
            let books = registration
                .start(&mut start)
                .map_err(|e| Error::new(ErrorKind::InvalidInput, e))?;
            merchants.add(p.name, books);
        }
        let shared = Arc::new(Shared {
            examples,
            platforms,
            routes,
            templates,
            credentials,
            sign_keys,
            merchant_id: self.merchant_id,
            token_lifetime: self.token_lifetime,
            body_timeout: self.server.body_timeout,
            connections: Arc::new(Connections::default()),
            max_connections: self.server.max_connections,
            state: Mutex::new(State::new(self.log, merchants)),
            fixed,
        });

        let listener = tokio::net::TcpListener::bind(self.bind).await?;
        let addr = listener.local_addr()?;
        // The admin API steers through a handle of its own (the same state, no server
        // to stop), so it calls exactly what a Rust test calls.
        let admin = admin::router(Arc::new(Simulator::view(shared.clone(), addr)));
        let app = serve::App {
            admin: axum::Router::new().nest(admin::PREFIX, admin),
            shared: shared.clone(),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let connections = shared.connections.clone();
        let task = tokio::spawn(serve::run(listener, app, self.server, connections, stopped));
        tracing::debug!(%addr, "miniapp simulator listening");
        Ok(Simulator {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// Do two endpoints have the same fixed parameters (in any order)?
fn same_constants(a: &[(&str, &str)], b: &[(&str, &str)]) -> bool {
    a.len() == b.len() && a.iter().all(|pair| b.contains(pair))
}

/// A running simulator. Dropping it stops the server (gracefully: requests in flight
/// are answered).
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.base_url())
            .field("platforms", &self.platforms())
            .finish_non_exhaustive()
    }
}

/// A name given to [`Simulator::try_fail_next`] (and the other calls naming an
/// endpoint) that no served endpoint has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "simulator: no endpoint named `{name}` (platforms: {platforms:?}; names look like \
     `auth.code2Session` or `wechat:auth.code2Session`)"
)]
#[non_exhaustive]
pub struct UnknownEndpoint {
    /// The name as given.
    pub name: String,
    /// The platforms served.
    pub platforms: Vec<&'static str>,
}

impl Simulator {
    /// A handle on a running simulator's state that owns no server: dropping it stops
    /// nothing (the admin API's).
    fn view(shared: Arc<Shared>, addr: SocketAddr) -> Simulator {
        Simulator {
            shared,
            addr,
            stop: None,
            task: None,
        }
    }

    /// Starts a simulator of every compiled-in platform with the defaults
    /// ([`DEFAULT_APP_ID`], [`DEFAULT_SECRET`], 7200 s tokens).
    pub async fn start() -> std::io::Result<Simulator> {
        Self::builder().start().await
    }

    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// `http://127.0.0.1:<port>` — give it to a client's `base_url`. Serves every path
    /// that only one platform has; [`Simulator::url`] is the per-platform address.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/<platform>`: only that platform's endpoints, whatever
    /// else is registered (see [Platforms and paths](self#platforms-and-paths)).
    ///
    /// # Panics
    /// When no served platform has that name.
    pub fn url(&self, platform: &str) -> String {
        assert!(
            self.shared.platforms.iter().any(|p| p.name == platform),
            "simulator: no platform named `{platform}` is served (platforms: {:?})",
            self.platforms()
        );
        format!("http://{}/{platform}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Names of the platforms served.
    pub fn platforms(&self) -> Vec<&'static str> {
        self.shared.platforms.iter().map(|p| p.name).collect()
    }

    /// The app id a platform accepts.
    pub fn app_id(&self, platform: &str) -> Option<&str> {
        let p = self
            .shared
            .platforms
            .iter()
            .position(|p| p.name == platform)?;
        Some(self.shared.credentials[p].0.as_str())
    }

    /// The merchant id platforms with merchants accept (WeChat Pay's `mch_id`).
    pub fn merchant_id(&self) -> &str {
        &self.shared.merchant_id
    }

    /// Every endpoint served: `(platform, endpoint info)`.
    pub fn endpoints(&self) -> Vec<(&'static str, &'static miniapp::runtime::EndpointInfo)> {
        self.shared
            .platforms
            .iter()
            .flat_map(|p| p.endpoints.iter().map(move |e| (p.name, e)))
            .collect()
    }

    /// The next `times` calls of `endpoint` answer the code `code` (an integer, or a
    /// string on platforms whose codes are strings), with the doc text the endpoint's
    /// errors table gives for it (whatever the request). Calls queue up:
    /// `fail_next(e, -1, 2)` then `fail_next(e, 40029, 1)` fails three calls in order.
    ///
    /// `endpoint` is a doc name (`"auth.code2Session"`, applies to every platform that
    /// has it) or qualified with the platform (`"wechat:auth.code2Session"`).
    ///
    /// # Panics
    /// When no served endpoint has that name (a typo would otherwise pass silently);
    /// [`Simulator::try_fail_next`] returns the error instead.
    pub fn fail_next(&self, endpoint: &str, code: impl Into<Code>, times: usize) {
        if let Err(e) = self.try_fail_next(endpoint, code, times) {
            panic!("{e}");
        }
    }

    /// [`Simulator::fail_next`], with an unknown endpoint an error rather than a panic
    /// (for names that come from outside the program, as the admin API's do).
    pub fn try_fail_next(
        &self,
        endpoint: &str,
        code: impl Into<Code>,
        times: usize,
    ) -> Result<(), UnknownEndpoint> {
        let code = code.into();
        let keys = self.try_resolve(endpoint)?;
        if times == 0 {
            return Ok(());
        }
        let mut state = self.shared.lock();
        for key in keys {
            let queue = state.failures.entry(key).or_default();
            // The same code again lengthens the last run instead of queueing another.
            match queue.back_mut() {
                Some((last, left)) if *last == code => *left = left.saturating_add(times),
                _ => queue.push_back((code.clone(), times)),
            }
        }
        Ok(())
    }

    /// How many runs of failures (a code and a count each) are queued for the
    /// endpoints `keys`, at most.
    pub(crate) fn queued_failures(&self, keys: &[Key]) -> usize {
        let state = self.shared.lock();
        keys.iter()
            .filter_map(|k| state.failures.get(k))
            .map(|q| q.len())
            .max()
            .unwrap_or(0)
    }

    /// Every answer of `endpoint` waits `delay` first (zero removes the delay), for
    /// timeout demos and tests. The request is recorded when it arrives.
    ///
    /// # Panics
    /// When no served endpoint has that name; [`Simulator::try_set_delay`] returns the
    /// error instead.
    pub fn set_delay(&self, endpoint: &str, delay: Duration) {
        if let Err(e) = self.try_set_delay(endpoint, delay) {
            panic!("{e}");
        }
    }

    /// [`Simulator::set_delay`], with an unknown endpoint an error rather than a panic.
    pub fn try_set_delay(&self, endpoint: &str, delay: Duration) -> Result<(), UnknownEndpoint> {
        let keys = self.try_resolve(endpoint)?;
        let mut state = self.shared.lock();
        for key in keys {
            if delay.is_zero() {
                state.delays.remove(&key);
            } else {
                state.delays.insert(key, delay);
            }
        }
        Ok(())
    }

    /// Every request the log still keeps (including unknown paths; see
    /// [`SimulatorBuilder::log_limit`]), oldest first: a copy, up to what the log holds
    /// (16 MiB by default). Their `Debug`/`Display` redact secrets and tokens.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// How many requests `endpoint` received (the name as in [`Simulator::fail_next`]).
    ///
    /// # Panics
    /// When no served endpoint has that name.
    pub fn count(&self, endpoint: &str) -> usize {
        match self.endpoint_names(endpoint) {
            Ok(names) => self.logged_for(&names),
            Err(e) => panic!("{e}"),
        }
    }

    /// The `(platform, endpoint)` names an endpoint name (as in
    /// [`Simulator::fail_next`]) stands for.
    fn endpoint_names(
        &self,
        endpoint: &str,
    ) -> Result<Vec<(&'static str, &'static str)>, UnknownEndpoint> {
        let keys = self.try_resolve(endpoint)?;
        Ok(keys
            .iter()
            .map(|&(p, e)| {
                (
                    self.shared.platforms[p].name,
                    self.shared.platforms[p].endpoints[e].name,
                )
            })
            .collect())
    }

    /// How many requests reached a token-issuing endpoint (any platform), whatever
    /// the answer.
    pub fn token_requests(&self) -> usize {
        let issuing: Vec<(&str, &str)> = self
            .shared
            .platforms
            .iter()
            .flat_map(|p| {
                p.endpoints
                    .iter()
                    .filter(|e| e.issues_token.is_some())
                    .map(move |e| (p.name, e.name))
            })
            .collect();
        self.logged_for(&issuing)
    }

    /// How many logged requests reached one of these `(platform, endpoint)` names.
    fn logged_for(&self, names: &[(&str, &str)]) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.reached(names))
            .count()
    }

    /// Makes every token issued so far expired: the next call with one answers the
    /// platform's "expired" code (WeChat 42001) and a client refreshes its token.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        let mut state = self.shared.lock();
        for token in state.tokens.values_mut() {
            token.expires_at = token.expires_at.min(now);
        }
        state.stable.clear();
    }

    /// Forgets the request log, pending failures and delays. Issued tokens stay valid
    /// (clients keep their cached tokens; see [`Simulator::expire_tokens`]), and so do
    /// a merchant's orders, trades and refunds (see [`Simulator::reset_merchants`]).
    pub fn reset(&self) {
        let mut state = self.shared.lock();
        state.log.clear();
        state.failures = Default::default();
        state.delays = Default::default();
    }

    /// Forgets every merchant's state and gives its memory back: WeChat Pay's orders
    /// and refunds, Alipay's trades, refunds, used auth codes and refresh tokens. The
    /// log, failures, delays and tokens stay (see [`Simulator::reset`]); so does
    /// WeChat Pay's sandbox key once issued.
    pub fn reset_merchants(&self) {
        self.shared.lock().merchants.reset();
    }

    /// Stops the server and waits (at most 5 s) for requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    pub(crate) fn try_resolve(&self, endpoint: &str) -> Result<Vec<Key>, UnknownEndpoint> {
        let (platform, name) = match endpoint.split_once(':') {
            Some((p, n)) => (Some(p), n),
            None => (None, endpoint),
        };
        let keys: Vec<Key> = self
            .shared
            .platforms
            .iter()
            .enumerate()
            .filter(|(_, p)| platform.is_none_or(|want| want == p.name))
            .flat_map(|(pi, p)| {
                p.endpoints
                    .iter()
                    .enumerate()
                    .filter(|(_, info)| info.name == name)
                    .map(move |(ei, _)| (pi, ei))
            })
            .collect();
        if keys.is_empty() {
            return Err(UnknownEndpoint {
                name: endpoint.to_owned(),
                platforms: self.platforms(),
            });
        }
        Ok(keys)
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
