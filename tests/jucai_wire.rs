//! Wire tests of the Jucai (巨彩商服) client against a real HTTP server on 127.0.0.1:
//! the exact JSON body with its sign (recomputed here, independently, from the assumed
//! scheme of wire-facts §E), the docs' example answer, response-sign verification
//! (missing, tampered, wrong case), `code` / `returnCode` failures, and the `mchOrderNo`
//! constraints checked before sending.
//!
//! Run with `cargo test --features baidu,jucai --test baidu_wire --test jucai_wire`.
#![cfg(feature = "jucai")]

use md5::{Digest, Md5};
use miniapp::crypto::sign::HexCase;
use miniapp::jucai::auth::*;
use miniapp::jucai::Client;
use miniapp::runtime::Error;
use serde_json::{json, Map, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "merchant-key-0123456789abcdef";
const PATH: &str = "/pay/api/1.0/auth2OpenId";

/// The docs' example answer (seed 001), verbatim, with the docs' own sign.
const DOC_EXAMPLE: &str = r#"{ "code": 200, "msg": "成功", "data": { "returnCode": "000000", "returnMsg": "SUCCESS", "termId": null, "randomStr": "58H6XIKWXXNUVDVP9IZWX1NAQ8U6HUWD", "orgId": "ISV_I232767463", "mchNo": "MCH_I293975931", "mchOrderNo": null, "appid": "wxfaxxxx", "openid": "ooIeqs3PCR04Hkvd-xxxx", "subAppid": "", "subOpenid": "" }, "sign": "046d401cda399814f5b5d88cf9bd5e74" }"#;

/// The documented scheme, written out independently of `miniapp::crypto`: top-level
/// fields except `sign`, empty and null values skipped, strings raw, numbers as their
/// text, objects as compact JSON with sorted keys; sorted by key, `k=v&…&key=KEY`, MD5.
fn doc_sign(fields: &Map<String, Value>, key: &str, upper: bool) -> String {
    let mut parts: Vec<(String, String)> = Vec::new();
    for (k, v) in fields {
        if k == "sign" {
            continue;
        }
        let text = match v {
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            Value::String(s) => s.clone(),
            Value::Object(_) | Value::Array(_) => compact_sorted(v),
            other => other.to_string(),
        };
        parts.push((k.clone(), text));
    }
    parts.sort();
    let mut text = parts
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    text.push_str(&format!("&key={key}"));
    let digest: String = Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if upper {
        digest.to_uppercase()
    } else {
        digest
    }
}

/// Compact JSON with object keys sorted at every level (independent of map order).
fn compact_sorted(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), compact_sorted(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(compact_sorted).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

/// `answer` with a valid sign for `KEY`.
fn signed(mut answer: Value, upper: bool) -> String {
    let map = answer.as_object_mut().unwrap();
    map.remove("sign");
    let sign = doc_sign(map, KEY, upper);
    map.insert("sign".into(), Value::String(sign));
    answer.to_string()
}

fn respond(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "application/json")
}

fn doc_example_resigned() -> String {
    signed(serde_json::from_str(DOC_EXAMPLE).unwrap(), false)
}

fn request() -> Auth2OpenIdRequest {
    Auth2OpenIdRequest::new(
        "MCH_I293975931",
        "MCH_A698612520",
        "2023041709270000001",
        WayCode::Wechat,
        "134291427096188722",
        "127.0.0.1",
    )
}

async fn server_answering(body: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(respond(body))
        .mount(&server)
        .await;
    server
}

async fn only_request(server: &MockServer) -> Request {
    let mut reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    reqs.remove(0)
}

fn body_of(req: &Request) -> Map<String, Value> {
    serde_json::from_slice(&req.body).expect("a JSON object body")
}

#[tokio::test]
async fn auth2openid_posts_the_signed_json_body_and_decodes_the_doc_example() {
    let server = server_answering(doc_example_resigned()).await;
    let jc = Client::new(server.uri(), KEY);
    let r = jc.auth().auth2_open_id(request()).await.unwrap();
    assert_eq!(r.return_code, "000000");
    assert_eq!(r.return_msg.as_deref(), Some("SUCCESS"));
    assert_eq!(r.openid.as_deref(), Some("ooIeqs3PCR04Hkvd-xxxx"));
    assert_eq!(r.appid.as_deref(), Some("wxfaxxxx"));
    assert_eq!(r.org_id.as_deref(), Some("ISV_I232767463"));
    assert_eq!(r.mch_no.as_deref(), Some("MCH_I293975931"));
    assert_eq!(
        r.random_str.as_deref(),
        Some("58H6XIKWXXNUVDVP9IZWX1NAQ8U6HUWD")
    );
    assert_eq!(r.term_id, None);
    assert_eq!(r.mch_order_no, None);
    assert_eq!(r.sub_appid.as_deref(), Some(""));
    assert_eq!(r.sub_openid.as_deref(), Some(""));

    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), PATH);
    assert_eq!(req.url.query(), None);
    assert_eq!(
        req.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body = body_of(&req);
    let mut expected = json!({
        "appId": "MCH_A698612520",
        "authCode": "134291427096188722",
        "clientIp": "127.0.0.1",
        "mchNo": "MCH_I293975931",
        "mchOrderNo": "2023041709270000001",
        "termId": "88888888",
        "wayCode": "WECHAT",
    });
    let sign = doc_sign(expected.as_object().unwrap(), KEY, false);
    assert_eq!(sign.len(), 32);
    assert!(sign
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    expected["sign"] = Value::String(sign);
    assert_eq!(Value::Object(body), expected);
}

#[tokio::test]
async fn optional_fields_are_sent_and_empty_ones_left_out_of_the_sign() {
    let server = server_answering(doc_example_resigned()).await;
    let jc = Client::new(server.uri(), KEY);
    jc.auth()
        .auth2_open_id(
            Auth2OpenIdRequest::new(
                "MCH_1",
                "APP_1",
                "order_12345",
                WayCode::Unionpay,
                "6225000000000",
                "10.0.0.1",
            )
            .version("1.0")
            .term_id("12345678")
            .sub_appid(""),
        )
        .await
        .unwrap();
    let body = body_of(&only_request(&server).await);
    assert_eq!(body["version"], "1.0");
    assert_eq!(body["termId"], "12345678");
    assert_eq!(body["wayCode"], "UNIONPAY");
    assert_eq!(body["subAppid"], "");
    // The sign skips the empty subAppid: the same as without it.
    let mut without = body.clone();
    without.remove("subAppid");
    assert_eq!(body["sign"], doc_sign(&without, KEY, false));
    assert_eq!(body["sign"], doc_sign(&body, KEY, false));
}

#[tokio::test]
async fn uppercase_hex_is_configurable_both_ways() {
    let answer = serde_json::from_str::<Value>(DOC_EXAMPLE).unwrap();
    let server = server_answering(signed(answer.clone(), true)).await;
    let jc = Client::builder(server.uri(), KEY)
        .hex_case(HexCase::Upper)
        .build();
    assert_eq!(jc.hex_case(), HexCase::Upper);
    jc.auth().auth2_open_id(request()).await.unwrap();
    let body = body_of(&only_request(&server).await);
    assert_eq!(body["sign"], doc_sign(&body, KEY, true));

    // A lowercase-signed answer is rejected by an uppercase client, saying why.
    let server = server_answering(signed(answer, false)).await;
    let jc = Client::builder(server.uri(), KEY)
        .hex_case(HexCase::Upper)
        .build();
    let e = jc.auth().auth2_open_id(request()).await.unwrap_err();
    match e {
        Error::Decode { reason, .. } => {
            assert!(reason.contains("hex case"), "{reason}");
            assert!(reason.contains(".hex_case(HexCase::Lower)"), "{reason}");
        }
        other => panic!("expected a sign rejection, got {other:?}"),
    }
}

fn assert_sign_rejected(e: Error<Auth2OpenIdError>, what: &str) {
    match e {
        Error::Decode { reason, .. } => {
            assert!(reason.contains("signature rejected"), "{reason}");
            assert!(reason.contains(what), "{reason}");
        }
        other => panic!("expected a sign rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn the_doc_example_with_its_own_sign_is_rejected_under_another_key() {
    let server = server_answering(DOC_EXAMPLE.to_owned()).await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    assert_sign_rejected(e, "mismatch");
}

#[tokio::test]
async fn a_tampered_answer_is_rejected() {
    let good: Value = serde_json::from_str(&doc_example_resigned()).unwrap();
    let mut tampered = good.clone();
    tampered["data"]["openid"] = Value::String("attacker".into());
    let server = server_answering(tampered.to_string()).await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    assert_sign_rejected(e, "mismatch");

    // A tampered failure is rejected too: nothing unsigned is believed.
    let mut tampered = good;
    tampered["code"] = json!(500);
    let server = server_answering(tampered.to_string()).await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    assert_sign_rejected(e, "mismatch");
}

#[tokio::test]
async fn an_unsigned_answer_is_rejected() {
    let mut answer: Value = serde_json::from_str(DOC_EXAMPLE).unwrap();
    answer.as_object_mut().unwrap().remove("sign");
    let server = server_answering(answer.to_string()).await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    assert_sign_rejected(e, "no `sign`");
}

#[tokio::test]
async fn a_code_other_than_200_is_an_api_error() {
    let server = server_answering(signed(
        json!({"code": 500, "msg": "签名验证失败", "data": null}),
        false,
    ))
    .await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    assert_eq!(e.endpoint(), "auth.auth2OpenId");
    assert_eq!(
        e.into_api(),
        Some(Auth2OpenIdError::Other {
            code: 500,
            message: "签名验证失败".into()
        })
    );
}

#[tokio::test]
async fn a_numeric_return_code_other_than_000000_is_an_api_error() {
    let server = server_answering(signed(
        json!({"code": 200, "msg": "成功", "data": {"returnCode": "100002", "returnMsg": "授权码已过期"}}),
        false,
    ))
    .await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    let api = e.into_api().expect("an API error");
    assert_eq!(api.code(), 100002);
    assert_eq!(api.message(), "授权码已过期");
}

#[tokio::test]
async fn a_non_numeric_return_code_is_a_decode_error_keeping_the_body() {
    let server = server_answering(signed(
        json!({"code": 200, "msg": "成功", "data": {"returnCode": "SYSTEM_ERROR", "returnMsg": "系统异常"}}),
        false,
    ))
    .await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    match e {
        Error::Decode { reason, body, .. } => {
            assert!(reason.contains("SYSTEM_ERROR"), "{reason}");
            assert!(body.text().contains("系统异常"), "{body}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn mch_order_no_constraints_are_checked_before_sending() {
    let server = MockServer::start().await;
    let jc = Client::new(server.uri(), KEY);
    for bad in [
        "abcd",                            // 4 characters
        "a234567890123456789012345678901", // 31 characters
        "order-12345",                     // '-' is not in A-Za-z0-9_
        "订单12345",                       // CJK characters
        "order 12345",                     // space
    ] {
        let req = Auth2OpenIdRequest::new(
            "MCH_1",
            "APP_1",
            bad,
            WayCode::Wechat,
            "134291427096188722",
            "127.0.0.1",
        );
        let e = jc.auth().auth2_open_id(req).await.unwrap_err();
        assert!(
            matches!(&e, Error::Invalid { source, .. } if source.field == "mchOrderNo"),
            "{bad}: {e:?}"
        );
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing may be sent for an invalid request"
    );
}

#[tokio::test]
async fn mch_order_no_bounds_5_and_30_are_accepted() {
    let server = server_answering(doc_example_resigned()).await;
    let jc = Client::new(server.uri(), KEY);
    for ok in ["Ab_09", "A_3456789012345678901234567890"] {
        assert_eq!(ok.chars().count().clamp(5, 30), ok.chars().count());
        let req = Auth2OpenIdRequest::new("M", "A", ok, WayCode::Wechat, "c", "127.0.0.1");
        jc.auth().auth2_open_id(req).await.unwrap();
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn transport_failures_are_told_apart() {
    // An HTML error page from the gateway.
    let server = MockServer::start().await;
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Status { status: 502, .. }), "{e:?}");

    // A 200 that is not JSON.
    let server = MockServer::start().await;
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let e = Client::new(server.uri(), KEY)
        .auth()
        .auth2_open_id(request())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
}

#[test]
fn the_merchant_key_never_shows_in_debug() {
    let jc = Client::builder("https://pay.example.com", KEY).build();
    let debug = format!("{jc:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(debug.contains("https://pay.example.com"));
    assert_eq!(jc.base_url(), "https://pay.example.com");
    assert_eq!(jc.hex_case(), HexCase::Lower);
    assert_eq!(
        miniapp::jucai::PRODUCTION_HOST,
        "https://gateway.jucai.invalid"
    );
}
