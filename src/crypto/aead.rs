//! AEAD_AES_256_GCM as WeChat Pay API v3 uses it for the `resource` of notifications and
//! the `encrypt_certificate` of `/v3/certificates`: the key is the 32 ASCII bytes of the
//! merchant's APIv3 key, the nonce the 12 bytes of the resource's `nonce` text, the
//! associated data its `associated_data` text (empty when absent), and the ciphertext is
//! standard base64 with the 16-byte tag at its end. Through `aws-lc-rs` (AWS-LC).
//!
//! Public docs: <https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_2.shtml>.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::fmt;

/// The GCM tag's length: the last bytes of every ciphertext.
pub const TAG_LEN: usize = 16;

/// Why a resource could not be decrypted (or encrypted). No variant carries key bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AeadError {
    #[error(
        "the APIv3 key has {0} bytes; it must be the 32-character key set in the merchant \
         console (API安全 → APIv3密钥), not the v2 API key"
    )]
    KeyLength(usize),
    #[error("the nonce has {0} bytes; AEAD_AES_256_GCM nonces have 12")]
    NonceLength(usize),
    #[error("the ciphertext is not standard base64")]
    NotBase64,
    #[error("the ciphertext has {0} bytes, fewer than its 16-byte tag")]
    Short(usize),
    #[error(
        "the ciphertext does not open: a wrong APIv3 key, nonce or associated_data, or a \
         ciphertext altered on the way"
    )]
    Tag,
    #[error("the algorithm is {0:?}; only AEAD_AES_256_GCM is supported")]
    Algorithm(String),
}

/// The merchant's APIv3 key, checked once (32 bytes) and kept out of `Debug`.
#[derive(Clone)]
pub struct ApiV3Key {
    key: LessSafeKeyHandle,
}

/// `LessSafeKey` is not `Clone`; the raw bytes are kept to rebuild it on clone.
struct LessSafeKeyHandle {
    bytes: [u8; 32],
    key: LessSafeKey,
}

impl Clone for LessSafeKeyHandle {
    fn clone(&self) -> Self {
        LessSafeKeyHandle::new(self.bytes)
    }
}

impl LessSafeKeyHandle {
    fn new(bytes: [u8; 32]) -> Self {
        let unbound =
            UnboundKey::new(&AES_256_GCM, &bytes).expect("a 32-byte key is always an AES-256 key");
        LessSafeKeyHandle {
            bytes,
            key: LessSafeKey::new(unbound),
        }
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(***)")
    }
}

impl ApiV3Key {
    /// The key as the merchant console shows it: 32 characters, used as their bytes.
    pub fn new(key: &str) -> Result<ApiV3Key, AeadError> {
        let bytes: [u8; 32] = key
            .as_bytes()
            .try_into()
            .map_err(|_| AeadError::KeyLength(key.len()))?;
        Ok(ApiV3Key {
            key: LessSafeKeyHandle::new(bytes),
        })
    }

    /// Opens a base64 `ciphertext` (tag at its end) sealed with `nonce` and
    /// `associated_data`.
    pub fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext: &str,
    ) -> Result<Vec<u8>, AeadError> {
        let nonce = nonce_of(nonce)?;
        let mut data = STANDARD
            .decode(ciphertext.trim())
            .map_err(|_| AeadError::NotBase64)?;
        if data.len() < TAG_LEN {
            return Err(AeadError::Short(data.len()));
        }
        let plain_len = self
            .key
            .key
            .open_in_place(nonce, Aad::from(associated_data.as_bytes()), &mut data)
            .map_err(|_| AeadError::Tag)?
            .len();
        data.truncate(plain_len);
        Ok(data)
    }

    /// Seals `plaintext` as WeChat Pay does: base64 of the ciphertext with its tag. The
    /// nonce must be fresh for every message under one key (GCM's one rule).
    pub fn encrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        plaintext: &[u8],
    ) -> Result<String, AeadError> {
        let nonce = nonce_of(nonce)?;
        let mut data = Vec::with_capacity(plaintext.len() + TAG_LEN);
        data.extend_from_slice(plaintext);
        self.key
            .key
            .seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut data)
            .map_err(|_| AeadError::Tag)?;
        Ok(STANDARD.encode(data))
    }
}

fn nonce_of(nonce: &str) -> Result<Nonce, AeadError> {
    let bytes: [u8; NONCE_LEN] = nonce
        .as_bytes()
        .try_into()
        .map_err(|_| AeadError::NonceLength(nonce.len()))?;
    Ok(Nonce::assume_unique_for_key(bytes))
}

/// Refuses an `algorithm` other than the one this module implements, by its wire name.
pub fn check_algorithm(algorithm: &str) -> Result<(), AeadError> {
    if algorithm == "AEAD_AES_256_GCM" {
        Ok(())
    } else {
        Err(AeadError::Algorithm(
            algorithm.chars().take(64).collect::<String>(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::v3_vector as vector;

    /// wechatpay-java's AeadAesCipherTest: both directions, and the negative cases.
    #[test]
    fn the_sdk_suite_vector_seals_and_opens() {
        let key = ApiV3Key::new(&vector("K2.apiv3_key")).unwrap();
        let sealed = key
            .encrypt("uluk4a9R25RW", "associatedData", b"message")
            .unwrap();
        assert_eq!(sealed, vector("K2.aead.ct"));
        assert_eq!(
            key.decrypt("uluk4a9R25RW", "associatedData", &sealed)
                .unwrap(),
            b"message"
        );
        assert_eq!(
            key.decrypt("uluk4a9R25RW", "bad-associatedData", &sealed),
            Err(AeadError::Tag)
        );
        assert_eq!(
            key.decrypt("bad-4a9R25RW", "associatedData", &sealed),
            Err(AeadError::Tag)
        );
    }

    #[test]
    fn notification_resources_decrypt_to_the_documented_objects() {
        let key = ApiV3Key::new(&vector("K2.apiv3_key")).unwrap();
        let body: serde_json::Value = serde_json::from_str(&vector("D.pay_notify.body")).unwrap();
        let resource = &body["resource"];
        let plain = key
            .decrypt(
                resource["nonce"].as_str().unwrap(),
                resource["associated_data"].as_str().unwrap(),
                resource["ciphertext"].as_str().unwrap(),
            )
            .unwrap();
        assert_eq!(plain, vector("D.pay_notify.plain").as_bytes());
        let refund = key
            .decrypt("a1b2c3d4e5f6", "refund", &vector("D.refund_notify.ct"))
            .unwrap();
        assert_eq!(refund, vector("D.refund_notify.plain").as_bytes());
    }

    #[test]
    fn a_certificate_download_decrypts_to_its_pem() {
        let key = ApiV3Key::new(&vector("K2.apiv3_key")).unwrap();
        let answer: serde_json::Value =
            serde_json::from_str(&vector("K2.certificates.answer")).unwrap();
        let cert = &answer["data"][0]["encrypt_certificate"];
        let pem = key
            .decrypt(
                cert["nonce"].as_str().unwrap(),
                cert["associated_data"].as_str().unwrap(),
                cert["ciphertext"].as_str().unwrap(),
            )
            .unwrap();
        assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
        let yansongda = ApiV3Key::new("53D67FCB97E68F9998CBD17ED7A8D1E2").unwrap();
        let pem = yansongda
            .decrypt("4196a5b75276", "certificate", &vector("K3.certificate.ct"))
            .unwrap();
        assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
    }

    /// wechatpay-go's vectors use 16-byte keys (AES-128, which Go picks by key length);
    /// WeChat Pay's APIv3 keys have 32, and a shorter one is refused by name.
    #[test]
    fn keys_that_are_not_32_bytes_are_refused() {
        assert_eq!(
            ApiV3Key::new("testMchAPIv3Key0").unwrap_err(),
            AeadError::KeyLength(16)
        );
        assert!(ApiV3Key::new("testMchAPIv3Key0")
            .unwrap_err()
            .to_string()
            .contains("APIv3密钥"));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let key = ApiV3Key::new(&vector("K2.apiv3_key")).unwrap();
        assert_eq!(
            key.decrypt("short", "", "AAAA"),
            Err(AeadError::NonceLength(5))
        );
        assert_eq!(
            key.decrypt("uluk4a9R25RW", "", "not base64!"),
            Err(AeadError::NotBase64)
        );
        assert_eq!(
            key.decrypt("uluk4a9R25RW", "", "AAAA"),
            Err(AeadError::Short(3))
        );
        assert_eq!(format!("{key:?}"), "ApiV3Key(***)");
        assert!(check_algorithm("AEAD_SM4_GCM").is_err());
        assert!(check_algorithm("AEAD_AES_256_GCM").is_ok());
    }
}
