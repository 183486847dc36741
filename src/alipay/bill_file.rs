//! Alipay's bills: `bill().download_url_query()` answers a `bill_download_url`, valid
//! 30 seconds; the file behind it is a plain, unsigned GET of a zip holding GBK CSV
//! files — the detail (`…_业务明细.csv`) and the summary (`…_业务明细(汇总).csv`).
//!
//! **Where a bill is fetched from.** Nothing signs the file, so the client only fetches
//! it from a host it already trusts, and checks this before anything is sent:
//!
//! * a client on Alipay's own gateways (production or sandbox): only the documented
//!   download hosts in [`ALIPAY_BILL_HOSTS`], over `http` or `https` (the docs' URLs
//!   are `http://dwbillcenter.alipay.com/…`);
//! * a client with a custom base URL (a proxy, the simulator): only that base URL's own
//!   origin — the same scheme, host and port.
//!
//! A URL with user info, another scheme or any other host is refused
//! ([`BillError::Url`]); a redirect is refused, whatever the client's redirect policy
//! (the answer must come from the origin asked). When your deployment fetches bills
//! from elsewhere, fetch the bytes yourself and read them with [`TradeBill::parse`].
//!
//! **Bounds.** At most [`MAX_BILL_ZIP_BYTES`] are downloaded, at most
//! [`MAX_BILL_FILES`] files read from the zip, at most [`MAX_BILL_TEXT_BYTES`] in all
//! once decompressed (a zip bomb stops there).
//!
//! **The layout** (Alipay publishes no specification of the file; this follows the
//! files it serves): `#` lines around a header row and the data rows — the account,
//! the period, the `业务明细列表` markers, the totals (`#交易合计：…`, `#退款合计：…`)
//! and the export time. Identifier cells end with a tab (so spreadsheets keep them as
//! text), which is trimmed; refund rows carry negative amounts. Columns are found by
//! header name, never by position. The files are told apart by their content (the
//! detail's `业务明细列表` block, the summary's `业务汇总列表`), as entry names come in
//! GBK without the zip's UTF-8 flag.

use super::{Alipay, Client};
use crate::runtime::money::signed_yuan_to_fen;
use crate::runtime::BodySnippet;
use std::io::Read;
use std::time::Duration;

/// Alipay's documented bill download hosts (the host of the docs' example
/// `bill_download_url`), trusted on a client that uses Alipay's own gateways.
pub const ALIPAY_BILL_HOSTS: &[&str] = &["dwbillcenter.alipay.com"];
/// Largest download accepted (the zip as sent).
pub const MAX_BILL_ZIP_BYTES: usize = 64 << 20;
/// Largest text accepted from one zip, all files together, once decompressed.
pub const MAX_BILL_TEXT_BYTES: u64 = 256 << 20;
/// Most files read from one zip (a trade bill has two).
pub const MAX_BILL_FILES: usize = 16;

/// Why a bill could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BillError {
    /// Not a URL this client fetches bills from (see the module docs); nothing was sent.
    #[error("bill_download_url refused, nothing sent: {0}")]
    Url(String),
    /// The download did not complete (timeout, connection, a redirect, too large).
    #[error("the bill download failed: {0}")]
    Fetch(String),
    /// A non-2xx answer.
    #[error("the bill download answered HTTP {status}: {body}")]
    Status { status: u16, body: BodySnippet },
    /// Not a zip, a zip this client cannot read, or larger than the bounds once
    /// decompressed.
    #[error("the bill is not a readable zip: {0}")]
    Zip(String),
    /// A file of the bill does not read as a bill.
    #[error("bill file {file:?} line {line}: {reason}")]
    Parse {
        file: String,
        line: usize,
        reason: String,
    },
}

/// A trade bill (`bill_type=trade`): its detail, typed, and its summary, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TradeBill {
    /// The detail file (`…_业务明细.csv`).
    pub detail: BillDetail,
    /// The summary file (`…_业务明细(汇总).csv`), when the zip has one.
    pub summary: Option<BillTable>,
    /// Files of the zip that are neither, as tables.
    pub others: Vec<BillTable>,
}

/// The detail file: every transaction, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BillDetail {
    /// The file's name in the zip (decoded from GBK when it is not UTF-8).
    pub file_name: String,
    /// The header row's names, as written (trimmed).
    pub columns: Vec<String>,
    pub rows: Vec<BillRow>,
    /// Every `#` line, without the `#`, in order (account, period, totals, export time).
    pub notes: Vec<String>,
    /// `#交易合计：N笔，商家实收共X元，商家优惠共Y元`, when present.
    pub trade_total: Option<BillTotal>,
    /// `#退款合计：N笔，商家实收退款共-X元，商家优惠退款共Y元`, when present (amounts
    /// as written: negative).
    pub refund_total: Option<BillTotal>,
}

/// A totals line of the detail file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BillTotal {
    /// How many rows (笔).
    pub count: u64,
    /// 商家实收, fen.
    pub merchant_received: i64,
    /// 商家优惠, fen.
    pub merchant_discount: i64,
}

/// One row of the detail: every value (trimmed, trailing tab removed) by column, and
/// the columns a trade bill has, typed. Amounts are fen; refund rows are negative.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BillRow {
    /// Every value, in the order of [`BillDetail::columns`].
    pub values: Vec<String>,
    /// 支付宝交易号
    pub trade_no: String,
    /// 商户订单号
    pub out_trade_no: String,
    /// 业务类型: `交易` (a payment) or `退款` (a refund), as written.
    pub kind: String,
    /// 商品名称
    pub subject: String,
    /// 创建时间, as written (`yyyy-MM-dd HH:mm:ss`).
    pub created_at: String,
    /// 完成时间, as written.
    pub finished_at: String,
    /// 订单金额（元）, fen.
    pub total_amount: i64,
    /// 商家实收（元）, fen.
    pub receipt_amount: i64,
    /// 退款批次号/请求号 (refund rows), when not empty.
    pub out_request_no: Option<String>,
    /// 服务费（元）, fen, when the bill has the column.
    pub service_fee: Option<i64>,
    /// 备注, when not empty.
    pub remark: Option<String>,
}

impl BillRow {
    /// Is it a refund row (`业务类型` 退款)?
    pub fn is_refund(&self) -> bool {
        self.kind == "退款"
    }
}

impl BillDetail {
    /// The value of `row` under `column` (matched ignoring full-width/ASCII brackets).
    pub fn value<'a>(&self, row: &'a BillRow, column: &str) -> Option<&'a str> {
        let i = self.columns.iter().position(|c| same_column(c, column))?;
        row.values.get(i).map(String::as_str)
    }
}

/// A file of the bill as a table: its `#` lines, header row and data rows, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BillTable {
    pub file_name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

impl TradeBill {
    /// Reads a trade bill from the zip's bytes (as downloaded).
    pub fn parse(zip_bytes: &[u8]) -> Result<TradeBill, BillError> {
        let files = unzip(zip_bytes)?;
        let mut detail = None;
        let mut summary = None;
        let mut others = Vec::new();
        for (name, text) in files {
            let table = table(&name, &text)?;
            if detail.is_none() && text.contains("业务明细列表") {
                detail = Some(table);
            } else if summary.is_none() && text.contains("业务汇总列表") {
                summary = Some(table);
            } else {
                others.push(table);
            }
        }
        let Some(detail) = detail else {
            return Err(BillError::Zip(
                "no file holds a 业务明细列表 (the detail of a trade bill)".into(),
            ));
        };
        Ok(TradeBill {
            detail: typed(detail)?,
            summary,
            others,
        })
    }
}

impl Client {
    /// Downloads the bill `bill().download_url_query()` pointed at (do it within 30
    /// seconds) and reads it. The URL must be on a host this client trusts — see
    /// [`bill_file`](self) for the rule; anything else is refused before sending.
    pub async fn download_bill(&self, bill_download_url: &str) -> Result<TradeBill, BillError> {
        let url = self.bill_url(bill_download_url)?;
        let bytes = self.fetch_bill(url).await?;
        TradeBill::parse(&bytes)
    }

    /// The URL, if this client may fetch a bill from it.
    fn bill_url(&self, text: &str) -> Result<reqwest::Url, BillError> {
        let url = reqwest::Url::parse(text.trim())
            .map_err(|e| BillError::Url(format!("not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(BillError::Url(format!("scheme {:?}", url.scheme())));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(BillError::Url("the URL carries user info".into()));
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let base = reqwest::Url::parse(self.base_url())
            .map_err(|e| BillError::Url(format!("the client's base URL: {e}")))?;
        let hosts = <Alipay as crate::runtime::Platform>::HOSTS;
        let on_alipay = [Some(hosts.production), hosts.sandbox]
            .iter()
            .flatten()
            .any(|h| h.trim_end_matches('/') == self.base_url().trim_end_matches('/'));
        if on_alipay {
            if ALIPAY_BILL_HOSTS.contains(&host.as_str()) {
                return Ok(url);
            }
            return Err(BillError::Url(format!(
                "host {host:?} is not one of Alipay's bill hosts {ALIPAY_BILL_HOSTS:?}"
            )));
        }
        if url.origin() == base.origin() {
            return Ok(url);
        }
        Err(BillError::Url(format!(
            "{}://{host}:{} is not the origin of the client's base URL",
            url.scheme(),
            url.port_or_known_default().unwrap_or_default()
        )))
    }

    /// GETs `url` with the client's HTTP client and timeout: no redirect, no answer from
    /// another origin, at most [`MAX_BILL_ZIP_BYTES`].
    async fn fetch_bill(&self, url: reqwest::Url) -> Result<Vec<u8>, BillError> {
        let transport = self.transport_ref();
        let after: Duration = transport.timeout();
        let origin = url.origin();
        let exchange = async {
            let mut response = transport
                .http()
                .get(url)
                .send()
                .await
                .map_err(|e| BillError::Fetch(e.without_url().to_string()))?;
            let status = response.status();
            if status.is_redirection() || response.url().origin() != origin {
                return Err(BillError::Fetch(format!(
                    "answered a redirect (HTTP {}); bills are only taken from the origin asked",
                    status.as_u16()
                )));
            }
            let too_large = || {
                BillError::Fetch(format!(
                    "the bill is larger than {MAX_BILL_ZIP_BYTES} bytes"
                ))
            };
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BILL_ZIP_BYTES as u64)
            {
                return Err(too_large());
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| BillError::Fetch(e.without_url().to_string()))?
            {
                if body.len() + chunk.len() > MAX_BILL_ZIP_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            if !status.is_success() {
                return Err(BillError::Status {
                    status: status.as_u16(),
                    body: BodySnippet::new(&body),
                });
            }
            Ok(body)
        };
        match tokio::time::timeout(after, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => Err(BillError::Fetch(format!(
                "no whole answer within {after:?}"
            ))),
        }
    }
}

/// The zip's files: name (UTF-8, else GBK) and text (GBK decoded), within the bounds.
fn unzip(bytes: &[u8]) -> Result<Vec<(String, String)>, BillError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        BillError::Zip(format!(
            "{e} (the download began {:?})",
            BodySnippet::new(&bytes[..bytes.len().min(64)]).text()
        ))
    })?;
    let mut files = Vec::new();
    let mut budget = MAX_BILL_TEXT_BYTES;
    for i in 0..archive.len() {
        if files.len() == MAX_BILL_FILES {
            return Err(BillError::Zip(format!("more than {MAX_BILL_FILES} files")));
        }
        let mut entry = archive
            .by_index(i)
            .map_err(|e| BillError::Zip(format!("file {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = gbk_or_utf8(entry.name_raw());
        let mut raw = Vec::new();
        (&mut entry)
            .take(budget + 1)
            .read_to_end(&mut raw)
            .map_err(|e| BillError::Zip(format!("{name:?}: {e}")))?;
        if raw.len() as u64 > budget {
            return Err(BillError::Zip(format!(
                "more than {MAX_BILL_TEXT_BYTES} bytes once decompressed"
            )));
        }
        budget -= raw.len() as u64;
        files.push((name, gbk_or_utf8(&raw)));
    }
    Ok(files)
}

/// UTF-8 when the bytes are (with or without a byte-order mark), else GBK.
fn gbk_or_utf8(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GBK
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// A cell as the bill means it: surrounding spaces and the tab that keeps
/// identifiers text in spreadsheets removed.
fn cell(raw: &str) -> String {
    raw.trim_matches(|c: char| c == '\t' || c == ' ' || c == '\r')
        .to_owned()
}

/// Splits a CSV line on commas; a field that starts with a double quote runs to its
/// closing quote (`""` inside it is one quote), as RFC 4180 writes them.
fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    current.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            }
            '"' if current.trim().is_empty() => {
                current.clear();
                quoted = true;
            }
            ',' if !quoted => out.push(cell(&std::mem::take(&mut current))),
            c => current.push(c),
        }
    }
    out.push(cell(&current));
    out
}

/// The file as a table: `#` lines kept as notes, the first other line the header.
fn table(name: &str, text: &str) -> Result<BillTable, BillError> {
    let mut table = BillTable {
        file_name: name.to_owned(),
        columns: Vec::new(),
        rows: Vec::new(),
        notes: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if let Some(note) = line.strip_prefix('#') {
            table.notes.push(note.trim().to_owned());
        } else if line.trim().is_empty() {
            continue;
        } else if table.columns.is_empty() {
            table.columns = split(line);
        } else {
            let values = split(line);
            if values.len() > table.columns.len() + 1 {
                return Err(BillError::Parse {
                    file: name.to_owned(),
                    line: i + 1,
                    reason: format!(
                        "{} values for {} columns",
                        values.len(),
                        table.columns.len()
                    ),
                });
            }
            table.rows.push(values);
        }
    }
    Ok(table)
}

/// Same column name, ignoring full-width or ASCII brackets.
fn same_column(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect()
    };
    norm(a) == norm(b)
}

/// The detail's rows typed by header name.
fn typed(table: BillTable) -> Result<BillDetail, BillError> {
    let file = table.file_name.clone();
    let fail = |line: usize, reason: String| BillError::Parse {
        file: file.clone(),
        line,
        reason,
    };
    let find = |name: &str| table.columns.iter().position(|c| same_column(c, name));
    let need = |name: &str| find(name).ok_or_else(|| fail(0, format!("no column {name:?}")));
    let trade_no = need("支付宝交易号")?;
    let out_trade_no = need("商户订单号")?;
    let kind = need("业务类型")?;
    let total = need("订单金额(元)")?;
    let receipt = need("商家实收(元)")?;
    let (subject, created, finished) = (find("商品名称"), find("创建时间"), find("完成时间"));
    let (request_no, fee, remark) = (find("退款批次号/请求号"), find("服务费(元)"), find("备注"));
    let mut rows = Vec::with_capacity(table.rows.len());
    for (n, values) in table.rows.iter().enumerate() {
        let row_no = n + 1;
        let text = |i: Option<usize>| -> String {
            i.and_then(|i| values.get(i)).cloned().unwrap_or_default()
        };
        let some = |i: Option<usize>| Some(text(i)).filter(|v| !v.is_empty());
        let fen = |i: usize, name: &str| -> Result<i64, BillError> {
            let v = values.get(i).map(String::as_str).unwrap_or_default();
            signed_yuan_to_fen(v).map_err(|e| fail(row_no, format!("row {row_no}, {name}: {e}")))
        };
        let service_fee = match fee.map(|i| values.get(i).map(String::as_str).unwrap_or("")) {
            None | Some("") => None,
            Some(_) => Some(fen(fee.unwrap_or_default(), "服务费")?),
        };
        rows.push(BillRow {
            trade_no: text(Some(trade_no)),
            out_trade_no: text(Some(out_trade_no)),
            kind: text(Some(kind)),
            subject: text(subject),
            created_at: text(created),
            finished_at: text(finished),
            total_amount: fen(total, "订单金额")?,
            receipt_amount: fen(receipt, "商家实收")?,
            out_request_no: some(request_no),
            service_fee,
            remark: some(remark),
            values: values.clone(),
        });
    }
    let total_of = |prefix: &str| -> Result<Option<BillTotal>, BillError> {
        match table.notes.iter().find(|n| n.starts_with(prefix)) {
            None => Ok(None),
            Some(line) => total_line(line)
                .map(Some)
                .ok_or_else(|| fail(0, format!("unreadable totals line {line:?}"))),
        }
    };
    let (trade_total, refund_total) = (total_of("交易合计")?, total_of("退款合计")?);
    Ok(BillDetail {
        file_name: table.file_name,
        columns: table.columns,
        rows,
        notes: table.notes,
        trade_total,
        refund_total,
    })
}

/// `交易合计：3笔，商家实收共1.50元，商家优惠共0.00元`: the count, then the first two
/// amounts (each the text between `共` and `元`).
fn total_line(line: &str) -> Option<BillTotal> {
    let (_, rest) = line.split_once(['：', ':'])?;
    let (count, rest) = rest.split_once('笔')?;
    let mut amounts = rest.split('共').skip(1).map(|part| {
        let (amount, _) = part.split_once('元')?;
        signed_yuan_to_fen(amount.trim()).ok()
    });
    Some(BillTotal {
        count: count.trim().parse().ok()?,
        merchant_received: amounts.next()??,
        merchant_discount: amounts.next()??,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_lines_and_cells() {
        let t = total_line("交易合计：3笔，商家实收共1.50元，商家优惠共0.00元").unwrap();
        assert_eq!(
            (t.count, t.merchant_received, t.merchant_discount),
            (3, 150, 0)
        );
        let r = total_line("退款合计：1笔，商家实收退款共-0.33元，商家优惠退款共0.00元").unwrap();
        assert_eq!((r.count, r.merchant_received), (1, -33));
        assert!(total_line("交易合计：x笔").is_none());
        assert_eq!(
            cell("2019091622001458860515315453\t"),
            "2019091622001458860515315453"
        );
        assert_eq!(split("a\t,\"b,c\", d "), ["a", "b,c", "d"]);
        assert_eq!(split("\"say \"\"hi\"\"\",x\"y"), ["say \"hi\"", "x\"y"]);
        assert!(same_column("订单金额（元）", "订单金额(元)"));
        assert_eq!(gbk_or_utf8(&[0xD6, 0xA7, 0xB8, 0xB6]), "支付");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"PK\x03\x04",
            b"<html>expired</html>",
            &[0xff; 100],
        ] {
            assert!(matches!(TradeBill::parse(bytes), Err(BillError::Zip(_))));
        }
    }
}
