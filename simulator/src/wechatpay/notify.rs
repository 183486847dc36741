//! The notifications WeChat Pay POSTs to a merchant: a payment's (signed like an
//! answer) and a refund's (its details AES-256-ECB encrypted with the API key).

use super::call_fields;
use super::ledger::{OrderEntry, RefundEntry};
use super::refund::notification_details;
use super::trade::BANK;
use crate::delivery::{self, Notified};
use crate::envelope::to_xml;
use crate::server::{Shared, State};
use miniapp::runtime::xml::{parse_flat, write_flat};
use rand::distributions::{Alphanumeric, DistString};
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
    let mut text = |name: &str, value: &str| {
        fields.insert(name.into(), value.into());
    };
    text("openid", order.openid.as_deref().unwrap_or(PAYER_OPENID));
    text("is_subscribe", "N");
    text("trade_type", order.trade_type.as_str());
    text("bank_type", BANK);
    text("total_fee", &order.total_fee.to_string());
    text("cash_fee", &order.total_fee.to_string());
    text("fee_type", &order.fee_type);
    text(
        "transaction_id",
        order.transaction_id.as_deref().unwrap_or_default(),
    );
    text("out_trade_no", &order.out_trade_no);
    text("time_end", order.time_end.as_deref().unwrap_or_default());
    if let Some(attach) = &order.attach {
        text("attach", attach);
    }
    if let Some(device_info) = &order.device_info {
        text("device_info", device_info);
    }
    // The notification names its sign type when the order did (verifiers default to MD5).
    if let (Some(field), Some(variant)) = (call_fields(shared, p).variant, &entry.signing.variant) {
        text(field, variant);
    }
    to_xml(&shared.sign(state, p, &entry.signing, Value::Object(fields)))
}

/// The refund notification of a settled refund: `appid`, `mch_id`, `nonce_str` and
/// `req_info`, the refund's `<root>` details encrypted with the key the refund was asked
/// for with. It carries no sign: the encryption authenticates it.
pub(super) fn refund(shared: &Shared, state: &State, p: usize, entry: &RefundEntry) -> String {
    let details = notification_details(&entry.refund);
    let flat = write_flat(details.iter().map(|(k, v)| (*k, v.as_str())));
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
    fields.insert("req_info".into(), req_info.into());
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
            .any(|(k, v)| k == "return_code" && v == "SUCCESS")
    })
}
