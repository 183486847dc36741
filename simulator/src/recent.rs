//! A keyed store that keeps the most recent entries: O(1) lookup by key, iteration in
//! insertion order, and the oldest entries evicted once a count or a byte budget is
//! exceeded. The merchants' orders, trades and refunds and the issued tokens live in
//! one each, so that a long-running simulator neither slows down (no linear scans) nor
//! grows without bound.
//!
//! Entries sit in a deque in insertion order; the index maps a key to its sequence
//! number, and `seq - first` is its position. A removed entry leaves a hole (`None`),
//! so removal is O(1) too; holes at the front are dropped at once and the deque is
//! compacted when holes outnumber the live entries.

// Without a merchant (WeChat Pay, Alipay) only the tokens live in one: part of it idles.
#![cfg_attr(not(feature = "merchant"), allow(dead_code))]

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// How much a store may hold; the oldest entries go first when either is exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub count: usize,
    pub bytes: usize,
}

impl Limits {
    pub const UNBOUNDED: Limits = Limits {
        count: usize::MAX,
        bytes: usize::MAX,
    };
}

/// What an entry costs, approximately: its own size and the text it owns. Used for the
/// byte budget, so it need not be exact, only proportional to what the entry holds.
pub(crate) trait Footprint {
    fn footprint(&self) -> usize;
}

impl Footprint for String {
    fn footprint(&self) -> usize {
        std::mem::size_of::<String>() + self.len()
    }
}

impl<A: Footprint, B: Footprint> Footprint for (A, B) {
    fn footprint(&self) -> usize {
        self.0.footprint() + self.1.footprint()
    }
}

/// The bytes an optional text owns.
pub(crate) fn opt(s: &Option<String>) -> usize {
    s.as_deref().map_or(0, str::len)
}

struct Slot<K, V> {
    key: K,
    value: V,
    bytes: usize,
}

pub(crate) struct Recent<K, V> {
    slots: VecDeque<Option<Slot<K, V>>>,
    /// The sequence number of `slots[0]`.
    first: u64,
    index: HashMap<K, u64>,
    bytes: usize,
    limits: Limits,
}

impl<K: Hash + Eq + Clone + Footprint, V: Footprint> Recent<K, V> {
    pub fn new(limits: Limits) -> Self {
        Recent {
            slots: VecDeque::new(),
            first: 0,
            index: HashMap::new(),
            bytes: 0,
            limits,
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// The bytes held, as [`Footprint`] counts them.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let seq = *self.index.get(key)?;
        usize::try_from(seq - self.first).ok()
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let at = self.position(key)?;
        self.slots.get(at)?.as_ref().map(|s| &s.value)
    }

    /// The entry to change in place. Its byte count stays what it was when inserted:
    /// changes are state moves (a status, a time, an id), not new text of any size.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let at = self.position(key)?;
        self.slots.get_mut(at)?.as_mut().map(|s| &mut s.value)
    }

    #[allow(dead_code)] // not every merchant asks
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(key)
    }

    /// Adds an entry as the newest (replacing one with the same key), then evicts the
    /// oldest entries until the limits hold again — never the new one, so one entry
    /// larger than the whole byte budget is still kept, alone. Returns what was
    /// evicted, oldest first, so that the owner can drop what refers to it.
    pub fn insert(&mut self, key: K, value: V) -> Vec<(K, V)> {
        let mut evicted = Vec::new();
        if let Some(old) = self.remove(&key) {
            evicted.push((key.clone(), old));
        }
        let bytes = key.footprint() + value.footprint();
        let seq = self.first + self.slots.len() as u64;
        self.index.insert(key.clone(), seq);
        self.slots.push_back(Some(Slot { key, value, bytes }));
        self.bytes += bytes;
        while self.index.len() > self.limits.count
            || (self.bytes > self.limits.bytes && self.index.len() > 1)
        {
            match self.pop_oldest() {
                Some(gone) => evicted.push(gone),
                None => break,
            }
        }
        evicted
    }

    /// Removes and returns the oldest entry.
    pub fn pop_oldest(&mut self) -> Option<(K, V)> {
        self.trim_front();
        let slot = self.slots.pop_front()??;
        self.first += 1;
        self.forget(&slot);
        self.trim_front();
        Some((slot.key, slot.value))
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let at = self.position(key)?;
        let slot = self.slots.get_mut(at)?.take()?;
        self.forget(&slot);
        self.trim_front();
        self.compact_if_sparse();
        Some(slot.value)
    }

    /// The oldest entry, without removing it.
    pub fn oldest(&self) -> Option<(&K, &V)> {
        self.slots
            .iter()
            .flatten()
            .next()
            .map(|s| (&s.key, &s.value))
    }

    /// Every entry, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.slots.iter().flatten().map(|s| (&s.key, &s.value))
    }

    /// Every value, oldest first, to change in place (see [`Recent::get_mut`]).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.slots.iter_mut().flatten().map(|s| &mut s.value)
    }

    fn forget(&mut self, slot: &Slot<K, V>) {
        self.index.remove(&slot.key);
        self.bytes -= slot.bytes;
    }

    fn trim_front(&mut self) {
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.first += 1;
        }
    }

    /// Removals from the middle leave holes; when they outnumber the live entries the
    /// deque is rebuilt, so that its length stays within twice the live count.
    fn compact_if_sparse(&mut self) {
        let live = self.index.len();
        if self.slots.len() <= 2 * live + 16 {
            return;
        }
        let slots = std::mem::take(&mut self.slots);
        self.slots = slots.into_iter().flatten().map(Some).collect();
        for (at, slot) in self.slots.iter().flatten().enumerate() {
            self.index.insert(slot.key.clone(), self.first + at as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(count: usize, bytes: usize) -> Recent<String, String> {
        Recent::new(Limits { count, bytes })
    }

    #[test]
    fn finds_by_key_and_keeps_insertion_order() {
        let mut s = store(10, 1000);
        for n in 0..5 {
            assert!(s.insert(format!("k{n}"), format!("v{n}")).is_empty());
        }
        assert_eq!(s.get("k3").map(String::as_str), Some("v3"));
        *s.get_mut("k1").unwrap() = "changed".into();
        assert_eq!(s.remove("k2").as_deref(), Some("v2"));
        assert!(s.get("k2").is_none() && !s.contains_key("k2"));
        let keys: Vec<&str> = s.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["k0", "k1", "k3", "k4"]);
        assert_eq!(s.get("k1").map(String::as_str), Some("changed"));
        // Inserting a key again makes it the newest.
        let replaced = s.insert("k0".into(), "again".into());
        assert_eq!(replaced, [("k0".to_owned(), "v0".to_owned())]);
        assert_eq!(s.oldest().map(|(k, _)| k.as_str()), Some("k1"));
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn evicts_the_oldest_by_count_and_by_bytes() {
        let mut s = store(3, 1000);
        for n in 0..3 {
            s.insert(format!("k{n}"), "v".into());
        }
        let gone = s.insert("k3".into(), "v".into());
        assert_eq!(gone, [("k0".to_owned(), "v".to_owned())]);
        assert_eq!(s.len(), 3);

        let one = "a".to_owned().footprint() + "1234".to_owned().footprint();
        let mut s = store(100, 2 * one + 1);
        s.insert("a".into(), "1234".into());
        s.insert("b".into(), "1234".into());
        let gone = s.insert("c".into(), "1234".into());
        assert_eq!(
            gone.len(),
            1,
            "three entries are over the budget: the oldest goes"
        );
        assert_eq!(s.bytes(), 2 * one);
        // An entry larger than the whole budget is kept, alone.
        let gone = s.insert("big".into(), "x".repeat(50));
        assert_eq!(gone.len(), 2);
        assert_eq!(s.len(), 1);
        assert!(s.get("big").is_some());
    }

    #[test]
    fn holes_are_compacted_and_lookups_survive() {
        let mut s = store(10_000, usize::MAX);
        for n in 0..1000 {
            s.insert(format!("k{n}"), format!("v{n}"));
        }
        // Remove every entry but each tenth, from the back so no hole reaches the front.
        for n in (1..1000).rev().filter(|n| n % 10 != 0) {
            s.remove(format!("k{n}").as_str());
        }
        assert_eq!(s.len(), 100);
        assert!(s.slots.len() <= 2 * 100 + 16, "{}", s.slots.len());
        for n in (0..1000).step_by(10) {
            assert_eq!(s.get(format!("k{n}").as_str()), Some(&format!("v{n}")));
        }
        s.insert("new".into(), "x".into());
        assert_eq!(s.iter().last().map(|(k, _)| k.as_str()), Some("new"));
        while s.pop_oldest().is_some() {}
        assert_eq!((s.len(), s.bytes()), (0, 0));
    }
}
