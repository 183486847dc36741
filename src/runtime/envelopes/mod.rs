//! Envelope decoders, by the name the schema's `envelope.style` gives them. Each turns a
//! complete HTTP answer into the endpoint's response or its typed error; the wire names
//! they read come from the platform's generated [`Envelope`]. The generator refuses a
//! style that has no decoder here.

mod alipay;
mod code_msg_data;
#[cfg(feature = "encoders")]
pub mod encode;
mod errcode;
mod errno_data;
mod status;
mod wechatpay_v3;
mod wechatpay_xml;

pub use alipay::{member_of as alipay_member, Alipay, ERROR_MEMBER as ALIPAY_ERROR_MEMBER};
pub use code_msg_data::CodeMsgData;
pub use errcode::Errcode;
pub use errno_data::ErrnoData;
pub use status::{decode_with_status, read_status, Status};
pub use wechatpay_v3::WechatPayV3;
pub use wechatpay_xml::WechatPayXml;

/// The former spelling of [`WechatPayXml`].
#[deprecated(since = "0.2.0", note = "renamed `WechatPayXml`")]
pub type WechatpayXml = WechatPayXml;

use super::signers::Signer;
use super::{
    bounded_message, Code, CodeType, Endpoint, Error, FromCode, Media, RawResponse, Response,
    ResponseKind,
};

/// How a platform reports success and failure: the schema's `envelope`.
#[derive(Debug, Clone, Copy)]
pub struct Envelope {
    pub style: EnvelopeStyle,
    pub code: &'static str,
    pub message: &'static str,
    pub code_alias: Option<&'static str>,
    pub message_alias: Option<&'static str>,
    /// Codes meaning success, as text (`"0"`, `"SUCCESS"`).
    pub success: &'static [&'static str],
    pub data: Option<&'static str>,
    pub request_id: Option<&'static str>,
    pub business_code: Option<&'static str>,
    pub business_message: Option<&'static str>,
    pub business_success: &'static [&'static str],
    pub result: Option<&'static str>,
    pub sub_code: Option<&'static str>,
    pub sub_message: Option<&'static str>,
    /// The request parameter (an endpoint constant) naming the operation, where one
    /// gateway path serves every call (Alipay's `method`).
    pub operation: Option<&'static str>,
    /// A gateway in front of the platform that answers its own failures in fields of
    /// its own (Baidu's `{error_code, error_msg}` beside `{errno, errmsg}`).
    pub gateway: Option<Gateway>,
    /// The OAuth2.0 spelling of the endpoints that answer outside the envelope
    /// (`Endpoint::BARE`: Baidu's `jscode2sessionkey` and token endpoint).
    pub oauth: Option<OAuth>,
}

/// The fields a gateway answers its own failures in, read before the envelope's code;
/// `codes` are those it answers itself (what an encoder writes in these fields).
#[derive(Debug, Clone, Copy)]
pub struct Gateway {
    pub code: &'static str,
    pub message: &'static str,
    pub codes: &'static [&'static str],
}

/// The fields an OAuth2.0 refusal is written in (`{error, error_description}`), and
/// the HTTP status it comes with when it carries an OAuth2.0 error name rather than the
/// envelope's code.
#[derive(Debug, Clone, Copy)]
pub struct OAuth {
    pub error: &'static str,
    pub description: &'static str,
    pub status: u16,
}

impl Envelope {
    /// Is `code` one of the success codes (`0` and `"0"` alike)?
    pub fn is_success(&self, code: &Code) -> bool {
        self.success.iter().any(|s| code == s)
    }
}

/// The schema's `envelope.style` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeStyle {
    Errcode,
    ErrnoData,
    CodeMsgData,
    WechatPayXml,
    Alipay,
    WechatPayV3,
}

/// Decodes a platform's answers.
pub trait Decoder: Send + Sync + 'static {
    /// Decodes a complete answer for endpoint `E`, checking its signature with `signer`
    /// first where the endpoint is signed and the signer verifies answers.
    fn decode<E: Endpoint, S: Signer>(
        envelope: &Envelope,
        raw: RawResponse,
        signer: &S,
    ) -> Result<E::Response, Error<E::Error>>;
}

/// An undecodable answer, keeping its status and the start of its body.
pub fn decode_error<E>(endpoint: &'static str, raw: &RawResponse, reason: String) -> Error<E> {
    Error::Decode {
        endpoint,
        status: raw.status,
        reason,
        body: raw.snippet(),
    }
}

/// An answer the envelope cannot read: the HTTP failure when the status is one (the
/// body is then rarely the platform's), else a decode error saying what was expected.
pub fn unreadable<E: Endpoint>(
    raw: &RawResponse,
    expected: &str,
    error: impl std::fmt::Display,
) -> Error<E::Error> {
    if raw.is_success() {
        decode_error(E::NAME, raw, format!("expected {expected}: {error}"))
    } else {
        status_error(E::NAME, raw)
    }
}

/// A non-success HTTP status, keeping the start of the body.
pub fn status_error<E>(endpoint: &'static str, raw: &RawResponse) -> Error<E> {
    Error::Status {
        endpoint,
        status: raw.status,
        body: raw.snippet(),
    }
}

/// The endpoint's error for a failure code read off the wire, or a decode error when
/// the code does not fit the platform's code type (text where integers are documented).
pub fn api_error<E: Endpoint>(raw: &RawResponse, code: Code, message: String) -> Error<E::Error> {
    let shown = code.to_string();
    match <<E::Error as FromCode>::Code as CodeType>::from_wire(code) {
        Some(code) => Error::Api {
            endpoint: E::NAME,
            source: E::Error::from_code(code, bounded_message(message)),
        },
        None => decode_error(
            E::NAME,
            raw,
            format!(
                "error code {:?} is not an integer, as the platform's documented codes are",
                bounded_message(shown)
            ),
        ),
    }
}

/// Does the answer start like a JSON object (whatever its content type says)?
pub fn looks_like_json(raw: &RawResponse) -> bool {
    raw.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') || raw.is_json()
}

/// The answer of a binary or text endpoint that is not a JSON (error) object: the
/// bytes or the text as they came. `None` when the envelope must read it.
pub fn unwrapped<E: Endpoint>(raw: &RawResponse) -> Option<Result<E::Response, Error<E::Error>>> {
    if looks_like_json(raw) {
        return None;
    }
    as_it_came::<E>(raw)
}

/// The answer of a binary or text endpoint as it came (bytes with their content type,
/// or text); `None` for a JSON endpoint, whose answer the envelope reads.
pub fn as_it_came<E: Endpoint>(raw: &RawResponse) -> Option<Result<E::Response, Error<E::Error>>> {
    let kind = <E::Response as Response>::KIND;
    if kind == ResponseKind::Json {
        return None;
    }
    if !raw.is_success() {
        return Some(Err(status_error(E::NAME, raw)));
    }
    if kind == ResponseKind::Text {
        return Some(
            <E::Response as Response>::from_json(&raw.body)
                .map_err(|e| decode_error(E::NAME, raw, e.to_string())),
        );
    }
    let media = Media {
        content_type: raw
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned(),
        bytes: raw.body.clone(),
    };
    Some(
        <E::Response as Response>::from_media(media)
            .ok_or_else(|| decode_error(E::NAME, raw, "binary body for a JSON endpoint".into())),
    )
}

/// Decodes a payload the envelope nests in a JSON value (`data`) with the endpoint's
/// response type.
pub fn nested_payload<E: Endpoint>(
    raw: &RawResponse,
    value: &serde_json::Value,
) -> Result<E::Response, Error<E::Error>> {
    <E::Response as Response>::from_value(value)
        .map_err(|e| decode_error(E::NAME, raw, e.to_string()))
}

/// The three envelopes of the platforms, for the runtime's and the simulator's unit
/// tests (which must not depend on a platform's cargo feature).
#[cfg(test)]
pub(crate) mod test_envelopes {
    use super::{Envelope, EnvelopeStyle};

    pub const WX: Envelope = Envelope {
        style: EnvelopeStyle::Errcode,
        code: "errcode",
        message: "errmsg",
        code_alias: Some("errCode"),
        message_alias: Some("errMsg"),
        success: &["0"],
        data: None,
        request_id: None,
        business_code: None,
        business_message: None,
        business_success: &[],
        result: None,
        sub_code: None,
        sub_message: None,
        operation: None,
        gateway: None,
        oauth: None,
    };
    pub const BAIDU: Envelope = Envelope {
        style: EnvelopeStyle::ErrnoData,
        code: "errno",
        code_alias: None,
        message_alias: None,
        data: Some("data"),
        request_id: Some("request_id"),
        gateway: Some(super::Gateway {
            code: "error_code",
            message: "error_msg",
            codes: &["110", "111"],
        }),
        oauth: Some(super::OAuth {
            error: "error",
            description: "error_description",
            status: 400,
        }),
        ..WX
    };
    pub const JUCAI: Envelope = Envelope {
        style: EnvelopeStyle::CodeMsgData,
        code: "code",
        message: "msg",
        code_alias: None,
        message_alias: None,
        success: &["200"],
        data: Some("data"),
        business_code: Some("returnCode"),
        business_message: Some("returnMsg"),
        business_success: &["000000"],
        ..WX
    };
}
