//! Bills: `tradebill` and `fundflowbill` answer a SHA-1 and a download URL back at the
//! simulator; the download (`GET /v3/billdownload/file?token=…`, signed like any
//! request) serves the file unsigned — the v2 bill format, gzipped for `tar_type=GZIP`,
//! its SHA-1 over the uncompressed bytes (what the official SDKs check).

use super::books::{Books, Download};
use super::keys::Setup;
use super::trade::{answer, invalid, read};
use super::wire::{internal, signed_json, verify};
use super::{Order, Refund, BANK};
use crate::bill_lines::{self, Listing, Refunded, Trade};
use crate::bill_text;
use crate::engine::{Desk, Reply, Shared, State};
use crate::request::Incoming;
use miniapp::__private::RawResponse;
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
    let listing = match r.bill_type.unwrap_or(BillType::All) {
        BillType::All => Listing::All,
        BillType::Success => Listing::Payments,
        BillType::Refund => Listing::Refunds,
    };
    let gzip = r.tar_type == Some(TarType::Gzip);
    let ids = (desk.app_id(), desk.merchant_id());
    let books = desk.state.merchant::<Books>()?;
    // Only the day's records are written out: payments made, refunds asked that day.
    let on_day = |at: &str| at.starts_with(&date);
    let trades = trades(books, |o| o.success_time.as_deref().is_some_and(on_day));
    let refunds = refunds(books, |r| on_day(&r.create_time));
    let Some(lines) = bill_lines::trade_bill(&trades, &refunds, &date, listing, ids) else {
        return Err(no_statement(desk));
    };
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
    let books = desk.state.merchant::<Books>()?;
    // Payments and refunds move the basic account only.
    let lines = match r.account_type.unwrap_or(AccountType::Basic) {
        // Every booking: the balance runs from the first.
        AccountType::Basic => {
            let (trades, refunds) = (trades(books, |_| true), refunds(books, |_| true));
            bill_lines::fund_flow_bill(&trades, &refunds, &date)
        }
        AccountType::Operation | AccountType::Fees => None,
    };
    let Some(lines) = lines else {
        return Err(no_statement(desk));
    };
    let (hash_value, download_url) = hand_out(desk, &lines, gzip)?;
    let bill = FundFlowBillResponse {
        hash_type: HashType::Sha1,
        hash_value,
        download_url,
    };
    answer(desk, &bill)
}

/// An order as the bills show it.
fn trade(order: &Order) -> Trade<'_> {
    Trade {
        paid_at: order.success_time.as_deref().map(readable),
        device: order.device_id.as_deref().unwrap_or_default(),
        transaction_id: order.transaction_id.as_deref().unwrap_or_default(),
        out_trade_no: &order.out_trade_no,
        openid: order.payer_openid.as_deref().unwrap_or_default(),
        trade_type: order.trade_type.as_str(),
        currency: &order.currency,
        bank: BANK,
        description: &order.description,
        attach: order.attach.as_deref().unwrap_or_default(),
        total: order.total,
    }
}

/// The orders `keep` keeps, as the bills show them.
fn trades(books: &Books, keep: impl Fn(&Order) -> bool) -> Vec<Trade<'_>> {
    let orders = books.all_orders().map(|e| &e.order);
    orders.filter(|o| keep(o)).map(trade).collect()
}

/// A refund as the bills show it, with its order.
fn refunded<'a>(refund: &'a Refund, order: &'a Order) -> Refunded<'a> {
    let succeeded = refund.status == RefundStatus::Success;
    let settled = refund.success_time.as_deref().filter(|_| succeeded);
    Refunded {
        trade: trade(order),
        requested_at: readable(&refund.create_time),
        succeeded_at: settled.map(readable),
        refund_id: &refund.refund_id,
        out_refund_no: &refund.out_refund_no,
        status: refund.status.as_str(),
        reason: refund.reason.as_deref().unwrap_or_default(),
        amount: refund.refund,
    }
}

/// The refunds `keep` keeps whose order is still in the books, as the bills show them.
fn refunds(books: &Books, keep: impl Fn(&Refund) -> bool) -> Vec<Refunded<'_>> {
    books
        .all_refunds()
        .filter(|e| keep(&e.refund))
        .filter_map(|e| {
            let order = books.order(&e.refund.out_trade_no)?;
            Some(refunded(&e.refund, &order.order))
        })
        .collect()
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
    Ok((
        hex::encode(digest.as_ref()),
        format!("{}{DOWNLOAD_PATH}?{TOKEN}={token}", desk.reached_url()),
    ))
}

/// The platform's `extra` hook: `GET /v3/billdownload/file?token=…`, authenticated
/// like every request; a token unknown or older than 5 minutes is refused (the code
/// and text are the simulator's: the docs do not list them).
pub(crate) fn extra(
    shared: &Shared,
    state: &mut State,
    platform: usize,
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
        let refusals = shared.platforms[platform].refusals;
        let refusal = miniapp::__private::Refusal::find(refusals, meaning, None);
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
        // The signer borrows the state, which the lookup above needed mutably.
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

/// An RFC 3339 time as a bill writes it (`yyyy-MM-dd HH:mm:ss`).
fn readable(at: &str) -> String {
    at.get(..19).unwrap_or(at).replacen('T', " ", 1)
}
