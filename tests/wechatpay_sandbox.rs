//! The WeChat Pay sandbox against a real HTTP server on 127.0.0.1: a client built with
//! `.sandbox()` fetches the sandbox's signing key once (`getsignkey`, signed with the
//! production key, carrying only `mch_id`, `nonce_str`, `sign`), then signs requests
//! and verifies answers with it. Signs are recomputed here by hand.
#![cfg(feature = "wechatpay")]

mod wechatpay_support;

use miniapp::runtime::Error;
use miniapp::wechatpay::pay::{OrderQueryOrder, OrderQueryRequest};
use miniapp::wechatpay::{Client, SignType};
use wechatpay_support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SANDBOX_KEY: &str = "0123456789abcdef0123456789abcdef";

fn key_answer(key: &str) -> String {
    xml_with_key(
        &[
            ("return_code", "SUCCESS"),
            ("return_msg", "ok"),
            ("mch_id", MCH_ID),
            ("sandbox_signkey", key),
        ],
        None,
        "",
    )
}

fn order_answer(sign_type: SignType, key: &str) -> String {
    xml_with_key(
        &[
            ("return_code", "SUCCESS"),
            ("return_msg", "OK"),
            ("appid", APP_ID),
            ("mch_id", MCH_ID),
            ("nonce_str", "n"),
            ("result_code", "SUCCESS"),
            ("trade_state", "NOTPAY"),
            ("out_trade_no", "1415659990"),
            ("trade_state_desc", "订单未支付"),
        ],
        Some(sign_type),
        key,
    )
}

async fn mount(server: &MockServer, route: &str, body: String, times: Option<u64>) {
    let mock = Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/xml"));
    let mock = match times {
        Some(n) => mock.up_to_n_times(n),
        None => mock,
    };
    mock.mount(server).await;
}

/// A server that issues `issued_key` and answers order queries with `answer`.
async fn sandbox_server(issued_key: &str, answer: String) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "/sandboxnew/pay/getsignkey",
        key_answer(issued_key),
        None,
    )
    .await;
    mount(&server, "/sandboxnew/pay/orderquery", answer, None).await;
    server
}

/// A sandbox client whose requests go to `<server>/sandboxnew`, as the sandbox host's.
fn sandbox_client(server: &MockServer, sign_type: SignType) -> Client {
    Client::builder(APP_ID, MCH_ID, KEY)
        .sandbox()
        .base_url(format!("{}/sandboxnew", server.uri()))
        .sign_type(sign_type)
        .build()
}

async fn received(server: &MockServer, route: &str) -> Vec<Request> {
    let all = server.received_requests().await.unwrap();
    all.into_iter().filter(|r| r.url.path() == route).collect()
}

fn query() -> OrderQueryRequest {
    OrderQueryRequest::new(OrderQueryOrder::out_trade_no("1415659990"))
}

#[tokio::test]
async fn the_key_is_fetched_once_with_the_production_key_and_signs_everything_after() {
    let server = sandbox_server(SANDBOX_KEY, order_answer(SignType::Md5, SANDBOX_KEY)).await;

    let pay = sandbox_client(&server, SignType::Md5);
    // Concurrent first calls share one fetch.
    let (a, b, c) = tokio::join!(
        pay.pay().order_query(query()),
        pay.pay().order_query(query()),
        pay.pay().order_query(query()),
    );
    for r in [a, b, c] {
        assert_eq!(r.unwrap().out_trade_no, "1415659990");
    }
    pay.pay().order_query(query()).await.unwrap();

    let fetches = received(&server, "/sandboxnew/pay/getsignkey").await;
    assert_eq!(fetches.len(), 1, "the key is cached");
    let sent = sent_fields(&fetches[0].body);
    let keys: Vec<&str> = sent.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["mch_id", "nonce_str", "sign"],
        "only what the docs list"
    );
    assert_eq!(sent["mch_id"], MCH_ID);
    assert_eq!(sent["sign"], sign_with_key(&sent, SignType::Md5, KEY));

    let queries = received(&server, "/sandboxnew/pay/orderquery").await;
    assert_eq!(queries.len(), 4);
    for q in &queries {
        let sent = sent_fields(&q.body);
        assert_eq!(
            sent["sign"],
            sign_with_key(&sent, SignType::Md5, SANDBOX_KEY)
        );
        assert_ne!(sent["sign"], sign_with_key(&sent, SignType::Md5, KEY));
        let body = String::from_utf8_lossy(&q.body);
        assert!(!body.contains(SANDBOX_KEY) && !body.contains(KEY));
    }
}

#[tokio::test]
async fn an_hmac_client_asks_for_the_key_in_md5_then_signs_hmac_with_it() {
    let server = sandbox_server(SANDBOX_KEY, order_answer(SignType::HmacSha256, SANDBOX_KEY)).await;

    let pay = sandbox_client(&server, SignType::HmacSha256);
    pay.pay().order_query(query()).await.unwrap();

    let fetch = sent_fields(&received(&server, "/sandboxnew/pay/getsignkey").await[0].body);
    assert!(!fetch.contains_key("sign_type"), "MD5 is implied");
    assert_eq!(fetch["sign"], sign_with_key(&fetch, SignType::Md5, KEY));
    let sent = sent_fields(&received(&server, "/sandboxnew/pay/orderquery").await[0].body);
    assert_eq!(sent["sign_type"], "HMAC-SHA256");
    let expected = sign_with_key(&sent, SignType::HmacSha256, SANDBOX_KEY);
    assert_eq!(sent["sign"], expected);
}

#[tokio::test]
async fn a_refused_key_fails_the_call_unsent_and_the_next_call_asks_again() {
    let server = MockServer::start().await;
    let refusal = xml_with_key(
        &[("return_code", "FAIL"), ("return_msg", "签名错误")],
        None,
        "",
    );
    mount(&server, "/sandboxnew/pay/getsignkey", refusal, Some(1)).await;
    mount(
        &server,
        "/sandboxnew/pay/getsignkey",
        key_answer(SANDBOX_KEY),
        None,
    )
    .await;
    let answer = order_answer(SignType::Md5, SANDBOX_KEY);
    mount(&server, "/sandboxnew/pay/orderquery", answer, None).await;

    let pay = sandbox_client(&server, SignType::Md5);
    let err = pay.pay().order_query(query()).await.unwrap_err();
    match &err {
        Error::SandboxKey { endpoint, reason } => {
            assert_eq!(*endpoint, "pay.orderQuery");
            assert!(reason.contains("签名错误"), "{reason}");
        }
        other => panic!("expected SandboxKey, got {other:?}"),
    }
    assert!(received(&server, "/sandboxnew/pay/orderquery")
        .await
        .is_empty());

    pay.pay().order_query(query()).await.unwrap();
    assert_eq!(
        received(&server, "/sandboxnew/pay/getsignkey").await.len(),
        2
    );
}

type QueryError = Error<miniapp::wechatpay::pay::OrderQueryError>;

/// The error of a first sandbox query when the sandbox issues `issued_key` and signs its
/// order answers with `answer_key`.
async fn first_query_refused(issued_key: &str, answer_key: &str) -> (MockServer, QueryError) {
    let server = sandbox_server(issued_key, order_answer(SignType::Md5, answer_key)).await;
    let err = sandbox_client(&server, SignType::Md5)
        .pay()
        .order_query(query())
        .await
        .unwrap_err();
    (server, err)
}

#[tokio::test]
async fn an_empty_key_is_refused() {
    let (server, err) = first_query_refused("", SANDBOX_KEY).await;
    assert!(
        matches!(&err, Error::SandboxKey { reason, .. } if reason.contains("empty")),
        "{err:?}"
    );
    let sent = received(&server, "/sandboxnew/pay/orderquery").await;
    assert!(sent.is_empty());
}

#[tokio::test]
async fn answers_signed_with_the_production_key_are_refused_in_the_sandbox() {
    let (_, err) = first_query_refused(SANDBOX_KEY, KEY).await;
    assert!(
        matches!(&err, Error::Decode { reason, .. } if reason.contains("signature rejected")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_production_client_never_asks_for_a_sandbox_key() {
    let server = MockServer::start().await;
    let answer = order_answer(SignType::Md5, KEY);
    mount(&server, "/pay/orderquery", answer, None).await;
    let pay = Client::builder(APP_ID, MCH_ID, KEY)
        .base_url(server.uri())
        .build();
    pay.pay().order_query(query()).await.unwrap();
    let all = server.received_requests().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].url.path(), "/pay/orderquery");
}

#[test]
fn the_sandbox_key_endpoint_is_the_schemas() {
    use miniapp::__private::Platform;
    let key = miniapp::wechatpay::WechatPay::SANDBOX_KEY.expect("schema sandbox_key");
    assert_eq!(key.endpoint, "sandbox.getSignKey");
}

/// A process that only verifies notifications fetches the key up front; notifications
/// of the sandbox (signed with its key) then verify, and the production key's do not.
#[tokio::test]
async fn ensure_sandbox_key_lets_a_notify_only_process_verify() {
    let server = sandbox_server(SANDBOX_KEY, order_answer(SignType::Md5, SANDBOX_KEY)).await;
    let pay = sandbox_client(&server, SignType::Md5);
    pay.ensure_sandbox_key().await.unwrap();
    pay.ensure_sandbox_key().await.unwrap();
    assert_eq!(
        received(&server, "/sandboxnew/pay/getsignkey").await.len(),
        1
    );
    let notification = |key: &str| {
        let pairs = [
            ("return_code", "SUCCESS"),
            ("appid", APP_ID),
            ("mch_id", MCH_ID),
            ("nonce_str", "n"),
            ("result_code", "SUCCESS"),
            ("openid", "o"),
            ("trade_type", "JSAPI"),
            ("total_fee", "1"),
            ("cash_fee", "1"),
            ("transaction_id", "4200"),
            ("out_trade_no", "1415659990"),
            ("time_end", "20261122120000"),
        ];
        xml_with_key(&pairs, Some(SignType::Md5), key)
    };
    let paid = pay.verify_payment_notification(notification(SANDBOX_KEY).as_bytes());
    assert_eq!(paid.unwrap().total_fee, 1);
    assert!(pay
        .verify_payment_notification(notification(KEY).as_bytes())
        .is_err());
}
