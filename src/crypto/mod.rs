//! Hand-written cryptography the platforms need beyond transport: [`wxbiz`] decrypts the
//! `encryptedData` a WeChat mini program hands to its server (user info, phone number)
//! with the user's `session_key` and checks its watermark against the app id, and
//! [`sign`] holds, in one place, the "sorted `key=value&…&key=KEY`, then digest" signing
//! family used by WeChat Pay v2 (MD5 / HMAC-SHA256) and, unconfirmed, by the Jucai
//! aggregator; [`rsa`] is RSA2 (SHA256withRSA) over keys in the forms merchants hold
//! them, for Alipay, and [`cert_sn`] names certificates as Alipay's certificate mode
//! does; [`aead`] (AES-256-GCM) and [`oaep`] (RSA-OAEP) are WeChat Pay API v3's resource
//! and sensitive-field ciphers. The modules are pure functions over their inputs (no I/O, no logging), never
//! put keys into error messages, and return errors instead of panicking on any input.

#[cfg(feature = "rsa2")]
pub mod aead;
#[cfg(feature = "rsa2")]
pub mod cert_sn;
#[cfg(feature = "rsa2")]
pub mod oaep;
#[cfg(feature = "rsa2")]
pub mod rsa;
pub mod sign;
pub mod wxbiz;

/// A public SDK-suite test vector from `tests/fixtures/alipay_vectors/`.
#[cfg(all(test, feature = "rsa2"))]
pub(crate) fn test_vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/alipay_vectors/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// A public SDK-suite test vector from `tests/fixtures/wechatpay_v3/`.
#[cfg(all(test, feature = "rsa2"))]
pub(crate) fn v3_vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/wechatpay_v3/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}
