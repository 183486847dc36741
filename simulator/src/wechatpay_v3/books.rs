//! The API v3 merchant's books: orders and refunds (an [`OrderBook`]: in the order they
//! came, found by any of their numbers without a scan, within the merchant limits like
//! every other merchant's), its platform certificates, and the bills handed out for
//! download.

use super::keys::{PlatformCertificate, MAX_CERTIFICATES, OVERLAP};
use super::{Delivery, Order, Refund, WechatPayV3SteerError};
use crate::fingerprint::Fingerprint;
use crate::order_book::OrderBook;
use crate::recent::{opt, Footprint, Limits, Recent};
use miniapp::wechatpay_v3::pay::TradeState;
use miniapp::wechatpay_v3::refund::RefundStatus;
use rand::Rng;
use std::collections::VecDeque;
use std::mem::size_of;
use std::time::{Instant, SystemTime};

pub(crate) struct Books {
    /// Orders by `out_trade_no` (and `transaction_id` once paid), refunds by
    /// `out_refund_no`.
    book: OrderBook<OrderEntry, String, RefundEntry>,
    serial: u64,
    limits: Limits,
    /// Platform certificates listed by `/v3/certificates`, oldest first; the last one
    /// signs. Kept by `clear`: they are keys, not the merchant's business.
    pub certificates: Vec<PlatformCertificate>,
    /// Notifications sent, so that mixed mode alternates their keys.
    pub notifications: u64,
    /// Bills handed out by `tradeBill` and `fundFlowBill`, by download token.
    downloads: Recent<String, Download>,
    /// The latest notification deliveries, at most [`DELIVERIES`].
    deliveries: VecDeque<Delivery>,
    /// Notifications waiting to be resent (at most `notify::MAX_PENDING`).
    pub pending: usize,
}

/// Deliveries remembered: each holds a notification's body (a few KiB).
const DELIVERIES: usize = 256;

pub(super) struct OrderEntry {
    pub order: Order,
    /// The request that placed it: placing it again must repeat it exactly.
    pub params: Fingerprint,
}

pub(super) struct RefundEntry {
    pub refund: Refund,
    /// The request that asked for it: asking again must repeat it exactly.
    pub params: Fingerprint,
}

/// A bill ready for download: the bytes served, until when.
pub(super) struct Download {
    pub bytes: Vec<u8>,
    pub gzip: bool,
    pub until: Instant,
}

/// Bills kept for download at most: a download URL is valid for 5 minutes, and few
/// tests ask for more than a handful.
const DOWNLOADS: Limits = Limits {
    count: 1_000,
    bytes: 32 * 1024 * 1024,
};

/// Room for what an order or a refund gains after it is recorded (ids, times).
const LATER_FIELDS: usize = 96;

impl Footprint for OrderEntry {
    fn footprint(&self) -> usize {
        let o = &self.order;
        size_of::<Self>()
            + LATER_FIELDS
            + [
                &o.out_trade_no,
                &o.appid,
                &o.description,
                &o.currency,
                &o.notify_url,
                &o.create_time,
            ]
            .iter()
            .map(|s| s.len())
            .sum::<usize>()
            + [
                &o.attach,
                &o.payer_openid,
                &o.prepay_id,
                &o.h5_url,
                &o.code_url,
                &o.device_id,
            ]
            .iter()
            .map(|s| opt(s))
            .sum::<usize>()
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
                &r.currency,
                &r.create_time,
            ]
            .iter()
            .map(|s| s.len())
            .sum::<usize>()
            + opt(&r.reason)
            + opt(&r.notify_url)
            + opt(&r.funds_account)
    }
}

impl Footprint for Download {
    fn footprint(&self) -> usize {
        size_of::<Self>() + self.bytes.len()
    }
}

impl Books {
    pub(crate) fn new(limits: Limits) -> Books {
        Books {
            book: OrderBook::new(limits),
            serial: 0,
            limits,
            certificates: Vec::new(),
            notifications: 0,
            downloads: Recent::new(DOWNLOADS),
            deliveries: VecDeque::new(),
            pending: 0,
        }
    }

    /// Forgets every order, refund and bill, giving the memory back; the platform
    /// certificates stay, and ids go on being unique.
    pub(crate) fn clear(&mut self) {
        let certificates = std::mem::take(&mut self.certificates);
        let (serial, notifications, pending) = (self.serial, self.notifications, self.pending);
        *self = Books::new(self.limits);
        self.certificates = certificates;
        self.serial = serial;
        self.notifications = notifications;
        // Resends in flight still count against the bound when they end.
        self.pending = pending;
    }

    pub(crate) fn counts(&self) -> (usize, usize) {
        self.book.counts()
    }

    pub(super) fn order(&self, out_trade_no: &str) -> Option<&OrderEntry> {
        self.book.order(out_trade_no)
    }

    pub(super) fn order_mut(&mut self, out_trade_no: &str) -> Option<&mut OrderEntry> {
        self.book.order_mut(out_trade_no)
    }

    pub(super) fn by_transaction(&self, transaction_id: &str) -> Option<&OrderEntry> {
        self.book.order_by_id(transaction_id)
    }

    pub(super) fn refund(&self, out_refund_no: &str) -> Option<&RefundEntry> {
        self.book.refund(out_refund_no)
    }

    pub(super) fn all_orders(&self) -> impl Iterator<Item = &OrderEntry> {
        self.book.orders()
    }

    pub(super) fn all_refunds(&self) -> impl Iterator<Item = &RefundEntry> {
        self.book.refunds()
    }

    /// Fen refunded or being refunded: every refund of the order that was not closed.
    pub(super) fn refunded(&self, out_trade_no: &str) -> i64 {
        self.book
            .refunds_of(out_trade_no)
            .filter(|e| e.refund.status != RefundStatus::Closed)
            .map(|e| e.refund.refund)
            .sum()
    }

    /// The order as it stands, with its refunded amount.
    pub(super) fn snapshot(&self, entry: &OrderEntry) -> Order {
        let mut order = entry.order.clone();
        order.refunded = self.refunded(&order.out_trade_no);
        order
    }

    /// Records a new order, then makes room.
    pub(super) fn place(&mut self, entry: OrderEntry) {
        let no = entry.order.out_trade_no.clone();
        self.book.place(no, entry, None, drop);
    }

    /// Records a refund of a paid order, which is in `REFUND` state from now on.
    pub(super) fn add_refund(&mut self, entry: RefundEntry) {
        let (no, order_no) = (
            entry.refund.out_refund_no.clone(),
            entry.refund.out_trade_no.clone(),
        );
        let Some(order) = self.book.order_mut(&order_no) else {
            return;
        };
        order.order.trade_state = TradeState::Refund;
        self.book.add_refund(&order_no, no, entry, None, drop);
    }

    /// Marks a `NOTPAY` order paid at `now` (RFC 3339).
    pub(super) fn pay(
        &mut self,
        out_trade_no: &str,
        now: &str,
    ) -> Result<(), WechatPayV3SteerError> {
        let transaction_id = self.transaction_id(now);
        let entry = self
            .book
            .order_mut(out_trade_no)
            .ok_or_else(|| WechatPayV3SteerError::UnknownOrder(out_trade_no.to_owned()))?;
        let order = &mut entry.order;
        if order.trade_state != TradeState::NotPay {
            return Err(WechatPayV3SteerError::NotPayable {
                out_trade_no: out_trade_no.to_owned(),
                state: order.trade_state.to_string(),
            });
        }
        order.trade_state = TradeState::Success;
        order.transaction_id = Some(transaction_id.clone());
        order.success_time = Some(now.to_owned());
        order
            .payer_openid
            .get_or_insert_with(|| super::PAYER_OPENID.to_owned());
        self.book.name_order(out_trade_no, transaction_id);
        Ok(())
    }

    /// Ends a `PROCESSING` refund with `status` at `now`.
    pub(super) fn settle(
        &mut self,
        out_refund_no: &str,
        status: RefundStatus,
        now: &str,
    ) -> Result<(), WechatPayV3SteerError> {
        let entry = self
            .book
            .refund_mut(out_refund_no)
            .ok_or_else(|| WechatPayV3SteerError::UnknownRefund(out_refund_no.to_owned()))?;
        let refund = &mut entry.refund;
        if refund.status != RefundStatus::Processing {
            return Err(WechatPayV3SteerError::Settled {
                out_refund_no: out_refund_no.to_owned(),
                status: refund.status.to_string(),
            });
        }
        if status == RefundStatus::Success {
            refund.success_time = Some(now.to_owned());
        }
        refund.status = status;
        Ok(())
    }

    pub(super) fn close(&mut self, out_trade_no: &str) {
        if let Some(entry) = self.book.order_mut(out_trade_no) {
            entry.order.trade_state = TradeState::Closed;
        }
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// The digits of an RFC 3339 time's date (`yyyyMMdd`).
    fn day(now: &str) -> String {
        now.chars().take(10).filter(char::is_ascii_digit).collect()
    }

    /// `wx` + the date + hex: 36 characters, like WeChat Pay's.
    pub(super) fn prepay_id(&mut self, now: &str) -> String {
        let serial = self.next_serial() % 0x1_0000_0000;
        let random: u64 = rand::thread_rng().gen_range(0..1 << 48);
        format!("wx{}{serial:014x}{random:012x}", Self::day(now))
    }

    /// 28 digits, starting `4200` like WeChat Pay's.
    fn transaction_id(&mut self, now: &str) -> String {
        let serial = self.next_serial() % 1_000_000;
        let random: u64 = rand::thread_rng().gen_range(0..10_000_000_000);
        format!("4200{serial:06}{}{random:010}", Self::day(now))
    }

    /// 29 digits, starting `50` like WeChat Pay's.
    pub(super) fn refund_id(&mut self, now: &str) -> String {
        let serial = self.next_serial() % 1_000_000;
        let random: u64 = rand::thread_rng().gen_range(0..100_000_000_000);
        format!("5030{serial:06}{}{random:011}", Self::day(now))
    }

    /// The certificate that signs now (the newest).
    pub(super) fn signing_certificate(&self) -> Option<&PlatformCertificate> {
        self.certificates.last()
    }

    /// The certificates still valid at `now`.
    pub(super) fn listed(&self, now: SystemTime) -> impl Iterator<Item = &PlatformCertificate> {
        self.certificates.iter().filter(move |c| c.expires > now)
    }

    /// A rotation: `next` signs from now on; the one before stays listed for a day, and
    /// the list keeps at most [`MAX_CERTIFICATES`].
    pub(super) fn rotate(&mut self, next: PlatformCertificate, now: SystemTime) {
        if let Some(old) = self.certificates.last_mut() {
            old.expires = old.expires.min(now + OVERLAP);
            old.expire_time = super::keys::rfc3339(old.expires);
        }
        self.certificates.retain(|c| c.expires > now);
        self.certificates.push(next);
        let over = self.certificates.len().saturating_sub(MAX_CERTIFICATES);
        self.certificates.drain(..over);
    }

    pub(super) fn record_delivery(&mut self, delivery: Delivery) {
        if self.deliveries.len() >= DELIVERIES {
            self.deliveries.pop_front();
        }
        self.deliveries.push_back(delivery);
    }

    pub(super) fn deliveries(&self) -> impl Iterator<Item = &Delivery> {
        self.deliveries.iter()
    }

    /// Keeps a bill for download under a fresh token.
    pub(super) fn keep_download(&mut self, download: Download) -> String {
        let token: String = rand::distributions::DistString::sample_string(
            &rand::distributions::Alphanumeric,
            &mut rand::thread_rng(),
            64,
        );
        self.downloads.insert(token.clone(), download);
        token
    }

    /// The bill of a token, if it is known and not expired.
    pub(super) fn download(&mut self, token: &str) -> Option<&Download> {
        let expired = self.downloads.get(token)?.until <= Instant::now();
        if expired {
            self.downloads.remove(token);
            return None;
        }
        self.downloads.get(token)
    }
}
