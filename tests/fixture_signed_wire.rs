//! The `signed` fixture platform, generated from YAML only (string error codes, the
//! `jucai_md5` signer named by its schema, a named host and a sandbox), against real
//! HTTP servers on 127.0.0.1. Signs are recomputed here by hand, not with the crate.
#![cfg(feature = "codegen")]

use miniapp::fixtures::signed::pay::*;
use miniapp::fixtures::signed::Client;
use miniapp::runtime::{ApiError, Code, Error, RetryPolicy};
use serde_json::{json, Map, Value};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "merchant-key";

fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(text.as_bytes()))
}

/// Sorted `k=v` of the non-empty fields but `sign`, then `key=KEY`, joined with `&`, MD5,
/// lowercase hex;
/// objects as compact JSON (serde_json's map is sorted).
fn sign_of(fields: &Map<String, Value>, key: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut keys: Vec<&String> = fields.keys().collect();
    keys.sort();
    for k in keys {
        let text = match &fields[k] {
            _ if k == "sign" => continue,
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        parts.push(format!("{k}={text}"));
    }
    parts.push(format!("key={key}")); // an empty body signs `key=KEY` alone
    md5_hex(&parts.join("&"))
}

fn signed(mut answer: Value) -> Value {
    let sign = sign_of(answer.as_object().unwrap(), KEY);
    answer["sign"] = Value::String(sign);
    answer
}

fn ok(data: Value) -> Value {
    let mut data = data;
    data["result_code"] = json!("OK");
    signed(json!({"code": "SUCCESS", "msg": "ok", "data": data}))
}

fn client(server: &MockServer) -> Client {
    Client::builder("M100", KEY)
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .build()
}

async fn answering(route: &str, answer: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    server
}

fn body_of(request: &Request) -> Map<String, Value> {
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn the_request_is_signed_and_the_signed_answer_decoded() {
    let server = answering("/order/create", ok(json!({"prepay_id": "wx2014"}))).await;
    let order = client(&server)
        .pay()
        .create_order(CreateOrderRequest::new("T1", 1999).body("书"))
        .await
        .unwrap();
    assert_eq!(order.prepay_id, "wx2014");
    let sent = body_of(&server.received_requests().await.unwrap()[0]);
    assert_eq!(sent["out_trade_no"], "T1");
    assert_eq!(sent["total_fee"], 1999);
    assert_eq!(sent["body"], "书");
    assert_eq!(
        sent["sign"],
        md5_hex("body=书&out_trade_no=T1&total_fee=1999&key=merchant-key")
    );
}

#[tokio::test]
async fn string_codes_become_the_endpoints_variants() {
    let server = answering(
        "/order/create",
        signed(json!({"code": "SUCCESS", "msg": "ok",
            "data": {"result_code": "ORDERPAID", "result_msg": "订单已支付"}})),
    )
    .await;
    let err = client(&server)
        .pay()
        .create_order(CreateOrderRequest::new("T1", 1))
        .await
        .unwrap_err();
    let api = err.api().expect("an API error").clone();
    assert_eq!(
        api,
        CreateOrderError::OrderPaid {
            message: "订单已支付".into()
        }
    );
    assert_eq!(api.code(), "ORDERPAID");
    assert_eq!(ApiError::code(&api), Code::from("ORDERPAID"));
    assert_eq!(ApiError::message(&api), "订单已支付");
    assert!(err.to_string().contains("code ORDERPAID"), "{err}");
}

#[tokio::test]
async fn an_undocumented_string_code_is_kept_in_other() {
    let server = answering(
        "/order/query",
        signed(json!({"code": "FAIL", "msg": "签名错误", "data": null})),
    )
    .await;
    let err = client(&server)
        .pay()
        .query_order(QueryOrderRequest::new("T1"))
        .await
        .unwrap_err();
    assert_eq!(
        err.into_api(),
        Some(QueryOrderError::Other {
            code: "FAIL".into(),
            message: "签名错误".into()
        })
    );
}

#[tokio::test]
async fn a_tampered_or_unsigned_answer_is_refused() {
    let mut tampered = ok(json!({"out_trade_no": "T1", "trade_state": "SUCCESS", "total_fee": 1}));
    tampered["data"]["total_fee"] = json!(100000);
    let mut unsigned = ok(json!({"out_trade_no": "T1", "trade_state": "SUCCESS", "total_fee": 1}));
    unsigned.as_object_mut().unwrap().remove("sign");
    for answer in [tampered, unsigned] {
        let server = answering("/order/query", answer).await;
        let err = client(&server)
            .pay()
            .query_order(QueryOrderRequest::new("T1"))
            .await
            .unwrap_err();
        match err {
            Error::Decode { reason, .. } => assert!(reason.contains("signature"), "{reason}"),
            other => panic!("expected a refused signature, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn system_error_is_retried_for_queries_only() {
    let busy = signed(json!({"code": "SUCCESS", "msg": "ok",
        "data": {"result_code": "SYSTEMERROR", "result_msg": "系统繁忙"}}));
    for (route, idempotent) in [("/order/query", true), ("/order/create", false)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(&busy))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok(
                json!({"out_trade_no": "T1", "trade_state": "NOTPAY", "total_fee": 1, "prepay_id": "p"}),
            )))
            .mount(&server)
            .await;
        let c = client(&server);
        if idempotent {
            let r = c
                .pay()
                .query_order(QueryOrderRequest::new("T1"))
                .await
                .unwrap();
            assert_eq!(r.trade_state, TradeState::Notpay);
        } else {
            let err = c
                .pay()
                .create_order(CreateOrderRequest::new("T1", 1))
                .await
                .unwrap_err();
            assert!(matches!(
                err.api(),
                Some(CreateOrderError::SystemError { .. })
            ));
        }
        let calls = server.received_requests().await.unwrap().len();
        assert_eq!(calls, if idempotent { 2 } else { 1 }, "{route}");
    }
}

#[tokio::test]
async fn the_named_host_is_routed_from_the_schema() {
    let gateway = MockServer::start().await;
    let files = answering("/bill/download", ok(json!({"rows": 3}))).await;
    let c = Client::builder("M100", KEY)
        .base_url(gateway.uri())
        .host_url("files", files.uri())
        .build();
    let bill = c
        .pay()
        .download_bill(DownloadBillRequest::new("20240101"))
        .await
        .unwrap();
    assert_eq!(bill.rows, 3);
    assert!(gateway.received_requests().await.unwrap().is_empty());
    // Without a host override, `base_url` covers the named host too.
    let both = answering("/bill/download", ok(json!({"rows": 4}))).await;
    let rows = client(&both)
        .pay()
        .download_bill(DownloadBillRequest::new("20240101"))
        .await
        .unwrap()
        .rows;
    assert_eq!(rows, 4);
}

/// The sandbox's own key, wired from the schema's `sandbox_key` alone: fetched once with
/// the production key (its answer unsigned), then signing requests and verifying answers.
#[tokio::test]
async fn a_sandbox_client_signs_with_the_key_its_schema_says_to_fetch() {
    const SANDBOX_KEY: &str = "sandbox-key-42";
    let server = MockServer::start().await;
    let key_answer =
        json!({"code": "SUCCESS", "msg": "ok", "data": {"key": SANDBOX_KEY, "result_code": "OK"}});
    Mock::given(method("POST"))
        .and(path("/sandbox/key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(key_answer))
        .mount(&server)
        .await;
    let mut answer =
        json!({"code": "SUCCESS", "msg": "ok", "data": {"prepay_id": "p", "result_code": "OK"}});
    let sign = sign_of(answer.as_object().unwrap(), SANDBOX_KEY);
    answer["sign"] = Value::String(sign);
    Mock::given(method("POST"))
        .and(path("/order/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;

    let sandbox = Client::builder("M100", KEY)
        .sandbox()
        .base_url(server.uri())
        .build();
    for n in ["T1", "T2"] {
        let order = CreateOrderRequest::new(n, 1);
        assert_eq!(
            sandbox.pay().create_order(order).await.unwrap().prepay_id,
            "p"
        );
    }
    let requests = server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/sandbox/key", "/order/create", "/order/create"]);
    let asked = body_of(&requests[0]);
    assert_eq!(asked["sign"], sign_of(&asked, KEY));
    for r in &requests[1..] {
        let sent = body_of(r);
        assert_eq!(sent["sign"], sign_of(&sent, SANDBOX_KEY));
    }

    // The production client neither asks nor accepts the sandbox's signs.
    let err = client(&server)
        .pay()
        .create_order(CreateOrderRequest::new("T3", 1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[test]
fn hosts_and_sandbox_come_from_the_schema() {
    let production = Client::new("M100", KEY);
    assert_eq!(production.base_url(), "https://gateway.example.com");
    assert_eq!(
        production.host_url("files"),
        Some("https://files.example.com")
    );
    assert_eq!(production.merchant_id(), "M100");
    // The sandbox covers every host, so no sandbox call can reach production.
    let sandbox = Client::builder("M100", KEY).sandbox().build();
    assert_eq!(sandbox.base_url(), "https://sandbox.example.com");
    assert_eq!(
        sandbox.host_url("files"),
        Some("https://sandbox.example.com")
    );
    assert!(!format!("{sandbox:?}").contains(KEY));
}

#[tokio::test]
async fn constraints_are_checked_before_sending() {
    let server = MockServer::start().await;
    let err = client(&server)
        .pay()
        .create_order(CreateOrderRequest::new("T1", 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The same platform served by the simulator, which takes everything from the generated
/// tables (paths, sign field and algorithm) and speaks string codes.
#[cfg(feature = "full")]
mod simulated {
    use super::*;
    use miniapp::fixtures::signed::Signed;
    use miniapp_simulator::{Platform, SignRule, Simulator};

    async fn simulator() -> Simulator {
        let platform = Platform::of::<Signed>()
            .missing_field("PARAM_ERROR", "参数错误")
            .sign(SignRule::of::<Signed>((Code::from("SIGNERROR"), "签名错误")).unwrap());
        Simulator::builder()
            .platform(platform)
            .only(&["signed"])
            .sign_key("signed", KEY)
            .start()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn signed_calls_and_string_codes_round_trip() {
        let sim = simulator().await;
        let c = Client::builder("M100", KEY)
            .base_url(sim.url("signed"))
            .build();
        let order = c
            .pay()
            .create_order(CreateOrderRequest::new("T1", 100))
            .await
            .unwrap();
        assert_eq!(order.prepay_id, "wx201410272009395522657a690389285100");

        sim.fail_next("pay.createOrder", "ORDERPAID", 1);
        let err = c
            .pay()
            .create_order(CreateOrderRequest::new("T1", 100))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(CreateOrderError::OrderPaid { .. })),
            "{err:?}"
        );
        let codes: Vec<_> = sim.requests().iter().map(|r| r.code.clone()).collect();
        assert_eq!(
            codes,
            [Some(Code::from("SUCCESS")), Some(Code::from("ORDERPAID"))]
        );

        // A client with another key: the simulator refuses its sign, and the client
        // refuses the simulator's answer, signed with the simulator's key.
        let wrong = Client::builder("M100", "other-key")
            .base_url(sim.url("signed"))
            .build();
        let err = wrong
            .pay()
            .create_order(CreateOrderRequest::new("T1", 100))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let last = sim.requests().pop().unwrap();
        assert_eq!(last.code, Some(Code::from("SIGNERROR")));
    }
}
