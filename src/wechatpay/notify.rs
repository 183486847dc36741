//! Payment and refund notifications: WeChat Pay POSTs them to the `notify_url` of an
//! order or refund. Nothing in one is trusted until it has passed every check here; the
//! reply bodies WeChat Pay expects are [`reply_success`] and [`reply_fail`].

use super::Client;
use crate::runtime::signers::SignType;
use crate::runtime::xml::{parse_flat, write_flat};
use crate::runtime::{bounded_message, decode_text_fields, Secret};
use aes::Aes256;
use base64::Engine;
use ecb::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyInit};
use md5::{Digest, Md5};
use serde::Deserialize;

/// Why a notification was rejected. Answer WeChat Pay with [`reply_fail`] and the
/// reason; it will send the notification again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// Not a flat XML document (or one with a DOCTYPE).
    #[error("malformed notification: {0}")]
    Malformed(String),
    /// `return_code` is not `SUCCESS`: the notification reports a failure, not a payment.
    #[error("the notification reports return_code {code}: {message}")]
    NotSuccess { code: String, message: String },
    /// No `sign`: an unsigned notification is never trusted.
    #[error("the notification carries no sign")]
    MissingSign,
    /// A `sign_type` other than MD5 or HMAC-SHA256.
    #[error("unknown sign_type {0:?}")]
    UnknownSignType(String),
    /// The sign does not verify with this merchant's key.
    #[error("sign rejected: {0}")]
    BadSign(String),
    /// The notification is for another app or merchant.
    #[error("the notification's {field} {value:?} is not this client's")]
    Foreign { field: &'static str, value: String },
    /// `req_info` could not be decrypted (wrong key, or not base64 / AES-256-ECB).
    #[error("req_info cannot be decrypted: {0}")]
    Decrypt(String),
    /// The fields do not have the documented types (e.g. a non-integer amount).
    #[error("the notification's fields are not as documented: {0}")]
    Decode(String),
}

/// A verified payment notification. Amounts are integer fen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
// A test bed (the simulator, feature `encoders`) writes this very shape: it starts from
// `Default` and sets the public fields (`non_exhaustive` forbids a struct literal).
#[cfg_attr(feature = "encoders", derive(Default, serde::Serialize))]
#[non_exhaustive]
pub struct PaymentNotification {
    pub appid: String,
    pub mch_id: String,
    /// `SUCCESS` or `FAIL` (the payment's business result).
    pub result_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_code_des: Option<String>,
    pub openid: String,
    pub trade_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    pub total_fee: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_total_fee: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_type: Option<String>,
    pub cash_fee: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_fee: Option<i64>,
    pub transaction_id: String,
    pub out_trade_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// `yyyyMMddHHmmss`, Beijing time.
    pub time_end: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_subscribe: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_info: Option<String>,
}

impl PaymentNotification {
    /// Did the payment succeed (`result_code` SUCCESS)?
    pub fn is_paid(&self) -> bool {
        self.result_code == "SUCCESS"
    }
}

/// A decrypted refund notification. Amounts are integer fen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
// A test bed (the simulator, feature `encoders`) writes this very shape: it starts from
// `Default` and sets the public fields (`non_exhaustive` forbids a struct literal).
#[cfg_attr(feature = "encoders", derive(Default, serde::Serialize))]
#[non_exhaustive]
pub struct RefundNotification {
    pub transaction_id: String,
    pub out_trade_no: String,
    pub refund_id: String,
    pub out_refund_no: String,
    pub total_fee: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_total_fee: Option<i64>,
    pub refund_fee: i64,
    pub settlement_refund_fee: i64,
    /// `SUCCESS`, `CHANGE` (refund failed) or `REFUNDCLOSE`.
    pub refund_status: String,
    /// `yyyy-MM-dd HH:mm:ss`, Beijing time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_recv_accout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_request_source: Option<String>,
}

/// The body that acknowledges a notification.
pub fn reply_success() -> String {
    write_flat([("return_code", "SUCCESS"), ("return_msg", "OK")])
}

/// The body that refuses a notification (WeChat Pay sends it again later).
pub fn reply_fail(message: &str) -> String {
    write_flat([("return_code", "FAIL"), ("return_msg", message)])
}

impl Client {
    /// Verifies a payment notification from its raw body: flat XML without DOCTYPE,
    /// `return_code` SUCCESS, a `sign` of a known `sign_type` (the notification's own)
    /// that verifies with this merchant's key, and this client's `appid` and `mch_id`.
    pub fn verify_payment_notification(
        &self,
        body: &[u8],
    ) -> Result<PaymentNotification, NotifyError> {
        let fields = self.checked_fields(body)?;
        let sign_type = match text(&fields, "sign_type") {
            None => SignType::Md5,
            Some(t) => SignType::from_wire(Some(t))
                .ok_or_else(|| NotifyError::UnknownSignType(bounded_message(t.to_owned())))?,
        };
        if text(&fields, "sign").is_none_or(str::is_empty) {
            return Err(NotifyError::MissingSign);
        }
        self.signer()
            .verify_text_with(&fields, sign_type)
            .map_err(NotifyError::BadSign)?;
        decode_text_fields(&fields).map_err(|e| NotifyError::Decode(e.to_string()))
    }

    /// Decrypts a refund notification from its raw body: the outer XML is checked
    /// (`return_code`, `appid`, `mch_id`) and its `req_info` decrypted with AES-256-ECB,
    /// keyed with the lowercase hex MD5 of this merchant's API key. The encryption is
    /// what authenticates it: it carries no sign.
    pub fn decrypt_refund_notification(
        &self,
        body: &[u8],
    ) -> Result<RefundNotification, NotifyError> {
        let fields = self.checked_fields(body)?;
        let req_info = text(&fields, "req_info")
            .ok_or_else(|| NotifyError::Malformed("no req_info".into()))?;
        let plain = decrypt_req_info(req_info, self.signer().key())?;
        let inner = parse_flat(&plain).map_err(|e| NotifyError::Decrypt(e.to_string()))?;
        decode_text_fields(&inner).map_err(|e| NotifyError::Decode(e.to_string()))
    }

    /// The outer fields, after the checks every notification gets.
    fn checked_fields(&self, body: &[u8]) -> Result<Vec<(String, String)>, NotifyError> {
        let fields = parse_flat(body).map_err(|e| NotifyError::Malformed(e.to_string()))?;
        let code = text(&fields, "return_code").unwrap_or_default();
        if code != "SUCCESS" {
            return Err(NotifyError::NotSuccess {
                code: bounded_message(code.to_owned()),
                message: bounded_message(
                    text(&fields, "return_msg").unwrap_or_default().to_owned(),
                ),
            });
        }
        let own = [
            ("appid", self.credentials().app_id()),
            ("mch_id", self.credentials().merchant_id()),
        ];
        for (field, expected) in own {
            let value = text(&fields, field).unwrap_or_default();
            if value != expected {
                return Err(NotifyError::Foreign {
                    field,
                    value: bounded_message(value.to_owned()),
                });
            }
        }
        Ok(fields)
    }
}

fn text<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The AES-256 key of `req_info`: the 32 ASCII bytes of md5(API key) in lowercase hex.
fn req_info_key(key: &str) -> String {
    hex::encode(Md5::digest(key.as_bytes()))
}

/// `req_info` as WeChat Pay writes it (the simulator's refund notifications): AES-256-ECB
/// with PKCS#7 under the MD5 of the API key, then base64: the inverse of the refund
/// notification's decryption, kept beside it.
pub fn encrypt_req_info(plain: &[u8], key: &str) -> String {
    let aes_key = req_info_key(key);
    // 32 bytes by construction (hex of a 16-byte digest): the key length always fits.
    let ciphertext = ecb::Encryptor::<Aes256>::new_from_slice(aes_key.as_bytes())
        .map(|cipher| cipher.encrypt_padded_vec_mut::<Pkcs7>(plain))
        .unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(ciphertext)
}

/// base64 → AES-256-ECB with PKCS#7, keyed with [`req_info_key`].
fn decrypt_req_info(req_info: &str, key: &Secret<String>) -> Result<Vec<u8>, NotifyError> {
    let ciphertext = base64::engine::general_purpose::STANDARD
        .decode(req_info.trim())
        .map_err(|e| NotifyError::Decrypt(format!("not base64: {e}")))?;
    // AES works on 16-byte blocks: any other length was cut or mangled on the way, which
    // says nothing about the key.
    if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
        return Err(NotifyError::Decrypt(format!(
            "truncated or corrupted `req_info`: {} bytes of ciphertext, not whole 16-byte AES blocks",
            ciphertext.len()
        )));
    }
    let aes_key = req_info_key(key.expose());
    let cipher = ecb::Decryptor::<Aes256>::new_from_slice(aes_key.as_bytes())
        .map_err(|e| NotifyError::Decrypt(e.to_string()))?;
    cipher
        .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
        .map_err(|_| {
            NotifyError::Decrypt(
                "bad padding: the API key is not the one it was encrypted with, or `req_info` \
                 was corrupted"
                    .into(),
            )
        })
}
