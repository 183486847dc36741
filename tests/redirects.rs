//! Redirects, against two real HTTP servers on 127.0.0.1: the API host answers with a
//! redirect to another host, which records what reaches it. The platforms never redirect
//! API calls, so by default the client follows none — a signed body, an app secret or an
//! access token never travels to where a redirect points — and reports it as a typed
//! error naming the status and the target without its query.
#![cfg(feature = "wechat")]

use miniapp::runtime::Error;
use miniapp::wechat::auth::Code2SessionRequest;
use miniapp::wechat::Client;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[cfg(feature = "alipay")]
mod alipay_support;

const SESSION: &str = r#"{"openid":"elsewhere-openid","session_key":"k"}"#;

/// The host a redirect points to: it answers a session to anything, and counts.
async fn elsewhere() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(SESSION))
        .mount(&server)
        .await;
    server
}

/// The API host: answers every request with `status` pointing at `target` + `route`,
/// a query carrying something secret.
async fn redirecting(status: u16, target: &MockServer, route: &str) -> MockServer {
    let server = MockServer::start().await;
    let location = format!("{}{route}?stolen=SECRET-IN-QUERY", target.uri());
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).insert_header("Location", location.as_str()))
        .mount(&server)
        .await;
    server
}

fn expect_redirect<E: std::error::Error + 'static>(
    err: &Error<E>,
    status: u16,
    target: &MockServer,
) {
    match err {
        Error::Redirect {
            status: got,
            location: Some(location),
            ..
        } => {
            assert_eq!(*got, status);
            assert!(location.starts_with(&target.uri()), "{location}");
            assert!(!location.contains("SECRET"), "{location}");
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&status.to_string()), "{text}");
    assert!(!text.contains("SECRET"), "{text}");
    assert_eq!(err.status(), Some(status));
}

#[tokio::test]
async fn a_login_redirected_elsewhere_is_an_error_and_nothing_reaches_the_other_host() {
    let other = elsewhere().await;
    for status in [301, 302, 303, 307, 308] {
        let api = redirecting(status, &other, "/sns/jscode2session").await;
        let wx = Client::builder("app", "the-app-secret")
            .base_url(api.uri())
            .build();
        let err = wx
            .auth()
            .code2_session(Code2SessionRequest::new("code"))
            .await
            .unwrap_err();
        expect_redirect(&err, status, &other);
        assert!(!format!("{err:?}").contains("the-app-secret"));
    }
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_own_http_client_that_follows_redirects_gets_no_answer_from_another_host() {
    let other = elsewhere().await;
    let api = redirecting(302, &other, "/sns/jscode2session").await;
    // reqwest's default policy follows up to 10 redirects.
    let wx = Client::builder("app", "secret")
        .base_url(api.uri())
        .http_client(reqwest::Client::new())
        .build();
    let err = wx
        .auth()
        .code2_session(Code2SessionRequest::new("code"))
        .await
        .unwrap_err();
    match &err {
        Error::Redirect {
            status: 200,
            location: Some(location),
            ..
        } => assert!(location.starts_with(&other.uri()) && !location.contains("SECRET")),
        other => panic!("the other host's openid must not be a success: {other:?}"),
    }
}

#[tokio::test]
async fn a_user_who_allows_redirects_gets_them_followed() {
    let other = elsewhere().await;
    let api = redirecting(302, &other, "/sns/jscode2session").await;
    let wx = Client::builder("app", "secret")
        .base_url(api.uri())
        .follow_redirects(reqwest::redirect::Policy::limited(2))
        .build();
    let session = wx
        .auth()
        .code2_session(Code2SessionRequest::new("code"))
        .await
        .unwrap();
    assert_eq!(session.openid, "elsewhere-openid");
    assert_eq!(other.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_redirect_without_a_location_is_still_a_redirect() {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .respond_with(ResponseTemplate::new(302))
        .mount(&api)
        .await;
    let wx = Client::builder("app", "secret").base_url(api.uri()).build();
    let err = wx
        .auth()
        .code2_session(Code2SessionRequest::new("code"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Redirect {
                status: 302,
                location: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[cfg(feature = "wechatpay")]
#[tokio::test]
async fn a_signed_wechat_pay_body_is_never_reposted_to_another_host() {
    use miniapp::wechatpay::pay::{TradeType, UnifiedOrderRequest};
    let other = elsewhere().await;
    let api = redirecting(307, &other, "/pay/unifiedorder").await;
    let pay = miniapp::wechatpay::Client::builder("wxapp", "1900000109", "the-api-key")
        .base_url(api.uri())
        .build();
    let order = UnifiedOrderRequest::new(
        "body",
        "order-1",
        1,
        "127.0.0.1",
        "https://example.com/notify",
        TradeType::Jsapi,
    )
    .openid("o");
    let err = pay.pay().unified_order(order).await.unwrap_err();
    expect_redirect(&err, 307, &other);
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[cfg(feature = "alipay")]
#[tokio::test]
async fn a_signed_alipay_form_is_never_reposted_to_another_host() {
    use alipay_support::{alipay_public_key, app_private_key, APP_ID};
    use miniapp::alipay::trade::{QueryOrder, QueryRequest};
    let other = elsewhere().await;
    let api = redirecting(307, &other, "/gateway.do").await;
    let ali = miniapp::alipay::Client::builder(APP_ID, app_private_key(), alipay_public_key())
        .base_url(api.uri())
        .try_build()
        .unwrap();
    let err = ali
        .trade()
        .query(QueryRequest::new(QueryOrder::OutTradeNo {
            out_trade_no: "order-1".into(),
        }))
        .await
        .unwrap_err();
    expect_redirect(&err, 307, &other);
    assert!(other.received_requests().await.unwrap().is_empty());
}
