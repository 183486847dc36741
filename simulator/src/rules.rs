//! The rules a platform's requests are checked by that need no server state: the
//! codes for wrong credentials and tokens ([`CredentialCheck`], [`AccessTokenRule`]),
//! endpoints answered outside the envelope that the schema does not mark ([`Bare`]), and the sign rule
//! ([`SignRule::of`]: the field from the schema, the algorithm from the runtime's
//! signer). Every wire fact comes from the generated tables; the codes from the
//! schema's `means:` ([`schema_refusal`]). A platform ([`Platform`](super::engine::Platform),
//! in `engine.rs`) is built from these; nothing here names a platform.

use miniapp::__private::{Meaning, Refusal};
use miniapp::runtime::signers::{InfallibleSigner, Signer};
use miniapp::runtime::{Auth, Code, Credentials};
use serde_json::{Map, Value};

/// An endpoint whose success is the docs' example as it is, without the platform's
/// envelope, and whose failures may have their own shape — for an endpoint the schema
/// does not mark: the schema's `bare: true` ([`EndpointInfo::bare`](miniapp::runtime::EndpointInfo::bare))
/// needs no entry here, its refusals are written in the envelope's OAuth2.0 fields.
#[derive(Debug, Clone, Copy)]
pub struct Bare {
    /// `group.docName`
    pub endpoint: &'static str,
    /// Builds a failure from the code and text; `None`: the envelope's OAuth2.0 fields
    /// (`envelope::bare_failure`), or the envelope itself where it has none.
    pub failure: Option<fn(&Code, &str) -> Value>,
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
/// they require and which issue tokens all come from the generated [`EndpointInfo`](miniapp::runtime::EndpointInfo)
/// (the schema's `auth`, `constants` and `tokens`); only the simulator's choice of
/// codes lives here. The values are looked up in the query, the JSON or form body, or
/// the multipart text parts.
#[derive(Debug, Clone)]
pub struct CredentialCheck {
    /// `group.docName`, as in [`EndpointInfo::name`](miniapp::runtime::EndpointInfo::name).
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
