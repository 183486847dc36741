//! The safe-mode cipher (shared with official accounts):
//!
//! * key = base64-decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC, IV = key[..16];
//! * plaintext = 16 random bytes ‖ message length (u32, big-endian) ‖ message ‖ app id;
//! * PKCS#7 padding to a **32-byte** block (pad values 1–32), so the cipher runs without
//!   padding and the padding is handled here: a 16-byte PKCS#7 unpadder would refuse
//!   genuine pushes whose pad value is over 16.
//!
//! Doc: <https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html>.

use super::PushError;
use crate::runtime::Secret;
use aes::Aes256;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, Engine, GeneralPurpose, GeneralPurposeConfig};
use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use std::fmt;

/// WeChat pads to this, not to the AES block.
const PAD_BLOCK: usize = 32;
const AES_BLOCK: usize = 16;
/// Random prefix and length field.
const HEADER: usize = 20;

/// The EncodingAESKey's 43 characters leave 2 spare bits in the last one; WeChat's keys
/// do not keep them zero (nor do the official samples, whose decoders ignore them).
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// `Encrypt` as WeChat sends it, padded; a value that lost its `=` in some glue code
/// still decodes to the same bytes (the crate's reading of WeChat's base64).
use crate::crypto::wxbiz::BASE64 as DATA_BASE64;

/// The 32-byte key derived from an EncodingAESKey. `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct AesKey(Secret<[u8; 32]>);

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey(***)")
    }
}

impl AesKey {
    /// Parses the console's 43-character EncodingAESKey.
    pub(crate) fn parse(encoding_aes_key: &str) -> Result<Self, PushError> {
        let text = encoding_aes_key.trim();
        if text.len() != 43 {
            return Err(PushError::InvalidAesKey(
                "it must be exactly 43 characters, as the mp console shows it",
            ));
        }
        let mut padded = String::with_capacity(44);
        padded.push_str(text);
        padded.push('=');
        // The decoder's own error would quote the offending character: a byte of the key.
        let bytes = KEY_BASE64
            .decode(padded)
            .map_err(|_| PushError::InvalidAesKey("it is not base64 (A–Z, a–z, 0–9, + and /)"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| PushError::InvalidAesKey("it does not decode to 32 bytes"))?;
        Ok(AesKey(Secret::new(key)))
    }

    fn key(&self) -> &[u8; 32] {
        self.0.expose()
    }

    fn iv(&self) -> [u8; AES_BLOCK] {
        let mut iv = [0u8; AES_BLOCK];
        iv.copy_from_slice(&self.key()[..AES_BLOCK]);
        iv
    }
}

/// The parts of a decrypted plaintext, before the app id is checked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Opened {
    pub(crate) random: [u8; 16],
    pub(crate) message: String,
    pub(crate) receive_id: String,
    /// Kept for the tests that pin the 32-byte padding.
    pub(crate) pad: u8,
}

/// Decrypts `Encrypt` and splits the plaintext; refuses anything not laid out as
/// documented, never panics.
pub(crate) fn open(key: &AesKey, encrypt: &str) -> Result<Opened, PushError> {
    let data = DATA_BASE64
        .decode(encrypt.trim())
        .map_err(|e| PushError::Base64(e.to_string()))?;
    if data.is_empty() || data.len() % AES_BLOCK != 0 {
        return Err(PushError::CiphertextLength(data.len()));
    }
    let plain = cbc::Decryptor::<Aes256>::new(key.key().into(), &key.iv().into())
        .decrypt_padded_vec_mut::<NoPadding>(&data)
        .map_err(|_| PushError::CiphertextLength(data.len()))?;
    let pad = unpad(&plain)?;
    let plain = &plain[..plain.len() - usize::from(pad)];
    if plain.len() < HEADER {
        return Err(PushError::Layout(
            "shorter than the random prefix and the length field",
        ));
    }
    let mut random = [0u8; 16];
    random.copy_from_slice(&plain[..16]);
    let mut len = [0u8; 4];
    len.copy_from_slice(&plain[16..HEADER]);
    let len = u32::from_be_bytes(len) as usize;
    let rest = &plain[HEADER..];
    if len > rest.len() {
        return Err(PushError::Layout(
            "the length field is larger than the plaintext",
        ));
    }
    let (message, receive_id) = rest.split_at(len);
    let message = String::from_utf8(message.to_vec())
        .map_err(|_| PushError::Layout("the message is not UTF-8"))?;
    let receive_id = String::from_utf8(receive_id.to_vec())
        .map_err(|_| PushError::Layout("the app id is not UTF-8"))?;
    Ok(Opened {
        random,
        message,
        receive_id,
        pad,
    })
}

/// The pad value of a PKCS#7-to-32 plaintext, every pad byte checked.
fn unpad(plain: &[u8]) -> Result<u8, PushError> {
    let pad = *plain.last().ok_or(PushError::Padding)?;
    let n = usize::from(pad);
    if n == 0 || n > PAD_BLOCK || n > plain.len() {
        return Err(PushError::Padding);
    }
    if plain[plain.len() - n..].iter().any(|&b| b != pad) {
        return Err(PushError::Padding);
    }
    Ok(pad)
}

/// Encrypts `message` for `app_id` with the given random prefix, as WeChat does:
/// the inverse of [`open`], used for encrypted replies.
pub(crate) fn seal(key: &AesKey, app_id: &str, message: &str, random: [u8; 16]) -> String {
    let body = HEADER + message.len() + app_id.len();
    let pad = PAD_BLOCK - body % PAD_BLOCK;
    let mut plain = Vec::with_capacity(body + pad);
    plain.extend_from_slice(&random);
    // A message over 4 GiB cannot reach here (bodies are bounded far below), so the
    // length always fits the u32 field.
    plain.extend_from_slice(
        &u32::try_from(message.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    plain.extend_from_slice(message.as_bytes());
    plain.extend_from_slice(app_id.as_bytes());
    // pad is 1..=32, so the cast is exact.
    plain.resize(body + pad, pad as u8);
    let data = cbc::Encryptor::<Aes256>::new(key.key().into(), &key.iv().into())
        .encrypt_padded_vec_mut::<NoPadding>(&plain);
    DATA_BASE64.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Official Java sample values (as WxJava's WxCryptUtilTest carries them): the
    // EncodingAESKey, app id, random prefix, message and the exact ciphertext.
    pub(crate) const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APP_ID: &str = "wxb11529c136998cb6";
    const JAVA_CIPHERTEXT: &str =
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

    fn key() -> AesKey {
        AesKey::parse(AES_KEY).unwrap()
    }

    #[test]
    fn official_java_sample_encrypts_to_its_ciphertext() {
        let sealed = seal(&key(), APP_ID, "我是中文abcd123", *b"aaaabbbbccccdddd");
        assert_eq!(sealed, JAVA_CIPHERTEXT);
    }

    #[test]
    fn official_java_sample_decrypts() {
        let opened = open(&key(), JAVA_CIPHERTEXT).unwrap();
        assert_eq!(
            opened,
            Opened {
                random: *b"aaaabbbbccccdddd",
                message: "我是中文abcd123".into(),
                receive_id: APP_ID.into(),
                pad: 7,
            }
        );
    }

    #[test]
    fn seal_then_open_for_every_padding_length() {
        // Every pad value from 1 to 32 comes up once over 32 consecutive lengths.
        let mut pads = std::collections::BTreeSet::new();
        for n in 0..64 {
            let message = "m".repeat(n);
            let opened = open(&key(), &seal(&key(), APP_ID, &message, [9; 16])).unwrap();
            assert_eq!(opened.message, message);
            assert_eq!(opened.receive_id, APP_ID);
            pads.insert(opened.pad);
        }
        assert_eq!(pads, (1..=32).collect());
    }

    #[test]
    fn key_must_be_43_base64_characters() {
        for bad in [
            "",
            "abc",
            &AES_KEY[..42],
            &format!("{AES_KEY}A"),
            &format!("{AES_KEY}="),
        ] {
            assert!(
                matches!(AesKey::parse(bad), Err(PushError::InvalidAesKey(_))),
                "{bad}"
            );
        }
        let bad = AES_KEY.replace('a', "*");
        let err = AesKey::parse(&bad).unwrap_err();
        assert!(matches!(err, PushError::InvalidAesKey(_)));
        assert!(!err.to_string().contains('*'));
        assert!(!format!("{:?}", key()).contains("abcdef"));
    }

    #[test]
    fn hostile_ciphertexts_are_refused_without_panicking() {
        let raw = DATA_BASE64.decode(JAVA_CIPHERTEXT).unwrap();
        // Truncated base64 and stray characters.
        assert!(matches!(
            open(&key(), &JAVA_CIPHERTEXT[..JAVA_CIPHERTEXT.len() - 5]),
            Err(PushError::Base64(_) | PushError::CiphertextLength(_))
        ));
        assert!(matches!(open(&key(), "a*b="), Err(PushError::Base64(_))));
        // Wrong lengths.
        assert_eq!(open(&key(), ""), Err(PushError::CiphertextLength(0)));
        assert_eq!(
            open(&key(), &DATA_BASE64.encode(&raw[..raw.len() - 1])),
            Err(PushError::CiphertextLength(raw.len() - 1))
        );
        // A block dropped from the end: the pad byte is now random.
        let cut = DATA_BASE64.encode(&raw[..raw.len() - 16]);
        assert!(open(&key(), &cut).is_err());
        // The last block altered: the padding breaks.
        let mut flipped = raw.clone();
        let n = flipped.len();
        flipped[n - 17] ^= 0x01;
        assert_eq!(
            open(&key(), &DATA_BASE64.encode(&flipped)),
            Err(PushError::Padding)
        );
        // Another key.
        let other = AesKey::parse("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq").unwrap();
        assert!(open(&other, JAVA_CIPHERTEXT).is_err());
    }

    #[test]
    fn bad_padding_and_layouts_are_typed() {
        let k = key();
        let enc = |plain: &[u8]| {
            let data = cbc::Encryptor::<Aes256>::new(k.key().into(), &k.iv().into())
                .encrypt_padded_vec_mut::<NoPadding>(plain);
            DATA_BASE64.encode(data)
        };
        // Pad value 0, over 32, and inconsistent pad bytes.
        let mut plain = vec![0u8; 32];
        assert_eq!(open(&k, &enc(&plain)), Err(PushError::Padding));
        plain[31] = 33;
        assert_eq!(open(&k, &enc(&plain)), Err(PushError::Padding));
        plain[31] = 3;
        plain[30] = 3;
        assert_eq!(open(&k, &enc(&plain)), Err(PushError::Padding));
        // Shorter than the header once unpadded.
        let plain = [16u8; 32];
        assert!(matches!(open(&k, &enc(&plain)), Err(PushError::Layout(_))));
        // A length field larger than what follows.
        let mut plain = vec![0u8; 32];
        plain[16..20].copy_from_slice(&1000u32.to_be_bytes());
        plain[31] = 1;
        assert!(matches!(open(&k, &enc(&plain)), Err(PushError::Layout(_))));
        // A length field of u32::MAX does not overflow anything.
        plain[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(open(&k, &enc(&plain)), Err(PushError::Layout(_))));
        // A message that is not UTF-8.
        let mut plain = vec![0u8; 32];
        plain[16..20].copy_from_slice(&2u32.to_be_bytes());
        plain[20] = 0xff;
        plain[21] = 0xfe;
        plain[22..].fill(10);
        assert_eq!(
            open(&k, &enc(&plain)),
            Err(PushError::Layout("the message is not UTF-8"))
        );
    }
}
