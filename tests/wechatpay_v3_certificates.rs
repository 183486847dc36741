//! Certificate mode with downloads, against a real HTTP server on 127.0.0.1: a client
//! that holds no platform certificate downloads them when an answer names one, checks
//! the download with its own signature, verifies the same answer again (the order is
//! never resent); concurrent callers share one download; a rotated serial makes it
//! download once more; a download signed by nobody it lists is refused; instances that
//! share a token store (memory, or a real `redis-server`) download once per rotation,
//! and replace a store entry that is not a download sealed with their APIv3 key. The
//! certificates are sealed here with ring (AES-256-GCM), independently of the SDK.
#![cfg(feature = "wechatpay_v3")]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use miniapp::token::{AccessToken, MemoryStore, TokenStore};
use miniapp::wechatpay_v3::pay::{JsapiRequest, OrderAmount, Payer};
use miniapp::wechatpay_v3::Client;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::signature::{self, RsaKeyPair};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MERCHANT_SERIAL: &str = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";

fn vector(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/wechatpay_v3/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// wechatpay-go's K1 key: both published certificates (D7CE…, F576…) hold it, which
/// makes a rotation from one serial to the other.
fn platform_key() -> RsaKeyPair {
    let der: String = vector("K1.private_key.pem_pkcs8")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// WeChat Pay's four signature headers over `body`, signed by the certificate `serial`.
fn signature_headers(body: &str, serial: &str) -> Vec<(&'static str, String)> {
    let (ts, nonce) = (now().to_string(), "a-nonce-of-thirty-two-characters");
    let message = format!("{ts}\n{nonce}\n{body}\n");
    let key = platform_key();
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message.as_bytes(),
        &mut sig,
    )
    .unwrap();
    vec![
        ("Wechatpay-Timestamp", ts),
        ("Wechatpay-Nonce", nonce.to_owned()),
        ("Wechatpay-Serial", serial.to_owned()),
        ("Wechatpay-Signature", STANDARD.encode(sig)),
    ]
}

fn signed(status: u16, body: String, serial: &str) -> ResponseTemplate {
    let headers = signature_headers(&body, serial);
    let mut template = ResponseTemplate::new(status).set_body_raw(body, "application/json");
    for (name, value) in headers {
        template = template.insert_header(name, value.as_str());
    }
    template
}

/// `plain` sealed with the APIv3 key by ring, as WeChat Pay's `resource` and
/// `encrypt_certificate` objects carry it.
fn seal(plain: &str, nonce: &str, associated_data: &str) -> serde_json::Value {
    let key =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, vector("K2.apiv3_key").as_bytes()).unwrap());
    let mut data = plain.as_bytes().to_vec();
    key.seal_in_place_append_tag(
        Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
        Aad::from(associated_data.as_bytes()),
        &mut data,
    )
    .unwrap();
    serde_json::json!({
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": nonce,
        "associated_data": associated_data,
        "ciphertext": STANDARD.encode(data),
    })
}

/// The download: the listed serials' certificates, signed with the key by `signer`.
struct Download {
    serials: Vec<&'static str>,
    signer: &'static str,
    hits: Arc<AtomicUsize>,
}

impl Respond for Download {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let data: Vec<_> = self
            .serials
            .iter()
            .enumerate()
            .map(|(i, serial)| {
                serde_json::json!({
                    "serial_no": serial,
                    "effective_time": "2021-04-27T16:55:23+08:00",
                    "expire_time": "2031-04-25T16:55:23+08:00",
                    "encrypt_certificate": seal(&vector(&format!("K1.cert_{serial}.pem")), &format!("certnonce{i:03}"), "certificate"),
                })
            })
            .collect();
        signed(
            200,
            serde_json::json!({ "data": data }).to_string(),
            self.signer,
        )
    }
}

struct Order {
    serial: &'static str,
}

impl Respond for Order {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        signed(
            200,
            r#"{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}"#.into(),
            self.serial,
        )
    }
}

async fn server(
    listed: Vec<&'static str>,
    download_signer: &'static str,
    order_serial: &'static str,
) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let hits = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/v3/certificates"))
        .respond_with(Download {
            serials: listed,
            signer: download_signer,
            hits: hits.clone(),
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/pay/transactions/jsapi"))
        .respond_with(Order {
            serial: order_serial,
        })
        .mount(&server)
        .await;
    (server, hits)
}

fn client(server: &MockServer) -> Client {
    sharing(server, None)
}

/// A client whose downloads are kept in `store` (memory of its own when `None`).
fn sharing(server: &MockServer, store: Option<Arc<dyn TokenStore>>) -> Client {
    let builder = Client::builder(
        "wxd678efh567hg6787",
        "1234567891",
        MERCHANT_SERIAL,
        vector("K2.merchant_private_key.pem"),
    )
    .api_v3_key(vector("K2.apiv3_key"))
    .download_platform_certificates()
    .base_url(server.uri());
    match store {
        Some(store) => builder.token_store(store),
        None => builder,
    }
    .try_build()
    .unwrap()
}

fn order() -> JsapiRequest {
    JsapiRequest::new(
        "商品",
        "1217752501201407033233368018",
        "https://example.com/notify",
        OrderAmount::new(1),
        Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    )
}

async fn orders_sent(server: &MockServer) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.url.path() == "/v3/pay/transactions/jsapi")
        .count()
}

#[tokio::test]
async fn the_first_answer_naming_a_certificate_downloads_it_and_is_verified_again() {
    let (server, downloads) = server(
        vec!["D7CE59D1F522D701"],
        "D7CE59D1F522D701",
        "D7CE59D1F522D701",
    )
    .await;
    let client = client(&server);
    let answer = client.pay().jsapi(order()).await.unwrap();
    assert_eq!(answer.prepay_id, "wx26112221580621e9b071c00d9e093b0000");
    assert_eq!(downloads.load(Ordering::SeqCst), 1);
    assert_eq!(orders_sent(&server).await, 1, "the order is never resent");
    // Held now: no more downloads.
    client.pay().jsapi(order()).await.unwrap();
    assert_eq!(downloads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn concurrent_callers_share_one_download() {
    let (server, downloads) = server(
        vec!["D7CE59D1F522D701"],
        "D7CE59D1F522D701",
        "D7CE59D1F522D701",
    )
    .await;
    let client = client(&server);
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.pay().jsapi(order()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(downloads.load(Ordering::SeqCst), 1, "single flight");
}

#[tokio::test]
async fn a_rotated_serial_downloads_again_and_both_are_kept() {
    let (server, downloads) = server(
        vec!["D7CE59D1F522D701"],
        "D7CE59D1F522D701",
        "D7CE59D1F522D701",
    )
    .await;
    let client = client(&server);
    client.pay().jsapi(order()).await.unwrap();
    // WeChat Pay publishes the next certificate beside the old one and starts signing
    // with it.
    let hits = rotate(&server).await;
    client.pay().jsapi(order()).await.unwrap();
    assert_eq!(
        downloads.load(Ordering::SeqCst) + hits.load(Ordering::SeqCst),
        2
    );
    assert_eq!(
        client.signer().platform_keys().certificate_serials(),
        ["D7CE59D1F522D701", "F5765756002FDD77"]
    );
}

#[tokio::test]
async fn a_download_not_signed_by_what_it_lists_is_refused() {
    // Signed under a serial the download does not list: nothing is installed, and the
    // order's answer stays unverified.
    let (server, downloads) = server(
        vec!["D7CE59D1F522D701"],
        "F5765756002FDD77",
        "D7CE59D1F522D701",
    )
    .await;
    let client = client(&server);
    let e = client.pay().jsapi(order()).await.unwrap_err();
    assert!(e.to_string().contains("no key for"), "{e}");
    assert_eq!(downloads.load(Ordering::SeqCst), 1);
    let e = client.refresh_platform_keys().await.unwrap_err();
    assert!(e.reason.contains("not signed by WeChat Pay"), "{e}");
    assert!(client
        .signer()
        .platform_keys()
        .certificate_serials()
        .is_empty());
}

#[tokio::test]
async fn download_mode_needs_the_apiv3_key() {
    let e = Client::builder(
        "wxd678efh567hg6787",
        "1234567891",
        MERCHANT_SERIAL,
        vector("K2.merchant_private_key.pem"),
    )
    .download_platform_certificates()
    .try_build()
    .unwrap_err();
    assert!(e.reason.contains("APIv3 key"), "{e}");
}

/// WeChat Pay starts signing with the next certificate and lists both.
async fn rotate(server: &MockServer) -> Arc<AtomicUsize> {
    server.reset().await;
    let hits = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/v3/certificates"))
        .respond_with(Download {
            serials: vec!["D7CE59D1F522D701", "F5765756002FDD77"],
            signer: "F5765756002FDD77",
            hits: hits.clone(),
        })
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/pay/transactions/jsapi"))
        .respond_with(Order {
            serial: "F5765756002FDD77",
        })
        .mount(server)
        .await;
    hits
}

/// Two instances of a service (two clients, as two processes would build them) share
/// `store`: the first download serves both, and so does the one after a rotation.
async fn instances_download_once_per_rotation(store: Arc<dyn TokenStore>) {
    let (server, downloads) = server(
        vec!["D7CE59D1F522D701"],
        "D7CE59D1F522D701",
        "D7CE59D1F522D701",
    )
    .await;
    let first = sharing(&server, Some(store.clone()));
    let second = sharing(&server, Some(store.clone()));
    first.pay().jsapi(order()).await.unwrap();
    second.pay().jsapi(order()).await.unwrap();
    assert_eq!(downloads.load(Ordering::SeqCst), 1, "one download for both");
    assert_eq!(
        second.signer().platform_keys().certificate_serials(),
        ["D7CE59D1F522D701"]
    );

    let hits = rotate(&server).await;
    first.pay().jsapi(order()).await.unwrap();
    second.pay().jsapi(order()).await.unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1, "one download per rotation");
    for client in [&first, &second] {
        assert_eq!(
            client.signer().platform_keys().certificate_serials(),
            ["D7CE59D1F522D701", "F5765756002FDD77"]
        );
    }
    // A third instance started later takes the kept download as it is.
    let third = sharing(&server, Some(store));
    third.pay().jsapi(order()).await.unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn instances_sharing_a_memory_store_download_once_per_rotation() {
    instances_download_once_per_rotation(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn a_store_entry_that_is_not_a_sealed_download_is_replaced_by_a_download() {
    let (server, downloads) = server(
        vec!["D7CE59D1F522D701"],
        "D7CE59D1F522D701",
        "D7CE59D1F522D701",
    )
    .await;
    let store = Arc::new(MemoryStore::new());
    let key = "wechatpay_v3:platform-keys:1234567891";
    // Someone who can write the store but holds no APIv3 key plants an entry.
    let forged = serde_json::json!({
        "status": 200,
        "headers": [["wechatpay-timestamp", now().to_string()]],
        "body": STANDARD.encode(br#"{"data":[{"serial_no":"D7CE59D1F522D701","encrypt_certificate":{"algorithm":"AEAD_AES_256_GCM","nonce":"aaaaaaaaaaaa","associated_data":"certificate","ciphertext":"AAAAAAAAAAAAAAAAAAAAAA=="}}]}"#),
    })
    .to_string();
    store
        .put(
            key,
            &AccessToken::expiring_in(forged.clone(), Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let client = sharing(&server, Some(store.clone()));
    assert_eq!(client.refresh_platform_keys().await.unwrap(), 1);
    assert_eq!(downloads.load(Ordering::SeqCst), 1, "downloaded instead");
    assert_eq!(
        client.signer().platform_keys().certificate_serials(),
        ["D7CE59D1F522D701"]
    );
    let kept = store.get(key).await.unwrap().expect("the download is kept");
    assert_ne!(kept.secret(), forged);
}

#[cfg(feature = "redis")]
mod redis_support;

#[cfg(feature = "redis")]
#[tokio::test]
async fn instances_sharing_redis_download_once_per_rotation() {
    let Some(redis) = redis_support::RedisServer::start().await else {
        return;
    };
    let store = miniapp::token::RedisStore::new(&redis.url()).unwrap();
    instances_download_once_per_rotation(Arc::new(store)).await;
}

/// A payment notification signed by the certificate `serial`.
fn notification(serial: &str) -> (http::HeaderMap, String) {
    let transaction = serde_json::json!({
        "appid": "wxd678efh567hg6787", "mchid": "1234567891",
        "out_trade_no": "1217752501201407033233368018",
        "transaction_id": "4200000000000000000000000001",
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
        "bank_type": "OTHERS", "success_time": "2018-06-08T10:34:56+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"},
    });
    let body = serde_json::json!({
        "id": "EV-2018022511223320873", "create_time": "2018-06-08T10:34:56+08:00",
        "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": seal(&transaction.to_string(), "notifynonce1", "transaction"),
    })
    .to_string();
    let mut headers = http::HeaderMap::new();
    for (name, value) in signature_headers(&body, serial) {
        headers.insert(name, value.parse().unwrap());
    }
    (headers, body)
}

#[tokio::test]
async fn a_notification_naming_a_new_certificate_refreshes_at_most_once_a_minute() {
    let (server, downloads) = server(
        vec!["D7CE59D1F522D701"],
        "D7CE59D1F522D701",
        "D7CE59D1F522D701",
    )
    .await;
    let client = client(&server);
    client.refresh_platform_keys().await.unwrap();
    let (headers, body) = notification("D7CE59D1F522D701");
    assert!(
        !client.refresh_keys_named_by(&headers).await.unwrap(),
        "held"
    );
    client
        .verify_payment_notification(&headers, body.as_bytes())
        .unwrap();

    let hits = rotate(&server).await;
    let (headers, body) = notification("F5765756002FDD77");
    let e = client
        .verify_payment_notification(&headers, body.as_bytes())
        .unwrap_err();
    assert!(e.to_string().contains("F5765756002FDD77"), "{e}");
    assert!(client.refresh_keys_named_by(&headers).await.unwrap());
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let paid = client
        .verify_payment_notification(&headers, body.as_bytes())
        .unwrap();
    assert_eq!(paid.resource.out_trade_no, "1217752501201407033233368018");

    // Anyone can name a serial: a burst of forged ones costs no more downloads.
    let (headers, _) = notification("0123456789ABCDEF");
    for _ in 0..5 {
        assert!(!client.refresh_keys_named_by(&headers).await.unwrap());
    }
    assert_eq!(
        hits.load(Ordering::SeqCst) + downloads.load(Ordering::SeqCst),
        2
    );
}
