//! `downloadBill` and `downloadFundflow`: the day's trades and bookings of the orders
//! and refunds the simulator has seen, in the text format of WeChat Pay's bills (what
//! `miniapp::wechatpay::{Bill, FundFlow}` read): a header, one line per record with every
//! value prefixed by a backtick, a summary header and a summary line. Like real bills
//! they start with a byte-order mark and end lines with CRLF. Amounts are yuan.

use super::ledger::{Ledger, OrderEntry, RefundEntry};
use super::trade::{bad_request, BANK};
use super::{clock, read, Order, Refund};
use crate::bill_text::{
    self, fee, values, ALL, FEE_UNITS_PER_FEN, FUND_FLOW, FUND_FLOW_SUMMARY, RATE, REFUND, SUCCESS,
    SUMMARY,
};
use crate::engine::{Desk, Reply};
use miniapp::runtime::money::fen_to_yuan as yuan;
use miniapp::runtime::Endpoint;
use miniapp::wechatpay::pay::{AccountType, BillType, DownloadBillRequest};
use miniapp::wechatpay::pay::{DownloadFundflowRequest, RefundStatus, TarType};
use serde_json::Map;

pub(super) fn download_bill(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: DownloadBillRequest = read(desk)?;
    let date = bill_date(r.bill_date)?;
    let bill_type = r.bill_type;
    let gzip = r.tar_type == Some(TarType::Gzip);
    let records = records(desk.state.merchant::<Ledger>()?, &date, &bill_type);
    if records.is_empty() {
        return Ok(no_bill(desk));
    }
    let columns = match bill_type {
        BillType::Success => SUCCESS,
        BillType::Refund => REFUND,
        _ => ALL,
    };
    let ids = (desk.app_id(), desk.merchant_id());
    let mut lines = vec![columns.join(",")];
    lines.extend(records.iter().map(|r| row(columns, r, ids)));
    lines.push(SUMMARY.join(","));
    lines.push(values(&summary(&records)));
    Ok(bill(&lines, gzip))
}

pub(super) fn download_fundflow(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    if desk.signing.variant.as_deref() != DownloadFundflowRequest::SIGN_VARIANT {
        let only = DownloadFundflowRequest::SIGN_VARIANT.unwrap_or_default();
        return Err(bad_request(format!("sign_type参数错误,只支持{only}")));
    }
    let r: DownloadFundflowRequest = read(desk)?;
    let date = bill_date(r.bill_date)?;
    let account = r.account_type;
    let gzip = r.tar_type == Some(TarType::Gzip);
    // Payments and refunds move the basic account only.
    let bookings = match account {
        AccountType::Basic => bookings(desk.state.merchant::<Ledger>()?),
        _ => Vec::new(),
    };
    let day: Vec<&Booking> = bookings
        .iter()
        .filter(|b| clock::day(&b.at) == date)
        .collect();
    if day.is_empty() {
        return Ok(no_bill(desk));
    }
    let mut lines = vec![FUND_FLOW.join(",")];
    lines.extend(day.iter().map(|b| values(&booking_row(b))));
    lines.push(FUND_FLOW_SUMMARY.join(","));
    lines.push(values(&fund_flow_summary(&day)));
    Ok(bill(&lines, gzip))
}

/// A bill's day, `yyyyMMdd`.
fn bill_date(date: String) -> Result<String, Reply> {
    match date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        true => Ok(date),
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

/// A line of a trade bill.
enum Record<'a> {
    Payment(&'a Order),
    Refund(&'a Order, &'a Refund),
}

impl Record<'_> {
    /// When it happened, `yyyyMMddHHmmss`: a payment's `time_end`, a refund's request.
    fn at(&self) -> &str {
        match self {
            Record::Payment(order) => order.time_end.as_deref().unwrap_or_default(),
            Record::Refund(_, refund) => &refund.requested_at,
        }
    }
    fn order(&self) -> &Order {
        match self {
            Record::Payment(order) | Record::Refund(order, _) => order,
        }
    }
    fn refund(&self) -> Option<&Refund> {
        match self {
            Record::Payment(_) => None,
            Record::Refund(_, refund) => Some(refund),
        }
    }
    /// 应结订单金额 and 订单金额: a payment's amount; nothing for a refund line.
    fn paid(&self) -> i64 {
        match self {
            Record::Payment(order) => order.total_fee,
            Record::Refund(..) => 0,
        }
    }
    /// 退款金额 and 申请退款金额.
    fn refunded(&self) -> i64 {
        self.refund().map_or(0, |r| r.refund_fee)
    }
    /// The fee, in 0.00001 yuan: charged on a payment, given back on a refund.
    fn fee_units(&self) -> i64 {
        (self.paid() - self.refunded()) * FEE_UNITS_PER_FEN
    }
}

/// The day's records of a bill type, in time order.
fn records<'a>(ledger: &'a Ledger, date: &str, bill_type: &BillType) -> Vec<Record<'a>> {
    let payments = matches!(bill_type, BillType::All | BillType::Success);
    let refunds = matches!(bill_type, BillType::All | BillType::Refund);
    let mut records: Vec<Record<'a>> = Vec::new();
    if payments {
        let paid = ledger.all_orders().map(|e: &OrderEntry| &e.order);
        records.extend(paid.filter(|o| o.time_end.is_some()).map(Record::Payment));
    }
    if refunds {
        let asked = ledger.all_refunds().filter_map(|e: &RefundEntry| {
            let order = ledger.order(&e.refund.out_trade_no)?;
            Some(Record::Refund(&order.order, &e.refund))
        });
        records.extend(asked);
    }
    records.retain(|r| clock::day(r.at()) == date);
    records.sort_by(|a, b| a.at().cmp(b.at()));
    records
}

fn row(columns: &[&str], record: &Record<'_>, ids: (&str, &str)) -> String {
    let cells: Vec<String> = columns.iter().map(|c| cell(c, record, ids)).collect();
    values(&cells)
}

/// The value of one column of a bill line.
fn cell(column: &str, record: &Record<'_>, (app_id, mch_id): (&str, &str)) -> String {
    let order = record.order();
    let refund = record.refund();
    let refund_text = |f: fn(&Refund) -> String, none: &str| refund.map_or(none.to_owned(), f);
    match column {
        "交易时间" => clock::readable(record.at()),
        "公众账号ID" => app_id.to_owned(),
        "商户号" => mch_id.to_owned(),
        "特约商户号" => "0".to_owned(),
        "设备号" => order.device_info.clone().unwrap_or_default(),
        "微信订单号" => order.transaction_id.clone().unwrap_or_default(),
        "商户订单号" => order.out_trade_no.clone(),
        "用户标识" => order.openid.clone().unwrap_or_default(),
        "交易类型" => order.trade_type.as_str().to_owned(),
        "交易状态" => refund.map_or("SUCCESS", |_| "REFUND").to_owned(),
        "付款银行" => BANK.to_owned(),
        "货币种类" => order.fee_type.clone(),
        "应结订单金额" | "订单金额" => yuan(record.paid()),
        "代金券金额" | "充值券退款金额" => yuan(0),
        "退款申请时间" => refund_text(|r| clock::readable(&r.requested_at), ""),
        "退款成功时间" => refund_text(success_time, ""),
        "微信退款单号" => refund_text(|r| r.refund_id.clone(), "0"),
        "商户退款单号" => refund_text(|r| r.out_refund_no.clone(), "0"),
        "退款金额" | "申请退款金额" => yuan(record.refunded()),
        "退款类型" => refund_text(|_| "ORIGINAL".to_owned(), ""),
        "退款状态" => refund_text(|r| r.refund_status.as_str().to_owned(), ""),
        "商品名称" => order.body.clone(),
        "商户数据包" => order.attach.clone().unwrap_or_default(),
        "手续费" => fee(record.fee_units()),
        "费率" => RATE.to_owned(),
        _ => String::new(),
    }
}

fn success_time(refund: &Refund) -> String {
    match (&refund.refund_status, &refund.settled_at) {
        (RefundStatus::Success, Some(at)) => clock::readable(at),
        _ => String::new(),
    }
}

/// The summary line, in [`SUMMARY`]'s order.
fn summary(records: &[Record<'_>]) -> Vec<String> {
    let paid: i64 = records.iter().map(Record::paid).sum();
    let refunded: i64 = records.iter().map(Record::refunded).sum();
    let fees: i64 = records.iter().map(Record::fee_units).sum();
    vec![
        records.len().to_string(),
        yuan(paid),
        yuan(refunded),
        yuan(0),
        fee(fees),
        yuan(paid),
        yuan(refunded),
    ]
}

/// One booking of the basic account.
struct Booking {
    /// `yyyyMMddHHmmss`
    at: String,
    /// The transaction or refund id.
    business_no: String,
    /// The out_trade_no or out_refund_no.
    voucher: String,
    income: bool,
    amount: i64,
    balance: i64,
    note: String,
}

/// Every booking so far, in time order, with the balance after each: payments in,
/// successful refunds out.
fn bookings(ledger: &Ledger) -> Vec<Booking> {
    let mut moves: Vec<Booking> = Vec::new();
    for order in ledger.all_orders().map(|e| &e.order) {
        if let (Some(at), Some(id)) = (&order.time_end, &order.transaction_id) {
            moves.push(booking(
                at,
                id,
                &order.out_trade_no,
                true,
                order.total_fee,
                "",
            ));
        }
    }
    for refund in ledger.all_refunds().map(|e| &e.refund) {
        if let (RefundStatus::Success, Some(at)) = (&refund.refund_status, &refund.settled_at) {
            let note = refund.refund_desc.as_deref().unwrap_or_default();
            moves.push(booking(
                at,
                &refund.refund_id,
                &refund.out_refund_no,
                false,
                refund.refund_fee,
                note,
            ));
        }
    }
    moves.sort_by(|a, b| a.at.cmp(&b.at));
    let mut balance = 0;
    for booking in &mut moves {
        balance += if booking.income {
            booking.amount
        } else {
            -booking.amount
        };
        booking.balance = balance;
    }
    moves
}

fn booking(
    at: &str,
    business_no: &str,
    voucher: &str,
    income: bool,
    amount: i64,
    note: &str,
) -> Booking {
    Booking {
        at: at.to_owned(),
        business_no: business_no.to_owned(),
        voucher: voucher.to_owned(),
        income,
        amount,
        balance: 0,
        note: note.to_owned(),
    }
}

/// A fund-flow line, in [`FUND_FLOW`]'s order. The flow number is the time and the
/// business number's last digits: unique per booking, stable across downloads.
fn booking_row(b: &Booking) -> Vec<String> {
    let (name, direction) = match b.income {
        true => ("交易", "收入"),
        false => ("退款", "支出"),
    };
    let tail = b
        .business_no
        .get(b.business_no.len().saturating_sub(5)..)
        .unwrap_or_default();
    vec![
        clock::readable(&b.at),
        b.business_no.clone(),
        format!("{}{tail}", b.at),
        name.to_owned(),
        name.to_owned(),
        direction.to_owned(),
        yuan(b.amount),
        yuan(b.balance),
        "system".to_owned(),
        b.note.clone(),
        b.voucher.clone(),
    ]
}

/// The fund-flow summary line, in [`FUND_FLOW_SUMMARY`]'s order.
fn fund_flow_summary(day: &[&Booking]) -> Vec<String> {
    let (income, expense): (Vec<&&Booking>, Vec<&&Booking>) = day.iter().partition(|b| b.income);
    let total = |side: &[&&Booking]| side.iter().map(|b| b.amount).sum::<i64>();
    vec![
        day.len().to_string(),
        income.len().to_string(),
        yuan(total(&income)),
        expense.len().to_string(),
        yuan(total(&expense)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact() {
        assert_eq!(yuan(1), "0.01");
        assert_eq!(yuan(600), "6.00");
        assert_eq!(yuan(-142), "-1.42");
        assert_eq!(fee(6), "0.00006");
        assert_eq!(fee(600 * FEE_UNITS_PER_FEN), "0.03600");
        assert_eq!(fee(-6), "-0.00006");
    }

    #[test]
    fn values_cannot_split_a_line() {
        let line = values(&["a,`b".to_owned(), "c\r\nd".to_owned()]);
        assert_eq!(line, "`a,'b,`c  d");
    }
}
