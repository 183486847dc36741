//! `errcode`: the status travels next to the payload (`{errcode, errmsg, …fields}`,
//! WeChat; either spelling of the status fields).

use super::{api_error, decode_error, payload, read_status, status_error, unwrapped};
use super::{Decoder, Envelope};
use crate::runtime::signers::Signer;
use crate::runtime::{Endpoint, Error, RawResponse};

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
        let status = match read_status(envelope, &raw.body) {
            Ok(s) => s,
            Err(_) if !raw.is_success() => return Err(status_error(E::NAME, &raw)),
            Err(e) => {
                return Err(decode_error(
                    E::NAME,
                    &raw,
                    format!("expected a JSON object: {e}"),
                ))
            }
        };
        if let Some((code, message)) = status.error_code(envelope) {
            return Err(api_error::<E>(&raw, code, message.unwrap_or_default()));
        }
        if !raw.is_success() {
            return Err(status_error(E::NAME, &raw));
        }
        payload::<E>(&raw, &raw.body)
    }
}
