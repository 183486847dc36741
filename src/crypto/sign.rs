//! The "sorted `key=value&…&key=KEY`, then digest" signing family, in one place.
//!
//! * [`canonical_string`]: drop empty values and the skipped keys, sort keys by ASCII byte
//!   order, join `k=v` with `&`.
//! * [`sign`] / [`verify`]: WeChat Pay v2 — canonical string (without `sign`) +
//!   `&key=API_KEY`, then MD5 or HMAC-SHA256 keyed with the API key, uppercase hex.
//! * [`jucai_sign`] / [`jucai_verify`]: the Jucai (巨彩商服) aggregator. **UNCONFIRMED** —
//!   see [`jucai_sign`] for what was assumed and where to change it.
//!
//! Values are used raw (not URL-encoded), as both platforms require. The string to sign
//! contains the merchant key, so it is never returned or logged by this module.

use hmac::{Hmac, Mac};
use md5::Md5;
use serde_json::{Map, Value};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The digest applied to `canonical&key=KEY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Digest {
    /// MD5 of the whole string (WeChat Pay `sign_type=MD5`, the default).
    Md5,
    /// HMAC-SHA256 of the whole string, keyed with the same key
    /// (WeChat Pay `sign_type=HMAC-SHA256`).
    HmacSha256,
}

/// Hex case of the produced signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HexCase {
    Upper,
    /// The default: what the Jucai docs' examples show.
    #[default]
    Lower,
}

/// Why a received signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// No `sign` (or an empty / null one): an unsigned message must never be trusted.
    #[error("the message carries no `sign`; refusing to trust an unsigned message")]
    Missing,
    /// `sign` is present but not a string.
    #[error("the message's `sign` is not a string")]
    NotAString,
    /// The signature does not match the recomputed one.
    #[error("signature mismatch: the message was altered or the key is wrong")]
    Mismatch,
    /// The signature matches except for hex case (it is in the case held here). Rejected
    /// anyway: the sender or the configured case does not follow the scheme, and that
    /// gets fixed rather than silently tolerated.
    #[error("the signature differs only in hex case (it is {0:?}-case hex)")]
    WrongCase(HexCase),
}

/// `k1=v1&k2=v2…`: pairs with an empty value or a key in `skip` are dropped, the rest are
/// sorted by key in ASCII byte order (`str`'s `Ord`). Duplicate keys keep their input
/// order (stable sort); callers normally pass a map, which has none.
pub fn canonical_string<K, V>(params: impl IntoIterator<Item = (K, V)>, skip: &[&str]) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut pairs: Vec<(K, V)> = params
        .into_iter()
        .filter(|(k, v)| !v.as_ref().is_empty() && !skip.contains(&k.as_ref()))
        .collect();
    pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k.as_ref());
        out.push('=');
        out.push_str(v.as_ref());
    }
    out
}

/// WeChat Pay v2 style signature: `canonical_string(params, ["sign"]) + "&key=" + key`,
/// digested with `digest` (HMAC-SHA256 is keyed with `key` as well) and hex-encoded in
/// `case` (WeChat Pay: [`HexCase::Upper`]). A `sign` entry in `params` is ignored, so a
/// received message can be passed as is.
pub fn sign<K, V>(
    params: impl IntoIterator<Item = (K, V)>,
    key: &str,
    digest: Digest,
    case: HexCase,
) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let canonical = canonical_string(params, &["sign"]);
    digest_hex(&canonical, key, digest, case)
}

/// Recomputes [`sign`] over `params` and compares it with `received` in constant time.
/// Use for WeChat Pay responses and notifications (with the notification's own
/// `sign_type`); reject a notification that has no `sign` before calling this.
pub fn verify<K, V>(
    params: impl IntoIterator<Item = (K, V)>,
    key: &str,
    digest: Digest,
    case: HexCase,
    received: &str,
) -> Result<(), SignError>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    if received.is_empty() {
        return Err(SignError::Missing);
    }
    compare(&sign(params, key, digest, case), received, case)
}

// ---------------------------------------------------------------------------------------
// Jucai (巨彩商服) — UNCONFIRMED. Everything specific to the Jucai scheme lives between
// here and the tests: `JUCAI_DIGEST`, `JUCAI_SKIP`, `jucai_value` and `jucai_canonical`.
// ---------------------------------------------------------------------------------------

/// Digest of the Jucai scheme (assumed).
const JUCAI_DIGEST: Digest = Digest::Md5;
/// Top-level fields left out of the Jucai string to sign (assumed).
const JUCAI_SKIP: &[&str] = &["sign"];

/// Jucai signature of a request body (or any JSON object).
///
/// **The Jucai sign algorithm is UNCONFIRMED.** The API docs name a "签名生成算法" but
/// no public source gives it; this implements the scheme such aggregators commonly use,
/// consistent with the 32-lowercase-hex example in the docs:
///
/// 1. take the top-level fields except `sign`;
/// 2. turn each value into text: strings raw; numbers and booleans as their JSON text
///    (`200`, `1.5`, `true`); objects and arrays as **compact JSON with object keys sorted
///    recursively** (so the result does not depend on map order); `null` and `""` are
///    empty and the field is skipped (an empty object `{}` / array `[]` is not empty);
/// 3. sort by key (ASCII), join `k=v` with `&`, append `&key=MERCHANT_KEY`;
/// 4. MD5, hex in `case` (the docs' example is lowercase, so use [`HexCase::Lower`]
///    unless the gateway says otherwise).
///
/// If the real scheme turns out different, change `JUCAI_DIGEST`, `JUCAI_SKIP`,
/// `jucai_value` or `jucai_canonical` in `src/crypto/sign.rs`; nothing else in the crate
/// encodes it.
pub fn jucai_sign(fields: &Map<String, Value>, key: &str, case: HexCase) -> String {
    digest_hex(&jucai_canonical(fields), key, JUCAI_DIGEST, case)
}

/// Verifies the `sign` of a Jucai response envelope (`{code, msg, data, sign}`).
///
/// **UNCONFIRMED scheme** (see [`jucai_sign`]). The sign is recomputed with
/// [`jucai_sign`] over every top-level field of the response except `sign` — so
/// `code` as its number text (`200`), `msg` raw, and `data` as compact JSON with sorted
/// keys (its inner `null`s kept as `null`) — and compared in constant time. A hex-case
/// difference is reported as [`SignError::WrongCase`], which is still a rejection.
pub fn jucai_verify(
    response: &Map<String, Value>,
    key: &str,
    case: HexCase,
) -> Result<(), SignError> {
    let received = match response.get("sign") {
        None | Some(Value::Null) => return Err(SignError::Missing),
        Some(Value::String(s)) if s.is_empty() => return Err(SignError::Missing),
        Some(Value::String(s)) => s,
        Some(_) => return Err(SignError::NotAString),
    };
    compare(&jucai_sign(response, key, case), received, case)
}

/// The text a Jucai field contributes, or `None` when it is empty and skipped (assumed).
fn jucai_value(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        // `Value`'s Display is compact JSON; sorting first makes nested objects
        // independent of insertion order (serde_json's `preserve_order` feature).
        Value::Object(_) | Value::Array(_) => Some(sorted(value).to_string()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
    }
}

/// The Jucai string to sign, without the `&key=` suffix (assumed).
fn jucai_canonical(fields: &Map<String, Value>) -> String {
    canonical_string(
        fields
            .iter()
            .filter_map(|(k, v)| jucai_value(v).map(|text| (k.as_str(), text))),
        JUCAI_SKIP,
    )
}

/// A copy of `value` whose objects are rebuilt in sorted key order at every level.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------------------

/// Appends `&key=KEY` (or just `key=KEY` when nothing else is signed), digests, hex-encodes.
fn digest_hex(canonical: &str, key: &str, digest: Digest, case: HexCase) -> String {
    let mut text = String::with_capacity(canonical.len() + key.len() + 5);
    text.push_str(canonical);
    if !canonical.is_empty() {
        text.push('&');
    }
    text.push_str("key=");
    text.push_str(key);
    let bytes: Vec<u8> = match digest {
        Digest::Md5 => {
            use md5::Digest as _;
            Md5::digest(text.as_bytes()).to_vec()
        }
        Digest::HmacSha256 => {
            // HMAC accepts keys of any length (long keys are hashed, short ones padded),
            // so `new_from_slice` cannot fail for `Hmac<Sha256>`.
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
                .expect("HMAC takes keys of any length");
            mac.update(text.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    match case {
        HexCase::Upper => hex::encode_upper(bytes),
        HexCase::Lower => hex::encode(bytes),
    }
}

/// Constant-time comparison of the expected and received signatures; a hex-case-only
/// difference is reported separately to make a misconfigured [`HexCase`] obvious.
fn compare(expected: &str, received: &str, case: HexCase) -> Result<(), SignError> {
    if bool::from(expected.as_bytes().ct_eq(received.as_bytes())) {
        return Ok(());
    }
    let other_case = match case {
        HexCase::Upper => expected.to_ascii_lowercase(),
        HexCase::Lower => expected.to_ascii_uppercase(),
    };
    if bool::from(other_case.as_bytes().ct_eq(received.as_bytes())) {
        return Err(SignError::WrongCase(match case {
            HexCase::Upper => HexCase::Lower,
            HexCase::Lower => HexCase::Upper,
        }));
    }
    Err(SignError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    // The official vector of the WeChat Pay v2 signing docs.
    const PAY_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
    fn pay_params() -> Vec<(&'static str, &'static str)> {
        // Deliberately unsorted, with an empty value and a `sign` to drop.
        vec![
            ("nonce_str", "ibuaiVcKdpRxkhJA"),
            ("mch_id", "10000100"),
            ("sign", "WHATEVER"),
            ("body", "test"),
            ("attach", ""),
            ("device_info", "1000"),
            ("appid", "wxd930ea5d5a258f4f"),
        ]
    }

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn canonical_string_sorts_and_drops() {
        assert_eq!(
            canonical_string(pay_params(), &["sign"]),
            "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA"
        );
        // ASCII byte order: uppercase before lowercase, '_' (0x5F) between them.
        let m: BTreeMap<String, String> = [("b", "1"), ("B", "2"), ("a_b", "3"), ("aB", "4")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(canonical_string(&m, &[]), "B=2&aB=4&a_b=3&b=1");
        assert_eq!(canonical_string(Vec::<(&str, &str)>::new(), &[]), "");
    }

    #[test]
    fn wechat_pay_official_vector() {
        assert_eq!(
            sign(pay_params(), PAY_KEY, Digest::Md5, HexCase::Upper),
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        );
        assert_eq!(
            sign(pay_params(), PAY_KEY, Digest::HmacSha256, HexCase::Upper),
            "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
        );
        assert_eq!(
            sign(pay_params(), PAY_KEY, Digest::Md5, HexCase::Lower),
            "9a0a8659f005d6984697e2ca0a9cf3b7"
        );
    }

    #[test]
    fn wechat_pay_verify() {
        let md5 = "9A0A8659F005D6984697E2CA0A9CF3B7";
        assert_eq!(
            verify(pay_params(), PAY_KEY, Digest::Md5, HexCase::Upper, md5),
            Ok(())
        );
        assert_eq!(
            verify(
                pay_params(),
                PAY_KEY,
                Digest::HmacSha256,
                HexCase::Upper,
                md5
            ),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            verify(pay_params(), "wrong", Digest::Md5, HexCase::Upper, md5),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            verify(pay_params(), PAY_KEY, Digest::Md5, HexCase::Upper, ""),
            Err(SignError::Missing)
        );
        assert_eq!(
            verify(
                pay_params(),
                PAY_KEY,
                Digest::Md5,
                HexCase::Upper,
                &md5.to_ascii_lowercase()
            ),
            Err(SignError::WrongCase(HexCase::Lower))
        );
    }

    /// The request example from the Jucai docs (its `sign` was made with an unknown key,
    /// so only the shape of the result can be checked).
    fn jucai_request() -> Map<String, Value> {
        obj(json!({
            "appId": "MCH_A698612520",
            "authCode": "134291427096188722",
            "clientIp": "127.0.0.1",
            "mchNo": "MCH_I293975931",
            "mchOrderNo": "2023041709270000001",
            "sign": "d012419a8968d6e9e000bc557e72f4bd",
            "subAppid": "",
            "termId": "12345678",
            "version": "1.0",
            "wayCode": "WECHAT"
        }))
    }

    #[test]
    fn jucai_canonical_form() {
        assert_eq!(
            jucai_canonical(&jucai_request()),
            "appId=MCH_A698612520&authCode=134291427096188722&clientIp=127.0.0.1\
             &mchNo=MCH_I293975931&mchOrderNo=2023041709270000001&termId=12345678\
             &version=1.0&wayCode=WECHAT"
        );
        let s = jucai_sign(&jucai_request(), "k", HexCase::Lower);
        assert_eq!(s.len(), 32);
        assert!(s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        // MD5 over the canonical text plus `&key=`.
        use md5::Digest as _;
        let text = format!("{}&key=k", jucai_canonical(&jucai_request()));
        assert_eq!(s, hex::encode(Md5::digest(text.as_bytes())));
        assert_eq!(
            jucai_sign(&jucai_request(), "k", HexCase::Upper),
            s.to_ascii_uppercase()
        );
    }

    #[test]
    fn jucai_value_text() {
        let m = obj(json!({
            "code": 200,
            "rate": 1.5,
            "ok": true,
            "none": null,
            "empty": "",
            "emptyObj": {},
            "data": { "z": 1, "a": null, "m": [ { "y": "2", "b": "1" } ] }
        }));
        assert_eq!(
            jucai_canonical(&m),
            r#"code=200&data={"a":null,"m":[{"b":"1","y":"2"}],"z":1}&emptyObj={}&ok=true&rate=1.5"#
        );
    }

    /// A response envelope like the docs' example, signed with `key`.
    fn signed_response(key: &str, case: HexCase) -> Map<String, Value> {
        let mut m = obj(json!({
            "code": 200,
            "msg": "成功",
            "data": {
                "returnCode": "000000",
                "returnMsg": "SUCCESS",
                "termId": null,
                "randomStr": "58H6XIKWXXNUVDVP9IZWX1NAQ8U6HUWD",
                "orgId": "ISV_I232767463",
                "mchNo": "MCH_I293975931",
                "mchOrderNo": null,
                "appid": "wxfaxxxx",
                "openid": "ooIeqs3PCR04Hkvd-xxxx",
                "subAppid": "",
                "subOpenid": ""
            }
        }));
        let s = jucai_sign(&m, key, case);
        m.insert("sign".into(), Value::String(s));
        m
    }

    #[test]
    fn jucai_round_trip() {
        for case in [HexCase::Lower, HexCase::Upper] {
            let m = signed_response("merchant-key", case);
            assert_eq!(jucai_verify(&m, "merchant-key", case), Ok(()));
            assert_eq!(
                jucai_verify(&m, "other-key", case),
                Err(SignError::Mismatch)
            );
        }
        let m = signed_response("merchant-key", HexCase::Lower);
        assert_eq!(
            jucai_verify(&m, "merchant-key", HexCase::Upper),
            Err(SignError::WrongCase(HexCase::Lower))
        );
    }

    #[test]
    fn jucai_tamper_detection() {
        let key = "merchant-key";
        let base = signed_response(key, HexCase::Lower);

        let mut m = base.clone();
        m["data"]["openid"] = json!("ooIeqs3PCR04Hkvd-yyyy");
        assert_eq!(
            jucai_verify(&m, key, HexCase::Lower),
            Err(SignError::Mismatch)
        );

        let mut m = base.clone();
        m["code"] = json!(201);
        assert_eq!(
            jucai_verify(&m, key, HexCase::Lower),
            Err(SignError::Mismatch)
        );

        let mut m = base.clone();
        m.insert("extra".into(), json!("x"));
        assert_eq!(
            jucai_verify(&m, key, HexCase::Lower),
            Err(SignError::Mismatch)
        );

        let mut m = base.clone();
        let mut s = m["sign"].as_str().unwrap().to_owned();
        s.replace_range(0..1, if s.starts_with('0') { "1" } else { "0" });
        m["sign"] = json!(s);
        assert_eq!(
            jucai_verify(&m, key, HexCase::Lower),
            Err(SignError::Mismatch)
        );

        let mut m = base.clone();
        m.remove("sign");
        assert_eq!(
            jucai_verify(&m, key, HexCase::Lower),
            Err(SignError::Missing)
        );
        m.insert("sign".into(), Value::Null);
        assert_eq!(
            jucai_verify(&m, key, HexCase::Lower),
            Err(SignError::Missing)
        );
        m.insert("sign".into(), json!(""));
        assert_eq!(
            jucai_verify(&m, key, HexCase::Lower),
            Err(SignError::Missing)
        );
        m.insert("sign".into(), json!(12));
        assert_eq!(
            jucai_verify(&m, key, HexCase::Lower),
            Err(SignError::NotAString)
        );
    }

    #[test]
    fn jucai_empty_and_null_are_skipped() {
        let with = obj(json!({ "a": "1", "b": "", "c": null, "sign": "zzz" }));
        let without = obj(json!({ "a": "1" }));
        assert_eq!(
            jucai_sign(&with, "k", HexCase::Lower),
            jucai_sign(&without, "k", HexCase::Lower)
        );
        // But a present value changes the sign.
        let other = obj(json!({ "a": "1", "b": "x" }));
        assert_ne!(
            jucai_sign(&other, "k", HexCase::Lower),
            jucai_sign(&without, "k", HexCase::Lower)
        );
    }

    #[test]
    fn jucai_key_order_independent() {
        let a = obj(json!({ "b": "2", "a": "1", "n": { "y": 1, "x": [ { "q": 1, "p": 2 } ] } }));
        // Build the same object in the reverse insertion order, at every level.
        let mut inner_item = Map::new();
        inner_item.insert("p".into(), json!(2));
        inner_item.insert("q".into(), json!(1));
        let mut inner = Map::new();
        inner.insert("x".into(), json!([Value::Object(inner_item)]));
        inner.insert("y".into(), json!(1));
        let mut b = Map::new();
        b.insert("n".into(), Value::Object(inner));
        b.insert("a".into(), json!("1"));
        b.insert("b".into(), json!("2"));
        assert_eq!(
            jucai_sign(&a, "k", HexCase::Lower),
            jucai_sign(&b, "k", HexCase::Lower)
        );
    }

    #[test]
    fn key_is_appended_even_with_nothing_to_sign() {
        use md5::Digest as _;
        let expected = hex::encode(Md5::digest(b"key=k"));
        assert_eq!(jucai_sign(&Map::new(), "k", HexCase::Lower), expected);
    }
}
