//! RSAES-OAEP with SHA-1 and MGF1-SHA-1, no label ("RSA/ECB/OAEPWithSHA-1AndMGF1Padding"),
//! base64 on the wire: how WeChat Pay API v3 carries sensitive fields (names, ID and
//! phone numbers). Requests encrypt them with WeChat Pay's key — the platform
//! certificate's or the WeChat Pay public key — and answers with the merchant's, which
//! the merchant decrypts with its API private key.
//!
//! Public docs: <https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_3.shtml>.

use super::rsa::{decode_text, KeyError, PublicKey};
use aws_lc_rs::rsa::{
    OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
    OAEP_SHA1_MGF1SHA1,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::fmt;

/// Why a field could not be encrypted or decrypted. No variant carries key bytes or the
/// field's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OaepError {
    #[error("the text has {len} bytes; OAEP-SHA1 with this key takes at most {max}")]
    TooLong { len: usize, max: usize },
    #[error("the ciphertext is not standard base64")]
    NotBase64,
    #[error("the ciphertext does not decrypt with the merchant's private key")]
    Undecryptable,
    #[error("RSA-OAEP encryption failed")]
    Failed,
}

/// Encrypts with WeChat Pay's key (a platform certificate's or the WeChat Pay public
/// key), parsed once.
pub struct Encryptor {
    key: OaepPublicEncryptingKey,
}

impl fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oaep::Encryptor({} bits)", self.key.key_size_bits())
    }
}

impl Encryptor {
    pub fn new(key: &PublicKey) -> Result<Encryptor, KeyError> {
        let spki = key.spki_der()?;
        let key = PublicEncryptingKey::from_der(&spki)
            .map_err(|e| KeyError::new(format!("not an RSA key OAEP can use: {e}")))?;
        let key = OaepPublicEncryptingKey::new(key)
            .map_err(|_| KeyError::new("not an RSA key OAEP can use"))?;
        Ok(Encryptor { key })
    }

    /// The longest text one field may be (214 bytes with a 2048-bit key).
    pub fn max_len(&self) -> usize {
        self.key.max_plaintext_size(&OAEP_SHA1_MGF1SHA1)
    }

    /// The base64 ciphertext of `plaintext` (randomised: each call differs).
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String, OaepError> {
        let max = self.max_len();
        if plaintext.len() > max {
            return Err(OaepError::TooLong {
                len: plaintext.len(),
                max,
            });
        }
        let mut out = vec![0; self.key.ciphertext_size()];
        let written = self
            .key
            .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut out, None)
            .map_err(|_| OaepError::Failed)?
            .len();
        out.truncate(written);
        Ok(STANDARD.encode(out))
    }
}

/// Decrypts with the merchant's API private key, parsed once.
pub struct Decryptor {
    key: OaepPrivateDecryptingKey,
}

impl fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oaep::Decryptor(***)")
    }
}

impl Decryptor {
    /// The merchant's private key as PEM (`BEGIN PRIVATE KEY`, what the merchant console's
    /// certificate tool writes as `apiclient_key.pem`) or bare PKCS#8 base64.
    pub fn parse(text: &str) -> Result<Decryptor, KeyError> {
        let (label, der) = decode_text(text, "private key")?;
        match label.as_deref() {
            None | Some("PRIVATE KEY") => {}
            Some("RSA PRIVATE KEY") => {
                return Err(KeyError::new(
                    "OAEP decryption takes the key as PKCS#8 (`BEGIN PRIVATE KEY`, as \
                     apiclient_key.pem is); convert a PKCS#1 key with `openssl pkcs8 -topk8 -nocrypt`",
                ))
            }
            Some(other) => {
                return Err(KeyError::new(format!(
                    "a PEM `{other}` is not a private key (expected `PRIVATE KEY`)"
                )))
            }
        }
        let key = PrivateDecryptingKey::from_pkcs8(&der)
            .map_err(|e| KeyError::new(format!("not an RSA private key in PKCS#8: {e}")))?;
        let key = OaepPrivateDecryptingKey::new(key)
            .map_err(|_| KeyError::new("not an RSA key OAEP can use"))?;
        Ok(Decryptor { key })
    }

    /// The text of a base64 `ciphertext` encrypted with the merchant's public key.
    pub fn decrypt(&self, ciphertext: &str) -> Result<Vec<u8>, OaepError> {
        let data = STANDARD
            .decode(ciphertext.trim())
            .map_err(|_| OaepError::NotBase64)?;
        let mut out = vec![0; self.key.min_output_size()];
        let len = self
            .key
            .decrypt(&OAEP_SHA1_MGF1SHA1, &data, &mut out, None)
            .map_err(|_| OaepError::Undecryptable)?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rsa::PrivateKey;
    use crate::crypto::v3_vector as vector;

    /// The SDK suites' decrypt vectors (OAEP is randomised, so only decryption is fixed).
    #[test]
    fn the_sdk_suite_ciphertexts_decrypt() {
        for (key, ct, plain) in [
            ("K1.private_key.pem_pkcs8", "K1.oaep.ct", "hello world"),
            ("K2.merchant_private_key.pem", "K2.oaep.ct", "plaintext"),
            ("K3.private_key.pem_pkcs8", "K3.oaep.ct", "yansongda"),
        ] {
            let decryptor = Decryptor::parse(&vector(key)).unwrap();
            assert_eq!(decryptor.decrypt(&vector(ct)).unwrap(), plain.as_bytes());
        }
        let k2 = Decryptor::parse(&vector("K2.merchant_private_key.pem")).unwrap();
        assert_eq!(k2.decrypt("MTIzNA=="), Err(OaepError::Undecryptable));
        assert_eq!(k2.decrypt("%%"), Err(OaepError::NotBase64));
        assert_eq!(format!("{k2:?}"), "oaep::Decryptor(***)");
    }

    #[test]
    fn what_one_key_encrypts_its_private_half_decrypts() {
        let private = PrivateKey::parse(&vector("K2.merchant_private_key.pem")).unwrap();
        let encryptor = Encryptor::new(&private.public_key()).unwrap();
        assert_eq!(encryptor.max_len(), 214);
        let name = "张三".as_bytes();
        let a = encryptor.encrypt(name).unwrap();
        let b = encryptor.encrypt(name).unwrap();
        assert_ne!(a, b, "OAEP is randomised");
        let decryptor = Decryptor::parse(&vector("K2.merchant_private_key.pem")).unwrap();
        assert_eq!(decryptor.decrypt(&a).unwrap(), name);
        assert_eq!(
            encryptor.encrypt(&[b'x'; 215]),
            Err(OaepError::TooLong { len: 215, max: 214 })
        );
        // Another key's ciphertext does not open.
        let other = Decryptor::parse(&vector("K1.private_key.pem_pkcs8")).unwrap();
        assert_eq!(other.decrypt(&a), Err(OaepError::Undecryptable));
    }
}
