//! The registry of simulated platforms: every platform compiled in (by cargo feature),
//! and the constructors of those without a merchant. The rules a platform is served by
//! are [`Platform`]'s (in `rules.rs`, which names no platform); the stateful ones
//! (WeChat Pay, API v3, Alipay) are built in their own modules and re-exported here.
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
//! yet). A platform whose answers depend on what happened before (WeChat Pay: an order
//! is placed, paid, refunded) registers a merchant (`src/merchant.rs`) in its
//! own module (see `src/wechatpay/`).

#[cfg(feature = "alipay")]
pub use super::alipay::{platform as alipay, platform_with as alipay_with};
pub use super::engine::Platform;
pub use super::rules::{
    schema_refusal, AccessTokenRule, Bare, CredentialCheck, SignFields, SignRule, VerifySign,
    UNDOCUMENTED,
};
#[cfg(feature = "wechatpay")]
pub use super::wechatpay::{platform as wechatpay, platform_with as wechatpay_with};
#[cfg(feature = "wechatpay_v3")]
pub use super::wechatpay_v3::platform as wechatpay_v3;
#[allow(unused_imports)]
use miniapp::__private::Meaning;
#[allow(unused_imports)]
use miniapp::runtime::{Code, EndpointInfo, Envelope};
#[allow(unused_imports)]
use serde_json::{Map, Value};

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
    use miniapp::runtime::Endpoint;
    use miniapp::wechat::auth::GetStableAccessTokenRequest;
    use std::sync::OnceLock;
    // The stable token endpoint's refresh flag: the field its generated request sets
    // when asked to force a refresh (`force_refresh`), found once by writing one.
    static CHECKS: OnceLock<[CredentialCheck; 1]> = OnceLock::new();
    let checks = CHECKS.get_or_init(|| {
        let forced = serde_json::to_value(GetStableAccessTokenRequest::new().force_refresh(true));
        let flag = forced.ok().and_then(|asked| {
            let name = asked
                .as_object()?
                .iter()
                .find(|(_, value)| **value == Value::Bool(true))?
                .0
                .clone();
            Some(&*Box::leak(name.into_boxed_str()))
        });
        [CredentialCheck {
            endpoint: GetStableAccessTokenRequest::NAME,
            wrong_app_id: None,
            wrong_secret: None,
            wrong_constant: &[],
            stable_unless: flag,
        }]
    });
    Platform::of::<miniapp::wechat::Wechat>().credentials(checks)
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
/// Everything comes from the schema:
///
/// * `auth.jscode2SessionKey` (POST form `code` + `client_id` + `sk`) and
///   `auth.getAccessToken` (GET query `client_id` + `client_secret`, with the constants
///   `grant_type` and `scope`) check the AppKey and AppSecret and answer outside the
///   envelope (`bare: true`): the data as it is, refusals in the envelope's OAuth2.0
///   fields — `{errno, error, error_description}` for the session endpoint's
///   `10010100`, OAuth2.0's `{error, error_description}` with HTTP 400 for the token
///   endpoint's error names (`invalid_client`, `unsupported_grant_type`,
///   `invalid_scope`: its `oauth_errors` and their meanings). Every token call issues a
///   new token.
/// * everything else in the `{errno, errmsg, request_id, data}` envelope; the access token
///   travels in the query as `access_token`. Its codes, and a missing field's, are the
///   schema's meanings (the platform's common errors: `110`, `111`, `400`, unconfirmed
///   for smart programs and marked so there), given with [`Platform::refusals`] by
///   `baidu()`.
pub fn baidu_with(endpoints: &'static [EndpointInfo], envelope: Envelope) -> Platform {
    Platform::new("baidu", endpoints, envelope)
}

/// An OAuth2.0 error answer `{error, error_description}` (Baidu's token endpoint) from
/// `text` starting with the error name (`invalid_client: unknown client id`).
#[cfg(feature = "baidu")]
#[deprecated(
    since = "0.2.0",
    note = "the schema marks Baidu's token endpoint `bare: true` with its `oauth_errors`, and the runtime writes them (`encode::bare_failure`)"
)]
pub fn baidu_oauth_error(code: &Code, text: &str) -> Value {
    use miniapp::__private::envelopes::encode::bare_failure;
    let named = text.split_once(": ").filter(|(name, _)| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    });
    let raw = match named {
        Some((error, description)) => bare_failure(
            &miniapp::baidu::ENVELOPE,
            &Code::from(error.to_owned()),
            description,
        ),
        None => bare_failure(&miniapp::baidu::ENVELOPE, code, text),
    };
    serde_json::from_slice(&raw.body).unwrap_or(Value::Null)
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
