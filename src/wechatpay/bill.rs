//! Bills (`downloadbill`): a header line, one line per transaction with every value
//! prefixed by a backtick, a summary header and a summary line. Real bills may start
//! with a byte-order mark, end lines with CRLF, write times with full-width colons, and
//! arrive gzipped (`tar_type=GZIP`). Amounts become integer fen, exactly.

use super::pay::DownloadBillRequest;
use super::{pay, Client};
use crate::runtime::money::{yuan_to_fen, MoneyError};
use crate::runtime::{BodySnippet, Error};
use std::io::Read;

/// The value under the first of `names` that the columns have.
pub(super) fn lookup<'a>(
    columns: &[String],
    values: &'a [String],
    names: &[&str],
) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| columns.iter().position(|c| c == n))
        .and_then(|i| values.get(i))
        .map(String::as_str)
}

/// The amount in fen under the first of `names`, if the columns have one.
pub(super) fn fen_at(
    columns: &[String],
    values: &[String],
    names: &[&str],
    line: usize,
) -> Result<Option<i64>, BillError> {
    lookup(columns, values, names)
        .map(|v| yuan_to_fen(v).map_err(|e: MoneyError| err(line, e.to_string())))
        .transpose()
}

/// Largest bill text accepted after decompression (a gzip bomb stops here).
const MAX_BILL_BYTES: u64 = 256 << 20;

/// A parsed bill, with the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    /// The column names of the transaction lines, as the bill writes them.
    pub columns: Vec<String>,
    pub rows: Vec<BillRow>,
    pub summary: BillSummary,
    text: String,
}

/// One transaction line: every value (backtick stripped) by column, and the columns
/// every bill type has, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BillRow {
    pub values: Vec<String>,
    /// 交易时间, `yyyy-MM-dd HH:mm:ss` (full-width colons normalised).
    pub trade_time: String,
    /// 微信订单号
    pub transaction_id: String,
    /// 商户订单号
    pub out_trade_no: String,
    /// 交易类型
    pub trade_type: String,
    /// 交易状态
    pub trade_state: String,
    /// 应结订单金额 (or 总金额 in the old format), fen.
    pub settlement_total_fee: i64,
    /// 订单金额, fen (newer formats only).
    pub total_fee: Option<i64>,
    /// 退款金额, fen (bills with refunds).
    pub refund_fee: Option<i64>,
}

/// The summary line, typed; the poundage keeps its five decimals as text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BillSummary {
    /// 总交易单数
    pub total_records: u64,
    /// 应结订单总金额 / 总交易额, fen.
    pub total_fee: i64,
    /// 退款总金额 / 总退款金额, fen.
    pub total_refund_fee: i64,
    /// 充值券退款总金额 / 总代金券或立减优惠退款金额, fen.
    pub total_coupon_fee: i64,
    /// 手续费总金额, as written (`0.01000`: finer than fen).
    pub total_poundage_fee: String,
    /// 订单总金额, fen (newer formats only).
    pub total_amount: Option<i64>,
    /// 申请退款总金额, fen (newer formats only).
    pub total_applied_refund_fee: Option<i64>,
}

/// Why a bill could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bill line {line}: {reason}")]
pub struct BillError {
    pub line: usize,
    pub reason: String,
}

impl Bill {
    /// Parses a bill from the bytes `downloadbill` answered (gzip or text).
    pub fn parse(bytes: &[u8]) -> Result<Bill, BillError> {
        let table = Table::parse(bytes)?;
        let rows = table.map_rows(row)?;
        let summary = summary(&table.summary_columns, &table.summary, table.summary_line)?;
        Ok(Bill {
            columns: table.columns,
            rows,
            summary,
            text: table.text,
        })
    }

    /// The bill's text, as it came (decompressed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The value of `column` in `row`, if the bill has that column.
    pub fn value<'a>(&self, row: &'a BillRow, column: &str) -> Option<&'a str> {
        let at = self.columns.iter().position(|c| c == column)?;
        row.values.get(at).map(String::as_str)
    }
}

impl Client {
    /// Downloads and parses a bill: `tar_type=GZIP` answers are decompressed; an XML
    /// refusal is the endpoint's typed error; a bill that does not parse is
    /// [`Error::Decode`] with the start of its text.
    pub async fn download_bill(
        &self,
        request: DownloadBillRequest,
    ) -> Result<Bill, Error<pay::DownloadBillError>> {
        let media = self.pay().download_bill(request).await?;
        Bill::parse(&media.bytes).map_err(|e| unparsable("pay.downloadBill", &media.bytes, e))
    }
}

/// A downloaded bill that does not parse: a decode error with the start of its text.
pub(crate) fn unparsable<E>(endpoint: &'static str, bytes: &[u8], e: BillError) -> Error<E> {
    Error::Decode {
        endpoint,
        status: 200,
        reason: e.to_string(),
        body: BodySnippet::new(bytes),
    }
}

/// What every WeChat Pay bill is: a header, backtick-prefixed value lines, a summary
/// header and a summary line — split, with each line's values counted against its
/// header.
pub(super) struct Table {
    pub(super) columns: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
    pub(super) summary_columns: Vec<String>,
    pub(super) summary: Vec<String>,
    /// Line number of the summary values (for errors).
    pub(super) summary_line: usize,
    pub(super) text: String,
}

impl Table {
    /// Each value line through `row`, with its line number (the header is line 1).
    pub(super) fn map_rows<R>(
        &self,
        row: impl Fn(&[String], &[String], usize) -> Result<R, BillError>,
    ) -> Result<Vec<R>, BillError> {
        let lines = self.rows.iter().enumerate();
        lines
            .map(|(i, values)| row(&self.columns, values, i + 2))
            .collect()
    }

    pub(super) fn parse(bytes: &[u8]) -> Result<Table, BillError> {
        let text = bill_text(bytes)?;
        let lines: Vec<&str> = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.trim().is_empty())
            .collect();
        let [header, body @ ..] = lines.as_slice() else {
            return Err(err(1, "the bill is empty"));
        };
        let columns = header_fields(header);
        let data_end = body
            .iter()
            .position(|l| !l.starts_with('`'))
            .unwrap_or(body.len());
        let mut rows = Vec::with_capacity(data_end);
        for (i, line) in body[..data_end].iter().enumerate() {
            let values = values(line);
            if values.len() != columns.len() {
                return Err(err(
                    i + 2,
                    format!("{} values for {} columns", values.len(), columns.len()),
                ));
            }
            rows.push(values);
        }
        let summary_line = data_end + 3;
        let (Some(summary_header), Some(summary_values)) =
            (body.get(data_end), body.get(data_end + 1))
        else {
            return Err(err(summary_line - 1, "the summary lines are missing"));
        };
        let (summary_columns, summary) = (header_fields(summary_header), values(summary_values));
        if summary_columns.len() != summary.len() {
            return Err(err(
                summary_line,
                format!(
                    "{} summary values for {} columns",
                    summary.len(),
                    summary_columns.len()
                ),
            ));
        }
        Ok(Table {
            columns,
            rows,
            summary_columns,
            summary,
            summary_line,
            text,
        })
    }
}

pub(super) fn err(line: usize, reason: impl Into<String>) -> BillError {
    BillError {
        line,
        reason: reason.into(),
    }
}

/// The bill's text: gunzipped when it is gzip, without a byte-order mark.
fn bill_text(bytes: &[u8]) -> Result<String, BillError> {
    let decoded;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(MAX_BILL_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| err(0, format!("not a gzip bill: {e}")))?;
        if out.len() as u64 > MAX_BILL_BYTES {
            return Err(err(
                0,
                format!("larger than {MAX_BILL_BYTES} bytes once decompressed"),
            ));
        }
        decoded = out;
        &decoded[..]
    } else {
        bytes
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).map_err(|_| err(0, "the bill is not UTF-8"))
}

fn header_fields(line: &str) -> Vec<String> {
    line.split(',').map(|f| f.trim().to_owned()).collect()
}

/// A data line's values: each starts with a backtick; splitting on ",`" keeps commas
/// inside values (product names) intact.
fn values(line: &str) -> Vec<String> {
    line.strip_prefix('`')
        .unwrap_or(line)
        .split(",`")
        .map(|v| v.trim().to_owned())
        .collect()
}

fn row(columns: &[String], values: &[String], number: usize) -> Result<BillRow, BillError> {
    let values = values.to_vec();
    let get = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| columns.iter().position(|c| c == n))
            .map(|i| values[i].as_str())
    };
    let need = |names: &[&str]| {
        get(names)
            .map(str::to_owned)
            .ok_or_else(|| err(1, format!("no column {}", names[0])))
    };
    let fen = |names: &[&str]| -> Result<Option<i64>, BillError> {
        get(names)
            .map(|v| yuan_to_fen(v).map_err(|e: MoneyError| err(number, e.to_string())))
            .transpose()
    };
    Ok(BillRow {
        trade_time: need(&["交易时间"])?.replace('：', ":"),
        transaction_id: need(&["微信订单号"])?,
        out_trade_no: need(&["商户订单号"])?,
        trade_type: need(&["交易类型"])?,
        trade_state: need(&["交易状态"])?,
        settlement_total_fee: fen(&["应结订单金额", "总金额"])?
            .ok_or_else(|| err(1, "no column 应结订单金额"))?,
        total_fee: fen(&["订单金额"])?,
        refund_fee: fen(&["退款金额"])?,
        values,
    })
}

fn summary(names: &[String], values: &[String], line: usize) -> Result<BillSummary, BillError> {
    if names.len() != values.len() {
        return Err(err(
            line,
            format!(
                "{} summary values for {} columns",
                values.len(),
                names.len()
            ),
        ));
    }
    let get = |options: &[&str]| {
        options
            .iter()
            .find_map(|n| names.iter().position(|c| c == n))
            .map(|i| values[i].as_str())
    };
    let fen = |options: &[&str]| -> Result<Option<i64>, BillError> {
        get(options)
            .map(|v| yuan_to_fen(v).map_err(|e| err(line, e.to_string())))
            .transpose()
    };
    let required =
        |v: Option<i64>, name: &str| v.ok_or_else(|| err(line - 1, format!("no column {name}")));
    Ok(BillSummary {
        total_records: get(&["总交易单数"])
            .ok_or_else(|| err(line - 1, "no column 总交易单数"))?
            .parse()
            .map_err(|_| err(line, "总交易单数 is not a count"))?,
        total_fee: required(fen(&["应结订单总金额", "总交易额"])?, "应结订单总金额")?,
        total_refund_fee: required(fen(&["退款总金额", "总退款金额"])?, "退款总金额")?,
        total_coupon_fee: required(
            fen(&["充值券退款总金额", "总代金券或立减优惠退款金额"])?,
            "充值券退款总金额",
        )?,
        total_poundage_fee: get(&["手续费总金额"]).unwrap_or_default().to_owned(),
        total_amount: fen(&["订单总金额"])?,
        total_applied_refund_fee: fen(&["申请退款总金额"])?,
    })
}
