//! Wrapping a payload, or an error code and text, in a platform's envelope — the
//! schema's `envelope:` (see `schema/README.md`) turned around: the runtime reads these
//! shapes, the simulator writes them.
//!
//! | style | success | failure |
//! |---|---|---|
//! | `errcode` (WeChat) | the payload itself (`{errcode:0,…}` when the docs' example has it) | `{errcode, errmsg}` |
//! | `errno_data` (Baidu) | `{errno:0, errmsg, request_id, data:{payload}}` | `{errno, errmsg, request_id}` |
//! | `code_msg_data` (Jucai) | `{code:200, msg, data:{returnCode:"000000", returnMsg, …payload}, sign}` | business code → `data.returnCode`; an HTTP-like code (100–599) → top-level `code` |
//! | `wechatpay_xml` (WeChat Pay) | `<xml>` of `return_code SUCCESS`, `return_msg OK`, `result_code SUCCESS`, …payload, `sign` | `FAIL` → `return_code FAIL` + `return_msg`, unsigned; any other code → `result_code FAIL`, `err_code`, `err_code_des`, signed |
//! | `alipay` (Alipay) | the answer member's object: `{code:"10000", msg:"Success", …payload}` | a public code (`"20000"`, `"40004"`) → `code` with its fixed `msg` (and the sub code the docs name for it, if any); a sub code (`ACQ.TRADE_NOT_EXIST`, `isv.invalid-signature`) → `sub_code` + `sub_msg` under the public code its prefix means |
//!
//! An `alipay` answer is that object only: the platform's seal hook puts it under its
//! member (`<method>_response` or `error_response`) and signs its exact text (see
//! `src/simulator/alipay/`).
//!
//! The values are built as JSON objects whatever the wire; [`to_xml`] writes a
//! `wechatpay_xml` answer's object as its flat `<xml>` body.
//!
//! An example that already carries the envelope (its object has the envelope's `code`
//! key) is sent as it is, so schema authors may transcribe the docs' examples either way.

use miniapp::runtime::xml::write_flat;
use miniapp::runtime::{Code, Envelope, EnvelopeStyle};
use serde_json::{Map, Value};

/// The message sent with a success code where the envelope has one.
const OK_MESSAGE: &str = "success";

/// `wechatpay_xml`: the value both status fields take on failure. As `return_code` it
/// means the call itself failed (bad sign, bad XML), so a code equal to it is a
/// communication-level refusal; every other code is a business one (`err_code`).
const XML_FAIL: &str = "FAIL";
/// `wechatpay_xml`: the `return_msg` of a call that went through.
const XML_OK_MESSAGE: &str = "OK";

/// Can the simulator speak this envelope style?
pub(crate) fn supported(style: EnvelopeStyle) -> bool {
    matches!(
        style,
        EnvelopeStyle::Errcode
            | EnvelopeStyle::ErrnoData
            | EnvelopeStyle::CodeMsgData
            | EnvelopeStyle::WechatPayXml
            | EnvelopeStyle::Alipay
    )
}

/// Does this answer carry a sign? Every answer does, except `wechatpay_xml` refusals at
/// the communication level: WeChat Pay signs nothing it could not authenticate.
pub(crate) fn is_signed(env: &Envelope, answer: &Value) -> bool {
    env.style != EnvelopeStyle::WechatPayXml
        || answer
            .get(env.code)
            .and_then(Value::as_str)
            .is_some_and(|code| env.is_success(&Code::from(code)))
}

/// A `wechatpay_xml` answer's object as its flat `<xml>` body: texts as they are,
/// numbers and booleans as their JSON text, nulls left out.
pub(crate) fn to_xml(answer: &Value) -> String {
    let Some(map) = answer.as_object() else {
        return write_flat([]);
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
    write_flat(texts.iter().map(|(k, v)| (*k, v.as_str())))
}

/// The first success code of the envelope as JSON (a number when it parses as one).
fn success_code(codes: &[&str]) -> Value {
    let text = codes.first().copied().unwrap_or("0");
    code_value(text)
}

fn code_value(text: &str) -> Value {
    match text.parse::<i64>() {
        // Keep leading zeros ("000000") as a string: they are part of the code.
        Ok(n) if n.to_string() == text => Value::from(n),
        _ => Value::from(text),
    }
}

/// A successful answer carrying `payload` (the docs' example).
pub(crate) fn success(env: &Envelope, payload: Value, request_id: &str) -> Value {
    let already_wrapped = payload
        .as_object()
        .is_some_and(|o| o.contains_key(env.code));
    match env.style {
        EnvelopeStyle::ErrnoData => {
            let mut out = if already_wrapped {
                into_map(payload)
            } else {
                let mut out = Map::new();
                out.insert(env.code.into(), success_code(env.success));
                out.insert(env.message.into(), OK_MESSAGE.into());
                out.insert(env.data.unwrap_or("data").into(), payload);
                out
            };
            if let Some(rid) = env.request_id {
                out.entry(rid).or_insert_with(|| request_id.into());
            }
            Value::Object(out)
        }
        EnvelopeStyle::CodeMsgData if !already_wrapped => {
            let mut data = into_map(payload);
            if let Some(bc) = env.business_code {
                data.entry(bc)
                    .or_insert_with(|| success_code(env.business_success));
                if let Some(bm) = env.business_message {
                    data.entry(bm).or_insert_with(|| OK_MESSAGE.into());
                }
            }
            let mut out = Map::new();
            out.insert(env.code.into(), success_code(env.success));
            out.insert(env.message.into(), OK_MESSAGE.into());
            out.insert(env.data.unwrap_or("data").into(), Value::Object(data));
            Value::Object(out)
        }
        EnvelopeStyle::WechatPayXml if !already_wrapped => {
            let mut out = into_map(payload);
            let ok = env.success.first().copied().unwrap_or("SUCCESS");
            out.insert(env.code.into(), ok.into());
            out.insert(env.message.into(), XML_OK_MESSAGE.into());
            if let Some(result) = env.result {
                out.insert(result.into(), ok.into());
            }
            Value::Object(out)
        }
        EnvelopeStyle::Alipay if !already_wrapped => {
            let mut out = into_map(payload);
            let ok = env.success.first().copied().unwrap_or(ALIPAY_SUCCESS);
            out.insert(env.code.into(), ok.into());
            out.insert(env.message.into(), alipay_message(ok).into());
            Value::Object(out)
        }
        // errcode: the payload travels next to the (optional) status fields.
        _ => payload,
    }
}

/// A refusal with `code` and `message`.
pub(crate) fn failure(env: &Envelope, code: &Code, message: &str, request_id: &str) -> Value {
    let mut out = Map::new();
    // An integer code in the HTTP status range is a transport-level refusal; any other
    // code (a string code among them) is the business code's.
    let transport_level = matches!(code, Code::Int(c) if (100..600).contains(c));
    match env.style {
        EnvelopeStyle::CodeMsgData if env.business_code.is_some() && !transport_level => {
            // A business refusal: transport fine, `data.returnCode` says no.
            let width = env.business_success.first().map_or(0, |s| s.len());
            let business = match code {
                Code::Int(c) => format!("{c:0width$}"),
                Code::Str(s) => s.to_string(),
            };
            let mut data = Map::new();
            if let Some(bc) = env.business_code {
                data.insert(bc.into(), business.into());
            }
            if let Some(bm) = env.business_message {
                data.insert(bm.into(), message.into());
            }
            out.insert(env.code.into(), success_code(env.success));
            out.insert(env.message.into(), OK_MESSAGE.into());
            out.insert(env.data.unwrap_or("data").into(), Value::Object(data));
        }
        EnvelopeStyle::CodeMsgData => {
            out.insert(env.code.into(), json_code(code));
            out.insert(env.message.into(), message.into());
            out.insert(env.data.unwrap_or("data").into(), Value::Null);
        }
        EnvelopeStyle::WechatPayXml if *code != XML_FAIL => {
            let ok = env.success.first().copied().unwrap_or("SUCCESS");
            out.insert(env.code.into(), ok.into());
            out.insert(env.message.into(), XML_OK_MESSAGE.into());
            out.insert(env.result.unwrap_or("result_code").into(), XML_FAIL.into());
            out.insert(
                env.business_code.unwrap_or("err_code").into(),
                code.to_string().into(),
            );
            out.insert(
                env.business_message.unwrap_or("err_code_des").into(),
                message.into(),
            );
        }
        EnvelopeStyle::WechatPayXml => {
            out.insert(env.code.into(), XML_FAIL.into());
            out.insert(env.message.into(), message.into());
        }
        EnvelopeStyle::Alipay => {
            let (public, sub) = alipay_codes(code);
            out.insert(env.code.into(), public.clone().into());
            out.insert(env.message.into(), alipay_message(&public).into());
            if let Some(sub) = sub {
                out.insert(env.sub_code.unwrap_or("sub_code").into(), sub.into());
                out.insert(env.sub_message.unwrap_or("sub_msg").into(), message.into());
            }
        }
        _ => {
            out.insert(env.code.into(), json_code(code));
            out.insert(env.message.into(), message.into());
            if let (EnvelopeStyle::ErrnoData, Some(rid)) = (env.style, env.request_id) {
                out.insert(rid.into(), request_id.into());
            }
        }
    }
    Value::Object(out)
}

/// Alipay's success code.
const ALIPAY_SUCCESS: &str = "10000";

/// Alipay's public codes: their fixed `msg`, and the sub code the docs name for a
/// refusal with that code alone (a forced `fail_next(e, "20000", …)`), if any.
const ALIPAY_PUBLIC: &[(&str, &str, Option<&str>)] = &[
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

/// The fixed `msg` of an Alipay public code.
fn alipay_message(public: &str) -> &'static str {
    ALIPAY_PUBLIC
        .iter()
        .find(|(code, _, _)| *code == public)
        .map_or("Failed", |(_, message, _)| message)
}

/// An Alipay refusal's `(code, sub_code)`: a public code (all digits) with the sub code
/// the docs name for it, or a sub code under the public code its prefix stands for —
/// `isp.*` 20000, `aop.*` 20000 (its token codes 20001), `isv.missing-*` 40001,
/// `isv.insufficient-*` 40006, other `isv.*` 40002, anything else (`ACQ.*`) 40004.
pub(crate) fn alipay_codes(code: &Code) -> (String, Option<String>) {
    let text = code.to_string();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let sub = ALIPAY_PUBLIC
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

/// A code as the wire carries it: a JSON number or a JSON string.
fn json_code(code: &Code) -> Value {
    match code {
        Code::Int(c) => Value::from(*c),
        Code::Str(s) => Value::from(s.as_ref()),
    }
}

/// The code a text from the schema (`"0"`, `"SUCCESS"`, `"000000"`) stands for.
pub(crate) fn code_of(text: &str) -> Code {
    match code_value(text) {
        Value::Number(n) => n.as_i64().map_or_else(|| Code::from(text), Code::Int),
        _ => Code::from(text),
    }
}

fn into_map(value: Value) -> Map<String, Value> {
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

#[cfg(all(test, feature = "wechat", feature = "baidu", feature = "jucai"))]
mod tests {
    use super::*;
    use serde_json::json;

    use miniapp::baidu::ENVELOPE as BAIDU;
    use miniapp::jucai::ENVELOPE as JUCAI;
    use miniapp::wechat::ENVELOPE as NONE;

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
        let xml = to_xml(&json!({"a": "x]]>y", "n": 1, "gone": null}));
        assert_eq!(
            miniapp::runtime::xml::parse_flat(xml.as_bytes()).unwrap(),
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
