//! `errno_data`: Baidu's envelope of the open APIs
//! (`{errno, errmsg, request_id, data:{…}}`), the bare payloads of the endpoints that
//! answer outside it (`jscode2sessionkey`, the token endpoint), their two error spellings
//! in the envelope's `oauth` fields (`{errno, error, error_description}`, and OAuth2.0's
//! `{error, error_description}` with an error name and no errno), and the open API
//! gateway's own failures in the schema's `gateway` fields (`{error_code, error_msg}`:
//! 110 invalid token, 111 expired), which are read first.

use super::{api_error, decode_error, nested_payload, status_error, unreadable, unwrapped};
use super::{Decoder, Envelope};
use crate::runtime::signers::Signer;
use crate::runtime::{bounded_message, Code, Endpoint, Error, RawResponse};
use serde_json::{Map, Value};

/// Why a Baidu answer is not a success, read from its top-level fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A non-success `errno`, with the text to keep in the error: `errmsg` (or
    /// `error: error_description`) and the `request_id` when the answer has one.
    Errno { code: i64, message: String },
    /// An OAuth2.0 error (`invalid_client`, …) without an `errno`.
    OAuth {
        error: String,
        description: Option<String>,
    },
}

/// The text of a scalar JSON value (`"2321772211"` and `2321772211` both give the digits).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An errno sent as a number or a numeric string; `Ok(None)` when absent or null.
fn errno(value: Option<&Value>) -> Result<Option<i64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("errno {n} is not an integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("errno {s:?} is not an integer")),
        Some(other) => Err(format!("errno {other} is not an integer")),
    }
}

/// Reads the failure, if any, out of a decoded top-level object.
pub fn failure(envelope: &Envelope, map: &Map<String, Value>) -> Result<Option<Failure>, String> {
    if let Some(gateway) = &envelope.gateway {
        if let Some(code) = errno(map.get(gateway.code))? {
            if !envelope.is_success(&Code::Int(code)) {
                let message = text(map.get(gateway.message)).unwrap_or_default();
                return Ok(Some(Failure::Errno { code, message }));
            }
        }
    }
    let (oauth_error, oauth_description) = match &envelope.oauth {
        Some(oauth) => (text(map.get(oauth.error)), text(map.get(oauth.description))),
        None => (None, None),
    };
    if let Some(code) = errno(map.get(envelope.code))? {
        if !envelope.is_success(&Code::Int(code)) {
            let mut message = text(map.get(envelope.message)).unwrap_or_default();
            if message.is_empty() {
                message = match (&oauth_error, &oauth_description) {
                    (Some(e), Some(d)) => format!("{e}: {d}"),
                    (Some(e), None) => e.clone(),
                    (None, Some(d)) => d.clone(),
                    (None, None) => String::new(),
                };
            }
            if let Some(id) = envelope.request_id.and_then(|k| text(map.get(k))) {
                if message.is_empty() {
                    message = format!("request_id {id}");
                } else {
                    message = format!("{message} (request_id {id})");
                }
            }
            return Ok(Some(Failure::Errno { code, message }));
        }
        return Ok(None);
    }
    Ok(oauth_error.map(|error| Failure::OAuth {
        error,
        description: oauth_description,
    }))
}

/// The payload of a successful answer: the envelope's `data` when the answer has it
/// (open APIs), else the whole object (`jscode2sessionkey`, the token endpoint).
pub fn data_of<'a>(envelope: &Envelope, value: &'a Value) -> &'a Value {
    match envelope.data.and_then(|k| value.get(k)) {
        Some(data) if !data.is_null() => data,
        _ => value,
    }
}

/// The `errno_data` decoder:
///
/// * a non-success `errno` → [`Error::Api`] with the endpoint's variant for that code
///   (its message keeps `errmsg` or `error: error_description`, and the `request_id`);
/// * an OAuth2.0 `{error, error_description}` → [`Error::Decode`] naming the OAuth error
///   (its codes are strings, outside the errno tables);
/// * otherwise a non-2xx status → [`Error::Status`];
/// * otherwise the payload (`data`, or the whole object) decoded by `E::Response`.
#[derive(Debug, Clone, Copy)]
pub struct ErrnoData;

impl Decoder for ErrnoData {
    fn decode<E: Endpoint, S: Signer>(
        envelope: &Envelope,
        raw: RawResponse,
        _signer: &S,
    ) -> Result<E::Response, Error<E::Error>> {
        if let Some(done) = unwrapped::<E>(&raw) {
            return done;
        }
        let raw = &raw;
        let value: Value = match serde_json::from_slice(&raw.body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => return Err(unreadable::<E>(raw, "a JSON object", "another JSON value")),
            Err(e) => return Err(unreadable::<E>(raw, "a JSON object", e)),
        };
        let Value::Object(map) = &value else {
            return Err(decode_error(E::NAME, raw, "expected a JSON object".into()));
        };
        match failure(envelope, map).map_err(|reason| decode_error(E::NAME, raw, reason))? {
            Some(Failure::Errno { code, message }) => {
                return Err(api_error::<E>(raw, Code::Int(code), message))
            }
            Some(Failure::OAuth { error, description }) => {
                let mut reason = format!("OAuth2.0 error `{}`", bounded_message(error));
                if let Some(d) = description {
                    reason.push_str(&format!(": {}", bounded_message(d)));
                }
                return Err(decode_error(E::NAME, raw, reason));
            }
            None => {}
        }
        if !raw.is_success() {
            return Err(status_error(E::NAME, raw));
        }
        nested_payload::<E>(raw, data_of(envelope, &value))
    }
}

/// `{errno: 0, errmsg, request_id, data: payload}`; an example that already has the
/// envelope gets only its request id.
#[cfg(feature = "encoders")]
pub(super) fn encode_success(
    env: &Envelope,
    payload: serde_json::Value,
    already_wrapped: bool,
    request_id: &str,
) -> serde_json::Value {
    use super::encode::{into_map, success_code, OK_MESSAGE};
    let mut out = if already_wrapped {
        into_map(payload)
    } else {
        let mut out = serde_json::Map::new();
        out.insert(env.code.into(), success_code(env.success));
        out.insert(env.message.into(), OK_MESSAGE.into());
        out.insert(env.data.unwrap_or("data").into(), payload);
        out
    };
    if let Some(rid) = env.request_id {
        out.entry(rid).or_insert_with(|| request_id.into());
    }
    serde_json::Value::Object(out)
}

/// `{errno, errmsg, request_id}`; a code the gateway answers itself, in its fields.
#[cfg(feature = "encoders")]
pub(super) fn encode_failure(
    env: &Envelope,
    code: &Code,
    message: &str,
    request_id: &str,
) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    if let Some(gateway) = env.gateway.filter(|g| g.codes.iter().any(|c| code == c)) {
        out.insert(gateway.code.into(), super::encode::json_code(code));
        out.insert(gateway.message.into(), message.into());
        return serde_json::Value::Object(out);
    }
    out.insert(env.code.into(), super::encode::json_code(code));
    out.insert(env.message.into(), message.into());
    if let Some(rid) = env.request_id {
        out.insert(rid.into(), request_id.into());
    }
    serde_json::Value::Object(out)
}

/// A refusal of an endpoint answering outside the envelope (`Endpoint::BARE`), as
/// [`failure`] reads it back, with its HTTP status: an integer code as `{errno, error,
/// error_description}`, the text split where the decoder joins it (`"parameter is
/// invalid: client_id"`), with 200; a text code — an OAuth2.0 error name — as `{error,
/// error_description}` without an errno, with the OAuth2.0 status. `None` when the
/// envelope has no OAuth2.0 fields.
#[cfg(feature = "encoders")]
pub(super) fn encode_bare_failure(
    env: &Envelope,
    code: &Code,
    message: &str,
) -> Option<(serde_json::Value, u16)> {
    let oauth = env.oauth?;
    let mut out = serde_json::Map::new();
    let status = match code {
        Code::Int(_) => {
            out.insert(env.code.into(), super::encode::json_code(code));
            match message.split_once(": ") {
                Some((error, description)) => {
                    out.insert(oauth.error.into(), error.into());
                    out.insert(oauth.description.into(), description.into());
                }
                None => {
                    out.insert(oauth.error.into(), message.into());
                }
            }
            200
        }
        Code::Str(name) => {
            out.insert(oauth.error.into(), name.as_ref().into());
            out.insert(oauth.description.into(), message.into());
            oauth.status
        }
    };
    Some((serde_json::Value::Object(out), status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::envelopes::test_envelopes::BAIDU;

    fn map(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn errno_with_request_id() {
        let f = failure(
            &BAIDU,
            &map(r#"{"errno":400,"errmsg":"param error","request_id":12345}"#),
        )
        .unwrap();
        assert_eq!(
            f,
            Some(Failure::Errno {
                code: 400,
                message: "param error (request_id 12345)".into()
            })
        );
    }

    #[test]
    fn errno_with_oauth_text_and_string_code() {
        let f = failure(
            &BAIDU,
            &map(r#"{"errno":"10010100","error":"parameter is invalid","error_description":"ClientID required"}"#),
        )
        .unwrap();
        assert_eq!(
            f,
            Some(Failure::Errno {
                code: 10010100,
                message: "parameter is invalid: ClientID required".into()
            })
        );
    }

    #[test]
    fn the_gateways_own_failures_are_read_first() {
        let f = failure(
            &BAIDU,
            &map(r#"{"error_code":111,"error_msg":"Access token expired"}"#),
        )
        .unwrap();
        assert_eq!(
            f,
            Some(Failure::Errno {
                code: 111,
                message: "Access token expired".into()
            })
        );
        let f = failure(
            &BAIDU,
            &map(r#"{"error_code":"110","error_msg":"Access token invalid or no longer valid","errno":0}"#),
        )
        .unwrap();
        assert!(matches!(f, Some(Failure::Errno { code: 110, .. })));
        assert!(failure(&BAIDU, &map(r#"{"error_code":"x"}"#)).is_err());
    }

    #[cfg(feature = "encoders")]
    #[test]
    fn the_gateways_codes_are_written_in_its_fields() {
        let written = encode_failure(&BAIDU, &Code::Int(111), "Access token expired", "r1");
        assert_eq!(
            written,
            serde_json::json!({"error_code": 111, "error_msg": "Access token expired"})
        );
        let written = encode_failure(&BAIDU, &Code::Int(400), "param error", "r1");
        assert_eq!(written["errno"], 400);
        let map = written.as_object().expect("an object");
        assert!(failure(&BAIDU, map).unwrap().is_some());
    }

    /// A bare endpoint's refusals, written in the OAuth2.0 fields, read back as written:
    /// the errno with its text joined again, and the OAuth2.0 error name with HTTP 400.
    #[cfg(feature = "encoders")]
    #[test]
    fn bare_refusals_read_back_as_written() {
        use super::super::encode::bare_failure;
        let read = |raw: &RawResponse| {
            let fields: Map<String, Value> = serde_json::from_slice(&raw.body).unwrap();
            (
                raw.status,
                fields.clone(),
                failure(&BAIDU, &fields).unwrap(),
            )
        };
        let (status, fields, read_back) = read(&bare_failure(
            &BAIDU,
            &Code::Int(10010100),
            "parameter is invalid: client_id",
        ));
        assert_eq!(status, 200);
        assert_eq!(
            Value::Object(fields),
            serde_json::json!({"errno": 10010100, "error": "parameter is invalid", "error_description": "client_id"})
        );
        assert_eq!(
            read_back,
            Some(Failure::Errno {
                code: 10010100,
                message: "parameter is invalid: client_id".into()
            })
        );
        let (status, fields, read_back) = read(&bare_failure(
            &BAIDU,
            &Code::from("invalid_client"),
            "unknown client id",
        ));
        assert_eq!((status, fields.len()), (400, 2));
        assert_eq!(
            read_back,
            Some(Failure::OAuth {
                error: "invalid_client".into(),
                description: Some("unknown client id".into())
            })
        );
        // An envelope without OAuth2.0 fields writes its own spelling, and does not read
        // theirs.
        let plain = Envelope {
            oauth: None,
            ..BAIDU
        };
        let (status, fields, _) = read(&bare_failure(&plain, &Code::Int(400), "param error"));
        assert_eq!((status, &fields["errno"]), (200, &serde_json::json!(400)));
        let oauth = map(r#"{"error":"invalid_client"}"#);
        assert_eq!(failure(&plain, &oauth).unwrap(), None);
    }

    #[test]
    fn success_and_oauth() {
        assert_eq!(
            failure(&BAIDU, &map(r#"{"errno":0,"data":{}}"#)).unwrap(),
            None
        );
        assert_eq!(failure(&BAIDU, &map(r#"{"openid":"x"}"#)).unwrap(), None);
        assert_eq!(
            failure(&BAIDU, &map(r#"{"error":"invalid_client"}"#)).unwrap(),
            Some(Failure::OAuth {
                error: "invalid_client".into(),
                description: None
            })
        );
        assert!(failure(&BAIDU, &map(r#"{"errno":"abc"}"#)).is_err());
        assert!(failure(&BAIDU, &map(r#"{"errno":1.5}"#)).is_err());
    }

    #[test]
    fn data_is_data_or_the_whole_answer() {
        let v: Value = serde_json::from_str(r#"{"errno":0,"data":{"unionid":"u"}}"#).unwrap();
        assert_eq!(data_of(&BAIDU, &v)["unionid"], "u");
        let v: Value = serde_json::from_str(r#"{"openid":"o","data":null}"#).unwrap();
        assert_eq!(data_of(&BAIDU, &v)["openid"], "o");
    }
}
