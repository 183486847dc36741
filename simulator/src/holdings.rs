//! What a merchant holds, as the engine keeps it without knowing whose it is: books
//! behind [`Held`] (reset them, report them, find them by type), and values by type
//! ([`Extensions`]) for a platform's settings. A leaf: it knows no engine type.

use super::recent::Limits;
use serde_json::Value;
use std::any::{Any, TypeId};
use std::collections::HashMap;

/// A merchant's books as the engine holds them.
pub(crate) trait Held: AsAny + Send {
    /// Forgets every order, trade and refund, giving the memory back.
    fn reset(&mut self);
    /// What it holds, for `/_admin/health` (`{"orders": n, "refunds": m}`).
    fn holdings(&self) -> Value;
}

/// `Any` for a trait object (explicit, for Rust versions without trait upcasting).
#[cfg_attr(not(feature = "merchant"), allow(dead_code))]
pub(crate) trait AsAny: Any {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// What a merchant is made from: its bounds, the builder's settings, and the place for
/// settings fixed at start that its handlers read without the state's lock.
pub(crate) struct Start<'a> {
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub limits: Limits,
    #[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))]
    pub settings: &'a Extensions,
    #[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))]
    pub fixed: &'a mut Extensions,
}

/// The merchants of the served platforms, by platform name.
#[derive(Default)]
pub(crate) struct Merchants(Vec<(&'static str, Box<dyn Held>)>);

impl Merchants {
    pub fn add(&mut self, platform: &'static str, merchant: Box<dyn Held>) {
        self.0.push((platform, merchant));
    }
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub fn get<M: Held>(&self) -> Option<&M> {
        // `(**m)`: the merchant itself, not its `Box` (which is `Any` too).
        self.0
            .iter()
            .find_map(|(_, m)| (**m).as_any().downcast_ref())
    }
    #[cfg_attr(not(feature = "merchant"), allow(dead_code))]
    pub fn get_mut<M: Held>(&mut self) -> Option<&mut M> {
        self.0
            .iter_mut()
            .find_map(|(_, m)| (**m).as_any_mut().downcast_mut())
    }
    pub fn reset(&mut self) {
        for (_, m) in &mut self.0 {
            m.reset();
        }
    }
    pub fn holdings(&self) -> impl Iterator<Item = (&'static str, Value)> + '_ {
        self.0.iter().map(|(name, m)| (*name, m.holdings()))
    }
}

/// Values by type: the builder's settings of a platform, and what its merchant fixed
/// at start (WeChat Pay API v3's keys).
#[derive(Default)]
#[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))]
pub(crate) struct Extensions(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

#[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))]
impl Extensions {
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref()
    }
    /// Changes the value of type `T` (its default if there is none yet).
    pub fn update<T: Any + Send + Sync + Default>(&mut self, change: impl FnOnce(&mut T)) {
        let mut value = self
            .0
            .remove(&TypeId::of::<T>())
            .and_then(|b| b.downcast::<T>().ok())
            .map_or_else(T::default, |b| *b);
        change(&mut value);
        self.insert(value);
    }
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Box::new(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(usize);

    impl Held for Counter {
        fn reset(&mut self) {
            self.0 = 0;
        }
        fn holdings(&self) -> Value {
            Value::from(self.0)
        }
    }

    /// Found by its own type (not its `Box`'s, which is `Any` too), reset and reported.
    #[test]
    fn merchants_are_found_by_type() {
        let mut merchants = Merchants::default();
        merchants.add("counting", Box::new(Counter(0)));
        assert!(merchants.get::<Counter>().is_some());
        merchants.get_mut::<Counter>().unwrap().0 = 3;
        let held: Vec<_> = merchants.holdings().collect();
        assert_eq!(held, [("counting", Value::from(3))]);
        merchants.reset();
        assert_eq!(merchants.get::<Counter>().unwrap().0, 0);
    }

    #[test]
    fn extensions_update_in_place() {
        let mut settings = Extensions::default();
        settings.update(|n: &mut u32| *n += 2);
        settings.update(|n: &mut u32| *n *= 5);
        assert_eq!(settings.get::<u32>(), Some(&10));
        assert_eq!(settings.get::<u64>(), None);
    }
}
