//! `wechatpay_v3`: WeChat Pay API v3 reports success by HTTP status — 200 with a JSON
//! body, 204 with none — and failure by a 4xx/5xx status with `{code, message,
//! detail?}`. A signed call's answer is verified over its exact body with the key its
//! `Wechatpay-Serial` names before anything in it is read; a 2xx answer without a
//! signature is refused as forged, while an error answer is verified only when it
//! carries one (WeChat Pay sends some unsigned).
//!
//! Public docs: <https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay3_3.shtml>
//! (status codes) and <https://pay.weixin.qq.com/doc/v3/merchant/4013053420>
//! (verifying answers).

use super::{api_error, as_it_came, decode_error, read_status, status_error, Decoder, Envelope};
use crate::runtime::signers::Signer;
use crate::runtime::{Endpoint, Error, RawResponse, Response};

/// The decoder of WeChat Pay API v3 answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct WechatPayV3;

/// The header that tells a signed answer (error answers may come without it).
const SIGNATURE_HEADER: &str = "wechatpay-signature";

impl Decoder for WechatPayV3 {
    fn decode<E: Endpoint, S: Signer>(
        envelope: &Envelope,
        raw: RawResponse,
        signer: &S,
    ) -> Result<E::Response, Error<E::Error>> {
        let signed = S::VERIFIES_ANSWERS && E::ANSWER_SIGNED && E::AUTH.is_signed();
        if signed && (raw.is_success() || raw.headers.contains_key(SIGNATURE_HEADER)) {
            if let Err(reason) = signer.verify_answer(&raw) {
                return Err(decode_error(
                    E::NAME,
                    &raw,
                    format!(
                        "response signature rejected, nothing in the answer was trusted: {reason}"
                    ),
                ));
            }
        }
        if !raw.is_success() {
            return Err(match read_status(envelope, &raw.body) {
                Ok(status) => match status.code {
                    Some(code) => api_error::<E>(&raw, code, status.message.unwrap_or_default()),
                    None => status_error(E::NAME, &raw),
                },
                Err(_) => status_error(E::NAME, &raw),
            });
        }
        if let Some(outcome) = as_it_came::<E>(&raw) {
            return outcome;
        }
        // 204, or a body-less answer of an endpoint the docs give no fields: an empty
        // object for the (field-less) response type.
        let body: &[u8] = if raw.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &raw.body
        };
        <E::Response as Response>::from_json(body)
            .map_err(|e| decode_error(E::NAME, &raw, e.to_string()))
    }
}

/// The payload as the answer's body.
#[cfg(feature = "encoders")]
pub(super) fn encode_success(payload: serde_json::Value) -> serde_json::Value {
    payload
}

/// `{code, message}`; the status goes with the answer (see `encode::answer`).
#[cfg(feature = "encoders")]
pub(super) fn encode_failure(
    env: &Envelope,
    code: &crate::runtime::Code,
    message: &str,
) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    out.insert(env.code.into(), code.to_string().into());
    out.insert(env.message.into(), message.into());
    serde_json::Value::Object(out)
}
