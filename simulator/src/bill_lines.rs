//! The lines of a trade bill and of a fund-flow bill, from the payments and refunds a
//! WeChat Pay merchant keeps — v2's ledger and API v3's books alike: each gives its
//! records as [`Trade`] and [`Refunded`] views, times already written as the bills write
//! them (`yyyy-MM-dd HH:mm:ss`, which also sorts as time does), and gets the bill's lines
//! (header, records, summary header, summary) to write with [`bill_text`](super::bill_text).

use super::bill_text::{
    fee, values, ALL, FEE_UNITS_PER_FEN, FUND_FLOW, FUND_FLOW_SUMMARY, RATE, REFUND, SUCCESS,
    SUMMARY,
};
use miniapp::runtime::money::fen_to_yuan as yuan;

/// An order as a bill line shows it.
#[derive(Debug, Clone)]
pub(crate) struct Trade<'a> {
    /// When it was paid; `None`: not paid (no payment line, no booking).
    pub paid_at: Option<String>,
    pub device: &'a str,
    pub transaction_id: &'a str,
    pub out_trade_no: &'a str,
    pub openid: &'a str,
    pub trade_type: &'a str,
    pub currency: &'a str,
    /// The bank it was paid from (`bank_type`).
    pub bank: &'a str,
    pub description: &'a str,
    pub attach: &'a str,
    /// Fen.
    pub total: i64,
}

/// A refund as a bill line shows it, with its order.
#[derive(Debug, Clone)]
pub(crate) struct Refunded<'a> {
    pub trade: Trade<'a>,
    pub requested_at: String,
    /// When it succeeded; `None`: not (yet) a success (no booking).
    pub succeeded_at: Option<String>,
    pub refund_id: &'a str,
    pub out_refund_no: &'a str,
    pub status: &'a str,
    pub reason: &'a str,
    /// Fen.
    pub amount: i64,
}

/// Which records a trade bill lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    All,
    Payments,
    Refunds,
}

/// A trade bill's lines for the day (`yyyy-MM-dd`), records in time order; `None` when
/// the day has none of the listed records.
pub(crate) fn trade_bill(
    trades: &[Trade<'_>],
    refunds: &[Refunded<'_>],
    day: &str,
    listing: Listing,
    (app_id, mch_id): (&str, &str),
) -> Option<Vec<String>> {
    let mut records: Vec<Record<'_, '_>> = Vec::new();
    if listing != Listing::Refunds {
        records.extend(trades.iter().filter_map(|t| {
            let at = t.paid_at.as_deref()?;
            Some(Record::Payment(at, t))
        }));
    }
    if listing != Listing::Payments {
        records.extend(refunds.iter().map(Record::Refund));
    }
    records.retain(|r| r.at().starts_with(day));
    if records.is_empty() {
        return None;
    }
    records.sort_by(|a, b| a.at().cmp(b.at()));
    let columns = match listing {
        Listing::All => ALL,
        Listing::Payments => SUCCESS,
        Listing::Refunds => REFUND,
    };
    let mut lines = vec![columns.join(",")];
    lines.extend(records.iter().map(|r| {
        let cells: Vec<String> = columns.iter().map(|c| r.cell(c, app_id, mch_id)).collect();
        values(&cells)
    }));
    lines.push(SUMMARY.join(","));
    lines.push(values(&summary(&records)));
    Some(lines)
}

/// The basic account's fund-flow lines for the day (`yyyy-MM-dd`): payments in,
/// successful refunds out, each with the balance after it since the first booking;
/// `None` when the day has no booking.
pub(crate) fn fund_flow_bill(
    trades: &[Trade<'_>],
    refunds: &[Refunded<'_>],
    day: &str,
) -> Option<Vec<String>> {
    let bookings = bookings(trades, refunds);
    let day: Vec<&Booking<'_>> = bookings.iter().filter(|b| b.at.starts_with(day)).collect();
    if day.is_empty() {
        return None;
    }
    let mut lines = vec![FUND_FLOW.join(",")];
    lines.extend(day.iter().map(|b| values(&booking_row(b))));
    lines.push(FUND_FLOW_SUMMARY.join(","));
    lines.push(values(&fund_flow_summary(&day)));
    Some(lines)
}

/// A line of a trade bill.
enum Record<'r, 'a> {
    /// Paid at.
    Payment(&'r str, &'r Trade<'a>),
    Refund(&'r Refunded<'a>),
}

impl Record<'_, '_> {
    /// When it happened: a payment's success, a refund's request.
    fn at(&self) -> &str {
        match self {
            Record::Payment(at, _) => at,
            Record::Refund(refund) => &refund.requested_at,
        }
    }
    fn trade(&self) -> &Trade<'_> {
        match self {
            Record::Payment(_, trade) => trade,
            Record::Refund(refund) => &refund.trade,
        }
    }
    fn refund(&self) -> Option<&Refunded<'_>> {
        match self {
            Record::Payment(..) => None,
            Record::Refund(refund) => Some(refund),
        }
    }
    /// 应结订单金额 and 订单金额: a payment's amount; nothing for a refund line.
    fn paid(&self) -> i64 {
        match self {
            Record::Payment(_, trade) => trade.total,
            Record::Refund(_) => 0,
        }
    }
    /// 退款金额 and 申请退款金额.
    fn refunded(&self) -> i64 {
        self.refund().map_or(0, |r| r.amount)
    }
    /// The fee, in 0.00001 yuan: charged on a payment, given back on a refund.
    fn fee_units(&self) -> i64 {
        (self.paid() - self.refunded()) * FEE_UNITS_PER_FEN
    }

    /// The value of one column.
    fn cell(&self, column: &str, app_id: &str, mch_id: &str) -> String {
        let trade = self.trade();
        let refund = self.refund();
        let refund_text =
            |f: fn(&Refunded<'_>) -> String, none: &str| refund.map_or_else(|| none.to_owned(), f);
        match column {
            "交易时间" => self.at().to_owned(),
            "公众账号ID" => app_id.to_owned(),
            "商户号" => mch_id.to_owned(),
            "特约商户号" => "0".to_owned(),
            "设备号" => trade.device.to_owned(),
            "微信订单号" => trade.transaction_id.to_owned(),
            "商户订单号" => trade.out_trade_no.to_owned(),
            "用户标识" => trade.openid.to_owned(),
            "交易类型" => trade.trade_type.to_owned(),
            "交易状态" => refund.map_or("SUCCESS", |_| "REFUND").to_owned(),
            "付款银行" => trade.bank.to_owned(),
            "货币种类" => trade.currency.to_owned(),
            "应结订单金额" | "订单金额" => yuan(self.paid()),
            "代金券金额" | "充值券退款金额" => yuan(0),
            "退款申请时间" => refund_text(|r| r.requested_at.clone(), ""),
            "退款成功时间" => refund_text(|r| r.succeeded_at.clone().unwrap_or_default(), ""),
            "微信退款单号" => refund_text(|r| r.refund_id.to_owned(), "0"),
            "商户退款单号" => refund_text(|r| r.out_refund_no.to_owned(), "0"),
            "退款金额" | "申请退款金额" => yuan(self.refunded()),
            "退款类型" => refund_text(|_| "ORIGINAL".to_owned(), ""),
            "退款状态" => refund_text(|r| r.status.to_owned(), ""),
            "商品名称" => trade.description.to_owned(),
            "商户数据包" => trade.attach.to_owned(),
            "手续费" => fee(self.fee_units()),
            "费率" => RATE.to_owned(),
            _ => String::new(),
        }
    }
}

/// The summary line, in [`SUMMARY`]'s order.
fn summary(records: &[Record<'_, '_>]) -> Vec<String> {
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
struct Booking<'a> {
    at: &'a str,
    /// The transaction or refund id.
    business_no: &'a str,
    /// The out_trade_no or out_refund_no.
    voucher: &'a str,
    income: bool,
    amount: i64,
    balance: i64,
    note: &'a str,
}

/// Every booking so far, in time order, with the balance after each.
fn bookings<'a>(trades: &'a [Trade<'a>], refunds: &'a [Refunded<'a>]) -> Vec<Booking<'a>> {
    let payments = trades.iter().filter_map(|t| {
        let at = t.paid_at.as_deref()?;
        (!t.transaction_id.is_empty()).then_some(Booking {
            at,
            business_no: t.transaction_id,
            voucher: t.out_trade_no,
            income: true,
            amount: t.total,
            balance: 0,
            note: "",
        })
    });
    let refunds = refunds.iter().filter_map(|r| {
        Some(Booking {
            at: r.succeeded_at.as_deref()?,
            business_no: r.refund_id,
            voucher: r.out_refund_no,
            income: false,
            amount: r.amount,
            balance: 0,
            note: r.reason,
        })
    });
    let mut moves: Vec<Booking<'a>> = payments.chain(refunds).collect();
    moves.sort_by(|a, b| a.at.cmp(b.at));
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

/// A fund-flow line, in [`FUND_FLOW`]'s order. The flow number is the time's digits and
/// the business number's last digits: unique per booking, stable across downloads.
fn booking_row(b: &Booking<'_>) -> Vec<String> {
    let (name, direction) = match b.income {
        true => ("交易", "收入"),
        false => ("退款", "支出"),
    };
    let tail = b
        .business_no
        .get(b.business_no.len().saturating_sub(5)..)
        .unwrap_or_default();
    let digits: String = b.at.chars().filter(char::is_ascii_digit).collect();
    vec![
        b.at.to_owned(),
        b.business_no.to_owned(),
        format!("{digits}{tail}"),
        name.to_owned(),
        name.to_owned(),
        direction.to_owned(),
        yuan(b.amount),
        yuan(b.balance),
        "system".to_owned(),
        b.note.to_owned(),
        b.voucher.to_owned(),
    ]
}

/// The fund-flow summary line, in [`FUND_FLOW_SUMMARY`]'s order.
fn fund_flow_summary(day: &[&Booking<'_>]) -> Vec<String> {
    let (income, expense): (Vec<&&Booking<'_>>, Vec<&&Booking<'_>>) =
        day.iter().partition(|b| b.income);
    let total = |side: &[&&Booking<'_>]| side.iter().map(|b| b.amount).sum::<i64>();
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

    fn trade(paid_at: Option<&str>, total: i64) -> Trade<'static> {
        Trade {
            paid_at: paid_at.map(str::to_owned),
            device: "",
            transaction_id: "4200000001202612070000012345",
            out_trade_no: "o1",
            openid: "oUser",
            trade_type: "JSAPI",
            currency: "CNY",
            bank: "OTHERS",
            description: "商品",
            attach: "",
            total,
        }
    }

    /// A payment and its partial refund on one day: two lines in time order, the fee
    /// charged and given back, the summary adding up; the fund flow books the payment
    /// in and only the refund that succeeded out, with the balance after each.
    #[test]
    fn lines_add_up() {
        let paid = trade(Some("2026-12-07 10:00:00"), 600);
        let refund = |id: &'static str, succeeded: Option<&str>| Refunded {
            trade: paid.clone(),
            requested_at: "2026-12-07 11:00:00".into(),
            succeeded_at: succeeded.map(str::to_owned),
            refund_id: id,
            out_refund_no: "r1",
            status: if succeeded.is_some() {
                "SUCCESS"
            } else {
                "PROCESSING"
            },
            reason: "退货",
            amount: 142,
        };
        let trades = [paid.clone(), trade(None, 999)];
        let refunds = [
            refund("50300000012026120700000000001", Some("2026-12-07 11:00:05")),
            refund("50300000012026120700000000002", None),
        ];
        let lines = trade_bill(&trades, &refunds, "2026-12-07", Listing::All, ("wx1", "m1"))
            .expect("a bill");
        assert_eq!(lines.len(), 1 + 3 + 2, "{lines:#?}");
        assert!(lines[1].starts_with("`2026-12-07 10:00:00,`wx1,`m1,"));
        assert!(lines[2].contains("`REFUND") && lines[2].contains("`1.42"));
        assert_eq!(lines[5], "`3,`6.00,`2.84,`0.00,`0.01896,`6.00,`2.84");
        let payments = trade_bill(
            &trades,
            &refunds,
            "2026-12-07",
            Listing::Payments,
            ("w", "m"),
        );
        assert_eq!(payments.map(|l| l.len()), Some(1 + 1 + 2));
        assert!(trade_bill(&trades, &refunds, "2026-12-08", Listing::All, ("w", "m")).is_none());

        let flow = fund_flow_bill(&trades, &refunds, "2026-12-07").expect("a fund flow");
        assert_eq!(flow.len(), 1 + 2 + 2, "{flow:#?}");
        assert!(flow[1].contains("`收入,`6.00,`6.00,"), "{}", flow[1]);
        assert!(flow[2].contains("`支出,`1.42,`4.58,"), "{}", flow[2]);
        assert!(flow[2].contains("`2026120711000500001,"), "{}", flow[2]);
        assert_eq!(flow[4], "`2,`1,`6.00,`1,`1.42");
    }
}
