//! WeChat Pay bills: published bill bodies (both column formats, every bill type), the
//! byte-order mark and CRLF of real bills, gzip, and the XML refusal instead of a bill,
//! served by a real HTTP server on 127.0.0.1.
#![cfg(feature = "wechatpay")]

use miniapp::runtime::Error;
use miniapp::wechatpay::pay::{BillType, DownloadBillError, DownloadBillRequest, TarType};
use miniapp::wechatpay::{Bill, Client};
use std::io::Write;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// WxJava's `PAY_BILL_RESULT_ALL_CONTENT` (27 columns).
const ALL: &str = r#"交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注
`2019-07-25 08:35:41,`WWWW,`XXXXXXXX,`0,`,`XXXXXXXXXXXXX,`XXXXXXXXXX,`XXXXXXXXXXX,`JSAPI,`SUCCESS,`PSBC_DEBIT,`CNY,`6.00,`0.00,`0,`0,`0.00,`0.00,`,`,`XXXXXX,`XXXXXXX,`0.04000,`0.60%,`6.00,`0.00,`
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额
`48,`5.76,`1.42,`0.00,`0.01000,`5.76,`1.42
"#;
/// WxJava's `PAY_BILL_RESULT_ALL_CONTENT_1`: the old 24-column format, full-width colons.
const ALL_OLD: &str = r#"交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,总金额,代金券或立减优惠金额,微信退款单号,商户退款单号,退款金额,代金券或立减优惠退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率
`2014-11-10 16：33：45,`wx2421b1c4370ec43b,`10000100,`0,`1000,`1001690740201411100005734289,`1415640626,`085e9858e3ba5186aafcbaed1,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`0.01,`0.0,`0,`0,`0,`0,`,`,`被扫支付测试,`订单额外描述,`0,`0.60%
`2014-11-10 16：46：14,`wx2421b1c4370ec43b,`10000100,`0,`1000,`1002780740201411100005729794,`1415635270,`085e9858e90ca40c0b5aee463,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`0.01,`0.0,`0,`0,`0,`0,`,`,`被扫支付测试,`订单额外描述,`0,`0.60%
总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额
`2,`0.02,`0.0,`0.0,`0
"#;
/// WxJava's `PAY_BILL_RESULT_SUCCESS_CONTENT`.
const SUCCESS: &str = r#"交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注
`2019-07-23 18:46:41,`XXXX,`XXX,`XXX,`,`XXX,`XXX,`XXX,`JSAPI,`SUCCESS,`CFT,`CNY,`0.01,`0.00,`XXX,`XXXX,`0.00000,`0.60%,`0.01,`
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额
`31,`3.05,`0.00,`0.00,`0.02000,`3.05,`0.00
"#;
/// WxJava's `PAY_BILL_RESULT_REFUND_CONTENT`.
const REFUND: &str = r#"交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注
`2019-07-23 20:53:36,`xxx,`xxx,`xxx,`,`xxx,`xxxx,`xxxxx,`JSAPI,`REFUND,`CFT,`CNY,`0.00,`0.00,`2019-07-23 20:53:36,`2019-07-23 20:53:40,`xxxx,`xxx,`0.01,`0.00,`ORIGINAL,`SUCCESS,`xxxx,`xxxx,`0.00000,`0.60%,`0.00,`0.01,`
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额
`4,`0.00,`2.02,`0.00,`-0.02000,`0.00,`2.02
"#;

#[test]
fn the_current_format_with_typed_amounts_and_summary() {
    let bill = Bill::parse(ALL.as_bytes()).unwrap();
    assert_eq!(bill.columns.len(), 27);
    assert_eq!(bill.rows.len(), 1);
    let row = &bill.rows[0];
    assert_eq!(row.trade_time, "2019-07-25 08:35:41");
    assert_eq!(row.trade_type, "JSAPI");
    assert_eq!(row.trade_state, "SUCCESS");
    assert_eq!(row.settlement_total_fee, 600);
    assert_eq!(row.total_fee, Some(600));
    assert_eq!(row.refund_fee, Some(0));
    assert_eq!(bill.value(row, "费率"), Some("0.60%"));
    assert_eq!(bill.value(row, "费率备注"), Some(""));
    let s = &bill.summary;
    assert_eq!(s.total_records, 48);
    assert_eq!(
        (s.total_fee, s.total_refund_fee, s.total_coupon_fee),
        (576, 142, 0)
    );
    assert_eq!(s.total_poundage_fee, "0.01000");
    assert_eq!(s.total_amount, Some(576));
    assert_eq!(s.total_applied_refund_fee, Some(142));
    assert_eq!(bill.text(), ALL);
}

#[test]
fn the_old_format_with_full_width_colons() {
    let bill = Bill::parse(ALL_OLD.as_bytes()).unwrap();
    assert_eq!(bill.columns.len(), 24);
    assert_eq!(bill.rows.len(), 2);
    assert_eq!(bill.rows[0].trade_time, "2014-11-10 16:33:45");
    assert_eq!(bill.rows[0].settlement_total_fee, 1);
    assert_eq!(bill.rows[0].total_fee, None);
    let s = &bill.summary;
    assert_eq!(s.total_records, 2);
    assert_eq!(
        (s.total_fee, s.total_refund_fee, s.total_coupon_fee),
        (2, 0, 0)
    );
    assert_eq!(s.total_poundage_fee, "0");
    assert_eq!((s.total_amount, s.total_applied_refund_fee), (None, None));
}

#[test]
fn success_and_refund_bills() {
    let bill = Bill::parse(SUCCESS.as_bytes()).unwrap();
    assert_eq!(bill.rows[0].total_fee, Some(1));
    assert_eq!(bill.summary.total_records, 31);
    assert_eq!(bill.summary.total_fee, 305);
    assert_eq!(bill.summary.total_poundage_fee, "0.02000");
    let bill = Bill::parse(REFUND.as_bytes()).unwrap();
    assert_eq!(bill.rows[0].trade_state, "REFUND");
    assert_eq!(bill.rows[0].refund_fee, Some(1));
    assert_eq!(bill.summary.total_refund_fee, 202);
    assert_eq!(bill.summary.total_poundage_fee, "-0.02000");
}

#[test]
fn a_real_bill_has_a_bom_and_crlf() {
    let real = format!("\u{feff}{}", ALL.replace('\n', "\r\n"));
    let bill = Bill::parse(real.as_bytes()).unwrap();
    assert_eq!(bill.rows[0].settlement_total_fee, 600);
    assert_eq!(bill.summary.total_records, 48);
}

#[test]
fn broken_bills_are_errors_never_guesses() {
    let short_row = ALL.replace("`0.60%,`6.00,`0.00,`\n", "`0.60%\n");
    let bad_amount = ALL.replace("`6.00,`0.00,`0,", "`6.001,`0.00,`0,");
    for bad in [String::new(), short_row, bad_amount, "header\n".to_owned()] {
        assert!(Bill::parse(bad.as_bytes()).is_err(), "{bad:?}");
    }
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

async fn serving(body: Vec<u8>, content_type: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/pay/downloadbill"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder(
        "wx2421b1c4370ec43b",
        "10000100",
        "192006250b4c09247ec02edce69f6a2d",
    )
    .base_url(server.uri())
    .build()
}

#[tokio::test]
async fn download_bill_parses_text_and_gzip() {
    let server = serving(ALL.as_bytes().to_vec(), "text/plain;charset=utf-8").await;
    let bill = client(&server)
        .download_bill(DownloadBillRequest::new("20190725"))
        .await
        .unwrap();
    assert_eq!(bill.summary.total_records, 48);
    let body =
        String::from_utf8(server.received_requests().await.unwrap()[0].body.clone()).unwrap();
    assert!(
        body.contains("<bill_type><![CDATA[ALL]]></bill_type>"),
        "{body}"
    );

    let server = serving(gzip(ALL), "application/octet-stream").await;
    let bill = client(&server)
        .download_bill(
            DownloadBillRequest::new("20190725")
                .tar_type(TarType::Gzip)
                .bill_type(BillType::All),
        )
        .await
        .unwrap();
    assert_eq!(bill.rows[0].settlement_total_fee, 600);
}

#[tokio::test]
async fn an_xml_refusal_is_the_typed_error() {
    let refusal = "<xml><return_code><![CDATA[FAIL]]></return_code>\n<return_msg><![CDATA[invalid bill_date]]></return_msg>\n<error_code><![CDATA[20001]]></error_code>\n</xml>";
    let server = serving(refusal.as_bytes().to_vec(), "text/plain").await;
    let err = client(&server)
        .download_bill(DownloadBillRequest::new("20190799"))
        .await
        .unwrap_err();
    match err.api() {
        Some(DownloadBillError::CommunicationFailure { message }) => {
            assert_eq!(message, "invalid bill_date (error_code 20001)")
        }
        other => panic!("expected the typed refusal, got {other:?} ({err})"),
    }
}

#[tokio::test]
async fn a_bill_that_does_not_parse_keeps_its_text() {
    let server = serving(b"not a bill\n".to_vec(), "text/plain").await;
    match client(&server)
        .download_bill(DownloadBillRequest::new("20190725"))
        .await
        .unwrap_err()
    {
        Error::Decode { body, .. } => assert!(body.text().contains("not a bill")),
        other => panic!("expected a decode error, got {other:?}"),
    }
}
