//! What a merchant remembers of the request that created an order or a trade: not its
//! parameters but their SHA-256, enough to tell whether the same number is asked for
//! again with exactly the same parameters, at 32 bytes an order.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The parameters' fingerprint: each name and value length-prefixed, so that no two
    /// different sets of parameters write the same bytes.
    pub fn of(params: &BTreeMap<String, String>) -> Fingerprint {
        let mut hash = Sha256::new();
        for (name, value) in params {
            for text in [name, value] {
                hash.update((text.len() as u64).to_le_bytes());
                hash.update(text.as_bytes());
            }
        }
        Fingerprint(hash.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pairs: &[(&str, &str)]) -> Fingerprint {
        Fingerprint::of(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn same_parameters_same_fingerprint() {
        assert_eq!(of(&[("a", "1"), ("b", "2")]), of(&[("b", "2"), ("a", "1")]));
        assert_ne!(of(&[("a", "1")]), of(&[("a", "2")]));
        // Where one text ends and the next begins is part of it.
        assert_ne!(of(&[("ab", "c")]), of(&[("a", "bc")]));
        assert_ne!(of(&[]), of(&[("", "")]));
    }
}
