//! The registry of simulated platforms: what the simulator knows about each one.
//!
//! Almost everything comes from the generated module (`ENDPOINTS`, `ENVELOPE`); a
//! [`Platform`] adds the few wire facts the schema does not put into
//! [`EndpointInfo`]: which endpoints check the app's
//! credentials (and under which wire names), which of them issue access tokens, and
//! the codes the platform answers for a missing token or a missing field.
//!
//! # Registering a platform
//!
//! Once `generated/<platform>/` exists, add one function here and one line to
//! [`builtin`], as `baidu()` and `jucai()` do:
//!
//! ```ignore
//! #[cfg(feature = "baidu")]
//! pub fn baidu() -> Platform {
//!     baidu_with(crate::baidu::ENDPOINTS, crate::baidu::ENVELOPE)
//! }
//! ```
//!
//! where the `*_with` function holds the platform's rules ([`CredentialCheck`]s,
//! [`AccessTokenRule`], [`Bare`] endpoints, a [`SignRule`]) over any endpoint table, so
//! that tests can register a subset. The envelope renderers for `errcode`, `errno_data`
//! and `code_msg_data` are in `src/simulator/envelope.rs`.

use crate::runtime::{EndpointInfo, Envelope};
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
    pub missing_field: (i64, &'static str),
    /// Code and text answered when a JSON body does not parse.
    pub bad_body: (i64, &'static str),
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
    pub failure: Option<fn(i64, &str) -> Value>,
}

impl Platform {
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
            missing_field: (47001, "data format error"),
            bad_body: (47001, "data format error"),
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
    pub fn missing_field(mut self, code: i64, text: &'static str) -> Self {
        self.missing_field = (code, text);
        self
    }
    pub fn bad_body(mut self, code: i64, text: &'static str) -> Self {
        self.bad_body = (code, text);
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

/// An endpoint that checks the app's id and secret (a token endpoint, code2Session).
///
/// The values are looked up under these wire names in the query, the JSON or form
/// body, or the multipart text parts.
#[derive(Debug, Clone, Copy)]
pub struct CredentialCheck {
    /// `group.docName`, as in [`EndpointInfo::name`].
    pub endpoint: &'static str,
    /// Wire name of the app id (`appid`, Baidu `client_id`).
    pub app_id: &'static str,
    /// Wire name of the secret (`secret`, Baidu `sk` / `client_secret`).
    pub secret: &'static str,
    /// Code and fallback text for a wrong or missing app id. The text of the
    /// endpoint's own errors table wins when it lists the code.
    pub wrong_app_id: (i64, &'static str),
    /// Code and fallback text for a wrong or missing secret.
    pub wrong_secret: (i64, &'static str),
    /// Parameters that must have exactly this value: `(name, value, code, text)`
    /// (WeChat `grant_type=client_credential` → 40002).
    pub fixed: &'static [(&'static str, &'static str, i64, &'static str)],
    /// This endpoint issues access tokens.
    pub issues_token: Option<TokenIssue>,
}

/// How a token endpoint answers: fields of the answer to fill in.
#[derive(Debug, Clone, Copy)]
pub struct TokenIssue {
    /// Field of the answer holding the token (`access_token`).
    pub token_field: &'static str,
    /// Field of the answer holding the lifetime in seconds (`expires_in`).
    pub expires_field: &'static str,
    /// `Some(flag)`: a "stable" token — the same token is answered while it is valid,
    /// unless the request sets `flag` to true (WeChat `force_refresh`), which issues a
    /// new one and invalidates the old. `None`: every call issues a new token (older
    /// ones stay valid until they expire, like WeChat's 5-minute overlap).
    pub stable_unless: Option<&'static str>,
}

/// How endpoints with `needs_access_token` are checked.
#[derive(Debug, Clone, Copy)]
pub struct AccessTokenRule {
    /// Query parameter carrying the token.
    pub param: &'static str,
    /// Code for a request without a token.
    pub missing: i64,
    /// Code for a token this simulator never issued (or issued for another platform,
    /// or invalidated).
    pub invalid: i64,
    /// Code for a token past its lifetime.
    pub expired: i64,
}

impl AccessTokenRule {
    /// WeChat: 41001 missing, 40001 invalid, 42001 expired.
    pub const WECHAT: AccessTokenRule = AccessTokenRule {
        param: "access_token",
        missing: 41001,
        invalid: 40001,
        expired: 42001,
    };
}

/// Checks a request's signature: its body fields and the key; `Err(reason)` on rejection.
pub type VerifySign = fn(&Map<String, Value>, &str) -> Result<(), String>;

/// A signature added to every JSON answer, and checked on every request (Jucai `sign`),
/// with the key given to [`SimulatorBuilder::sign_key`](super::SimulatorBuilder::sign_key).
#[derive(Debug, Clone, Copy)]
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
    pub bad_sign: (i64, &'static str),
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

/// WeChat mini program (`api.weixin.qq.com`), wire facts §A.
#[cfg(feature = "wechat")]
pub fn wechat() -> Platform {
    const GRANT_CLIENT: &[(&str, &str, i64, &str)] = &[(
        "grant_type",
        "client_credential",
        40002,
        "invalid grant_type",
    )];
    const GRANT_CODE: &[(&str, &str, i64, &str)] = &[(
        "grant_type",
        "authorization_code",
        40002,
        "invalid grant_type",
    )];
    const CHECKS: &[CredentialCheck] = &[
        CredentialCheck {
            endpoint: "auth.getAccessToken",
            app_id: "appid",
            secret: "secret",
            wrong_app_id: (40013, "invalid appid"),
            wrong_secret: (40001, "invalid credential"),
            fixed: GRANT_CLIENT,
            issues_token: Some(TokenIssue {
                token_field: "access_token",
                expires_field: "expires_in",
                stable_unless: None,
            }),
        },
        CredentialCheck {
            endpoint: "auth.getStableAccessToken",
            app_id: "appid",
            secret: "secret",
            wrong_app_id: (40013, "invalid appid"),
            wrong_secret: (40125, "invalid appsecret"),
            fixed: GRANT_CLIENT,
            issues_token: Some(TokenIssue {
                token_field: "access_token",
                expires_field: "expires_in",
                stable_unless: Some("force_refresh"),
            }),
        },
        CredentialCheck {
            endpoint: "auth.code2Session",
            app_id: "appid",
            secret: "secret",
            wrong_app_id: (40013, "invalid appid"),
            wrong_secret: (40125, "invalid appsecret"),
            fixed: GRANT_CODE,
            issues_token: None,
        },
    ];
    Platform::new("wechat", crate::wechat::ENDPOINTS, crate::wechat::ENVELOPE)
        .credentials(CHECKS)
        .access_token(AccessTokenRule::WECHAT)
        .missing_field(47001, "data format error")
        .bad_body(47001, "data format error")
}

/// Baidu smart program (`openapi.baidu.com`, login on `spapi.baidu.com`), wire facts §D:
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

/// Jucai (巨彩商服) aggregator, wire facts §E: the generated
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

/// Baidu's wire rules (wire facts §D, `schema/baidu/`) over an endpoint table —
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
            app_id: "client_id",
            secret: "client_secret",
            // The code is recorded in the log only: OAuth2.0 errors carry none.
            wrong_app_id: (10010100, "invalid_client: unknown client id"),
            wrong_secret: (10010100, "invalid_client: Client authentication failed"),
            fixed: &[
                (
                    "grant_type",
                    "client_credentials",
                    10010100,
                    "unsupported_grant_type: The authorization grant type is not supported",
                ),
                (
                    "scope",
                    "smartapp_snsapi_base",
                    10010100,
                    "invalid_scope: The requested scope is invalid, unknown, or malformed",
                ),
            ],
            issues_token: Some(TokenIssue {
                token_field: "access_token",
                expires_field: "expires_in",
                stable_unless: None,
            }),
        },
        CredentialCheck {
            endpoint: "auth.jscode2SessionKey",
            app_id: "client_id",
            secret: "sk",
            wrong_app_id: (10010100, "parameter is invalid: client_id"),
            wrong_secret: (10010100, "parameter is invalid: sk"),
            fixed: &[],
            issues_token: None,
        },
    ];
    fn session_error(code: i64, text: &str) -> Value {
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
            param: "access_token",
            missing: 110,
            invalid: 110,
            expired: 111,
        })
        .missing_field(400, "参数错误")
        .bad_body(400, "参数错误")
}

/// An OAuth2.0 error answer `{error, error_description}` (Baidu's token endpoint).
///
/// `text` may start with the OAuth error name (`invalid_client: unknown client id`);
/// otherwise — a failure forced with `fail_next`, whose code OAuth2.0 cannot carry — the
/// error is `server_error` and the description names the code.
pub fn baidu_oauth_error(code: i64, text: &str) -> Value {
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

/// Jucai's wire rules (wire facts §E, `schema/jucai/`) over an endpoint table —
/// `jucai()` (feature `jucai`) passes the generated one.
///
/// No token and no app credentials: every request's JSON body carries a `sign`, which is
/// verified with [`crate::crypto::sign::jucai_verify`] and the merchant key (lowercase
/// hex, as in the docs' examples); a missing or wrong sign answers
/// `{code: 401, msg: "签名错误: …", data: null}`. Every answer — errors included — is
/// signed with [`crate::crypto::sign::jucai_sign`] and the same key. **The sign scheme and
/// the codes are unconfirmed** (no public 应答码表): 401 for a bad sign and 400 参数错误
/// for a missing field are this simulator's choices.
pub fn jucai_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    use crate::crypto::sign::{jucai_sign, jucai_verify, HexCase};
    fn sign(fields: &Map<String, Value>, key: &str) -> String {
        jucai_sign(fields, key, HexCase::Lower)
    }
    fn verify(fields: &Map<String, Value>, key: &str) -> Result<(), String> {
        jucai_verify(fields, key, HexCase::Lower).map_err(|e| e.to_string())
    }
    Platform::new("jucai", endpoints, envelope)
        .missing_field(400, "参数错误")
        .bad_body(400, "参数错误")
        .sign(SignRule {
            field: "sign",
            sign,
            verify: Some(verify),
            bad_sign: (401, "签名错误"),
        })
}
