//! Wire tests of the WeChat `auth` group against a real HTTP server on 127.0.0.1:
//! exact requests, the docs' example responses, every documented errcode, the
//! camelCase (cloud call / uniCloud) form, and the distinct transport failures.
#![cfg(feature = "wechat")]

use miniapp::runtime::{Error, RetryPolicy};
use miniapp::wechat::auth::*;
use miniapp::wechat::Client;
use std::time::Duration;
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Checks that an error is the expected variant.
type IsVariant<E> = fn(&E) -> bool;

fn json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

fn client(server: &MockServer) -> Client {
    Client::builder("wx-app", "s3cret")
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(2),
        })
        .build()
}

async fn token_endpoint(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .and(query_param("grant_type", "client_credential"))
        .and(query_param("appid", "wx-app"))
        .and(query_param("secret", "s3cret"))
        .respond_with(json(&format!(
            r#"{{"access_token":"{token}","expires_in":7200}}"#
        )))
        .mount(server)
        .await;
}

#[tokio::test]
async fn code2session_sends_the_documented_query_and_decodes_the_example() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("appid", "wx-app"))
        .and(query_param("secret", "s3cret"))
        .and(query_param("js_code", "CODE"))
        .and(query_param("grant_type", "authorization_code"))
        .respond_with(json(r#"{"openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .auth()
        .code2_session(Code2SessionRequest::new("CODE"))
        .await
        .unwrap();
    assert_eq!(r.openid, "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
    assert_eq!(r.session_key.expose(), "tiihtNczf5v6AKRyjwEUhQ==");
    assert_eq!(r.unionid.as_deref(), Some("ocMvos6NjeKLIBqg5Mr9QjxrP1FA"));
    let debug = format!("{r:?}");
    assert!(
        !debug.contains("tiihtNczf5v6AKRyjwEUhQ=="),
        "session_key leaked in Debug: {debug}"
    );
}

#[tokio::test]
async fn code2session_decodes_the_camel_case_form() {
    let server = MockServer::start().await;
    Mock::given(path("/sns/jscode2session"))
        .respond_with(json(r#"{"errCode":0,"errMsg":"openapi.auth.code2Session:ok","openid":"o","sessionKey":"k"}"#))
        .mount(&server)
        .await;
    let r = client(&server)
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap();
    assert_eq!(
        (
            r.openid.as_str(),
            r.session_key.expose().as_str(),
            r.unionid
        ),
        ("o", "k", None)
    );
}

#[tokio::test]
async fn code2session_maps_every_documented_errcode() {
    let cases: [(i64, IsVariant<Code2SessionError>); 4] = [
        (-1, |e| matches!(e, Code2SessionError::SystemBusy { .. })),
        (40029, |e| {
            matches!(e, Code2SessionError::InvalidCode { .. })
        }),
        (45011, |e| {
            matches!(e, Code2SessionError::RateLimited { .. })
        }),
        (45009, |e| {
            matches!(e, Code2SessionError::DailyQuotaReached { .. })
        }),
    ];
    for (code, is_variant) in cases {
        let server = MockServer::start().await;
        Mock::given(path("/sns/jscode2session"))
            .respond_with(json(&format!(
                r#"{{"errcode":{code},"errmsg":"msg {code}"}}"#
            )))
            .mount(&server)
            .await;
        let err = client(&server)
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await
            .unwrap_err();
        let api = err
            .api()
            .unwrap_or_else(|| panic!("{code}: expected an API error, got {err:?}"));
        assert!(is_variant(api), "{code} mapped to {api:?}");
        assert_eq!(api.code(), code);
        assert_eq!(api.message(), format!("msg {code}"));
        assert!(err.to_string().contains(api.description()), "{err}");
    }
    // A code the docs do not list is kept, not lost.
    let server = MockServer::start().await;
    Mock::given(path("/sns/jscode2session"))
        .respond_with(json(r#"{"errcode":40163,"errmsg":"code been used"}"#))
        .mount(&server)
        .await;
    let err = client(&server)
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap_err();
    assert_eq!(
        err.api(),
        Some(&Code2SessionError::Other {
            code: 40163,
            message: "code been used".into()
        })
    );
}

#[tokio::test]
async fn html_page_empty_body_status_and_timeout_are_distinct_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/sns/jscode2session"))
        .and(query_param("js_code", "html"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>502 Bad Gateway</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/sns/jscode2session"))
        .and(query_param("js_code", "empty"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/sns/jscode2session"))
        .and(query_param("js_code", "status"))
        .respond_with(
            ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>".repeat(100)),
        )
        .mount(&server)
        .await;
    Mock::given(path("/sns/jscode2session"))
        .and(query_param("js_code", "slow"))
        .respond_with(json(r#"{"openid":"o","session_key":"k"}"#).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let c = client(&server);
    let call = |code: &'static str| c.auth().code2_session(Code2SessionRequest::new(code));

    match call("html").await.unwrap_err() {
        Error::Decode {
            status: 200, body, ..
        } => assert!(body.text().contains("502 Bad Gateway")),
        other => panic!("html: {other:?}"),
    }
    match call("empty").await.unwrap_err() {
        Error::Decode {
            status: 200, body, ..
        } => assert_eq!(body.total_len(), 0),
        other => panic!("empty: {other:?}"),
    }
    match call("status").await.unwrap_err() {
        Error::Status {
            status: 502, body, ..
        } => {
            assert!(body.is_truncated());
            assert_eq!(body.total_len(), 2400);
        }
        other => panic!("status: {other:?}"),
    }
    let started = std::time::Instant::now();
    let err = call("slow")
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.to_string().contains("timed out after 200ms"), "{err}");
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_without_the_secret() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = Client::builder("wx-app", "s3cret")
        .base_url(format!("http://{addr}"))
        .build();
    let err = c
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        !format!("{err} {err:?}").contains("s3cret"),
        "secret leaked: {err:?}"
    );
}

#[tokio::test]
async fn get_access_token_and_its_errcodes() {
    let server = MockServer::start().await;
    token_endpoint(&server, "ACCESS_TOKEN").await;
    let r = client(&server).auth().get_access_token().await.unwrap();
    assert_eq!(
        (r.access_token.expose().as_str(), r.expires_in),
        ("ACCESS_TOKEN", 7200)
    );

    for (code, expect) in [
        (40001, "InvalidAppSecret"),
        (40002, "InvalidGrantType"),
        (40013, "InvalidAppId"),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/cgi-bin/token"))
            .respond_with(json(&format!(r#"{{"errcode":{code},"errmsg":"x"}}"#)))
            .mount(&server)
            .await;
        let err = client(&server).auth().get_access_token().await.unwrap_err();
        let api = err.api().unwrap();
        assert!(format!("{api:?}").starts_with(expect), "{code}: {api:?}");
        // 40001 here means a wrong AppSecret, not a stale token: no refresh loop.
        assert!(!miniapp::runtime::ApiError::is_token_invalid(api));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn stable_token_posts_json_with_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_json(serde_json::json!({"grant_type": "client_credential", "appid": "wx-app", "secret": "s3cret", "force_refresh": true})))
        .respond_with(json(r#"{"access_token":"STABLE","expires_in":7200}"#))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .auth()
        .get_stable_access_token(GetStableAccessTokenRequest::new().force_refresh(true))
        .await
        .unwrap();
    assert_eq!(r.access_token.expose(), "STABLE");
}

#[tokio::test]
async fn get_paid_union_id_by_transaction_id_and_by_merchant_order() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("GET"))
        .and(path("/wxa/getpaidunionid"))
        .and(query_param("access_token", "TOKEN"))
        .and(query_param("openid", "OPENID"))
        .and(query_param("transaction_id", "TX"))
        .and(query_param_is_missing("mch_id"))
        .and(query_param_is_missing("out_trade_no"))
        .respond_with(json(
            r#"{"unionid":"oTmHYjg-tElZ68xxxxxxxxhy1Rgk","errcode":0,"errmsg":"ok"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wxa/getpaidunionid"))
        .and(query_param("access_token", "TOKEN"))
        .and(query_param("openid", "OPENID"))
        .and(query_param("mch_id", "MCH"))
        .and(query_param("out_trade_no", "OUT"))
        .and(query_param_is_missing("transaction_id"))
        .respond_with(json(
            r#"{"unionid":"u2","errCode":0,"errMsg":"openapi.auth.getPaidUnionId:ok"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let a = c
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            "OPENID",
            GetPaidUnionIdOrder::transaction_id("TX"),
        ))
        .await
        .unwrap();
    assert_eq!(a.unionid, "oTmHYjg-tElZ68xxxxxxxxhy1Rgk");
    let b = c
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            "OPENID",
            GetPaidUnionIdOrder::merchant_order("MCH", "OUT"),
        ))
        .await
        .unwrap();
    assert_eq!(b.unionid, "u2");
    let token_calls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/cgi-bin/token")
        .count();
    assert_eq!(token_calls, 1, "the token is cached between calls");
}

#[tokio::test]
async fn get_paid_union_id_maps_every_documented_errcode() {
    let cases: [(i64, IsVariant<GetPaidUnionIdError>); 4] = [
        (40003, |e| {
            matches!(e, GetPaidUnionIdError::InvalidOpenid { .. })
        }),
        (89002, |e| {
            matches!(e, GetPaidUnionIdError::NoOpenPlatformAccount { .. })
        }),
        (89300, |e| {
            matches!(e, GetPaidUnionIdError::InvalidOrder { .. })
        }),
        (41001, |e| {
            matches!(e, GetPaidUnionIdError::AccessTokenMissing { .. })
        }),
    ];
    for (code, is_variant) in cases {
        let server = MockServer::start().await;
        token_endpoint(&server, "T").await;
        Mock::given(path("/wxa/getpaidunionid"))
            .respond_with(json(&format!(r#"{{"errcode":{code},"errmsg":"m"}}"#)))
            .mount(&server)
            .await;
        let err = client(&server)
            .auth()
            .get_paid_union_id(GetPaidUnionIdRequest::new(
                "o",
                GetPaidUnionIdOrder::transaction_id("t"),
            ))
            .await
            .unwrap_err();
        assert!(is_variant(err.api().unwrap()), "{code}: {err:?}");
    }
}

/// A token-invalid answer: the cached token is dropped, one refresh, one retry.
#[tokio::test]
async fn token_invalid_refreshes_once_and_retries_once() {
    let server = MockServer::start().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(json(r#"{"access_token":"OLD","expires_in":7200}"#))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(json(r#"{"access_token":"NEW","expires_in":7200}"#))
        .mount(&server)
        .await;
    Mock::given(path("/wxa/getpaidunionid"))
        .and(query_param("access_token", "OLD"))
        .respond_with(json(r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}"#))
        .mount(&server)
        .await;
    Mock::given(path("/wxa/getpaidunionid"))
        .and(query_param("access_token", "NEW"))
        .respond_with(json(r#"{"unionid":"U"}"#))
        .mount(&server)
        .await;
    let r = client(&server)
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            "o",
            GetPaidUnionIdOrder::transaction_id("t"),
        ))
        .await
        .unwrap();
    assert_eq!(r.unionid, "U");
    let reqs = server.received_requests().await.unwrap();
    let paths: Vec<&str> = reqs.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/cgi-bin/token",
            "/wxa/getpaidunionid",
            "/cgi-bin/token",
            "/wxa/getpaidunionid"
        ]
    );
}

/// A second token-invalid answer is returned, not retried again (no refresh loop).
#[tokio::test]
async fn second_token_invalid_is_returned() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path("/wxa/getpaidunionid"))
        .respond_with(json(r#"{"errcode":42001,"errmsg":"access_token expired"}"#))
        .mount(&server)
        .await;
    let err = client(&server)
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            "o",
            GetPaidUnionIdOrder::transaction_id("t"),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.api(),
            Some(GetPaidUnionIdError::AccessTokenExpired { .. })
        ),
        "{err:?}"
    );
    let reqs = server.received_requests().await.unwrap();
    let count = |p: &str| reqs.iter().filter(|r| r.url.path() == p).count();
    assert_eq!(
        (count("/cgi-bin/token"), count("/wxa/getpaidunionid")),
        (2, 2)
    );
}

/// errcode -1: retried with back-off up to the bound, then the typed error.
#[tokio::test]
async fn busy_is_retried_up_to_the_bound() {
    let server = MockServer::start().await;
    Mock::given(path("/sns/jscode2session"))
        .respond_with(json(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .mount(&server)
        .await;
    let err = client(&server)
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api(),
        Some(Code2SessionError::SystemBusy { .. })
    ));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "1 attempt + max_retries (2)"
    );

    // Busy twice, then an answer: the call succeeds.
    let server = MockServer::start().await;
    Mock::given(path("/sns/jscode2session"))
        .respond_with(json(r#"{"errcode":-1}"#))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/sns/jscode2session"))
        .respond_with(json(r#"{"openid":"o","session_key":"k"}"#))
        .mount(&server)
        .await;
    assert_eq!(
        client(&server)
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await
            .unwrap()
            .openid,
        "o"
    );
}

/// 45009 (daily quota) is never retried.
#[tokio::test]
async fn quota_errors_are_never_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/sns/jscode2session"))
        .respond_with(json(
            r#"{"errcode":45009,"errmsg":"reach max api daily quota limit"}"#,
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api(),
        Some(Code2SessionError::DailyQuotaReached { .. })
    ));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn client_debug_hides_the_secret() {
    let c = Client::new("wx-app", "s3cret");
    let debug = format!("{c:?}");
    assert!(
        debug.contains("wx-app") && !debug.contains("s3cret"),
        "{debug}"
    );
}

/// encryptedData through the client: the official demo vector (wire-facts §A), and the
/// watermark check against the client's own app id.
#[test]
fn client_decrypts_encrypted_data_and_checks_the_watermark() {
    use miniapp::crypto::wxbiz::{DecryptError, UserInfo};
    const KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    const DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
    let wx = Client::new("wx4f4bc4dec97d474b", "secret");
    let user = wx.decrypt::<UserInfo>(KEY, IV, DATA).unwrap();
    assert_eq!(
        user.data.open_id.as_deref(),
        Some("oGZUI0egBJY1zhBYw2KhdUfwVJJE")
    );
    assert_eq!(user.data.nick_name, "Band");
    assert_eq!(user.watermark.timestamp, 1477314187);

    let other = Client::new("wx-some-other-app", "secret");
    match other.decrypt::<UserInfo>(KEY, IV, DATA) {
        Err(DecryptError::WatermarkMismatch { expected, found }) => {
            assert_eq!(
                (expected.as_str(), found.as_str()),
                ("wx-some-other-app", "wx4f4bc4dec97d474b")
            );
        }
        other => panic!("expected a watermark mismatch, got {other:?}"),
    }
}

/// A wrong AppSecret is configuration, not a stale token: the token endpoint's 40125
/// fails the call once — no business request, no refresh loop, no retry — and says so.
#[tokio::test]
async fn a_wrong_app_secret_fails_the_call_without_refresh_or_retry() {
    let server = MockServer::start().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(json(
            r#"{"errcode":40125,"errmsg":"invalid appsecret, view more at http://t.cn/RAEkdVq"}"#,
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            "o",
            GetPaidUnionIdOrder::transaction_id("t"),
        ))
        .await
        .unwrap_err();
    match &e {
        Error::Token {
            source: miniapp::token::TokenError::Refused { code, .. },
            ..
        } => assert_eq!(*code, 40125),
        other => panic!("expected the token endpoint's refusal, got {other:?}"),
    }
    assert!(!e.to_string().contains("s3cret"), "{e}");
    let reqs = server.received_requests().await.unwrap();
    let paths: Vec<&str> = reqs.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/cgi-bin/token"]);
}
