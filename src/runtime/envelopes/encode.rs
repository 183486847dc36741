//! The envelopes turned around (feature `encoders`): a payload, or an error code and
//! text, wrapped as a platform answers — what a test bed (the `miniapp-simulator` crate)
//! serves and the decoders read back. Each style's encoder lives beside its decoder, in
//! that style's file; this module dispatches on the schema's `envelope.style` and holds
//! what the styles share.
//!
//! | style | success | failure |
//! |---|---|---|
//! | `errcode` (WeChat) | the payload itself (`{errcode:0,…}` when the docs' example has it) | `{errcode, errmsg}` |
//! | `errno_data` (Baidu) | `{errno:0, errmsg, request_id, data:{payload}}` | `{errno, errmsg, request_id}` |
//! | `code_msg_data` (Jucai) | `{code:200, msg, data:{returnCode:"000000", returnMsg, …payload}, sign}` | business code → `data.returnCode`; an HTTP-like code (100–599) → top-level `code` |
//! | `wechatpay_xml` (WeChat Pay) | `<xml>` of `return_code SUCCESS`, `return_msg OK`, `result_code SUCCESS`, …payload, `sign` | `FAIL` → `return_code FAIL` + `return_msg`, unsigned; any other code → `result_code FAIL`, `err_code`, `err_code_des`, signed |
//! | `alipay` (Alipay) | the answer member's object: `{code:"10000", msg:"Success", …payload}` | a public code (`"20000"`, `"40004"`) → `code` with its fixed `msg`; a sub code (`ACQ.TRADE_NOT_EXIST`) → `sub_code` + `sub_msg` under the public code its prefix means |
//!
//! Values are built as JSON objects whatever the wire: [`wechatpay_xml_body`] writes a
//! WeChat Pay answer's object as its flat `<xml>`, [`alipay_body`] puts an Alipay answer
//! under its member with the signature over the member's exact text. An example that
//! already carries the envelope (its object has the envelope's `code` key) is sent as it
//! is, so schema authors may transcribe the docs' examples either way.

use super::{alipay, code_msg_data, errcode, errno_data, wechatpay_v3, wechatpay_xml};
use super::{Decoder, Envelope, EnvelopeStyle};
use crate::runtime::signers::Signer;
use crate::runtime::{
    ApiError, Auth, Code, CodeType, Endpoint, Error, FromCode, Platform, RawResponse, Response,
    ResponseKind, StructuredResponse,
};
use serde_json::{Map, Value};
use std::fmt::Debug;

pub use super::alipay::{body as alipay_body, codes as alipay_codes};
pub use super::wechatpay_xml::body as wechatpay_xml_body;

/// The message sent with a success code where the envelope has one.
pub(super) const OK_MESSAGE: &str = "success";

/// A successful answer carrying `payload` (the docs' example, or a test bed's state).
/// `request_id` is used where the envelope carries one (Baidu).
pub fn success(env: &Envelope, payload: Value, request_id: &str) -> Value {
    let already_wrapped = payload
        .as_object()
        .is_some_and(|o| o.contains_key(env.code));
    match env.style {
        EnvelopeStyle::ErrnoData => {
            errno_data::encode_success(env, payload, already_wrapped, request_id)
        }
        _ if already_wrapped => payload,
        EnvelopeStyle::CodeMsgData => code_msg_data::encode_success(env, payload),
        EnvelopeStyle::WechatPayXml => wechatpay_xml::encode_success(env, payload),
        EnvelopeStyle::Alipay => alipay::encode_success(env, payload),
        EnvelopeStyle::Errcode => errcode::encode_success(env, payload),
        EnvelopeStyle::WechatPayV3 => wechatpay_v3::encode_success(payload),
    }
}

/// A refusal with `code` and `message`, as the platform writes it.
pub fn failure(env: &Envelope, code: &Code, message: &str, request_id: &str) -> Value {
    match env.style {
        EnvelopeStyle::Errcode => errcode::encode_failure(env, code, message),
        EnvelopeStyle::ErrnoData => errno_data::encode_failure(env, code, message, request_id),
        EnvelopeStyle::CodeMsgData => code_msg_data::encode_failure(env, code, message),
        EnvelopeStyle::WechatPayXml => wechatpay_xml::encode_failure(env, code, message),
        EnvelopeStyle::Alipay => alipay::encode_failure(env, code, message),
        EnvelopeStyle::WechatPayV3 => wechatpay_v3::encode_failure(env, code, message),
    }
}

/// The whole answer refusing a call to an endpoint that answers outside the envelope
/// (`Endpoint::BARE`, `EndpointInfo::bare`), written in the envelope's OAuth2.0 fields
/// (`envelope.oauth`): an integer code as `{errno, error, error_description}`, its text
/// split at the first `": "` where the decoder joins the two; a text code — an OAuth2.0
/// error name (`invalid_client`) — as `{error, error_description}` without a code, with
/// the OAuth2.0 server's status. An envelope without OAuth2.0 fields: [`failure`].
pub fn bare_failure(env: &Envelope, code: &Code, message: &str) -> RawResponse {
    let (value, status) = match env.style {
        EnvelopeStyle::ErrnoData => errno_data::encode_bare_failure(env, code, message),
        _ => None,
    }
    .unwrap_or_else(|| (failure(env, code, message, ""), 200));
    RawResponse::new(status, Some("application/json"), value.to_string())
}

/// Does this answer carry a sign? Every answer does, except WeChat Pay's refusals at the
/// communication level: it signs nothing it could not authenticate.
pub fn is_signed(env: &Envelope, answer: &Value) -> bool {
    env.style != EnvelopeStyle::WechatPayXml || wechatpay_xml::encoded_is_signed(env, answer)
}

/// The code a text from the schema (`"0"`, `"SUCCESS"`, `"000000"`) stands for.
pub fn code_of(text: &str) -> Code {
    match code_value(text) {
        Value::Number(n) => n.as_i64().map_or_else(|| Code::from(text), Code::Int),
        _ => Code::from(text),
    }
}

/// The whole answer to endpoint `E` carrying `value` (made by [`success`] or
/// [`failure`]), as the platform sends it: signed where the endpoint's answers are (with
/// the scheme's sign over the fields, or — Alipay — over the exact text of the answer
/// member), in its style's body (JSON, flat `<xml>`, the Alipay member object).
pub fn answer<E: Endpoint>(
    value: Value,
    signer: &<E::Platform as Platform>::Signer,
) -> Result<RawResponse, String> {
    type SignerOf<E> = <<E as Endpoint>::Platform as Platform>::Signer;
    let env = &<E::Platform as Platform>::ENVELOPE;
    let sign_field = match E::AUTH {
        Auth::Sign { field, .. }
            if <SignerOf<E> as Signer>::VERIFIES_ANSWERS && E::ANSWER_SIGNED =>
        {
            Some(field)
        }
        _ => None,
    };
    let json = |value: &Value| RawResponse::new(200, Some("application/json"), value.to_string());
    Ok(match env.style {
        EnvelopeStyle::WechatPayXml => {
            let mut fields = texts(into_map(value));
            if let Some(field) =
                sign_field.filter(|_| is_signed(env, &Value::Object(fields.clone())))
            {
                let sign = signer.sign(&fields)?;
                fields.insert(field.into(), sign.into());
            }
            let body = wechatpay_xml_body(&Value::Object(fields));
            RawResponse::new(200, Some("text/xml; charset=utf-8"), body)
        }
        EnvelopeStyle::Alipay => {
            let operation = env
                .operation
                .and_then(|param| E::CONSTANTS.iter().find(|(k, _)| *k == param))
                .map_or(E::NAME, |(_, v)| v);
            let content = value.to_string();
            let sign = match sign_field {
                Some(_) => Some(signer.sign_raw(content.as_bytes())?),
                None => None,
            };
            let body = alipay_body(
                &alipay::member_of(operation),
                &content,
                sign.as_deref(),
                None,
            );
            RawResponse::new(200, Some("text/html;charset=utf-8"), body)
        }
        EnvelopeStyle::CodeMsgData => {
            let mut fields = into_map(value);
            if let Some(field) = sign_field {
                let sign = signer.sign(&fields)?;
                fields.insert(field.into(), sign.into());
            }
            json(&Value::Object(fields))
        }
        EnvelopeStyle::Errcode | EnvelopeStyle::ErrnoData => json(&value),
        EnvelopeStyle::WechatPayV3 => {
            // A refusal goes with the status its code is documented with; a null
            // payload is a success without a body (204).
            let refused = value
                .get(env.code)
                .and_then(Value::as_str)
                .filter(|_| value.get(env.message).is_some());
            let mut raw = match refused {
                Some(code) => {
                    let status = E::ERROR_STATUSES
                        .iter()
                        .find(|(c, _)| *c == code)
                        .map_or(400, |(_, s)| *s);
                    RawResponse::new(status, Some("application/json"), value.to_string())
                }
                None if value.is_null() => RawResponse::new(204, None, Vec::new()),
                None => json(&value),
            };
            if E::AUTH.is_signed() && <SignerOf<E> as Signer>::VERIFIES_ANSWERS && E::ANSWER_SIGNED
            {
                signer.sign_answer(&mut raw)?;
            }
            raw
        }
    })
}

/// Endpoint `E`'s success carrying `payload`: in the envelope, or as it is where `E`
/// answers outside it.
fn success_of<E: Endpoint>(env: &Envelope, payload: Value) -> Value {
    match E::BARE {
        true => payload,
        false => success(env, payload, "round-trip"),
    }
}

/// A platform's round trip of one endpoint: see [`round_trip`].
pub type RoundTrip<P> = fn(&<P as Platform>::Signer) -> Result<(), String>;

/// decode(encode(x)) == x for endpoint `E`: its doc example encoded as a success and
/// decoded by the client equals the example read by the response type alone, and each
/// documented code encoded as a refusal is decoded as that code. `signer` signs the
/// answers as the platform would (for asymmetric schemes: built from the platform's
/// key pair). The generated `ROUND_TRIPS` of each platform point here.
pub fn round_trip<E>(signer: &<E::Platform as Platform>::Signer) -> Result<(), String>
where
    E: Endpoint,
    E::Response: PartialEq + Debug,
{
    let env = &<E::Platform as Platform>::ENVELOPE;
    let decode =
        |raw| <<E::Platform as Platform>::Decoder as Decoder>::decode::<E, _>(env, raw, signer);
    if let Some(example) =
        E::EXAMPLE.filter(|_| <E::Response as Response>::KIND == ResponseKind::Json)
    {
        let payload: Value =
            serde_json::from_str(example).map_err(|e| format!("the example: {e}"))?;
        let encoded = success_of::<E>(env, payload);
        let expected = read_payload::<E>(env, &encoded)?;
        let got = decode(answer::<E>(encoded, signer)?)
            .map_err(|e| format!("the example, encoded, does not decode: {e}"))?;
        if got != expected {
            return Err(format!(
                "the example decodes as {got:?}, the response type reads {expected:?}"
            ));
        }
    }
    // A refusal as the platform writes it for this endpoint.
    let refusal = |code: &Code, text: &str| match E::BARE {
        true => Ok(bare_failure(env, code, text)),
        false => answer::<E>(failure(env, code, text, "round-trip"), signer),
    };
    for (code, doc) in E::ERRORS {
        let raw = refusal(code, doc)?;
        // An Alipay gateway code travels with the sub code its docs name for it (20000
        // with isp.unknow-error), which a client reports where the endpoint documents it;
        // one without a sub code has only the gateway's fixed `msg`, not the doc text.
        let (also, carries_text) = match env.style {
            EnvelopeStyle::Alipay => {
                let (public, sub) = alipay_codes(code);
                let gateway_only = public == code.to_string() && sub.is_none();
                (sub.map(Code::from), !gateway_only)
            }
            _ => (None, true),
        };
        let expected = |got: &Code| got == code || also.as_ref() == Some(got);
        match decode(raw) {
            Err(Error::Api { source, .. })
                if expected(&source.code())
                    && (!carries_text || source.message().contains(doc)) => {}
            Err(Error::Api { source, .. }) => {
                return Err(format!(
                    "code {code} came back as {} {:?}",
                    source.code(),
                    source.message()
                ))
            }
            Err(other) => return Err(format!("code {code} does not decode: {other}")),
            Ok(_) => return Err(format!("code {code} decodes as a success")),
        }
    }
    // The refusals a test bed answers with a code outside the platform's code type (an
    // OAuth2.0 error name from an integer platform): the client reports them as an
    // answer it cannot type, naming the code.
    let untyped = E::REFUSALS.iter().filter(|r| {
        <<E::Error as FromCode>::Code as CodeType>::from_wire(r.code.clone()).is_none()
    });
    for untyped in untyped {
        let raw = refusal(&untyped.code, untyped.message)?;
        let code = &untyped.code;
        match decode(raw) {
            Err(Error::Decode { reason, .. }) if reason.contains(&code.to_string()) => {}
            Err(other) => return Err(format!("refusal {code} decodes as {other}")),
            Ok(_) => return Err(format!("refusal {code} decodes as a success")),
        }
    }
    Ok(())
}

/// [`round_trip`], and the response type written back: its doc example read by the
/// type, serialized (the generated response types derive `Serialize` under this
/// feature) and read again is equal, and that serialization sent through the envelope
/// (as a test bed answers with a value it built) decodes to it too. The generated
/// `ROUND_TRIPS` point here for every endpoint whose answer is a structure.
pub fn round_trip_typed<E>(signer: &<E::Platform as Platform>::Signer) -> Result<(), String>
where
    E: Endpoint,
    E::Response: PartialEq + Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    round_trip::<E>(signer)?;
    let Some(example) = E::EXAMPLE else {
        return Ok(());
    };
    let env = &<E::Platform as Platform>::ENVELOPE;
    let payload: Value = serde_json::from_str(example).map_err(|e| format!("the example: {e}"))?;
    let expected = read_payload::<E>(env, &success_of::<E>(env, payload))?;
    let written = serde_json::to_value(&expected)
        .map_err(|e| format!("the example, read, does not serialize: {e}"))?;
    let again: E::Response = serde_json::from_value(written.clone())
        .map_err(|e| format!("the example, written back as {written}, does not read: {e}"))?;
    if again != expected {
        return Err(format!(
            "the example written back reads {again:?}, not {expected:?}"
        ));
    }
    let decode =
        |raw| <<E::Platform as Platform>::Decoder as Decoder>::decode::<E, _>(env, raw, signer);
    let got = decode(answer::<E>(success_of::<E>(env, written), signer)?)
        .map_err(|e| format!("the example written back, encoded, does not decode: {e}"))?;
    if got != expected {
        return Err(format!(
            "the example written back decodes as {got:?}, not {expected:?}"
        ));
    }
    Ok(())
}

/// A request as a test bed receives it, read into the endpoint's request type: the
/// fields that travel outside the body (`params`: its path parameters, as
/// [`path_params`] reads them, and its query, by wire name; a later pair wins), the rest
/// from the JSON `body` (`None`: no body). Generated request types derive `Deserialize`
/// under this feature and read their path and query fields from the same object, so a
/// handler names no wire field. Members the type does not have (the fields a client
/// fills from its credentials, `appid`, `mchid`) are left to the caller. `Err` is serde's
/// reason, what a platform's `PARAM_ERROR` says.
pub fn read_request<E>(params: &[(String, String)], body: Option<&Value>) -> Result<E, String>
where
    E: Endpoint + serde::de::DeserializeOwned,
{
    let mut fields = match body {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err("the body is not a JSON object".into()),
    };
    for (name, value) in params {
        fields.insert(name.clone(), Value::String(value.clone()));
    }
    serde_json::from_value(Value::Object(fields)).map_err(|e| e.to_string())
}

/// A request whose every value is text (WeChat Pay's flat `<xml>`), read into the
/// endpoint's request type from its `(name, text)` fields: integers and booleans are
/// parsed from their decimal text where the type has them (the generated request types
/// of such platforms read them leniently, alternatives flattened in included), anything
/// else is an error, never a guess. Fields the type does not have (the sign scheme's
/// `sign`, `nonce_str`, `appid`, `mch_id`) are left to the caller. `Err` is serde's
/// reason.
pub fn read_text_request<E>(fields: &[(String, String)]) -> Result<E, String>
where
    E: Endpoint + serde::de::DeserializeOwned,
{
    crate::runtime::decode_text_fields(fields).map_err(|e| e.to_string())
}

/// A response of a text-bodied platform (WeChat Pay's flat `<xml>`) as the fields a
/// test bed answers: the type serialized, its numbered lists
/// ([`StructuredResponse::INDEXED_LISTS`]) spread over their numbered fields. The
/// envelope's encoder writes numbers as their text.
pub fn write_text_response<R>(response: &R) -> Result<Map<String, Value>, String>
where
    R: StructuredResponse + serde::Serialize,
{
    let mut fields = match serde_json::to_value(response).map_err(|e| e.to_string())? {
        Value::Object(map) => map,
        other => return Err(format!("a response written as {other}")),
    };
    crate::runtime::spread_indexed_fields(&mut fields, R::INDEXED_LISTS);
    Ok(fields)
}

/// decode(encode(x)) == x for a request of a text-bodied platform: `request` written as
/// the client writes it (every value as its text) and read back by
/// [`read_text_request`] is equal to it.
pub fn text_request_round_trip<E>(request: &E) -> Result<(), String>
where
    E: Endpoint + PartialEq + Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    let body = serde_json::to_value(request).map_err(|e| format!("{}: {e}", E::NAME))?;
    let fields: Vec<(String, String)> = texts(into_map(body))
        .into_iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let back: E = read_text_request(&fields)
        .map_err(|e| format!("{}: {fields:?} does not read: {e}", E::NAME))?;
    if &back != request {
        return Err(format!("{}: {request:?} reads back as {back:?}", E::NAME));
    }
    Ok(())
}

/// The path parameters of `path` (as sent, without a query) by the names of `E::PATH`'s
/// `{…}`, each segment percent-decoded.
pub fn path_params<E: Endpoint>(path: &str) -> Result<Vec<(String, String)>, String> {
    let mismatch = || format!("the path {path:?} is not {}", E::PATH);
    let mut got = path.trim_end_matches('/').split('/');
    let mut params = Vec::new();
    for part in E::PATH.trim_end_matches('/').split('/') {
        let segment = got.next().ok_or_else(mismatch)?;
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => {
                let value = percent_encoding::percent_decode_str(segment)
                    .decode_utf8()
                    .map_err(|_| format!("{name}: not UTF-8"))?;
                params.push((name.to_owned(), value.into_owned()));
            }
            None if part == segment => {}
            None => return Err(mismatch()),
        }
    }
    match got.next() {
        Some(_) => Err(mismatch()),
        None => Ok(params),
    }
}

/// A request written as the client sends it (its path, query and JSON body) and read
/// back by [`read_request`] is equal to itself: what a test bed reads is what the
/// client meant.
pub fn request_round_trip<E>(request: &E) -> Result<(), String>
where
    E: Endpoint + PartialEq + Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    let body = serde_json::to_value(request).map_err(|e| format!("{}: {e}", E::NAME))?;
    let mut path = String::new();
    request.write_path(&mut path);
    let mut query = Vec::new();
    request.write_query(&mut query);
    let mut params = path_params::<E>(&path)?;
    params.extend(query.into_iter().map(|(k, v)| (k.to_owned(), v)));
    let back: E = read_request(&params, Some(&body))
        .map_err(|e| format!("{}: {path} {params:?} {body} does not read: {e}", E::NAME))?;
    if &back != request {
        return Err(format!("{}: {request:?} reads back as {back:?}", E::NAME));
    }
    Ok(())
}

/// The test oracle: the payload of an encoded success read by the response type alone,
/// without the decoder.
fn read_payload<E: Endpoint>(env: &Envelope, encoded: &Value) -> Result<E::Response, String> {
    let read = |payload: &Value| {
        <E::Response as Response>::from_value(payload).map_err(|e| format!("the example: {e}"))
    };
    match env.style {
        _ if E::BARE => read(encoded),
        EnvelopeStyle::Errcode | EnvelopeStyle::Alipay | EnvelopeStyle::WechatPayV3 => {
            read(encoded)
        }
        EnvelopeStyle::ErrnoData | EnvelopeStyle::CodeMsgData => read(
            encoded
                .get(env.data.unwrap_or("data"))
                .unwrap_or(&Value::Null),
        ),
        EnvelopeStyle::WechatPayXml => {
            let fields: Vec<(String, String)> = texts(into_map(encoded.clone()))
                .into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
                .collect();
            <E::Response as Response>::from_text_fields(&fields)
        }
    }
}

/// Every value as the text a flat `<xml>` carries (nulls left out).
fn texts(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(_) => (k, v),
            other => (k, Value::String(other.to_string())),
        })
        .collect()
}

/// The first success code of the envelope as JSON (a number when it parses as one).
pub(super) fn success_code(codes: &[&str]) -> Value {
    code_value(codes.first().copied().unwrap_or("0"))
}

fn code_value(text: &str) -> Value {
    match text.parse::<i64>() {
        // Keep leading zeros ("000000") as a string: they are part of the code.
        Ok(n) if n.to_string() == text => Value::from(n),
        _ => Value::from(text),
    }
}

/// A code as the wire carries it: a JSON number or a JSON string.
pub(super) fn json_code(code: &Code) -> Value {
    match code {
        Code::Int(c) => Value::from(*c),
        Code::Str(s) => Value::from(s.as_ref()),
    }
}

pub(super) fn into_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        // A non-object example: keep it under a recognisable key rather than lose it.
        other => {
            let mut map = Map::new();
            map.insert("value".into(), other);
            map
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::runtime::envelopes::test_envelopes::{BAIDU, JUCAI, WX as NONE};

    const PAY: Envelope = Envelope {
        style: EnvelopeStyle::WechatPayXml,
        code: "return_code",
        message: "return_msg",
        code_alias: None,
        message_alias: None,
        success: &["SUCCESS"],
        data: None,
        request_id: None,
        business_code: Some("err_code"),
        business_message: Some("err_code_des"),
        business_success: &[],
        result: Some("result_code"),
        sub_code: None,
        sub_message: None,
        operation: None,
        gateway: None,
        oauth: None,
    };

    #[test]
    fn wechatpay_xml_style() {
        let ok = success(&PAY, json!({"prepay_id": "wx1"}), "r");
        assert_eq!(
            ok,
            json!({"return_code": "SUCCESS", "return_msg": "OK", "result_code": "SUCCESS", "prepay_id": "wx1"})
        );
        assert!(is_signed(&PAY, &ok));
        let business = failure(&PAY, &Code::from("ORDERPAID"), "订单已支付", "r");
        assert_eq!(
            business,
            json!({"return_code": "SUCCESS", "return_msg": "OK", "result_code": "FAIL", "err_code": "ORDERPAID", "err_code_des": "订单已支付"})
        );
        assert!(is_signed(&PAY, &business));
        let refused = failure(&PAY, &Code::from("FAIL"), "签名错误", "r");
        assert_eq!(
            refused,
            json!({"return_code": "FAIL", "return_msg": "签名错误"})
        );
        assert!(!is_signed(&PAY, &refused));
        assert!(is_signed(&JUCAI, &json!({"code": 401})));
        let xml = wechatpay_xml_body(&json!({"a": "x]]>y", "n": 1, "gone": null}));
        assert_eq!(
            crate::runtime::xml::parse_flat(xml.as_bytes()).unwrap(),
            vec![("a".into(), "x]]>y".into()), ("n".into(), "1".into())]
        );
    }

    const ALIPAY: Envelope = Envelope {
        style: EnvelopeStyle::Alipay,
        code: "code",
        message: "msg",
        code_alias: None,
        message_alias: None,
        success: &["10000"],
        data: None,
        request_id: None,
        business_code: None,
        business_message: None,
        business_success: &[],
        result: None,
        sub_code: Some("sub_code"),
        sub_message: Some("sub_msg"),
        operation: Some("method"),
        gateway: None,
        oauth: None,
    };

    #[test]
    fn alipay_style() {
        let ok = success(&ALIPAY, json!({"trade_no": "1"}), "r");
        assert_eq!(
            ok,
            json!({"code": "10000", "msg": "Success", "trade_no": "1"})
        );
        let business = failure(
            &ALIPAY,
            &Code::from("ACQ.TRADE_NOT_EXIST"),
            "交易不存在",
            "r",
        );
        assert_eq!(
            business,
            json!({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"})
        );
        let sign = failure(
            &ALIPAY,
            &Code::from("isv.invalid-signature"),
            "验签出错",
            "r",
        );
        assert_eq!(sign["code"], "40002");
        assert_eq!(sign["msg"], "Invalid Arguments");
        let missing = failure(
            &ALIPAY,
            &Code::from("isv.missing-method"),
            "缺少方法名参数",
            "r",
        );
        assert_eq!(missing["code"], "40001");
        let busy = failure(&ALIPAY, &Code::Int(20000), "服务暂不可用", "r");
        assert_eq!(
            busy,
            json!({"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "isp.unknow-error", "sub_msg": "服务暂不可用"})
        );
        let token = failure(&ALIPAY, &Code::from("aop.auth-token-time-out"), "x", "r");
        assert_eq!(token["code"], "20001");
        let bare = failure(&ALIPAY, &Code::from("40004"), "x", "r");
        assert_eq!(bare, json!({"code": "40004", "msg": "Business Failed"}));
    }

    #[test]
    fn errcode_style() {
        let ok = success(&NONE, json!({"openid": "o"}), "r");
        assert_eq!(ok, json!({"openid": "o"}));
        let err = failure(&NONE, &Code::Int(40029), "code 无效", "r");
        assert_eq!(err, json!({"errcode": 40029, "errmsg": "code 无效"}));
    }

    #[test]
    fn errno_data_style() {
        let ok = success(&BAIDU, json!({"unionid": "u"}), "rid-1");
        assert_eq!(
            ok,
            json!({"errno": 0, "errmsg": "success", "request_id": "rid-1", "data": {"unionid": "u"}})
        );
        let wrapped = success(
            &BAIDU,
            json!({"errno": 0, "data": {"unionid": "u"}}),
            "rid-2",
        );
        assert_eq!(
            wrapped,
            json!({"errno": 0, "data": {"unionid": "u"}, "request_id": "rid-2"})
        );
        let err = failure(&BAIDU, &Code::Int(40001), "bad", "rid-3");
        assert_eq!(
            err,
            json!({"errno": 40001, "errmsg": "bad", "request_id": "rid-3"})
        );
    }

    #[test]
    fn code_msg_data_style() {
        let ok = success(&JUCAI, json!({"openId": "o"}), "r");
        assert_eq!(
            ok,
            json!({"code": 200, "msg": "success", "data": {"openId": "o", "returnCode": "000000", "returnMsg": "success"}})
        );
        let business = failure(&JUCAI, &Code::Int(100_001), "商户不存在", "r");
        assert_eq!(
            business,
            json!({"code": 200, "msg": "success", "data": {"returnCode": "100001", "returnMsg": "商户不存在"}})
        );
        let padded = failure(&JUCAI, &Code::Int(12), "x", "r");
        assert_eq!(padded["data"]["returnCode"], "000012");
        let transport = failure(&JUCAI, &Code::Int(401), "签名错误", "r");
        assert_eq!(
            transport,
            json!({"code": 401, "msg": "签名错误", "data": null})
        );
    }
}
