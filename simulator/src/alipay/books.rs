//! Alipay's books: the merchant's trades and refunds in the order they came, the users'
//! auth codes and refresh tokens, and the ids Alipay would give them.

use super::{AlipaySteerError, Refund, Trade};
use crate::fingerprint::Fingerprint;
use crate::order_book::OrderBook;
use crate::recent::{opt, Footprint, Limits, Recent};
use miniapp::alipay::trade::TradeStatus;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::mem::size_of;

/// Alipay's state (one merchant, one app).
///
/// The books keep the latest trades within the merchant limits (count and bytes, see
/// [`SimulatorBuilder::max_orders`](crate::SimulatorBuilder::max_orders)): the oldest
/// trade goes first, and its refunds with it. Auth codes exchanged and refresh tokens
/// issued are remembered within the same count: the oldest are forgotten first.
pub(crate) struct Books {
    /// Trades by `out_trade_no` (and `trade_no`), refunds by `(out_trade_no,
    /// out_request_no)`.
    book: OrderBook<TradeEntry, (String, String), Refund>,
    /// `buyer_open_id` → the user id of the first trade kept with it, and how many
    /// trades kept have it.
    open_ids: HashMap<String, (String, usize)>,
    /// Auth codes already exchanged (an auth code is good once).
    used_codes: Recent<String, ()>,
    /// Refresh tokens issued and not yet used, with their user.
    grants: Recent<String, User>,
    /// Access tokens issued (`auth_token` of `alipay.user.info.share`), with their user.
    access: Recent<String, User>,
    /// Access tokens a test expired.
    expired: Recent<String, ()>,
    /// Bills handed out for download, by file id (at most [`DOWNLOADS`]).
    downloads: Recent<String, BillDownload>,
    serial: u64,
    limits: Limits,
}

/// Bills kept for download at most: by count and by bytes, the oldest going first.
const DOWNLOADS: Limits = Limits {
    count: 16,
    bytes: 32 * 1024 * 1024,
};

/// A bill handed out by `alipay.data.dataservice.bill.downloadurl.query`.
pub(super) struct BillDownload {
    pub until: std::time::Instant,
    pub zip: Vec<u8>,
}

impl Footprint for BillDownload {
    fn footprint(&self) -> usize {
        size_of::<Self>() + self.zip.len()
    }
}

pub(super) struct TradeEntry {
    pub trade: Trade,
    /// The business parameters of the request that created it: creating it again must
    /// repeat them exactly.
    pub params: Fingerprint,
}

/// Room for what a trade gains after it is created (times, a cancel), so that the byte
/// count made when it is created still holds.
const LATER_FIELDS: usize = 64;

impl Footprint for TradeEntry {
    fn footprint(&self) -> usize {
        let t = &self.trade;
        size_of::<Self>()
            + LATER_FIELDS
            + [
                &t.out_trade_no,
                &t.trade_no,
                &t.subject,
                &t.buyer_id,
                &t.buyer_open_id,
                &t.seller_id,
                &t.gmt_create,
            ]
            .iter()
            .map(|s| s.len())
            .sum::<usize>()
            + [&t.body, &t.product_code, &t.notify_url, &t.passback_params]
                .iter()
                .map(|s| opt(s))
                .sum::<usize>()
    }
}

impl Footprint for Refund {
    fn footprint(&self) -> usize {
        size_of::<Self>()
            + self.out_trade_no.len()
            + self.trade_no.len()
            + self.out_request_no.len()
            + opt(&self.refund_reason)
            + self.gmt_refund.len()
    }
}

impl Footprint for User {
    fn footprint(&self) -> usize {
        size_of::<Self>() + self.user_id.len() + self.open_id.len()
    }
}

impl Footprint for () {
    fn footprint(&self) -> usize {
        0
    }
}

/// An Alipay user, as the app sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct User {
    /// `2088` and 12 digits.
    pub user_id: String,
    /// The user's id for this app (应用维度).
    pub open_id: String,
}

impl User {
    /// The user an auth code belongs to, derived from the code's text: the same text
    /// always names the same user, different texts (almost surely) different users.
    pub(super) fn of_code(code: &str, app_id: &str) -> User {
        let digest = Sha256::digest(format!("miniapp simulator alipay user\n{code}").as_bytes());
        let mut n = [0u8; 8];
        n.copy_from_slice(&digest[..8]);
        let user_id = format!("2088{:012}", u64::from_be_bytes(n) % 1_000_000_000_000);
        User::with_id(user_id, app_id)
    }

    /// A user by id, with their open id for `app_id`.
    pub(super) fn with_id(user_id: String, app_id: &str) -> User {
        let digest = Sha256::digest(format!("{app_id}\n{user_id}").as_bytes());
        let open_id = format!("0{}", &hex::encode(digest)[..46]);
        User { user_id, open_id }
    }
}

impl Books {
    /// Empty books that keep at most `limits.count` trades (and as many refunds, used
    /// auth codes and refresh tokens) in at most `limits.bytes`.
    pub(crate) fn new(limits: Limits) -> Books {
        Books {
            book: OrderBook::new(limits),
            open_ids: HashMap::new(),
            used_codes: Recent::new(limits),
            grants: Recent::new(limits),
            access: Recent::new(limits),
            expired: Recent::new(limits),
            downloads: Recent::new(DOWNLOADS),
            serial: 0,
            limits,
        }
    }

    /// Forgets every trade, refund, used auth code and refresh token and gives the
    /// memory back. Numbers go on being unique (the serial is kept).
    pub(crate) fn clear(&mut self) {
        let serial = self.serial;
        *self = Books::new(self.limits);
        self.serial = serial;
    }

    /// How many trades and refunds are kept.
    pub(crate) fn counts(&self) -> (usize, usize) {
        self.book.counts()
    }

    pub(super) fn trades(&self) -> impl Iterator<Item = &Trade> {
        self.book.orders().map(|e| &e.trade)
    }

    pub(super) fn entry(&self, out_trade_no: &str) -> Option<&TradeEntry> {
        self.book.order(out_trade_no)
    }

    pub(super) fn trade(&self, out_trade_no: &str) -> Option<&Trade> {
        self.entry(out_trade_no).map(|e| &e.trade)
    }

    pub(super) fn trade_mut(&mut self, out_trade_no: &str) -> Option<&mut Trade> {
        self.book.order_mut(out_trade_no).map(|e| &mut e.trade)
    }

    /// The trade a request names: by `trade_no` when it has one (it wins), else by
    /// `out_trade_no`.
    pub(super) fn named(
        &self,
        trade_no: Option<&str>,
        out_trade_no: Option<&str>,
    ) -> Option<&Trade> {
        match (trade_no, out_trade_no) {
            (Some(no), _) => self.book.order_by_id(no).map(|e| &e.trade),
            (None, Some(out)) => self.trade(out),
            (None, None) => None,
        }
    }

    /// The user id of the first trade kept whose buyer has this open id.
    pub(super) fn user_of_open_id(&self, open_id: &str) -> Option<&str> {
        self.open_ids.get(open_id).map(|(user, _)| user.as_str())
    }

    /// Records a new trade (its `out_trade_no` is not in the books), then makes room.
    pub(super) fn create(&mut self, entry: TradeEntry) {
        let trade = &entry.trade;
        let (no, trade_no) = (trade.out_trade_no.clone(), trade.trade_no.clone());
        let seen = self
            .open_ids
            .entry(trade.buyer_open_id.clone())
            .or_insert_with(|| (trade.buyer_id.clone(), 0));
        seen.1 += 1;
        let open_ids = &mut self.open_ids;
        self.book.place(no, entry, Some(trade_no), |gone| {
            forget_buyer(open_ids, &gone)
        });
    }

    /// Every refund, oldest first.
    pub(super) fn refunds(&self) -> impl Iterator<Item = &Refund> {
        self.book.refunds()
    }

    pub(super) fn refund(&self, out_trade_no: &str, out_request_no: &str) -> Option<&Refund> {
        // The key is a pair of owned texts; a lookup builds one (short numbers).
        self.book
            .refund(&(out_trade_no.to_owned(), out_request_no.to_owned()))
    }

    /// Records a refund that succeeded: its trade's refunded total grows, and a trade
    /// refunded in full is closed at `now`.
    pub(super) fn add_refund(&mut self, refund: Refund, now: &str) {
        let Some(entry) = self.book.order_mut(&refund.out_trade_no) else {
            return;
        };
        let trade = &mut entry.trade;
        trade.refunded += refund.refund_amount;
        if trade.refunded >= trade.total_amount {
            trade.trade_status = TradeStatus::TradeClosed;
            trade.gmt_close = Some(now.to_owned());
        }
        let out_trade_no = refund.out_trade_no.clone();
        let key = (out_trade_no.clone(), refund.out_request_no.clone());
        let open_ids = &mut self.open_ids;
        self.book
            .add_refund(&out_trade_no, key, refund, None, |gone| {
                forget_buyer(open_ids, &gone)
            });
    }

    /// Marks a `WAIT_BUYER_PAY` trade paid at `now`.
    pub(super) fn pay(&mut self, out_trade_no: &str, now: &str) -> Result<(), AlipaySteerError> {
        let trade = self
            .trade_mut(out_trade_no)
            .ok_or_else(|| AlipaySteerError::UnknownTrade(out_trade_no.to_owned()))?;
        if trade.trade_status != TradeStatus::WaitBuyerPay {
            return Err(AlipaySteerError::NotPayable {
                out_trade_no: out_trade_no.to_owned(),
                status: trade.trade_status.to_string(),
            });
        }
        trade.trade_status = TradeStatus::TradeSuccess;
        trade.gmt_payment = Some(now.to_owned());
        Ok(())
    }

    /// Ends the refund period of a `TRADE_SUCCESS` trade: `TRADE_FINISHED`.
    pub(super) fn finish(&mut self, out_trade_no: &str) -> Result<(), AlipaySteerError> {
        let trade = self
            .trade_mut(out_trade_no)
            .ok_or_else(|| AlipaySteerError::UnknownTrade(out_trade_no.to_owned()))?;
        if trade.trade_status != TradeStatus::TradeSuccess {
            return Err(AlipaySteerError::NotFinishable {
                out_trade_no: out_trade_no.to_owned(),
                status: trade.trade_status.to_string(),
            });
        }
        trade.trade_status = TradeStatus::TradeFinished;
        Ok(())
    }

    /// Takes an auth code: `false` when it was exchanged before.
    pub(super) fn use_code(&mut self, code: &str) -> bool {
        if self.used_codes.contains_key(code) {
            return false;
        }
        self.used_codes.insert(code.to_owned(), ());
        true
    }

    /// Records a refresh token issued for `user`.
    pub(super) fn grant(&mut self, refresh_token: String, user: User) {
        self.grants.insert(refresh_token, user);
    }

    /// Records an access token issued for `user`.
    pub(super) fn grant_access(&mut self, access_token: String, user: User) {
        self.access.insert(access_token, user);
    }

    /// The user of an access token: `Ok` while it is good, `Err(true)` once expired,
    /// `Err(false)` when it was never issued (or is forgotten).
    pub(super) fn access_user(&self, access_token: &str) -> Result<&User, bool> {
        if self.expired.contains_key(access_token) {
            return Err(true);
        }
        self.access.get(access_token).ok_or(false)
    }

    /// Expires an access token: `false` when it was never issued.
    pub(super) fn expire_access(&mut self, access_token: &str) -> bool {
        if self.access.remove(access_token).is_none() {
            return false;
        }
        self.expired.insert(access_token.to_owned(), ());
        true
    }

    /// Keeps a bill for download under `file_id` (the oldest go beyond [`DOWNLOADS`]).
    pub(super) fn keep_download(&mut self, file_id: String, download: BillDownload) {
        self.downloads.insert(file_id, download);
    }

    /// The bill handed out under `file_id`, while its link is valid.
    pub(super) fn download(&self, file_id: &str, now: std::time::Instant) -> Option<&BillDownload> {
        self.downloads.get(file_id).filter(|d| now < d.until)
    }

    /// Takes a refresh token (it is good once): its user, if it was issued.
    pub(super) fn take_grant(&mut self, refresh_token: &str) -> Option<User> {
        self.grants.remove(refresh_token)
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// 28 digits like Alipay's: the day `yyyyMMdd`, `220014`, a 14-digit serial.
    pub(super) fn trade_no(&mut self, day: &str) -> String {
        let serial = self.next_serial() % 100_000_000_000_000;
        format!("{day}220014{serial:014}")
    }

    /// A token: `prefix` with the app's kind of random text.
    pub(super) fn token(&mut self, prefix: &str) -> String {
        let serial = self.next_serial();
        let random: u64 = rand::thread_rng().gen();
        format!("{prefix}{serial:06}{random:016x}")
    }
}

/// Forgets the buyer of a trade that left the books, once no trade kept has them.
fn forget_buyer(open_ids: &mut HashMap<String, (String, usize)>, gone: &TradeEntry) {
    let open_id = &gone.trade.buyer_open_id;
    if let Some(seen) = open_ids.get_mut(open_id) {
        seen.1 -= 1;
        if seen.1 == 0 {
            open_ids.remove(open_id);
        }
    }
}

/// A fresh notification id (32 characters, like Alipay's).
pub(super) fn notify_id() -> String {
    let random: u128 = rand::thread_rng().gen();
    format!("{random:032x}")
}
