//! The merchant's books: the orders and refunds (an [`OrderBook`]: in the order they
//! came, found by any of their numbers without a scan, within the merchant limits), and
//! the ids WeChat Pay would give them.

use super::{Order, Refund, WechatPaySteerError};
use crate::engine::Signing;
use crate::fingerprint::Fingerprint;
use crate::order_book::OrderBook;
use crate::recent::{opt, Footprint, Limits};
use miniapp::wechatpay::pay::{RefundStatus, TradeState};
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use std::mem::size_of;

/// WeChat Pay's merchant state (one merchant: the simulator's `mch_id`).
pub(crate) struct Ledger {
    /// Orders by `out_trade_no` (and `transaction_id` once paid), refunds by
    /// `out_refund_no` (and `refund_id`).
    book: OrderBook<OrderEntry, String, RefundEntry>,
    serial: u64,
}

pub(super) struct OrderEntry {
    pub order: Order,
    /// The business fields of the request that placed it: placing it again must repeat
    /// them exactly.
    pub params: Fingerprint,
    /// How it was placed: its notification is signed the same way.
    pub signing: Signing,
}

pub(super) struct RefundEntry {
    pub refund: Refund,
    /// How it was asked for: its notification is encrypted with the same key.
    pub signing: Signing,
}

/// Room for what an order or a refund gains after it is recorded (a transaction id, a
/// time), so that the byte count made when it is recorded still holds.
const LATER_FIELDS: usize = 64;

impl Footprint for OrderEntry {
    fn footprint(&self) -> usize {
        let o = &self.order;
        size_of::<Self>()
            + LATER_FIELDS
            + [&o.out_trade_no, &o.prepay_id, &o.body, &o.fee_type]
                .iter()
                .map(|s| s.len())
                .sum::<usize>()
            + [
                &o.attach,
                &o.openid,
                &o.device_info,
                &o.code_url,
                &o.mweb_url,
            ]
            .iter()
            .map(|s| opt(s))
            .sum::<usize>()
            + o.notify_url.len()
            + o.time_start.len()
            + opt(&self.signing.variant)
    }
}

impl Footprint for RefundEntry {
    fn footprint(&self) -> usize {
        let r = &self.refund;
        size_of::<Self>()
            + LATER_FIELDS
            + [
                &r.out_refund_no,
                &r.refund_id,
                &r.out_trade_no,
                &r.transaction_id,
            ]
            .iter()
            .map(|s| s.len())
            .sum::<usize>()
            + opt(&r.refund_desc)
            + opt(&r.notify_url)
            + r.requested_at.len()
            + opt(&self.signing.variant)
    }
}

impl Ledger {
    /// Empty books that keep at most `limits.count` orders (and as many refunds) in at
    /// most `limits.bytes`.
    pub(crate) fn new(limits: Limits) -> Ledger {
        Ledger {
            book: OrderBook::new(limits),
            serial: 0,
        }
    }

    /// Forgets every order and refund and gives the memory back. Ids go on being
    /// unique (the serial is kept).
    pub(crate) fn clear(&mut self) {
        self.book.clear();
    }

    /// How many orders and refunds are kept.
    pub(crate) fn counts(&self) -> (usize, usize) {
        self.book.counts()
    }

    pub(super) fn order(&self, out_trade_no: &str) -> Option<&OrderEntry> {
        self.book.order(out_trade_no)
    }

    pub(super) fn by_transaction(&self, transaction_id: &str) -> Option<&OrderEntry> {
        self.book.order_by_id(transaction_id)
    }

    pub(super) fn refund(&self, out_refund_no: &str) -> Option<&RefundEntry> {
        self.book.refund(out_refund_no)
    }

    pub(super) fn by_refund_id(&self, refund_id: &str) -> Option<&RefundEntry> {
        self.book.refund_by_id(refund_id)
    }

    /// A refund and the order it refunds.
    pub(super) fn refund_with_order(
        &self,
        out_refund_no: &str,
    ) -> Option<(&RefundEntry, &OrderEntry)> {
        let refund = self.refund(out_refund_no)?;
        Some((refund, self.order(&refund.refund.out_trade_no)?))
    }

    /// The refunds of an order, oldest first.
    pub(super) fn refunds_of<'a>(
        &'a self,
        out_trade_no: &str,
    ) -> impl Iterator<Item = &'a RefundEntry> {
        self.book.refunds_of(out_trade_no)
    }

    /// Every order, oldest first.
    pub(super) fn all_orders(&self) -> impl Iterator<Item = &OrderEntry> {
        self.book.orders()
    }

    /// Every refund, oldest first.
    pub(super) fn all_refunds(&self) -> impl Iterator<Item = &RefundEntry> {
        self.book.refunds()
    }

    /// Fen refunded or being refunded: every refund of the order that did not fail and
    /// was not closed.
    pub(super) fn refunded(&self, out_trade_no: &str) -> i64 {
        self.refunds_of(out_trade_no)
            .filter(|e| holds_money(&e.refund.refund_status))
            .map(|e| e.refund.refund_fee)
            .sum()
    }

    /// The order as it stands, with its refunded amount.
    pub(super) fn snapshot(&self, entry: &OrderEntry) -> Order {
        let mut order = entry.order.clone();
        order.refunded_fee = self.refunded(&order.out_trade_no);
        order
    }

    pub(super) fn orders(&self) -> Vec<Order> {
        self.all_orders().map(|e| self.snapshot(e)).collect()
    }

    pub(super) fn refunds(&self) -> Vec<Refund> {
        self.all_refunds().map(|e| e.refund.clone()).collect()
    }

    /// Records a new order (its `out_trade_no` is not in the books), then makes room.
    pub(super) fn place(&mut self, entry: OrderEntry) {
        let no = entry.order.out_trade_no.clone();
        self.book.place(no, entry, None, drop);
    }

    pub(super) fn close(&mut self, out_trade_no: &str) {
        if let Some(entry) = self.book.order_mut(out_trade_no) {
            entry.order.trade_state = TradeState::Closed;
        }
    }

    /// Records a refund of an order in the books; the order is in `REFUND` state from
    /// now on.
    pub(super) fn add_refund(&mut self, entry: RefundEntry) {
        let refund = &entry.refund;
        let (no, order_no, id) = (
            refund.out_refund_no.clone(),
            refund.out_trade_no.clone(),
            refund.refund_id.clone(),
        );
        let Some(order) = self.book.order_mut(&order_no) else {
            return;
        };
        order.order.trade_state = TradeState::Refund;
        self.book.add_refund(&order_no, no, entry, Some(id), drop);
    }

    /// Marks a `NOTPAY` order paid at `now`.
    pub(super) fn pay(
        &mut self,
        out_trade_no: &str,
        now: String,
    ) -> Result<(), WechatPaySteerError> {
        let transaction_id = self.transaction_id(&now);
        let entry = self
            .book
            .order_mut(out_trade_no)
            .ok_or_else(|| WechatPaySteerError::UnknownOrder(out_trade_no.to_owned()))?;
        let order = &mut entry.order;
        if order.trade_state != TradeState::NotPay {
            return Err(WechatPaySteerError::NotPayable {
                out_trade_no: out_trade_no.to_owned(),
                state: order.trade_state.to_string(),
            });
        }
        order.trade_state = TradeState::Success;
        order.transaction_id = Some(transaction_id.clone());
        order.time_end = Some(now);
        self.book.name_order(out_trade_no, transaction_id);
        Ok(())
    }

    /// Ends a `PROCESSING` refund with `status` at `now`.
    pub(super) fn settle(
        &mut self,
        out_refund_no: &str,
        status: RefundStatus,
        now: String,
    ) -> Result<(), WechatPaySteerError> {
        let entry = self
            .book
            .refund_mut(out_refund_no)
            .ok_or_else(|| WechatPaySteerError::UnknownRefund(out_refund_no.to_owned()))?;
        let refund = &mut entry.refund;
        if refund.refund_status != RefundStatus::Processing {
            return Err(WechatPaySteerError::Settled {
                out_refund_no: out_refund_no.to_owned(),
                status: refund.refund_status.to_string(),
            });
        }
        refund.refund_status = status;
        refund.settled_at = Some(now);
        Ok(())
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// `wx` + the time + 20 hex digits: 36 characters, like WeChat Pay's.
    pub(super) fn prepay_id(&mut self, now: &str) -> String {
        let serial = self.next_serial() % 0x1_0000_0000;
        let random: u64 = rand::thread_rng().gen_range(0..1 << 48);
        format!("wx{now}{serial:08x}{random:012x}")
    }

    /// 28 digits, starting `4200` like WeChat Pay's.
    fn transaction_id(&mut self, now: &str) -> String {
        let serial = self.next_serial() % 1_000_000;
        let random: u64 = rand::thread_rng().gen_range(0..10_000_000_000);
        format!("4200{serial:06}{}{random:010}", super::clock::day(now))
    }

    /// 29 digits, starting `50` like WeChat Pay's.
    pub(super) fn refund_id(&mut self, now: &str) -> String {
        let serial = self.next_serial() % 1_000_000;
        let random: u64 = rand::thread_rng().gen_range(0..100_000_000_000);
        format!("5030{serial:06}{}{random:011}", super::clock::day(now))
    }
}

/// A NATIVE order's QR code URL.
pub(super) fn code_url() -> String {
    let code = Alphanumeric.sample_string(&mut rand::thread_rng(), 7);
    format!("weixin://wxpay/bizpayurl?pr={code}")
}

/// An MWEB order's payment page.
pub(super) fn mweb_url(prepay_id: &str) -> String {
    let package: u64 = rand::thread_rng().gen_range(0..10_000_000_000);
    format!(
        "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package={package:010}"
    )
}

/// Does a refund in this state take money from the order (what is left to refund)?
pub(super) fn holds_money(status: &RefundStatus) -> bool {
    !matches!(status, RefundStatus::Change | RefundStatus::RefundClose)
}
