//! Wire tests of WeChat `phonenumber.getPhoneNumber` and `auth.checkSessionKey` against
//! a real HTTP server on 127.0.0.1: the exact request, the doc's example answer decoded,
//! the phone number kept out of Debug output, and every documented errcode typed.
#![cfg(feature = "wechat")]

mod wechat_support;

use miniapp::runtime::Error;
use miniapp::wechat::auth::{CheckSessionKeyError, CheckSessionKeyRequest};
use miniapp::wechat::phonenumber::*;
use serde_json::json;
use wechat_support::*;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer};

const PHONE: &str = "/wxa/business/getuserphonenumber";
const CHECK: &str = "/wxa/checksession";

#[tokio::test]
async fn get_phone_number_posts_the_code_and_decodes_the_doc_example() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("POST"))
        .and(path(PHONE))
        .and(query_param("access_token", "TOKEN"))
        .and(body_json(json!({"code": "PHONE_CODE"})))
        .respond_with(json_response(example("phonenumber.getPhoneNumber")))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .phonenumber()
        .get_phone_number(GetPhoneNumberRequest::new("PHONE_CODE"))
        .await
        .unwrap();
    let sent = requests_to(&server, PHONE).await;
    assert_eq!(query(&sent[0]), [pair("access_token", "TOKEN")]);
    assert_eq!(body(&sent[0]), json!({"code": "PHONE_CODE"}));
    let info = &r.phone_info;
    assert_eq!(info.phone_number.expose(), "xxxxxx");
    assert_eq!(info.pure_phone_number.expose(), "xxxxxx");
    // The doc's table says string, its example a number: both are kept as sent.
    assert_eq!(info.country_code, json!(86));
    assert_eq!(info.watermark.timestamp, 1637744274);
    assert_eq!(info.watermark.appid, "xxxx");
}

/// The phone number is personal data: Debug of the answer (as a logger would print it)
/// shows neither form of the number, while the rest stays readable.
#[tokio::test]
async fn the_phone_number_never_appears_in_debug_output() {
    let server = MockServer::start().await;
    Mock::given(path(PHONE))
        .respond_with(json_response(
            r#"{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"+1 6505550123",
                "purePhoneNumber":"6505550123","countryCode":"1",
                "watermark":{"timestamp":1637744274,"appid":"wx-app"}}}"#,
        ))
        .mount(&server)
        .await;
    let r = client(&server)
        .phonenumber()
        .get_phone_number(GetPhoneNumberRequest::new("c"))
        .access_token("FIXED")
        .await
        .unwrap();
    assert_eq!(r.phone_info.phone_number.expose(), "+1 6505550123");
    assert_eq!(r.phone_info.country_code, json!("1"));
    let debug = format!("{r:?} {:#?}", r.phone_info);
    assert!(
        !debug.contains("6505550123"),
        "phone number leaked: {debug}"
    );
    assert!(debug.contains("wx-app"), "{debug}");
}

#[tokio::test]
async fn get_phone_number_maps_every_documented_errcode() {
    use GetPhoneNumberError as E;
    let cases: &[(i64, IsVariant<E>)] = &[
        (-1, |e| matches!(e, E::SystemBusy { .. })),
        (40001, |e| matches!(e, E::AccessTokenInvalid { .. })),
        (40013, |e| matches!(e, E::InvalidAppId { .. })),
        (40029, |e| matches!(e, E::InvalidCode { .. })),
        (45011, |e| matches!(e, E::RateLimited { .. })),
    ];
    assert_codes(
        PHONE,
        cases,
        |e| matches!(e, E::Other { .. }),
        |c| async move {
            c.phonenumber()
                .get_phone_number(GetPhoneNumberRequest::new("c"))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}

/// A code is single-use: "system busy" is returned, never retried with the same code.
#[tokio::test]
async fn get_phone_number_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path(PHONE))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .mount(&server)
        .await;
    let err = client(&server)
        .phonenumber()
        .get_phone_number(GetPhoneNumberRequest::new("c"))
        .access_token("FIXED")
        .await
        .unwrap_err();
    assert!(matches!(
        err.api(),
        Some(GetPhoneNumberError::SystemBusy { .. })
    ));
    assert_eq!(requests_to(&server, PHONE).await.len(), 1);
}

#[tokio::test]
async fn an_empty_code_is_refused_before_sending() {
    let server = MockServer::start().await;
    let err = client(&server)
        .phonenumber()
        .get_phone_number(GetPhoneNumberRequest::new(""))
        .access_token("FIXED")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ---------------------------------------------------------------- checkSessionKey

/// The official 用户登录态签名 example's key; the signature over "" is HMAC-SHA256 keyed
/// by the key's text as code2Session returned it.
const SESSION_KEY: &str = "o0q0otL8aEzpcZL/FT9WsQ==";
const SIGNATURE: &str = "46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128";

#[tokio::test]
async fn check_session_key_sends_the_signature_never_the_key() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("GET"))
        .and(path(CHECK))
        .respond_with(json_response(example("auth.checkSessionKey")))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .auth()
        .check_session_key(CheckSessionKeyRequest::from_session_key(
            "OPENID",
            SESSION_KEY,
        ))
        .await
        .unwrap();
    let sent = requests_to(&server, CHECK).await;
    let mut q = query(&sent[0]);
    q.sort();
    assert_eq!(
        q,
        [
            pair("access_token", "TOKEN"),
            pair("openid", "OPENID"),
            pair("sig_method", "hmac_sha256"),
            pair("signature", SIGNATURE),
        ]
    );
    assert!(sent[0].body.is_empty());
    assert!(!sent[0].url.as_str().contains("o0q0otL8aEzpcZL"));
}

#[tokio::test]
async fn check_session_key_types_an_invalid_signature() {
    use CheckSessionKeyError as E;
    let cases: &[(i64, IsVariant<E>)] = &[
        (-1, |e| matches!(e, E::SystemBusy { .. })),
        (42001, |e| matches!(e, E::AccessTokenExpired { .. })),
        (87009, |e| matches!(e, E::InvalidSignature { .. })),
    ];
    assert_codes(
        CHECK,
        cases,
        |e| matches!(e, E::Other { .. }),
        |c| async move {
            c.auth()
                .check_session_key(CheckSessionKeyRequest::from_session_key("o", SESSION_KEY))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}

/// Upper-case hex (as one SDK sends for a sibling call) is refused before sending: the
/// documented form is lowercase.
#[tokio::test]
async fn check_session_key_refuses_a_signature_that_is_not_lowercase_hex() {
    let server = MockServer::start().await;
    let err = client(&server)
        .auth()
        .check_session_key(CheckSessionKeyRequest::new("o", SIGNATURE.to_uppercase()))
        .access_token("FIXED")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
