//! API v3 notifications and client payment parameters: the published TRANSACTION.SUCCESS
//! notification verified and decrypted byte for byte, fresh ones signed here with
//! WeChat Pay's key (ring), refund notifications, and every refusal with its reason;
//! `paySign` and the App `sign` equal to the published values.
#![cfg(feature = "wechatpay_v3")]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::{HeaderMap, HeaderValue};
use miniapp::wechatpay_v3::{
    reply_fail, reply_success, Client, NotifyError, Rejected, MAX_NOTIFICATION_BYTES,
};
use ring::signature::{self, RsaKeyPair};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";

fn vector(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/wechatpay_v3/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn client_with(mchid: &str, api_v3_key: Option<&str>) -> Client {
    let mut builder = Client::builder(
        "wxd678efh567hg6787",
        mchid,
        "5F1C72E2A8931B72A2E13AF8DEE92471EB397115",
        vector("K2.merchant_private_key.pem"),
    )
    .wechatpay_public_key(PUBLIC_KEY_ID, vector("K2.wechatpay_public_key.pem"));
    if let Some(key) = api_v3_key {
        builder = builder.api_v3_key(key);
    }
    builder.try_build().unwrap()
}

fn client() -> Client {
    client_with("1234567891", Some(&vector("K2.apiv3_key")))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Headers of `body` as WeChat Pay sends them, signed now with its K2 private key.
fn signed_headers(body: &str) -> HeaderMap {
    let der: String = vector("K2.wechatpay_private_key.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
    let (ts, nonce) = (now().to_string(), "fresh-nonce-0123456789abcdef0123");
    let message = format!("{ts}\n{nonce}\n{body}\n");
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message.as_bytes(),
        &mut sig,
    )
    .unwrap();
    headers(&ts, nonce, &STANDARD.encode(sig))
}

fn headers(ts: &str, nonce: &str, signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("wechatpay-timestamp", HeaderValue::from_str(ts).unwrap());
    h.insert("wechatpay-nonce", HeaderValue::from_str(nonce).unwrap());
    h.insert(
        "wechatpay-signature",
        HeaderValue::from_str(signature).unwrap(),
    );
    h.insert("wechatpay-serial", HeaderValue::from_static(PUBLIC_KEY_ID));
    h.insert(
        "wechatpay-signature-type",
        HeaderValue::from_static("WECHATPAY2-SHA256-RSA2048"),
    );
    h
}

fn refund_body() -> String {
    format!(
        r#"{{"id":"EV-2018022511223320999","create_time":"2023-11-16T10:00:01+08:00","resource_type":"encrypt-resource","event_type":"REFUND.SUCCESS","summary":"退款成功","resource":{{"original_type":"refund","algorithm":"AEAD_AES_256_GCM","ciphertext":"{}","associated_data":"refund","nonce":"a1b2c3d4e5f6"}}}}"#,
        vector("D.refund_notify.ct")
    )
}

/// The published notification, headers and body as sent in 2023: verified over its
/// exact bytes (the skew widened to reach back to its timestamp) and decrypted.
#[test]
fn the_published_payment_notification_verifies_and_decrypts() {
    let client = Client::builder(
        "wxd678efh567hg6787",
        "1234567891",
        "5F1C72E2A8931B72A2E13AF8DEE92471EB397115",
        vector("K2.merchant_private_key.pem"),
    )
    .wechatpay_public_key(PUBLIC_KEY_ID, vector("K2.wechatpay_public_key.pem"))
    .api_v3_key(vector("K2.apiv3_key"))
    .max_clock_skew(Duration::from_secs(now() - 1_600_000_000))
    .try_build()
    .unwrap();
    let h = headers(
        "1700000001",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        &vector("D.pay_notify.sig"),
    );
    let paid = client
        .verify_payment_notification(&h, vector("D.pay_notify.body").as_bytes())
        .unwrap();
    assert_eq!(paid.id, "EV-2018022511223320873");
    assert_eq!(paid.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(paid.resource.out_trade_no, "1217752501201407033233368018");
    assert_eq!(
        paid.resource.transaction_id.as_deref(),
        Some("4200000000000000000000000001")
    );
    assert_eq!(
        paid.resource.amount.as_ref().and_then(|a| a.total),
        Some(100)
    );
    // With the default five minutes, the same notification is a replay.
    let e = client_with("1234567891", Some(&vector("K2.apiv3_key")))
        .verify_payment_notification(&h, vector("D.pay_notify.body").as_bytes())
        .unwrap_err();
    assert!(
        matches!(e, NotifyError::Unverified(Rejected::Stale { .. })),
        "{e}"
    );
}

#[test]
fn fresh_payment_and_refund_notifications() {
    let body = vector("D.pay_notify.body");
    let paid = client()
        .verify_payment_notification(&signed_headers(&body), body.as_bytes())
        .unwrap();
    assert_eq!(paid.resource.mchid, "1234567891");
    let refund = refund_body();
    let refunded = client()
        .verify_refund_notification(&signed_headers(&refund), refund.as_bytes())
        .unwrap();
    assert_eq!(refunded.event_type, "REFUND.SUCCESS");
    assert_eq!(refunded.resource.refund_status, "SUCCESS");
    assert_eq!(refunded.resource.amount.refund, 100);
    assert_eq!(refunded.resource.user_received_account, "支付用户零钱");
    let any = client()
        .verify_notification(&signed_headers(&refund), refund.as_bytes())
        .unwrap();
    assert_eq!(
        any.resource["out_refund_no"],
        "R1217752501201407033233368018"
    );
}

#[test]
fn every_refusal_names_its_reason() {
    let body = vector("D.pay_notify.body");
    let h = signed_headers(&body);
    // Another merchant's client: verified as WeChat Pay's, but not for it.
    let e = client_with("1900000109", Some(&vector("K2.apiv3_key")))
        .verify_payment_notification(&h, body.as_bytes())
        .unwrap_err();
    assert_eq!(
        e,
        NotifyError::Foreign {
            field: "mchid",
            value: "1234567891".into()
        }
    );
    // No APIv3 key, or another one.
    let e = client_with("1234567891", None)
        .verify_payment_notification(&h, body.as_bytes())
        .unwrap_err();
    assert_eq!(e, NotifyError::NoApiV3Key);
    let e = client_with("1234567891", Some("53D67FCB97E68F9998CBD17ED7A8D1E2"))
        .verify_payment_notification(&h, body.as_bytes())
        .unwrap_err();
    assert!(matches!(e, NotifyError::Decrypt(_)), "{e}");
    // A refund where a payment is expected, and the other way round.
    let refund = refund_body();
    let e = client()
        .verify_payment_notification(&signed_headers(&refund), refund.as_bytes())
        .unwrap_err();
    assert_eq!(e, NotifyError::UnexpectedEvent("REFUND.SUCCESS".into()));
    let e = client()
        .verify_refund_notification(&h, body.as_bytes())
        .unwrap_err();
    assert!(matches!(e, NotifyError::UnexpectedEvent(_)), "{e}");
    // The body re-serialised by a framework (keys reordered) no longer verifies.
    let reordered: serde_json::Value = serde_json::from_str(&body).unwrap();
    let e = client()
        .verify_payment_notification(&h, reordered.to_string().as_bytes())
        .unwrap_err();
    assert_eq!(e, NotifyError::Unverified(Rejected::Mismatch));
    // Stripped headers, a probe, an oversized body.
    let e = client()
        .verify_payment_notification(&HeaderMap::new(), body.as_bytes())
        .unwrap_err();
    assert!(
        matches!(e, NotifyError::Unverified(Rejected::MissingHeader(_))),
        "{e}"
    );
    let mut probe = h.clone();
    probe.insert(
        "wechatpay-signature",
        HeaderValue::from_static("WECHATPAY/SIGNTEST/c2lnbg=="),
    );
    let e = client()
        .verify_payment_notification(&probe, body.as_bytes())
        .unwrap_err();
    assert_eq!(e, NotifyError::Unverified(Rejected::Probe));
    let huge = vec![b' '; MAX_NOTIFICATION_BYTES + 1];
    let e = client().verify_payment_notification(&h, &huge).unwrap_err();
    assert_eq!(e, NotifyError::TooLarge(MAX_NOTIFICATION_BYTES + 1));
    // Signed, but not the documented envelope.
    let odd = r#"{"id":"EV-1"}"#;
    let e = client()
        .verify_payment_notification(&signed_headers(odd), odd.as_bytes())
        .unwrap_err();
    assert!(matches!(e, NotifyError::Malformed(_)), "{e}");
}

#[test]
fn replies_are_what_wechat_pay_expects() {
    let (status, body) = reply_success();
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"code":"SUCCESS","message":"成功"}"#);
    let (status, body) = reply_fail(400, "签名\"错误\"");
    assert_eq!(status, 400);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["code"], "FAIL");
    assert_eq!(json["message"], "签名\"错误\"");
    assert_eq!(reply_fail(200, "x").0, 500, "a failure is never a 2xx");
}

/// No SDK suite pins a v3 `paySign`; these values were computed from the SDK suite's
/// K2 merchant key with OpenSSL and Python (PKCS#1 v1.5 is deterministic).
#[test]
fn client_payment_parameters_carry_the_known_signatures() {
    let client = client();
    let mini = client
        .mini_program_pay_params_at(
            "wx201410272009395522657a690389285100",
            "1700000000",
            "593BEC0C930BF1AFEB40B4A08C8FB242",
        )
        .unwrap();
    assert_eq!(mini.pay_sign, vector("D.paysign.sig"));
    assert_eq!(mini.sign_type, "RSA");
    assert_eq!(
        mini.package,
        "prepay_id=wx201410272009395522657a690389285100"
    );
    let json = serde_json::to_value(&mini).unwrap();
    assert_eq!(json["timeStamp"], "1700000000", "a string, not a number");
    let app = client
        .app_pay_params_at(
            "wx201410272009395522657a690389285100",
            "1700000000",
            "593BEC0C930BF1AFEB40B4A08C8FB242",
        )
        .unwrap();
    assert_eq!(app.sign, vector("D.appsign.sig"));
    assert_eq!(app.partnerid, "1234567891");
    assert_eq!(app.package, "Sign=WXPay");
    let fresh = client.mini_program_pay_params("wx1").unwrap();
    assert_ne!(
        fresh.nonce_str,
        client.mini_program_pay_params("wx1").unwrap().nonce_str
    );
}
