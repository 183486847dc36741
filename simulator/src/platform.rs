//! The registry of simulated platforms: what the simulator knows about each one.
//!
//! Every wire fact comes from the generated platform ([`Platform::of`]): its endpoints
//! ([`EndpointInfo`]: paths, hosts, which endpoints check the app's credentials and
//! under which wire names, their fixed parameters, which issue access tokens and in
//! which fields, the access token's parameter, the sign field), its envelope, and the
//! algorithm of its signer ([`SignRule::of`]) — and the codes it refuses requests with:
//! the schema's `means:` of its error codes (a wrong secret, a missing token, a missing
//! field, a bad sign: `EndpointInfo::refusals` and the platform's `REFUSALS`). A
//! [`Platform`] adds only behaviour the schema does not describe (a stable token's
//! refresh flag, answers outside the envelope) and, for platforms registered by hand
//! without meanings in their schema, explicit codes.
//!
//! # Registering a platform
//!
//! Once `generated/<platform>/` exists, add one function here and one line to
//! [`builtin`], as `wechat()` does:
//!
//! ```ignore
//! #[cfg(feature = "wechat")]
//! pub fn wechat() -> Platform {
//!     Platform::of::<miniapp::wechat::Wechat>().credentials(CHECKS)
//! }
//! ```
//!
//! Baidu's, Jucai's and WeChat Pay's rules sit in `*_with` functions over any endpoint
//! table, so that tests can register a subset (or an endpoint the schema does not have
//! yet). The envelope renderers for `errcode`, `errno_data`, `code_msg_data` and
//! `wechatpay_xml` are in `src/simulator/envelope.rs`.
//!
//! A platform whose answers depend on what happened before (WeChat Pay: an order is
//! placed, paid, refunded) also has a `serve` hook: once a request has passed every
//! generic check, the hook answers it from the platform's own state (see
//! `src/simulator/wechatpay/`).

use super::server::{Desk, Reply};
use miniapp::__private::{Meaning, Refusal};
use miniapp::runtime::signers::{InfallibleSigner, Signer};
use miniapp::runtime::{Auth, Code, Credentials, EndpointInfo, Envelope};
use serde_json::{Map, Value};

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
    /// Endpoints that answer outside the envelope (Baidu's session and OAuth token
    /// endpoints return their data bare).
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
    /// Answers from the platform's own state (WeChat Pay's orders), after the generic
    /// checks; `None` from the hook, or no hook: the docs' example.
    pub(crate) serve: Option<Serve>,
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
    fn(&super::server::Shared, usize, &super::request::Incoming) -> Result<(), (Meaning, String)>;

/// The whole answer to endpoint `Key` carrying the envelope's object.
pub(crate) type Respond = fn(
    &super::server::Shared,
    &super::server::State,
    super::server::Key,
    &super::request::Incoming,
    Value,
) -> miniapp::runtime::RawResponse;

/// An answer on a path that is no endpoint's (the path without the platform's prefix).
pub(crate) type Extra = fn(
    &super::server::Shared,
    &mut super::server::State,
    usize,
    &str,
    &super::request::Incoming,
) -> Option<miniapp::runtime::RawResponse>;

/// Writes an answer's body from the envelope's object (`envelope::success` or
/// `failure`), for the endpoint it answers (`None`: a refusal before any endpoint was
/// found, e.g. no operation named).
pub(crate) type Seal = fn(&Envelope, Option<&'static EndpointInfo>, &Value) -> String;

/// Answers a request that passed every generic check from the platform's own state;
/// `None`: the generic answer.
pub(crate) type Serve = fn(&mut Desk<'_>) -> Option<Reply>;

/// An endpoint whose success is the docs' example as it is, without the platform's
/// envelope, and whose failures may have their own shape.
#[derive(Debug, Clone, Copy)]
pub struct Bare {
    /// `group.docName`
    pub endpoint: &'static str,
    /// Builds a failure from the code and text; `None`: the platform's envelope.
    pub failure: Option<fn(&Code, &str) -> Value>,
}

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
            serve: None,
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
    // Only stateful platforms (WeChat Pay, Alipay) register a hook.
    #[cfg_attr(
        not(any(feature = "wechatpay", feature = "wechatpay_v3", feature = "alipay")),
        allow(dead_code)
    )]
    pub(crate) fn serve(mut self, serve: Serve) -> Self {
        self.serve = Some(serve);
        self
    }
    #[cfg_attr(not(feature = "alipay"), allow(dead_code))]
    pub(crate) fn seal(mut self, seal: Seal) -> Self {
        self.seal = Some(seal);
        self
    }
    // Only platforms that sign whole requests and answers (WeChat Pay API v3).
    #[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))]
    pub(crate) fn whole(mut self, authenticate: Authenticate, respond: Respond) -> Self {
        self.authenticate = Some(authenticate);
        self.respond = Some(respond);
        self
    }
    #[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))]
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

/// The codes an endpoint that checks the app's id and secret answers (a token
/// endpoint, code2Session).
///
/// Which endpoints check credentials, under which wire names, which fixed parameters
/// they require and which issue tokens all come from the generated [`EndpointInfo`]
/// (the schema's `auth`, `constants` and `tokens`); only the simulator's choice of
/// codes lives here. The values are looked up in the query, the JSON or form body, or
/// the multipart text parts.
#[derive(Debug, Clone)]
pub struct CredentialCheck {
    /// `group.docName`, as in [`EndpointInfo::name`].
    pub endpoint: &'static str,
    /// Explicit code and text for a wrong or missing app id (the endpoint's own doc
    /// text wins when its table lists the code); `None`: the schema's `wrong_app_id`.
    pub wrong_app_id: Option<(Code, &'static str)>,
    /// Explicit code and text for a wrong or missing secret; `None`: the schema's
    /// `wrong_secret`.
    pub wrong_secret: Option<(Code, &'static str)>,
    /// Explicit codes and texts for a fixed parameter (the schema's `constants`) that
    /// does not have its value, by parameter name; empty: the schema's
    /// `wrong_constant` (or `wrong_constant.<name>`).
    pub wrong_constant: &'static [(&'static str, Code, &'static str)],
    /// `Some(flag)` on a token endpoint: a "stable" token — the same token is answered
    /// while it is valid, unless the request sets `flag` to true (WeChat
    /// `force_refresh`), which issues a new one and invalidates the old. `None`: every
    /// call issues a new token (older ones stay valid until they expire, like WeChat's
    /// 5-minute overlap).
    pub stable_unless: Option<&'static str>,
}

/// The codes answered for endpoints that need an access token (its parameter name is
/// the schema's `auth`).
#[derive(Debug, Clone)]
pub struct AccessTokenRule {
    /// Code for a request without a token.
    pub missing: Code,
    /// Code for a token this simulator never issued (or issued for another platform,
    /// or invalidated).
    pub invalid: Code,
    /// Code for a token past its lifetime.
    pub expired: Code,
}

/// Signs fields with a key in a variant of the scheme (`None`: its default); `None` when
/// the scheme has no such variant.
pub type SignFields = fn(&Map<String, Value>, &str, Option<&str>) -> Option<String>;

/// Checks a request's signature: its body fields, the key and the variant the request
/// names; `Err(reason)` on rejection.
pub type VerifySign = fn(&Map<String, Value>, &str, Option<&str>) -> Result<(), String>;

/// A signature added to every answer (for `wechatpay_xml`, all but communication-level
/// refusals), and checked on every request to a signed endpoint, with the key given to [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key).
/// The field is the schema's (`auth: {kind: sign, field}`); [`SignRule::of`] takes the
/// algorithm from the runtime's signer that the schema's scheme names, and from what that
/// signer adds to every request, the fields naming the app, the merchant and a nonce.
#[derive(Debug, Clone)]
pub struct SignRule {
    /// Field holding the signature, in answers and in requests.
    pub field: &'static str,
    /// Computes the signature of the answer's top-level fields with the key, in the
    /// variant the request named.
    pub sign: SignFields,
    /// Checks the signature of a request's body fields (JSON object, form or XML) with
    /// the key; `Err` holds the reason. `None`: requests are not checked.
    pub verify: Option<VerifySign>,
    /// Code and text answered when [`SignRule::verify`] rejects a request.
    pub bad_sign: (Code, &'static str),
    /// Adds the reason of a rejection to `bad_sign`'s text (a diagnosis of this
    /// simulator's). `false` keeps the platform's exact text, which clients may compare.
    pub explain: bool,
    /// Request field naming the scheme's variant (WeChat Pay's `sign_type`): the request
    /// is checked, and its answer signed, in that variant.
    pub variant_field: Option<String>,
    /// Request field naming the app (WeChat Pay's `appid`): a request naming another app
    /// is refused with `wrong_identity`; every signed answer carries the app id.
    pub app_id_field: Option<String>,
    /// Request field naming the merchant (WeChat Pay's `mch_id`): required, and checked
    /// against [`SimulatorBuilder::merchant_id`](super::SimulatorBuilder::merchant_id);
    /// every signed answer carries it.
    pub merchant_field: Option<String>,
    /// Field of a fresh random text in every signed answer (WeChat Pay's `nonce_str`), so
    /// that no two answers sign the same text.
    pub nonce_field: Option<String>,
    /// Code and text answered to a request for another app or merchant.
    pub wrong_identity: (Code, &'static str),
}

impl SignRule {
    /// The rule of platform `P`: its schema's sign field and its signer's algorithm
    /// (with default options), answering `bad_sign` to a request whose sign fails (and
    /// to one for another app or merchant). `None` for a platform without a sign scheme.
    pub fn of<P>(bad_sign: (Code, &'static str)) -> Option<SignRule>
    where
        P: miniapp::runtime::Platform,
        P::Signer: InfallibleSigner,
    {
        let field = sign_field::<P>()?;
        let common = CommonFields::of::<P::Signer>();
        Some(SignRule {
            field,
            sign: sign::<P::Signer>,
            verify: Some(verify::<P::Signer>),
            bad_sign: bad_sign.clone(),
            explain: true,
            variant_field: None,
            app_id_field: common.app_id,
            merchant_field: common.merchant,
            nonce_field: common.nonce,
            wrong_identity: bad_sign,
        })
    }

    /// Reads each request's variant of the scheme from the field in which `P`'s signer
    /// names `known` (a variant the schema forces somewhere, e.g. `HMAC-SHA256`), if the
    /// signer has that variant and names it in a field.
    pub fn variant_from_request<P>(mut self, known: &str) -> Self
    where
        P: miniapp::runtime::Platform,
        P::Signer: InfallibleSigner,
    {
        let Some(signer) = probe_signer::<P::Signer>().with_variant(known) else {
            return self;
        };
        let mut fields = Map::new();
        signer.prepare(&mut fields);
        self.variant_field = fields
            .iter()
            .find(|(_, v)| v.as_str() == Some(known))
            .map(|(k, _)| k.clone());
        self
    }
}

fn probe_signer<S: InfallibleSigner>() -> S {
    let credentials = Credentials::new(PROBE_APP_ID, "probe-key").with_merchant_id(PROBE_MERCHANT);
    S::create(&credentials, &Default::default())
}

/// Recognisable credentials for [`CommonFields::of`].
const PROBE_APP_ID: &str = "\u{1}probe app id";
const PROBE_MERCHANT: &str = "\u{1}probe merchant id";

/// The fields a signer adds to every request it signs. Found by letting the runtime's
/// signer prepare two bodies with recognisable credentials, so that the simulator does
/// not restate the scheme: the field holding the app id, the merchant id, and the one
/// that differs between the two bodies (a nonce).
struct CommonFields {
    app_id: Option<String>,
    merchant: Option<String>,
    nonce: Option<String>,
}

impl CommonFields {
    fn of<S: InfallibleSigner>() -> CommonFields {
        let signer = probe_signer::<S>();
        let (mut first, mut second) = (Map::new(), Map::new());
        signer.prepare(&mut first);
        signer.prepare(&mut second);
        let holding = |value: &str| {
            first
                .iter()
                .find(|(_, v)| v.as_str() == Some(value))
                .map(|(k, _)| k.clone())
        };
        CommonFields {
            app_id: holding(PROBE_APP_ID),
            merchant: holding(PROBE_MERCHANT),
            nonce: first
                .iter()
                .find(|(k, v)| second.get(k.as_str()) != Some(v))
                .map(|(k, _)| k.clone()),
        }
    }
}

/// The signer of `S` for `key` in `variant` (`None`: the default one).
fn signer_for<S: InfallibleSigner>(key: &str, variant: Option<&str>) -> Option<S> {
    let signer = S::create(&Credentials::new("", key), &Default::default());
    match variant {
        None => Some(signer),
        Some(name) => signer.with_variant(name),
    }
}

fn sign<S: InfallibleSigner>(
    fields: &Map<String, Value>,
    key: &str,
    variant: Option<&str>,
) -> Option<String> {
    signer_for::<S>(key, variant)?.sign(fields).ok()
}

fn verify<S: InfallibleSigner>(
    fields: &Map<String, Value>,
    key: &str,
    variant: Option<&str>,
) -> Result<(), String> {
    match signer_for::<S>(key, variant) {
        Some(signer) => signer.verify(fields),
        None => Err(format!(
            "the sign scheme has no variant {:?}",
            variant.unwrap_or_default()
        )),
    }
}

/// The sign field of platform `P`'s signed endpoints, if it has any.
fn sign_field<P: miniapp::runtime::Platform>() -> Option<&'static str> {
    P::ENDPOINTS.iter().find_map(|e| match e.auth {
        Auth::Sign { field, .. } => Some(field),
        _ => None,
    })
}

/// Every platform compiled in (by cargo feature), in registration order.
///
/// Their paths do not collide today; if two ever do, both stay reachable under their
/// own prefix ([`Simulator::url`](super::Simulator::url)), see the module docs of
/// [`simulator`](super).
#[allow(clippy::vec_init_then_push)] // one `push` per platform, each behind its feature
pub fn builtin() -> Vec<Platform> {
    #[allow(unused_mut)]
    let mut platforms = Vec::new();
    #[cfg(feature = "wechat")]
    platforms.push(wechat());
    #[cfg(feature = "baidu")]
    platforms.push(baidu());
    #[cfg(feature = "jucai")]
    platforms.push(jucai());
    #[cfg(feature = "wechatpay")]
    platforms.push(wechatpay());
    #[cfg(feature = "wechatpay_v3")]
    platforms.push(wechatpay_v3());
    #[cfg(feature = "alipay")]
    platforms.push(alipay());
    platforms
}

/// WeChat mini program (`api.weixin.qq.com`): every code from the schema's meanings; the
/// stable token endpoint keeps its token unless asked to refresh it.
#[cfg(feature = "wechat")]
pub fn wechat() -> Platform {
    const CHECKS: &[CredentialCheck] = &[CredentialCheck {
        endpoint: "auth.getStableAccessToken",
        wrong_app_id: None,
        wrong_secret: None,
        wrong_constant: &[],
        stable_unless: Some("force_refresh"),
    }];
    Platform::of::<miniapp::wechat::Wechat>().credentials(CHECKS)
}

/// Baidu smart program (`openapi.baidu.com`, login on `spapi.baidu.com`):
/// the generated `miniapp::baidu::{ENDPOINTS, ENVELOPE}` with [`baidu_with`]'s rules.
///
/// Give it the AppKey and AppSecret the client uses with
/// [`SimulatorBuilder::credentials`](super::SimulatorBuilder::credentials)`("baidu", …)`
/// (default: the shared app id and secret). Point the client at
/// [`Simulator::url`](super::Simulator::url)`("baidu")` (or the root URL): its
/// `base_url` sends the `spapi` host there too.
#[cfg(feature = "baidu")]
pub fn baidu() -> Platform {
    use miniapp::__private::Platform as _;
    baidu_with(miniapp::baidu::ENDPOINTS, miniapp::baidu::ENVELOPE)
        .refusals(miniapp::baidu::Baidu::REFUSALS)
}

/// Jucai (巨彩商服) aggregator: the generated
/// `miniapp::jucai::{ENDPOINTS, ENVELOPE}` with [`jucai_with`]'s rules.
///
/// Give it the merchant key with
/// [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key)`("jucai", key)`
/// (default: the shared secret); the client is
/// `miniapp::jucai::Client::builder(sim.url("jucai"), key)`.
#[cfg(feature = "jucai")]
pub fn jucai() -> Platform {
    jucai_with(miniapp::jucai::ENDPOINTS, miniapp::jucai::ENVELOPE)
}

/// Baidu's wire rules (`schema/baidu/`) over an endpoint table —
/// `baidu()` (feature `baidu`) passes the generated one; tests may pass their own subset.
///
/// * `auth.jscode2SessionKey` (POST form `code` + `client_id` + `sk`): checks the AppKey
///   and AppSecret, answers the bare `{openid, session_key}`; failures are
///   `{errno, error, error_description}` (only `10010100` is documented).
/// * `auth.getAccessToken` (GET query `client_id` + `client_secret`,
///   `grant_type=client_credentials`, `scope=smartapp_snsapi_base`): issues a token
///   (every call a new one), answered bare; failures are OAuth2.0
///   `{error, error_description}` without an errno ([`baidu_oauth_error`]).
/// * everything else in the `{errno, errmsg, request_id, data}` envelope; the access token
///   travels in the query as `access_token`. Its codes, and a missing field's, are the
///   schema's meanings (the platform's common errors: `110`, `111`, `400`, unconfirmed
///   for smart programs and marked so there), given with [`Platform::refusals`] by
///   `baidu()`.
/// * The OAuth2.0 token endpoint's failures carry no errno on the wire: the codes given
///   here are what the request log records.
pub fn baidu_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    const CHECKS: &[CredentialCheck] = &[CredentialCheck {
        endpoint: "auth.getAccessToken",
        // The code is recorded in the log only: OAuth2.0 errors carry none.
        wrong_app_id: Some((Code::Int(10010100), "invalid_client: unknown client id")),
        wrong_secret: Some((
            Code::Int(10010100),
            "invalid_client: Client authentication failed",
        )),
        wrong_constant: &[
            (
                "grant_type",
                Code::Int(10010100),
                "unsupported_grant_type: The authorization grant type is not supported",
            ),
            (
                "scope",
                Code::Int(10010100),
                "invalid_scope: The requested scope is invalid, unknown, or malformed",
            ),
        ],
        stable_unless: None,
    }];
    fn session_error(code: &Code, text: &str) -> Value {
        serde_json::json!({"errno": code, "error": "invalid_param", "error_description": text})
    }
    const BARE: &[Bare] = &[
        Bare {
            endpoint: "auth.jscode2SessionKey",
            failure: Some(session_error),
        },
        Bare {
            endpoint: "auth.getAccessToken",
            failure: Some(baidu_oauth_error),
        },
    ];
    Platform::new("baidu", endpoints, envelope)
        .credentials(CHECKS)
        .bare(BARE)
}

/// An OAuth2.0 error answer `{error, error_description}` (Baidu's token endpoint).
///
/// `text` may start with the OAuth error name (`invalid_client: unknown client id`);
/// otherwise — a failure forced with `fail_next`, whose code OAuth2.0 cannot carry — the
/// error is `server_error` and the description names the code.
pub fn baidu_oauth_error(code: &Code, text: &str) -> Value {
    let named = text.split_once(": ").filter(|(name, _)| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    });
    match named {
        Some((error, description)) => {
            serde_json::json!({"error": error, "error_description": description})
        }
        None => serde_json::json!({
            "error": "server_error",
            "error_description": format!("{text} (code {code})"),
        }),
    }
}

/// Jucai's wire rules (`schema/jucai/`) over an endpoint table —
/// `jucai()` (feature `jucai`) passes the generated one.
///
/// No token and no app credentials: every request's JSON body carries a `sign`, which is
/// verified with [`miniapp::crypto::sign::jucai_verify`] and the merchant key (lowercase
/// hex, as in the docs' examples); a missing or wrong sign answers the schema's `bad_sign`
/// code (`{code: 401, msg: "签名错误: …", data: null}`). Every answer — errors included —
/// is signed with [`miniapp::crypto::sign::jucai_sign`] and the same key. **The sign
/// scheme and the codes are unconfirmed** (no public 应答码表): the schema marks its
/// 400 and 401 so.
#[cfg(feature = "jucai")]
pub fn jucai_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    use miniapp::__private::Platform as _;
    use miniapp::jucai::Jucai;
    let platform = Platform::new("jucai", endpoints, envelope).refusals(Jucai::REFUSALS);
    // The schema's `jucai_md5` scheme: the runtime's signer, its field from the schema.
    match SignRule::of::<Jucai>(schema_refusal(Jucai::REFUSALS, Meaning::BadSign)) {
        Some(rule) => platform.sign(rule),
        None => platform,
    }
}

/// WeChat Pay v2 (`api.mch.weixin.qq.com`): the generated
/// `miniapp::wechatpay::{ENDPOINTS, ENVELOPE}` with [`wechatpay_with`]'s rules.
///
/// The client is `miniapp::wechatpay::Client::builder(app_id, mch_id, key)` with
/// `.base_url(sim.url("wechatpay"))`: the app id of
/// [`SimulatorBuilder::app_id`](super::SimulatorBuilder::app_id) (or `credentials`),
/// the merchant id of [`SimulatorBuilder::merchant_id`](super::SimulatorBuilder::merchant_id)
/// and the API key of [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key)`("wechatpay", key)`
/// (default: the shared secret).
#[cfg(feature = "wechatpay")]
pub fn wechatpay() -> Platform {
    wechatpay_with(miniapp::wechatpay::ENDPOINTS, miniapp::wechatpay::ENVELOPE)
}

/// WeChat Pay's wire rules (`schema/wechatpay/`) over an endpoint table — `wechatpay()`
/// (feature `wechatpay`) passes the generated one.
///
/// * XML both ways. A body that is not a flat XML document (a DOCTYPE among them)
///   answers `return_code FAIL`, `XML格式错误`; a missing required field `FAIL`,
///   `缺少参数: …`.
/// * Every request's `sign` is checked with the API key in the request's own `sign_type`
///   (MD5 by default, or HMAC-SHA256); a missing or wrong sign, or another `sign_type`,
///   answers `return_code FAIL`, `return_msg 签名错误`, unsigned, as WeChat Pay does. A
///   request naming another `mch_id` (or another `appid`) answers `FAIL`,
///   `appid和mch_id不匹配`; one without `mch_id` too. One without `appid` is served (the
///   sandbox key request has none).
/// * Every other answer is signed with the key and `sign_type` the request used and
///   carries `appid`, `mch_id` and a fresh `nonce_str`; business refusals are
///   `result_code FAIL` with `err_code` and `err_code_des`.
/// * Orders, refunds, bills and the sandbox key come from the merchant's state: see
///   [`simulator::wechatpay`](super::wechatpay).
///
/// Served over plain HTTP, the simulator cannot ask for the merchant's client
/// certificate: refunds and fund-flow bills are answered whether or not the client
/// presents one (the client still needs one configured to send those calls).
#[cfg(feature = "wechatpay")]
pub fn wechatpay_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    use miniapp::runtime::{Endpoint, Platform as _};
    use miniapp::wechatpay::{pay::DownloadFundflowRequest, WechatPay};
    let platform = Platform::new(WechatPay::NAME, endpoints, envelope)
        .refusals(WechatPay::REFUSALS)
        .serve(super::wechatpay::serve);
    let bad_sign = schema_refusal(WechatPay::REFUSALS, Meaning::BadSign);
    let Some(mut rule) = SignRule::of::<WechatPay>(bad_sign) else {
        return platform;
    };
    // The fund flow's forced variant names the field every request carries its own in.
    if let Some(variant) = DownloadFundflowRequest::SIGN_VARIANT {
        rule = rule.variant_from_request::<WechatPay>(variant);
    }
    rule.explain = false;
    rule.wrong_identity = schema_refusal(WechatPay::REFUSALS, Meaning::WrongIdentity);
    platform.sign(rule)
}

/// WeChat Pay API v3 (`api.mch.weixin.qq.com/v3/…`): the generated
/// `miniapp::wechatpay_v3::{ENDPOINTS, ENVELOPE}` with the merchant of
/// [`simulator::wechatpay_v3`](super::wechatpay_v3).
///
/// * JSON both ways; every request signed whole in `Authorization:
///   WECHATPAY2-SHA256-RSA2048 …` (method, path and query as received, timestamp, nonce,
///   exact body) with the merchant's API key, for the simulator's `mchid` and merchant
///   certificate serial, the timestamp within 5 minutes: else HTTP 401 `SIGN_ERROR`.
///   A body that is not JSON, a missing or malformed field: 400 `PARAM_ERROR`; another
///   `appid` or `mchid`: 400 `APPID_MCHID_NOT_MATCH`.
/// * Every answer — refusals too — in the status its code is documented with, signed
///   in `Wechatpay-*` headers with the WeChat Pay public key or a platform certificate,
///   as the key mode says (see [`WechatPayV3KeyMode`](super::wechatpay_v3::WechatPayV3KeyMode)).
#[cfg(feature = "wechatpay_v3")]
pub fn wechatpay_v3() -> Platform {
    use miniapp::runtime::Platform as _;
    use miniapp::wechatpay_v3::WechatPayV3;
    Platform::new(
        WechatPayV3::NAME,
        miniapp::wechatpay_v3::ENDPOINTS,
        miniapp::wechatpay_v3::ENVELOPE,
    )
    .refusals(WechatPayV3::REFUSALS)
    .serve(super::wechatpay_v3::serve)
    .whole(
        super::wechatpay_v3::authenticate,
        super::wechatpay_v3::respond,
    )
    .extra(super::wechatpay_v3::extra)
}

/// Alipay open platform (`openapi.alipay.com/gateway.do`): the generated
/// `miniapp::alipay::{ENDPOINTS, ENVELOPE}` with [`alipay_with`]'s rules.
///
/// The client is
/// `miniapp::alipay::Client::builder(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)`
/// with `.base_url(sim.url("alipay"))` (constants of [`simulator::alipay`](super::alipay),
/// test keys only). Another app id: [`SimulatorBuilder::credentials`](super::SimulatorBuilder::credentials)`("alipay", app_id, "")`;
/// another app key pair: give its public key (PEM or bare base64) to
/// [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key)`("alipay", key)`.
#[cfg(feature = "alipay")]
pub fn alipay() -> Platform {
    alipay_with(miniapp::alipay::ENDPOINTS, miniapp::alipay::ENVELOPE)
}

/// Alipay's wire rules (`schema/alipay/`) over an endpoint table — `alipay()` (feature
/// `alipay`) passes the generated one.
///
/// * One gateway, `POST /gateway.do` with a form body; the endpoint is the one whose
///   constants the request carries (`method`, and `grant_type` for the two
///   `alipay.system.oauth.token` endpoints). No `method`: 40001 `isv.missing-method`;
///   one that no endpoint has: 40002 `isv.invalid-method`; a `grant_type` neither
///   endpoint has: `isv.grant-type-invalid`.
/// * Every request's `sign` is checked: RSA2 over every other non-empty parameter,
///   sorted, raw values, with the app's public key (the simulator's sign key for
///   `alipay`; default [`APP_PUBLIC_KEY`](super::alipay::APP_PUBLIC_KEY)). A missing or
///   wrong sign, or a `sign_type` other than RSA2: 40002 `isv.invalid-signature`; another
///   `app_id`: 40002 `isv.invalid-app-id`.
/// * Every answer is `{"<method>_response": {code, msg, …}, "sign": …}` signed over the
///   member's exact text with the simulator's Alipay key (whose public half is
///   [`ALIPAY_PUBLIC_KEY`](super::alipay::ALIPAY_PUBLIC_KEY)); refusals of the gateway
///   (sign, app id, method, timestamp) and every refusal of `alipay.system.oauth.token`
///   sit under `error_response`, signed the same way. A missing required business
///   field: 40004 `ACQ.INVALID_PARAMETER`.
/// * Trades, refunds and logins come from the merchant's state: see
///   [`simulator::alipay`](super::alipay).
#[cfg(feature = "alipay")]
pub fn alipay_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    use miniapp::alipay::{trade::CreateRequest, Alipay};
    use miniapp::runtime::{Endpoint, Platform as _};
    let platform = Platform::new(Alipay::NAME, endpoints, envelope)
        .refusals(Alipay::REFUSALS)
        .packed_into(CreateRequest::PACK_INTO)
        .serve(super::alipay::serve)
        .seal(super::alipay::seal)
        .extra(super::alipay::extra);
    let Some(field) = sign_field::<Alipay>() else {
        return platform;
    };
    platform.sign(SignRule {
        field,
        sign: super::alipay::sign_fields,
        verify: Some(super::alipay::verify_request),
        bad_sign: schema_refusal(Alipay::REFUSALS, Meaning::BadSign),
        explain: true,
        variant_field: None,
        app_id_field: super::alipay::app_id_field(),
        merchant_field: None,
        nonce_field: None,
        wrong_identity: schema_refusal(Alipay::REFUSALS, Meaning::WrongIdentity),
    })
}

/// The code and text `refusals` gives `meaning`, or the simulator's generic refusal.
pub fn schema_refusal(refusals: &'static [Refusal], meaning: Meaning) -> (Code, &'static str) {
    Refusal::find(refusals, meaning, None).map_or_else(
        || (Code::from(UNDOCUMENTED), "refused by the simulator"),
        |r| (r.code.clone(), r.message),
    )
}

/// The code of a refusal the schema gives no code to (a platform registered by hand
/// without meanings).
pub const UNDOCUMENTED: &str = "SIMULATOR_REFUSED";

#[cfg(all(test, feature = "wechatpay", feature = "jucai"))]
mod tests {
    use super::*;

    /// The fields of WeChat Pay's common request part come from its signer, not from a
    /// list here; Jucai's signer adds none.
    #[test]
    fn sign_rules_learn_the_common_fields_from_the_signer() {
        let pay = wechatpay().sign.unwrap();
        assert_eq!(pay.field, "sign");
        assert_eq!(pay.app_id_field.as_deref(), Some("appid"));
        assert_eq!(pay.merchant_field.as_deref(), Some("mch_id"));
        assert_eq!(pay.nonce_field.as_deref(), Some("nonce_str"));
        assert_eq!(pay.variant_field.as_deref(), Some("sign_type"));
        assert!(!pay.explain);
        let jucai = jucai().sign.unwrap();
        let none = [
            &jucai.app_id_field,
            &jucai.merchant_field,
            &jucai.nonce_field,
            &jucai.variant_field,
        ];
        assert!(none.iter().all(|f| f.is_none()) && jucai.explain);
    }

    /// Variants sign and verify in kind; a variant the scheme lacks is refused.
    #[test]
    fn variants_sign_and_verify_in_kind() {
        let rule = wechatpay().sign.unwrap();
        let mut fields = Map::new();
        fields.insert("out_trade_no".into(), "1".into());
        let hmac = (rule.sign)(&fields, "k", Some("HMAC-SHA256")).unwrap();
        let md5 = (rule.sign)(&fields, "k", None).unwrap();
        assert_eq!((hmac.len(), md5.len()), (64, 32));
        assert_eq!((rule.sign)(&fields, "k", Some("SHA1")), None);
        fields.insert("sign".into(), hmac.into());
        let verify = rule.verify.unwrap();
        assert!(verify(&fields, "k", Some("HMAC-SHA256")).is_ok());
        assert!(verify(&fields, "k", None).is_err());
        assert!(verify(&fields, "other", Some("HMAC-SHA256")).is_err());
        assert!(verify(&fields, "k", Some("SHA1")).is_err());
    }
}
