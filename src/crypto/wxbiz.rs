//! Decryption of WeChat mini-program `encryptedData` (user info, phone number, …).
//!
//! The mini program receives `encryptedData` and `iv` from e.g. `getPhoneNumber` /
//! `getUserInfo` and sends them to the server, which holds the user's `session_key` from
//! `auth.code2Session`. The scheme (WeChat's "WXBizDataCrypt"):
//!
//! * key = base64-decode(`session_key`), must be 16 bytes (AES-128);
//! * iv = base64-decode(`iv`), 16 bytes;
//! * ciphertext = base64-decode(`encryptedData`);
//! * AES-128-CBC with PKCS#7 padding; the plaintext is a JSON object whose
//!   `watermark.appid` must equal the app id (otherwise the data was produced for another
//!   app and must not be trusted).
//!
//! The usual failure in production is a stale `session_key`: the mini program called
//! `wx.login` again after the data was produced, which rotates the key, so decryption
//! yields garbage (bad padding or non-JSON). The errors say so.
//!
//! Nothing here ever puts the `session_key` (or bytes of it) into an error message or
//! `Debug` output: [`DecryptError`] only carries input names and lengths.

use aes::Aes128;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, Engine, GeneralPurpose, GeneralPurposeConfig};
use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

type Aes128CbcDec = cbc::Decryptor<Aes128>;

/// AES block size; the ciphertext must be a non-zero multiple of it.
const BLOCK: usize = 16;

/// Standard alphabet, padding optional: WeChat sends padded base64, but values that went
/// through hand-written glue code sometimes lose their trailing `=`; accepting both costs
/// nothing because the padding carries no information. Message push's `Encrypt` is
/// read alike.
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Which of the three base64 inputs was malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    SessionKey,
    Iv,
    EncryptedData,
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Input::SessionKey => "session_key",
            Input::Iv => "iv",
            Input::EncryptedData => "encryptedData",
        })
    }
}

/// Why `encryptedData` could not be turned into trusted JSON.
///
/// No variant carries the session key or any byte of it (base64 errors keep only the
/// offset, not the offending character), so it is safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// An input is not valid standard base64. `detail` names the position, never the content.
    #[error(
        "{input} is not valid base64 ({detail}); if it travelled in a URL query, \
         check that '+' was not turned into a space"
    )]
    Base64 { input: Input, detail: String },
    /// `session_key` decoded to the wrong number of bytes.
    #[error("session_key must decode to 16 bytes (AES-128), but it decodes to {len} bytes")]
    KeyLength { len: usize },
    /// `iv` decoded to the wrong number of bytes.
    #[error("iv must decode to 16 bytes, but it decodes to {len} bytes")]
    IvLength { len: usize },
    /// The ciphertext cannot be AES-CBC output (empty or truncated).
    #[error(
        "encryptedData decodes to {len} bytes, which is not a non-zero multiple of the \
         16-byte AES block (truncated or not WeChat encryptedData)"
    )]
    CiphertextLength { len: usize },
    /// PKCS#7 padding was invalid after decryption: almost always the wrong key.
    #[error(
        "decryption produced invalid PKCS#7 padding; the session_key is most likely stale \
         (wx.login was called again after this data was produced, which rotates the \
         session_key) or belongs to another user"
    )]
    Padding,
    /// The plaintext is not JSON: the key (or iv) is almost certainly wrong.
    #[error(
        "decrypted data is not JSON ({detail}); the session_key is most likely stale \
         (wx.login was called again after this data was produced) or the iv does not \
         belong to this encryptedData"
    )]
    NotJson { detail: String },
    /// The plaintext is JSON but not the expected shape (no watermark, or missing /
    /// mistyped fields for the requested type).
    #[error(
        "decrypted JSON does not have the expected shape ({detail}); if it looks like \
         garbage, the session_key is most likely stale (wx.login was called again after \
         this data was produced)"
    )]
    Shape { detail: String },
    /// The data was produced for another app.
    #[error("watermark app id mismatch: expected {expected:?}, found {found:?}")]
    WatermarkMismatch { expected: String, found: String },
}

/// The `watermark` object WeChat embeds in every decrypted payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// Unix seconds at which WeChat produced the data.
    pub timestamp: i64,
    /// The app id the data was produced for.
    pub appid: String,
}

/// A decrypted payload whose watermark has been checked against the app id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted<T> {
    /// The payload, deserialized from the whole plaintext object.
    pub data: T,
    /// The (already verified) watermark, kept for callers that check its age.
    pub watermark: Watermark,
}

/// Payload of `getUserInfo` / `open-type="getUserInfo"`.
///
/// Fields other than the watermark default when absent because WeChat has been trimming
/// this payload over time (e.g. anonymised users, no `unionId` without an open-platform
/// binding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    #[serde(rename = "openId", default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    #[serde(rename = "nickName", default)]
    pub nick_name: String,
    /// 0 unknown, 1 male, 2 female.
    #[serde(default)]
    pub gender: u8,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub country: String,
    #[serde(rename = "avatarUrl", default)]
    pub avatar_url: String,
    #[serde(rename = "unionId", default, skip_serializing_if = "Option::is_none")]
    pub union_id: Option<String>,
    pub watermark: Watermark,
}

/// Payload of `getPhoneNumber` (the encryptedData form). The number is personal data:
/// `Debug` shows only its last two digits.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    /// With country code for non-mainland numbers, e.g. `+1 650…`; plain for mainland.
    #[serde(rename = "phoneNumber")]
    pub phone_number: String,
    /// Without country code.
    #[serde(rename = "purePhoneNumber")]
    pub pure_phone_number: String,
    /// A string on the wire, e.g. `"86"`.
    #[serde(rename = "countryCode")]
    pub country_code: String,
    pub watermark: Watermark,
}

impl std::fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneNumber")
            .field("phone_number", &masked(&self.phone_number))
            .field("pure_phone_number", &masked(&self.pure_phone_number))
            .field("country_code", &self.country_code)
            .field("watermark", &self.watermark)
            .finish()
    }
}

/// `***23`: enough to tell two numbers apart in a log, not to call one.
fn masked(number: &str) -> String {
    let tail: String = number
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("***{tail}")
}

/// Decrypts `encrypted_data` and returns the plaintext JSON after checking that
/// `watermark.appid == app_id`.
///
/// `session_key` is the one `code2Session` returned for this user; if you keep it in a
/// [`crate::runtime::Secret`], pass `secret.expose()`.
pub fn decrypt(
    app_id: &str,
    session_key: &str,
    iv: &str,
    encrypted_data: &str,
) -> Result<Value, DecryptError> {
    let plaintext = decrypt_plaintext(session_key, iv, encrypted_data)?;
    let value = parse_json(&plaintext)?;
    check_watermark(app_id, &value)?;
    Ok(value)
}

/// Like [`decrypt`], then deserializes the whole plaintext object into `T`
/// (e.g. [`UserInfo`], [`PhoneNumber`], or your own type).
pub fn decrypt_as<T: DeserializeOwned>(
    app_id: &str,
    session_key: &str,
    iv: &str,
    encrypted_data: &str,
) -> Result<Decrypted<T>, DecryptError> {
    let plaintext = decrypt_plaintext(session_key, iv, encrypted_data)?;
    let value = parse_json(&plaintext)?;
    let watermark = check_watermark(app_id, &value)?;
    let data = serde_json::from_value(value).map_err(|e| DecryptError::Shape {
        detail: e.to_string(),
    })?;
    Ok(Decrypted { data, watermark })
}

/// Base64-decodes the inputs, checks their lengths and decrypts. Private because its
/// output is not yet authenticated by the watermark check.
fn decrypt_plaintext(
    session_key: &str,
    iv: &str,
    encrypted_data: &str,
) -> Result<Vec<u8>, DecryptError> {
    let key = b64(Input::SessionKey, session_key)?;
    let key: [u8; BLOCK] = key
        .as_slice()
        .try_into()
        .map_err(|_| DecryptError::KeyLength { len: key.len() })?;
    let iv = b64(Input::Iv, iv)?;
    let iv: [u8; BLOCK] = iv
        .as_slice()
        .try_into()
        .map_err(|_| DecryptError::IvLength { len: iv.len() })?;
    let ciphertext = b64(Input::EncryptedData, encrypted_data)?;
    // Checked up front so that a truncated payload gets its own message instead of being
    // blamed on the key.
    if ciphertext.is_empty() || ciphertext.len() % BLOCK != 0 {
        return Err(DecryptError::CiphertextLength {
            len: ciphertext.len(),
        });
    }
    Aes128CbcDec::new(&key.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
        .map_err(|_| DecryptError::Padding)
}

fn b64(input: Input, text: &str) -> Result<Vec<u8>, DecryptError> {
    BASE64
        .decode(text.trim())
        .map_err(|e| DecryptError::Base64 {
            input,
            // Rebuilt by hand: base64's own Display includes the offending character, which
            // for `session_key` would be a byte of the secret.
            detail: match e {
                base64::DecodeError::InvalidByte(offset, _) => {
                    format!("invalid character at offset {offset}")
                }
                base64::DecodeError::InvalidLength(len) => format!("invalid length {len}"),
                base64::DecodeError::InvalidLastSymbol(offset, _) => {
                    format!("invalid last symbol at offset {offset}")
                }
                base64::DecodeError::InvalidPadding => "invalid padding".to_owned(),
            },
        })
}

fn parse_json(plaintext: &[u8]) -> Result<Value, DecryptError> {
    // serde_json's syntax errors only carry a position, never plaintext content.
    let value: Value = serde_json::from_slice(plaintext).map_err(|e| DecryptError::NotJson {
        detail: e.to_string(),
    })?;
    if !value.is_object() {
        return Err(DecryptError::Shape {
            detail: "plaintext is JSON but not an object".to_owned(),
        });
    }
    Ok(value)
}

fn check_watermark(app_id: &str, value: &Value) -> Result<Watermark, DecryptError> {
    let raw = value.get("watermark").ok_or_else(|| DecryptError::Shape {
        detail: "no `watermark` object, so the app id cannot be checked".to_owned(),
    })?;
    let watermark: Watermark = Watermark::deserialize(raw).map_err(|e| DecryptError::Shape {
        detail: format!("`watermark`: {e}"),
    })?;
    if watermark.appid != app_id {
        return Err(DecryptError::WatermarkMismatch {
            expected: app_id.to_owned(),
            found: watermark.appid,
        });
    }
    Ok(watermark)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use cbc::cipher::BlockEncryptMut;

    // The official demo vector of the encryptedData docs.
    const APP_ID: &str = "wx4f4bc4dec97d474b";
    const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    const ENCRYPTED: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
    const PLAINTEXT: &str = r#"{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}"#;

    /// The inverse of the module, for building payloads the official vector lacks.
    fn encrypt(session_key: &str, iv: &str, plaintext: &[u8]) -> String {
        let key: [u8; 16] = STANDARD.decode(session_key).unwrap().try_into().unwrap();
        let iv: [u8; 16] = STANDARD.decode(iv).unwrap().try_into().unwrap();
        let ct = cbc::Encryptor::<Aes128>::new(&key.into(), &iv.into())
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
        STANDARD.encode(ct)
    }

    fn assert_no_key(err: &DecryptError) {
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(SESSION_KEY), "{text}");
            assert!(!text.contains("tiihtNczf5v6AKRyjwEUhQ"), "{text}");
        }
    }

    #[test]
    fn official_vector_decrypts_to_the_documented_plaintext() {
        let plaintext = decrypt_plaintext(SESSION_KEY, IV, ENCRYPTED).unwrap();
        assert_eq!(std::str::from_utf8(&plaintext).unwrap(), PLAINTEXT);

        let value = decrypt(APP_ID, SESSION_KEY, IV, ENCRYPTED).unwrap();
        assert_eq!(value, serde_json::from_str::<Value>(PLAINTEXT).unwrap());
    }

    #[test]
    fn official_vector_as_user_info() {
        let got = decrypt_as::<UserInfo>(APP_ID, SESSION_KEY, IV, ENCRYPTED).unwrap();
        let watermark = Watermark {
            timestamp: 1477314187,
            appid: APP_ID.to_owned(),
        };
        assert_eq!(got.watermark, watermark);
        assert_eq!(
            got.data,
            UserInfo {
                open_id: Some("oGZUI0egBJY1zhBYw2KhdUfwVJJE".into()),
                nick_name: "Band".into(),
                gender: 1,
                language: "zh_CN".into(),
                city: "Guangzhou".into(),
                province: "Guangdong".into(),
                country: "CN".into(),
                avatar_url: "http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0".into(),
                union_id: Some("ocMvos6NjeKLIBqg5Mr9QjxrP1FA".into()),
                watermark,
            }
        );
    }

    #[test]
    fn phone_number_round_trip() {
        let key = STANDARD.encode(*b"0123456789abcdef");
        let iv = STANDARD.encode(*b"fedcba9876543210");
        let payload = serde_json::json!({
            "phoneNumber": "13580006666",
            "purePhoneNumber": "13580006666",
            "countryCode": "86",
            "watermark": { "appid": "wxapp", "timestamp": 1700000000 }
        });
        let data = encrypt(&key, &iv, payload.to_string().as_bytes());
        let got = decrypt_as::<PhoneNumber>("wxapp", &key, &iv, &data).unwrap();
        assert_eq!(got.data.phone_number, "13580006666");
        assert_eq!(got.data.pure_phone_number, "13580006666");
        assert_eq!(got.data.country_code, "86");
        assert_eq!(got.data.watermark, got.watermark);
        assert_eq!(got.watermark.timestamp, 1700000000);
        assert_eq!(serde_json::to_value(&got.data).unwrap(), payload);
        let shown = format!("{:?}", got.data);
        assert!(!shown.contains("1358000"), "{shown}");
        assert!(shown.contains("***66"), "{shown}");

        // Unpadded base64 is accepted too.
        let unpadded = data.trim_end_matches('=');
        assert!(decrypt_as::<PhoneNumber>("wxapp", &key, &iv, unpadded).is_ok());
    }

    #[test]
    fn wrong_key_is_reported_as_stale_session_key() {
        let wrong = STANDARD.encode([7u8; 16]);
        let err = decrypt(APP_ID, &wrong, IV, ENCRYPTED).unwrap_err();
        assert!(
            matches!(
                err,
                DecryptError::Padding | DecryptError::NotJson { .. } | DecryptError::Shape { .. }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("stale") && msg.contains("wx.login"), "{msg}");

        let msg = DecryptError::Padding.to_string();
        assert!(msg.contains("stale") && msg.contains("wx.login"), "{msg}");
    }

    #[test]
    fn non_json_and_wrong_shape() {
        let key = STANDARD.encode([1u8; 16]);
        let iv = STANDARD.encode([2u8; 16]);

        let data = encrypt(&key, &iv, b"\x89not json at all");
        let err = decrypt("wxapp", &key, &iv, &data).unwrap_err();
        assert!(matches!(err, DecryptError::NotJson { .. }), "{err:?}");
        assert!(err.to_string().contains("stale"));

        let data = encrypt(&key, &iv, br#"{"phoneNumber":"1"}"#);
        let err = decrypt("wxapp", &key, &iv, &data).unwrap_err();
        assert!(matches!(err, DecryptError::Shape { .. }), "{err:?}");

        let data = encrypt(
            &key,
            &iv,
            br#"{"phoneNumber":"1","watermark":{"appid":"wxapp","timestamp":1}}"#,
        );
        assert!(decrypt("wxapp", &key, &iv, &data).is_ok());
        let err = decrypt_as::<PhoneNumber>("wxapp", &key, &iv, &data).unwrap_err();
        assert!(matches!(err, DecryptError::Shape { .. }), "{err:?}");
        assert!(err.to_string().contains("purePhoneNumber"), "{err}");

        let data = encrypt(&key, &iv, b"[1,2]");
        let err = decrypt("wxapp", &key, &iv, &data).unwrap_err();
        assert!(matches!(err, DecryptError::Shape { .. }), "{err:?}");
    }

    #[test]
    fn truncated_ciphertext() {
        let mut bytes = STANDARD.decode(ENCRYPTED).unwrap();
        bytes.truncate(bytes.len() - 5);
        let err = decrypt(APP_ID, SESSION_KEY, IV, &STANDARD.encode(&bytes)).unwrap_err();
        assert_eq!(err, DecryptError::CiphertextLength { len: bytes.len() });
        let err = decrypt(APP_ID, SESSION_KEY, IV, "").unwrap_err();
        assert_eq!(err, DecryptError::CiphertextLength { len: 0 });
    }

    #[test]
    fn non_base64_inputs_name_the_input() {
        let err = decrypt(APP_ID, "tiihtNczf5v6AKRy*wEUhQ==", IV, ENCRYPTED).unwrap_err();
        assert!(
            matches!(
                err,
                DecryptError::Base64 {
                    input: Input::SessionKey,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err
            .to_string()
            .starts_with("session_key is not valid base64"));
        // The offending character of the key is not echoed.
        assert!(!err.to_string().contains('*'));
        assert_no_key(&err);

        let err = decrypt(APP_ID, SESSION_KEY, "r7BXXKkL b8qrSNn05n0qiA==", ENCRYPTED).unwrap_err();
        assert!(
            matches!(
                err,
                DecryptError::Base64 {
                    input: Input::Iv,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("iv is not valid base64"));

        let err = decrypt(APP_ID, SESSION_KEY, IV, "abc$").unwrap_err();
        assert!(
            matches!(
                err,
                DecryptError::Base64 {
                    input: Input::EncryptedData,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err
            .to_string()
            .starts_with("encryptedData is not valid base64"));
    }

    #[test]
    fn key_and_iv_lengths() {
        let err = decrypt(APP_ID, &STANDARD.encode([0u8; 15]), IV, ENCRYPTED).unwrap_err();
        assert_eq!(err, DecryptError::KeyLength { len: 15 });
        assert!(err.to_string().contains("15 bytes"));

        let err = decrypt(APP_ID, &STANDARD.encode([0u8; 32]), IV, ENCRYPTED).unwrap_err();
        assert_eq!(err, DecryptError::KeyLength { len: 32 });

        let err = decrypt(APP_ID, SESSION_KEY, &STANDARD.encode([0u8; 12]), ENCRYPTED).unwrap_err();
        assert_eq!(err, DecryptError::IvLength { len: 12 });
        assert!(err.to_string().contains("12 bytes"));
    }

    #[test]
    fn wrong_app_id_is_a_watermark_mismatch() {
        let err = decrypt("wx0000000000000000", SESSION_KEY, IV, ENCRYPTED).unwrap_err();
        assert_eq!(
            err,
            DecryptError::WatermarkMismatch {
                expected: "wx0000000000000000".into(),
                found: APP_ID.into()
            }
        );
        assert!(err.to_string().contains("wx0000000000000000"));
        assert!(err.to_string().contains(APP_ID));
        assert_no_key(&err);

        let err = decrypt_as::<UserInfo>("other", SESSION_KEY, IV, ENCRYPTED).unwrap_err();
        assert!(matches!(err, DecryptError::WatermarkMismatch { .. }));
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "",
            "=",
            "====",
            "A",
            "AA==",
            "////",
            "\u{00e9}",
            SESSION_KEY,
            IV,
        ];
        for k in inputs {
            for iv in inputs {
                for data in inputs {
                    let _ = decrypt(APP_ID, k, iv, data);
                    let _ = decrypt_as::<UserInfo>(APP_ID, k, iv, data);
                }
            }
        }
    }
}
