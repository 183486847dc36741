//! Wire tests of the Baidu smart program client against a real HTTP server on 127.0.0.1:
//! exact requests (method, host, path, query, Content-Type, form body), the docs' example
//! answers, every documented errno, the bare-payload and OAuth2.0 error forms, token
//! caching, busy retries and validation before sending.
//!
//! Run with `cargo test --features baidu,jucai --test baidu_wire --test jucai_wire`.
#![cfg(feature = "baidu")]

use miniapp::baidu::auth::*;
use miniapp::baidu::Client;
use miniapp::runtime::{Error, RetryPolicy};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const APP_KEY: &str = "WPGsbTTGEQ2VRnNcEIjyo5nT1wGxc3PZ";
const APP_SECRET: &str = "zkDSFBfXvHtmtMAsNrQ8sFN9DNLFNZE4";
const TOKEN: &str = "24.54f893d4a6f0873c7cba04f371f4be92.2592000.1576984227.282335-11136662";

/// The docs' getunionid answer (seed 003), verbatim.
const UNIONID_EXAMPLE: &str = r#"{
    "data": {
        "unionid": "St6PVMkgMDeh92Uq2EWfx6H"
    },
    "errmsg": "succ",
    "errno": 0,
    "request_id": "2321772211",
    "timestamp": 1563886782
}"#;

fn json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_elapsed: Duration::from_secs(2),
    }
}

/// Every host (openapi and spapi) on one local server.
fn client(server: &MockServer) -> Client {
    Client::builder(APP_KEY, APP_SECRET)
        .base_url(server.uri())
        .retry_policy(fast_retries())
        .build()
}

fn form(req: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&req.body).expect("form-urlencoded body")
}

fn query(req: &Request) -> Vec<(String, String)> {
    req.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn content_type(req: &Request) -> Option<String> {
    req.headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn token_endpoint(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/oauth/2.0/token"))
        .respond_with(json(&format!(
            r#"{{"access_token":"{TOKEN}","expires_in":2592000,"refresh_token":"2.r","scope":"smartapp_snsapi_base"}}"#
        )))
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

// ---------------------------------------------------------------------------------------
// jscode2sessionkey (host spapi)

#[tokio::test]
async fn jscode2sessionkey_posts_the_documented_form_and_decodes_the_example() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/jscode2sessionkey"))
        .respond_with(json(
            r#"{"openid":"l214zFqNrEuIEnp6m7Y01sw8yj","session_key":"981ce8b151c0599acf7ad1a673c6ff5e"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .auth()
        .jscode2_session_key(Jscode2SessionKeyRequest::new("CODE@host"))
        .await
        .unwrap();
    assert_eq!(r.openid, "l214zFqNrEuIEnp6m7Y01sw8yj");
    assert_eq!(r.session_key.expose(), "981ce8b151c0599acf7ad1a673c6ff5e");
    let debug = format!("{r:?}");
    assert!(!debug.contains("981ce8b1"), "session_key in Debug: {debug}");

    let req = &requests_to(&server, "/oauth/jscode2sessionkey").await[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(
        content_type(req).as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert!(query(req).is_empty(), "nothing in the query: {}", req.url);
    assert_eq!(
        form(req),
        pairs(&[
            ("code", "CODE@host"),
            ("client_id", APP_KEY),
            ("sk", APP_SECRET)
        ])
    );
}

#[tokio::test]
async fn jscode2sessionkey_goes_to_the_spapi_host_and_the_rest_to_openapi() {
    let openapi = MockServer::start().await;
    let spapi = MockServer::start().await;
    Mock::given(path("/oauth/jscode2sessionkey"))
        .respond_with(json(r#"{"openid":"o","session_key":"k"}"#))
        .expect(1)
        .mount(&spapi)
        .await;
    token_endpoint(&openapi).await;
    Mock::given(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(json(UNIONID_EXAMPLE))
        .expect(1)
        .mount(&openapi)
        .await;
    let bd = Client::builder(APP_KEY, APP_SECRET)
        .base_url(openapi.uri())
        .host_url("spapi", spapi.uri())
        .build();
    assert_eq!(bd.host_url("spapi"), Some(spapi.uri().as_str()));
    bd.auth()
        .jscode2_session_key(Jscode2SessionKeyRequest::new("c"))
        .await
        .unwrap();
    bd.auth()
        .get_unionid(GetUnionidRequest::new("o"))
        .await
        .unwrap();
    assert!(requests_to(&openapi, "/oauth/jscode2sessionkey")
        .await
        .is_empty());
    assert_eq!(spapi.received_requests().await.unwrap().len(), 1);
}

#[test]
fn default_hosts_are_the_documented_ones() {
    let bd = Client::new(APP_KEY, APP_SECRET);
    assert_eq!(bd.base_url(), "https://openapi.baidu.com");
    assert_eq!(bd.host_url("spapi"), Some("https://spapi.baidu.com"));
    assert_eq!(
        miniapp::baidu::HOSTS,
        &[("spapi", "https://spapi.baidu.com")]
    );
    let debug = format!("{bd:?}");
    assert!(!debug.contains(APP_SECRET), "secret in Debug: {debug}");
    assert!(debug.contains(APP_KEY));
}

#[tokio::test]
async fn jscode2sessionkey_decodes_the_camel_case_form() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/jscode2sessionkey"))
        .respond_with(json(r#"{"openid":"o","sessionKey":"k"}"#))
        .mount(&server)
        .await;
    let r = client(&server)
        .auth()
        .jscode2_session_key(Jscode2SessionKeyRequest::new("c"))
        .await
        .unwrap();
    assert_eq!(
        (r.openid.as_str(), r.session_key.expose().as_str()),
        ("o", "k")
    );
}

#[tokio::test]
async fn jscode2sessionkey_errno_maps_to_its_variant_with_the_description() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/jscode2sessionkey"))
        .respond_with(json(
            r#"{"errno":10010100,"error":"parameter is invalid","error_description":"Key: 'Code2SessionKeyParam.ClientID' Error:Field validation for 'ClientID' failed on the 'required' tag"}"#,
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .jscode2_session_key(Jscode2SessionKeyRequest::new("c"))
        .await
        .unwrap_err();
    assert_eq!(e.endpoint(), "auth.jscode2SessionKey");
    let api = e.api().expect("an API error");
    assert!(
        matches!(api, Jscode2SessionKeyError::ParameterInvalid { .. }),
        "{api:?}"
    );
    assert_eq!(api.code(), 10010100);
    assert!(
        api.message().starts_with("parameter is invalid: Key:"),
        "{api:?}"
    );
}

#[tokio::test]
async fn an_undocumented_errno_is_kept_in_other() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/jscode2sessionkey"))
        .respond_with(json(r#"{"errno":"10010200","error":"code is invalid"}"#))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .jscode2_session_key(Jscode2SessionKeyRequest::new("c"))
        .await
        .unwrap_err();
    assert_eq!(
        e.into_api(),
        Some(Jscode2SessionKeyError::Other {
            code: 10010200,
            message: "code is invalid".into()
        })
    );
}

#[tokio::test]
async fn an_oauth_error_without_errno_is_a_decode_error_naming_it() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/jscode2sessionkey"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            br#"{"error":"invalid_client","error_description":"unknown client id"}"#.to_vec(),
            "application/json",
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .jscode2_session_key(Jscode2SessionKeyRequest::new("c"))
        .await
        .unwrap_err();
    match &e {
        Error::Decode { status, reason, .. } => {
            assert_eq!(*status, 400);
            assert!(reason.contains("invalid_client"), "{reason}");
            assert!(reason.contains("unknown client id"), "{reason}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_empty_code_is_rejected_before_sending() {
    let server = MockServer::start().await;
    let e = client(&server)
        .auth()
        .jscode2_session_key(Jscode2SessionKeyRequest::new(""))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { source, .. } if source.field == "code"),
        "{e:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// access token

#[tokio::test]
async fn the_token_endpoint_gets_exactly_the_documented_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/oauth/2.0/token"))
        .respond_with(json(
            r#"{"access_token":"1.a6b7dbd428f731035f771b8d15063f61.86400.1292922000-2346678-124328","expires_in":2592000,"refresh_token":"2.385d55f8615fdfd9edb7c4b5ebdc3e39.604800.1293440400-2346678-124328","scope":"smartapp_snsapi_base"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server).auth().get_access_token().await.unwrap();
    assert_eq!(
        r.access_token.expose(),
        "1.a6b7dbd428f731035f771b8d15063f61.86400.1292922000-2346678-124328"
    );
    assert_eq!(r.expires_in, 2592000);
    assert_eq!(r.scope.as_deref(), Some("smartapp_snsapi_base"));
    assert!(r.refresh_token.is_some());
    let debug = format!("{r:?}");
    assert!(!debug.contains("a6b7dbd4"), "token in Debug: {debug}");

    let req = &requests_to(&server, "/oauth/2.0/token").await[0];
    assert_eq!(req.method.as_str(), "GET");
    assert!(req.body.is_empty());
    let mut q = query(req);
    q.sort();
    let mut expected = pairs(&[
        ("client_id", APP_KEY),
        ("client_secret", APP_SECRET),
        ("grant_type", "client_credentials"),
        ("scope", "smartapp_snsapi_base"),
    ]);
    expected.sort();
    assert_eq!(q, expected);
}

// ---------------------------------------------------------------------------------------
// getunionid

#[tokio::test]
async fn getunionid_posts_the_form_with_the_token_in_the_query_and_decodes_the_example() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("POST"))
        .and(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(json(UNIONID_EXAMPLE))
        .expect(2)
        .mount(&server)
        .await;
    let bd = client(&server);
    for _ in 0..2 {
        let r = bd
            .auth()
            .get_unionid(GetUnionidRequest::new("openid-1"))
            .await
            .unwrap();
        assert_eq!(r.unionid, "St6PVMkgMDeh92Uq2EWfx6H");
    }
    // One token for both calls.
    assert_eq!(requests_to(&server, "/oauth/2.0/token").await.len(), 1);
    for req in requests_to(&server, "/rest/2.0/smartapp/getunionid").await {
        assert_eq!(query(&req), pairs(&[("access_token", TOKEN)]));
        assert_eq!(
            content_type(&req).as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(form(&req), pairs(&[("openid", "openid-1")]));
    }
}

#[tokio::test]
async fn getunionid_with_a_per_call_token_skips_the_token_endpoint() {
    let server = MockServer::start().await;
    Mock::given(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(json(UNIONID_EXAMPLE))
        .mount(&server)
        .await;
    client(&server)
        .auth()
        .get_unionid(GetUnionidRequest::new("o"))
        .access_token("fixed-token")
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(query(&reqs[0]), pairs(&[("access_token", "fixed-token")]));
}

#[tokio::test]
async fn every_documented_getunionid_errno_maps_to_its_variant_and_keeps_the_request_id() {
    type Check = fn(&GetUnionidError) -> bool;
    let cases: [(i64, Check); 3] = [
        (1, |e| matches!(e, GetUnionidError::Abnormal { .. })),
        (400, |e| matches!(e, GetUnionidError::ParameterError { .. })),
        (10010500, |e| {
            matches!(e, GetUnionidError::ServerError { .. })
        }),
    ];
    for (code, is_variant) in cases {
        let server = MockServer::start().await;
        token_endpoint(&server).await;
        Mock::given(path("/rest/2.0/smartapp/getunionid"))
            .respond_with(json(&format!(
                r#"{{"errno":{code},"errmsg":"failed {code}","request_id":"rid-{code}","data":{{}}}}"#
            )))
            .mount(&server)
            .await;
        let bd = Client::builder(APP_KEY, APP_SECRET)
            .base_url(server.uri())
            .retry_policy(RetryPolicy::none())
            .build();
        let e = bd
            .auth()
            .get_unionid(GetUnionidRequest::new("o"))
            .await
            .unwrap_err();
        let api = e.api().unwrap_or_else(|| panic!("{code}: {e:?}"));
        assert!(is_variant(api), "{code} → {api:?}");
        assert_eq!(api.code(), code);
        assert_eq!(
            api.message(),
            format!("failed {code} (request_id rid-{code})")
        );
        assert!(e.to_string().contains(&format!("rid-{code}")), "{e}");
    }
}

#[tokio::test]
async fn an_unknown_errno_is_other_and_a_numeric_request_id_is_kept() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(json(r#"{"errno":2,"errmsg":"nope","request_id":42}"#))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .get_unionid(GetUnionidRequest::new("o"))
        .await
        .unwrap_err();
    assert_eq!(
        e.into_api(),
        Some(GetUnionidError::Other {
            code: 2,
            message: "nope (request_id 42)".into()
        })
    );
}

#[tokio::test]
async fn a_busy_getunionid_is_retried_within_bounds() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(json(
            r#"{"errno":10010500,"errmsg":"busy","request_id":"r"}"#,
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(json(UNIONID_EXAMPLE))
        .mount(&server)
        .await;
    let r = client(&server)
        .auth()
        .get_unionid(GetUnionidRequest::new("o"))
        .await
        .unwrap();
    assert_eq!(r.unionid, "St6PVMkgMDeh92Uq2EWfx6H");
    assert_eq!(
        requests_to(&server, "/rest/2.0/smartapp/getunionid")
            .await
            .len(),
        2
    );

    // Always busy: 1 attempt + max_retries (2), then the error.
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(json(r#"{"errno":10010500,"errmsg":"busy"}"#))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .get_unionid(GetUnionidRequest::new("o"))
        .await
        .unwrap_err();
    assert!(matches!(e.api(), Some(GetUnionidError::ServerError { .. })));
    assert_eq!(
        requests_to(&server, "/rest/2.0/smartapp/getunionid")
            .await
            .len(),
        3
    );
}

#[tokio::test]
async fn a_refused_token_fails_the_call_without_calling_the_api() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/2.0/token"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            br#"{"error":"invalid_client","error_description":"unknown client id"}"#.to_vec(),
            "application/json",
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .get_unionid(GetUnionidRequest::new("o"))
        .await
        .unwrap_err();
    match &e {
        Error::Token { source, .. } => {
            let text = source.to_string();
            assert!(text.contains("invalid_client"), "{text}");
            assert!(!text.contains(APP_SECRET), "secret in error: {text}");
        }
        other => panic!("expected a token error, got {other:?}"),
    }
    assert!(requests_to(&server, "/rest/2.0/smartapp/getunionid")
        .await
        .is_empty());
}

#[tokio::test]
async fn success_without_data_or_with_garbage_is_a_decode_error() {
    for body in [
        r#"{"errno":0,"errmsg":"succ"}"#,
        "<html>busy</html>",
        "[1,2]",
    ] {
        let server = MockServer::start().await;
        token_endpoint(&server).await;
        Mock::given(path("/rest/2.0/smartapp/getunionid"))
            .respond_with(json(body))
            .mount(&server)
            .await;
        let e = client(&server)
            .auth()
            .get_unionid(GetUnionidRequest::new("o"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Decode { status: 200, .. }),
            "{body}: {e:?}"
        );
    }
}

#[tokio::test]
async fn an_http_error_page_is_a_status_error() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .get_unionid(GetUnionidRequest::new("o"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Status { status: 502, .. }), "{e:?}");
    assert_eq!(e.endpoint(), "auth.getUnionid");
}

#[tokio::test]
async fn an_empty_openid_is_rejected_before_sending() {
    let server = MockServer::start().await;
    let e = client(&server)
        .auth()
        .get_unionid(GetUnionidRequest::new(""))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { source, .. } if source.field == "openid"),
        "{e:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The open API gateway answers a stale token itself, as `{error_code, error_msg}` beside
/// the business envelope: 110 (invalid) and 111 (expired) are typed, and make the client
/// refresh its token once and retry once.
#[tokio::test]
async fn the_gateways_token_errors_refresh_once_and_retry_once() {
    for (code, text) in [
        (111, "Access token expired"),
        (110, "Access token invalid or no longer valid"),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/oauth/2.0/token"))
            .respond_with(json(r#"{"access_token":"OLD","expires_in":2592000}"#))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(path("/oauth/2.0/token"))
            .respond_with(json(r#"{"access_token":"NEW","expires_in":2592000}"#))
            .mount(&server)
            .await;
        Mock::given(path("/rest/2.0/smartapp/getunionid"))
            .and(wiremock::matchers::query_param("access_token", "OLD"))
            .respond_with(json(&format!(
                r#"{{"error_code":{code},"error_msg":"{text}"}}"#
            )))
            .mount(&server)
            .await;
        Mock::given(path("/rest/2.0/smartapp/getunionid"))
            .and(wiremock::matchers::query_param("access_token", "NEW"))
            .respond_with(json(UNIONID_EXAMPLE))
            .mount(&server)
            .await;
        let union = client(&server)
            .auth()
            .get_unionid(GetUnionidRequest::new("openid-1"))
            .await
            .unwrap();
        assert_eq!(union.unionid, "St6PVMkgMDeh92Uq2EWfx6H");
        assert_eq!(requests_to(&server, "/oauth/2.0/token").await.len(), 2);
        assert_eq!(
            requests_to(&server, "/rest/2.0/smartapp/getunionid")
                .await
                .len(),
            2
        );
    }

    // A second refusal is returned typed, not looped on.
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(path("/rest/2.0/smartapp/getunionid"))
        .respond_with(json(
            r#"{"error_code":111,"error_msg":"Access token expired"}"#,
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .get_unionid(GetUnionidRequest::new("openid-1"))
        .await
        .unwrap_err();
    match e.api() {
        Some(GetUnionidError::AccessTokenExpired { message }) => {
            assert_eq!(message, "Access token expired")
        }
        other => panic!("expected AccessTokenExpired, got {other:?} ({e})"),
    }
    assert_eq!(
        requests_to(&server, "/rest/2.0/smartapp/getunionid")
            .await
            .len(),
        2
    );
}
