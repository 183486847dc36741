//! The merchant's books: every order and refund, in the order they came, and the ids
//! WeChat Pay would give them.

use super::{Order, Refund, WechatPaySteerError};
use crate::server::Signing;
use miniapp::wechatpay::pay::{RefundStatus, TradeState};
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use std::collections::BTreeMap;

/// WeChat Pay's merchant state (one merchant: the simulator's `mch_id`).
#[derive(Default)]
pub(crate) struct Ledger {
    orders: Vec<OrderEntry>,
    refunds: Vec<RefundEntry>,
    serial: u64,
}

pub(super) struct OrderEntry {
    pub order: Order,
    /// The business fields of the request that placed it: placing it again must repeat
    /// them exactly.
    pub params: BTreeMap<String, String>,
    /// How it was placed: its notification is signed the same way.
    pub signing: Signing,
}

pub(super) struct RefundEntry {
    pub refund: Refund,
    /// How it was asked for: its notification is encrypted with the same key.
    pub signing: Signing,
}

impl Ledger {
    pub(super) fn order(&self, out_trade_no: &str) -> Option<&OrderEntry> {
        self.orders
            .iter()
            .find(|e| e.order.out_trade_no == out_trade_no)
    }

    fn order_mut(&mut self, out_trade_no: &str) -> Option<&mut OrderEntry> {
        self.orders
            .iter_mut()
            .find(|e| e.order.out_trade_no == out_trade_no)
    }

    pub(super) fn by_transaction(&self, transaction_id: &str) -> Option<&OrderEntry> {
        self.orders
            .iter()
            .find(|e| e.order.transaction_id.as_deref() == Some(transaction_id))
    }

    pub(super) fn refund(&self, out_refund_no: &str) -> Option<&RefundEntry> {
        self.refunds
            .iter()
            .find(|e| e.refund.out_refund_no == out_refund_no)
    }

    pub(super) fn by_refund_id(&self, refund_id: &str) -> Option<&RefundEntry> {
        self.refunds
            .iter()
            .find(|e| e.refund.refund_id == refund_id)
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
        out_trade_no: &'a str,
    ) -> impl Iterator<Item = &'a RefundEntry> {
        self.refunds
            .iter()
            .filter(move |e| e.refund.out_trade_no == out_trade_no)
    }

    pub(super) fn all_orders(&self) -> &[OrderEntry] {
        &self.orders
    }

    pub(super) fn all_refunds(&self) -> &[RefundEntry] {
        &self.refunds
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
        self.orders.iter().map(|e| self.snapshot(e)).collect()
    }

    pub(super) fn refunds(&self) -> Vec<Refund> {
        self.refunds.iter().map(|e| e.refund.clone()).collect()
    }

    pub(super) fn place(&mut self, entry: OrderEntry) {
        self.orders.push(entry);
    }

    pub(super) fn close(&mut self, out_trade_no: &str) {
        if let Some(entry) = self.order_mut(out_trade_no) {
            entry.order.trade_state = TradeState::Closed;
        }
    }

    /// Records a refund; its order is in `REFUND` state from now on.
    pub(super) fn add_refund(&mut self, entry: RefundEntry) {
        if let Some(order) = self.order_mut(&entry.refund.out_trade_no) {
            order.order.trade_state = TradeState::Refund;
        }
        self.refunds.push(entry);
    }

    /// Marks a `NOTPAY` order paid at `now`.
    pub(super) fn pay(
        &mut self,
        out_trade_no: &str,
        now: String,
    ) -> Result<(), WechatPaySteerError> {
        let transaction_id = self.transaction_id(&now);
        let entry = self
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
        order.transaction_id = Some(transaction_id);
        order.time_end = Some(now);
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
            .iter_mut()
            .find(|e| e.refund.out_refund_no == out_refund_no)
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
