//! `errcode`: the status travels next to the payload (`{errcode, errmsg, …fields}`,
//! WeChat; either spelling of the status fields).

use super::{api_error, decode_error, read_status, status_error, unreadable, unwrapped};
use super::{Decoder, Envelope};
use crate::runtime::signers::Signer;
use crate::runtime::{Endpoint, Error, RawResponse, Response};

/// The `errcode` decoder.
#[derive(Debug, Clone, Copy)]
pub struct Errcode;

impl Decoder for Errcode {
    fn decode<E: Endpoint, S: Signer>(
        envelope: &Envelope,
        raw: RawResponse,
        _signer: &S,
    ) -> Result<E::Response, Error<E::Error>> {
        if let Some(done) = unwrapped::<E>(&raw) {
            return done;
        }
        // One pass reads the payload and the status fields together; only an answer
        // that is not the payload (an error body, garbage) is read a second time, for a
        // status the first pass may have stopped before.
        let (value, status) = <E::Response as Response>::from_json_with_status(&raw.body, envelope);
        let status = match value {
            Ok(_) => status,
            Err(_) => match read_status(envelope, &raw.body) {
                Ok(s) => s,
                Err(e) => return Err(unreadable::<E>(&raw, "a JSON object", e)),
            },
        };
        if let Some((code, message)) = status.error_code(envelope) {
            return Err(api_error::<E>(&raw, code, message.unwrap_or_default()));
        }
        if !raw.is_success() {
            return Err(status_error(E::NAME, &raw));
        }
        value.map_err(|e| decode_error(E::NAME, &raw, e.to_string()))
    }
}

/// The payload itself: the status fields travel next to it, optional on success (an
/// empty payload is `{errcode: 0, errmsg: "ok"}`).
#[cfg(feature = "encoders")]
pub(super) fn encode_success(env: &Envelope, payload: serde_json::Value) -> serde_json::Value {
    if !payload.is_null() {
        return payload;
    }
    serde_json::json!({ env.code: 0, env.message: "ok" })
}

/// `{errcode, errmsg}`.
#[cfg(feature = "encoders")]
pub(super) fn encode_failure(
    env: &Envelope,
    code: &crate::runtime::Code,
    message: &str,
) -> serde_json::Value {
    serde_json::json!({ env.code: super::encode::json_code(code), env.message: message })
}
