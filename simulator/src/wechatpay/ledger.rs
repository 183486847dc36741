//! The merchant's books: the orders and refunds, in the order they came, found by any
//! of their numbers without a scan, and the ids WeChat Pay would give them.
//!
//! The books keep the latest orders within the merchant limits (count and bytes, see
//! [`SimulatorBuilder::max_orders`](crate::SimulatorBuilder::max_orders)): the oldest
//! order goes first, and its refunds with it, so that no order ever loses a refund it
//! still has.

use super::{Order, Refund, WechatPaySteerError};
use crate::engine::Signing;
use crate::fingerprint::Fingerprint;
use crate::recent::{opt, Footprint, Limits, Recent};
use miniapp::wechatpay::pay::{RefundStatus, TradeState};
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use std::collections::HashMap;
use std::mem::size_of;

/// WeChat Pay's merchant state (one merchant: the simulator's `mch_id`).
pub(crate) struct Ledger {
    /// By `out_trade_no`.
    orders: Recent<String, OrderEntry>,
    /// `transaction_id` → `out_trade_no`, once paid.
    by_transaction: HashMap<String, String>,
    /// By `out_refund_no`.
    refunds: Recent<String, RefundEntry>,
    /// `refund_id` → `out_refund_no`.
    by_refund_id: HashMap<String, String>,
    serial: u64,
    limits: Limits,
}

pub(super) struct OrderEntry {
    pub order: Order,
    /// The business fields of the request that placed it: placing it again must repeat
    /// them exactly.
    pub params: Fingerprint,
    /// How it was placed: its notification is signed the same way.
    pub signing: Signing,
    /// Its refunds' `out_refund_no`, oldest first.
    pub refunds: Vec<String>,
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
            // The books evict whole orders themselves (see `enforce`).
            orders: Recent::new(Limits::UNBOUNDED),
            by_transaction: HashMap::new(),
            refunds: Recent::new(Limits::UNBOUNDED),
            by_refund_id: HashMap::new(),
            serial: 0,
            limits,
        }
    }

    /// Forgets every order and refund and gives the memory back. Ids go on being
    /// unique (the serial is kept).
    pub(crate) fn clear(&mut self) {
        let serial = self.serial;
        *self = Ledger::new(self.limits);
        self.serial = serial;
    }

    /// How many orders and refunds are kept.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.orders.len(), self.refunds.len())
    }

    pub(super) fn order(&self, out_trade_no: &str) -> Option<&OrderEntry> {
        self.orders.get(out_trade_no)
    }

    pub(super) fn by_transaction(&self, transaction_id: &str) -> Option<&OrderEntry> {
        self.order(self.by_transaction.get(transaction_id)?)
    }

    pub(super) fn refund(&self, out_refund_no: &str) -> Option<&RefundEntry> {
        self.refunds.get(out_refund_no)
    }

    pub(super) fn by_refund_id(&self, refund_id: &str) -> Option<&RefundEntry> {
        self.refund(self.by_refund_id.get(refund_id)?)
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
        let numbers = self.order(out_trade_no).map_or(&[][..], |e| &e.refunds[..]);
        numbers.iter().filter_map(|no| self.refund(no))
    }

    /// Every order, oldest first.
    pub(super) fn all_orders(&self) -> impl Iterator<Item = &OrderEntry> {
        self.orders.iter().map(|(_, e)| e)
    }

    /// Every refund, oldest first.
    pub(super) fn all_refunds(&self) -> impl Iterator<Item = &RefundEntry> {
        self.refunds.iter().map(|(_, e)| e)
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
        for (_, replaced) in self.orders.insert(no.clone(), entry) {
            self.drop_order(replaced);
        }
        self.enforce(&no);
    }

    pub(super) fn close(&mut self, out_trade_no: &str) {
        if let Some(entry) = self.orders.get_mut(out_trade_no) {
            entry.order.trade_state = TradeState::Closed;
        }
    }

    /// Records a refund of an order in the books; the order is in `REFUND` state from
    /// now on.
    pub(super) fn add_refund(&mut self, entry: RefundEntry) {
        let (no, order_no) = (
            entry.refund.out_refund_no.clone(),
            entry.refund.out_trade_no.clone(),
        );
        let Some(order) = self.orders.get_mut(&order_no) else {
            return;
        };
        order.order.trade_state = TradeState::Refund;
        order.refunds.push(no.clone());
        self.by_refund_id
            .insert(entry.refund.refund_id.clone(), no.clone());
        self.refunds.insert(no, entry);
        self.enforce(&order_no);
    }

    /// Evicts the oldest orders, with their refunds, until the orders, the refunds and
    /// the bytes of both are within the limits — never `keep`, the order just placed
    /// or refunded.
    fn enforce(&mut self, keep: &str) {
        let over = |l: &Ledger| {
            l.orders.len() > l.limits.count
                || l.refunds.len() > l.limits.count
                || l.orders.bytes().saturating_add(l.refunds.bytes()) > l.limits.bytes
        };
        while over(self) {
            if self.orders.oldest().is_none_or(|(no, _)| no == keep) {
                break;
            }
            if let Some((_, gone)) = self.orders.pop_oldest() {
                self.drop_order(gone);
            }
        }
    }

    /// Forgets what refers to an order that left the books: its refunds, its numbers.
    fn drop_order(&mut self, entry: OrderEntry) {
        if let Some(id) = &entry.order.transaction_id {
            self.by_transaction.remove(id);
        }
        for no in &entry.refunds {
            if let Some(refund) = self.refunds.remove(no) {
                self.by_refund_id.remove(&refund.refund.refund_id);
            }
        }
    }

    /// Marks a `NOTPAY` order paid at `now`.
    pub(super) fn pay(
        &mut self,
        out_trade_no: &str,
        now: String,
    ) -> Result<(), WechatPaySteerError> {
        let transaction_id = self.transaction_id(&now);
        let entry = self
            .orders
            .get_mut(out_trade_no)
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
        self.by_transaction
            .insert(transaction_id, out_trade_no.to_owned());
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
            .refunds
            .get_mut(out_refund_no)
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
