//! `code_msg_data`: `{code, msg, data, sign}` with a business code inside `data` (Jucai).
//!
//! Order of checks, each failing closed:
//! 1. the body is a JSON object (else [`Error::Status`] for a non-2xx status, or
//!    [`Error::Decode`]);
//! 2. on signed endpoints, its `sign` verifies with the platform's signer — **before** anything in it is trusted, so
//!    a missing or wrong sign is an [`Error::Decode`] saying so, whatever the body claims;
//! 3. `code` is a success code (`200`), else [`Error::Api`] with `code`/`msg`;
//! 4. `data.returnCode` is a business success code (`"000000"`), else [`Error::Api`] with
//!    the code and `returnMsg` — or [`Error::Decode`] (body kept) when the code does not
//!    have the platform's code type (text where the docs' codes are integers);
//! 5. `data` is decoded by the endpoint's response type.

use super::{api_error, decode_error, nested_payload, status_error, unreadable, unwrapped};
use super::{Decoder, Envelope};
use crate::runtime::signers::Signer;
use crate::runtime::{Auth, Code, Endpoint, Error, RawResponse};
use serde_json::{Map, Value};

/// What is wrong with a Jucai answer, before it becomes an [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// `code` (transport level) is not a success code.
    Code { code: Code, message: String },
    /// `data.returnCode` (business level) is a failure code.
    Business { code: Code, message: String },
    /// The answer breaks the documented shape (or its sign): the reason, in words.
    Malformed(String),
}

/// The text of a scalar value (codes come as `200` or `"200"`).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A code as it came: a JSON integer stays an integer, anything else is text.
fn code_of(value: Option<&Value>) -> Option<Code> {
    match value? {
        Value::Number(n) => Some(
            n.as_i64()
                .map_or_else(|| Code::from(n.to_string()), Code::Int),
        ),
        Value::String(s) => Some(Code::from(s.trim())),
        _ => None,
    }
}

/// Checks steps 3 and 4 on an already verified answer; `Ok(data)` on success.
pub fn check<'a>(envelope: &Envelope, map: &'a Map<String, Value>) -> Result<&'a Value, Failure> {
    let code = code_of(map.get(envelope.code))
        .ok_or_else(|| Failure::Malformed(format!("the answer has no `{}`", envelope.code)))?;
    if !envelope.is_success(&code) {
        let message = text(map.get(envelope.message)).unwrap_or_default();
        return Err(Failure::Code { code, message });
    }
    let data_key = envelope.data.unwrap_or("data");
    let data = match map.get(data_key) {
        Some(d @ Value::Object(_)) => d,
        other => {
            return Err(Failure::Malformed(format!(
                "`{}` is {} although `{}` is {code}: expected an object",
                data_key,
                other.map_or("absent", |_| "not an object"),
                envelope.code
            )))
        }
    };
    let Some(business_key) = envelope.business_code else {
        return Ok(data);
    };
    let Some(return_code) = code_of(data.get(business_key)) else {
        return Err(Failure::Malformed(format!(
            "`{data_key}.{business_key}` is missing"
        )));
    };
    if envelope.business_success.iter().any(|s| return_code == *s) {
        return Ok(data);
    }
    let message = envelope
        .business_message
        .and_then(|k| text(data.get(k)))
        .unwrap_or_default();
    Err(Failure::Business {
        code: return_code,
        message,
    })
}

/// The `code_msg_data` decoder (see the module docs for the order of checks).
#[derive(Debug, Clone, Copy)]
pub struct CodeMsgData;

impl Decoder for CodeMsgData {
    fn decode<E: Endpoint, S: Signer>(
        envelope: &Envelope,
        raw: RawResponse,
        signer: &S,
    ) -> Result<E::Response, Error<E::Error>> {
        if let Some(done) = unwrapped::<E>(&raw) {
            return done;
        }
        let raw = &raw;
        let map: Map<String, Value> = match serde_json::from_slice(&raw.body) {
            Ok(m) => m,
            Err(e) => return Err(unreadable::<E>(raw, "a JSON object", e)),
        };
        if S::VERIFIES_ANSWERS && E::ANSWER_SIGNED && matches!(E::AUTH, Auth::Sign { .. }) {
            if let Err(e) = signer.verify(&map) {
                return Err(decode_error(
                    E::NAME,
                    raw,
                    format!("response signature rejected, nothing in the answer was trusted: {e}"),
                ));
            }
        }
        let data = match check(envelope, &map) {
            Ok(data) => data,
            Err(Failure::Code { code, message }) | Err(Failure::Business { code, message }) => {
                return Err(api_error::<E>(raw, code, message))
            }
            Err(Failure::Malformed(reason)) => return Err(decode_error(E::NAME, raw, reason)),
        };
        if !raw.is_success() {
            return Err(status_error(E::NAME, raw));
        }
        nested_payload::<E>(raw, data)
    }
}

/// `{code: 200, msg, data: {returnCode: "000000", returnMsg, …payload}}` (the sign is
/// added by the scheme over the whole answer).
#[cfg(feature = "encoders")]
pub(super) fn encode_success(env: &Envelope, payload: Value) -> Value {
    use super::encode::{into_map, success_code, OK_MESSAGE};
    let mut data = into_map(payload);
    if let Some(bc) = env.business_code {
        data.entry(bc)
            .or_insert_with(|| success_code(env.business_success));
        if let Some(bm) = env.business_message {
            data.entry(bm).or_insert_with(|| OK_MESSAGE.into());
        }
    }
    let mut out = Map::new();
    out.insert(env.code.into(), success_code(env.success));
    out.insert(env.message.into(), OK_MESSAGE.into());
    out.insert(env.data.unwrap_or("data").into(), Value::Object(data));
    Value::Object(out)
}

/// An integer code in the HTTP status range is a transport-level refusal (top-level
/// `code`); any other code is the business code's (`data.returnCode`, zero-padded to
/// the width of the business success code).
#[cfg(feature = "encoders")]
pub(super) fn encode_failure(env: &Envelope, code: &Code, message: &str) -> Value {
    use super::encode::{json_code, success_code, OK_MESSAGE};
    let mut out = Map::new();
    let transport_level = matches!(code, Code::Int(c) if (100..600).contains(c));
    match env.business_code {
        Some(bc) if !transport_level => {
            let width = env.business_success.first().map_or(0, |s| s.len());
            let business = match code {
                Code::Int(c) => format!("{c:0width$}"),
                Code::Str(s) => s.to_string(),
            };
            let mut data = Map::new();
            data.insert(bc.into(), business.into());
            if let Some(bm) = env.business_message {
                data.insert(bm.into(), message.into());
            }
            out.insert(env.code.into(), success_code(env.success));
            out.insert(env.message.into(), OK_MESSAGE.into());
            out.insert(env.data.unwrap_or("data").into(), Value::Object(data));
        }
        _ => {
            out.insert(env.code.into(), json_code(code));
            out.insert(env.message.into(), message.into());
            out.insert(env.data.unwrap_or("data").into(), Value::Null);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::envelopes::test_envelopes::JUCAI;

    fn map(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn success_returns_data() {
        let m = map(r#"{"code":200,"msg":"ok","data":{"returnCode":"000000","openid":"o"}}"#);
        assert_eq!(check(&JUCAI, &m).unwrap()["openid"], "o");
        let m = map(r#"{"code":"200","data":{"returnCode":"000000"}}"#);
        assert!(check(&JUCAI, &m).is_ok());
    }

    #[test]
    fn failures() {
        let m = map(r#"{"code":500,"msg":"签名错误","data":null}"#);
        assert_eq!(
            check(&JUCAI, &m),
            Err(Failure::Code {
                code: Code::Int(500),
                message: "签名错误".into()
            })
        );
        let m = map(r#"{"code":200,"data":{"returnCode":"100001","returnMsg":"参数错误"}}"#);
        assert_eq!(
            check(&JUCAI, &m),
            Err(Failure::Business {
                code: Code::from("100001"),
                message: "参数错误".into()
            })
        );
        let m = map(r#"{"code":200,"data":{"returnCode":"FAIL","returnMsg":"x"}}"#);
        assert!(matches!(check(&JUCAI, &m), Err(Failure::Business { code, .. }) if code == "FAIL"));
        for bad in [
            r#"{"code":200,"data":{}}"#,
            r#"{"code":200,"data":"x"}"#,
            r#"{"code":200}"#,
            r#"{"msg":"no code"}"#,
        ] {
            assert!(
                matches!(check(&JUCAI, &map(bad)), Err(Failure::Malformed(_))),
                "{bad}"
            );
        }
    }
}
