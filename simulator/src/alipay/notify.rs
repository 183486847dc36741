//! The asynchronous notifications Alipay POSTs to a trade's `notify_url`: a form of the
//! trade's state (`trade_status_sync`), signed with the Alipay key over every parameter
//! but `sign` and `sign_type`, sorted, raw values.

use super::books::notify_id;
use super::trade::FUND_CHANNEL;
use super::wire::{sign_fields, RSA2, SIGN, SIGN_TYPE};
use super::{now, Refund, Trade};
use crate::delivery::{self, Notified};
use miniapp::alipay::trade::TradeStatus;
use miniapp::alipay::TradeNotification;
use miniapp::runtime::money::fen_to_yuan;
use serde_json::{Map, Value};

/// The notification of `trade` as it stands, for app `app_id`; with `refund`, that
/// refund's (`refund_fee` the trade's total refunded, `gmt_refund`, `out_biz_no`).
pub(super) fn body(app_id: &str, trade: &Trade, refund: Option<&Refund>) -> String {
    let mut sent = TradeNotification::new(
        notify_id(),
        now(),
        app_id,
        &trade.trade_no,
        &trade.out_trade_no,
        trade.trade_status.clone(),
    );
    let paid = Some(trade.total_amount);
    sent.total_amount = paid;
    sent.receipt_amount = paid;
    sent.invoice_amount = paid;
    sent.buyer_pay_amount = paid;
    sent.point_amount = Some(0);
    sent.buyer_id = Some(trade.buyer_id.clone());
    sent.buyer_open_id = Some(trade.buyer_open_id.clone());
    sent.seller_id = Some(trade.seller_id.clone());
    sent.subject = Some(trade.subject.clone());
    sent.gmt_create = Some(trade.gmt_create.clone());
    sent.gmt_payment = trade.gmt_payment.clone();
    sent.body = trade.body.clone();
    sent.passback_params = trade.passback_params.clone();
    sent.fund_bill_list = Some(fund_bill_list(trade.total_amount));
    if let Some(refund) = refund {
        sent.refund_fee = Some(trade.refunded);
        sent.gmt_refund = Some(refund.gmt_refund.clone());
        sent.out_biz_no = Some(refund.out_request_no.clone());
    }
    if trade.trade_status == TradeStatus::TradeClosed {
        sent.gmt_close = trade.gmt_close.clone();
    }
    let mut params = sent.to_params();
    // The gateway's common parameters of every notification.
    params.extend([
        ("auth_app_id", app_id.to_owned()),
        ("charset", "utf-8".to_owned()),
        ("version", "1.0".to_owned()),
        (SIGN_TYPE, RSA2.to_owned()),
    ]);
    let fields: Map<String, Value> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(v.as_str())))
        .collect();
    let signature = sign_fields(&fields, "", None).unwrap_or_default();
    params.push((SIGN, signature));
    serde_urlencoded::to_string(&params).unwrap_or_default()
}

/// The payment channels of a notification: the JSON text Alipay sends (camelCase keys,
/// unlike the answers' `fund_bill_list`).
fn fund_bill_list(fen: i64) -> String {
    serde_json::json!([{"amount": fen_to_yuan(fen), "fundChannel": FUND_CHANNEL}]).to_string()
}

/// POSTs a notification and reports the merchant's reply.
pub(super) async fn deliver(url: String, sent: String) -> Notified {
    let form = "application/x-www-form-urlencoded; charset=utf-8";
    delivery::deliver(url, form, sent, |reply| reply.trim() == "success").await
}
