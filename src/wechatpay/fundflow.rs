//! Fund-flow bills (`downloadfundflow`): the merchant account's bookings, in the same
//! table form as trade bills (backtick-prefixed values, a summary), amounts to fen.

use super::bill::{err, fen_at, lookup, BillError, Table};
use super::pay::DownloadFundflowRequest;
use super::{pay, Client};
use crate::runtime::Error;

/// A parsed fund-flow bill, with the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundFlow {
    pub columns: Vec<String>,
    pub rows: Vec<FundFlowRow>,
    pub summary: FundFlowSummary,
    text: String,
}

/// One booking: every value by column, and the documented columns typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FundFlowRow {
    pub values: Vec<String>,
    /// 记账时间
    pub booked_at: String,
    /// 微信支付业务单号
    pub business_no: String,
    /// 资金流水单号
    pub flow_no: String,
    /// 业务名称
    pub business_name: String,
    /// 业务类型
    pub business_type: String,
    /// 收支类型: 收入 or 支出
    pub direction: String,
    /// 收支金额, fen
    pub amount: i64,
    /// 账户结余, fen
    pub balance: i64,
}

/// The summary line, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FundFlowSummary {
    /// 资金流水总笔数
    pub total_records: u64,
    /// 收入笔数
    pub income_records: u64,
    /// 收入金额, fen
    pub income: i64,
    /// 支出笔数
    pub expense_records: u64,
    /// 支出金额, fen
    pub expense: i64,
}

impl FundFlow {
    /// Parses a fund-flow bill from the bytes `downloadfundflow` answered (gzip or text).
    pub fn parse(bytes: &[u8]) -> Result<FundFlow, BillError> {
        let table = Table::parse(bytes)?;
        let rows = table.map_rows(row)?;
        let (names, values, line) = (&table.summary_columns, &table.summary, table.summary_line);
        let count = |name: &str| -> Result<u64, BillError> {
            lookup(names, values, &[name])
                .ok_or_else(|| err(line - 1, format!("no column {name}")))?
                .parse()
                .map_err(|_| err(line, format!("{name} is not a count")))
        };
        let fen = |name: &str| -> Result<i64, BillError> {
            fen_at(names, values, &[name], line)?
                .ok_or_else(|| err(line - 1, format!("no column {name}")))
        };
        let summary = FundFlowSummary {
            total_records: count("资金流水总笔数")?,
            income_records: count("收入笔数")?,
            income: fen("收入金额")?,
            expense_records: count("支出笔数")?,
            expense: fen("支出金额")?,
        };
        Ok(FundFlow {
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
}

// The amount columns carry their unit; both parenthesis widths occur.
const AMOUNT: &[&str] = &["收支金额（元）", "收支金额(元)"];
const BALANCE: &[&str] = &["账户结余（元）", "账户结余(元)"];

fn row(columns: &[String], values: &[String], line: usize) -> Result<FundFlowRow, BillError> {
    let text = |name: &str| {
        lookup(columns, values, &[name])
            .map(str::to_owned)
            .ok_or_else(|| err(1, format!("no column {name}")))
    };
    let fen = |names: &[&str]| {
        fen_at(columns, values, names, line)?
            .ok_or_else(|| err(1, format!("no column {}", names[0])))
    };
    Ok(FundFlowRow {
        booked_at: text("记账时间")?.replace('：', ":"),
        business_no: text("微信支付业务单号")?,
        flow_no: text("资金流水单号")?,
        business_name: text("业务名称")?,
        business_type: text("业务类型")?,
        direction: text("收支类型")?,
        amount: fen(AMOUNT)?,
        balance: fen(BALANCE)?,
        values: values.to_vec(),
    })
}

impl Client {
    /// Downloads and parses a fund-flow bill. The call needs the client certificate and
    /// is always signed with HMAC-SHA256, as the docs require.
    pub async fn download_fundflow(
        &self,
        request: DownloadFundflowRequest,
    ) -> Result<FundFlow, Error<pay::DownloadFundflowError>> {
        let media = self.pay().download_fundflow(request).await?;
        FundFlow::parse(&media.bytes)
            .map_err(|e| super::bill::unparsable("pay.downloadFundflow", &media.bytes, e))
    }
}
