//! `alipay.trade.precreate` (QR code payments) against a real HTTP server on 127.0.0.1:
//! the exact signed form and `biz_content` (amounts as yuan text from fen), the sign
//! verified here by hand, the doc's example answer signed and decoded, every
//! documented sub_code typed, and never retried on its own.
#![cfg(feature = "alipay")]

use miniapp::alipay::trade::*;
use miniapp::runtime::Error;

mod alipay_support;
use alipay_support::*;

const MEMBER: &str = "alipay_trade_precreate_response";

#[tokio::test]
async fn the_form_is_signed_the_amounts_are_yuan_text_and_the_doc_example_decodes() {
    // The doc's example answer, signed here with the tests' "Alipay" key.
    let example = r#"{"code":"10000","msg":"Success","out_trade_no":"6823789339978248","qr_code":"https://qr.alipay.com/bavh4wjlxf12tper3a"}"#;
    let server = answering(signed_body(MEMBER, example)).await;
    let answer = client(&server.uri())
        .trade()
        .precreate(
            PrecreateRequest::new("6823789339978248", 88_88, "Iphone6 16G")
                .undiscountable_amount(80_00)
                .store_id("NJ_001")
                .timeout_express("90m")
                .notify_url("https://example.com/alipay/notify"),
        )
        .await
        .unwrap();
    assert_eq!(answer.out_trade_no, "6823789339978248");
    assert_eq!(answer.qr_code, "https://qr.alipay.com/bavh4wjlxf12tper3a");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let form = form_fields(&requests[0].body);
    let keys: Vec<&str> = form.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "app_id",
            "biz_content",
            "charset",
            "format",
            "method",
            "notify_url",
            "sign",
            "sign_type",
            "timestamp",
            "version"
        ]
    );
    assert_eq!(form["method"], "alipay.trade.precreate");
    assert_eq!(form["app_id"], APP_ID);
    assert_eq!(form["notify_url"], "https://example.com/alipay/notify");
    assert!(signed_by_app(&form), "the sign verifies with the app key");
    let biz: serde_json::Value = serde_json::from_str(&form["biz_content"]).unwrap();
    assert_eq!(
        biz,
        serde_json::json!({
            "out_trade_no": "6823789339978248",
            "total_amount": "88.88",
            "subject": "Iphone6 16G",
            "undiscountable_amount": "80.00",
            "store_id": "NJ_001",
            "timeout_express": "90m",
        })
    );
    let mut tampered = form.clone();
    tampered.insert(
        "biz_content".into(),
        form["biz_content"].replace("88.88", "0.01"),
    );
    assert!(!signed_by_app(&tampered));
}

#[tokio::test]
async fn an_altered_answer_or_an_invalid_request_is_refused() {
    let example = r#"{"code":"10000","msg":"Success","out_trade_no":"1","qr_code":"https://qr.alipay.com/bax1"}"#;
    let forged = signed_body(MEMBER, example).replace("bax1", "evil");
    let server = answering(forged).await;
    let e = client(&server.uri())
        .trade()
        .precreate(PrecreateRequest::new("1", 1, "s"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Decode { reason, .. } if reason.contains("signature rejected")),
        "{e:?}"
    );
    // Refused before anything is sent: an order number out of its charset, no amount.
    let server = answering(String::new()).await;
    for request in [
        PrecreateRequest::new("no/slash", 1, "s"),
        PrecreateRequest::new("1", 0, "s"),
        PrecreateRequest::new("1", 1, ""),
    ] {
        let e = client(&server.uri())
            .trade()
            .precreate(request)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn documented_sub_codes_are_typed_and_a_system_error_is_not_retried() {
    type Is = fn(&PrecreateError) -> bool;
    let cases: [(&str, Is); 4] = [
        ("ACQ.TRADE_HAS_SUCCESS", |e| {
            matches!(e, PrecreateError::TradeHasSuccess { .. })
        }),
        ("ACQ.CONTEXT_INCONSISTENT", |e| {
            matches!(e, PrecreateError::ContextInconsistent { .. })
        }),
        ("ACQ.APPLY_PC_MERCHANT_CODE_ERROR", |e| {
            matches!(e, PrecreateError::ApplyPcMerchantCodeError { .. })
        }),
        ("ACQ.SYSTEM_ERROR", |e| {
            matches!(e, PrecreateError::SystemError { .. })
        }),
    ];
    for (code, is) in cases {
        let body = signed_body(
            MEMBER,
            &format!(
                r#"{{"code":"40004","msg":"Business Failed","sub_code":"{code}","sub_msg":"说明"}}"#
            ),
        );
        let server = answering(body).await;
        let e = client(&server.uri())
            .trade()
            .precreate(PrecreateRequest::new("1", 1, "s"))
            .await
            .unwrap_err();
        match &e {
            Error::Api { source, .. } => {
                assert!(is(source), "{code}: {source:?}");
                assert_eq!(source.code().to_string(), code);
            }
            other => panic!("{code}: {other:?}"),
        }
        // A precreate is not idempotent: even ACQ.SYSTEM_ERROR is sent once.
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "{code}");
    }
}
