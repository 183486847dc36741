//! What the simulator knows about one platform ([`Platform`]) and the rules it checks
//! requests by, for any platform: every wire fact comes from the generated platform
//! ([`Platform::of`]): its endpoints ([`EndpointInfo`]: paths, hosts, which endpoints
//! check the app's credentials and under which wire names, their fixed parameters,
//! which issue access tokens and in which fields, the access token's parameter, the sign
//! field), its envelope, and the algorithm of its signer ([`SignRule::of`]) — and the
//! codes it refuses requests with: the schema's `means:` of its error codes (a wrong
//! secret, a missing token, a missing field, a bad sign: `EndpointInfo::refusals` and the
//! platform's `REFUSALS`). A [`Platform`] adds only behaviour the schema does not
//! describe (a stable token's refresh flag, answers outside the envelope), explicit
//! codes for platforms registered by hand without meanings in their schema, and — for a
//! platform whose answers depend on what happened before — its merchant
//! (merchant (`src/merchant.rs`)). Nothing here names a platform: the
//! registry of the built-in ones is [`platform`](super::platform).

use super::merchant::Registration;
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
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub(crate) fn own_credentials(mut self, credentials: OwnCredentials) -> Self {
        self.own_credentials = Some(credentials);
        self
    }
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub(crate) fn seal(mut self, seal: Seal) -> Self {
        self.seal = Some(seal);
        self
    }
    /// For platforms that sign whole requests and answers.
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub(crate) fn whole(mut self, authenticate: Authenticate, respond: Respond) -> Self {
        self.authenticate = Some(authenticate);
        self.respond = Some(respond);
        self
    }
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
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

/// A platform's default app id, secret and sign key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OwnCredentials {
    pub app_id: &'static str,
    pub secret: &'static str,
    pub sign_key: &'static str,
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
pub(crate) fn sign_field<P: miniapp::runtime::Platform>() -> Option<&'static str> {
    P::ENDPOINTS.iter().find_map(|e| match e.auth {
        Auth::Sign { field, .. } => Some(field),
        _ => None,
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
