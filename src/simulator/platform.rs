//! The registry of simulated platforms: what the simulator knows about each one.
//!
//! Every wire fact comes from the generated platform ([`Platform::of`]): its endpoints
//! ([`EndpointInfo`]: paths, hosts, which endpoints check the app's credentials and
//! under which wire names, their fixed parameters, which issue access tokens and in
//! which fields, the access token's parameter, the sign field), its envelope, and the
//! algorithm of its signer ([`SignRule::of`]). A [`Platform`] adds only the
//! simulator's behaviour: which documented code it answers for a wrong secret, a
//! missing token or a missing field.
//!
//! # Registering a platform
//!
//! Once `generated/<platform>/` exists, add one function here and one line to
//! [`builtin`], as `wechat()` does:
//!
//! ```ignore
//! #[cfg(feature = "wechat")]
//! pub fn wechat() -> Platform {
//!     Platform::of::<crate::wechat::Wechat>().credentials(CHECKS).missing_field(Code::Int(47001), "…")
//! }
//! ```
//!
//! Baidu's and Jucai's rules sit in `*_with` functions over any endpoint table, so that
//! tests can register a subset. The envelope renderers for `errcode`, `errno_data` and
//! `code_msg_data` are in `src/simulator/envelope.rs`.

use crate::runtime::signers::InfallibleSigner;
use crate::runtime::{Auth, Code, Credentials, EndpointInfo, Envelope};
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
    /// Endpoints that authenticate with the app's id and secret.
    pub credentials: &'static [CredentialCheck],
    /// How endpoints with `needs_access_token` are checked.
    pub access_token: AccessTokenRule,
    /// Code and text answered when a required field is missing.
    pub missing_field: (Code, &'static str),
    /// Code and text answered when a JSON body does not parse.
    pub bad_body: (Code, &'static str),
    /// Signs every JSON answer under this field with the key given to
    /// [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key) (Jucai).
    pub sign: Option<SignRule>,
    /// Endpoints that answer outside the envelope (Baidu's session and OAuth token
    /// endpoints return their data bare).
    pub bare: &'static [Bare],
}

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
    /// The simulated platform of a generated one: its name, endpoints and envelope,
    /// with WeChat-like defaults for the codes (refine with the methods below).
    pub fn of<P: crate::runtime::Platform>() -> Platform {
        Platform::new(P::NAME, P::ENDPOINTS, P::ENVELOPE)
    }

    /// A platform with WeChat-like defaults for everything the generated module does
    /// not say; refine with the methods below.
    pub fn new(
        name: &'static str,
        endpoints: &'static [EndpointInfo],
        envelope: Envelope,
    ) -> Platform {
        Platform {
            name,
            endpoints,
            envelope,
            credentials: &[],
            access_token: AccessTokenRule::WECHAT,
            missing_field: (Code::Int(47001), "data format error"),
            bad_body: (Code::Int(47001), "data format error"),
            sign: None,
            bare: &[],
        }
    }
    pub fn credentials(mut self, checks: &'static [CredentialCheck]) -> Self {
        self.credentials = checks;
        self
    }
    pub fn access_token(mut self, rule: AccessTokenRule) -> Self {
        self.access_token = rule;
        self
    }
    pub fn missing_field(mut self, code: impl Into<Code>, text: &'static str) -> Self {
        self.missing_field = (code.into(), text);
        self
    }
    pub fn bad_body(mut self, code: impl Into<Code>, text: &'static str) -> Self {
        self.bad_body = (code.into(), text);
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
    /// Code and fallback text for a wrong or missing app id. The text of the
    /// endpoint's own errors table wins when it lists the code.
    pub wrong_app_id: (Code, &'static str),
    /// Code and fallback text for a wrong or missing secret.
    pub wrong_secret: (Code, &'static str),
    /// Code and text for a fixed parameter (the schema's `constants`) that does not
    /// have its value, by parameter name (WeChat `grant_type` → 40002); a constant not
    /// listed here answers the first entry's code, or the platform's `missing_field`.
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

impl AccessTokenRule {
    /// WeChat: 41001 missing, 40001 invalid, 42001 expired.
    pub const WECHAT: AccessTokenRule = AccessTokenRule {
        missing: Code::Int(41001),
        invalid: Code::Int(40001),
        expired: Code::Int(42001),
    };
}

/// Checks a request's signature: its body fields and the key; `Err(reason)` on rejection.
pub type VerifySign = fn(&Map<String, Value>, &str) -> Result<(), String>;

/// A signature added to every JSON answer, and checked on every signed request, with
/// the key given to [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key).
/// The field is the schema's (`auth: {kind: sign, field}`); [`SignRule::of`] takes the
/// algorithm from the runtime's signer that the schema's scheme names.
#[derive(Debug, Clone)]
pub struct SignRule {
    /// Field holding the signature, in answers and in requests.
    pub field: &'static str,
    /// Computes the signature of the answer's top-level fields with the key.
    pub sign: fn(&Map<String, Value>, &str) -> String,
    /// Checks the signature of a request's body fields (JSON object or form) with the
    /// key; `Err` holds the reason, sent back in the answer's text. `None`: requests are
    /// not checked.
    pub verify: Option<VerifySign>,
    /// Code and text answered when [`SignRule::verify`] rejects a request.
    pub bad_sign: (Code, &'static str),
}

impl SignRule {
    /// The rule of platform `P`: its schema's sign field and its signer's algorithm
    /// (with default options), answering `bad_sign` to a request whose sign fails.
    /// `None` for a platform without a sign scheme.
    pub fn of<P>(bad_sign: (Code, &'static str)) -> Option<SignRule>
    where
        P: crate::runtime::Platform,
        P::Signer: InfallibleSigner,
    {
        fn signer<S: InfallibleSigner>(key: &str) -> S {
            S::create(&Credentials::new("", key), &Default::default())
        }
        fn sign<S: InfallibleSigner>(fields: &Map<String, Value>, key: &str) -> String {
            signer::<S>(key).sign(fields).unwrap_or_default()
        }
        fn verify<S: InfallibleSigner>(
            fields: &Map<String, Value>,
            key: &str,
        ) -> Result<(), String> {
            signer::<S>(key).verify(fields)
        }
        let field = sign_field::<P>()?;
        Some(SignRule {
            field,
            sign: sign::<P::Signer>,
            verify: Some(verify::<P::Signer>),
            bad_sign,
        })
    }
}

/// The sign field of platform `P`'s signed endpoints, if it has any.
fn sign_field<P: crate::runtime::Platform>() -> Option<&'static str> {
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
    platforms
}

/// WeChat mini program (`api.weixin.qq.com`).
#[cfg(feature = "wechat")]
pub fn wechat() -> Platform {
    const GRANT: &[(&str, Code, &str)] = &[("grant_type", Code::Int(40002), "invalid grant_type")];
    const CHECKS: &[CredentialCheck] = &[
        CredentialCheck {
            endpoint: "auth.getAccessToken",
            wrong_app_id: (Code::Int(40013), "invalid appid"),
            wrong_secret: (Code::Int(40001), "invalid credential"),
            wrong_constant: GRANT,
            stable_unless: None,
        },
        CredentialCheck {
            endpoint: "auth.getStableAccessToken",
            wrong_app_id: (Code::Int(40013), "invalid appid"),
            wrong_secret: (Code::Int(40125), "invalid appsecret"),
            wrong_constant: GRANT,
            stable_unless: Some("force_refresh"),
        },
        CredentialCheck {
            endpoint: "auth.code2Session",
            wrong_app_id: (Code::Int(40013), "invalid appid"),
            wrong_secret: (Code::Int(40125), "invalid appsecret"),
            wrong_constant: GRANT,
            stable_unless: None,
        },
    ];
    Platform::of::<crate::wechat::Wechat>()
        .credentials(CHECKS)
        .access_token(AccessTokenRule::WECHAT)
        .missing_field(Code::Int(47001), "data format error")
        .bad_body(Code::Int(47001), "data format error")
}

/// Baidu smart program (`openapi.baidu.com`, login on `spapi.baidu.com`):
/// the generated `crate::baidu::{ENDPOINTS, ENVELOPE}` with [`baidu_with`]'s rules.
///
/// Give it the AppKey and AppSecret the client uses with
/// [`SimulatorBuilder::credentials`](super::SimulatorBuilder::credentials)`("baidu", …)`
/// (default: the shared app id and secret). Point the client at
/// [`Simulator::url`](super::Simulator::url)`("baidu")` (or the root URL): its
/// `base_url` sends the `spapi` host there too.
#[cfg(feature = "baidu")]
pub fn baidu() -> Platform {
    baidu_with(crate::baidu::ENDPOINTS, crate::baidu::ENVELOPE)
}

/// Jucai (巨彩商服) aggregator: the generated
/// `crate::jucai::{ENDPOINTS, ENVELOPE}` with [`jucai_with`]'s rules.
///
/// Give it the merchant key with
/// [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key)`("jucai", key)`
/// (default: the shared secret); the client is
/// `miniapp::jucai::Client::builder(sim.url("jucai"), key)`.
#[cfg(feature = "jucai")]
pub fn jucai() -> Platform {
    jucai_with(crate::jucai::ENDPOINTS, crate::jucai::ENVELOPE)
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
///   travels in the query as `access_token`. A missing or unknown token answers errno
///   `110`, an expired one `111` — Baidu's open-platform codes ("Access token invalid or
///   no longer valid" / "expired"), **unconfirmed** for smart programs: the schema's
///   errors tables do not list them, so clients see them as `Other`.
/// * a missing required field: errno `400` 参数错误 (getunionid's documented code).
pub fn baidu_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    const CHECKS: &[CredentialCheck] = &[
        CredentialCheck {
            endpoint: "auth.getAccessToken",
            // The code is recorded in the log only: OAuth2.0 errors carry none.
            wrong_app_id: (Code::Int(10010100), "invalid_client: unknown client id"),
            wrong_secret: (
                Code::Int(10010100),
                "invalid_client: Client authentication failed",
            ),
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
        },
        CredentialCheck {
            endpoint: "auth.jscode2SessionKey",
            wrong_app_id: (Code::Int(10010100), "parameter is invalid: client_id"),
            wrong_secret: (Code::Int(10010100), "parameter is invalid: sk"),
            wrong_constant: &[],
            stable_unless: None,
        },
    ];
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
        .access_token(AccessTokenRule {
            missing: Code::Int(110),
            invalid: Code::Int(110),
            expired: Code::Int(111),
        })
        .missing_field(Code::Int(400), "参数错误")
        .bad_body(Code::Int(400), "参数错误")
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
/// verified with [`crate::crypto::sign::jucai_verify`] and the merchant key (lowercase
/// hex, as in the docs' examples); a missing or wrong sign answers
/// `{code: 401, msg: "签名错误: …", data: null}`. Every answer — errors included — is
/// signed with [`crate::crypto::sign::jucai_sign`] and the same key. **The sign scheme and
/// the codes are unconfirmed** (no public 应答码表): 401 for a bad sign and 400 参数错误
/// for a missing field are this simulator's choices.
#[cfg(feature = "jucai")]
pub fn jucai_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    let platform = Platform::new("jucai", endpoints, envelope)
        .missing_field(Code::Int(400), "参数错误")
        .bad_body(Code::Int(400), "参数错误");
    // The schema's `jucai_md5` scheme: the runtime's signer, its field from the schema.
    match SignRule::of::<crate::jucai::Jucai>((Code::Int(401), "签名错误")) {
        Some(rule) => platform.sign(rule),
        None => platform,
    }
}
