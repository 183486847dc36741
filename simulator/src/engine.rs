//! The engine's core types, which refer to one another and so live together: a
//! simulated [`Platform`] (the rules it is served by and its hooks), the server's
//! [`Shared`] data and mutable [`State`], and what a hook works with ([`Desk`],
//! [`Reply`]). The logic over them is in `server.rs`; the rules that need no state, in
//! `rules.rs`; a merchant's books, in `holdings.rs` and `merchant.rs`. Nothing here
//! names a platform.

use super::fxhash::FxHashMap;
use super::holdings::{Extensions, Held, Merchants, Start};
use super::log::{LogLimits, RequestLog};
use super::recent::{Footprint, Limits, Recent};
use super::request::Incoming;
use super::rules::{AccessTokenRule, Bare, CredentialCheck, OwnCredentials, SignRule};
use axum::Router;
use bytes::Bytes;
use miniapp::__private::{Meaning, Refusal};
use miniapp::runtime::{Code, EndpointInfo, Envelope};
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One simulated platform.
#[derive(Debug, Clone)]
pub struct Platform {
    /// The module / feature name, e.g. `wechat`. Qualifies endpoint names in the
    /// control API (`"wechat:auth.code2Session"`).
    pub name: &'static str,
    /// The schema's description of every endpoint (the generated `ENDPOINTS`).
    pub endpoints: &'static [EndpointInfo],
    /// The platform's envelope (the generated `ENVELOPE`).
    pub envelope: Envelope,
    /// What the platform's common codes mean (the generated `REFUSALS`): the refusals
    /// made before an endpoint is known, and the fallback of every endpoint's own.
    pub refusals: &'static [Refusal],
    /// Behaviour of endpoints that authenticate with the app's id and secret beyond
    /// the schema (a stable token), and explicit codes where its wire has none.
    pub credentials: &'static [CredentialCheck],
    /// Explicit token codes; `None`: the schema's (`token_missing`, `token_invalid`,
    /// `token_expired`).
    pub access_token: Option<AccessTokenRule>,
    /// Explicit code and text for a missing required field; `None`: the schema's
    /// `missing_field`.
    pub missing_field: Option<(Code, &'static str)>,
    /// Explicit code and text for a body that does not parse; `None`: the schema's
    /// `bad_body`.
    pub bad_body: Option<(Code, &'static str)>,
    /// Signs every JSON answer under this field with the key given to
    /// [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key) (Jucai).
    pub sign: Option<SignRule>,
    /// Endpoints that answer outside the envelope beyond those the schema marks
    /// `bare: true` (an endpoint a test registers itself).
    pub bare: &'static [Bare],
    /// The request field that carries the business fields as one JSON text (Alipay's
    /// `biz_content`, the generated `Endpoint::PACK_INTO`): required fields are looked
    /// for in it too.
    pub packed_into: Option<&'static str>,
    /// Explicit code and text for a request to a gateway path that names no operation
    /// (platforms whose envelope has an `operation` parameter); `None`: the schema's
    /// `missing_operation`.
    pub missing_operation: Option<(Code, &'static str)>,
    /// Explicit code and text for an operation that is no endpoint's; `None`: the
    /// schema's `unknown_operation`.
    pub unknown_operation: Option<(Code, &'static str)>,
    /// The platform's merchant, for a platform whose answers depend on what happened
    /// before (WeChat Pay's orders): it answers the calls that passed the generic
    /// checks (`None` from it, or no merchant: the docs' example) and adds admin routes.
    pub(crate) merchant: Option<Registration>,
    /// The app id, secret and sign key served unless the builder is told otherwise,
    /// for a platform whose credentials differ in kind from the others' (Alipay's
    /// 16-digit app id, checked with a public key).
    pub(crate) own_credentials: Option<OwnCredentials>,
    /// Writes the body of every answer (`alipay` envelopes: the answer member, signed).
    pub(crate) seal: Option<Seal>,
    /// Authenticates a request signed whole, from its wire (WeChat Pay API v3's
    /// `Authorization`), before anything else in it is read.
    pub(crate) authenticate: Option<Authenticate>,
    /// Writes every answer whole — status, headers, body (WeChat Pay API v3: the
    /// status its code is documented with, the `Wechatpay-*` signature headers).
    pub(crate) respond: Option<Respond>,
    /// Answers paths that are no endpoint's but the platform serves (WeChat Pay API
    /// v3's bill downloads); `None` from the hook: not its path.
    pub(crate) extra: Option<Extra>,
}

/// Checks a request's whole-request signature (platform index given); `Err` is the
/// refusal's meaning and why.
pub(crate) type Authenticate =
    fn(&Shared, usize, &super::request::Incoming) -> Result<(), (Meaning, String)>;

/// The whole answer to endpoint `Key` carrying the envelope's object.
pub(crate) type Respond =
    fn(&Shared, &State, Key, &super::request::Incoming, Value) -> miniapp::runtime::RawResponse;

/// An answer on a path that is no endpoint's (the path without the platform's prefix).
pub(crate) type Extra = fn(
    &Shared,
    &mut State,
    usize,
    &str,
    &super::request::Incoming,
) -> Option<miniapp::runtime::RawResponse>;

/// Writes an answer's body from the envelope's object (`envelope::success` or
/// `failure`), for the endpoint it answers (`None`: a refusal before any endpoint was
/// found, e.g. no operation named).
pub(crate) type Seal = fn(&Envelope, Option<&'static EndpointInfo>, &Value) -> String;

impl Platform {
    /// The simulated platform of a generated one: its name, endpoints, envelope and
    /// the meanings of its codes (refine with the methods below).
    pub fn of<P: miniapp::runtime::Platform>() -> Platform {
        Platform::new(P::NAME, P::ENDPOINTS, P::ENVELOPE).refusals(P::REFUSALS)
    }

    /// A platform from its endpoint table and envelope, refusing requests with the
    /// codes the endpoints' schema gives meanings (`EndpointInfo::refusals`); add the
    /// platform's own with [`Self::refusals`], or explicit codes with the methods below.
    /// A refusal nothing gives a code to is answered with the code
    /// `SIMULATOR_REFUSED` and a text naming what was wrong.
    pub fn new(
        name: &'static str,
        endpoints: &'static [EndpointInfo],
        envelope: Envelope,
    ) -> Platform {
        Platform {
            name,
            endpoints,
            envelope,
            refusals: &[],
            credentials: &[],
            access_token: None,
            missing_field: None,
            bad_body: None,
            sign: None,
            bare: &[],
            packed_into: None,
            missing_operation: None,
            unknown_operation: None,
            merchant: None,
            own_credentials: None,
            seal: None,
            authenticate: None,
            respond: None,
            extra: None,
        }
    }
    /// The meanings of the platform's common codes (a generated `REFUSALS`).
    pub fn refusals(mut self, refusals: &'static [Refusal]) -> Self {
        self.refusals = refusals;
        self
    }
    pub fn credentials(mut self, checks: &'static [CredentialCheck]) -> Self {
        self.credentials = checks;
        self
    }
    pub fn access_token(mut self, rule: AccessTokenRule) -> Self {
        self.access_token = Some(rule);
        self
    }
    pub fn missing_field(mut self, code: impl Into<Code>, text: &'static str) -> Self {
        self.missing_field = Some((code.into(), text));
        self
    }
    pub fn bad_body(mut self, code: impl Into<Code>, text: &'static str) -> Self {
        self.bad_body = Some((code.into(), text));
        self
    }
    pub fn sign(mut self, rule: SignRule) -> Self {
        self.sign = Some(rule);
        self
    }
    pub fn bare(mut self, endpoints: &'static [Bare]) -> Self {
        self.bare = endpoints;
        self
    }
    pub fn packed_into(mut self, field: Option<&'static str>) -> Self {
        self.packed_into = field;
        self
    }
    /// The refusals of a gateway path: no operation named, and an unknown one.
    pub fn operation_refusals(
        mut self,
        missing: (Code, &'static str),
        unknown: (Code, &'static str),
    ) -> Self {
        self.missing_operation = Some(missing);
        self.unknown_operation = Some(unknown);
        self
    }
    // The hooks below are for the platforms that keep a merchant (feature `merchant`,
    // on with any of them).
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub(crate) fn merchant(mut self, merchant: Registration) -> Self {
        self.merchant = Some(merchant);
        self
    }
    #[cfg_attr(not(feature = "alipay"), allow(dead_code))]
    pub(crate) fn own_credentials(mut self, credentials: OwnCredentials) -> Self {
        self.own_credentials = Some(credentials);
        self
    }
    #[cfg_attr(not(feature = "alipay"), allow(dead_code))]
    pub(crate) fn seal(mut self, seal: Seal) -> Self {
        self.seal = Some(seal);
        self
    }
    /// For platforms that sign whole requests and answers.
    #[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))]
    pub(crate) fn whole(mut self, authenticate: Authenticate, respond: Respond) -> Self {
        self.authenticate = Some(authenticate);
        self.respond = Some(respond);
        self
    }
    #[cfg_attr(
        not(any(feature = "wechatpay_v3", feature = "alipay")),
        allow(dead_code)
    )]
    pub(crate) fn extra(mut self, extra: Extra) -> Self {
        self.extra = Some(extra);
        self
    }

    /// Are the platform's codes text (WeChat Pay's `ORDERPAID`, Alipay's
    /// `ACQ.TRADE_NOT_EXIST`) rather than integers (WeChat's `40029`)? Text when its
    /// envelope carries text codes or its docs list one; a client of an integer
    /// platform cannot read a text code.
    pub fn codes_are_text(&self) -> bool {
        let text_envelope = matches!(
            self.envelope.style,
            miniapp::runtime::EnvelopeStyle::WechatPayXml | miniapp::runtime::EnvelopeStyle::Alipay
        );
        text_envelope
            || self
                .endpoints
                .iter()
                .flat_map(|e| e.errors)
                .any(|(code, _)| code.as_i64().is_none())
    }
}

/// What the admin API's handlers hold.
pub(crate) type Sim = Arc<super::Simulator>;

/// A merchant type, as a platform registers it (`merchant::registration`).
#[derive(Clone, Copy)]
pub(crate) struct Registration {
    pub start: fn(&mut Start<'_>) -> Result<Box<dyn Held>, String>,
    pub serve: fn(&mut Desk<'_>) -> Option<Reply>,
    pub admin: fn(Router<Sim>) -> Router<Sim>,
}

impl Registration {
    pub fn start(&self, start: &mut Start<'_>) -> Result<Box<dyn Held>, String> {
        (self.start)(start)
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registration")
    }
}

/// (platform index, endpoint index)
pub(crate) type Key = (usize, usize);

/// Everything the handler and the control API share.
pub(crate) struct Shared {
    pub platforms: Vec<Platform>,
    /// (`GET`/`POST`, path) → the endpoints serving it: one per platform at most, except
    /// on platforms routed by an operation parameter (endpoints of more than one
    /// platform: ambiguous without the platform's prefix).
    pub routes: FxHashMap<(&'static str, &'static str), Vec<Key>>,
    /// The routes whose paths have parameters (`/v3/refund/domestic/refunds/{out_refund_no}`),
    /// matched segment by segment when no path is served as it is.
    pub templates: Vec<Template>,
    /// Per platform: app id and secret.
    pub credentials: Vec<(String, String)>,
    /// Per platform: the key that signs answers (platforms with a `SignRule`).
    pub sign_keys: Vec<String>,
    /// The merchant id that platforms naming a merchant accept (WeChat Pay's `mch_id`).
    pub merchant_id: String,
    /// Per platform and endpoint: the docs' example answer, parsed once (`Null`: none).
    pub examples: Vec<Vec<Value>>,
    pub token_lifetime: Duration,
    /// How long a request's body may take to arrive.
    pub body_timeout: Duration,
    /// What the server did with connections (for `/_admin/health`).
    pub connections: Arc<super::serve::Connections>,
    pub max_connections: usize,
    pub state: Mutex<State>,
    /// What the merchants fixed at start and read without the lock (keys).
    #[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))]
    pub fixed: Extensions,
}

/// A method + path with parameters, and the endpoints serving it.
pub(crate) struct Template {
    pub method: &'static str,
    pub path: &'static str,
    pub keys: Vec<Key>,
}

pub(crate) struct State {
    pub log: RequestLog,
    /// Forced failures per endpoint: (code, calls left), oldest first.
    pub failures: FxHashMap<Key, VecDeque<(Code, usize)>>,
    pub delays: FxHashMap<Key, Duration>,
    /// Per endpoint whose success never changes: the answer's body, written once, and
    /// its code (at most one per endpoint).
    pub written: FxHashMap<Key, (Bytes, Code)>,
    /// Tokens issued, the latest [`TOKENS_KEPT`]: an older one is unknown, as a token
    /// the platform never issued.
    pub tokens: Recent<String, Issued>,
    /// Current stable token per token endpoint.
    pub stable: HashMap<Key, String>,
    pub serial: u64,
    /// Per platform: a key accepted besides its sign key, once the platform has issued
    /// it (WeChat Pay's sandbox key).
    pub alternate_keys: HashMap<usize, String>,
    /// The served platforms' merchants: orders, trades, refunds.
    pub merchants: Merchants,
}

/// How a request was signed, so that its answer (and what follows from it, such as
/// a payment notification) is signed the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Signing {
    /// With the platform's alternate key (WeChat Pay's sandbox key), not its sign key.
    pub alternate: bool,
    /// The variant the request named (WeChat Pay's `sign_type`), if any.
    pub variant: Option<String>,
}

pub(crate) struct Issued {
    pub platform: usize,
    pub expires_at: Instant,
    pub revoked: bool,
}

impl Footprint for Issued {
    fn footprint(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

/// Tokens remembered at most: far more than any test holds at once, and a few MB.
pub(crate) const TOKENS_KEPT: Limits = Limits {
    count: 100_000,
    bytes: 16 * 1024 * 1024,
};

impl State {
    pub fn new(log: LogLimits, merchants: Merchants) -> State {
        State {
            log: RequestLog::new(log),
            failures: FxHashMap::default(),
            delays: FxHashMap::default(),
            written: FxHashMap::default(),
            tokens: Recent::new(TOKENS_KEPT),
            stable: HashMap::new(),
            serial: 0,
            alternate_keys: HashMap::new(),
            merchants,
        }
    }
}

/// What a merchant answers. (Unused when no platform with a merchant is compiled in.)
#[cfg_attr(not(feature = "merchant"), allow(dead_code))]
pub(crate) enum Reply {
    /// Success: the payload in the platform's envelope, signed.
    Done(Map<String, Value>),
    /// A refusal: the code (the envelope decides at which level) and the text.
    Refused(Code, String),
    /// An answer sent exactly as built, unsigned (WeChat Pay's sandbox key, a bill
    /// refusal with its own fields).
    #[cfg_attr(not(feature = "wechatpay"), allow(dead_code))]
    Exact(Map<String, Value>),
    /// A binary body with its content type (a bill).
    #[cfg_attr(not(feature = "wechatpay"), allow(dead_code))]
    Bytes(&'static str, Vec<u8>),
    /// The simulator's own failure (a merchant asked for that is not served): a 500
    /// that names it, never an answer of the platform's.
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    Broken(String),
}

/// What a `serve` hook works with: the request, how it was signed, and the state.
#[cfg_attr(not(feature = "merchant"), allow(dead_code))]
pub(crate) struct Desk<'a> {
    pub shared: &'a Shared,
    pub state: &'a mut State,
    /// The platform's index.
    pub platform: usize,
    pub info: &'static EndpointInfo,
    pub incoming: &'a Incoming,
    #[cfg_attr(not(feature = "wechatpay"), allow(dead_code))]
    pub signing: &'a Signing,
}
