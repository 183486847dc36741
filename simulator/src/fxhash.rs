//! A fast hash for the maps every request looks in — the routes, and the per-endpoint
//! failures, delays and written answers — keyed by the simulator's own tables (method
//! and path of a served endpoint, endpoint indices). The standard SipHash resists
//! crafted keys, which these maps do not need: a request can look a path up but never
//! add one, so it cannot crowd a bucket. (The rotate-multiply of rustc's FxHasher.)

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_holds() {
        let mut routes: FxHashMap<(&str, &str), usize> = FxHashMap::default();
        routes.insert(("GET", "/sns/jscode2session"), 1);
        routes.insert(("POST", "/sns/jscode2session"), 2);
        routes.insert(("GET", "/cgi-bin/token"), 3);
        assert_eq!(routes.get(&("GET", "/sns/jscode2session")), Some(&1));
        assert_eq!(routes.get(&("POST", "/sns/jscode2session")), Some(&2));
        assert_eq!(routes.get(&("GET", "/cgi-bin/tokens")), None);
        // Strings that differ only past the first word hash apart.
        let hash = |s: &str| {
            let mut h = FxHasher::default();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_ne!(hash("/cgi-bin/token_a"), hash("/cgi-bin/token_b"));
    }
}
