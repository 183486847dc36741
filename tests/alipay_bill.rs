//! Alipay's bills against real HTTP servers on 127.0.0.1: the download URL query (exact
//! signed form, the doc's example answer, its sub_codes typed), then the bill itself —
//! a zip of GBK CSV files with GBK entry names, read by header name (trailing tabs
//! trimmed, amounts in fen, refunds negative, totals kept) — and the download rule:
//! only the client's own origin (or Alipay's bill hosts), no redirect, nothing sent
//! to any other host.
#![cfg(feature = "alipay")]

use miniapp::alipay::bill::*;
use miniapp::alipay::{BillError, Client, TradeBill};
use miniapp::runtime::Error;
use std::io::Write;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod alipay_support;
use alipay_support::*;

const MEMBER: &str = "alipay_data_dataservice_bill_downloadurl_query_response";
const DOWNLOAD: &str = "/downloadBillFile.resource";

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

const DETAIL: &str = "#支付宝业务明细查询\r
#账号：[20881021462251000156]\r
#起始日期：[2016年04月05日 00:00:00]   终止日期：[2016年04月06日 00:00:00]\r
#-----------------------------------------业务明细列表----------------------------------------\r
支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注\r
2016040521001004720200028594\t,20160405000001\t,交易,Iphone6 16G,2016-04-05 10:00:00,2016-04-05 10:01:02,NJ_001,南京店,,,138****0000,88.88,88.88,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,-0.53,0.00,\r
2016040521001004720200028594\t,20160405000001\t,退款,Iphone6 16G,2016-04-05 10:00:00,2016-04-05 12:00:00,NJ_001,南京店,,,138****0000,-8.88,-8.88,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,refund-1\t,0.05,0.00,部分退款\r
#-----------------------------------------业务明细列表结束------------------------------------\r
#交易合计：1笔，商家实收共88.88元，商家优惠共0.00元\r
#退款合计：1笔，商家实收退款共-8.88元，商家优惠退款共0.00元\r
#导出时间：[2016年04月06日 09:12:40]\r
";

const SUMMARY: &str = "#支付宝业务汇总查询\r
#账号：[20881021462251000156]\r
#-----------------------------------------业务汇总列表----------------------------------------\r
门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）\r
NJ_001,南京店,1,1,80.00,80.00\r
合计,,1,1,80.00,80.00\r
#-----------------------------------------业务汇总列表结束------------------------------------\r
";

/// A zip like Alipay's: GBK CSV files under GBK names (no UTF-8 flag).
fn bill_zip() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let names = [
        ("20881021462251000156_20160405_业务明细.csv", DETAIL),
        ("20881021462251000156_20160405_业务明细(汇总).csv", SUMMARY),
    ];
    // Written under ASCII stand-ins of the same length, then patched to the GBK bytes
    // (no UTF-8 flag), as Alipay's names are: the zip crate only writes UTF-8 names.
    let mut patches = Vec::new();
    for (i, (name, text)) in names.iter().enumerate() {
        let raw = gbk(name);
        let stand_in = format!("{i}{}", "~".repeat(raw.len() - 1));
        zip.start_file(stand_in.as_str(), options).unwrap();
        zip.write_all(&gbk(text)).unwrap();
        patches.push((stand_in.into_bytes(), raw));
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    for (from, to) in patches {
        let mut at = 0;
        let mut patched = 0;
        while let Some(i) = bytes[at..].windows(from.len()).position(|w| w == from) {
            bytes[at + i..at + i + to.len()].copy_from_slice(&to);
            at += i + to.len();
            patched += 1;
        }
        assert_eq!(patched, 2, "the local header and the central directory");
    }
    bytes
}

fn url_answer(url: &str) -> String {
    signed_body(
        MEMBER,
        &format!(
            r#"{{"code":"10000","msg":"Success","bill_download_url":{}}}"#,
            serde_json::to_string(url).unwrap()
        ),
    )
}

#[tokio::test]
async fn the_query_is_signed_and_the_zip_it_points_at_is_read_by_header_name() {
    let server = MockServer::start().await;
    let url = format!(
        "{}{DOWNLOAD}?bizType=trade&userId=20881021462251000156&fileType=csv.zip&bizDates=20160405&downloadFileName=20881021462251000156_20160405.csv.zip&fileId=%2Ftrade%2F1",
        server.uri()
    );
    gateway_answering(&server, url_answer(&url)).await;
    Mock::given(method("GET"))
        .and(path(DOWNLOAD))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bill_zip(), "application/oct-stream"))
        .mount(&server)
        .await;
    let ali = client(&server.uri());
    let located = ali
        .bill()
        .download_url_query(DownloadUrlQueryRequest::new(BillType::Trade, "2016-04-05"))
        .await
        .unwrap();
    assert_eq!(located.bill_download_url, url);

    let requests = server.received_requests().await.unwrap();
    let form = form_fields(&requests[0].body);
    assert_eq!(
        form["method"],
        "alipay.data.dataservice.bill.downloadurl.query"
    );
    assert!(signed_by_app(&form));
    let biz: serde_json::Value = serde_json::from_str(&form["biz_content"]).unwrap();
    assert_eq!(
        biz,
        serde_json::json!({"bill_type": "trade", "bill_date": "2016-04-05"})
    );

    let bill = ali.download_bill(&located.bill_download_url).await.unwrap();
    let get = &server.received_requests().await.unwrap()[1];
    assert_eq!(get.method.as_str(), "GET");
    assert!(get.body.is_empty());
    let detail = &bill.detail;
    assert_eq!(
        detail.file_name,
        "20881021462251000156_20160405_业务明细.csv"
    );
    assert_eq!(detail.columns.len(), 25);
    assert_eq!(detail.rows.len(), 2);
    let (paid, refund) = (&detail.rows[0], &detail.rows[1]);
    assert_eq!(paid.trade_no, "2016040521001004720200028594", "tab trimmed");
    assert_eq!(paid.out_trade_no, "20160405000001");
    assert_eq!((paid.kind.as_str(), paid.is_refund()), ("交易", false));
    assert_eq!(paid.subject, "Iphone6 16G");
    assert_eq!(paid.finished_at, "2016-04-05 10:01:02");
    assert_eq!((paid.total_amount, paid.receipt_amount), (88_88, 88_88));
    assert_eq!(paid.service_fee, Some(-53));
    assert_eq!(paid.out_request_no, None);
    assert_eq!(detail.value(paid, "门店名称"), Some("南京店"));
    assert_eq!(detail.value(paid, "商家优惠(元)"), Some("0.00"));
    assert!(refund.is_refund());
    assert_eq!((refund.total_amount, refund.receipt_amount), (-8_88, -8_88));
    assert_eq!(refund.out_request_no.as_deref(), Some("refund-1"));
    assert_eq!(refund.remark.as_deref(), Some("部分退款"));
    let trades = detail.trade_total.unwrap();
    assert_eq!((trades.count, trades.merchant_received), (1, 88_88));
    let refunds = detail.refund_total.unwrap();
    assert_eq!((refunds.count, refunds.merchant_received), (1, -8_88));
    assert!(detail.notes.iter().any(|n| n.starts_with("导出时间")));
    assert_eq!(detail.notes[1], "账号：[20881021462251000156]");
    let summary = bill.summary.unwrap();
    assert_eq!(
        summary.file_name,
        "20881021462251000156_20160405_业务明细(汇总).csv"
    );
    assert_eq!(summary.rows.len(), 2);
    assert_eq!(summary.rows[1][0], "合计");
}

#[tokio::test]
async fn the_doc_example_decodes_and_sub_codes_are_typed() {
    let server = MockServer::start().await;
    let example = "http://dwbillcenter.alipay.com/downloadBillFile.resource?bizType=X&userId=X&fileType=X&bizDates=X&downloadFileName=X&fileId=X";
    gateway_answering(&server, url_answer(example)).await;
    let located = client(&server.uri())
        .bill()
        .download_url_query(DownloadUrlQueryRequest::new(
            BillType::SignCustomer,
            "2016-04",
        ))
        .await
        .unwrap();
    assert_eq!(located.bill_download_url, example);
    for (code, is) in [
        (
            "isp.bill_not_exist",
            (|e| matches!(e, DownloadUrlQueryError::IspBillNotExist { .. }))
                as fn(&DownloadUrlQueryError) -> bool,
        ),
        ("BILL_NOT_EXIST", |e| {
            matches!(e, DownloadUrlQueryError::BillNotExist { .. })
        }),
        ("INVAILID_ARGUMENTS", |e| {
            matches!(e, DownloadUrlQueryError::InvalidArguments { .. })
        }),
    ] {
        let server = MockServer::start().await;
        let body = signed_body(
            MEMBER,
            &format!(
                r#"{{"code":"40004","msg":"Business Failed","sub_code":"{code}","sub_msg":"账单不存在"}}"#
            ),
        );
        gateway_answering(&server, body).await;
        let e = client(&server.uri())
            .bill()
            .download_url_query(DownloadUrlQueryRequest::new(BillType::Trade, "2016-04-05"))
            .await
            .unwrap_err();
        match &e {
            Error::Api { source, .. } => assert!(is(source), "{code}: {source:?}"),
            other => panic!("{code}: {other:?}"),
        }
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "not retried"
        );
    }
    // A date that is not yyyy-MM-dd / yyyy-MM text is refused before sending.
    let e = client(&server.uri())
        .bill()
        .download_url_query(DownloadUrlQueryRequest::new(BillType::Trade, "2016/04/05"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
}

#[tokio::test]
async fn bills_are_only_fetched_from_the_clients_origin_or_alipays_bill_hosts() {
    let ours = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bill_zip(), "application/zip"))
        .mount(&elsewhere)
        .await;
    let ali = client(&ours.uri());
    let foreign = format!("{}{DOWNLOAD}?fileId=1", elsewhere.uri());
    let refused = [
        foreign.as_str(),
        "http://dwbillcenter.alipay.com/downloadBillFile.resource?fileId=1",
        "ftp://127.0.0.1/bill.zip",
        "not a url",
    ];
    for url in refused {
        let e = ali.download_bill(url).await.unwrap_err();
        assert!(matches!(e, BillError::Url(_)), "{url}: {e:?}");
    }
    // On Alipay's own gateway: only its bill hosts; user info cannot smuggle a host in.
    let production = Client::builder(APP_ID, app_private_key(), alipay_public_key())
        .try_build()
        .unwrap();
    for url in [
        foreign.as_str(),
        "http://dwbillcenter.alipay.com@127.0.0.1/x",
        "https://dwbillcenter.alipay.com.evil.example/x",
        "https://openapi.alipay.com.evil.example/x",
    ] {
        let e = production.download_bill(url).await.unwrap_err();
        assert!(matches!(e, BillError::Url(_)), "{url}: {e:?}");
        assert!(!e.to_string().contains("fileId"), "{e}");
    }
    assert!(elsewhere.received_requests().await.unwrap().is_empty());

    // Our origin redirecting elsewhere: refused, the other host never asked.
    Mock::given(method("GET"))
        .and(path("/moved"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", foreign.as_str()))
        .mount(&ours)
        .await;
    let e = ali
        .download_bill(&format!("{}/moved", ours.uri()))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, BillError::Fetch(why) if why.contains("redirect")),
        "{e:?}"
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());

    // An expired link answers an error page; a bad zip is an error, not a panic.
    Mock::given(method("GET"))
        .and(path("/expired"))
        .respond_with(ResponseTemplate::new(404).set_body_string("gone"))
        .mount(&ours)
        .await;
    let e = ali
        .download_bill(&format!("{}/expired", ours.uri()))
        .await
        .unwrap_err();
    assert!(matches!(&e, BillError::Status { status: 404, .. }), "{e:?}");
    Mock::given(method("GET"))
        .and(path("/html"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>链接已失效</html>"))
        .mount(&ours)
        .await;
    let e = ali
        .download_bill(&format!("{}/html", ours.uri()))
        .await
        .unwrap_err();
    assert!(matches!(&e, BillError::Zip(_)), "{e:?}");
}

#[test]
fn a_bill_without_its_columns_or_with_bad_amounts_is_refused() {
    let zip_of = |text: &str| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("d.csv", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&gbk(text)).unwrap();
        zip.finish().unwrap().into_inner()
    };
    let bad_amount = DETAIL.replace("88.88,88.88", "88.888,88.88");
    let e = TradeBill::parse(&zip_of(&bad_amount)).unwrap_err();
    assert!(matches!(&e, BillError::Parse { line: 1, .. }), "{e:?}");
    let no_column = DETAIL.replace("商家实收（元）", "别的");
    let e = TradeBill::parse(&zip_of(&no_column)).unwrap_err();
    assert!(e.to_string().contains("商家实收"), "{e}");
    let e = TradeBill::parse(&zip_of("a,b\n1,2\n")).unwrap_err();
    assert!(matches!(e, BillError::Zip(_)), "{e:?}");
}
