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
