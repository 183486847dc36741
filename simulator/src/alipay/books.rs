//! Alipay's books: the merchant's trades and refunds in the order they came, the users'
//! auth codes and refresh tokens, and the ids Alipay would give them.

use super::{AlipaySteerError, Refund, Trade};
use miniapp::alipay::trade::TradeStatus;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Alipay's state (one merchant, one app).
#[derive(Default)]
pub(crate) struct Books {
    trades: Vec<TradeEntry>,
    refunds: Vec<Refund>,
    /// Auth codes already exchanged (an auth code is good once).
    used_codes: HashSet<String>,
    /// Refresh tokens issued and not yet used, with their user.
    grants: HashMap<String, User>,
    serial: u64,
}

pub(super) struct TradeEntry {
    pub trade: Trade,
    /// The business parameters of the request that created it: creating it again must
    /// repeat them exactly.
    pub params: BTreeMap<String, String>,
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
    pub(super) fn trades(&self) -> impl Iterator<Item = &Trade> {
        self.trades.iter().map(|e| &e.trade)
    }

    pub(super) fn entry(&self, out_trade_no: &str) -> Option<&TradeEntry> {
        self.trades
            .iter()
            .find(|e| e.trade.out_trade_no == out_trade_no)
    }

    pub(super) fn trade(&self, out_trade_no: &str) -> Option<&Trade> {
        self.entry(out_trade_no).map(|e| &e.trade)
    }

    pub(super) fn trade_mut(&mut self, out_trade_no: &str) -> Option<&mut Trade> {
        self.trades
            .iter_mut()
            .find(|e| e.trade.out_trade_no == out_trade_no)
            .map(|e| &mut e.trade)
    }

    /// The trade a request names: by `trade_no` when it has one (it wins), else by
    /// `out_trade_no`.
    pub(super) fn named(
        &self,
        trade_no: Option<&str>,
        out_trade_no: Option<&str>,
    ) -> Option<&Trade> {
        match (trade_no, out_trade_no) {
            (Some(no), _) => self.trades().find(|t| t.trade_no == no),
            (None, Some(out)) => self.trade(out),
            (None, None) => None,
        }
    }

    pub(super) fn create(&mut self, entry: TradeEntry) {
        self.trades.push(entry);
    }

    pub(super) fn refunds(&self) -> &[Refund] {
        &self.refunds
    }

    pub(super) fn refund(&self, out_trade_no: &str, out_request_no: &str) -> Option<&Refund> {
        self.refunds
            .iter()
            .find(|r| r.out_trade_no == out_trade_no && r.out_request_no == out_request_no)
    }

    /// Records a refund that succeeded: its trade's refunded total grows, and a trade
    /// refunded in full is closed at `now`.
    pub(super) fn add_refund(&mut self, refund: Refund, now: &str) {
        if let Some(trade) = self.trade_mut(&refund.out_trade_no) {
            trade.refunded += refund.refund_amount;
            if trade.refunded >= trade.total_amount {
                trade.trade_status = TradeStatus::TradeClosed;
                trade.gmt_close = Some(now.to_owned());
            }
        }
        self.refunds.push(refund);
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
        self.used_codes.insert(code.to_owned())
    }

    /// Records a refresh token issued for `user`.
    pub(super) fn grant(&mut self, refresh_token: String, user: User) {
        self.grants.insert(refresh_token, user);
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

/// A fresh notification id (32 characters, like Alipay's).
pub(super) fn notify_id() -> String {
    let random: u128 = rand::thread_rng().gen();
    format!("{random:032x}")
}
