//! Alipay's web payments (`alipay.trade.wap.pay`, `alipay.trade.page.pay`), built
//! locally and never sent: the signed GET URL on the client's gateway (every
//! parameter, `sign` included, percent-encoded; `return_url` and `notify_url` common
//! parameters, `product_code` in `biz_content`), its sign verified here by hand, and
//! the auto-submitting POST form, whose values cannot inject markup.
#![cfg(feature = "alipay")]

use miniapp::alipay::trade::*;
use miniapp::alipay::Client;
use miniapp::runtime::Error;
use std::collections::BTreeMap;
use wiremock::MockServer;

mod alipay_support;
use alipay_support::*;

fn client_at(base: Option<&str>) -> Client {
    let builder = Client::builder(APP_ID, app_private_key(), alipay_public_key());
    match base {
        Some(url) => builder.base_url(url),
        None => builder,
    }
    .try_build()
    .unwrap()
}

/// The gateway and the decoded parameters of a URL (each once).
fn split(url: &str) -> (&str, BTreeMap<String, String>) {
    let (gateway, query) = url.split_once('?').unwrap();
    (gateway, form_fields(query.as_bytes()))
}

const COMMON: [&str; 9] = [
    "app_id",
    "biz_content",
    "charset",
    "format",
    "method",
    "sign",
    "sign_type",
    "timestamp",
    "version",
];

#[tokio::test]
async fn the_wap_url_is_the_signed_request_on_the_production_gateway() {
    let ali = client_at(None);
    let request = WapPayRequest::new("70501111111S001111119", 9_00, "大乐透 & 双色球")
        .return_url("https://m.example.com/paid?order=1&from=alipay")
        .notify_url("https://api.example.com/alipay/notify")
        .quit_url("https://m.example.com/cart");
    let url = ali.wap_pay_url(&request).await.unwrap();
    let (gateway, params) = split(&url);
    assert_eq!(gateway, "https://openapi.alipay.com/gateway.do");
    let mut expected: Vec<&str> = COMMON.to_vec();
    expected.extend(["notify_url", "return_url"]);
    expected.sort_unstable();
    assert_eq!(
        params.keys().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(params["method"], "alipay.trade.wap.pay");
    assert_eq!(params["app_id"], APP_ID);
    assert_eq!(
        params["return_url"],
        "https://m.example.com/paid?order=1&from=alipay"
    );
    assert_eq!(
        params["notify_url"],
        "https://api.example.com/alipay/notify"
    );
    assert!(signed_by_app(&params), "the sign verifies with the app key");
    let biz: serde_json::Value = serde_json::from_str(&params["biz_content"]).unwrap();
    assert_eq!(
        biz,
        serde_json::json!({
            "out_trade_no": "70501111111S001111119",
            "total_amount": "9.00",
            "subject": "大乐透 & 双色球",
            "product_code": "QUICK_WAP_WAY",
            "quit_url": "https://m.example.com/cart",
        })
    );
    // Percent-encoded: the raw query holds no character a URL would misread.
    let query = url.split_once('?').unwrap().1;
    assert!(!query.contains(['{', '"', ' ', '/', '大']), "{query}");
    assert!(
        !query.contains("&from="),
        "the return_url's own & is encoded"
    );
}

#[tokio::test]
async fn the_page_url_is_on_the_configured_gateway_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let ali = client_at(Some(&server.uri()));
    let request = PagePayRequest::new("20150320010101001", 88_88, "Iphone6 16G")
        .qr_pay_mode("4")
        .qrcode_width(200)
        .return_url("https://shop.example.com/return");
    let url = ali.page_pay_url(&request).await.unwrap();
    let (gateway, params) = split(&url);
    assert_eq!(gateway, format!("{}/gateway.do", server.uri()));
    assert_eq!(params["method"], "alipay.trade.page.pay");
    assert!(!params.contains_key("notify_url"), "not set, not sent");
    assert!(signed_by_app(&params));
    let biz: serde_json::Value = serde_json::from_str(&params["biz_content"]).unwrap();
    assert_eq!(
        biz,
        serde_json::json!({
            "out_trade_no": "20150320010101001",
            "total_amount": "88.88",
            "subject": "Iphone6 16G",
            "product_code": "FAST_INSTANT_TRADE_PAY",
            "qr_pay_mode": "4",
            "qrcode_width": 200,
        })
    );
    let mut tampered = params.clone();
    tampered.insert(
        "biz_content".into(),
        params["biz_content"].replace("88.88", "0.01"),
    );
    assert!(!signed_by_app(&tampered));
    // A sandbox client points the browser at the sandbox's gateway.
    let sandbox = Client::builder(APP_ID, app_private_key(), alipay_public_key())
        .sandbox()
        .try_build()
        .unwrap();
    let url = sandbox.page_pay_url(&request).await.unwrap();
    assert!(
        url.starts_with("https://openapi-sandbox.dl.alipaydev.com/gateway.do?"),
        "{url}"
    );
    // Invalid requests are refused; nothing ever reaches a server.
    let e = ali
        .page_pay_url(&PagePayRequest::new("bad/no", 1, "s"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    let e = ali
        .wap_pay_form(&WapPayRequest::new("1", 0, "s"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The hidden inputs of a form, unescaped (the form's values are escaped by the SDK;
/// this reads them back as a browser would).
fn inputs(html: &str) -> BTreeMap<String, String> {
    fn unescape(s: &str) -> String {
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
    let mut out = BTreeMap::new();
    for part in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let (name, rest) = part.split_once("\" value=\"").unwrap();
        let (value, _) = rest.split_once("\">").unwrap();
        assert!(!value.contains('"') && !value.contains('<'), "{value}");
        out.insert(unescape(name), unescape(value));
    }
    out
}

#[tokio::test]
async fn the_form_posts_every_signed_parameter_and_escapes_what_it_writes() {
    let ali = client_at(None);
    let hostile = r#""><script>alert('x')</script><input name="sign"#;
    let request = WapPayRequest::new("1", 1_00, hostile)
        .body("a<b>&c")
        .return_url("https://m.example.com/?a=1&b=\"2\"");
    let html = ali.wap_pay_form(&request).await.unwrap();
    assert_eq!(html.matches("<script>").count(), 1, "{html}");
    assert!(html.ends_with("<script>document.forms['alipaysubmit'].submit();</script>"));
    assert!(
        html.starts_with(
            r#"<form id="alipaysubmit" name="alipaysubmit" method="POST" action="https://openapi.alipay.com/gateway.do?charset=utf-8">"#
        ),
        "{html}"
    );
    assert!(!html.contains("alert('x')"), "{html}");
    let params = inputs(&html);
    assert_eq!(params.len(), 10, "{params:?}");
    assert_eq!(params["method"], "alipay.trade.wap.pay");
    assert_eq!(params["return_url"], "https://m.example.com/?a=1&b=\"2\"");
    assert!(
        signed_by_app(&params),
        "the form's parameters carry a valid sign"
    );
    let biz: serde_json::Value = serde_json::from_str(&params["biz_content"]).unwrap();
    assert_eq!(biz["subject"], hostile);
    assert_eq!(biz["body"], "a<b>&c");
    assert_eq!(biz["total_amount"], "1.00");

    let page = ali
        .page_pay_form(&PagePayRequest::new("2", 1, "s"))
        .await
        .unwrap();
    let params = inputs(&page);
    assert_eq!(params["method"], "alipay.trade.page.pay");
    assert!(signed_by_app(&params));
}
