//! `downloadBill` and `downloadFundflow`: the day's trades and bookings of the orders
//! and refunds the simulator has seen, in the text format of WeChat Pay's bills (what
//! `miniapp::wechatpay::{Bill, FundFlow}` read): a header, one line per record with every
//! value prefixed by a backtick, a summary header and a summary line. Like real bills
//! they start with a byte-order mark and end lines with CRLF. Amounts are yuan.

use super::ledger::Ledger;
use super::trade::{bad_request, BANK};
use super::{clock, read, Order, Refund};
use crate::bill_lines::{self, Listing, Refunded, Trade};
use crate::bill_text;
use crate::engine::{Desk, Reply};
use miniapp::runtime::Endpoint;
use miniapp::wechatpay::pay::{AccountType, BillType, DownloadBillRequest};
use miniapp::wechatpay::pay::{DownloadFundflowRequest, RefundStatus, TarType};
use serde_json::Map;

pub(super) fn download_bill(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: DownloadBillRequest = read(desk)?;
    let day = bill_day(&r.bill_date)?;
    let listing = match r.bill_type {
        BillType::Success => Listing::Payments,
        BillType::Refund => Listing::Refunds,
        _ => Listing::All,
    };
    let gzip = r.tar_type == Some(TarType::Gzip);
    let ids = (desk.app_id(), desk.merchant_id());
    let ledger = desk.state.merchant::<Ledger>()?;
    // Only the day's records are written out: payments made, refunds asked that day.
    let on_day = |at: &str| clock::day(at) == r.bill_date;
    let trades = trades(ledger, |o| o.time_end.as_deref().is_some_and(on_day));
    let refunds = refunds(ledger, |r| on_day(&r.requested_at));
    match bill_lines::trade_bill(&trades, &refunds, &day, listing, ids) {
        Some(lines) => Ok(bill(&lines, gzip)),
        None => Ok(no_bill(desk)),
    }
}

pub(super) fn download_fundflow(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    if desk.signing.variant.as_deref() != DownloadFundflowRequest::SIGN_VARIANT {
        let only = DownloadFundflowRequest::SIGN_VARIANT.unwrap_or_default();
        return Err(bad_request(format!("sign_type参数错误,只支持{only}")));
    }
    let r: DownloadFundflowRequest = read(desk)?;
    let day = bill_day(&r.bill_date)?;
    let gzip = r.tar_type == Some(TarType::Gzip);
    let ledger = desk.state.merchant::<Ledger>()?;
    // Payments and refunds move the basic account only.
    let lines = match r.account_type {
        // Every booking: the balance runs from the first.
        AccountType::Basic => {
            let (trades, refunds) = (trades(ledger, |_| true), refunds(ledger, |_| true));
            bill_lines::fund_flow_bill(&trades, &refunds, &day)
        }
        _ => None,
    };
    match lines {
        Some(lines) => Ok(bill(&lines, gzip)),
        None => Ok(no_bill(desk)),
    }
}

/// An order as the bills show it.
fn trade(order: &Order) -> Trade<'_> {
    Trade {
        paid_at: order.time_end.as_deref().map(clock::readable),
        device: order.device_info.as_deref().unwrap_or_default(),
        transaction_id: order.transaction_id.as_deref().unwrap_or_default(),
        out_trade_no: &order.out_trade_no,
        openid: order.openid.as_deref().unwrap_or_default(),
        trade_type: order.trade_type.as_str(),
        currency: &order.fee_type,
        bank: BANK,
        description: &order.body,
        attach: order.attach.as_deref().unwrap_or_default(),
        total: order.total_fee,
    }
}

/// The orders `keep` keeps, as the bills show them.
fn trades(ledger: &Ledger, keep: impl Fn(&Order) -> bool) -> Vec<Trade<'_>> {
    let orders = ledger.all_orders().map(|e| &e.order);
    orders.filter(|o| keep(o)).map(trade).collect()
}

/// A refund as the bills show it, with its order.
fn refunded<'a>(refund: &'a Refund, order: &'a Order) -> Refunded<'a> {
    let succeeded = refund.refund_status == RefundStatus::Success;
    let settled = refund.settled_at.as_deref().filter(|_| succeeded);
    Refunded {
        trade: trade(order),
        requested_at: clock::readable(&refund.requested_at),
        succeeded_at: settled.map(clock::readable),
        refund_id: &refund.refund_id,
        out_refund_no: &refund.out_refund_no,
        status: refund.refund_status.as_str(),
        reason: refund.refund_desc.as_deref().unwrap_or_default(),
        amount: refund.refund_fee,
    }
}

/// The refunds `keep` keeps whose order is still in the books, as the bills show them.
fn refunds(ledger: &Ledger, keep: impl Fn(&Refund) -> bool) -> Vec<Refunded<'_>> {
    ledger
        .all_refunds()
        .filter(|e| keep(&e.refund))
        .filter_map(|e| {
            let order = ledger.order(&e.refund.out_trade_no)?;
            Some(refunded(&e.refund, &order.order))
        })
        .collect()
}

/// A bill's day, `yyyyMMdd`, as the bill lines write days (`yyyy-MM-dd`).
fn bill_day(date: &str) -> Result<String, Reply> {
    match date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        true => Ok(format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..])),
        false => Err(bad_request("invalid bill_date")),
    }
}

/// The refusal of a day without records: XML, `return_code FAIL`, unsigned.
fn no_bill(desk: &Desk<'_>) -> Reply {
    let envelope = &desk.shared.platforms[desk.platform].envelope;
    let mut answer = Map::new();
    answer.insert(envelope.code.into(), "FAIL".into());
    answer.insert(envelope.message.into(), "No Bill Exist".into());
    Reply::Exact(answer)
}

/// The bill's bytes: BOM, CRLF lines, gzipped if asked.
fn bill(lines: &[String], gzip: bool) -> Reply {
    let text = bill_text::text(lines);
    if !gzip {
        return Reply::Bytes("text/plain;charset=utf-8", text.into_bytes());
    }
    match bill_text::gzip(text.as_bytes()) {
        Ok(bytes) => Reply::Bytes("application/x-gzip", bytes),
        Err(_) => bad_request("CompressGZip Error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bill_days_are_checked_and_written_as_the_lines_write_them() {
        assert_eq!(bill_day("20261207").ok(), Some("2026-12-07".to_owned()));
        for bad in ["2026127", "2026-12-07", "2026120x"] {
            assert!(bill_day(bad).is_err(), "{bad}");
        }
    }
}
