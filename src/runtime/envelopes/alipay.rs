//! `alipay`: `{"<operation>_response": {code, msg, sub_code, sub_msg, …fields}, "sign":
//! "…"}`, where the operation is the endpoint's constant the envelope names
//! (`operation: method`, dots turned into underscores) and a gateway refusal sits under
//! `error_response`. Order of checks, each failing closed:
//! 1. the body is one JSON object with exactly one answer member (duplicates are
//!    refused: which copy was signed?) — else [`Error::Status`] for a non-2xx status, or
//!    [`Error::Decode`];
//! 2. on signed endpoints the signature is checked over the **exact text** of that
//!    member as it came on the wire (never re-serialised JSON), with the answer's
//!    `alipay_cert_sn` in certificate mode — before anything in it is trusted. A success
//!    without a valid signature is an [`Error::Decode`]; so is a failure whose signature
//!    is present but wrong. A failure without one (the gateway cannot always sign its
//!    refusals) is reported as the failure it says it is;
//! 3. `code` other than `10000` is an [`Error::Api`]: the `sub_code` when the endpoint's
//!    table documents it (`ACQ.TRADE_NOT_EXIST`), else the public `code` (`40004`) with
//!    the sub code and its message kept in the message;
//! 4. the member's fields are decoded by the endpoint's response type.

use super::{api_error, decode_error, unreadable, Decoder, Envelope};
use crate::runtime::raw_json::members;
use crate::runtime::signers::Signer;
use crate::runtime::{Auth, Code, Endpoint, Error, RawResponse, Response};
use serde_json::Value;

/// The `alipay` decoder.
#[derive(Debug, Clone, Copy)]
pub struct Alipay;

/// The member holding a gateway refusal instead of the operation's answer.
pub const ERROR_MEMBER: &str = "error_response";
/// The member naming the certificate an answer was signed with (certificate mode).
const CERT_MEMBER: &str = "alipay_cert_sn";

impl Decoder for Alipay {
    fn decode<E: Endpoint, S: Signer>(
        envelope: &Envelope,
        raw: RawResponse,
        signer: &S,
    ) -> Result<E::Response, Error<E::Error>> {
        let raw = &raw;
        let Ok(body) = std::str::from_utf8(&raw.body) else {
            return Err(unreadable::<E>(raw, "a UTF-8 JSON object", "invalid UTF-8"));
        };
        let all = match members(body) {
            Ok(all) => all,
            Err(e) => return Err(unreadable::<E>(raw, "a JSON object", e)),
        };
        let expected = answer_member::<E>(envelope);
        let only = |name: &str| -> Result<Option<&str>, Error<E::Error>> {
            let mut found = all.iter().filter(|(k, _)| k == name).map(|(_, v)| *v);
            let first = found.next();
            if found.next().is_some() {
                return Err(decode_error(
                    E::NAME,
                    raw,
                    format!("the answer has `{name}` twice"),
                ));
            }
            Ok(first)
        };
        let content = match (only(&expected)?, only(ERROR_MEMBER)?) {
            (Some(content), _) | (None, Some(content)) => content,
            (None, None) => {
                return Err(unreadable::<E>(
                    raw,
                    &format!("an object with `{expected}`"),
                    format!("neither `{expected}` nor `{ERROR_MEMBER}` is there"),
                ))
            }
        };
        // Only the status members are parsed here; the payload is decoded once, below.
        let status = match members(content) {
            Ok(fields) => Status::read(envelope, &fields),
            Err(e) => {
                return Err(unreadable::<E>(
                    raw,
                    &format!("`{expected}` to be an object"),
                    e,
                ))
            }
        };
        let signed = S::VERIFIES_ANSWERS && E::ANSWER_SIGNED;
        if let (true, Auth::Sign { field, .. }) = (signed, E::AUTH) {
            let signature = match only(field)? {
                Some(text) => serde_json::from_str::<Option<String>>(text).unwrap_or(None),
                None => None,
            }
            .filter(|s| !s.is_empty());
            let key_id = match only(CERT_MEMBER)? {
                Some(text) => serde_json::from_str::<Option<String>>(text).unwrap_or(None),
                None => None,
            };
            let success = status.is_success(envelope);
            match signature {
                None if success => {
                    return Err(decode_error(
                        E::NAME,
                        raw,
                        "the answer carries no signature; nothing in it was trusted".into(),
                    ))
                }
                None => {}
                Some(signature) => {
                    if let Err(e) =
                        signer.verify_raw(content.as_bytes(), &signature, key_id.as_deref())
                    {
                        return Err(decode_error(
                            E::NAME,
                            raw,
                            format!("response signature rejected, nothing in the answer was trusted: {e}"),
                        ));
                    }
                }
            }
        }
        match status.failure::<E>(envelope, raw) {
            Some(error) => Err(error),
            None => <E::Response as Response>::from_json(content.as_bytes())
                .map_err(|e| decode_error(E::NAME, raw, e.to_string())),
        }
    }
}

/// `alipay.trade.query` → `alipay_trade_query_response`.
fn answer_member<E: Endpoint>(envelope: &Envelope) -> String {
    let operation = envelope
        .operation
        .and_then(|param| E::CONSTANTS.iter().find(|(k, _)| *k == param))
        .map_or(E::NAME, |(_, v)| v);
    member_of(operation)
}

/// The status fields of an answer member, under the envelope's wire names.
struct Status {
    code: Option<Code>,
    message: String,
    sub_code: Option<String>,
    sub_message: String,
}

impl Status {
    fn read(envelope: &Envelope, fields: &[(String, &str)]) -> Status {
        let text = |name: Option<&str>| {
            let raw = fields.iter().find(|(k, _)| Some(k.as_str()) == name)?.1;
            match serde_json::from_str::<Value>(raw).ok()? {
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        Status {
            code: text(Some(envelope.code)).map(Code::from),
            message: text(Some(envelope.message)).unwrap_or_default(),
            sub_code: text(envelope.sub_code).filter(|s| !s.is_empty()),
            sub_message: text(envelope.sub_message).unwrap_or_default(),
        }
    }

    fn is_success(&self, envelope: &Envelope) -> bool {
        self.code.as_ref().is_some_and(|c| envelope.is_success(c))
    }

    /// The endpoint's error, unless the answer is a success. An answer without a
    /// `code` does not say it succeeded, so it is not trusted as a success either.
    fn failure<E: Endpoint>(
        self,
        envelope: &Envelope,
        raw: &RawResponse,
    ) -> Option<Error<E::Error>> {
        if self.is_success(envelope) {
            return None;
        }
        let Some(code) = self.code else {
            return Some(decode_error(
                E::NAME,
                raw,
                format!("the answer has no `{}`", envelope.code),
            ));
        };
        let documented = |sub: &str| E::ERRORS.iter().any(|(code, _)| *code == sub);
        Some(match self.sub_code {
            Some(sub) if documented(&sub) => api_error::<E>(raw, Code::from(sub), self.sub_message),
            Some(sub) => api_error::<E>(
                raw,
                code,
                format!("{}; sub_code {sub}: {}", self.message, self.sub_message),
            ),
            None => api_error::<E>(raw, code, self.message),
        })
    }
}

/// Alipay's gateway codes: their fixed `msg`, and the sub code its docs name for a
/// refusal with that code alone, if any
/// (<https://opendocs.alipay.com/common/02km9f>).
#[cfg(feature = "encoders")]
const PUBLIC_CODES: &[(&str, &str, Option<&str>)] = &[
    ("10000", "Success", None),
    (
        "20000",
        "Service Currently Unavailable",
        Some("isp.unknow-error"),
    ),
    (
        "20001",
        "Insufficient Token Permissions",
        Some("aop.invalid-auth-token"),
    ),
    ("40001", "Missing Required Arguments", None),
    ("40002", "Invalid Arguments", None),
    ("40004", "Business Failed", None),
    (
        "40006",
        "Insufficient Permissions",
        Some("isv.insufficient-isv-permissions"),
    ),
];

/// The fixed `msg` of a gateway code.
#[cfg(feature = "encoders")]
fn public_message(public: &str) -> &'static str {
    PUBLIC_CODES
        .iter()
        .find(|(code, _, _)| *code == public)
        .map_or("Failed", |(_, message, _)| message)
}

/// `{code: "10000", msg: "Success", …payload}`: the answer member's object.
#[cfg(feature = "encoders")]
pub(super) fn encode_success(env: &Envelope, payload: Value) -> Value {
    let mut out = super::encode::into_map(payload);
    let ok = env.success.first().copied().unwrap_or("10000");
    out.insert(env.code.into(), ok.into());
    out.insert(env.message.into(), public_message(ok).into());
    Value::Object(out)
}

/// `code` (a gateway code) with its fixed `msg`, and `sub_code` / `sub_msg` where
/// there is a sub code (see [`codes`]).
#[cfg(feature = "encoders")]
pub(super) fn encode_failure(env: &Envelope, code: &Code, message: &str) -> Value {
    let (public, sub) = codes(code);
    let mut out = serde_json::Map::new();
    out.insert(env.code.into(), public.clone().into());
    out.insert(env.message.into(), public_message(&public).into());
    if let Some(sub) = sub {
        out.insert(env.sub_code.unwrap_or("sub_code").into(), sub.into());
        out.insert(env.sub_message.unwrap_or("sub_msg").into(), message.into());
    }
    Value::Object(out)
}

/// A refusal's `(code, sub_code)`: a gateway code (all digits) with the sub code the
/// docs name for it, or a sub code under the gateway code its prefix stands for —
/// `isp.*` 20000, `aop.*` 20000 (its token codes 20001), `isv.missing-*` 40001,
/// `isv.insufficient-*` 40006, other `isv.*` 40002, anything else (`ACQ.*`) 40004.
#[cfg(feature = "encoders")]
pub fn codes(code: &Code) -> (String, Option<String>) {
    let text = code.to_string();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let sub = PUBLIC_CODES
            .iter()
            .find(|(c, _, _)| *c == text)
            .and_then(|(_, _, sub)| *sub);
        return (text, sub.map(str::to_owned));
    }
    const TOKEN: &[&str] = &[
        "aop.invalid-auth-token",
        "aop.auth-token-time-out",
        "aop.invalid-app-auth-token",
    ];
    let public = if TOKEN.contains(&text.as_str()) {
        "20001"
    } else if text.starts_with("isp.") || text.starts_with("aop.") {
        "20000"
    } else if text.starts_with("isv.missing-") {
        "40001"
    } else if text.starts_with("isv.insufficient-") {
        "40006"
    } else if text.starts_with("isv.") {
        "40002"
    } else {
        "40004"
    };
    (public.to_owned(), Some(text))
}

/// The answer's body: `content` (the member's exact text) under `member` —
/// `<operation>_response`, or `error_response` for a gateway refusal — with the
/// signature over that text, what [`Alipay`]'s decoder checks, and the certificate
/// that signed it in certificate mode.
#[cfg(feature = "encoders")]
pub fn body(member: &str, content: &str, sign: Option<&str>, cert_sn: Option<&str>) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = format!("{{{}:{content}", quote(member));
    if let Some(sign) = sign {
        out.push_str(&format!(",\"sign\":{}", quote(sign)));
    }
    if let Some(sn) = cert_sn {
        out.push_str(&format!(",{}:{}", quote(CERT_MEMBER), quote(sn)));
    }
    out.push('}');
    out
}

/// The member an answer to `operation` sits under (`alipay.trade.query` →
/// `alipay_trade_query_response`).
pub fn member_of(operation: &str) -> String {
    format!("{}_response", operation.replace('.', "_"))
}
