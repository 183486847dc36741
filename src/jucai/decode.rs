//! Decoding Jucai answers: the `code_msg_data` envelope `{code, msg, data, sign}`.
//!
//! Order of checks, each failing closed:
//! 1. the body is a JSON object (else [`Error::Status`] for a non-2xx status, or
//!    [`Error::Decode`]);
//! 2. its `sign` verifies with [`jucai_verify`] — **before** anything in it is trusted, so
//!    a missing or wrong sign is an [`Error::Decode`] saying so, whatever the body claims;
//! 3. `code` is a success code (`200`), else [`Error::Api`] with `code`/`msg`;
//! 4. `data.returnCode` is a business success code (`"000000"`), else [`Error::Api`] with
//!    the code parsed as an integer and `returnMsg` — or [`Error::Decode`] (body kept) when
//!    the code is not numeric;
//! 5. `data` is decoded by the endpoint's response type.

use crate::crypto::sign::{jucai_verify, HexCase};
use crate::runtime::decode::with_endpoint;
use crate::runtime::decode::{decode_error, status_error};
use crate::runtime::{Endpoint, Envelope, Error, FromErrcode, RawResponse, Response};
use serde_json::{Map, Value};

/// What is wrong with a Jucai answer, before it becomes an [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// `code` (transport level) is not a success code.
    Code { code: i64, message: String },
    /// `data.returnCode` (business level) is a numeric failure code.
    Business { code: i64, message: String },
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

/// Checks steps 3 and 4 on an already verified answer; `Ok(data)` on success.
pub fn check<'a>(envelope: &Envelope, map: &'a Map<String, Value>) -> Result<&'a Value, Failure> {
    let code = text(map.get(envelope.code))
        .ok_or_else(|| Failure::Malformed(format!("the answer has no `{}`", envelope.code)))?;
    let message = text(map.get(envelope.message)).unwrap_or_default();
    if !envelope.success.contains(&code.trim()) {
        return match code.trim().parse::<i64>() {
            Ok(code) => Err(Failure::Code { code, message }),
            Err(_) => Err(Failure::Malformed(format!(
                "`{}` {code:?} is not a number",
                envelope.code
            ))),
        };
    }
    let data_key = envelope.data.unwrap_or("data");
    let data = match map.get(data_key) {
        Some(d @ Value::Object(_)) => d,
        _ => {
            return Err(Failure::Malformed(format!(
                "`{}` is {} although `{}` is {code}: expected an object",
                data_key,
                map.get(data_key).map_or("absent", |_| "not an object"),
                envelope.code
            )))
        }
    };
    let Some(business_key) = envelope.business_code else {
        return Ok(data);
    };
    let Some(return_code) = text(data.get(business_key)) else {
        return Err(Failure::Malformed(format!(
            "`{data_key}.{business_key}` is missing"
        )));
    };
    if envelope.business_success.contains(&return_code.as_str()) {
        return Ok(data);
    }
    let message = envelope
        .business_message
        .and_then(|k| text(data.get(k)))
        .unwrap_or_default();
    match return_code.trim().parse::<i64>() {
        Ok(code) => Err(Failure::Business { code, message }),
        Err(_) => Err(Failure::Malformed(format!(
            "`{data_key}.{business_key}` {return_code:?} is not a numeric code (message: {message:?})"
        ))),
    }
}

/// Decodes a Jucai answer for endpoint `E`, verifying its sign with the merchant `key`
/// and hex `case` first (see the module docs for the order of checks).
pub fn code_msg_data<E>(
    envelope: &Envelope,
    raw: RawResponse,
    key: &str,
    case: HexCase,
) -> Result<E::Response, Error<E::Error>>
where
    E: Endpoint,
    E::Error: FromErrcode,
{
    with_endpoint(E::NAME, inner::<E>(envelope, &raw, key, case))
}

fn inner<E>(
    envelope: &Envelope,
    raw: &RawResponse,
    key: &str,
    case: HexCase,
) -> Result<E::Response, Error<E::Error>>
where
    E: Endpoint,
    E::Error: FromErrcode,
{
    let ok_status = (200..300).contains(&raw.status);
    let map: Map<String, Value> = match serde_json::from_slice(&raw.body) {
        Ok(m) => m,
        Err(_) if !ok_status => {
            return Err(Error::Status {
                endpoint: "",
                status: raw.status,
                body: raw.snippet(),
            })
        }
        Err(e) => return Err(decode_error(raw, format!("expected a JSON object: {e}"))),
    };
    if let Err(e) = jucai_verify(&map, key, case) {
        return Err(decode_error(
            raw,
            format!("response signature rejected, nothing in the answer was trusted: {e}"),
        ));
    }
    let data = match check(envelope, &map) {
        Ok(data) => data,
        Err(Failure::Code { code, message }) | Err(Failure::Business { code, message }) => {
            return Err(Error::Api {
                endpoint: "",
                source: E::Error::from_errcode(code, message),
            })
        }
        Err(Failure::Malformed(reason)) => return Err(decode_error(raw, reason)),
    };
    if !ok_status {
        return Err(status_error(raw));
    }
    let bytes = serde_json::to_vec(data).map_err(|e| decode_error(raw, e.to_string()))?;
    <E::Response as Response>::from_json(&bytes).map_err(|e| decode_error(raw, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::EnvelopeStyle;

    const JUCAI: Envelope = Envelope {
        style: EnvelopeStyle::CodeMsgData,
        code: "code",
        message: "msg",
        code_alias: None,
        message_alias: None,
        success: &["200"],
        data: Some("data"),
        request_id: None,
        business_code: Some("returnCode"),
        business_message: Some("returnMsg"),
        business_success: &["000000"],
        result: None,
        sub_code: None,
        sub_message: None,
    };

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
                code: 500,
                message: "签名错误".into()
            })
        );
        let m = map(r#"{"code":200,"data":{"returnCode":"100001","returnMsg":"参数错误"}}"#);
        assert_eq!(
            check(&JUCAI, &m),
            Err(Failure::Business {
                code: 100001,
                message: "参数错误".into()
            })
        );
        for bad in [
            r#"{"code":200,"data":{"returnCode":"FAIL","returnMsg":"x"}}"#,
            r#"{"code":200,"data":{}}"#,
            r#"{"code":200,"data":"x"}"#,
            r#"{"code":200}"#,
            r#"{"msg":"no code"}"#,
            r#"{"code":"abc"}"#,
        ] {
            assert!(
                matches!(check(&JUCAI, &map(bad)), Err(Failure::Malformed(_))),
                "{bad}"
            );
        }
    }
}
