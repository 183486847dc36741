//! Alipay against a real HTTP server on 127.0.0.1: the exact form sent (its RSA2 sign
//! verified here with the app's public key, by hand), answers verified over the raw text
//! of their `_response` member (real SDK-suite answers and ones signed here), every
//! documented sub_code typed, tampered and unsigned answers refused, retries only where
//! the docs allow them, money exact both ways, certificate mode.
#![cfg(feature = "alipay")]

use miniapp::alipay::auth::*;
use miniapp::alipay::trade::*;
use miniapp::alipay::{Client, KeyFormat};
use miniapp::runtime::{ApiError, Error, RetryPolicy};
use std::collections::BTreeMap;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod alipay_support;
use alipay_support::*;

async fn sent(server: &MockServer) -> Vec<BTreeMap<String, String>> {
    let requests: Vec<Request> = server.received_requests().await.unwrap();
    requests.iter().map(|r| form_fields(&r.body)).collect()
}

fn success(member: &str, fields: &str) -> String {
    signed_body(
        member,
        &format!(r#"{{"code":"10000","msg":"Success",{fields}}}"#),
    )
}

fn failure(member: &str, code: &str, sub_code: &str) -> String {
    signed_body(
        member,
        &format!(
            r#"{{"code":"{code}","msg":"Business Failed","sub_code":"{sub_code}","sub_msg":"说明"}}"#
        ),
    )
}

/// Beijing time now, as `yyyy-MM-dd HH:mm`, to compare with a sent timestamp.
fn beijing_minutes(offset_minutes: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 8 * 3600
        + offset_minutes * 60;
    let (days, secs) = (now.div_euclid(86400), now.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

#[tokio::test]
async fn code2session_sends_the_exact_signed_form_and_reads_the_signed_answer() {
    let server = answering(success(
        "alipay_system_oauth_token_response",
        r#""user_id":"2088102150477652","open_id":"083luGU2ef8yeC95","access_token":"authusrB3379f70b","expires_in":1296000,"re_expires_in":2592000,"refresh_token":"authusrB79e8d2","auth_start":"2025-10-15 13:19:21""#,
    ))
    .await;
    let ali = client(&server.uri());
    let session = ali
        .auth()
        .code2_session(Code2SessionRequest::new("4b203fe6c11548bcabd8da5bb087a83b"))
        .await
        .unwrap();
    assert_eq!(session.user_id.as_deref(), Some("2088102150477652"));
    assert_eq!(session.open_id.as_deref(), Some("083luGU2ef8yeC95"));
    assert_eq!(session.expires_in, Some(1_296_000));
    let debug = format!("{session:?}");
    assert!(!debug.contains("authusrB3379f70b"), "{debug}");

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1);
    let form = &sent[0];
    let keys: Vec<&str> = form.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "app_id",
            "charset",
            "code",
            "format",
            "grant_type",
            "method",
            "sign",
            "sign_type",
            "timestamp",
            "version"
        ]
    );
    assert_eq!(form["app_id"], APP_ID);
    assert_eq!(form["method"], "alipay.system.oauth.token");
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "4b203fe6c11548bcabd8da5bb087a83b");
    assert_eq!(
        (
            form["format"].as_str(),
            form["charset"].as_str(),
            form["sign_type"].as_str(),
            form["version"].as_str()
        ),
        ("JSON", "utf-8", "RSA2", "1.0")
    );
    let minute = &form["timestamp"][..16];
    assert!(
        [beijing_minutes(0), beijing_minutes(-1)].contains(&minute.to_owned()),
        "timestamp {} is Beijing time now",
        form["timestamp"]
    );
    assert!(
        signed_by_app(form),
        "the sign verifies with the app public key"
    );
    let mut tampered = form.clone();
    tampered.insert("code".into(), "another".into());
    assert!(!signed_by_app(&tampered));
}

#[tokio::test]
async fn trade_fields_travel_packed_in_biz_content_and_amounts_as_yuan_text() {
    let server = answering(success(
        "alipay_trade_create_response",
        r#""out_trade_no":"20150320010101001","trade_no":"2015042321001004720200028594""#,
    ))
    .await;
    let trade = client(&server.uri())
        .trade()
        .create(
            CreateRequest::new("20150320010101001", 88_88, "Iphone6 16G")
                .buyer_open_id("074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5")
                .discountable_amount(1)
                .notify_url("https://example.com/alipay/notify?a=1&b=2"),
        )
        .await
        .unwrap();
    assert_eq!(trade.trade_no, "2015042321001004720200028594");
    let form = &sent(&server).await[0];
    assert_eq!(form["method"], "alipay.trade.create");
    assert_eq!(
        form["notify_url"],
        "https://example.com/alipay/notify?a=1&b=2"
    );
    assert!(signed_by_app(form));
    let biz: serde_json::Value = serde_json::from_str(&form["biz_content"]).unwrap();
    assert_eq!(
        biz,
        serde_json::json!({
            "out_trade_no": "20150320010101001",
            "total_amount": "88.88",
            "subject": "Iphone6 16G",
            "buyer_open_id": "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5",
            "discountable_amount": "0.01",
        })
    );
    assert!(
        !form.contains_key("out_trade_no"),
        "business fields are packed"
    );
}

#[tokio::test]
async fn a_real_sandbox_answer_verifies_over_its_raw_text_and_decodes_in_fen() {
    // An answer the Alipay sandbox signed (an SDK suite's fixture), served byte for byte.
    let server = answering(vector("A.resp.trade_query")).await;
    let ali = Client::builder(APP_ID, app_private_key(), vector("A.alipay_public_key.pem"))
        .base_url(server.uri())
        .try_build()
        .unwrap();
    let trade = ali
        .trade()
        .query(QueryRequest::new(QueryOrder::out_trade_no("1703141270")))
        .await
        .unwrap();
    assert_eq!(trade.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(trade.total_amount, 1);
    assert_eq!(trade.point_amount, Some(0));
    assert_eq!(
        trade.trade_no.as_deref(),
        Some("2023122122001499160501586202")
    );
    let form = &sent(&server).await[0];
    assert_eq!(form["biz_content"], r#"{"out_trade_no":"1703141270"}"#);
}

#[tokio::test]
async fn unicode_escaped_slashes_and_nested_lists_verify_on_the_wire_text() {
    let content = r#"{"code":"10000","msg":"Success","out_trade_no":"No\/1 \u6d4b","trade_no":"2024","buyer_logon_id":"买家\/🙂","trade_status":"TRADE_SUCCESS","total_amount":"100.00","fund_bill_list":[{"fund_channel":"ALIPAYACCOUNT","amount":"99.99"},{"fund_channel":"POINT","amount":"0.01","real_amount":"0.01"}]}"#;
    let server = answering(signed_body("alipay_trade_query_response", content)).await;
    let trade = client(&server.uri())
        .trade()
        .query(QueryRequest::new(QueryOrder::trade_no("2024")))
        .await
        .unwrap();
    assert_eq!(trade.out_trade_no, "No/1 测");
    assert_eq!(trade.buyer_logon_id.as_deref(), Some("买家/🙂"));
    assert_eq!(trade.total_amount, 10000);
    let bills = trade.fund_bill_list.unwrap();
    assert_eq!(bills.len(), 2);
    assert_eq!(bills[0].amount, 9999);
    assert_eq!(bills[1].real_amount, Some(1));
}

#[tokio::test]
async fn tampered_unsigned_foreign_and_ambiguous_answers_are_refused() {
    let good = success(
        "alipay_trade_query_response",
        r#""out_trade_no":"1","trade_status":"TRADE_SUCCESS","total_amount":"0.01""#,
    );
    let unsigned = r#"{"alipay_trade_query_response":{"code":"10000","msg":"Success","out_trade_no":"1","trade_status":"TRADE_SUCCESS","total_amount":"0.01"}}"#.to_owned();
    let cases = [
        (
            "tampered",
            good.replace("0.01", "9.99"),
            "signature rejected",
        ),
        ("unsigned", unsigned.clone(), "no signature"),
        (
            "empty sign",
            unsigned.replace("}}", r#"},"sign":""}"#),
            "no signature",
        ),
        (
            "signed by another key",
            // The sandbox's real answer, checked against the tests' Alipay key.
            vector("A.resp.trade_query"),
            "signature rejected",
        ),
        (
            "duplicate member",
            good.replacen(
                '{',
                r#"{"alipay_trade_query_response":{"code":"10000"},"#,
                1,
            ),
            "twice",
        ),
        (
            "no answer member",
            r#"{"other_response":{},"sign":"x"}"#.to_owned(),
            "neither",
        ),
        ("not JSON", "<html>502</html>".to_owned(), "JSON object"),
    ];
    for (what, body, expected) in cases {
        let server = answering(body).await;
        let e = client(&server.uri())
            .trade()
            .query(QueryRequest::new(QueryOrder::out_trade_no("1")))
            .await
            .unwrap_err();
        match &e {
            Error::Decode { reason, .. } => assert!(reason.contains(expected), "{what}: {reason}"),
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_malformed_amount_is_an_error_never_rounded() {
    let server = answering(success(
        "alipay_trade_query_response",
        r#""out_trade_no":"1","trade_status":"TRADE_SUCCESS","total_amount":"0.001""#,
    ))
    .await;
    let e = client(&server.uri())
        .trade()
        .query(QueryRequest::new(QueryOrder::out_trade_no("1")))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Decode { reason, .. } if reason.contains("0.001")),
        "{e:?}"
    );
}

/// Every sub_code documented for an endpoint comes back as its own variant (its
/// description in the message), for each trade endpoint and the login.
#[tokio::test]
async fn every_documented_sub_code_is_typed() {
    let mut checked = 0;
    for info in miniapp::alipay::ENDPOINTS {
        let operation = info
            .constants
            .iter()
            .find(|(k, _)| *k == "method")
            .unwrap()
            .1;
        let member = format!("{}_response", operation.replace('.', "_"));
        for (code, doc) in info.errors {
            let code = code.as_str().unwrap();
            let body = if code.contains('.') || code.contains('_') {
                failure(&member, "40004", code)
            } else {
                signed_body(&member, &format!(r#"{{"code":"{code}","msg":"m"}}"#))
            };
            let server = answering(body).await;
            let ali = Client::builder(APP_ID, app_private_key(), alipay_public_key())
                .base_url(server.uri())
                .retry_policy(RetryPolicy::none())
                .try_build()
                .unwrap();
            let shown = call(&ali, info.name).await;
            assert!(
                shown.starts_with(&format!("sub_code {code:?}"))
                    || shown.starts_with(&format!("code {code:?}")),
                "{}: {code}: {shown}",
                info.name
            );
            assert!(shown.contains(doc), "{}: {code}: {shown}", info.name);
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} codes");
}

/// Calls endpoint `name` with a minimal request; the API error's text.
async fn call(ali: &Client, name: &str) -> String {
    fn api<E: ApiError, R: std::fmt::Debug>(r: Result<R, Error<E>>) -> String {
        match r {
            Err(Error::Api { source, .. }) => {
                format!(
                    "{} {:?}: {source}",
                    kind(&source),
                    source.code().to_string()
                )
            }
            other => panic!("{other:?}"),
        }
    }
    fn kind<E: ApiError>(e: &E) -> &'static str {
        if e.code().to_string().chars().all(|c| c.is_ascii_digit()) {
            "code"
        } else {
            "sub_code"
        }
    }
    let t = ali.trade();
    match name {
        "auth.code2Session" => api(ali
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await),
        "auth.refreshToken" => api(ali
            .auth()
            .refresh_token(RefreshTokenRequest::new("r"))
            .await),
        "trade.create" => api(t.create(CreateRequest::new("1", 1, "s")).await),
        "trade.precreate" => api(t.precreate(PrecreateRequest::new("1", 1, "s")).await),
        "user.infoShare" => api(ali
            .user()
            .info_share(miniapp::alipay::user::InfoShareRequest::new("t"))
            .await),
        "bill.downloadUrlQuery" => api(ali
            .bill()
            .download_url_query(miniapp::alipay::bill::DownloadUrlQueryRequest::new(
                miniapp::alipay::bill::BillType::Trade,
                "2016-04-05",
            ))
            .await),
        "trade.query" => api(t
            .query(QueryRequest::new(QueryOrder::out_trade_no("1")))
            .await),
        "trade.close" => api(t
            .close(CloseRequest::new(CloseOrder::out_trade_no("1")))
            .await),
        "trade.cancel" => api(t
            .cancel(CancelRequest::new(CancelOrder::out_trade_no("1")))
            .await),
        "trade.refund" => api(t
            .refund(RefundRequest::new(1, RefundOrder::out_trade_no("1")))
            .await),
        "trade.refundQuery" => api(t
            .refund_query(RefundQueryRequest::new(
                "1",
                RefundQueryOrder::out_trade_no("1"),
            ))
            .await),
        other => panic!("no call for {other}"),
    }
}

#[tokio::test]
async fn an_undocumented_sub_code_keeps_the_public_code_and_says_the_sub_code() {
    let server = answering(failure(
        "alipay_trade_query_response",
        "40004",
        "ACQ.SOMETHING_NEW",
    ))
    .await;
    let e = client(&server.uri())
        .trade()
        .query(QueryRequest::new(QueryOrder::out_trade_no("1")))
        .await
        .unwrap_err();
    let Error::Api { source, .. } = e else {
        panic!("{e:?}")
    };
    assert!(
        matches!(source, QueryError::BusinessFailed { .. }),
        "{source:?}"
    );
    assert!(source.message().contains("ACQ.SOMETHING_NEW"), "{source}");
}

#[tokio::test]
async fn gateway_refusals_are_typed_signed_or_not_but_a_wrong_sign_is_refused() {
    // The gateway's refusal of a login code, unsigned (as an SDK suite records it).
    let server = answering(vector("err.nodeall")).await;
    let e = client(&server.uri())
        .auth()
        .code2_session(Code2SessionRequest::new("expired"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Api { source: Code2SessionError::CodeInvalid { message }, .. } if message == "授权码code无效"),
        "{e:?}"
    );
    // With an empty sign and a certificate name (another suite's verbatim body).
    let server = answering(vector("err.fz")).await;
    let e = client(&server.uri())
        .auth()
        .code2_session(Code2SessionRequest::new("expired"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Api {
                source: Code2SessionError::CodeInvalid { .. },
                ..
            }
        ),
        "{e:?}"
    );
    // A refusal whose sign does not verify: someone altered it.
    let forged = failure("error_response", "40002", "isv.code-invalid").replace("说明", "改");
    let server = answering(forged).await;
    let e = client(&server.uri())
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Decode { reason, .. } if reason.contains("signature rejected")),
        "{e:?}"
    );
}

async fn counting(first: String, then: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gateway.do"))
        .respond_with(ResponseTemplate::new(200).set_body_string(first))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/gateway.do"))
        .respond_with(ResponseTemplate::new(200).set_body_string(then))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn system_errors_are_retried_for_queries_and_refunds_only() {
    let query_ok = success(
        "alipay_trade_query_response",
        r#""out_trade_no":"1","trade_status":"WAIT_BUYER_PAY","total_amount":"1.00""#,
    );
    let server = counting(
        failure("alipay_trade_query_response", "40004", "ACQ.SYSTEM_ERROR"),
        query_ok,
    )
    .await;
    let trade = client(&server.uri())
        .trade()
        .query(QueryRequest::new(QueryOrder::out_trade_no("1")))
        .await
        .unwrap();
    assert_eq!(trade.trade_status, TradeStatus::WaitBuyerPay);
    assert_eq!(sent(&server).await.len(), 2);

    // 20000 on a refund with its request number: retried with the same number.
    let refund_ok = success(
        "alipay_trade_refund_response",
        r#""trade_no":"2","out_trade_no":"1","fund_change":"Y","refund_fee":"0.50""#,
    );
    let server = counting(
        failure("alipay_trade_refund_response", "20000", "isp.unknow-error"),
        refund_ok,
    )
    .await;
    let refund = client(&server.uri())
        .trade()
        .refund(RefundRequest::new(50, RefundOrder::out_trade_no("1")).out_request_no("R1"))
        .await
        .unwrap();
    assert_eq!(refund.refund_fee, 50);
    let sent = sent(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["biz_content"], sent[1]["biz_content"]);

    // Creating a trade is never retried on its own: the caller queries first.
    let server = counting(
        failure("alipay_trade_create_response", "40004", "ACQ.SYSTEM_ERROR"),
        success(
            "alipay_trade_create_response",
            r#""out_trade_no":"1","trade_no":"2""#,
        ),
    )
    .await;
    let e = client(&server.uri())
        .trade()
        .create(CreateRequest::new("1", 1, "s"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Api { source, .. } if source.is_retryable()),
        "{e:?}"
    );
    assert_eq!(self::sent(&server).await.len(), 1);
}

#[tokio::test]
async fn the_app_order_string_is_the_signed_form_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let ali = client(&server.uri());
    let order = ali
        .app_pay_order_string(
            &AppPayRequest::new("70501111111S001111119", 9_00, "大乐透")
                .notify_url("https://example.com/notify"),
        )
        .await
        .unwrap();
    assert!(server.received_requests().await.unwrap().is_empty());
    let form = form_fields(order.as_bytes());
    assert_eq!(form["method"], "alipay.trade.app.pay");
    assert_eq!(form["notify_url"], "https://example.com/notify");
    let biz: serde_json::Value = serde_json::from_str(&form["biz_content"]).unwrap();
    assert_eq!(biz["total_amount"], "9.00");
    assert_eq!(biz["subject"], "大乐透");
    assert!(signed_by_app(&form));
    assert!(order.contains("%E5%A4%A7"), "percent-encoded: {order}");
    // Constraints are checked before signing.
    let e = ali
        .app_pay_order_string(&AppPayRequest::new("", 9_00, "s"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
}

#[test]
fn keys_are_checked_when_the_client_is_built() {
    let private = app_private_key();
    let public = alipay_public_key();
    assert!(Client::new(APP_ID, &private, &public).is_ok());
    let cases: [(Result<Client, _>, &str); 5] = [
        (Client::new(APP_ID, "MIIB", &public), "app private key"),
        (Client::new(APP_ID, &private, ""), "no Alipay public key"),
        (
            Client::new(
                APP_ID,
                &private,
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            ),
            "the Alipay public key",
        ),
        (
            Client::builder(APP_ID, &private, &public)
                .key_format(KeyFormat::Pkcs8)
                .try_build(),
            "but PKCS#8 (`PRIVATE KEY`) was configured",
        ),
        (
            Client::builder(APP_ID, vector("B.app_private_key.bare_pkcs1"), &public)
                .key_format(KeyFormat::Pkcs8)
                .try_build(),
            "not an RSA private key in PKCS#8",
        ),
    ];
    for (result, expected) in cases {
        let e = result.unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
        assert!(!e.contains("MIIEpAIBAAKCAQEA"), "no key material: {e}");
    }
    let debug = format!("{:?}", Client::new(APP_ID, &private, &public).unwrap());
    assert!(!debug.contains("MIIEpAIBAAKCAQEA"), "{debug}");
}

mod certificate_mode {
    use super::*;

    const ALIPAY_CERT_SN: &str = "6f1e366a31d9575cd546914add04f4af";

    fn cert_client(server: &MockServer) -> Result<Client, miniapp::runtime::BuildError> {
        Client::builder(APP_ID, app_private_key(), vector("A.alipay_cert.crt"))
            .certificates(vector("A.app_cert.crt"), vector("A.alipay_root_cert.crt"))
            .base_url(server.uri())
            .try_build()
    }

    /// The sandbox's signed answer with the certificate name beside it (outside the
    /// signed member, as Alipay sends it).
    fn answer_naming(sn: &str) -> String {
        vector("A.resp.trade_query").replacen(
            r#","sign":"#,
            &format!(r#","alipay_cert_sn":"{sn}","sign":"#),
            1,
        )
    }

    #[tokio::test]
    async fn requests_name_the_certificates_and_answers_must_name_alipays() {
        let server = answering(answer_naming(ALIPAY_CERT_SN)).await;
        let ali = cert_client(&server).unwrap();
        let names = ali.signer().cert_names().unwrap();
        assert_eq!(names.alipay_cert_sn, ALIPAY_CERT_SN);
        let trade = ali
            .trade()
            .query(QueryRequest::new(QueryOrder::out_trade_no("1703141270")))
            .await
            .unwrap();
        assert_eq!(trade.total_amount, 1);
        let form = &sent(&server).await[0];
        assert_eq!(form["app_cert_sn"], "e90dd23a37c5c7b616e003970817ff82");
        assert_eq!(
            form["alipay_root_cert_sn"],
            "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
        );
        assert!(signed_by_app(form), "the cert names are signed too");

        let server = answering(answer_naming("0123456789abcdef0123456789abcdef")).await;
        let e = cert_client(&server)
            .unwrap()
            .trade()
            .query(QueryRequest::new(QueryOrder::out_trade_no("1703141270")))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Decode { reason, .. } if reason.contains("0123456789abcdef")),
            "{e:?}"
        );
    }

    #[test]
    fn certificates_that_do_not_fit_are_refused_at_build_time() {
        let base = || Client::builder(APP_ID, app_private_key(), vector("A.alipay_cert.crt"));
        let cases = [
            (
                Client::builder(
                    APP_ID,
                    vector("fz.app_private_key.pem_pkcs1"),
                    vector("A.alipay_cert.crt"),
                )
                .certificates(vector("A.app_cert.crt"), vector("A.alipay_root_cert.crt"))
                .try_build(),
                "not the private key's",
            ),
            (
                Client::builder(APP_ID, app_private_key(), vector("A.alipay_public_key.pem"))
                    .certificates(vector("A.app_cert.crt"), vector("A.alipay_root_cert.crt"))
                    .try_build(),
                "certificate mode takes the certificate",
            ),
            (
                base()
                    .certificates(vector("A.app_cert.crt"), "")
                    .try_build(),
                "root certificate",
            ),
            (
                base()
                    .certificates("not a cert", vector("A.alipay_root_cert.crt"))
                    .try_build(),
                "app certificate",
            ),
        ];
        for (result, expected) in cases {
            let e = result.unwrap_err().to_string();
            assert!(e.contains(expected), "{e}");
        }
    }
}

/// The docs type `expires_in` as text ("3600") and answers carry numbers: both decode.
#[tokio::test]
async fn refresh_token_reads_lifetimes_written_as_numbers_or_text() {
    let server = answering(success(
        "alipay_system_oauth_token_response",
        r#""user_id":"2088102150477652","access_token":"a2","expires_in":"3600","re_expires_in":7200,"refresh_token":"r2""#,
    ))
    .await;
    let tokens = client(&server.uri())
        .auth()
        .refresh_token(RefreshTokenRequest::new(
            "20120823ac6ffdsdf2d84e7384bf983531473993",
        ))
        .await
        .unwrap();
    assert_eq!(
        (tokens.expires_in, tokens.re_expires_in),
        (Some(3600), Some(7200))
    );
    let form = &sent(&server).await[0];
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(
        form["refresh_token"],
        "20120823ac6ffdsdf2d84e7384bf983531473993"
    );
    assert!(signed_by_app(form));
}
