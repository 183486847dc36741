//! `alipay.data.dataservice.bill.downloadurl.query` and the download it points at: a
//! zip of two GBK CSV files — the detail (`…_业务明细.csv`) and the summary
//! (`…_业务明细(汇总).csv`) — of the trades paid and the refunds made that day (or
//! month), written as Alipay's files are laid out.

use super::answer;
use super::books::BillDownload;
use super::books::Books;
use super::read;
use super::trade::logon_id;
use super::{refuse, Biz, Refund, Trade, SIMULATED_SELLER_ID};
use crate::engine::{Desk, Reply, Shared, State};
use crate::request::Incoming;
use miniapp::__private::RawResponse;
use miniapp::alipay::bill::{BillType, DownloadUrlQueryRequest};
use miniapp::alipay::bill::{DownloadUrlQueryError, DownloadUrlQueryResponse};
use miniapp::runtime::money::fen_to_yuan as yuan;
use std::io::Write;
use std::time::{Duration, Instant};

/// The download's path, outside the schema's endpoints (as in the docs' example URL).
pub(super) const DOWNLOAD_PATH: &str = "/downloadBillFile.resource";
/// How long a download URL is valid: 30 seconds, as the docs say.
const VALID: Duration = Duration::from_secs(30);

/// The detail's columns (a trade bill of a merchant account).
const DETAIL_COLUMNS: [&str; 25] = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
];

const SUMMARY_COLUMNS: [&str; 12] = [
    "门店编号",
    "门店名称",
    "交易订单总笔数",
    "退款订单总笔数",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "卡消费金额（元）",
    "服务费（元）",
    "分润（元）",
    "实收净额（元）",
];

const RULE: &str = "-----------------------------------------";

/// A line of the detail.
enum Record<'a> {
    Payment(&'a Trade),
    Refund(&'a Trade, &'a Refund),
}

pub(super) fn download_url_query(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let invalid = |desk: &Desk<'_>| {
        refuse(
            desk,
            DownloadUrlQueryError::InvalidArguments {
                message: "入参不合法".into(),
            },
        )
    };
    let request: DownloadUrlQueryRequest = read(desk, biz)?;
    let date = request.bill_date;
    if !is_bill_date(&date) {
        return Err(invalid(desk));
    }
    let none = |desk: &Desk<'_>| {
        refuse(
            desk,
            DownloadUrlQueryError::BillNotExist {
                message: "账单不存在".into(),
            },
        )
    };
    if request.bill_type != BillType::Trade {
        // Only the trade bill is simulated.
        return Err(none(desk));
    }
    let books = desk.state.merchant::<Books>()?;
    let mut records: Vec<(&str, Record<'_>)> = Vec::new();
    for trade in books.trades() {
        if let Some(paid) = trade
            .gmt_payment
            .as_deref()
            .filter(|t| t.starts_with(&date))
        {
            records.push((paid, Record::Payment(trade)));
        }
    }
    for refund in books.refunds().filter(|r| r.gmt_refund.starts_with(&date)) {
        if let Some(trade) = books.trade(&refund.out_trade_no) {
            records.push((&refund.gmt_refund, Record::Refund(trade, refund)));
        }
    }
    if records.is_empty() {
        return Err(none(desk));
    }
    records.sort_by(|a, b| a.0.cmp(b.0));
    let account = format!("{SIMULATED_SELLER_ID}0156");
    let compact: String = date.chars().filter(char::is_ascii_digit).collect();
    let period = period(&date);
    let detail = detail(&account, &period, &records);
    let summary = summary(&account, &period, &records);
    let stem = format!("{account}_{compact}");
    let zip = zip_of(&[
        (format!("{stem}_业务明细.csv"), detail),
        (format!("{stem}_业务明细(汇总).csv"), summary),
    ])
    .map_err(|e| {
        refuse(
            desk,
            DownloadUrlQueryError::UnknownError {
                message: format!("miniapp simulator: {e}"),
            },
        )
    })?;
    let books = desk.state.merchant_mut::<Books>()?;
    let file_id = books.token("bill");
    let until = Instant::now() + VALID;
    books.keep_download(file_id.clone(), BillDownload { until, zip });
    let query = serde_urlencoded::to_string([
        ("bizType", "trade"),
        ("userId", account.as_str()),
        ("fileType", "csv.zip"),
        ("bizDates", compact.as_str()),
        ("downloadFileName", &format!("{stem}.csv.zip")),
        ("fileId", file_id.as_str()),
    ])
    .unwrap_or_default();
    let found = DownloadUrlQueryResponse {
        bill_download_url: format!("{}{DOWNLOAD_PATH}?{query}", desk.reached_url()),
    };
    answer(&found)
}

/// `yyyy-MM-dd` or `yyyy-MM`.
fn is_bill_date(text: &str) -> bool {
    let b = text.as_bytes();
    matches!(b.len(), 7 | 10)
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// `[yyyy年MM月dd日 00:00:00]   终止日期：[… 23:59:59]` of a day or a month.
fn period(date: &str) -> String {
    let (y, m) = (&date[..4], &date[5..7]);
    let (first, last) = match date.get(8..10) {
        Some(d) => (d.to_owned(), d.to_owned()),
        None => ("01".to_owned(), "31".to_owned()),
    };
    format!("起始日期：[{y}年{m}月{first}日 00:00:00]   终止日期：[{y}年{m}月{last}日 23:59:59]")
}

/// A CSV value: quoted when it holds a comma, a quote or a line break.
fn csv(value: &str) -> String {
    let value = value.replace(['\r', '\n'], " ");
    if value.contains([',', '"']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn detail(account: &str, period: &str, records: &[(&str, Record<'_>)]) -> String {
    let mut lines = vec![
        "#支付宝业务明细查询".to_owned(),
        format!("#账号：[{account}]"),
        format!("#{period}"),
        format!("#{RULE}业务明细列表{RULE}"),
        DETAIL_COLUMNS.join(","),
    ];
    let (mut paid, mut paid_fen, mut refunds, mut refunded_fen) = (0, 0, 0, 0);
    for (at, record) in records {
        let (trade, kind, amount, request_no, remark) = match record {
            Record::Payment(trade) => {
                paid += 1;
                paid_fen += trade.total_amount;
                let body = trade.body.clone().unwrap_or_default();
                (trade, "交易", trade.total_amount, String::new(), body)
            }
            Record::Refund(trade, refund) => {
                refunds += 1;
                refunded_fen += refund.refund_amount;
                let reason = refund.refund_reason.clone().unwrap_or_default();
                let no = format!("{}\t", refund.out_request_no);
                (trade, "退款", -refund.refund_amount, no, reason)
            }
        };
        let zero = yuan(0);
        let cells = [
            format!("{}\t", trade.trade_no),
            format!("{}\t", trade.out_trade_no),
            kind.to_owned(),
            trade.subject.clone(),
            trade.gmt_create.clone(),
            (*at).to_owned(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            logon_id(trade),
            yuan(amount),
            yuan(amount),
            zero.clone(),
            zero.clone(),
            zero.clone(),
            zero.clone(),
            zero.clone(),
            String::new(),
            zero.clone(),
            zero.clone(),
            request_no,
            zero.clone(),
            zero,
            remark,
        ];
        let cells: Vec<String> = cells.iter().map(|c| csv(c)).collect();
        lines.push(cells.join(","));
    }
    lines.push(format!("#{RULE}业务明细列表结束{RULE}"));
    lines.push(format!(
        "#交易合计：{paid}笔，商家实收共{}元，商家优惠共0.00元",
        yuan(paid_fen)
    ));
    lines.push(format!(
        "#退款合计：{refunds}笔，商家实收退款共{}元，商家优惠退款共0.00元",
        yuan(-refunded_fen)
    ));
    lines.push(format!("#导出时间：[{}]", export_time()));
    lines.join("\r\n") + "\r\n"
}

fn summary(account: &str, period: &str, records: &[(&str, Record<'_>)]) -> String {
    let paid: Vec<i64> = records
        .iter()
        .filter_map(|(_, r)| match r {
            Record::Payment(t) => Some(t.total_amount),
            Record::Refund(..) => None,
        })
        .collect();
    let refunded: Vec<i64> = records
        .iter()
        .filter_map(|(_, r)| match r {
            Record::Refund(_, refund) => Some(refund.refund_amount),
            Record::Payment(_) => None,
        })
        .collect();
    let net = paid.iter().sum::<i64>() - refunded.iter().sum::<i64>();
    let row = |store: &str| {
        [
            store.to_owned(),
            String::new(),
            paid.len().to_string(),
            refunded.len().to_string(),
            yuan(net),
            yuan(net),
            yuan(0),
            yuan(0),
            yuan(0),
            yuan(0),
            yuan(0),
            yuan(net),
        ]
        .join(",")
    };
    let lines = [
        "#支付宝业务汇总查询".to_owned(),
        format!("#账号：[{account}]"),
        format!("#{period}"),
        format!("#{RULE}业务汇总列表{RULE}"),
        SUMMARY_COLUMNS.join(","),
        row(""),
        row("合计"),
        format!("#{RULE}业务汇总列表结束{RULE}"),
        format!("#导出时间：[{}]", export_time()),
    ];
    lines.join("\r\n") + "\r\n"
}

/// Now, as the files write it: `yyyy年MM月dd日 HH:mm:ss`.
fn export_time() -> String {
    let now = super::now();
    format!(
        "{}年{}月{}日 {}",
        &now[..4],
        &now[5..7],
        &now[8..10],
        &now[11..]
    )
}

/// The zip: each file GBK-encoded (a character GBK lacks becomes `&#…;`, as
/// `encoding_rs` writes it), deflated. Entry names are UTF-8 (flagged as such): the
/// zip crate writes no other encoding, where Alipay's are GBK.
fn zip_of(files: &[(String, String)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in files {
        zip.start_file(name.as_str(), options)?;
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The platform's `extra` hook: `GET /downloadBillFile.resource?…&fileId=…`, no
/// signature (as Alipay's); a `fileId` unknown or older than 30 seconds answers 404
/// with a text of the simulator's (the docs do not say what Alipay answers).
pub(crate) fn extra(
    _shared: &Shared,
    state: &mut State,
    _platform: usize,
    path: &str,
    incoming: &Incoming,
) -> Option<RawResponse> {
    if path != DOWNLOAD_PATH {
        return None;
    }
    let text = Some("text/plain; charset=utf-8");
    if incoming.wire.method != http::Method::GET {
        return Some(RawResponse::new(
            405,
            text,
            "账单下载只支持 GET (miniapp simulator)",
        ));
    }
    let file_id = incoming.get("fileId").unwrap_or_default();
    let found = state
        .merchants
        .get_mut::<Books>()
        .and_then(|books| books.download(&file_id, Instant::now()));
    match found {
        Some(download) => Some(RawResponse::new(
            200,
            Some("application/oct-stream"),
            download.zip.clone(),
        )),
        None => Some(RawResponse::new(
            404,
            text,
            "账单下载地址不存在或已失效(30 秒内有效),请重新获取 (miniapp simulator)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_cells() {
        assert!(is_bill_date("2026-12-07") && is_bill_date("2026-12"));
        assert!(!is_bill_date("2026/12/07") && !is_bill_date("20261207"));
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv("x\r\ny"), "x  y");
    }
}
