//! WeChat Pay v2 against a real HTTP server on 127.0.0.1: the exact XML sent (its sign
//! recomputed here by hand, MD5 and HMAC-SHA256), signed answers verified before use,
//! both levels of failure typed, retries only where the docs allow them, XXE refused.
#![cfg(feature = "wechatpay")]

use miniapp::runtime::{ApiError, Code, Error, RetryPolicy};
use miniapp::wechatpay::pay::*;
use miniapp::wechatpay::{Client, SignType};
use std::collections::BTreeMap;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod wechatpay_support;
use wechatpay_support::*;

fn sign_of(fields: &BTreeMap<String, String>, sign_type: SignType) -> String {
    sign_with_key(fields, sign_type, KEY)
}

/// A flat XML answer, signed unless `sign_type` is `None`.
fn answer(pairs: &[(&str, &str)], sign_type: Option<SignType>) -> String {
    xml_with_key(pairs, sign_type, KEY)
}

fn ok_answer(extra: &[(&str, &str)], sign_type: SignType) -> String {
    let mut pairs = vec![
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("appid", APP_ID),
        ("mch_id", MCH_ID),
        ("nonce_str", "IITRi8Iabbblz1Jc"),
        ("result_code", "SUCCESS"),
    ];
    pairs.extend_from_slice(extra);
    answer(&pairs, Some(sign_type))
}

fn business_failure(code: &str, text: &str) -> String {
    answer(
        &[
            ("return_code", "SUCCESS"),
            ("return_msg", "OK"),
            ("appid", APP_ID),
            ("mch_id", MCH_ID),
            ("nonce_str", "n"),
            ("result_code", "FAIL"),
            ("err_code", code),
            ("err_code_des", text),
        ],
        Some(SignType::Md5),
    )
}

async fn answering(route: &str, body: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/xml"))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder(APP_ID, MCH_ID, KEY)
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .build()
}

fn order() -> UnifiedOrderRequest {
    UnifiedOrderRequest::new(
        "腾讯充值中心-QQ会员充值",
        "1415659990",
        1,
        "14.23.150.211",
        "https://example.com/pay/notify",
        TradeType::Jsapi,
    )
    .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
}

#[tokio::test]
async fn unified_order_sends_exact_signed_xml_and_decodes_the_signed_answer() {
    let server = answering(
        "/pay/unifiedorder",
        ok_answer(
            &[
                ("prepay_id", "wx201411101639507cbf6ffd8b0779950874"),
                ("trade_type", "JSAPI"),
            ],
            SignType::Md5,
        ),
    )
    .await;
    let r = client(&server).pay().unified_order(order()).await.unwrap();
    assert_eq!(r.prepay_id, "wx201411101639507cbf6ffd8b0779950874");
    assert_eq!(r.trade_type, Some(TradeType::Jsapi));

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_eq!(
        request.headers.get("content-type").unwrap(),
        "text/xml; charset=utf-8"
    );
    let sent = sent_fields(&request.body);
    let keys: Vec<&str> = sent.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "appid",
            "body",
            "mch_id",
            "nonce_str",
            "notify_url",
            "openid",
            "out_trade_no",
            "sign",
            "sign_type",
            "spbill_create_ip",
            "total_fee",
            "trade_type"
        ]
    );
    assert_eq!(sent["appid"], APP_ID);
    assert_eq!(sent["mch_id"], MCH_ID);
    assert_eq!(sent["total_fee"], "1");
    assert_eq!(sent["trade_type"], "JSAPI");
    assert_eq!(sent["sign_type"], "MD5");
    assert_eq!(sent["nonce_str"].len(), 32);
    assert_eq!(sent["sign"], sign_of(&sent, SignType::Md5));
    assert!(!String::from_utf8_lossy(&request.body).contains(KEY));
}

#[tokio::test]
async fn hmac_sha256_signs_both_ways() {
    let server = answering(
        "/pay/unifiedorder",
        ok_answer(&[("prepay_id", "p1")], SignType::HmacSha256),
    )
    .await;
    let pay = Client::builder(APP_ID, MCH_ID, KEY)
        .base_url(server.uri())
        .sign_type(SignType::HmacSha256)
        .build();
    assert_eq!(
        pay.pay().unified_order(order()).await.unwrap().prepay_id,
        "p1"
    );
    let sent = sent_fields(&server.received_requests().await.unwrap()[0].body);
    assert_eq!(sent["sign_type"], "HMAC-SHA256");
    assert_eq!(sent["sign"], sign_of(&sent, SignType::HmacSha256));
    // An MD5-signed answer does not verify for an HMAC client.
    let md5 = answering(
        "/pay/unifiedorder",
        ok_answer(&[("prepay_id", "p1")], SignType::Md5),
    )
    .await;
    let pay = Client::builder(APP_ID, MCH_ID, KEY)
        .base_url(md5.uri())
        .sign_type(SignType::HmacSha256)
        .build();
    assert!(matches!(
        pay.pay().unified_order(order()).await.unwrap_err(),
        Error::Decode { .. }
    ));
}

#[tokio::test]
async fn return_code_fail_is_the_communication_failure() {
    let server = answering(
        "/pay/unifiedorder",
        answer(&[("return_code", "FAIL"), ("return_msg", "签名错误")], None),
    )
    .await;
    let err = client(&server)
        .pay()
        .unified_order(order())
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(
        api,
        &UnifiedOrderError::CommunicationFailure {
            message: "签名错误".into()
        }
    );
    assert_eq!(ApiError::code(api), Code::from("FAIL"));
}

#[tokio::test]
async fn every_documented_err_code_is_its_variant() {
    let cases = [
        "INVALID_REQUEST",
        "NOAUTH",
        "NOTENOUGH",
        "ORDERPAID",
        "ORDERCLOSED",
        "APPID_NOT_EXIST",
        "MCHID_NOT_EXIST",
        "APPID_MCHID_NOT_MATCH",
        "LACK_PARAMS",
        "OUT_TRADE_NO_USED",
        "SIGNERROR",
        "XML_FORMAT_ERROR",
        "REQUIRE_POST_METHOD",
        "POST_DATA_EMPTY",
        "NOT_UTF8",
        "SYSTEMERROR",
    ];
    for code in cases {
        let server = answering("/pay/unifiedorder", business_failure(code, "描述")).await;
        let c = Client::builder(APP_ID, MCH_ID, KEY)
            .base_url(server.uri())
            .retry_policy(RetryPolicy::none())
            .build();
        let api = c
            .pay()
            .unified_order(order())
            .await
            .unwrap_err()
            .into_api()
            .expect("an API error");
        assert_eq!(api.code(), code);
        assert_eq!(api.message(), "描述");
        assert!(
            !matches!(api, UnifiedOrderError::Other { .. }),
            "{code} has a variant"
        );
    }
    let server = answering("/pay/unifiedorder", business_failure("BRAND_NEW", "新")).await;
    let api = client(&server)
        .pay()
        .unified_order(order())
        .await
        .unwrap_err()
        .into_api();
    assert_eq!(
        api,
        Some(UnifiedOrderError::Other {
            code: "BRAND_NEW".into(),
            message: "新".into()
        })
    );
}

#[tokio::test]
async fn tampered_and_unsigned_answers_are_refused() {
    let good = ok_answer(&[("prepay_id", "p1")], SignType::Md5);
    let tampered = good.replace("p1", "p2");
    let unsigned = answer(
        &[
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("prepay_id", "p1"),
        ],
        None,
    );
    for body in [tampered, unsigned] {
        let server = answering("/pay/unifiedorder", body).await;
        match client(&server)
            .pay()
            .unified_order(order())
            .await
            .unwrap_err()
        {
            Error::Decode { reason, .. } => assert!(reason.contains("signature"), "{reason}"),
            other => panic!("expected a refused signature, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn system_error_is_retried_for_queries_never_for_orders() {
    for (route, is_query) in [("/pay/orderquery", true), ("/pay/unifiedorder", false)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(business_failure("SYSTEMERROR", "系统超时"), "text/xml"),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                ok_answer(
                    &[
                        ("out_trade_no", "1415659990"),
                        ("trade_state", "NOTPAY"),
                        ("prepay_id", "p"),
                    ],
                    SignType::Md5,
                ),
                "text/xml",
            ))
            .mount(&server)
            .await;
        let c = client(&server);
        if is_query {
            let r = c
                .pay()
                .order_query(OrderQueryRequest::new(OrderQueryOrder::out_trade_no(
                    "1415659990",
                )))
                .await
                .unwrap();
            assert_eq!(r.trade_state, TradeState::NotPay);
        } else {
            let err = c.pay().unified_order(order()).await.unwrap_err();
            assert!(matches!(
                err.api(),
                Some(UnifiedOrderError::SystemError { .. })
            ));
        }
        let calls = server.received_requests().await.unwrap().len();
        assert_eq!(calls, if is_query { 2 } else { 1 }, "{route}");
    }
}

#[tokio::test]
async fn order_query_parses_amounts_as_integers() {
    let server = answering(
        "/pay/orderquery",
        ok_answer(
            &[
                ("transaction_id", "1008450740201411110005820873"),
                ("out_trade_no", "1415757673"),
                ("trade_state", "SUCCESS"),
                ("trade_type", "JSAPI"),
                ("total_fee", "101"),
                ("cash_fee", "100"),
                ("coupon_count", "1"),
                ("time_end", "20141030133525"),
                ("openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
            ],
            SignType::Md5,
        ),
    )
    .await;
    let r = client(&server)
        .pay()
        .order_query(OrderQueryRequest::new(OrderQueryOrder::transaction_id(
            "1008450740201411110005820873",
        )))
        .await
        .unwrap();
    assert_eq!(r.trade_state, TradeState::Success);
    assert_eq!(
        (r.total_fee, r.cash_fee, r.coupon_count),
        (Some(101), Some(100), Some(1))
    );
    let sent = sent_fields(&server.received_requests().await.unwrap()[0].body);
    assert_eq!(sent["transaction_id"], "1008450740201411110005820873");
    assert!(!sent.contains_key("out_trade_no"));

    // An amount that is not an integer is a decode error, never rounded.
    let bad = answering(
        "/pay/orderquery",
        ok_answer(
            &[
                ("out_trade_no", "1"),
                ("trade_state", "SUCCESS"),
                ("total_fee", "1.01"),
            ],
            SignType::Md5,
        ),
    )
    .await;
    let err = client(&bad)
        .pay()
        .order_query(OrderQueryRequest::new(OrderQueryOrder::out_trade_no("1")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn close_order_errors_are_typed() {
    let server = answering(
        "/pay/closeorder",
        business_failure("ORDERPAID", "订单已支付"),
    )
    .await;
    let err = client(&server)
        .pay()
        .close_order(CloseOrderRequest::new("1415983244"))
        .await
        .unwrap_err();
    assert!(matches!(err.api(), Some(CloseOrderError::OrderPaid { .. })));
    let ok = answering("/pay/closeorder", ok_answer(&[], SignType::Md5)).await;
    client(&ok)
        .pay()
        .close_order(CloseOrderRequest::new("1415983244"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_doctype_answer_is_refused_unparsed() {
    let xxe = r#"<?xml version="1.0" ?><!DOCTYPE doc [<!ENTITY win SYSTEM "file:///etc/passwd">]><xml><return_code>&win;</return_code></xml>"#;
    let server = answering("/pay/unifiedorder", xxe.to_owned()).await;
    match client(&server)
        .pay()
        .unified_order(order())
        .await
        .unwrap_err()
    {
        Error::Decode { reason, .. } => assert!(reason.contains("DOCTYPE"), "{reason}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn amounts_and_order_numbers_are_checked_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    let zero = UnifiedOrderRequest::new(
        "b",
        "1",
        0,
        "127.0.0.1",
        "https://e.com/n",
        TradeType::Jsapi,
    );
    let bad_no = UnifiedOrderRequest::new(
        "b",
        "order#1",
        1,
        "127.0.0.1",
        "https://e.com/n",
        TradeType::Jsapi,
    );
    for request in [zero, bad_no] {
        let err = c.pay().unified_order(request).await.unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn the_sandbox_is_the_schema_sandbox_and_secrets_stay_out_of_debug() {
    let pay = Client::builder(APP_ID, MCH_ID, KEY).sandbox().build();
    assert_eq!(pay.base_url(), "https://api.mch.weixin.qq.com/sandboxnew");
    assert_eq!(pay.mch_id(), MCH_ID);
    assert!(!format!("{pay:?}").contains(KEY));
}

#[tokio::test]
async fn refund_query_gathers_indexed_fields_into_refunds_and_coupons() {
    let server = answering(
        "/pay/refundquery",
        ok_answer(
            &[
                ("transaction_id", "1008450740201411110005820873"),
                ("out_trade_no", "1415757673"),
                ("total_fee", "300"),
                ("cash_fee", "300"),
                ("refund_count", "2"),
                ("out_refund_no_0", "1415701182"),
                ("refund_id_0", "2008450740201411110000174436"),
                ("refund_fee_0", "100"),
                ("refund_status_0", "PROCESSING"),
                ("refund_channel_0", "ORIGINAL"),
                ("coupon_refund_count_0", "2"),
                ("coupon_refund_id_0_0", "C00"),
                ("coupon_refund_fee_0_0", "10"),
                ("coupon_type_0_0", "CASH"),
                ("coupon_refund_id_0_1", "C01"),
                ("coupon_refund_fee_0_1", "5"),
                ("out_refund_no_1", "1415701183"),
                ("refund_id_1", "2008450740201411110000174437"),
                ("refund_fee_1", "200"),
                ("refund_status_1", "SUCCESS"),
                ("refund_success_time_1", "2014-11-11 10:00:00"),
            ],
            SignType::Md5,
        ),
    )
    .await;
    let r = client(&server)
        .pay()
        .refund_query(RefundQueryRequest::new(RefundQueryBy::out_trade_no(
            "1415757673",
        )))
        .await
        .unwrap();
    assert_eq!(r.refund_count, 2);
    let refunds = r.refunds.expect("the refunds");
    assert_eq!(refunds.len(), 2);
    assert_eq!(refunds[0].out_refund_no, "1415701182");
    assert_eq!(refunds[0].refund_fee, 100);
    assert_eq!(refunds[0].refund_status, RefundStatus::Processing);
    assert_eq!(refunds[0].refund_channel, Some(RefundChannel::Original));
    let coupons = refunds[0].coupons.as_ref().expect("the coupons");
    assert_eq!(coupons.len(), 2);
    assert_eq!(
        (
            coupons[0].coupon_refund_id.as_str(),
            coupons[0].coupon_refund_fee
        ),
        ("C00", 10)
    );
    assert_eq!(coupons[1].coupon_refund_fee, 5);
    assert_eq!(refunds[1].refund_status, RefundStatus::Success);
    assert_eq!(
        refunds[1].refund_success_time.as_deref(),
        Some("2014-11-11 10:00:00")
    );
    assert_eq!(refunds[1].coupons.as_deref(), Some(&[][..]));
}

#[tokio::test]
async fn refund_query_with_a_missing_indexed_item_is_a_decode_error() {
    let server = answering(
        "/pay/refundquery",
        ok_answer(
            &[
                ("refund_count", "2"),
                ("out_refund_no_0", "R0"),
                ("refund_id_0", "1"),
                ("refund_fee_0", "1"),
                ("refund_status_0", "SUCCESS"),
            ],
            SignType::Md5,
        ),
    )
    .await;
    let err = client(&server)
        .pay()
        .refund_query(RefundQueryRequest::new(RefundQueryBy::refund_id("1")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}
