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
//! [`builtin`]:
//!
//! ```ignore
//! #[cfg(feature = "baidu")]
//! pub fn baidu() -> Platform {
//!     Platform::new("baidu", crate::baidu::ENDPOINTS, crate::baidu::ENVELOPE)
//!         .credentials(&[ /* CredentialCheck for the token and jscode2sessionkey endpoints */ ])
//!         .access_token(AccessTokenRule { /* Baidu's codes */ ..AccessTokenRule::WECHAT })
//! }
//! ```
//!
//! The envelope renderers for `errcode`, `errno_data` and `code_msg_data` are all in
//! place (`src/simulator/envelope.rs`); ready-made drafts for Baidu and Jucai are
//! [`baidu_draft`] and [`jucai_draft`].

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

/// A signature added to every JSON answer (Jucai `sign`).
#[derive(Debug, Clone, Copy)]
pub struct SignRule {
    /// Field of the answer holding the signature.
    pub field: &'static str,
    /// Computes the signature of the answer's top-level fields with the key.
    pub sign: fn(&Map<String, Value>, &str) -> String,
}

/// Every platform compiled in (by cargo feature), in registration order.
#[allow(clippy::vec_init_then_push)] // one `push` per platform, each behind its feature
pub fn builtin() -> Vec<Platform> {
    #[allow(unused_mut)]
    let mut platforms = Vec::new();
    #[cfg(feature = "wechat")]
    platforms.push(wechat());
    // Baidu: `#[cfg(feature = "baidu")] platforms.push(baidu());` once
    //        `crate::baidu::{ENDPOINTS, ENVELOPE}` exist (start from `baidu_draft`).
    // Jucai: `#[cfg(feature = "jucai")] platforms.push(jucai());` likewise
    //        (start from `jucai_draft`).
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

/// A starting point for Baidu (wire facts §D, `schema/baidu/`): `auth.jscode2SessionKey`
/// (form `client_id` + `sk`, bare `{openid, session_key}`, errors
/// `{errno, error, error_description}`), `auth.getAccessToken` (query `client_id` +
/// `client_secret`, bare token, OAuth2 errors `{error, error_description}`), the rest in
/// the `{errno, errmsg, request_id, data}` envelope. Register it with the generated
/// `crate::baidu::{ENDPOINTS, ENVELOPE}`; codes marked unconfirmed in the schema are
/// placeholders here too.
pub fn baidu_draft(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    const CHECKS: &[CredentialCheck] = &[
        CredentialCheck {
            endpoint: "auth.getAccessToken",
            app_id: "client_id",
            secret: "client_secret",
            wrong_app_id: (10010100, "unknown client id"),
            wrong_secret: (10010100, "Client authentication failed"),
            fixed: &[
                (
                    "grant_type",
                    "client_credentials",
                    10010100,
                    "unsupported grant type",
                ),
                ("scope", "smartapp_snsapi_base", 10010100, "invalid scope"),
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
            wrong_app_id: (10010100, "parameter is invalid"),
            wrong_secret: (10010100, "parameter is invalid"),
            fixed: &[],
            issues_token: None,
        },
    ];
    fn session_error(code: i64, text: &str) -> Value {
        serde_json::json!({"errno": code, "error": "invalid_param", "error_description": text})
    }
    fn oauth_error(_code: i64, text: &str) -> Value {
        serde_json::json!({"error": "invalid_client", "error_description": text})
    }
    const BARE: &[Bare] = &[
        Bare {
            endpoint: "auth.jscode2SessionKey",
            failure: Some(session_error),
        },
        Bare {
            endpoint: "auth.getAccessToken",
            failure: Some(oauth_error),
        },
    ];
    Platform::new("baidu", endpoints, envelope)
        .credentials(CHECKS)
        .bare(BARE)
        .access_token(AccessTokenRule {
            param: "access_token",
            missing: 110,
            invalid: 111,
            expired: 111,
        })
        .missing_field(400, "参数错误")
        .bad_body(400, "参数错误")
}

/// A starting point for Jucai (wire facts §E): no token, responses signed with the
/// merchant key by the (unconfirmed) scheme in [`crate::crypto::sign::jucai_sign`].
pub fn jucai_draft(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    fn sign(fields: &Map<String, Value>, key: &str) -> String {
        crate::crypto::sign::jucai_sign(fields, key, crate::crypto::sign::HexCase::Lower)
    }
    Platform::new("jucai", endpoints, envelope)
        .missing_field(400, "参数错误")
        .bad_body(400, "参数错误")
        .sign(SignRule {
            field: "sign",
            sign,
        })
}
