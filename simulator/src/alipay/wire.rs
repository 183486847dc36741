//! Alipay's wire as the gateway speaks it: the answer member and the RSA2 signature over
//! its exact text, request signs checked with the app's public key, and the simulator's
//! Alipay private key that signs answers and notifications.

use super::{ALIPAY_PRIVATE_KEY, ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY};
use miniapp::__private::envelopes::alipay_member;
use miniapp::__private::envelopes::encode::alipay_body;
use miniapp::crypto::rsa::{PrivateKey, PublicKey};
use miniapp::crypto::sign::canonical_string;
use miniapp::runtime::signers::{AlipayRsa2, Signer};
use miniapp::runtime::{Credentials, EndpointInfo, Envelope};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::OnceLock;

pub(super) use miniapp::__private::envelopes::ALIPAY_ERROR_MEMBER as ERROR_MEMBER;
/// The member holding the signature of an answer, and the parameter of a request's
/// or a notification's.
pub(super) const SIGN: &str = "sign";
/// The parameter naming the sign algorithm; not signed in notifications.
pub(super) const SIGN_TYPE: &str = "sign_type";
/// The only algorithm the simulator checks and signs with.
pub(super) const RSA2: &str = "RSA2";

/// The operation whose every refusal is answered under `error_response` (the schema's
/// note on `alipay.system.oauth.token`): the one the login endpoint names.
fn refused_at_gateway(op: &str) -> bool {
    use miniapp::alipay::auth::Code2SessionRequest;
    use miniapp::runtime::Endpoint;
    Code2SessionRequest::CONSTANTS
        .iter()
        .any(|(_, value)| *value == op)
}

/// Is `sub` a refusal of the gateway's own checks, answered under `error_response`: a
/// code the schema gives a meaning of those checks (no operation, an unknown one, the
/// sign, the app id, the timestamp)?
fn gateway_sub_code(sub: &str) -> bool {
    use miniapp::__private::Meaning;
    use miniapp::runtime::Platform as _;
    miniapp::alipay::Alipay::REFUSALS.iter().any(|r| {
        r.code == sub
            && matches!(
                r.means,
                Meaning::MissingOperation
                    | Meaning::UnknownOperation
                    | Meaning::BadSign
                    | Meaning::WrongSecret
                    | Meaning::WrongIdentity
                    | Meaning::WrongAppId
                    | Meaning::MissingIdentity
                    | Meaning::BadTimestamp
            )
    })
}

/// The simulator's Alipay private key, parsed once (`None` only if the embedded key were
/// broken, which a unit test rules out).
fn alipay_key() -> Option<&'static PrivateKey> {
    static KEY: OnceLock<Option<PrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::parse(ALIPAY_PRIVATE_KEY).ok())
        .as_ref()
}

/// The RSA2 signature of `message` with the simulator's Alipay key (empty if it could
/// not be made: a client then refuses the answer as unsigned).
pub(super) fn sign_text(message: &str) -> String {
    alipay_key()
        .and_then(|key| key.sign(message.as_bytes()).ok())
        .unwrap_or_default()
}

fn text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(other.to_string()),
    }
}

/// The operation an endpoint answers: its constant under the envelope's `operation`.
fn operation(env: &Envelope, info: Option<&EndpointInfo>) -> Option<&'static str> {
    let param = env.operation?;
    info?
        .constants
        .iter()
        .find(|(name, _)| *name == param)
        .map(|(_, value)| *value)
}

/// `alipay.trade.query` → `alipay_trade_query_response`; `error_response` for a refusal
/// before any operation was found, for a refusal of the gateway's own checks, and for
/// every refusal of the operations that refuse there.
fn member(env: &Envelope, operation: Option<&str>, answer: &Value) -> String {
    let field = |name: Option<&str>| name.and_then(|n| answer.get(n)).and_then(Value::as_str);
    let failed = field(Some(env.code)).is_none_or(|code| !env.success.contains(&code));
    let at_gateway =
        |op: &str| refused_at_gateway(op) || field(env.sub_code).is_some_and(gateway_sub_code);
    match operation {
        Some(op) if !(failed && at_gateway(op)) => alipay_member(op),
        _ => ERROR_MEMBER.to_owned(),
    }
}

/// The platform's seal hook: `{"<member>": <answer>, "sign": "…"}`, the answer object
/// serialised once and signed as that exact text, which goes into the body unchanged.
pub(crate) fn seal(env: &Envelope, info: Option<&'static EndpointInfo>, answer: &Value) -> String {
    let member = member(env, operation(env, info), answer);
    let content = answer.to_string();
    let signature = sign_text(&content);
    alipay_body(&member, &content, Some(&signature), None)
}

/// The platform's `SignRule::sign`: a notification's signature, RSA2 with the simulator's
/// Alipay key over every non-empty field but `sign` and `sign_type`, sorted, raw values.
/// The key argument is not used: Alipay signs with its own key, not the app's.
pub(crate) fn sign_fields(
    fields: &Map<String, Value>,
    _key: &str,
    _variant: Option<&str>,
) -> Option<String> {
    let message = canonical_string(
        fields.iter().map(|(k, v)| (k.as_str(), text(v))),
        &[SIGN, SIGN_TYPE],
    );
    alipay_key()?.sign(message.as_bytes()).ok()
}

/// The platform's `SignRule::verify`: a request's `sign`, RSA2 over every other
/// non-empty parameter (`sign_type` included), sorted, raw values, checked with `key`,
/// the app's public key.
pub(crate) fn verify_request(
    fields: &Map<String, Value>,
    key: &str,
    _variant: Option<&str>,
) -> Result<(), String> {
    let signature = fields.get(SIGN).map(text).unwrap_or_default();
    if signature.is_empty() {
        return Err(format!("the request carries no `{SIGN}`"));
    }
    match fields.get(SIGN_TYPE).map(text).as_deref() {
        Some(RSA2) => {}
        other => {
            return Err(format!(
                "{SIGN_TYPE} {other:?}: the simulator checks {RSA2} signs only"
            ))
        }
    }
    let key = PublicKey::parse(key)
        .map_err(|e| format!("the simulator's app public key is unusable: {e}"))?;
    let message = canonical_string(fields.iter().map(|(k, v)| (k.as_str(), text(v))), &[SIGN]);
    key.verify(message.as_bytes(), &signature)
        .map_err(|e| format!("{e} with the app public key"))
}

/// The request parameter naming the app, learnt from the runtime's signer (the one
/// holding the app id it adds to every request), built with the test keys.
pub(crate) fn app_id_field() -> Option<String> {
    const PROBE: &str = "\u{1}probe app id";
    let credentials = Credentials::new(PROBE, APP_PRIVATE_KEY).with_platform_key(ALIPAY_PUBLIC_KEY);
    let signer = AlipayRsa2::new(&credentials, &Default::default()).ok()?;
    let mut fields = Map::new();
    signer.prepare(&mut fields);
    fields
        .iter()
        .find(|(_, v)| v.as_str() == Some(PROBE))
        .map(|(k, _)| k.clone())
}

#[cfg(test)]
mod tests {
    use super::super::{ALIPAY_PUBLIC_KEY, APP_PUBLIC_KEY};
    use super::*;
    use miniapp::runtime::raw_json::member as raw_member;
    use serde_json::json;

    const ENV: Envelope = miniapp::alipay::ENVELOPE;

    #[test]
    fn the_test_keys_are_two_pairs_of_2048_bits() {
        let app = PrivateKey::parse(APP_PRIVATE_KEY).unwrap();
        let alipay = PrivateKey::parse(ALIPAY_PRIVATE_KEY).unwrap();
        assert_eq!((app.bits(), alipay.bits()), (2048, 2048));
        assert_eq!(app.public_key(), PublicKey::parse(APP_PUBLIC_KEY).unwrap());
        assert_eq!(
            alipay.public_key(),
            PublicKey::parse(ALIPAY_PUBLIC_KEY).unwrap()
        );
        assert_ne!(app.public_key(), alipay.public_key());
        for pem in [APP_PRIVATE_KEY, ALIPAY_PRIVATE_KEY] {
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
        }
    }

    #[test]
    fn answers_are_sealed_under_their_member_and_signed_over_its_text() {
        let info = miniapp::alipay::ENDPOINTS
            .iter()
            .find(|e| e.name == "trade.query")
            .unwrap();
        let ok = json!({"code": "10000", "msg": "Success", "url": "http://x/y"});
        let body = seal(&ENV, Some(info), &ok);
        let content = raw_member(&body, "alipay_trade_query_response")
            .unwrap()
            .unwrap();
        assert_eq!(content, ok.to_string());
        let sign: String =
            serde_json::from_str(raw_member(&body, "sign").unwrap().unwrap()).unwrap();
        let alipay = PublicKey::parse(ALIPAY_PUBLIC_KEY).unwrap();
        assert!(alipay.verify(content.as_bytes(), &sign).is_ok());

        let business = json!({"code": "40004", "sub_code": "ACQ.TRADE_NOT_EXIST"});
        let body = seal(&ENV, Some(info), &business);
        assert!(
            body.starts_with(r#"{"alipay_trade_query_response":"#),
            "{body}"
        );
        let gateway = json!({"code": "40002", "sub_code": "isv.invalid-signature"});
        assert!(seal(&ENV, Some(info), &gateway).starts_with(r#"{"error_response":"#));
        assert!(seal(&ENV, None, &gateway).starts_with(r#"{"error_response":"#));
        let oauth = miniapp::alipay::ENDPOINTS
            .iter()
            .find(|e| e.name == "auth.code2Session")
            .unwrap();
        let refused = json!({"code": "40002", "sub_code": "isv.code-invalid"});
        assert!(seal(&ENV, Some(oauth), &refused).starts_with(r#"{"error_response":"#));
        assert!(
            seal(&ENV, Some(oauth), &ok).starts_with(r#"{"alipay_system_oauth_token_response":"#)
        );
    }

    #[test]
    fn request_signs_cover_every_parameter_but_the_sign() {
        let app = PrivateKey::parse(APP_PRIVATE_KEY).unwrap();
        let mut fields = Map::new();
        for (k, v) in [
            ("app_id", "1"),
            ("method", "alipay.trade.query"),
            ("sign_type", "RSA2"),
            ("biz_content", r#"{"out_trade_no":"a&b=c"}"#),
            ("empty", ""),
        ] {
            fields.insert(k.into(), v.into());
        }
        let message = r#"app_id=1&biz_content={"out_trade_no":"a&b=c"}&method=alipay.trade.query&sign_type=RSA2"#;
        fields.insert(SIGN.into(), app.sign(message.as_bytes()).unwrap().into());
        assert_eq!(verify_request(&fields, APP_PUBLIC_KEY, None), Ok(()));
        assert!(verify_request(&fields, ALIPAY_PUBLIC_KEY, None).is_err());
        fields.insert("method".into(), "alipay.trade.close".into());
        assert!(verify_request(&fields, APP_PUBLIC_KEY, None).is_err());
        fields.insert(SIGN_TYPE.into(), "RSA".into());
        let err = verify_request(&fields, APP_PUBLIC_KEY, None).unwrap_err();
        assert!(err.contains("RSA2"), "{err}");
        fields.remove(SIGN);
        assert!(verify_request(&fields, APP_PUBLIC_KEY, None).is_err());
        assert_eq!(app_id_field().as_deref(), Some("app_id"));
    }
}
