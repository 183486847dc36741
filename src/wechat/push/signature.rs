//! The push signatures: SHA-1 over the parts sorted bytewise and joined with nothing
//! between them, as lowercase hex. `signature` signs (token, timestamp, nonce);
//! `msg_signature` also signs `Encrypt`.

use super::PushError;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// `sha1(sort(parts).join(""))` as lowercase hex.
pub(crate) fn sign(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    // Bytewise order, which is what the official samples' string sort gives for the
    // ASCII these values are made of.
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Checks `given` against the signature of `parts` in constant time (the comparison
/// does not reveal how many leading characters were right). Uppercase hex is accepted:
/// it carries the same digest.
pub(crate) fn verify(name: &'static str, given: &str, parts: &[&str]) -> Result<(), PushError> {
    let expected = sign(parts);
    let given = given.trim().to_ascii_lowercase();
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(PushError::BadSignature(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_does_not_matter_and_hex_is_lowercase() {
        let a = sign(&["pamtest", "1409304348", "xxxxxx"]);
        let b = sign(&["xxxxxx", "pamtest", "1409304348"]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 40);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        // The sorted concatenation is what gets hashed, nothing else.
        let mut h = Sha1::new();
        h.update(b"1409304348pamtestxxxxxx");
        assert_eq!(a, hex::encode(h.finalize()));
    }

    #[test]
    fn verify_accepts_the_signature_and_refuses_others() {
        let parts = ["pamtest", "1409304348", "xxxxxx"];
        let good = sign(&parts);
        verify("signature", &good, &parts).unwrap();
        verify("signature", &good.to_uppercase(), &parts).unwrap();
        let mut bad = good.clone().into_bytes();
        bad[0] = if bad[0] == b'0' { b'1' } else { b'0' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(
            verify("signature", &bad, &parts),
            Err(PushError::BadSignature("signature"))
        );
        assert!(verify("signature", "", &parts).is_err());
        assert!(verify("signature", &good[..39], &parts).is_err());
        assert!(verify("signature", &good, &["other", "1409304348", "xxxxxx"]).is_err());
    }
}
