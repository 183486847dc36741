//! The notifications WeChat Pay POSTs to a merchant: a payment's (signed like an
//! answer) and a refund's (its details AES-256-ECB encrypted with the API key).

use super::call_fields;
use super::ledger::{OrderEntry, RefundEntry};
use super::refund::notification_details;
use super::trade::{BANK, NOT_SUBSCRIBED};
use crate::delivery::{self, Notified};
use crate::engine::{Shared, State};
use crate::envelope::to_xml;
use miniapp::runtime::xml::{parse_flat, write_flat};
use miniapp::wechatpay::PaymentNotification;
use miniapp::wechatpay::ENVELOPE;
use rand::distributions::{Alphanumeric, DistString};
use serde::Serialize;
use serde_json::{Map, Value};
/// The payer of an order placed without an `openid` (NATIVE, MWEB, APP: WeChat Pay
/// learns it when the user pays).
const PAYER_OPENID: &str = "oSimPayer0000000000000000000";

/// The payment notification of a paid order, signed with the key and `sign_type` the
/// order was placed with (the same fields as a signed answer: `appid`, `mch_id`,
/// `nonce_str`, `sign`).
pub(super) fn payment(shared: &Shared, state: &State, p: usize, entry: &OrderEntry) -> String {
    let order = &entry.order;
    let mut fields = status_fields(shared, p);
    let envelope = &shared.platforms[p].envelope;
    if let Some(result) = envelope.result {
        fields.insert(result.into(), ok(shared, p).into());
    }
    let mut paid = PaymentNotification::default();
    paid.appid = shared.credentials[p].0.clone();
    paid.mch_id = shared.merchant_id.clone();
    paid.result_code = ok(shared, p).to_owned();
    paid.openid = order.openid.as_deref().unwrap_or(PAYER_OPENID).to_owned();
    paid.is_subscribe = Some(NOT_SUBSCRIBED.to_owned());
    paid.trade_type = order.trade_type.as_str().to_owned();
    paid.bank_type = Some(BANK.to_owned());
    paid.total_fee = order.total_fee;
    paid.cash_fee = order.total_fee;
    paid.fee_type = Some(order.fee_type.clone());
    paid.transaction_id = order.transaction_id.clone().unwrap_or_default();
    paid.out_trade_no = order.out_trade_no.clone();
    paid.time_end = order.time_end.clone().unwrap_or_default();
    paid.attach = order.attach.clone();
    paid.device_info = order.device_info.clone();
    write_into(&mut fields, &paid);
    // The notification names its sign type when the order did (verifiers default to MD5).
    if let (Some(field), Some(variant)) = (call_fields(shared, p).variant, &entry.signing.variant) {
        fields.insert(field.into(), variant.as_str().into());
    }
    to_xml(&shared.sign(state, p, &entry.signing, Value::Object(fields)))
}

/// The field of a refund notification that carries its encrypted details.
#[derive(Serialize)]
struct Refunded {
    req_info: String,
}

/// `value`'s fields, as text, into `fields`.
fn write_into<T: Serialize>(fields: &mut Map<String, Value>, value: &T) {
    if let Ok(Value::Object(map)) = serde_json::to_value(value) {
        for (name, value) in map {
            let text = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            fields.insert(name, text.into());
        }
    }
}

/// The refund notification of a settled refund: `appid`, `mch_id`, `nonce_str` and
/// `req_info`, the refund's `<root>` details encrypted with the key the refund was asked
/// for with. It carries no sign: the encryption authenticates it.
pub(super) fn refund(shared: &Shared, state: &State, p: usize, entry: &RefundEntry) -> String {
    let mut details = Map::new();
    write_into(&mut details, &notification_details(&entry.refund));
    let flat = write_flat(
        details
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default())),
    );
    // The same flat document under WeChat Pay's `<root>` instead of `<xml>`.
    let inner = flat
        .strip_prefix("<xml>")
        .and_then(|rest| rest.strip_suffix("</xml>"))
        .unwrap_or_default();
    let plain = format!("<root>{inner}</root>");
    let key = shared.signing_key(state, p, &entry.signing);
    let mut fields = status_fields(shared, p);
    let call = call_fields(shared, p);
    let nonce = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
    let identity = [
        (call.app_id, shared.credentials[p].0.as_str()),
        (call.merchant, shared.merchant_id.as_str()),
        (call.nonce, nonce.as_str()),
    ];
    for (field, value) in identity {
        if let Some(field) = field {
            fields.insert(field.into(), value.into());
        }
    }
    let req_info = miniapp::__private::wechatpay::encrypt_req_info(plain.as_bytes(), key);
    write_into(&mut fields, &Refunded { req_info });
    to_xml(&Value::Object(fields))
}

/// `return_code SUCCESS`, `return_msg OK`, under the envelope's names.
fn status_fields(shared: &Shared, p: usize) -> Map<String, Value> {
    let envelope = &shared.platforms[p].envelope;
    let mut fields = Map::new();
    fields.insert(envelope.code.into(), ok(shared, p).into());
    fields.insert(envelope.message.into(), "OK".into());
    fields
}

fn ok(shared: &Shared, p: usize) -> &'static str {
    let envelope = &shared.platforms[p].envelope;
    envelope.success.first().copied().unwrap_or("SUCCESS")
}

/// POSTs a notification and reports the merchant's reply.
pub(super) async fn deliver(url: String, sent: String) -> Notified {
    delivery::deliver(url, "text/xml; charset=utf-8", sent, acknowledges).await
}

/// Is the reply WeChat Pay's acknowledgement, `<xml>` with `return_code` SUCCESS?
fn acknowledges(reply: &str) -> bool {
    parse_flat(reply.as_bytes()).is_ok_and(|fields| {
        fields
            .iter()
            .any(|(k, v)| k == ENVELOPE.code && ENVELOPE.success.contains(&v.as_str()))
    })
}
