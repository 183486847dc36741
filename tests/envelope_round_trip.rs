//! Every envelope's encoder is the inverse of its decoder: for every endpoint of every
//! platform, the docs' example encoded as the platform answers (signed where it signs)
//! decodes to what the response type reads from the example, and every documented code
//! encoded as a refusal decodes as that code — through the generated `ROUND_TRIPS`
//! tables, so a new endpoint is covered by adding it to the schema.
#![cfg(all(feature = "full", feature = "encoders"))]

use miniapp::__private::{InfallibleSigner, RoundTrip};
use miniapp::runtime::signers::{
    AlipayRsa2, JucaiMd5, NoSigner, WechatPayPublicKey, WechatPayV2, WechatPayV3,
    WechatPayV3Options,
};
use miniapp::runtime::Credentials;

fn check<P: miniapp::__private::Platform>(
    table: &[(&str, RoundTrip<P>)],
    signer: &P::Signer,
) -> usize {
    let failures: Vec<String> = table
        .iter()
        .filter_map(|(name, run)| run(signer).err().map(|e| format!("{name}: {e}")))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    table.len()
}

fn vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/alipay_vectors/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn wechat_baidu_and_jucai_answers_decode_as_they_were_encoded() {
    assert!(check::<miniapp::wechat::Wechat>(miniapp::wechat::ROUND_TRIPS, &NoSigner) >= 20);
    assert!(check::<miniapp::baidu::Baidu>(miniapp::baidu::ROUND_TRIPS, &NoSigner) >= 3);
    let jucai = JucaiMd5::create(&Credentials::new("", "merchant-key"), &Default::default());
    assert!(check::<miniapp::jucai::Jucai>(miniapp::jucai::ROUND_TRIPS, &jucai) >= 1);
}

#[test]
fn wechat_pay_answers_are_signed_with_the_api_key_both_ways() {
    let credentials = Credentials::new("wx2421b1c4370ec43b", "192006250b4c09247ec02edce69f6a2d")
        .with_merchant_id("10000100");
    let signer = WechatPayV2::create(&credentials, &Default::default());
    assert!(check::<miniapp::wechatpay::WechatPay>(miniapp::wechatpay::ROUND_TRIPS, &signer) >= 8);
}

#[test]
fn alipay_answers_are_signed_over_their_member_with_alipays_key() {
    // The signer holds Alipay's key pair: its private half signs the answers as Alipay
    // does, its public half verifies them as a client does.
    let credentials = Credentials::new("9021000122682882", vector("fz.app_private_key.pem_pkcs1"))
        .with_platform_key(vector("fz.app_public_key.pem"));
    let signer =
        <AlipayRsa2 as miniapp::__private::Signer>::new(&credentials, &Default::default()).unwrap();
    assert!(check::<miniapp::alipay::Alipay>(miniapp::alipay::ROUND_TRIPS, &signer) >= 8);
}

fn v3_vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/wechatpay_v3/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// A WeChat Pay API v3 signer holding WeChat Pay's key pair (the SDK suite's K2): its
/// private half signs answers in their headers, its public half verifies them.
fn wechatpay_v3_signer(private_key: &str) -> WechatPayV3 {
    let credentials = Credentials::new("wxd678efh567hg6787", v3_vector(private_key))
        .with_merchant_id("1234567891")
        .with_key_id("5F1C72E2A8931B72A2E13AF8DEE92471EB397115");
    let options = WechatPayV3Options {
        public_key: Some(WechatPayPublicKey {
            id: "PUB_KEY_ID_0114232134912410000000000000".into(),
            pem: v3_vector("K2.wechatpay_public_key.pem"),
        }),
        ..Default::default()
    };
    <WechatPayV3 as miniapp::__private::Signer>::new(&credentials, &options).unwrap()
}

#[test]
fn wechat_pay_v3_answers_are_signed_in_their_headers_with_wechat_pays_key() {
    let signer = wechatpay_v3_signer("K2.wechatpay_private_key.pem");
    let table = miniapp::wechatpay_v3::ROUND_TRIPS;
    assert!(check::<miniapp::wechatpay_v3::WechatPayV3>(table, &signer) >= 12);
    // Signed with the merchant's key instead, the same answers are refused.
    let merchant = wechatpay_v3_signer("K2.merchant_private_key.pem");
    let (_, run) = table.iter().find(|(name, _)| *name == "pay.jsapi").unwrap();
    let err = run(&merchant).unwrap_err();
    assert!(err.contains("signature"), "{err}");
}

/// The round trip checks what it claims: answers signed with a key the client does
/// not verify with come back refused, so a broken encoder (or decoder) fails the test.
#[test]
fn a_mismatched_key_pair_breaks_the_round_trip() {
    let credentials = Credentials::new("9021000122682882", vector("A.app_private_key.pem_pkcs1"))
        .with_platform_key(vector("fz.app_public_key.pem"));
    let signer =
        <AlipayRsa2 as miniapp::__private::Signer>::new(&credentials, &Default::default()).unwrap();
    let (_, run) = miniapp::alipay::ROUND_TRIPS
        .iter()
        .find(|(name, _)| *name == "trade.query")
        .unwrap();
    let err = run(&signer).unwrap_err();
    assert!(err.contains("signature"), "{err}");
}

/// A request read from what a client sends (`path`, `query`, JSON `body`), then written
/// as the client writes it and read back: equal both times (the generated request
/// types derive `Deserialize` under `encoders`; a test bed reads requests with them).
fn request<E>(path: &str, query: &[(&str, &str)], body: serde_json::Value) -> E
where
    E: miniapp::__private::Endpoint
        + PartialEq
        + std::fmt::Debug
        + serde::Serialize
        + serde::de::DeserializeOwned,
{
    let mut params = miniapp::__private::path_params::<E>(path).unwrap();
    params.extend(
        query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let read: E = miniapp::__private::read_request(&params, Some(&body))
        .unwrap_or_else(|e| panic!("{}: {e}", E::NAME));
    miniapp::__private::request_round_trip(&read).unwrap();
    read
}

#[test]
fn wechat_pay_v3_requests_read_back_as_they_were_written() {
    use miniapp::wechatpay_v3::{bill, certificates, pay, refund};
    use serde_json::json;
    let order = json!({
        "appid": "wxd678efh567hg6787", "mchid": "1230000109",
        "description": "Image形象店-深圳腾大-QQ公仔", "out_trade_no": "1217752501201407033233368018",
        "time_expire": "2018-06-08T10:34:56+08:00", "attach": "自定义数据",
        "notify_url": "https://www.weixin.qq.com/wxpay/pay.php", "goods_tag": "WXG",
        "support_fapiao": false,
        "amount": {"total": 100, "currency": "CNY"},
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "detail": {"cost_price": 608800, "invoice_id": "微信123", "goods_detail": [
            {"merchant_goods_id": "1246464644", "wechatpay_goods_id": "1001",
             "goods_name": "iPhoneX 256G", "quantity": 1, "unit_price": 528800}]},
        "scene_info": {"payer_client_ip": "14.23.150.211", "device_id": "013467007045764",
            "store_info": {"id": "0001", "name": "腾讯大厦分店", "area_code": "440305",
                "address": "广东省深圳市南山区科技中一道10000号"}},
        "settle_info": {"profit_sharing": false},
    });
    let jsapi: pay::JsapiRequest = request("/v3/pay/transactions/jsapi", &[], order.clone());
    assert_eq!(jsapi.amount.total, 100);
    request::<pay::AppRequest>("/v3/pay/transactions/app", &[], order.clone());
    request::<pay::NativeRequest>("/v3/pay/transactions/native", &[], order.clone());
    let mut h5 = order;
    h5["scene_info"]["h5_info"] = json!({"type": "iOS", "app_name": "王者荣耀",
        "app_url": "https://pay.qq.com", "bundle_id": "com.tencent.wzryiOS",
        "package_name": "com.tencent.tmgp.sgame"});
    request::<pay::H5Request>("/v3/pay/transactions/h5", &[], h5);
    let by_id: pay::QueryByIdRequest = request(
        "/v3/pay/transactions/id/1217752501201407033233368018",
        &[("mchid", "1230000109")],
        json!({}),
    );
    assert_eq!(by_id.transaction_id, "1217752501201407033233368018");
    // Path parameters are percent-decoded segments.
    let odd: pay::QueryByOutTradeNoRequest = request(
        "/v3/pay/transactions/out-trade-no/a%2Fb%7C*",
        &[("mchid", "1230000109")],
        json!({}),
    );
    assert_eq!(odd.out_trade_no, "a/b|*");
    request::<pay::CloseRequest>(
        "/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close",
        &[],
        json!({"mchid": "1230000109"}),
    );
    let refund_body = json!({
        "out_refund_no": "1217752501201407033233368018", "reason": "商品已售完",
        "notify_url": "https://weixin.qq.com", "funds_account": "AVAILABLE",
        "amount": {"refund": 888, "from": [{"account": "AVAILABLE", "amount": 444}],
            "total": 888, "currency": "CNY"},
        "goods_detail": [{"merchant_goods_id": "1217752501201407033233368018",
            "wechatpay_goods_id": "1001", "goods_name": "iPhone6s 16G",
            "unit_price": 528800, "refund_amount": 528800, "refund_quantity": 1}],
    });
    // The order's two ways to be named (an untagged, flattened alternative).
    for (key, value) in [
        ("transaction_id", "1217752501201407033233368018"),
        ("out_trade_no", "1217752501201407033233368019"),
    ] {
        let mut body = refund_body.clone();
        body[key] = json!(value);
        let read: refund::CreateRequest = request("/v3/refund/domestic/refunds", &[], body);
        assert_eq!(
            serde_json::to_value(&read.order).unwrap(),
            json!({key: value})
        );
    }
    request::<refund::QueryRequest>(
        "/v3/refund/domestic/refunds/1217752501201407033233368018",
        &[],
        json!({}),
    );
    let trade: bill::TradeBillRequest = request(
        "/v3/bill/tradebill",
        &[
            ("bill_date", "2019-06-11"),
            ("bill_type", "SUCCESS"),
            ("tar_type", "GZIP"),
        ],
        json!({}),
    );
    assert_eq!(trade.bill_type, Some(bill::BillType::Success));
    request::<bill::FundFlowBillRequest>(
        "/v3/bill/fundflowbill",
        &[
            ("bill_date", "2019-06-11"),
            ("account_type", "BASIC"),
            ("tar_type", "GZIP"),
        ],
        json!({}),
    );
    request::<certificates::DownloadRequest>("/v3/certificates", &[], json!({}));
    // What is not the request is refused with serde's reason, never a panic.
    let missing = miniapp::__private::read_request::<pay::JsapiRequest>(
        &[],
        Some(&json!({"description": "x"})),
    )
    .unwrap_err();
    assert!(missing.contains("missing field"), "{missing}");
    let closed = miniapp::__private::read_request::<bill::TradeBillRequest>(
        &[
            ("bill_date".into(), "2019-06-11".into()),
            ("bill_type".into(), "NEVER".into()),
        ],
        None,
    )
    .unwrap_err();
    assert!(closed.contains("NEVER"), "{closed}");
    let not_object =
        miniapp::__private::read_request::<pay::JsapiRequest>(&[], Some(&json!([1]))).unwrap_err();
    assert!(not_object.contains("object"), "{not_object}");
    let elsewhere =
        miniapp::__private::path_params::<pay::CloseRequest>("/v3/pay/transactions/id/1/close")
            .unwrap_err();
    assert!(elsewhere.contains("path"), "{elsewhere}");
}

/// WeChat Pay v2 requests travel as flat `<xml>`, every value text: written as the
/// client writes them and read back from their text fields (numbers parsed where the
/// type has them, alternatives flattened in included), they are what they were.
#[test]
fn wechat_pay_requests_read_back_from_their_text_fields() {
    use miniapp::__private::{read_text_request, text_request_round_trip};
    use miniapp::wechatpay::pay::*;
    let order = UnifiedOrderRequest::new(
        "会员充值",
        "order-1",
        100,
        "127.0.0.1",
        "http://127.0.0.1/n",
        TradeType::Native,
    )
    .product_id("p1")
    .attach("12");
    text_request_round_trip(&order).unwrap();
    text_request_round_trip(&OrderQueryRequest::new(OrderQueryOrder::transaction_id(
        "42",
    )))
    .unwrap();
    text_request_round_trip(&CloseOrderRequest::new("order-1")).unwrap();
    let refund =
        RefundRequest::new("r-1", 100, 30, RefundOrder::out_trade_no("order-1")).refund_desc("7");
    text_request_round_trip(&refund).unwrap();
    for by in [
        RefundQueryBy::refund_id("5"),
        RefundQueryBy::out_refund_no("r-1"),
        RefundQueryBy::transaction_id("42"),
        RefundQueryBy::out_trade_no("order-1"),
    ] {
        text_request_round_trip(&RefundQueryRequest::new(by).offset(10)).unwrap();
    }
    let bill = DownloadBillRequest::new("20240101").bill_type(BillType::Refund);
    text_request_round_trip(&bill.tar_type(TarType::Gzip)).unwrap();
    text_request_round_trip(&DownloadFundflowRequest::new(
        "20240101",
        AccountType::Basic,
    ))
    .unwrap();

    let text = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    // A request naming several alternatives is read as the first in the docs' priority.
    let both = text(&[("transaction_id", "42"), ("refund_id", "5")]);
    let read: RefundQueryRequest = read_text_request(&both).unwrap();
    assert_eq!(read.by, RefundQueryBy::refund_id("5"));
    // Text that is not the number is an error, never a guess.
    for fee in ["1e3", "1.5", "", "ten"] {
        let bad = text(&[
            ("out_refund_no", "r"),
            ("out_trade_no", "o"),
            ("total_fee", fee),
            ("refund_fee", "1"),
        ]);
        assert!(read_text_request::<RefundRequest>(&bad).is_err(), "{fee:?}");
    }
    let none = read_text_request::<OrderQueryRequest>(&text(&[])).unwrap_err();
    assert!(none.contains("variant"), "{none}");
}

/// An answer with numbered lists (the refund query's `refund_fee_0`, and the coupons
/// inside each refund, `coupon_refund_id_0_1`), written from its response type by
/// `write_text_response`, reads back as it was.
#[test]
fn wechat_pay_numbered_lists_are_written_as_they_are_read() {
    use miniapp::__private::{write_text_response, Response};
    use miniapp::wechatpay::pay::{RefundCoupon, RefundItem, RefundQueryResponse, RefundStatus};
    let coupon = |id: &str, fee| RefundCoupon {
        coupon_type: Some("CASH".into()),
        coupon_refund_id: id.into(),
        coupon_refund_fee: fee,
    };
    let item = |no: &str, coupons: Option<Vec<RefundCoupon>>| RefundItem {
        out_refund_no: no.into(),
        refund_id: format!("5{no}"),
        refund_channel: None,
        refund_fee: 30,
        settlement_refund_fee: Some(30),
        coupon_refund_fee: None,
        coupon_refund_count: coupons.as_ref().map(|c| c.len() as u32),
        coupons,
        refund_status: RefundStatus::Processing,
        refund_account: None,
        refund_recv_accout: Some("支付用户的零钱".into()),
        refund_success_time: None,
    };
    let answer = RefundQueryResponse {
        transaction_id: Some("42".into()),
        out_trade_no: Some("order-1".into()),
        total_fee: Some(100),
        settlement_total_fee: None,
        fee_type: Some("CNY".into()),
        cash_fee: Some(100),
        total_refund_count: Some(2),
        refund_count: 2,
        refunds: Some(vec![
            item("r-0", Some(vec![coupon("c-0", 1), coupon("c-1", 2)])),
            // The reader gathers every item's list, empty when it has no count.
            item("r-1", Some(Vec::new())),
        ]),
    };
    let written = write_text_response(&answer).unwrap();
    assert_eq!(written["coupon_refund_id_0_1"], "c-1");
    assert_eq!(written["refund_fee_1"], 30);
    let fields: Vec<(String, String)> = written
        .into_iter()
        .map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            (k, text)
        })
        .collect();
    assert_eq!(
        RefundQueryResponse::from_text_fields(&fields).unwrap(),
        answer
    );
}

/// The fixture platform's constructs (every one of the schema language): query fields
/// of every scalar type, untagged and internally tagged alternatives flattened into the
/// body, maps, JSON values, path parameters.
#[cfg(feature = "codegen")]
#[test]
fn the_fixture_requests_read_back_as_they_were_written() {
    use miniapp::fixtures::fixture::demo_group::*;
    use serde_json::json;
    let thing = GetThingRequest::new("abc").count(5).flag(true);
    miniapp::__private::request_round_trip(&thing).unwrap();
    let text = PostChoiceMessage::text(TextBody::new("hello"));
    let choice = PostChoiceRequest::new("o1", PostChoiceOrder::transaction_id("t1"), text)
        .extra(json!({"a": [1, 2]}))
        .labels([("k".to_owned(), TextBody::new("v"))].into());
    miniapp::__private::request_round_trip(&choice).unwrap();
    let image = PostChoiceMessage::image(ImageBody::new("media"));
    let merchant = PostChoiceOrder::merchant_order("m1", "o1");
    miniapp::__private::request_round_trip(&PostChoiceRequest::new("o1", merchant, image)).unwrap();
    miniapp::__private::request_round_trip(&GetLedgerLineRequest::new("e/1", 7).currency("CNY"))
        .unwrap();
    // And their answers: open enums, aliases, lists of structures, money, written back.
    let signer = JucaiMd5::create(&Credentials::new("", "fixture-key"), &Default::default());
    use miniapp::fixtures::{fixture, signed};
    assert!(check::<fixture::Fixture>(fixture::ROUND_TRIPS, &signer) >= 5);
    assert!(check::<signed::Signed>(signed::ROUND_TRIPS, &signer) >= 1);
}
