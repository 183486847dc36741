//! RSA2 (SHA256withRSA, 2048-bit) as the Alipay client does it — signing a request's
//! string to sign, verifying a signature — to set beside `openssl speed rsa2048` on the
//! same machine, and the whole check of a 2 KB answer: the raw scan for the
//! `_response` member, the signature over its exact text, the typed decode.
//! Run: `cargo bench --features alipay --bench alipay` (then `openssl speed rsa2048`).

use criterion::{criterion_group, criterion_main, Criterion};
use miniapp::__private::envelopes::{Alipay, Decoder};
use miniapp::__private::raw_json::member;
use miniapp::__private::RawResponse;
use miniapp::alipay::trade::QueryRequest;
use miniapp::alipay::{Client, ENVELOPE};
use miniapp::crypto::rsa::{PrivateKey, PublicKey};
use std::hint::black_box;

fn vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/alipay_vectors/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// A signed `alipay.trade.query` answer of about 2 KB (a long fund bill list).
fn answer(alipay: &PrivateKey) -> Vec<u8> {
    let bills: Vec<String> = (0..28)
        .map(|i| format!(r#"{{"fund_channel":"ALIPAYACCOUNT","amount":"{i}.01"}}"#))
        .collect();
    let content = format!(
        r#"{{"code":"10000","msg":"Success","trade_no":"2023122122001499160501586202","out_trade_no":"1703141270","buyer_logon_id":"ifv***@sandbox.com","trade_status":"TRADE_SUCCESS","total_amount":"406.28","receipt_amount":"406.28","send_pay_date":"2023-12-21 14:48:36","fund_bill_list":[{}]}}"#,
        bills.join(",")
    );
    let sign = alipay.sign(content.as_bytes()).unwrap();
    format!(r#"{{"alipay_trade_query_response":{content},"sign":"{sign}"}}"#).into_bytes()
}

fn rsa2(c: &mut Criterion) {
    let key = PrivateKey::parse(&vector("A.app_private_key.pem_pkcs1")).unwrap();
    let public = PublicKey::parse(&vector("A.app_public_key.pem")).unwrap();
    let message = vector("A.sign.signstr");
    let signature = key.sign(message.as_bytes()).unwrap();
    let mut g = c.benchmark_group("rsa2048");
    g.bench_function("sign", |b| {
        b.iter(|| key.sign(black_box(message.as_bytes())).unwrap())
    });
    g.bench_function("verify", |b| {
        b.iter(|| {
            public
                .verify(black_box(message.as_bytes()), &signature)
                .unwrap()
        })
    });
    g.finish();
}

fn answer_check(c: &mut Criterion) {
    let alipay = PrivateKey::parse(&vector("fz.app_private_key.pem_pkcs1")).unwrap();
    let body = answer(&alipay);
    assert!((1900..2300).contains(&body.len()), "{} bytes", body.len());
    let ali = Client::new(
        "9021000122682882",
        vector("A.app_private_key.pem_pkcs1"),
        vector("fz.app_public_key.pem"),
    )
    .unwrap();
    let raw = RawResponse::new(200, Some("text/html;charset=utf-8"), body.clone());
    let text = std::str::from_utf8(&body).unwrap();
    let mut g = c.benchmark_group("alipay_answer_2kb");
    g.bench_function("raw_scan", |b| {
        b.iter(|| member(black_box(text), "alipay_trade_query_response").unwrap())
    });
    g.bench_function("scan_verify_decode", |b| {
        b.iter(|| {
            Alipay::decode::<QueryRequest, _>(&ENVELOPE, black_box(raw.clone()), ali.signer())
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, rsa2, answer_check);
criterion_main!(benches);
