//! Bills: `tradebill` and `fundflowbill` answer a SHA-1 and a download URL back at the
//! simulator; the download (`GET /v3/billdownload/file?token=…`, signed like any
//! request) serves the file unsigned — the v2 bill format, gzipped for `tar_type=GZIP`,
//! its SHA-1 over the uncompressed bytes (what the official SDKs check).

use super::books::{Books, Download};
use super::keys::Setup;
use super::trade::{answer, invalid, read};
use super::wire::{internal, signed_json, verify};
use super::{Order, Refund, BANK};
use crate::bill_text::{
    self, fee, values, ALL, FEE_UNITS_PER_FEN, FUND_FLOW, FUND_FLOW_SUMMARY, RATE, REFUND, SUCCESS,
    SUMMARY,
};
use crate::engine::{Desk, Reply, Shared, State};
use crate::request::Incoming;
use miniapp::__private::RawResponse;
use miniapp::runtime::money::fen_to_yuan as yuan;
use miniapp::wechatpay_v3::bill::{AccountType, BillType, HashType, TarType, TradeBillError};
use miniapp::wechatpay_v3::bill::{FundFlowBillRequest, FundFlowBillResponse};
use miniapp::wechatpay_v3::bill::{TradeBillRequest, TradeBillResponse};
use miniapp::wechatpay_v3::refund::RefundStatus;
use std::time::{Duration, Instant};

/// The download path, outside the schema's endpoints.
pub(super) const DOWNLOAD_PATH: &str = "/v3/billdownload/file";
/// The download URL's parameter naming the bill kept (the simulator's own).
const TOKEN: &str = "token";
/// How long a download URL is valid: 5 minutes, as the docs say.
const VALID: Duration = Duration::from_secs(300);

pub(super) fn trade_bill(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: TradeBillRequest = read(desk)?;
    let date = bill_date(desk, r.bill_date)?;
    let bill_type = r.bill_type.unwrap_or(BillType::All);
    let columns = match bill_type {
        BillType::All => ALL,
        BillType::Success => SUCCESS,
        BillType::Refund => REFUND,
    };
    let gzip = r.tar_type == Some(TarType::Gzip);
    let books = desk.state.merchant::<Books>()?;
    let records = records(books, &date, &bill_type);
    if records.is_empty() {
        return Err(no_statement(desk));
    }
    let ids = (desk.app_id(), desk.merchant_id());
    let mut lines = vec![columns.join(",")];
    lines.extend(records.iter().map(|r| {
        let cells: Vec<String> = columns.iter().map(|c| cell(c, r, ids)).collect();
        values(&cells)
    }));
    lines.push(SUMMARY.join(","));
    lines.push(values(&summary(&records)));
    let (hash_value, download_url) = hand_out(desk, &lines, gzip)?;
    let bill = TradeBillResponse {
        hash_type: HashType::Sha1,
        hash_value,
        download_url,
    };
    answer(desk, &bill)
}

pub(super) fn fund_flow_bill(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let r: FundFlowBillRequest = read(desk)?;
    let date = bill_date(desk, r.bill_date)?;
    let gzip = r.tar_type == Some(TarType::Gzip);
    // Payments and refunds move the basic account only.
    let bookings = match r.account_type.unwrap_or(AccountType::Basic) {
        AccountType::Basic => bookings(desk.state.merchant::<Books>()?),
        AccountType::Operation | AccountType::Fees => Vec::new(),
    };
    let day: Vec<&Booking> = bookings
        .iter()
        .filter(|b| b.at.starts_with(&date))
        .collect();
    if day.is_empty() {
        return Err(no_statement(desk));
    }
    let mut lines = vec![FUND_FLOW.join(",")];
    lines.extend(day.iter().map(|b| values(&booking_row(b))));
    lines.push(FUND_FLOW_SUMMARY.join(","));
    lines.push(values(&fund_flow_summary(&day)));
    let (hash_value, download_url) = hand_out(desk, &lines, gzip)?;
    let bill = FundFlowBillResponse {
        hash_type: HashType::Sha1,
        hash_value,
        download_url,
    };
    answer(desk, &bill)
}

/// `yyyy-MM-dd` (its length and characters are the schema's wire check).
fn bill_date(desk: &Desk<'_>, date: String) -> Result<String, Reply> {
    let b = date.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    match b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
    {
        true => Ok(date),
        false => Err(invalid(desk, "账单日期的格式为 yyyy-MM-DD")),
    }
}

fn no_statement(desk: &Desk<'_>) -> Reply {
    desk.refuse_as(TradeBillError::NoStatementExist {
        message: "账单文件不存在".into(),
    })
}

/// Keeps the bill for download; its SHA-1 (hex) and download URL.
fn hand_out(desk: &mut Desk<'_>, lines: &[String], gzip: bool) -> Result<(String, String), Reply> {
    let text = bill_text::text(lines);
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        text.as_bytes(),
    );
    let bytes = match gzip {
        true => bill_text::gzip(text.as_bytes()).map_err(|e| {
            desk.refuse_as(TradeBillError::SystemError {
                message: format!("miniapp simulator: {e}"),
            })
        })?,
        false => text.into_bytes(),
    };
    let token = desk.state.merchant_mut::<Books>()?.keep_download(Download {
        bytes,
        gzip,
        until: Instant::now() + VALID,
    });
    let wire = &desk.incoming.wire;
    let host = wire.header("host").unwrap_or("127.0.0.1");
    // Under the platform's prefix when the request came that way, so that a client
    // whose base URL has the prefix fetches from where it called.
    let prefix = match wire
        .uri
        .path()
        .starts_with(&format!("/{}/", super::PLATFORM))
    {
        true => format!("/{}", super::PLATFORM),
        false => String::new(),
    };
    Ok((
        hex::encode(digest.as_ref()),
        format!("http://{host}{prefix}{DOWNLOAD_PATH}?{TOKEN}={token}"),
    ))
}

/// The platform's `extra` hook: `GET /v3/billdownload/file?token=…`, authenticated
/// like every request; a token unknown or older than 5 minutes is refused (the code
/// and text are the simulator's: the docs do not list them).
pub(crate) fn extra(
    shared: &Shared,
    state: &mut State,
    _platform: usize,
    path: &str,
    incoming: &Incoming,
) -> Option<RawResponse> {
    if path != DOWNLOAD_PATH {
        return None;
    }
    let Some(setup) = shared.fixed.get::<Setup>() else {
        return Some(internal("WeChat Pay API v3 is not set up"));
    };
    let signer = super::wire::answer_signer(setup, state, &incoming.wire);
    if incoming.wire.method != http::Method::GET {
        let code = TradeBillError::InvalidRequest {
            message: String::new(),
        }
        .code();
        let body = refusal_body(&code, "账单下载只支持 GET");
        return Some(signed_json(signer, 405, &body));
    }
    if let Err((meaning, why)) = verify(
        setup,
        &shared.merchant_id,
        &incoming.wire,
        std::time::SystemTime::now(),
    ) {
        let refusal = shared
            .platforms
            .iter()
            .find(|p| p.name == super::PLATFORM)
            .and_then(|p| miniapp::__private::Refusal::find(p.refusals, meaning, None));
        let (code, text) = refusal.map_or_else(
            || {
                let sign_error = TradeBillError::SignError {
                    message: String::new(),
                };
                (sign_error.code(), "签名错误")
            },
            |r| (r.code.clone(), r.message),
        );
        let body = refusal_body(&code, &format!("{text}: {why} (miniapp simulator)"));
        return Some(signed_json(signer, 401, &body));
    }
    let token = incoming.get(TOKEN).unwrap_or_default();
    let found = state
        .merchants
        .get_mut::<Books>()
        .and_then(|books| books.download(&token))
        .map(|d| (d.bytes.clone(), d.gzip));
    let Some((bytes, gzip)) = found else {
        // The file's URL is no endpoint of the schema; WeChat Pay answers an expired one
        // with the code its other lookups document.
        let code = miniapp::wechatpay_v3::refund::QueryError::ResourceNotExists {
            message: String::new(),
        }
        .code();
        let body = refusal_body(
            &code,
            "账单下载地址不存在或已过期(5 分钟内有效),请重新申请账单 (miniapp simulator)",
        );
        let signer = super::wire::answer_signer(setup, state, &incoming.wire);
        return Some(signed_json(signer, 404, &body));
    };
    let content_type = match gzip {
        true => "application/x-gzip",
        false => "text/plain; charset=utf-8",
    };
    Some(RawResponse::new(200, Some(content_type), bytes))
}

/// A refusal's body as the platform's envelope writes it (the runtime's encoder).
fn refusal_body(code: &miniapp::runtime::Code, text: &str) -> serde_json::Value {
    miniapp::__private::envelopes::encode::failure(&miniapp::wechatpay_v3::ENVELOPE, code, text, "")
}

/// A line of a trade bill.
enum Record<'a> {
    Payment(&'a Order),
    Refund(&'a Order, &'a Refund),
}

impl Record<'_> {
    /// When it happened (RFC 3339): a payment's success, a refund's request.
    fn at(&self) -> &str {
        match self {
            Record::Payment(order) => order.success_time.as_deref().unwrap_or_default(),
            Record::Refund(_, refund) => &refund.create_time,
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
    fn paid(&self) -> i64 {
        match self {
            Record::Payment(order) => order.total,
            Record::Refund(..) => 0,
        }
    }
    fn refunded(&self) -> i64 {
        self.refund().map_or(0, |r| r.refund)
    }
    fn fee_units(&self) -> i64 {
        (self.paid() - self.refunded()) * FEE_UNITS_PER_FEN
    }
}

fn records<'a>(books: &'a Books, date: &str, bill_type: &BillType) -> Vec<Record<'a>> {
    let payments = matches!(bill_type, BillType::All | BillType::Success);
    let refunds = matches!(bill_type, BillType::All | BillType::Refund);
    let mut records: Vec<Record<'a>> = Vec::new();
    if payments {
        let paid = books.all_orders().map(|e| &e.order);
        records.extend(
            paid.filter(|o| o.success_time.is_some())
                .map(Record::Payment),
        );
    }
    if refunds {
        records.extend(books.all_refunds().filter_map(|e| {
            let order = books.order(&e.refund.out_trade_no)?;
            Some(Record::Refund(&order.order, &e.refund))
        }));
    }
    records.retain(|r| r.at().starts_with(date));
    records.sort_by(|a, b| a.at().cmp(b.at()));
    records
}

/// An RFC 3339 time as a bill writes it (`yyyy-MM-dd HH:mm:ss`).
fn readable(at: &str) -> String {
    at.get(..19).unwrap_or(at).replacen('T', " ", 1)
}

fn cell(column: &str, record: &Record<'_>, (app_id, mch_id): (&str, &str)) -> String {
    let order = record.order();
    let refund = record.refund();
    let refund_text = |f: fn(&Refund) -> String, none: &str| refund.map_or(none.to_owned(), f);
    match column {
        "交易时间" => readable(record.at()),
        "公众账号ID" => app_id.to_owned(),
        "商户号" => mch_id.to_owned(),
        "特约商户号" => "0".to_owned(),
        "设备号" => order.device_id.clone().unwrap_or_default(),
        "微信订单号" => order.transaction_id.clone().unwrap_or_default(),
        "商户订单号" => order.out_trade_no.clone(),
        "用户标识" => order.payer_openid.clone().unwrap_or_default(),
        "交易类型" => order.trade_type.as_str().to_owned(),
        "交易状态" => refund.map_or("SUCCESS", |_| "REFUND").to_owned(),
        "付款银行" => BANK.to_owned(),
        "货币种类" => order.currency.clone(),
        "应结订单金额" | "订单金额" => yuan(record.paid()),
        "代金券金额" | "充值券退款金额" => yuan(0),
        "退款申请时间" => refund_text(|r| readable(&r.create_time), ""),
        "退款成功时间" => refund_text(
            |r| r.success_time.as_deref().map(readable).unwrap_or_default(),
            "",
        ),
        "微信退款单号" => refund_text(|r| r.refund_id.clone(), "0"),
        "商户退款单号" => refund_text(|r| r.out_refund_no.clone(), "0"),
        "退款金额" | "申请退款金额" => yuan(record.refunded()),
        "退款类型" => refund_text(|_| "ORIGINAL".to_owned(), ""),
        "退款状态" => refund_text(|r| r.status.as_str().to_owned(), ""),
        "商品名称" => order.description.clone(),
        "商户数据包" => order.attach.clone().unwrap_or_default(),
        "手续费" => fee(record.fee_units()),
        "费率" => RATE.to_owned(),
        _ => String::new(),
    }
}

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
    /// RFC 3339.
    at: String,
    business_no: String,
    voucher: String,
    income: bool,
    amount: i64,
    balance: i64,
    note: String,
}

/// Every booking so far, in time order, with the balance after each: payments in,
/// successful refunds out.
fn bookings(books: &Books) -> Vec<Booking> {
    let mut moves: Vec<Booking> = Vec::new();
    for order in books.all_orders().map(|e| &e.order) {
        if let (Some(at), Some(id)) = (&order.success_time, &order.transaction_id) {
            moves.push(Booking {
                at: at.clone(),
                business_no: id.clone(),
                voucher: order.out_trade_no.clone(),
                income: true,
                amount: order.total,
                balance: 0,
                note: String::new(),
            });
        }
    }
    for refund in books.all_refunds().map(|e| &e.refund) {
        if let (RefundStatus::Success, Some(at)) = (&refund.status, &refund.success_time) {
            moves.push(Booking {
                at: at.clone(),
                business_no: refund.refund_id.clone(),
                voucher: refund.out_refund_no.clone(),
                income: false,
                amount: refund.refund,
                balance: 0,
                note: refund.reason.clone().unwrap_or_default(),
            });
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

fn booking_row(b: &Booking) -> Vec<String> {
    let (name, direction) = match b.income {
        true => ("交易", "收入"),
        false => ("退款", "支出"),
    };
    let tail = b
        .business_no
        .get(b.business_no.len().saturating_sub(5)..)
        .unwrap_or_default();
    let compact: String = b.at.chars().take(19).filter(char::is_ascii_digit).collect();
    vec![
        readable(&b.at),
        b.business_no.clone(),
        format!("{compact}{tail}"),
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
