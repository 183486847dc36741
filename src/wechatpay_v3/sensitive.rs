//! Sensitive fields (names, ID and phone numbers in the APIs that take them): encrypted
//! with WeChat Pay's key — the WeChat Pay public key, else a platform certificate —
//! with RSA-OAEP (SHA-1, MGF1-SHA-1), and the request must then name that key in its
//! `Wechatpay-Serial` header; sensitive fields in answers are encrypted with the
//! merchant's key and decrypted with its API private key.
//!
//! Public docs: <https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_3.shtml>
//! (the page URL is unconfirmed).

use super::Client;
use crate::crypto::oaep::{Decryptor, Encryptor, OaepError};

/// A field encrypted for WeChat Pay, with the key id the request must carry in
/// `Wechatpay-Serial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedField {
    /// Base64, what the request's field carries.
    pub ciphertext: String,
    /// `PUB_KEY_ID_…` or a platform certificate's serial.
    pub serial: String,
}

/// Why a sensitive field could not be encrypted or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SensitiveError {
    #[error(
        "no WeChat Pay key to encrypt with (configure the public key or platform certificates)"
    )]
    NoKey,
    #[error("the merchant private key cannot decrypt: {0}")]
    Key(String),
    #[error(transparent)]
    Oaep(#[from] OaepError),
}

impl Client {
    /// Encrypts `plaintext` with WeChat Pay's key (the public key in public-key mode,
    /// else the last platform certificate held) — the key every request of this client
    /// names in its `Wechatpay-Serial` header, as a request carrying such a field must.
    pub fn encrypt_sensitive(&self, plaintext: &str) -> Result<EncryptedField, SensitiveError> {
        let (serial, key) = self
            .signer()
            .platform_keys()
            .encryption_key()
            .ok_or(SensitiveError::NoKey)?;
        let encryptor = Encryptor::new(&key).map_err(|e| SensitiveError::Key(e.to_string()))?;
        Ok(EncryptedField {
            ciphertext: encryptor.encrypt(plaintext.as_bytes())?,
            serial,
        })
    }

    /// Decrypts a sensitive field of an answer with the merchant's API private key
    /// (PKCS#8, as `apiclient_key.pem` is).
    pub fn decrypt_sensitive(&self, ciphertext: &str) -> Result<String, SensitiveError> {
        let decryptor = Decryptor::parse(self.credentials().secret().expose())
            .map_err(|e| SensitiveError::Key(e.to_string()))?;
        let plain = decryptor.decrypt(ciphertext)?;
        String::from_utf8(plain).map_err(|_| SensitiveError::Oaep(OaepError::Undecryptable))
    }
}
