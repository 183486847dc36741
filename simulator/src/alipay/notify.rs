//! The asynchronous notifications Alipay POSTs to a trade's `notify_url`: a form of the
//! trade's state (`trade_status_sync`), signed with the Alipay key over every parameter
//! but `sign` and `sign_type`, sorted, raw values.

use super::books::notify_id;
use super::trade::FUND_CHANNEL;
use super::wire::{sign_fields, RSA2, SIGN, SIGN_TYPE};
use super::{now, Refund, Trade};
use crate::delivery::{self, Notified};
use miniapp::alipay::trade::TradeStatus;
use miniapp::runtime::money::fen_to_yuan;
use serde_json::{Map, Value};

/// The notification of `trade` as it stands, for app `app_id`; with `refund`, that
/// refund's (`refund_fee` the trade's total refunded, `gmt_refund`, `out_biz_no`).
pub(super) fn body(app_id: &str, trade: &Trade, refund: Option<&Refund>) -> String {
    let paid = fen_to_yuan(trade.total_amount);
    let mut params: Vec<(&str, String)> = vec![
        ("notify_time", now()),
        ("notify_type", "trade_status_sync".into()),
        ("notify_id", notify_id()),
        ("app_id", app_id.into()),
        ("auth_app_id", app_id.into()),
        ("charset", "utf-8".into()),
        ("version", "1.0".into()),
        (SIGN_TYPE, RSA2.into()),
        ("trade_no", trade.trade_no.clone()),
        ("out_trade_no", trade.out_trade_no.clone()),
        ("trade_status", trade.trade_status.as_str().into()),
        ("total_amount", paid.clone()),
        ("receipt_amount", paid.clone()),
        ("invoice_amount", paid.clone()),
        ("buyer_pay_amount", paid.clone()),
        ("point_amount", "0.00".into()),
        ("buyer_id", trade.buyer_id.clone()),
        ("buyer_open_id", trade.buyer_open_id.clone()),
        ("seller_id", trade.seller_id.clone()),
        ("subject", trade.subject.clone()),
        ("gmt_create", trade.gmt_create.clone()),
        (
            "fund_bill_list",
            format!(r#"[{{"amount":"{paid}","fundChannel":"{FUND_CHANNEL}"}}]"#),
        ),
    ];
    let optional = [
        ("body", trade.body.as_ref()),
        ("passback_params", trade.passback_params.as_ref()),
        ("gmt_payment", trade.gmt_payment.as_ref()),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            params.push((name, value.clone()));
        }
    }
    if let Some(refund) = refund {
        params.push(("refund_fee", fen_to_yuan(trade.refunded)));
        params.push(("gmt_refund", refund.gmt_refund.clone()));
        params.push(("out_biz_no", refund.out_request_no.clone()));
    }
    if trade.trade_status == TradeStatus::TradeClosed {
        if let Some(at) = &trade.gmt_close {
            params.push(("gmt_close", at.clone()));
        }
    }
    let fields: Map<String, Value> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(v.as_str())))
        .collect();
    let signature = sign_fields(&fields, "", None).unwrap_or_default();
    params.push((SIGN, signature));
    serde_urlencoded::to_string(&params).unwrap_or_default()
}

/// POSTs a notification and reports the merchant's reply.
pub(super) async fn deliver(url: String, sent: String) -> Notified {
    let form = "application/x-www-form-urlencoded; charset=utf-8";
    delivery::deliver(url, form, sent, |reply| reply.trim() == "success").await
}
