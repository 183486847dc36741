//! WeChat Pay API v3 in the simulator, driven by the real generated client configured
//! from the simulator's published test keys: in public-key mode, with platform
//! certificates downloaded from `/v3/certificates` (by hand, then verified through the
//! client) and in mixed mode, an order is placed, queried, paid (a signed, sealed
//! `TRANSACTION.SUCCESS` verified and decrypted by a merchant server on 127.0.0.1),
//! refunded (`REFUND.SUCCESS` likewise), queried again and billed (the file's SHA-1
//! checked). Refusals: a request signed with another key, a stale one, the schema's
//! codes forced with `fail_next` and the merchant's own, each typed with its HTTP
//! status; a signature probe refused by the merchant; a certificate rotation that a
//! client holding only the old certificate refuses. Last, the standalone binary over
//! HTTP only: its keys read from the admin API, one request signed and its answer
//! verified here by hand with ring.
#![cfg(feature = "wechatpay_v3")]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use miniapp::crypto::aead::ApiV3Key;
use miniapp::wechatpay_v3::bill::{FundFlowBillRequest, TarType, TradeBillRequest};
use miniapp::wechatpay_v3::pay::*;
use miniapp::wechatpay_v3::refund::{
    CreateError, CreateOrder, CreateRequest, QueryRequest as RefundQueryRequest,
    RefundRequestAmount, RefundStatus,
};
use miniapp::wechatpay_v3::{
    reply_fail, reply_success, Client, Notification, NotifyError, RefundResource, Transaction,
};
use miniapp::RetryPolicy;
use miniapp_simulator::wechatpay_v3::{
    WechatPayV3KeyMode, WechatPayV3Keys, WechatPayV3RefundOutcome, MERCHANT_PRIVATE_KEY,
    PUBLIC_KEY_ID, WECHATPAY_PRIVATE_KEY,
};
use miniapp_simulator::Simulator;
use ring::signature;
use serde_json::{json, Value};
use std::future::Future;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Every test finishes within this, whatever happens.
const LIMIT: Duration = Duration::from_secs(10);

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long");
}

async fn start(mode: WechatPayV3KeyMode) -> Simulator {
    Simulator::builder()
        .only(&["wechatpay_v3"])
        .wechatpay_v3_keys(mode)
        .start()
        .await
        .unwrap()
}

fn keys(sim: &Simulator) -> WechatPayV3Keys {
    sim.wechatpay_v3_keys()
        .expect("WeChat Pay API v3 is served")
}

/// A client from the simulator's keys, without a way to verify answers yet.
fn builder(sim: &Simulator) -> miniapp::wechatpay_v3::ClientBuilder {
    let k = keys(sim);
    Client::builder(
        k.app_id,
        k.merchant_id,
        k.merchant_serial,
        k.merchant_private_key.expect("the built-in merchant key"),
    )
    .base_url(sim.url("wechatpay_v3"))
    .api_v3_key(k.api_v3_key)
    .retry_policy(RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..RetryPolicy::default()
    })
}

fn public_key_client(sim: &Simulator) -> Client {
    let k = keys(sim);
    builder(sim)
        .wechatpay_public_key(k.wechatpay_public_key_id, k.wechatpay_public_key)
        .try_build()
        .unwrap()
}

/// The PKCS#8 DER inside a PEM.
fn der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).unwrap()
}

/// `Authorization` for a request, signed here with ring over
/// `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`, independently of the SDK.
/// Who signs a request: the merchant id and certificate serial `Authorization` names.
struct Who {
    mchid: String,
    serial: String,
}

fn who(k: &WechatPayV3Keys) -> Who {
    Who {
        mchid: k.merchant_id.clone(),
        serial: k.merchant_serial.clone(),
    }
}

fn authorization(k: &Who, key_pem: &str, method: &str, target: &str, body: &str) -> String {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    authorization_at(k, key_pem, method, target, body, timestamp)
}

fn authorization_at(
    k: &Who,
    key_pem: &str,
    method: &str,
    target: &str,
    body: &str,
    timestamp: u64,
) -> String {
    let key = signature::RsaKeyPair::from_pkcs8(&der(key_pem)).unwrap();
    let nonce = format!("{:032x}", rand_u128());
    let message = format!("{method}\n{target}\n{timestamp}\n{nonce}\n{body}\n");
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
        k.mchid,
        STANDARD.encode(sig),
        k.serial
    )
}

fn rand_u128() -> u128 {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).unwrap();
    u128::from_le_bytes(bytes)
}

/// Checks an answer's `Wechatpay-*` signature here with ring, over
/// `TIMESTAMP\nNONCE\nBODY\n`, with a public key (SubjectPublicKeyInfo PEM).
fn verify_by_hand(headers: &reqwest::header::HeaderMap, body: &[u8], public_key_pem: &str) {
    let get = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    let mut message = format!(
        "{}\n{}\n",
        get("wechatpay-timestamp"),
        get("wechatpay-nonce")
    )
    .into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let spki = der(public_key_pem);
    // An RSA-2048 SubjectPublicKeyInfo is a fixed 24-byte header (algorithm
    // rsaEncryption, the bit string's length) before the PKCS#1 key ring reads.
    assert_eq!(&spki[..4], &[0x30, 0x82, 0x01, 0x22]);
    let key =
        signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &spki[24..]);
    let sig = STANDARD.decode(get("wechatpay-signature")).unwrap();
    key.verify(&message, &sig)
        .expect("the answer's signature verifies by hand");
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The platform certificates as `/v3/certificates` serves them, fetched with a request
/// signed by hand and decrypted with the APIv3 key (a first download cannot verify
/// the answer yet: it carries the keys that do). The client built from them verifies
/// the same list through the SDK.
async fn download_certificates(sim: &Simulator) -> Vec<(String, String)> {
    let k = keys(sim);
    let target = "/wechatpay_v3/v3/certificates";
    let response = http()
        .get(format!("{}{target}", sim.base_url()))
        .header(
            "Authorization",
            authorization(&who(&k), MERCHANT_PRIVATE_KEY, "GET", target, ""),
        )
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let key = ApiV3Key::new(&k.api_v3_key).unwrap();
    answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let e = &c["encrypt_certificate"];
            assert_eq!(e["algorithm"], "AEAD_AES_256_GCM");
            assert_eq!(e["associated_data"], "certificate");
            let pem = key
                .decrypt(
                    e["nonce"].as_str().unwrap(),
                    "certificate",
                    e["ciphertext"].as_str().unwrap(),
                )
                .unwrap();
            (
                c["serial_no"].as_str().unwrap().to_owned(),
                String::from_utf8(pem).unwrap(),
            )
        })
        .collect()
}

async fn certificate_client(sim: &Simulator) -> Client {
    let certificates = download_certificates(sim).await;
    assert!(!certificates.is_empty());
    let mut builder = builder(sim);
    for (_, pem) in certificates {
        builder = builder.platform_certificates(pem);
    }
    builder.try_build().unwrap()
}

/// What the merchant's notify server received.
#[derive(Debug)]
enum Seen {
    Payment(Notification<Transaction>, String),
    Refund(Notification<RefundResource>, String),
    Refused(String),
}

/// A merchant server on 127.0.0.1 that verifies every notification with `client`
/// from the raw request, answers 200 when it passes and 400 otherwise, and records it
/// with the `Wechatpay-Serial` it was signed under.
async fn notify_server(client: Client) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    type Shared = (Arc<Client>, Arc<Mutex<Vec<Seen>>>);
    async fn handle(
        State((client, seen)): State<Shared>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, String) {
        let serial = headers
            .get("wechatpay-serial")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let outcome = match client.verify_payment_notification(&headers, &body) {
            Ok(n) => Ok(Seen::Payment(n, serial)),
            Err(NotifyError::UnexpectedEvent(_)) => client
                .verify_refund_notification(&headers, &body)
                .map(|n| Seen::Refund(n, serial)),
            Err(e) => Err(e),
        };
        let (status, reply) = match &outcome {
            Ok(_) => reply_success(),
            Err(e) => reply_fail(400, &e.to_string()),
        };
        seen.lock()
            .unwrap()
            .push(outcome.unwrap_or_else(|e| Seen::Refused(e.to_string())));
        (StatusCode::from_u16(status).unwrap(), reply)
    }
    let app = axum::Router::new()
        .route("/notify", post(handle))
        .with_state((Arc::new(client), seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn jsapi(no: &str, notify_url: &str, total: i64) -> JsapiRequest {
    JsapiRequest::new(
        "会员充值",
        no,
        notify_url,
        OrderAmount::new(total),
        Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    )
}

fn today() -> String {
    miniapp::__private::beijing_time::dashed(SystemTime::now())[..10].to_owned()
}

/// A bill's file, fetched from its `download_url` with a request signed by hand; its
/// SHA-1 must be `hash` over the uncompressed bytes.
async fn fetch_bill(sim: &Simulator, url: &str, hash: &str, gzip: bool) -> String {
    let k = keys(sim);
    let target = &url[url.find("/wechatpay_v3/").expect("under the prefix")..];
    let response = http()
        .get(url)
        .header(
            "Authorization",
            authorization(&who(&k), MERCHANT_PRIVATE_KEY, "GET", target, ""),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("wechatpay-signature").is_none(),
        "files are unsigned"
    );
    let bytes = response.bytes().await.unwrap();
    let text = if gzip {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .unwrap();
        out
    } else {
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes());
    assert_eq!(hex::encode(digest.as_ref()), hash);
    text
}

/// The whole story in public-key mode: order, queries, payment notification, refund,
/// its notification, refund query, bills.
#[tokio::test]
async fn public_key_mode_from_order_to_bill() {
    bounded(async {
        let sim = start(WechatPayV3KeyMode::PublicKey).await;
        let pay = public_key_client(&sim);
        let (notify_url, seen) = notify_server(public_key_client(&sim)).await;

        let order = pay
            .pay()
            .jsapi(jsapi("v3-order-1", &notify_url, 100))
            .await
            .unwrap();
        assert!(order.prepay_id.starts_with("wx"), "{}", order.prepay_id);
        // The same request again: the same prepay_id.
        let again = pay
            .pay()
            .jsapi(jsapi("v3-order-1", &notify_url, 100))
            .await
            .unwrap();
        assert_eq!(again.prepay_id, order.prepay_id);

        let unpaid = pay
            .pay()
            .query_by_out_trade_no(QueryByOutTradeNoRequest::new("v3-order-1"))
            .await
            .unwrap();
        assert_eq!(unpaid.trade_state, TradeState::NotPay);
        assert!(
            unpaid.transaction_id.is_none()
                && unpaid.payer.is_none()
                && unpaid.success_time.is_none()
        );

        let notified = sim.pay_wechatpay_v3_order("v3-order-1").await.unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        assert!(notified
            .headers
            .iter()
            .any(|(n, v)| n == "Wechatpay-Serial" && v == PUBLIC_KEY_ID));
        let transaction_id = match seen.lock().unwrap().as_slice() {
            [Seen::Payment(n, serial)] => {
                assert_eq!(serial, PUBLIC_KEY_ID);
                assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
                assert_eq!(n.summary, "支付成功");
                assert!(n.create_time.ends_with("+08:00"), "{}", n.create_time);
                assert_eq!(n.resource.out_trade_no, "v3-order-1");
                assert_eq!(n.resource.trade_state, TradeState::Success);
                assert_eq!(n.resource.amount.as_ref().unwrap().total, Some(100));
                n.resource.transaction_id.clone().unwrap()
            }
            other => panic!("{other:?}"),
        };

        let paid = pay
            .pay()
            .query_by_id(QueryByIdRequest::new(&transaction_id))
            .await
            .unwrap();
        assert_eq!(paid.trade_state, TradeState::Success);
        assert_eq!(paid.out_trade_no, "v3-order-1");
        assert_eq!(
            paid.payer.unwrap().openid.as_deref(),
            Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
        );
        let closing = pay
            .pay()
            .close(CloseRequest::new("v3-order-1"))
            .await
            .unwrap_err();
        assert!(
            matches!(closing.api(), Some(CloseError::OrderPaid { .. })),
            "{closing}"
        );

        let refund = pay
            .refund()
            .create(
                CreateRequest::new(
                    "v3-refund-1",
                    RefundRequestAmount::new(30, 100),
                    CreateOrder::transaction_id(&transaction_id),
                )
                .reason("不想要了"),
            )
            .await
            .unwrap();
        assert_eq!(refund.status, RefundStatus::Processing);
        assert_eq!((refund.amount.refund, refund.amount.total), (30, 100));
        let too_much = pay
            .refund()
            .create(CreateRequest::new(
                "v3-refund-2",
                RefundRequestAmount::new(71, 100),
                CreateOrder::out_trade_no("v3-order-1"),
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(too_much.api(), Some(CreateError::InvalidRequest { .. })),
            "{too_much}"
        );

        let settled = sim
            .settle_wechatpay_v3_refund("v3-refund-1", WechatPayV3RefundOutcome::Success)
            .await
            .unwrap();
        assert!(settled.acknowledged, "{settled:?}");
        match seen.lock().unwrap().last() {
            Some(Seen::Refund(n, serial)) => {
                assert_eq!(serial, PUBLIC_KEY_ID);
                assert_eq!(n.event_type, "REFUND.SUCCESS");
                assert_eq!(n.resource.out_refund_no, "v3-refund-1");
                assert_eq!(n.resource.refund_status, "SUCCESS");
                assert_eq!(
                    (n.resource.amount.refund, n.resource.amount.total),
                    (30, 100)
                );
            }
            other => panic!("{other:?}"),
        }
        let queried = pay
            .refund()
            .query(RefundQueryRequest::new("v3-refund-1"))
            .await
            .unwrap();
        assert_eq!(queried.status, RefundStatus::Success);
        assert!(queried.success_time.is_some());
        let state = pay
            .pay()
            .query_by_out_trade_no(QueryByOutTradeNoRequest::new("v3-order-1"))
            .await
            .unwrap();
        assert_eq!(state.trade_state, TradeState::Refund);

        // Bills: the day's payment and refund, plain and gzipped, and the fund flow.
        let bill = pay
            .bill()
            .trade_bill(TradeBillRequest::new(today()))
            .await
            .unwrap();
        let text = fetch_bill(&sim, &bill.download_url, &bill.hash_value, false).await;
        assert!(text.starts_with('\u{feff}'), "a BOM first");
        assert!(
            text.contains("`v3-order-1") && text.contains("`v3-refund-1"),
            "{text}"
        );
        assert!(text.contains("`1.00") && text.contains("`0.30"), "{text}");
        let zipped = pay
            .bill()
            .trade_bill(TradeBillRequest::new(today()).tar_type(TarType::Gzip))
            .await
            .unwrap();
        assert_eq!(
            zipped.hash_value, bill.hash_value,
            "the same bill, hashed uncompressed"
        );
        let unzipped = fetch_bill(&sim, &zipped.download_url, &zipped.hash_value, true).await;
        assert_eq!(unzipped, text);
        // The client's own download reads the same file and checks its hash.
        let through_client = pay
            .download_bill(miniapp::wechatpay_v3::BillLocation {
                download_url: &zipped.download_url,
                hash_type: zipped.hash_type.as_str(),
                hash_value: &zipped.hash_value,
            })
            .await
            .unwrap();
        assert_eq!(String::from_utf8(through_client).unwrap(), text);
        let flow = pay
            .bill()
            .fund_flow_bill(FundFlowBillRequest::new(today()))
            .await
            .unwrap();
        let flow_text = fetch_bill(&sim, &flow.download_url, &flow.hash_value, false).await;
        assert!(
            flow_text.contains("`收入") && flow_text.contains("`支出"),
            "{flow_text}"
        );
        let none = pay
            .bill()
            .trade_bill(TradeBillRequest::new("2001-01-01"))
            .await
            .unwrap_err();
        assert!(none.to_string().contains("NO_STATEMENT_EXIST"), "{none}");

        // Every answer above was a signed one; the log has their statuses.
        let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
        assert!(
            statuses.contains(&403) && statuses.contains(&400),
            "{statuses:?}"
        );
        assert_eq!(sim.wechatpay_v3_order("v3-order-1").unwrap().refunded, 30);
    })
    .await;
}

/// Certificate mode: the list downloaded by hand makes a client whose own download of
/// the list verifies (signed by a certificate in it), and through which the story
/// runs with certificate-signed answers and notifications.
#[tokio::test]
async fn certificate_mode_with_downloaded_certificates() {
    bounded(async {
        let sim = start(WechatPayV3KeyMode::Certificate).await;
        let listed = download_certificates(&sim).await;
        assert_eq!(listed.len(), 1);
        let serial = listed[0].0.clone();
        assert!(
            serial
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()),
            "{serial}"
        );
        let pay = certificate_client(&sim).await;
        let verified = pay.certificates().download().await.unwrap();
        assert_eq!(verified.data.len(), 1);
        assert_eq!(verified.data[0].serial_no, serial);
        let (notify_url, seen) = notify_server(certificate_client(&sim).await).await;

        let native = pay
            .pay()
            .native(NativeRequest::new(
                "扫码",
                "v3-native-1",
                &notify_url,
                OrderAmount::new(5),
            ))
            .await
            .unwrap();
        assert!(native.code_url.starts_with("weixin://wxpay/bizpayurl?pr="));
        let notified = sim.pay_wechatpay_v3_order("v3-native-1").await.unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        match seen.lock().unwrap().as_slice() {
            [Seen::Payment(n, used)] => {
                assert_eq!(used, &serial);
                assert_eq!(n.resource.trade_type, Some(TradeType::Native));
                assert_eq!(
                    n.resource.payer.as_ref().unwrap().openid.as_deref(),
                    Some(miniapp_simulator::wechatpay_v3::PAYER_OPENID)
                );
            }
            other => panic!("{other:?}"),
        }
        // H5 and APP orders too, each with what it pays with.
        let h5 = pay
            .pay()
            .h5(H5Request::new(
                "H5",
                "v3-h5-1",
                &notify_url,
                OrderAmount::new(1),
                H5SceneInfo::new("127.0.0.1", H5Info::new(H5Type::Wap)),
            ))
            .await
            .unwrap();
        assert!(
            h5.h5_url.starts_with("https://wx.tenpay.com/"),
            "{}",
            h5.h5_url
        );
        let app = pay
            .pay()
            .app(AppRequest::new(
                "APP",
                "v3-app-1",
                &notify_url,
                OrderAmount::new(1),
            ))
            .await
            .unwrap();
        assert!(app.prepay_id.starts_with("wx"));
        // Closing an unpaid order: 204, twice.
        pay.pay()
            .close(CloseRequest::new("v3-app-1"))
            .await
            .unwrap();
        pay.pay()
            .close(CloseRequest::new("v3-app-1"))
            .await
            .unwrap();
        let closed = pay
            .pay()
            .query_by_out_trade_no(QueryByOutTradeNoRequest::new("v3-app-1"))
            .await
            .unwrap();
        assert_eq!(closed.trade_state, TradeState::Closed);
        let statuses: Vec<u16> = sim
            .requests()
            .iter()
            .filter(|r| r.endpoint == Some("pay.close"))
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, [204, 204]);
    })
    .await;
}

/// Mixed mode: answers follow the request's `Wechatpay-Serial` (the public key when it
/// names it, the certificate otherwise), notifications alternate, and a client with
/// both keys verifies all of them.
#[tokio::test]
async fn mixed_mode_signs_with_the_key_the_request_names() {
    bounded(async {
        let sim = start(WechatPayV3KeyMode::Mixed).await;
        let certificates = download_certificates(&sim).await;
        let serial = certificates[0].0.clone();
        let k = keys(&sim);
        let both = || {
            let mut b = builder(&sim).wechatpay_public_key(
                k.wechatpay_public_key_id.clone(),
                k.wechatpay_public_key.clone(),
            );
            for (_, pem) in &certificates {
                b = b.platform_certificates(pem.clone());
            }
            b.try_build().unwrap()
        };
        let pay = both();
        let (notify_url, seen) = notify_server(both()).await;
        for no in ["v3-mixed-1", "v3-mixed-2"] {
            pay.pay().jsapi(jsapi(no, &notify_url, 10)).await.unwrap();
            let notified = sim.pay_wechatpay_v3_order(no).await.unwrap();
            assert!(notified.acknowledged, "{notified:?}");
        }
        let serials: Vec<String> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| match s {
                Seen::Payment(_, serial) => serial.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(serials.len(), 2);
        assert!(
            serials.contains(&serial) && serials.contains(&PUBLIC_KEY_ID.to_owned()),
            "{serials:?}"
        );

        // By hand: a request naming the public key is answered with it, one naming
        // nothing with the certificate.
        let target = "/wechatpay_v3/v3/pay/transactions/out-trade-no/v3-mixed-1?mchid=".to_owned()
            + &k.merchant_id;
        for (named, expected) in [
            (Some(PUBLIC_KEY_ID), PUBLIC_KEY_ID.to_owned()),
            (None, serial.clone()),
        ] {
            let mut request = http().get(format!("{}{target}", sim.base_url())).header(
                "Authorization",
                authorization(&who(&k), MERCHANT_PRIVATE_KEY, "GET", &target, ""),
            );
            if let Some(id) = named {
                request = request.header("Wechatpay-Serial", id);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(
                response.headers()["wechatpay-serial"].to_str().unwrap(),
                expected
            );
        }
    })
    .await;
}

/// Requests the platform refuses, each typed with its code, and with the HTTP status
/// the schema documents for it (read from the request log).
#[tokio::test]
async fn refusals_are_typed_with_their_status() {
    bounded(async {
        let sim = start(WechatPayV3KeyMode::PublicKey).await;
        let pay = public_key_client(&sim);
        let k = keys(&sim);
        let status_of_last = |sim: &Simulator| sim.requests().last().map(|r| r.status);

        // Signed with another key (the WeChat Pay key posing as the merchant's).
        let forger = Client::builder(
            &k.app_id,
            &k.merchant_id,
            &k.merchant_serial,
            WECHATPAY_PRIVATE_KEY,
        )
        .base_url(sim.url("wechatpay_v3"))
        .wechatpay_public_key(&k.wechatpay_public_key_id, &k.wechatpay_public_key)
        .try_build()
        .unwrap();
        let e = forger
            .pay()
            .jsapi(jsapi("v3-forged", "http://127.0.0.1:9/n", 1))
            .await
            .unwrap_err();
        assert!(matches!(e.api(), Some(JsapiError::SignError { .. })), "{e}");
        assert_eq!(status_of_last(&sim), Some(401));
        assert!(
            sim.wechatpay_v3_order("v3-forged").is_none(),
            "nothing executed"
        );

        // Stale: a timestamp ten minutes old, signed by hand.
        let target = "/wechatpay_v3/v3/refund/domestic/refunds/x1";
        let old = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - 600;
        let response = http()
            .get(format!("{}{target}", sim.base_url()))
            .header(
                "Authorization",
                authorization_at(&who(&k), MERCHANT_PRIVATE_KEY, "GET", target, "", old),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "SIGN_ERROR");
        // Unsigned.
        let response = http()
            .get(format!("{}{target}", sim.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);

        // A body that is not JSON, signed as it is.
        let target = "/wechatpay_v3/v3/pay/transactions/jsapi";
        let response = http()
            .post(format!("{}{target}", sim.base_url()))
            .header("Content-Type", "application/json")
            .header(
                "Authorization",
                authorization(&who(&k), MERCHANT_PRIVATE_KEY, "POST", target, "{nope"),
            )
            .body("{nope")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "PARAM_ERROR");

        // JSON that is not the request type: PARAM_ERROR with serde's reason, as the
        // handler reads the body into the generated `JsapiRequest`.
        let wrong = serde_json::json!({
            "appid": k.app_id, "mchid": k.merchant_id, "description": "d",
            "out_trade_no": "v3-wrong-type", "notify_url": "http://127.0.0.1:9/n",
            "amount": {"total": "one yuan"}, "payer": {"openid": "o"},
        })
        .to_string();
        let response = http()
            .post(format!("{}{target}", sim.base_url()))
            .header("Content-Type", "application/json")
            .header(
                "Authorization",
                authorization(&who(&k), MERCHANT_PRIVATE_KEY, "POST", target, &wrong),
            )
            .body(wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "PARAM_ERROR");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("invalid type"), "{message}");

        // Another app.
        let other_app = Client::builder(
            "wx-other-app",
            &k.merchant_id,
            &k.merchant_serial,
            MERCHANT_PRIVATE_KEY,
        )
        .base_url(sim.url("wechatpay_v3"))
        .wechatpay_public_key(&k.wechatpay_public_key_id, &k.wechatpay_public_key)
        .try_build()
        .unwrap();
        let e = other_app
            .pay()
            .jsapi(jsapi("v3-other-app", "http://127.0.0.1:9/n", 1))
            .await
            .unwrap_err();
        assert!(
            matches!(e.api(), Some(JsapiError::AppIdMchIdNotMatch { .. })),
            "{e}"
        );
        assert_eq!(status_of_last(&sim), Some(400));

        // An amount no order has (the bills' sums must not overflow).
        let e = pay
            .pay()
            .jsapi(jsapi("v3-huge", "http://127.0.0.1:9/n", i64::MAX))
            .await
            .unwrap_err();
        assert!(
            matches!(e.api(), Some(JsapiError::ParamError { .. })),
            "{e}"
        );
        assert_eq!(status_of_last(&sim), Some(400));

        // The merchant's own refusals.
        pay.pay()
            .jsapi(jsapi("v3-used", "http://127.0.0.1:9/n", 1))
            .await
            .unwrap();
        let e = pay
            .pay()
            .jsapi(jsapi("v3-used", "http://127.0.0.1:9/n", 2))
            .await
            .unwrap_err();
        assert!(
            matches!(e.api(), Some(JsapiError::OutTradeNoUsed { .. })),
            "{e}"
        );
        assert_eq!(status_of_last(&sim), Some(403));
        let e = pay
            .pay()
            .query_by_out_trade_no(QueryByOutTradeNoRequest::new("v3-nothing"))
            .await
            .unwrap_err();
        assert!(
            matches!(e.api(), Some(QueryByOutTradeNoError::OrderNotExist { .. })),
            "{e}"
        );
        assert_eq!(status_of_last(&sim), Some(404));
        let e = pay
            .refund()
            .create(CreateRequest::new(
                "r-x",
                RefundRequestAmount::new(1, 1),
                CreateOrder::out_trade_no("v3-nothing"),
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(e.api(), Some(CreateError::ResourceNotExists { .. })),
            "{e}"
        );
        assert_eq!(status_of_last(&sim), Some(404));
        let e = pay
            .refund()
            .create(CreateRequest::new(
                "r-y",
                RefundRequestAmount::new(1, 1),
                CreateOrder::out_trade_no("v3-used"),
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(e.api(), Some(CreateError::InvalidRequest { .. })),
            "unpaid: {e}"
        );
        let e = pay.certificates().download().await.unwrap_err();
        assert!(e.to_string().contains("RESOURCE_NOT_EXISTS"), "{e}");
        assert_eq!(status_of_last(&sim), Some(404));

        // Documented codes forced with fail_next, typed, each with its status; the
        // order is not placed by a forced failure (jsapi is not retried: not
        // idempotent), and a retryable code on an idempotent call is retried.
        sim.fail_next("wechatpay_v3:pay.close", "ORDERPAID", 1);
        let e = pay
            .pay()
            .close(CloseRequest::new("v3-used"))
            .await
            .unwrap_err();
        assert!(matches!(e.api(), Some(CloseError::OrderPaid { .. })), "{e}");
        assert_eq!(status_of_last(&sim), Some(403));
        sim.fail_next("refund.create", "NOT_ENOUGH", 1);
        let e = pay
            .refund()
            .create(CreateRequest::new(
                "r-z",
                RefundRequestAmount::new(1, 1),
                CreateOrder::out_trade_no("v3-used"),
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(e.api(), Some(CreateError::NotEnough { .. })),
            "{e}"
        );
        assert_eq!(status_of_last(&sim), Some(403));
        sim.fail_next("pay.jsapi", "FREQUENCY_LIMITED", 1);
        let e = pay
            .pay()
            .jsapi(jsapi("v3-busy", "http://127.0.0.1:9/n", 1))
            .await
            .unwrap_err();
        assert!(
            matches!(e.api(), Some(JsapiError::FrequencyLimited { .. })),
            "{e}"
        );
        assert_eq!(status_of_last(&sim), Some(429));
        sim.fail_next("pay.queryByOutTradeNo", "SYSTEM_ERROR", 1);
        let retried = pay
            .pay()
            .query_by_out_trade_no(QueryByOutTradeNoRequest::new("v3-used"))
            .await
            .unwrap();
        assert_eq!(retried.trade_state, TradeState::NotPay);
        let last_two: Vec<u16> = sim
            .requests()
            .iter()
            .rev()
            .take(2)
            .map(|r| r.status)
            .collect();
        assert_eq!(last_two, [200, 500]);
    })
    .await;
}

/// A signature probe is POSTed with `WECHATPAY/SIGNTEST/…`; a verifying merchant
/// refuses it, so it is not acknowledged.
#[tokio::test]
async fn a_signature_probe_is_refused_by_a_verifying_merchant() {
    bounded(async {
        let sim = start(WechatPayV3KeyMode::PublicKey).await;
        let pay = public_key_client(&sim);
        let (notify_url, seen) = notify_server(public_key_client(&sim)).await;
        pay.pay()
            .jsapi(jsapi("v3-probed", &notify_url, 1))
            .await
            .unwrap();
        let probe = sim.send_wechatpay_v3_probe("v3-probed").await.unwrap();
        assert!(!probe.acknowledged, "{probe:?}");
        assert_eq!(probe.status, Some(400));
        assert!(probe
            .headers
            .iter()
            .any(|(n, v)| n == "Wechatpay-Signature" && v.starts_with("WECHATPAY/SIGNTEST/")));
        match seen.lock().unwrap().as_slice() {
            [Seen::Refused(why)] => assert!(why.contains("probe"), "{why}"),
            other => panic!("{other:?}"),
        }
        // The order is untouched by a probe.
        assert_eq!(
            sim.wechatpay_v3_order("v3-probed").unwrap().trade_state,
            TradeState::NotPay
        );
    })
    .await;
}

/// A rotation: the new certificate signs; a client holding only the old one refuses
/// the answers ("no key for"), one that downloads the list again accepts them, and the
/// list names both until the old one expires.
#[tokio::test]
async fn a_rotated_certificate_needs_a_new_download() {
    bounded(async {
        let sim = start(WechatPayV3KeyMode::Certificate).await;
        let old = certificate_client(&sim).await;
        let old_serial = download_certificates(&sim).await[0].0.clone();
        old.pay()
            .jsapi(jsapi("v3-rot-1", "http://127.0.0.1:9/n", 1))
            .await
            .unwrap();

        // Over HTTP, as a backend in another language rotates it.
        let rotated: Value = http()
            .post(format!(
                "{}/_admin/wechatpay_v3/rotate-certificate",
                sim.base_url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let new_serial = rotated["serial_no"].as_str().unwrap().to_owned();
        assert_ne!(new_serial, old_serial);

        let e = old
            .pay()
            .query_by_out_trade_no(QueryByOutTradeNoRequest::new("v3-rot-1"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no key for"), "{e}");
        assert!(e.to_string().contains(&new_serial), "{e}");

        let listed: Vec<String> = download_certificates(&sim)
            .await
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(listed, [old_serial.clone(), new_serial.clone()]);
        let fresh = certificate_client(&sim).await;
        let answer = fresh
            .pay()
            .query_by_out_trade_no(QueryByOutTradeNoRequest::new("v3-rot-1"))
            .await
            .unwrap();
        assert_eq!(answer.trade_state, TradeState::NotPay);
        let shown = keys(&sim);
        assert_eq!(shown.platform_certificates.len(), 2);
        assert!(
            shown.platform_certificates[0].expire_time < shown.platform_certificates[1].expire_time
        );
        // Public-key mode has nothing to rotate.
        let pk = start(WechatPayV3KeyMode::PublicKey).await;
        assert!(pk.rotate_wechatpay_v3_certificate().is_err());
    })
    .await;
}

/// A client that downloads platform certificates itself (`download_platform_certificates`)
/// fetches the list at the first answer naming a serial it does not hold, and once more
/// after a rotation: the simulator's list, sealed and signed as WeChat Pay's, is what
/// the SDK's own download reads.
#[tokio::test]
async fn the_sdk_downloads_the_certificates_and_again_after_a_rotation() {
    bounded(async {
        let sim = start(WechatPayV3KeyMode::Certificate).await;
        let pay = builder(&sim)
            .download_platform_certificates()
            .try_build()
            .unwrap();
        pay.pay()
            .jsapi(jsapi("v3-dl-1", "http://127.0.0.1:9/n", 1))
            .await
            .unwrap();
        assert_eq!(sim.count("wechatpay_v3:certificates.download"), 1);
        let query = || {
            pay.pay()
                .query_by_out_trade_no(QueryByOutTradeNoRequest::new("v3-dl-1"))
        };
        query().await.unwrap();
        assert_eq!(
            sim.count("wechatpay_v3:certificates.download"),
            1,
            "held now"
        );
        sim.rotate_wechatpay_v3_certificate().unwrap();
        assert_eq!(query().await.unwrap().trade_state, TradeState::NotPay);
        assert_eq!(
            sim.count("wechatpay_v3:certificates.download"),
            2,
            "once more"
        );
    })
    .await;
}

/// A notification the merchant does not acknowledge is resent on the schedule, the
/// same notification (its id) signed afresh, until a 2xx acknowledges it; every POST is
/// in the deliveries.
#[tokio::test]
async fn an_unacknowledged_notification_is_resent_until_acknowledged() {
    bounded(async {
        let sim = Simulator::builder()
            .only(&["wechatpay_v3"])
            .wechatpay_v3_redelivery([Duration::from_millis(20), Duration::from_millis(20)])
            .start()
            .await
            .unwrap();
        let pay = public_key_client(&sim);
        let (notify, got) = merchant_failing_the_first().await;
        pay.pay()
            .jsapi(jsapi("v3-resent", &notify, 3))
            .await
            .unwrap();
        let first = sim.pay_wechatpay_v3_order("v3-resent").await.unwrap();
        assert!(
            !first.acknowledged && first.status == Some(500),
            "{first:?}"
        );
        let mut deliveries = sim.wechatpay_v3_deliveries();
        while deliveries.len() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            deliveries = sim.wechatpay_v3_deliveries();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let deliveries = sim.wechatpay_v3_deliveries();
        let attempts: Vec<(u32, bool)> = deliveries
            .iter()
            .map(|d| (d.attempt, d.notified.acknowledged))
            .collect();
        assert_eq!(
            attempts,
            [(1, false), (2, true)],
            "acknowledged: no third POST"
        );
        assert_eq!(deliveries[0].id, deliveries[1].id);
        let got = got.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        for (headers, body) in &got {
            let verified = pay.verify_payment_notification(headers, body).unwrap();
            assert_eq!(verified.id, deliveries[0].id);
        }
        let signature = |headers: &HeaderMap| headers["wechatpay-signature"].clone();
        assert_ne!(signature(&got[0].0), signature(&got[1].0), "signed afresh");
    })
    .await;
}

/// What a merchant's notify server received: each POST's headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A merchant's notify server on 127.0.0.1 that answers the first notification with a
/// 500 and acknowledges the rest with a 204; its `notify_url` and what it received.
async fn merchant_failing_the_first() -> (String, Received) {
    let got: Received = Arc::default();
    let handler = {
        let got = got.clone();
        move |headers: HeaderMap, body: Bytes| {
            let got = got.clone();
            async move {
                let mut got = got.lock().unwrap();
                got.push((headers, body));
                match got.len() {
                    1 => StatusCode::INTERNAL_SERVER_ERROR,
                    _ => StatusCode::NO_CONTENT,
                }
            }
        }
    };
    let app = axum::Router::new().route("/n", post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify = format!("http://{}/n", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (notify, got)
}

/// The binary, over HTTP only: keys from the admin API, one request signed by hand, its
/// signed answer verified by hand, an order paid through the admin API.
#[tokio::test]
async fn the_binary_serves_wechatpay_v3_over_http() {
    bounded(async {
        let server = Server::start(&["--only", "wechatpay_v3"]);
        let http = http();
        let k: Value = http
            .get(format!("{}/_admin/wechatpay_v3/keys", server.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(k["key_mode"], "public-key");
        let text = |name: &str| k[name].as_str().unwrap().to_owned();
        let signer = Who {
            mchid: text("merchant_id"),
            serial: text("merchant_serial"),
        };
        let private_key = text("merchant_private_key");
        let (app_id, mchid) = (text("app_id"), text("merchant_id"));
        let (public_key_id, public_key) = (
            text("wechatpay_public_key_id"),
            text("wechatpay_public_key"),
        );
        let body = json!({
            "appid": app_id,
            "mchid": mchid,
            "description": "by hand",
            "out_trade_no": "v3-bin-1",
            "notify_url": "http://127.0.0.1:9/n",
            "amount": {"total": 7, "currency": "CNY"},
            "payer": {"openid": "o-by-hand"},
        })
        .to_string();
        let target = "/v3/pay/transactions/jsapi";
        let response = http
            .post(format!("{}{target}", server.url))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header(
                "Authorization",
                authorization(&signer, &private_key, "POST", target, &body),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["wechatpay-serial"].to_str().unwrap(),
            public_key_id
        );
        let headers = response.headers().clone();
        let answer = response.bytes().await.unwrap();
        verify_by_hand(&headers, &answer, &public_key);
        let prepay: Value = serde_json::from_slice(&answer).unwrap();
        assert!(prepay["prepay_id"].as_str().unwrap().starts_with("wx"));

        // A merchant server that acknowledges with 204.
        let app = axum::Router::new().route("/n", post(|| async { StatusCode::NO_CONTENT }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let notify = format!("http://{}/n", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let body = json!({
            "appid": app_id, "mchid": mchid, "description": "d",
            "out_trade_no": "v3-bin-2", "notify_url": notify, "amount": {"total": 1},
        })
        .to_string();
        let target = "/v3/pay/transactions/native";
        let response = http
            .post(format!("{}{target}", server.url))
            .header("Content-Type", "application/json")
            .header(
                "Authorization",
                authorization(&signer, &private_key, "POST", target, &body),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let paid: Value = http
            .post(format!(
                "{}/_admin/wechatpay_v3/orders/v3-bin-2/pay",
                server.url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(paid["acknowledged"], true, "{paid}");
        assert_eq!(paid["status"], 204);
        let order: Value = http
            .get(format!(
                "{}/_admin/wechatpay_v3/orders/v3-bin-2",
                server.url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(order["trade_state"], "SUCCESS");
        // The same request, signed by hand with a wrong key: 401 SIGN_ERROR, signed.
        let target = "/v3/pay/transactions/out-trade-no/v3-bin-2?mchid=".to_owned() + &mchid;
        let response = http
            .get(format!("{}{target}", server.url))
            .header(
                "Authorization",
                authorization(&signer, WECHATPAY_PRIVATE_KEY, "GET", &target, ""),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let headers = response.headers().clone();
        let refused = response.bytes().await.unwrap();
        verify_by_hand(&headers, &refused, &public_key);
        assert!(String::from_utf8_lossy(&refused).contains("SIGN_ERROR"));
    })
    .await;
}

/// The binary's WeChat Pay API v3 flags take effect: requests are checked with the
/// merchant key and serial given (a PEM file), notifications are sealed with the APIv3
/// key given and resent on the schedule given; an APIv3 key of the wrong length is a
/// usage error (status 2).
#[tokio::test]
async fn the_binarys_wechatpay_v3_flags_set_keys_and_resends() {
    bounded(async {
        const KEY: &str = "0123456789abcdefghijklmnopqrstuv";
        let pem = std::env::temp_dir().join(format!("miniapp-sim-v3-{}.pem", std::process::id()));
        std::fs::write(&pem, miniapp_simulator::wechatpay_v3::MERCHANT_PUBLIC_KEY).unwrap();
        let server = Server::start(&[
            "--only",
            "wechatpay_v3",
            "--wechatpay-v3-api-v3-key",
            KEY,
            "--wechatpay-v3-merchant-serial",
            "0A1B2C",
            "--wechatpay-v3-merchant-public-key",
            pem.to_str().unwrap(),
            "--wechatpay-v3-redelivery",
            "50ms",
        ]);
        let http = http();
        let k: Value = http
            .get(format!("{}/_admin/wechatpay_v3/keys", server.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (&k["api_v3_key"], &k["merchant_serial"]),
            (&json!(KEY), &json!("0A1B2C"))
        );
        let signer = Who {
            mchid: k["merchant_id"].as_str().unwrap().to_owned(),
            serial: "0A1B2C".to_owned(),
        };

        let (notify, got) = merchant_failing_the_first().await;

        let body = json!({
            "appid": k["app_id"], "mchid": signer.mchid, "description": "d",
            "out_trade_no": "v3-flags", "notify_url": notify, "amount": {"total": 5},
        })
        .to_string();
        let target = "/v3/pay/transactions/native";
        let placed = http
            .post(format!("{}{target}", server.url))
            .header("Content-Type", "application/json")
            .header(
                "Authorization",
                authorization(&signer, MERCHANT_PRIVATE_KEY, "POST", target, &body),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(placed.status(), 200);
        let paid = http
            .post(format!(
                "{}/_admin/wechatpay_v3/orders/v3-flags/pay",
                server.url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(paid.status(), 200);
        while got.lock().unwrap().len() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let resent: Value = serde_json::from_slice(&got.lock().unwrap()[1].1).unwrap();
        let resource = &resent["resource"];
        let sealed = |key: &str| {
            ApiV3Key::new(key).unwrap().decrypt(
                resource["nonce"].as_str().unwrap(),
                resource["associated_data"].as_str().unwrap_or_default(),
                resource["ciphertext"].as_str().unwrap(),
            )
        };
        let transaction: Value = serde_json::from_slice(&sealed(KEY).unwrap()).unwrap();
        assert_eq!(transaction["out_trade_no"], "v3-flags");
        let default_key = miniapp_simulator::wechatpay_v3::API_V3_KEY;
        assert!(sealed(default_key).is_err(), "sealed with the key given");
        let _ = std::fs::remove_file(pem);

        let out = std::process::Command::new(BINARY)
            .args(["--port", "0", "--wechatpay-v3-api-v3-key", "short"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("32"), "{said}");
    })
    .await;
}

const BINARY: &str = env!("CARGO_BIN_EXE_miniapp-simulator");
const LISTENING: &str = "miniapp simulator listening on ";

/// The running binary; dropping it kills it, so a failing test leaks no process.
struct Server {
    child: std::process::Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on any free port and waits for its listening line.
    fn start(args: &[&str]) -> Server {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(BINARY)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (first, rest) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first.send(lines.next());
            // Drained so that the binary never blocks on a full pipe.
            lines.for_each(drop);
        });
        let mut server = Server {
            child,
            url: String::new(),
        };
        let line = rest
            .recv_timeout(Duration::from_secs(5))
            .expect("a first line within 5 s")
            .expect("stdout is open")
            .expect("stdout is text");
        server.url = line
            .strip_prefix(LISTENING)
            .unwrap_or_else(|| panic!("the first line says where it listens: {line:?}"))
            .to_owned();
        server
    }
}
