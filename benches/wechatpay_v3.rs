//! WeChat Pay API v3 beside the cryptography it cannot avoid, side by side in one run:
//! - signing a request (the JSAPI order of the published vector: text built from the
//!   encoded request, nonce, SHA256withRSA, the Authorization header) against one
//!   RSA-2048 sign of the same text with the same parsed key;
//! - verifying an answer (headers read, timestamp skew, key chosen by serial, the text
//!   rebuilt, the signature) against one RSA verify of the same text;
//! - a payment notification (size bound, verify, JSON envelope, AES-256-GCM open, typed
//!   transaction, merchant and app checks) against one RSA verify plus one AES-256-GCM
//!   open of the same resource.
//!
//! Run: `cargo bench --features wechatpay_v3 --bench wechatpay_v3`.

use criterion::{criterion_group, criterion_main, Criterion};
use miniapp::__private::{HttpMethod, RawResponse, Signer, WireBody, WireRequest};
use miniapp::crypto::aead::ApiV3Key;
use miniapp::crypto::rsa::{PrivateKey, PublicKey};
use miniapp::wechatpay_v3::Client;
use reqwest::header::{HeaderMap, HeaderValue};
use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";

fn vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/wechatpay_v3/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn client() -> Client {
    Client::builder(
        "wxd678efh567hg6787",
        "1234567891",
        "5F1C72E2A8931B72A2E13AF8DEE92471EB397115",
        vector("K2.merchant_private_key.pem"),
    )
    .wechatpay_public_key(PUBLIC_KEY_ID, vector("K2.wechatpay_public_key.pem"))
    .api_v3_key(vector("K2.apiv3_key"))
    .try_build()
    .unwrap()
}

/// Headers WeChat Pay would send with `body`, signed now with its key.
fn signed_headers(body: &[u8]) -> (HeaderMap, String, String) {
    let wechatpay = PrivateKey::parse(&vector("K2.wechatpay_private_key.pem")).unwrap();
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    let mut message = format!("{ts}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let signature = wechatpay.sign(&message).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("wechatpay-timestamp", HeaderValue::from_str(&ts).unwrap());
    headers.insert("wechatpay-nonce", HeaderValue::from_static(nonce));
    headers.insert(
        "wechatpay-signature",
        HeaderValue::from_str(&signature).unwrap(),
    );
    headers.insert("wechatpay-serial", HeaderValue::from_static(PUBLIC_KEY_ID));
    headers.insert(
        "wechatpay-signature-type",
        HeaderValue::from_static("WECHATPAY2-SHA256-RSA2048"),
    );
    (headers, String::from_utf8(message).unwrap(), signature)
}

fn signing(c: &mut Criterion) {
    let client = client();
    let key = PrivateKey::parse(&vector("K2.merchant_private_key.pem")).unwrap();
    let body = bytes::Bytes::from(vector("D.jsapi.body"));
    let url =
        reqwest::Url::parse("https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi").unwrap();
    let text = vector("D.jsapi.signstr");
    let mut group = c.benchmark_group("v3 request signing");
    group.bench_function("RSA-2048 sign alone", |b| {
        b.iter(|| black_box(key.sign(black_box(text.as_bytes())).unwrap()))
    });
    group.bench_function("SDK sign_request", |b| {
        b.iter(|| {
            let mut wire = WireRequest::new("pay.jsapi", HttpMethod::Post, url.clone());
            wire.body = WireBody::Bytes {
                content_type: "application/json",
                bytes: body.clone(),
            };
            client.signer().sign_request(&mut wire).unwrap();
            black_box(wire)
        })
    });
    group.finish();
}

fn verifying(c: &mut Criterion) {
    let client = client();
    let public = PublicKey::parse(&vector("K2.wechatpay_public_key.pem")).unwrap();
    let body = br#"{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}"#;
    let (headers, message, signature) = signed_headers(body);
    let raw = RawResponse {
        status: 200,
        headers,
        body: bytes::Bytes::from_static(body),
    };
    let mut group = c.benchmark_group("v3 answer verification");
    group.bench_function("RSA verify alone", |b| {
        b.iter(|| {
            public
                .verify(black_box(message.as_bytes()), black_box(&signature))
                .unwrap()
        })
    });
    group.bench_function("SDK verify_answer", |b| {
        b.iter(|| client.signer().verify_answer(black_box(&raw)).unwrap())
    });
    group.finish();
}

fn notification(c: &mut Criterion) {
    let client = client();
    let public = PublicKey::parse(&vector("K2.wechatpay_public_key.pem")).unwrap();
    let aead = ApiV3Key::new(&vector("K2.apiv3_key")).unwrap();
    let body = vector("D.pay_notify.body");
    let (headers, message, signature) = signed_headers(body.as_bytes());
    let envelope: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ciphertext = envelope["resource"]["ciphertext"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut group = c.benchmark_group("v3 payment notification");
    group.bench_function("RSA verify + AES-256-GCM open alone", |b| {
        b.iter(|| {
            public.verify(message.as_bytes(), &signature).unwrap();
            black_box(
                aead.decrypt("fdasflkja484", "transaction", &ciphertext)
                    .unwrap(),
            )
        })
    });
    group.bench_function("SDK verify_payment_notification", |b| {
        b.iter(|| {
            black_box(
                client
                    .verify_payment_notification(black_box(&headers), black_box(body.as_bytes()))
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, signing, verifying, notification);
criterion_main!(benches);
