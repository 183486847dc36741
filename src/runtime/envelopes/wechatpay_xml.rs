//! `wechatpay_xml`: WeChat Pay v2's flat `<xml>` answers. Order of checks, each failing
//! closed:
//! 1. the body is a flat XML document (a DOCTYPE is refused) — else [`Error::Status`]
//!    for a non-2xx status, or [`Error::Decode`];
//! 2. `return_code` (communication level) is `SUCCESS`, else [`Error::Api`] with that
//!    code (`FAIL`) and `return_msg` — such answers carry no sign;
//! 3. on signed endpoints, the answer's `sign` verifies — **before** anything else in it
//!    is trusted; a missing or wrong sign is an [`Error::Decode`];
//! 4. `result_code` (business level) is `SUCCESS`, else [`Error::Api`] with `err_code`
//!    (`ORDERPAID`, `SYSTEMERROR`…) and `err_code_des`;
//! 5. the fields are decoded by the endpoint's response type, numbers parsed from text.

use super::{api_error, as_it_came, decode_error, status_error, unreadable, Decoder, Envelope};
use crate::runtime::signers::Signer;
use crate::runtime::xml::parse_flat;
use crate::runtime::{Auth, Code, Endpoint, Error, RawResponse, Response};

/// The `wechatpay_xml` decoder.
#[derive(Debug, Clone, Copy)]
pub struct WechatPayXml;

impl Decoder for WechatPayXml {
    fn decode<E: Endpoint, S: Signer>(
        envelope: &Envelope,
        raw: RawResponse,
        signer: &S,
    ) -> Result<E::Response, Error<E::Error>> {
        // A bill answers its text (or gzip bytes); an error is still XML.
        if !looks_like_xml(&raw.body) {
            if let Some(done) = as_it_came::<E>(&raw) {
                return done;
            }
        }
        let raw = &raw;
        let fields = match parse_flat(&raw.body) {
            Ok(fields) => fields,
            Err(e) => return Err(unreadable::<E>(raw, "a flat XML body", e)),
        };
        let text = |name: Option<&str>| {
            let name = name?;
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let Some(return_code) = text(Some(envelope.code)) else {
            return Err(decode_error(
                E::NAME,
                raw,
                format!("the answer has no `{}`", envelope.code),
            ));
        };
        if !envelope.is_success(&Code::from(return_code)) {
            let mut message = text(Some(envelope.message)).unwrap_or_default().to_owned();
            // Bill downloads add a numeric `error_code` to their refusals.
            if let Some(detail) = text(Some("error_code")) {
                message.push_str(&format!(" (error_code {detail})"));
            }
            return Err(api_error::<E>(raw, Code::from(return_code), message));
        }
        if S::VERIFIES_ANSWERS && E::ANSWER_SIGNED && matches!(E::AUTH, Auth::Sign { .. }) {
            if let Err(e) = signer.verify_text(&fields) {
                return Err(decode_error(
                    E::NAME,
                    raw,
                    format!("response signature rejected, nothing in the answer was trusted: {e}"),
                ));
            }
        }
        if let Some(result) = text(envelope.result) {
            if result != "SUCCESS" {
                let code = text(envelope.business_code).unwrap_or(result);
                let message = text(envelope.business_message).unwrap_or_default();
                return Err(api_error::<E>(raw, Code::from(code), message.to_owned()));
            }
        }
        if !raw.is_success() {
            return Err(status_error(E::NAME, raw));
        }
        <E::Response as Response>::from_text_fields(&fields)
            .map_err(|reason| decode_error(E::NAME, raw, reason))
    }
}

/// Does the body start like an XML document (after a byte-order mark and whitespace)?
fn looks_like_xml(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// The value both status fields take on failure. As `return_code` it means the call
/// itself failed (bad sign, bad XML), so a code equal to it is a communication-level
/// refusal; every other code is a business one (`err_code`).
#[cfg(feature = "encoders")]
const FAIL: &str = "FAIL";
/// The `return_msg` of a call that went through.
#[cfg(feature = "encoders")]
const OK_MESSAGE: &str = "OK";

/// `return_code SUCCESS`, `return_msg OK`, `result_code SUCCESS`, then the payload.
#[cfg(feature = "encoders")]
pub(super) fn encode_success(env: &Envelope, payload: serde_json::Value) -> serde_json::Value {
    let mut out = super::encode::into_map(payload);
    let ok = env.success.first().copied().unwrap_or("SUCCESS");
    out.insert(env.code.into(), ok.into());
    out.insert(env.message.into(), OK_MESSAGE.into());
    if let Some(result) = env.result {
        out.insert(result.into(), ok.into());
    }
    serde_json::Value::Object(out)
}

/// `FAIL`: `return_code FAIL` with the text in `return_msg` (unsigned); any other code:
/// a business refusal, `result_code FAIL` with `err_code` / `err_code_des` (signed).
#[cfg(feature = "encoders")]
pub(super) fn encode_failure(env: &Envelope, code: &Code, message: &str) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    if *code == FAIL {
        out.insert(env.code.into(), FAIL.into());
        out.insert(env.message.into(), message.into());
    } else {
        let ok = env.success.first().copied().unwrap_or("SUCCESS");
        out.insert(env.code.into(), ok.into());
        out.insert(env.message.into(), OK_MESSAGE.into());
        out.insert(env.result.unwrap_or("result_code").into(), FAIL.into());
        out.insert(
            env.business_code.unwrap_or("err_code").into(),
            code.to_string().into(),
        );
        out.insert(
            env.business_message.unwrap_or("err_code_des").into(),
            message.into(),
        );
    }
    serde_json::Value::Object(out)
}

/// Only answers whose `return_code` is a success carry a sign.
#[cfg(feature = "encoders")]
pub(super) fn encoded_is_signed(env: &Envelope, answer: &serde_json::Value) -> bool {
    answer
        .get(env.code)
        .and_then(serde_json::Value::as_str)
        .is_some_and(|code| env.is_success(&Code::from(code)))
}

/// An answer's object as its flat `<xml>` body: texts as they are, numbers and booleans
/// as their JSON text, nulls left out.
#[cfg(feature = "encoders")]
pub fn body(answer: &serde_json::Value) -> String {
    use serde_json::Value;
    let Some(map) = answer.as_object() else {
        return crate::runtime::xml::write_flat([]);
    };
    let texts: Vec<(&str, String)> = map
        .iter()
        .filter_map(|(k, v)| {
            let text = match v {
                Value::Null => return None,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((k.as_str(), text))
        })
        .collect();
    crate::runtime::xml::write_flat(texts.iter().map(|(k, v)| (*k, v.as_str())))
}
