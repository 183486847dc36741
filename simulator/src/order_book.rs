//! A merchant's orders with their refunds — what WeChat Pay v2's ledger, API v3's books
//! and Alipay's books each keep: orders in the order they came, found by their number or
//! by the platform's id for them (`transaction_id`, `trade_no`) without a scan; refunds
//! found by their key or the platform's id (`refund_id`), or through their order. The
//! book stays within the merchant limits (see
//! [`SimulatorBuilder::max_orders`](crate::SimulatorBuilder::max_orders)): the oldest
//! order goes first, and its refunds with it, so that no order ever loses a refund it
//! still has.

use crate::recent::{Footprint, Limits, Recent};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// Orders `O` by number, and their refunds `R` by key `K`.
pub(crate) struct OrderBook<O, K, R> {
    orders: Recent<String, Kept<O, K>>,
    /// The platform's id of an order → its number.
    order_ids: HashMap<String, String>,
    refunds: Recent<K, KeptRefund<R>>,
    /// The platform's id of a refund → its key.
    refund_ids: HashMap<String, K>,
    limits: Limits,
}

struct Kept<O, K> {
    order: O,
    /// The platform's id, once it gave one.
    id: Option<String>,
    /// Its refunds' keys, oldest first.
    refunds: Vec<K>,
}

struct KeptRefund<R> {
    refund: R,
    id: Option<String>,
}

impl<O: Footprint, K> Footprint for Kept<O, K> {
    fn footprint(&self) -> usize {
        self.order.footprint()
    }
}

impl<R: Footprint> Footprint for KeptRefund<R> {
    fn footprint(&self) -> usize {
        self.refund.footprint()
    }
}

impl<O, K, R> OrderBook<O, K, R>
where
    O: Footprint,
    K: Hash + Eq + Clone + Footprint,
    R: Footprint,
{
    /// An empty book that keeps at most `limits.count` orders (and as many refunds) in
    /// at most `limits.bytes`.
    pub fn new(limits: Limits) -> Self {
        OrderBook {
            // The book evicts whole orders itself (see `enforce`).
            orders: Recent::new(Limits::UNBOUNDED),
            order_ids: HashMap::new(),
            refunds: Recent::new(Limits::UNBOUNDED),
            refund_ids: HashMap::new(),
            limits,
        }
    }

    /// Forgets every order and refund and gives the memory back.
    #[cfg_attr(not(feature = "wechatpay"), allow(dead_code))]
    pub fn clear(&mut self) {
        *self = OrderBook::new(self.limits);
    }

    /// How many orders and refunds are kept.
    pub fn counts(&self) -> (usize, usize) {
        (self.orders.len(), self.refunds.len())
    }

    pub fn order(&self, number: &str) -> Option<&O> {
        self.orders.get(number).map(|k| &k.order)
    }

    /// The order to change in place (its byte count stays what it was when placed).
    pub fn order_mut(&mut self, number: &str) -> Option<&mut O> {
        self.orders.get_mut(number).map(|k| &mut k.order)
    }

    /// The order the platform gave this id.
    pub fn order_by_id(&self, id: &str) -> Option<&O> {
        self.order(self.order_ids.get(id)?)
    }

    /// Every order, oldest first.
    pub fn orders(&self) -> impl Iterator<Item = &O> {
        self.orders.iter().map(|(_, k)| &k.order)
    }

    /// Records a new order (one with the same number is replaced), with the platform's
    /// id when it has one already, then makes room. `gone` is given each order that
    /// left the book, so that the owner can forget what refers to it.
    pub fn place(&mut self, number: String, order: O, id: Option<String>, mut gone: impl FnMut(O)) {
        let kept = Kept {
            order,
            id: id.clone(),
            refunds: Vec::new(),
        };
        for (_, replaced) in self.orders.insert(number.clone(), kept) {
            gone(self.forget(replaced));
        }
        // After the order it replaces is forgotten, which may have had the same id.
        if let Some(id) = id {
            self.order_ids.insert(id, number.clone());
        }
        self.enforce(&number, gone);
    }

    /// The platform gave the order an id (`transaction_id` when paid): it is found by
    /// it from now on.
    #[cfg_attr(
        not(any(feature = "wechatpay", feature = "wechatpay_v3")),
        allow(dead_code)
    )]
    pub fn name_order(&mut self, number: &str, id: String) {
        if let Some(kept) = self.orders.get_mut(number) {
            if let Some(old) = kept.id.replace(id.clone()) {
                self.order_ids.remove(&old);
            }
            self.order_ids.insert(id, number.to_owned());
        }
    }

    pub fn refund<Q>(&self, key: &Q) -> Option<&R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.refunds.get(key).map(|k| &k.refund)
    }

    /// The refund to change in place (its byte count stays what it was when added).
    #[cfg_attr(
        not(any(feature = "wechatpay", feature = "wechatpay_v3")),
        allow(dead_code)
    )]
    pub fn refund_mut<Q>(&mut self, key: &Q) -> Option<&mut R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.refunds.get_mut(key).map(|k| &mut k.refund)
    }

    /// The refund the platform gave this id.
    #[cfg_attr(not(feature = "wechatpay"), allow(dead_code))]
    pub fn refund_by_id(&self, id: &str) -> Option<&R> {
        self.refund(self.refund_ids.get(id)?)
    }

    /// Every refund, oldest first.
    pub fn refunds(&self) -> impl Iterator<Item = &R> {
        self.refunds.iter().map(|(_, k)| &k.refund)
    }

    /// The refunds of an order, oldest first.
    #[cfg_attr(
        not(any(feature = "wechatpay", feature = "wechatpay_v3")),
        allow(dead_code)
    )]
    pub fn refunds_of<'a>(&'a self, number: &str) -> impl Iterator<Item = &'a R> {
        let keys = self.orders.get(number).map_or(&[][..], |k| &k.refunds[..]);
        keys.iter().filter_map(|key| self.refund(key))
    }

    /// Records a refund of the order `number`, with the platform's id for it, then
    /// makes room (never evicting that order); `gone` is given each order that left the
    /// book. Without the order in the book the refund is not kept.
    pub fn add_refund(
        &mut self,
        number: &str,
        key: K,
        refund: R,
        id: Option<String>,
        gone: impl FnMut(O),
    ) {
        let Some(kept) = self.orders.get_mut(number) else {
            return;
        };
        kept.refunds.push(key.clone());
        if let Some(id) = &id {
            self.refund_ids.insert(id.clone(), key.clone());
        }
        self.refunds.insert(key, KeptRefund { refund, id });
        self.enforce(number, gone);
    }

    /// Evicts the oldest orders, with their refunds, until the orders, the refunds and
    /// the bytes of both are within the limits — never `keep`, the order just placed
    /// or refunded.
    fn enforce(&mut self, keep: &str, mut gone: impl FnMut(O)) {
        let over = |b: &Self| {
            b.orders.len() > b.limits.count
                || b.refunds.len() > b.limits.count
                || b.orders.bytes().saturating_add(b.refunds.bytes()) > b.limits.bytes
        };
        while over(self) {
            if self.orders.oldest().is_none_or(|(no, _)| no == keep) {
                break;
            }
            match self.orders.pop_oldest() {
                Some((_, old)) => gone(self.forget(old)),
                None => break,
            }
        }
    }

    /// Forgets what refers to an order that left the book: its refunds, its ids.
    fn forget(&mut self, kept: Kept<O, K>) -> O {
        if let Some(id) = &kept.id {
            self.order_ids.remove(id);
        }
        for key in &kept.refunds {
            if let Some(refund) = self.refunds.remove(key) {
                if let Some(id) = &refund.id {
                    self.refund_ids.remove(id);
                }
            }
        }
        kept.order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Footprint for u32 {
        fn footprint(&self) -> usize {
            100
        }
    }

    type Book = OrderBook<u32, String, u32>;

    fn book(count: usize) -> Book {
        OrderBook::new(Limits {
            count,
            bytes: usize::MAX,
        })
    }

    /// Places an order; what left the book.
    fn place(b: &mut Book, no: &str, order: u32, id: Option<&str>) -> Vec<u32> {
        let mut gone = Vec::new();
        b.place(no.into(), order, id.map(str::to_owned), |o| gone.push(o));
        gone
    }

    /// Adds a refund; what left the book.
    fn refund(b: &mut Book, no: &str, key: &str, amount: u32, id: Option<&str>) -> Vec<u32> {
        let mut gone = Vec::new();
        b.add_refund(no, key.into(), amount, id.map(str::to_owned), |o| {
            gone.push(o)
        });
        gone
    }

    /// The oldest order leaves with its refunds and ids; the order just refunded never
    /// does; what left is handed back.
    #[test]
    fn the_oldest_order_leaves_with_its_refunds_and_ids() {
        let mut b = book(2);
        assert!(place(&mut b, "o1", 1, Some("t1")).is_empty());
        refund(&mut b, "o1", "r1", 11, Some("rid1"));
        assert!(place(&mut b, "o2", 2, None).is_empty());
        b.name_order("o2", "t2".into());
        assert_eq!(
            (b.order_by_id("t1"), b.order_by_id("t2")),
            (Some(&1), Some(&2))
        );
        assert_eq!(b.refund_by_id("rid1"), Some(&11));
        assert_eq!(b.refunds_of("o1").collect::<Vec<_>>(), [&11]);
        assert_eq!(place(&mut b, "o3", 3, None), [1]);
        assert_eq!(b.counts(), (2, 0));
        assert_eq!((b.order("o1"), b.order_by_id("t1")), (None, None));
        assert_eq!((b.refund("r1"), b.refund_by_id("rid1")), (None, None));
        // Refunds count too: a third refund of o3 pushes o2 out, never o3.
        assert!(refund(&mut b, "o3", "r3a", 31, None).is_empty());
        assert!(refund(&mut b, "o3", "r3b", 32, None).is_empty());
        assert_eq!(refund(&mut b, "o3", "r3c", 33, None), [2]);
        assert_eq!(b.counts(), (1, 3));
        assert_eq!(b.orders().collect::<Vec<_>>(), [&3]);
        // A refund of an order not in the book is not kept.
        assert!(refund(&mut b, "o1", "r1", 11, None).is_empty());
        assert_eq!(b.refund("r1"), None);
        b.clear();
        assert_eq!(b.counts(), (0, 0));
    }

    /// Placing an order again under its number replaces it, and hands the old one back.
    #[test]
    fn an_order_placed_again_replaces_the_old_one() {
        let mut b = book(10);
        place(&mut b, "o1", 1, Some("t1"));
        assert_eq!(place(&mut b, "o1", 9, None), [1]);
        assert_eq!((b.order("o1"), b.order_by_id("t1")), (Some(&9), None));
        assert_eq!(place(&mut b, "o1", 8, Some("t8")), [9]);
        assert_eq!(place(&mut b, "o1", 7, Some("t8")), [8]);
        assert_eq!(b.order_by_id("t8"), Some(&7));
    }

    /// The byte budget holds for orders and refunds together.
    #[test]
    fn bytes_are_bounded() {
        let mut b: Book = OrderBook::new(Limits {
            count: 100,
            bytes: 1_000,
        });
        for n in 0..20u32 {
            let no = format!("o{n}");
            place(&mut b, &no, n, None);
            refund(&mut b, &no, &format!("r{n}"), n, None);
        }
        let (orders, refunds) = b.counts();
        assert!(orders <= 5 && orders == refunds, "{orders} {refunds}");
        assert_eq!(b.orders().last(), Some(&19));
    }
}
