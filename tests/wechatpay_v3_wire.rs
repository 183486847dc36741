//! WeChat Pay API v3 against a real HTTP server on 127.0.0.1: every request's
//! `Authorization` re-built here from what arrived (method, path with query, timestamp,
//! nonce, exact body) and its signature checked with ring against the merchant's public
//! key; answers signed here with WeChat Pay's private key (the SDK-suite K2 pair), in
//! public-key mode, certificate mode and both at once; tampered, unsigned, stale,
//! foreign-serial and probe answers refused; documented codes typed by their status.
#![cfg(feature = "wechatpay_v3")]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use miniapp::runtime::{Error, RetryPolicy};
use miniapp::wechatpay_v3::pay::*;
use miniapp::wechatpay_v3::refund::{CreateOrder, CreateRequest, RefundRequestAmount};
use miniapp::wechatpay_v3::Client;
use ring::signature::{self, KeyPair, RsaKeyPair};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const APP_ID: &str = "wxd678efh567hg6787";
const MCHID: &str = "1234567891";
const MERCHANT_SERIAL: &str = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";

fn vector(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/wechatpay_v3/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// WeChat Pay's side of the K2 pair: what signs answers in public-key mode here.
const PUBLIC_KEY_MODE_KEY: &str = "K2.wechatpay_private_key.pem";
/// wechatpay-go's K1 key, whose certificates (D7CE…, F576…) the suite publishes: what
/// signs answers in certificate mode here.
const CERTIFICATE_KEY: &str = "K1.private_key.pem_pkcs8";
const CERTIFICATE_SERIAL: &str = "D7CE59D1F522D701";

fn private_key(name: &str) -> RsaKeyPair {
    RsaKeyPair::from_pkcs8(&pem_der(&vector(name))).unwrap()
}

fn merchant_public_key() -> Vec<u8> {
    let pair = RsaKeyPair::from_pkcs8(&pem_der(&vector("K2.merchant_private_key.pem"))).unwrap();
    pair.public_key().as_ref().to_vec()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign_answer(key: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let key = private_key(key);
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        &message,
        &mut sig,
    )
    .unwrap();
    STANDARD.encode(sig)
}

/// How the test server signs (or fails to sign) its answers.
#[derive(Clone)]
struct Answer {
    status: u16,
    body: String,
    serial: Option<&'static str>,
    key: &'static str,
    /// Seconds added to the signed timestamp.
    skew: i64,
    tamper: bool,
    probe: bool,
}

impl Answer {
    fn ok(body: &str) -> Answer {
        Answer {
            status: 200,
            body: body.to_owned(),
            serial: Some(PUBLIC_KEY_ID),
            key: PUBLIC_KEY_MODE_KEY,
            skew: 0,
            tamper: false,
            probe: false,
        }
    }
    fn status(mut self, status: u16) -> Answer {
        self.status = status;
        self
    }
    fn serial(mut self, serial: Option<&'static str>) -> Answer {
        self.serial = serial;
        self
    }
    /// Signed as in certificate mode, with the certificate's key and serial.
    fn certificate_signed(mut self) -> Answer {
        self.serial = Some(CERTIFICATE_SERIAL);
        self.key = CERTIFICATE_KEY;
        self
    }
}

impl Respond for Answer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut template = ResponseTemplate::new(self.status);
        if !self.body.is_empty() {
            template = template.set_body_raw(self.body.clone(), "application/json");
        }
        if let Some(serial) = self.serial {
            let ts = (now() as i64 + self.skew).to_string();
            let nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
            let signed_body = if self.tamper {
                format!("{} ", self.body)
            } else {
                self.body.clone()
            };
            let sig = if self.probe {
                "WECHATPAY/SIGNTEST/abcdef".to_owned()
            } else {
                sign_answer(self.key, &ts, nonce, signed_body.as_bytes())
            };
            template = template
                .insert_header("Wechatpay-Timestamp", ts.as_str())
                .insert_header("Wechatpay-Nonce", nonce)
                .insert_header("Wechatpay-Serial", serial)
                .insert_header("Wechatpay-Signature", sig.as_str())
                .insert_header("Request-ID", "08F78BB5AF0610D302");
        }
        template
    }
}

async fn serving(http_method: &str, at: &str, answer: Answer) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(http_method))
        .and(path(at))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    builder(server)
        .wechatpay_public_key(PUBLIC_KEY_ID, vector("K2.wechatpay_public_key.pem"))
        .try_build()
        .unwrap()
}

fn builder(server: &MockServer) -> miniapp::wechatpay_v3::ClientBuilder {
    Client::builder(
        APP_ID,
        MCHID,
        MERCHANT_SERIAL,
        vector("K2.merchant_private_key.pem"),
    )
    .base_url(server.uri())
    .retry_policy(RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..RetryPolicy::default()
    })
}

/// The one request the server received, its Authorization checked independently: the
/// scheme, the merchant id and serial, a fresh timestamp, and the signature over the
/// text re-built from the request as it arrived.
async fn checked_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "one request");
    let request = requests.remove(0);
    let auth = request
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    let token = auth
        .strip_prefix("WECHATPAY2-SHA256-RSA2048 ")
        .expect("the v3 scheme");
    let pair = |key: &str| -> String {
        token
            .split(',')
            .find_map(|p| p.strip_prefix(&format!("{key}=\"")))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{key} in {auth}"))
            .to_owned()
    };
    assert_eq!(pair("mchid"), MCHID);
    assert_eq!(pair("serial_no"), MERCHANT_SERIAL);
    assert_eq!(pair("nonce_str").len(), 32);
    let ts: u64 = pair("timestamp").parse().unwrap();
    assert!(now().abs_diff(ts) < 60);
    let mut path_and_query = request.url.path().to_owned();
    if let Some(q) = request.url.query() {
        path_and_query.push('?');
        path_and_query.push_str(q);
    }
    let mut message = format!(
        "{}\n{path_and_query}\n{}\n{}\n",
        request.method,
        pair("timestamp"),
        pair("nonce_str")
    )
    .into_bytes();
    message.extend_from_slice(&request.body);
    message.push(b'\n');
    let signature = STANDARD.decode(pair("signature")).unwrap();
    signature::UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        merchant_public_key(),
    )
    .verify(&message, &signature)
    .expect("the request signature verifies over what arrived");
    assert_eq!(
        request.headers.get("wechatpay-serial").unwrap(),
        PUBLIC_KEY_ID,
        "public-key mode asks for public-key-signed answers"
    );
    assert_eq!(request.headers.get("accept").unwrap(), "application/json");
    assert!(request.headers.get("user-agent").is_some());
    request
}

fn jsapi_request() -> JsapiRequest {
    JsapiRequest::new(
        "Image形象店-深圳腾大-QQ公仔",
        "1217752501201407033233368018",
        "https://www.weixin.qq.com/wxpay/pay.php",
        OrderAmount::new(100),
        Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    )
}

#[tokio::test]
async fn a_jsapi_order_is_signed_whole_and_its_answer_verified() {
    let server = serving(
        "POST",
        "/v3/pay/transactions/jsapi",
        Answer::ok(r#"{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}"#),
    )
    .await;
    let order = client(&server).pay().jsapi(jsapi_request()).await.unwrap();
    assert_eq!(order.prepay_id, "wx26112221580621e9b071c00d9e093b0000");
    let request = checked_request(&server).await;
    assert_eq!(
        request.headers.get("content-type").unwrap(),
        "application/json"
    );
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "appid": APP_ID,
            "mchid": MCHID,
            "description": "Image形象店-深圳腾大-QQ公仔",
            "out_trade_no": "1217752501201407033233368018",
            "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
            "amount": {"total": 100},
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        })
    );
}

#[tokio::test]
async fn a_query_signs_its_path_and_query_with_an_empty_body() {
    let transaction = vector("D.pay_notify.plain");
    let server = serving(
        "GET",
        "/v3/pay/transactions/out-trade-no/1217752501201407033233368018",
        Answer::ok(&transaction),
    )
    .await;
    let paid = client(&server)
        .pay()
        .query_by_out_trade_no(QueryByOutTradeNoRequest::new(
            "1217752501201407033233368018",
        ))
        .await
        .unwrap();
    assert_eq!(
        paid.transaction_id.as_deref(),
        Some("4200000000000000000000000001")
    );
    assert_eq!(paid.trade_state, TradeState::Success);
    assert_eq!(paid.amount.as_ref().and_then(|a| a.total), Some(100));
    let request = checked_request(&server).await;
    assert_eq!(request.url.query(), Some("mchid=1234567891"));
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn close_answers_204_signed_over_the_empty_body() {
    let server = serving(
        "POST",
        "/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close",
        Answer::ok("").status(204),
    )
    .await;
    client(&server)
        .pay()
        .close(CloseRequest::new("1217752501201407033233368018"))
        .await
        .unwrap();
    let request = checked_request(&server).await;
    assert_eq!(request.body, br#"{"mchid":"1234567891"}"#);
}

#[tokio::test]
async fn a_refund_chooses_its_order_by_one_of_two_ids() {
    let server = serving(
        "POST",
        "/v3/refund/domestic/refunds",
        Answer::ok(
            r#"{"refund_id":"50000000382019052709732678859","out_refund_no":"1217752501201407033233368018","transaction_id":"4200000000000000000000000001","out_trade_no":"1217752501201407033233368018","channel":"ORIGINAL","user_received_account":"招商银行信用卡0403","create_time":"2018-06-08T10:34:56+08:00","status":"PROCESSING","amount":{"total":100,"refund":100,"payer_total":100,"payer_refund":100,"settlement_refund":100,"settlement_total":100,"discount_refund":0,"currency":"CNY"}}"#,
        ),
    )
    .await;
    let refund = client(&server)
        .refund()
        .create(CreateRequest::new(
            "1217752501201407033233368018",
            RefundRequestAmount::new(100, 100),
            CreateOrder::TransactionId {
                transaction_id: "4200000000000000000000000001".into(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(refund.refund_id, "50000000382019052709732678859");
    let request = checked_request(&server).await;
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["transaction_id"], "4200000000000000000000000001");
    assert!(body.get("out_trade_no").is_none());
    assert_eq!(
        body["amount"],
        serde_json::json!({"refund": 100, "total": 100, "currency": "CNY"})
    );
}

#[tokio::test]
async fn documented_codes_are_typed_signed_or_not() {
    let not_found = r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#;
    for answer in [
        Answer::ok(not_found).status(404),
        Answer::ok(not_found).status(404).serial(None),
    ] {
        let server = serving(
            "GET",
            "/v3/pay/transactions/id/4200000000000000000000000001",
            answer,
        )
        .await;
        let e = client(&server)
            .pay()
            .query_by_id(QueryByIdRequest::new("4200000000000000000000000001"))
            .await
            .unwrap_err();
        let api = e.api().unwrap_or_else(|| panic!("{e}"));
        assert_eq!(api.code(), "ORDER_NOT_EXIST");
        assert!(
            matches!(api, QueryByIdError::OrderNotExist { .. }),
            "{api:?}"
        );
    }
    // A signed error answer whose signature fails is not trusted either.
    let mut forged = Answer::ok(not_found).status(404);
    forged.tamper = true;
    let server = serving("GET", "/v3/pay/transactions/id/42", forged).await;
    let e = client(&server)
        .pay()
        .query_by_id(QueryByIdRequest::new("42"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e}");
}

#[tokio::test]
async fn answers_that_are_not_wechat_pays_are_refused_with_the_reason() {
    let body = r#"{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}"#;
    let mut tampered = Answer::ok(body);
    tampered.tamper = true;
    let mut stale = Answer::ok(body);
    stale.skew = -301;
    let mut probe = Answer::ok(body);
    probe.probe = true;
    for (answer, reason) in [
        (tampered, "does not match"),
        (Answer::ok(body).serial(None), "Wechatpay-Timestamp"),
        (stale, "away from this machine's clock"),
        (probe, "probe"),
        (
            Answer::ok(body).serial(Some("5157F09EFDC096DE15EBE81A47057A7232F1B8E1")),
            "no key for",
        ),
    ] {
        let server = serving("POST", "/v3/pay/transactions/jsapi", answer).await;
        let e = client(&server)
            .pay()
            .jsapi(jsapi_request())
            .await
            .unwrap_err();
        match &e {
            Error::Decode {
                reason: r, status, ..
            } => {
                assert_eq!(*status, 200);
                assert!(r.contains(reason), "{reason}: {r}");
                assert!(r.contains("nothing in the answer was trusted"), "{r}");
            }
            other => panic!("{reason}: {other}"),
        }
    }
}

#[tokio::test]
async fn system_errors_are_retried_only_on_idempotent_calls() {
    let busy = r#"{"code":"SYSTEM_ERROR","message":"系统繁忙，请稍后重试"}"#;
    let server = serving(
        "GET",
        "/v3/pay/transactions/id/4200000000000000000000000001",
        Answer::ok(busy).status(500),
    )
    .await;
    let e = client(&server)
        .pay()
        .query_by_id(QueryByIdRequest::new("4200000000000000000000000001"))
        .await
        .unwrap_err();
    assert_eq!(e.api().unwrap().code(), "SYSTEM_ERROR");
    let retries = server.received_requests().await.unwrap().len();
    assert_eq!(retries, 1 + RetryPolicy::default().max_retries as usize);

    let server = serving(
        "POST",
        "/v3/pay/transactions/jsapi",
        Answer::ok(busy).status(500),
    )
    .await;
    let e = client(&server)
        .pay()
        .jsapi(jsapi_request())
        .await
        .unwrap_err();
    assert_eq!(e.api().unwrap().code(), "SYSTEM_ERROR");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "an order is never resent"
    );
}

/// Certificate mode and the migration: a client holding a platform certificate and the
/// public key verifies each answer with the key its `Wechatpay-Serial` names; one with
/// only the certificate refuses a public-key-signed answer, and the other way round.
#[tokio::test]
async fn certificate_mode_and_both_modes_at_once() {
    let body = r#"{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}"#;
    let certificate = vector("K1.cert_D7CE59D1F522D701.pem");
    let certificate_only = |server: &MockServer| {
        builder(server)
            .platform_certificates(certificate.clone())
            .try_build()
            .unwrap()
    };
    let both = |server: &MockServer| {
        builder(server)
            .platform_certificates(certificate.clone())
            .wechatpay_public_key(PUBLIC_KEY_ID, vector("K2.wechatpay_public_key.pem"))
            .try_build()
            .unwrap()
    };
    for answer in [Answer::ok(body), Answer::ok(body).certificate_signed()] {
        let server = serving("POST", "/v3/pay/transactions/jsapi", answer).await;
        both(&server).pay().jsapi(jsapi_request()).await.unwrap();
    }
    let server = serving(
        "POST",
        "/v3/pay/transactions/jsapi",
        Answer::ok(body).certificate_signed(),
    )
    .await;
    let client = certificate_only(&server);
    client.pay().jsapi(jsapi_request()).await.unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    // Certificate mode names the certificate sensitive fields are encrypted with.
    assert_eq!(
        request.headers.get("wechatpay-serial").unwrap(),
        CERTIFICATE_SERIAL
    );
    assert_eq!(
        client.encrypt_sensitive("张三").unwrap().serial,
        CERTIFICATE_SERIAL
    );
    let server = serving("POST", "/v3/pay/transactions/jsapi", Answer::ok(body)).await;
    let e = certificate_only(&server)
        .pay()
        .jsapi(jsapi_request())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no key for"), "{e}");
    // The certificate's serial with the public key's signature: the key the serial
    // names does not verify it.
    let mut crossed = Answer::ok(body);
    crossed.serial = Some(CERTIFICATE_SERIAL);
    let server = serving("POST", "/v3/pay/transactions/jsapi", crossed).await;
    let e = both(&server)
        .pay()
        .jsapi(jsapi_request())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("does not match"), "{e}");
}

/// The refund answer from the refund page's example, reused by the refund query below.
const REFUND_ANSWER: &str = r#"{"refund_id":"50000000382019052709732678859","out_refund_no":"1217752501201407033233368018","transaction_id":"4200000000000000000000000001","out_trade_no":"1217752501201407033233368018","channel":"ORIGINAL","user_received_account":"招商银行信用卡0403","success_time":"2020-12-01T16:18:12+08:00","create_time":"2020-12-01T16:18:12+08:00","status":"SUCCESS","funds_account":"UNSETTLED","amount":{"total":100,"refund":100,"payer_total":90,"payer_refund":90,"settlement_refund":100,"settlement_total":100,"discount_refund":10,"currency":"CNY"}}"#;

#[tokio::test]
async fn app_h5_and_native_orders_send_their_documented_bodies() {
    let amount = || OrderAmount::new(100);
    let expected = |extra: serde_json::Value| {
        let mut body = serde_json::json!({
            "appid": APP_ID,
            "mchid": MCHID,
            "description": "Image形象店-深圳腾大-QQ公仔",
            "out_trade_no": "1217752501201407033233368018",
            "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
            "amount": {"total": 100},
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };

    let server = serving(
        "POST",
        "/v3/pay/transactions/app",
        Answer::ok(r#"{"prepay_id":"wx261153585405162d4d02642eabe7000000"}"#),
    )
    .await;
    let app = client(&server)
        .pay()
        .app(
            AppRequest::new(
                "Image形象店-深圳腾大-QQ公仔",
                "1217752501201407033233368018",
                "https://www.weixin.qq.com/wxpay/pay.php",
                amount(),
            )
            .attach("自定义数据"),
        )
        .await
        .unwrap();
    assert_eq!(app.prepay_id, "wx261153585405162d4d02642eabe7000000");
    let request = checked_request(&server).await;
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, expected(serde_json::json!({"attach": "自定义数据"})));

    let server = serving(
        "POST",
        "/v3/pay/transactions/h5",
        Answer::ok(r#"{"h5_url":"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2916263004719461949c84457c735b0000&package=2150917749"}"#),
    )
    .await;
    let h5 = client(&server)
        .pay()
        .h5(H5Request::new(
            "Image形象店-深圳腾大-QQ公仔",
            "1217752501201407033233368018",
            "https://www.weixin.qq.com/wxpay/pay.php",
            amount(),
            H5SceneInfo::new("14.23.150.211", H5Info::new(H5Type::Wap)),
        ))
        .await
        .unwrap();
    assert!(h5.h5_url.starts_with("https://wx.tenpay.com/"));
    let request = checked_request(&server).await;
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        expected(serde_json::json!({
            "scene_info": {"payer_client_ip": "14.23.150.211", "h5_info": {"type": "Wap"}}
        }))
    );

    let server = serving(
        "POST",
        "/v3/pay/transactions/native",
        Answer::ok(r#"{"code_url":"weixin://wxpay/bizpayurl/up?pr=NwY5Mz9&groupid=00"}"#),
    )
    .await;
    let native = client(&server)
        .pay()
        .native(
            NativeRequest::new(
                "Image形象店-深圳腾大-QQ公仔",
                "1217752501201407033233368018",
                "https://www.weixin.qq.com/wxpay/pay.php",
                amount(),
            )
            .time_expire("2018-06-08T10:34:56+08:00"),
        )
        .await
        .unwrap();
    assert_eq!(
        native.code_url,
        "weixin://wxpay/bizpayurl/up?pr=NwY5Mz9&groupid=00"
    );
    let request = checked_request(&server).await;
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        expected(serde_json::json!({"time_expire": "2018-06-08T10:34:56+08:00"}))
    );
}

#[tokio::test]
async fn a_query_by_transaction_id_names_it_in_the_path() {
    let server = serving(
        "GET",
        "/v3/pay/transactions/id/4200000000000000000000000001",
        Answer::ok(&vector("D.pay_notify.plain")),
    )
    .await;
    let paid = client(&server)
        .pay()
        .query_by_id(QueryByIdRequest::new("4200000000000000000000000001"))
        .await
        .unwrap();
    assert_eq!(paid.out_trade_no, "1217752501201407033233368018");
    assert_eq!(paid.trade_state, TradeState::Success);
    let request = checked_request(&server).await;
    assert_eq!(request.url.query(), Some("mchid=1234567891"));
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn a_refund_query_names_the_refund_in_the_path_and_decodes_its_amounts_in_fen() {
    use miniapp::wechatpay_v3::refund::{QueryRequest, RefundStatus};
    let server = serving(
        "GET",
        "/v3/refund/domestic/refunds/1217752501201407033233368018",
        Answer::ok(REFUND_ANSWER),
    )
    .await;
    let refund = client(&server)
        .refund()
        .query(QueryRequest::new("1217752501201407033233368018"))
        .await
        .unwrap();
    assert_eq!(refund.status, RefundStatus::Success);
    assert_eq!(refund.amount.refund, 100);
    assert_eq!(refund.amount.payer_refund, 90);
    assert_eq!(refund.amount.discount_refund, 10);
    let request = checked_request(&server).await;
    assert_eq!(request.url.query(), None, "a refund query carries no mchid");
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn bill_requests_put_their_choices_in_the_signed_query() {
    use miniapp::wechatpay_v3::bill::{
        AccountType, BillType, FundFlowBillRequest, HashType, TarType, TradeBillRequest,
    };
    let answer = r#"{"hash_type":"SHA1","hash_value":"79bb0f45fc4c42234a918000b2668d689e2bde04","download_url":"https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO"}"#;
    let server = serving("GET", "/v3/bill/tradebill", Answer::ok(answer)).await;
    let bill = client(&server)
        .bill()
        .trade_bill(
            TradeBillRequest::new("2019-06-11")
                .bill_type(BillType::Success)
                .tar_type(TarType::Gzip),
        )
        .await
        .unwrap();
    assert_eq!(bill.hash_type, HashType::Sha1);
    assert_eq!(bill.hash_value, "79bb0f45fc4c42234a918000b2668d689e2bde04");
    let request = checked_request(&server).await;
    assert_eq!(
        request.url.query(),
        Some("bill_date=2019-06-11&bill_type=SUCCESS&tar_type=GZIP")
    );

    let server = serving("GET", "/v3/bill/fundflowbill", Answer::ok(answer)).await;
    client(&server)
        .bill()
        .fund_flow_bill(FundFlowBillRequest::new("2019-06-11").account_type(AccountType::Basic))
        .await
        .unwrap();
    let request = checked_request(&server).await;
    assert_eq!(
        request.url.query(),
        Some("bill_date=2019-06-11&account_type=BASIC")
    );
    assert!(request.body.is_empty());
}
