//! WeChat Pay v2 per-call work, next to the same work written by hand with quick-xml and
//! md-5: verifying and decoding an `orderquery` answer (XML parse, MD5 sign check, typed
//! decode with integer amounts), signing a request body, and verifying a payment
//! notification. Run: `cargo bench --features wechatpay --bench wechatpay`.

use criterion::{criterion_group, criterion_main, Criterion};
use md5::{Digest, Md5};
use miniapp::__private::envelopes::{Decoder, WechatPayXml};
use miniapp::__private::{InfallibleSigner, RawResponse, Signer};
use miniapp::runtime::signers::{WechatPayV2, WechatPayV2Options};
use miniapp::runtime::Credentials;
use miniapp::wechatpay::pay::OrderQueryRequest;
use miniapp::wechatpay::{Client, ENVELOPE};
use quick_xml::events::Event;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::hint::black_box;

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fn sign_md5(fields: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    for (k, v) in fields.iter().filter(|(k, v)| *k != "sign" && !v.is_empty()) {
        text.push_str(k);
        text.push('=');
        text.push_str(v);
        text.push('&');
    }
    text.push_str("key=");
    text.push_str(KEY);
    hex::encode_upper(Md5::digest(text.as_bytes()))
}

/// A signed answer with the fields of the docs' orderquery example.
fn order_answer() -> Vec<u8> {
    let mut fields: BTreeMap<String, String> = [
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("device_info", "1000"),
        ("nonce_str", "TN55wO9Pba5yENl8"),
        ("result_code", "SUCCESS"),
        ("openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        ("is_subscribe", "Y"),
        ("trade_type", "JSAPI"),
        ("bank_type", "CCB_DEBIT"),
        ("total_fee", "1"),
        ("fee_type", "CNY"),
        ("transaction_id", "1008450740201411110005820873"),
        ("out_trade_no", "1415757673"),
        ("attach", "订单额外描述"),
        ("time_end", "20141111170043"),
        ("trade_state", "SUCCESS"),
        ("cash_fee", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let sign = sign_md5(&fields);
    fields.insert("sign".into(), sign);
    let mut xml = String::from("<xml>");
    for (k, v) in &fields {
        xml.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    (xml + "</xml>").into_bytes()
}

/// By hand: parse with quick-xml into a map, check the MD5 sign, read the typed fields.
fn hand_written(body: &[u8]) -> (String, i64, i64) {
    let mut reader = quick_xml::Reader::from_reader(body);
    let (mut fields, mut name) = (BTreeMap::new(), String::new());
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => name = String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
            Event::CData(c) => {
                fields.insert(name.clone(), String::from_utf8(c.to_vec()).unwrap());
            }
            Event::Text(t) => {
                let t = t.unescape().unwrap();
                if !t.trim().is_empty() {
                    fields.insert(name.clone(), t.into_owned());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(fields["return_code"], "SUCCESS");
    assert_eq!(sign_md5(&fields), fields["sign"]);
    assert_eq!(fields["result_code"], "SUCCESS");
    (
        fields["trade_state"].clone(),
        fields["total_fee"].parse().unwrap(),
        fields["cash_fee"].parse().unwrap(),
    )
}

fn bench(c: &mut Criterion) {
    let body = order_answer();
    let signer = WechatPayV2::create(
        &Credentials::new("wx2421b1c4370ec43b", KEY).with_merchant_id("10000100"),
        &WechatPayV2Options::default(),
    );
    let mut group = c.benchmark_group("wechatpay_answer");
    group.bench_function("baseline_quick_xml_md5_by_hand", |b| {
        b.iter(|| black_box(hand_written(black_box(&body))))
    });
    group.bench_function("sdk_decoder", |b| {
        b.iter(|| {
            let raw = RawResponse::new(
                200,
                Some("text/plain"),
                bytes::Bytes::copy_from_slice(black_box(&body)),
            );
            black_box(
                WechatPayXml::decode::<OrderQueryRequest, WechatPayV2>(&ENVELOPE, raw, &signer)
                    .unwrap(),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("wechatpay_request_sign");
    let fields: Map<String, Value> = [
        ("body", "腾讯充值中心-QQ会员充值"),
        ("out_trade_no", "1415659990"),
        ("total_fee", "1"),
        ("spbill_create_ip", "14.23.150.211"),
        ("notify_url", "https://example.com/pay/notify"),
        ("trade_type", "JSAPI"),
        ("openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Value::from(v)))
    .collect();
    let by_hand: BTreeMap<String, String> = fields
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    group.bench_function("baseline_md5_by_hand", |b| {
        b.iter(|| black_box(sign_md5(black_box(&by_hand))))
    });
    group.bench_function("sdk_prepare_and_sign", |b| {
        b.iter(|| {
            let mut f = black_box(&fields).clone();
            signer.prepare(&mut f);
            black_box(signer.sign(&f).unwrap())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("wechatpay_notification");
    let client = Client::new("wx2421b1c4370ec43b", "10000100", KEY);
    let notification = body.clone();
    group.bench_function("baseline_quick_xml_md5_by_hand", |b| {
        b.iter(|| black_box(hand_written(black_box(&notification))))
    });
    group.bench_function("sdk_verify_payment_notification", |b| {
        b.iter(|| {
            black_box(
                client
                    .verify_payment_notification(black_box(&notification))
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
