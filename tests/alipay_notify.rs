//! Alipay's asynchronous notifications: a real one (an SDK suite's, signed by the
//! Alipay sandbox) verified from its form body, and every way a forged, altered,
//! foreign or malformed one is refused.
#![cfg(feature = "alipay")]

use miniapp::alipay::trade::TradeStatus;
use miniapp::alipay::{reply_success, Client, NotifyError};
use std::collections::BTreeMap;

mod alipay_support;
use alipay_support::*;

/// The sandbox's notification, decoded (`subject` holds a literal `+`).
fn params() -> BTreeMap<String, String> {
    serde_json::from_str(&vector("A.notify.params")).unwrap()
}

/// A form body as Alipay posts it: every value percent-encoded (`+` → `%2B`).
fn form(params: &BTreeMap<String, String>) -> String {
    serde_urlencoded::to_string(params).unwrap()
}

fn client(app_id: &str) -> Client {
    Client::new(app_id, app_private_key(), vector("A.alipay_public_key.pem")).unwrap()
}

#[test]
fn a_real_notification_verifies_and_is_typed_in_fen() {
    let body = form(&params());
    assert!(body.contains("yansongda%2B"), "{body}");
    let n = client(APP_ID).verify_notification(body.as_bytes()).unwrap();
    assert_eq!(n.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(n.out_trade_no, "1703147160");
    assert_eq!(n.trade_no, "2023122122001499160501589436");
    assert_eq!(n.notify_id, "2023122101222162644199160501632046");
    assert_eq!(n.total_amount, Some(1));
    assert_eq!(n.point_amount, Some(0));
    assert_eq!(n.subject.as_deref(), Some("yansongda+测试 - 1"));
    assert_eq!(
        n.fund_bill_list.as_deref(),
        Some(r#"[{"amount":"0.01","fundChannel":"ALIPAYACCOUNT"}]"#)
    );
    assert_eq!(n.params.len(), params().len());
    assert_eq!(reply_success(), "success");
}

#[test]
fn altered_unsigned_and_foreign_notifications_are_refused() {
    let ali = client(APP_ID);
    let mut altered = params();
    altered.insert("total_amount".into(), "100.00".into());
    assert!(matches!(
        ali.verify_notification(form(&altered).as_bytes()),
        Err(NotifyError::BadSign(_))
    ));

    let mut unsigned = params();
    unsigned.remove("sign");
    assert_eq!(
        ali.verify_notification(form(&unsigned).as_bytes()),
        Err(NotifyError::MissingSign)
    );
    unsigned.insert("sign".into(), String::new());
    assert_eq!(
        ali.verify_notification(form(&unsigned).as_bytes()),
        Err(NotifyError::MissingSign)
    );

    let mut rsa1 = params();
    rsa1.insert("sign_type".into(), "RSA".into());
    assert_eq!(
        ali.verify_notification(form(&rsa1).as_bytes()),
        Err(NotifyError::UnsupportedSignType("RSA".into()))
    );

    // Genuine, but for another app: verified, then refused.
    let e = client("2021000000000001")
        .verify_notification(form(&params()).as_bytes())
        .unwrap_err();
    assert_eq!(
        e,
        NotifyError::Foreign {
            field: "app_id",
            value: APP_ID.into()
        }
    );

    // Verified with the wrong Alipay key: refused.
    let other = Client::new(APP_ID, app_private_key(), alipay_public_key()).unwrap();
    assert!(matches!(
        other.verify_notification(form(&params()).as_bytes()),
        Err(NotifyError::BadSign(_))
    ));
}

/// Values are decoded exactly once: a raw `+` in the body is a space, so a body whose
/// `+` was not percent-encoded no longer matches what Alipay signed.
#[test]
fn values_are_decoded_once() {
    let body = form(&params()).replace("yansongda%2B", "yansongda+");
    assert!(matches!(
        client(APP_ID).verify_notification(body.as_bytes()),
        Err(NotifyError::BadSign(_))
    ));
}

#[test]
fn malformed_bodies_and_fields_are_refused_with_the_reason() {
    let ali = client(APP_ID);
    for (body, expected) in [
        (&b"\xff\xfe"[..], "UTF-8"),
        (b"", "empty"),
        (b"a=1&a=2&sign=x", "twice"),
    ] {
        match ali.verify_notification(body) {
            Err(NotifyError::Malformed(reason)) => assert!(reason.contains(expected), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
    // Signed correctly (by the tests' Alipay key), but an amount is not exact yuan.
    let signer = Client::new(APP_ID, app_private_key(), alipay_public_key()).unwrap();
    let mut fields = params();
    fields.insert("total_amount".into(), "0.001".into());
    fields.remove("sign");
    let sign = alipay_sign(&string_to_sign(&fields, &["sign", "sign_type"]));
    fields.insert("sign".into(), sign);
    match signer.verify_notification(form(&fields).as_bytes()) {
        Err(NotifyError::Decode(reason)) => assert!(reason.contains("total_amount"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // And without a trade status it is not a trade notification.
    fields.insert("total_amount".into(), "0.01".into());
    fields.remove("trade_status");
    fields.remove("sign");
    let sign = alipay_sign(&string_to_sign(&fields, &["sign", "sign_type"]));
    fields.insert("sign".into(), sign);
    match signer.verify_notification(form(&fields).as_bytes()) {
        Err(NotifyError::Decode(reason)) => assert!(reason.contains("trade_status"), "{reason}"),
        other => panic!("{other:?}"),
    }
}
