//! The text of WeChat Pay's bills, shared by v2 (`downloadBill`, `downloadFundflow`) and
//! API v3 (the files behind `tradebill` and `fundflowbill`, the same format): the
//! columns, values behind a backtick, amounts in yuan, fees in 0.00001 yuan, a
//! byte-order mark and CRLF lines, gzip when asked.

use std::io::Write;

/// The current 27-column format of an `ALL` bill.
pub(crate) const ALL: &[&str] = &[
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
];
/// A `SUCCESS` bill (payments only).
pub(crate) const SUCCESS: &[&str] = &[
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "费率备注",
];
/// A `REFUND` bill (refunds only).
pub(crate) const REFUND: &[&str] = &[
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "退款申请时间",
    "退款成功时间",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
];
pub(crate) const SUMMARY: &[&str] = &[
    "总交易单数",
    "应结订单总金额",
    "退款总金额",
    "充值券退款总金额",
    "手续费总金额",
    "订单总金额",
    "申请退款总金额",
];
pub(crate) const FUND_FLOW: &[&str] = &[
    "记账时间",
    "微信支付业务单号",
    "资金流水单号",
    "业务名称",
    "业务类型",
    "收支类型",
    "收支金额（元）",
    "账户结余（元）",
    "资金变更提交申请人",
    "备注",
    "业务凭证号",
];
pub(crate) const FUND_FLOW_SUMMARY: &[&str] = &[
    "资金流水总笔数",
    "收入笔数",
    "收入金额",
    "支出笔数",
    "支出金额",
];

/// The fee rate the simulated merchant pays: 0.6 %.
pub(crate) const RATE: &str = "0.60%";
/// Fees are written in units of 0.00001 yuan; 0.6 % of a fen is 6 of them.
pub(crate) const FEE_UNITS_PER_FEN: i64 = 6;

/// One line of values, each behind a backtick. A backtick or line break inside a value
/// would split it, so they become a quote and a space.
pub(crate) fn values(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| format!("`{}", c.replace('`', "'").replace(['\r', '\n'], " ")))
        .collect::<Vec<_>>()
        .join(",")
}

/// 0.00001-yuan units as yuan with five decimals (fees are finer than a fen).
pub(crate) fn fee(units: i64) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let units = units.unsigned_abs();
    format!("{sign}{}.{:05}", units / 100_000, units % 100_000)
}

/// The bill's text: a byte-order mark, the lines joined and ended with CRLF.
pub(crate) fn text(lines: &[String]) -> String {
    format!("\u{feff}{}\r\n", lines.join("\r\n"))
}

/// The bytes gzipped (`tar_type=GZIP`).
pub(crate) fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniapp::runtime::money::fen_to_yuan as yuan;

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
