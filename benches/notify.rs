//! Checking a payment notification through the facade (`miniapp::payment`), beside the
//! one cryptographic operation it cannot avoid, in one run:
//! - Alipay: the whole check (content type, form parse, duplicate names, `sign_type`,
//!   the RSA2 signature over the sorted parameters, `app_id`, typed fields with amounts
//!   in fen, the unified result) against one RSA2 verify of the same string to sign with
//!   the same parsed key;
//! - WeChat Pay: the whole check against a hand-written quick-xml parse + MD5 sign.
//!
//! Run: `cargo bench --features payment --bench notify`.

use criterion::{criterion_group, criterion_main, Criterion};
use miniapp::crypto::rsa::{PrivateKey, PublicKey};
use miniapp::payment::{NotifyRequest, Payment};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use std::hint::black_box;

fn vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/alipay_vectors/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

const APP_ID: &str = "9021000122682882";

/// The parameters of a paid trade's notification, as in Alipay's notification docs
/// (25 parameters, about 1.3 KB as a form).
fn paid_trade() -> Vec<(&'static str, String)> {
    [
        ("gmt_create", "2023-12-21 14:48:30"),
        ("charset", "utf-8"),
        ("seller_email", "merchant@example.com"),
        ("subject", "年卡会员 12 个月"),
        ("buyer_id", "2088102177846880"),
        ("invoice_amount", "406.28"),
        ("notify_id", "2023122100222144836024751448898881"),
        (
            "fund_bill_list",
            r#"[{"amount":"406.28","fundChannel":"ALIPAYACCOUNT"}]"#,
        ),
        ("notify_type", "trade_status_sync"),
        ("trade_status", "TRADE_SUCCESS"),
        ("receipt_amount", "406.28"),
        ("buyer_pay_amount", "406.28"),
        ("app_id", APP_ID),
        ("sign_type", "RSA2"),
        ("seller_id", "2088102176027680"),
        ("gmt_payment", "2023-12-21 14:48:36"),
        ("notify_time", "2023-12-21 14:48:37"),
        ("version", "1.0"),
        ("out_trade_no", "1703141270"),
        ("total_amount", "406.28"),
        ("trade_no", "2023122122001499160501586202"),
        ("auth_app_id", APP_ID),
        ("buyer_logon_id", "ifv***@sandbox.com"),
        ("point_amount", "0.00"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

/// Alipay's string to sign of a notification: sorted, without `sign` and `sign_type`.
fn string_to_sign(params: &[(&str, String)]) -> String {
    let mut pairs: Vec<_> = params
        .iter()
        .filter(|(k, v)| *k != "sign" && *k != "sign_type" && !v.is_empty())
        .collect();
    pairs.sort();
    let parts: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join("&")
}

fn alipay(c: &mut Criterion) {
    let alipay_key = PrivateKey::parse(&vector("fz.app_private_key.pem_pkcs1")).unwrap();
    let alipay_public = PublicKey::parse(&vector("fz.app_public_key.pem")).unwrap();
    let mut params = paid_trade();
    let message = string_to_sign(&params);
    let signature = alipay_key.sign(message.as_bytes()).unwrap();
    params.push(("sign", signature.clone()));
    let body = serde_urlencoded::to_string(&params).unwrap().into_bytes();
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    let client = miniapp::alipay::Client::new(
        APP_ID,
        vector("A.app_private_key.pem_pkcs1"),
        vector("fz.app_public_key.pem"),
    )
    .unwrap();
    let payment = Payment::from_alipay(client);
    // The bench measures a notification that passes every check.
    let verified = payment
        .verify_payment_notify(NotifyRequest::new(&headers, &body))
        .unwrap();
    assert_eq!(verified.notification.total_fee, 40628);

    let mut g = c.benchmark_group("alipay_notification");
    g.bench_function("rsa2_verify_alone", |b| {
        b.iter(|| {
            alipay_public
                .verify(black_box(message.as_bytes()), black_box(&signature))
                .unwrap()
        })
    });
    g.bench_function("facade_verify_payment_notify", |b| {
        b.iter(|| {
            payment
                .verify_payment_notify(NotifyRequest::new(&headers, black_box(&body)))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, alipay);
criterion_main!(benches);
