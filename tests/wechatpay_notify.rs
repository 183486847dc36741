//! WeChat Pay notifications and client payment parameters: published vectors for the
//! refund-notification cipher, payment notifications signed here by hand, every reason
//! to reject one, and the `wx.requestPayment` / App parameters with their signs.
#![cfg(feature = "wechatpay")]

use miniapp::wechatpay::{reply_fail, reply_success, Client, NotifyError, SignType};
use std::collections::BTreeMap;

const APP_ID: &str = "wx2421b1c4370ec43b";
const MCH_ID: &str = "10000100";
const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fn md5_upper(text: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode_upper(Md5::digest(text.as_bytes()))
}

fn hmac_upper(text: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

fn string_to_sign(fields: &BTreeMap<&str, String>) -> String {
    let parts: Vec<String> = fields
        .iter()
        .filter(|(k, v)| **k != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("{}&key={KEY}", parts.join("&"))
}

fn paid_fields() -> BTreeMap<&'static str, String> {
    [
        ("return_code", "SUCCESS"),
        ("appid", APP_ID),
        ("mch_id", MCH_ID),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("result_code", "SUCCESS"),
        ("openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        ("is_subscribe", "Y"),
        ("trade_type", "JSAPI"),
        ("bank_type", "CFT"),
        ("total_fee", "1"),
        ("fee_type", "CNY"),
        ("cash_fee", "1"),
        ("transaction_id", "1004400740201409030005092168"),
        ("out_trade_no", "1409811653"),
        ("attach", ""),
        ("time_end", "20140903131540"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

fn xml(fields: &BTreeMap<&str, String>) -> Vec<u8> {
    let mut out = String::from("<xml>");
    for (k, v) in fields {
        out.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    (out + "</xml>").into_bytes()
}

fn signed_md5(mut fields: BTreeMap<&'static str, String>) -> Vec<u8> {
    let sign = md5_upper(&string_to_sign(&fields));
    fields.insert("sign", sign);
    xml(&fields)
}

fn client() -> Client {
    Client::new(APP_ID, MCH_ID, KEY)
}

#[test]
fn a_signed_payment_notification_is_verified_and_typed() {
    let n = client()
        .verify_payment_notification(&signed_md5(paid_fields()))
        .unwrap();
    assert!(n.is_paid());
    assert_eq!((n.total_fee, n.cash_fee), (1, 1));
    assert_eq!(n.out_trade_no, "1409811653");
    assert_eq!(n.transaction_id, "1004400740201409030005092168");
    assert_eq!(n.attach.as_deref(), Some(""));
}

#[test]
fn the_notifications_own_sign_type_is_honoured() {
    let mut fields = paid_fields();
    fields.insert("sign_type", "HMAC-SHA256".into());
    let sign = hmac_upper(&string_to_sign(&fields));
    fields.insert("sign", sign);
    // An MD5 client still verifies an HMAC-SHA256 notification by its sign_type.
    assert!(client().verify_payment_notification(&xml(&fields)).is_ok());
}

#[test]
fn every_reason_to_reject_a_payment_notification() {
    let c = client();
    let unsigned = xml(&paid_fields());
    assert_eq!(
        c.verify_payment_notification(&unsigned),
        Err(NotifyError::MissingSign)
    );

    let mut tampered = paid_fields();
    let sign = md5_upper(&string_to_sign(&tampered));
    tampered.insert("sign", sign);
    tampered.insert("total_fee", "100".into());
    assert!(matches!(
        c.verify_payment_notification(&xml(&tampered)),
        Err(NotifyError::BadSign(_))
    ));

    let mut wrong_type = paid_fields();
    wrong_type.insert("sign_type", "SHA1".into());
    let sign = md5_upper(&string_to_sign(&wrong_type));
    wrong_type.insert("sign", sign);
    assert_eq!(
        c.verify_payment_notification(&xml(&wrong_type)),
        Err(NotifyError::UnknownSignType("SHA1".into()))
    );

    // A sign made with MD5 but declared HMAC-SHA256 fails.
    let mut mislabeled = paid_fields();
    mislabeled.insert("sign_type", "HMAC-SHA256".into());
    let sign = md5_upper(&string_to_sign(&mislabeled));
    mislabeled.insert("sign", sign);
    assert!(matches!(
        c.verify_payment_notification(&xml(&mislabeled)),
        Err(NotifyError::BadSign(_))
    ));

    for (field, value) in [("appid", "wx-someone-else"), ("mch_id", "99999")] {
        let mut foreign = paid_fields();
        foreign.insert(field, value.into());
        assert!(
            matches!(
                c.verify_payment_notification(&signed_md5(foreign)),
                Err(NotifyError::Foreign { field: f, .. }) if f == field
            ),
            "{field}"
        );
    }

    let mut failed = paid_fields();
    failed.insert("return_code", "FAIL".into());
    assert!(matches!(
        c.verify_payment_notification(&signed_md5(failed)),
        Err(NotifyError::NotSuccess { .. })
    ));

    for bad in [
        &b"<xml><return_code>SUCCESS</return_code>"[..],
        b"return_code=SUCCESS",
        br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>"#,
    ] {
        assert!(matches!(
            c.verify_payment_notification(bad),
            Err(NotifyError::Malformed(_))
        ));
    }

    let mut not_integer = paid_fields();
    not_integer.insert("total_fee", "0.01".into());
    assert!(matches!(
        c.verify_payment_notification(&signed_md5(not_integer)),
        Err(NotifyError::Decode(_))
    ));
}

/// wechatpy's `test_refund_notify_decrypt_message` vector.
const WECHATPY_REFUND: &str = r#"<xml>
<return_code>SUCCESS</return_code>
<appid><![CDATA[wx4f4bc4dec97d474b]]></appid>
<mch_id><![CDATA[12345678]]></mch_id>
<nonce_str><![CDATA[c1c237efc87ee8dfcb3f9124b63a4d94]]></nonce_str>
<req_info><![CDATA[51A27s9LxbaEv52nBOrqa0FCs3HVIM31Wc3BpNqSCP5MQlS8HL1Vl7mZ21043B7PZy7adtOZGtZv44lGl0U8JXlVFL4Ltxsw6+pACjZBB0Qi1LUDjFlP2IyTxYX4eC57kxnCphDdIyRkU67kOWW/HN/efggTUlaPJkoL5kVe9Y1MZF55IHR4lwGI7WtVLtxATX1tkAVZF+/ri0WlPXo9+GkqeB2/id6Ozw09Tqp8C/TKbmKBpRhTCRU2TzfQoLa6fjbgETFHJ795aEMyUZPQYbbsz6U9Rj9lUzEh8+Oc8KYTXa9zVk+nnFr82+yjffb3d36ylTe0y/VmYf90rf9cbiJQdM00zZ8Qa99SlMTs2wjOO4Mi4Btlg1PebsLF8TkqbSZkRJDGs61UunUB8Km1b/VeBxXuv4D3H7DiVZ9Fj7lq2j07zFDpxxlhhen7kZvMWWO3lrfFpA9c4eFOqfF9SxcU9nBmHfDD1g/dsrMl6+a71xQHJ/gn80fZOefUBv92ggqutsuJ4gd4OqkmO0XUs8e4XQyLpra+LvpmahsU5lBIZuQcMq3FHrqe8hXTfp3+3qym2wGfvPI75jx41VZwmBQy9izB1Id+A5lUeXC5QJy+ryDu/dWkhB+aMjkElaI/Epmcc/IEPaI73W6Hc58hNednOM536rPnn+GDc98PdGszpLTjmaZSu8dtqwPaym66yRqFQowzFoBbooik57iHUFBCeWya7XcXYL9WKhRF3uIZM+Kfv9/Zs2pF+w9/EJpltuzPpT1GP2VTMSHz45zwphFlS2lX8wHyZ+k9n2dptzQqpOCPedt5iQAmAe1oNQMxNdPDH9g68x9UzWD1kfK/dPO+3NPAh0XG+io4x15fIknNf7JLjpAuWicMMzCdwC4hhqeYOzQ+pC9f2xJXi5YViNKIZY69oO8eoHYRitLZrHLgx3oB2zimmqX6BI+DMklKAzAqqgGmbFxcVTvxZB6cMCx+H7TTWXnjAG+6A3SrCcxg0l5+UB93pkAYR7SVJ+VaZoiBqlqnZvb7IM17n9XaaFntlzvbbFCIa7OnOQb5Lvw=]]></req_info>
</xml>"#;

#[test]
fn refund_notifications_decrypt_with_the_md5_of_the_key() {
    let c = Client::new(
        "wx4f4bc4dec97d474b",
        "12345678",
        "OF4Ne3znh8KqL0V4NqmALQa0uXMYKcEk",
    );
    let r = c
        .decrypt_refund_notification(WECHATPY_REFUND.as_bytes())
        .unwrap();
    assert_eq!(r.out_refund_no, "1234");
    assert_eq!(r.out_trade_no, "2020010418301551404339261814");
    assert_eq!(r.transaction_id, "4200000483202001042069747825");
    assert_eq!(r.refund_id, "50300103182020010413419046597");
    assert_eq!(
        (r.total_fee, r.refund_fee, r.settlement_refund_fee),
        (1, 1, 1)
    );
    assert_eq!(r.refund_status, "SUCCESS");
    assert_eq!(r.refund_recv_accout.as_deref(), Some("招商银行信用卡8915"));
    assert_eq!(r.success_time.as_deref(), Some("2020-01-04 18:34:24"));
}

#[test]
fn refund_notifications_with_the_wrong_key_or_merchant_are_refused() {
    let wrong_key = Client::new("wx4f4bc4dec97d474b", "12345678", "not-the-key");
    assert!(matches!(
        wrong_key.decrypt_refund_notification(WECHATPY_REFUND.as_bytes()),
        Err(NotifyError::Decrypt(_))
    ));
    let other_merchant = Client::new(
        "wx4f4bc4dec97d474b",
        "87654321",
        "OF4Ne3znh8KqL0V4NqmALQa0uXMYKcEk",
    );
    assert!(matches!(
        other_merchant.decrypt_refund_notification(WECHATPY_REFUND.as_bytes()),
        Err(NotifyError::Foreign {
            field: "mch_id",
            ..
        })
    ));
    let garbage = WECHATPY_REFUND.replace("51A27s9L", "!!!!");
    let c = Client::new(
        "wx4f4bc4dec97d474b",
        "12345678",
        "OF4Ne3znh8KqL0V4NqmALQa0uXMYKcEk",
    );
    assert!(matches!(
        c.decrypt_refund_notification(garbage.as_bytes()),
        Err(NotifyError::Decrypt(_))
    ));
}

#[test]
fn reply_bodies() {
    assert_eq!(
        reply_success(),
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
    );
    assert_eq!(
        reply_fail("签名失败"),
        "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名失败]]></return_msg></xml>"
    );
}

#[test]
fn mini_program_pay_params_are_signed_as_wx_request_payment_wants() {
    let p = client().mini_program_pay_params_at(
        "wx201410272009395522657a690389285100",
        "1414561699",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    );
    let expected = md5_upper(&format!(
        "appId={APP_ID}&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx201410272009395522657a690389285100&signType=MD5&timeStamp=1414561699&key={KEY}"
    ));
    assert_eq!(p.pay_sign, expected);
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        serde_json::json!({
            "appId": APP_ID,
            "timeStamp": "1414561699",
            "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            "package": "prepay_id=wx201410272009395522657a690389285100",
            "signType": "MD5",
            "paySign": expected,
        })
    );
    // Fresh ones differ in their nonce, and sign with the client's sign type.
    let hmac = Client::builder(APP_ID, MCH_ID, KEY)
        .sign_type(SignType::HmacSha256)
        .build();
    let (a, b) = (
        hmac.mini_program_pay_params("p"),
        hmac.mini_program_pay_params("p"),
    );
    assert_ne!(a.nonce_str, b.nonce_str);
    assert_eq!(a.sign_type, "HMAC-SHA256");
    assert_eq!(a.pay_sign.len(), 64);
}

#[test]
fn app_pay_params_are_signed_as_the_app_sdk_wants() {
    let p = client().app_pay_params_at("wx2014", "1412000000", "abc");
    let expected = md5_upper(&format!(
        "appid={APP_ID}&noncestr=abc&package=Sign=WXPay&partnerid={MCH_ID}&prepayid=wx2014&timestamp=1412000000&key={KEY}"
    ));
    assert_eq!(p.sign, expected);
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["package"], "Sign=WXPay");
    assert_eq!(json["partnerid"], MCH_ID);
}

/// Each refusal names WeChat Pay's own cause: no other platform's settings, no blame on
/// the key for a message that was cut on the way.
#[test]
fn refusals_name_the_cause_in_wechat_pays_terms() {
    let mut fields = paid_fields();
    let lower = md5_upper(&string_to_sign(&fields)).to_ascii_lowercase();
    fields.insert("sign", lower);
    let err = client()
        .verify_payment_notification(&xml(&fields))
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, NotifyError::BadSign(_)), "{err:?}");
    assert!(text.contains("upper-case"), "{text}");
    for wrong in ["HexCase", "Jucai", "jucai", "configure"] {
        assert!(!text.contains(wrong), "{text}");
    }

    let mut tampered = paid_fields();
    tampered.insert("sign", md5_upper(&string_to_sign(&paid_fields())));
    tampered.insert("total_fee", "100".into());
    let text = client()
        .verify_payment_notification(&xml(&tampered))
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("mismatch") && !text.contains("Jucai"),
        "{text}"
    );

    // A `req_info` cut short is not whole AES blocks: corrupted, whatever the key.
    let start = WECHATPY_REFUND.find("<req_info><![CDATA[").unwrap() + 19;
    let end = WECHATPY_REFUND[start..].find("]]>").unwrap() + start;
    let full = &WECHATPY_REFUND[start..end];
    let cut = WECHATPY_REFUND.replace(full, &full[..full.len() - 8]);
    let c = Client::new(
        "wx4f4bc4dec97d474b",
        "12345678",
        "OF4Ne3znh8KqL0V4NqmALQa0uXMYKcEk",
    );
    let text = c
        .decrypt_refund_notification(cut.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(text.contains("truncated or corrupted `req_info`"), "{text}");
    assert!(!text.contains("API key"), "{text}");
    // Whole blocks under another key are the key's fault (or corruption).
    let wrong_key = Client::new("wx4f4bc4dec97d474b", "12345678", "not-the-key");
    let text = wrong_key
        .decrypt_refund_notification(WECHATPY_REFUND.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(text.contains("API key"), "{text}");
}
