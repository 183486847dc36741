//! WeChat mini program server API (`api.weixin.qq.com`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::wechat::{auth::Code2SessionRequest, Client};
//! let wx = Client::new("wx-app-id", "app-secret");
//! let session = wx.auth().code2_session(Code2SessionRequest::new("code-from-wx.login")).await?;
//! println!("openid {}", session.openid);
//! # Ok(()) }
//! ```
//!
//! Everything but `encryptedData` is generated from `schema/wechat/` onto the runtime's
//! one [`Client`](crate::runtime::Client).

// The generated code is formatted by the generator (prettyplease); rustfmt must leave it
// alone, or every build and every `cargo fmt` would fight over its bytes.
#[rustfmt::skip]
#[path = "../../generated/wechat/mod.rs"]
mod api;

pub use api::*;

pub mod push;

use crate::crypto::wxbiz::{decrypt_as, DecryptError, Decrypted};

impl Client {
    /// Decrypts the `encryptedData` of `wx.getUserInfo` / `getPhoneNumber` with the user's
    /// `session_key` and `iv`, checking that the watermark names this client's app id.
    /// Use [`crate::crypto::wxbiz::UserInfo`] or [`crate::crypto::wxbiz::PhoneNumber`] as `T`.
    pub fn decrypt<T: serde::de::DeserializeOwned>(
        &self,
        session_key: &str,
        iv: &str,
        encrypted_data: &str,
    ) -> Result<Decrypted<T>, DecryptError> {
        decrypt_as(self.app_id(), session_key, iv, encrypted_data)
    }
}

/// The user-session signature (用户登录态签名) of `body`: lowercase hex of HMAC-SHA256
/// keyed by the bytes of `session_key` exactly as `auth.code2Session` returned it (the
/// base64 text itself, not decoded).
///
/// `auth.checkSessionKey` signs the empty body (see
/// [`auth::CheckSessionKeyRequest::from_session_key`]); calls of the same family sent
/// as POST sign their exact request body.
///
/// ```
/// use miniapp::wechat::session_key_signature;
/// assert_eq!(
///     session_key_signature("o0q0otL8aEzpcZL/FT9WsQ==", b""),
///     "46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128",
/// );
/// ```
pub fn session_key_signature(session_key: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length, so this never fails.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(session_key.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

impl auth::CheckSessionKeyRequest {
    /// The `auth.checkSessionKey` request for the user `openid` whose server-side
    /// `session_key` is to be checked: the signature over the empty string is computed
    /// here ([`session_key_signature`]), so the key itself never travels.
    ///
    /// ```no_run
    /// # async fn demo(wx: miniapp::wechat::Client, code: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// use miniapp::wechat::auth::{CheckSessionKeyRequest, Code2SessionRequest};
    /// let session = wx.auth().code2_session(Code2SessionRequest::new(code)).await?;
    /// let check = CheckSessionKeyRequest::from_session_key(
    ///     session.openid.clone(),
    ///     session.session_key.expose(),
    /// );
    /// wx.auth().check_session_key(check).await?;
    /// # Ok(()) }
    /// ```
    pub fn from_session_key(openid: impl Into<String>, session_key: &str) -> Self {
        Self::new(openid, session_key_signature(session_key, b""))
    }
}

impl order_shipping::OrderKey {
    /// The order by its WeChat Pay transaction id (`order_number_type` 2).
    pub fn by_transaction_id(transaction_id: impl Into<String>) -> Self {
        Self::new(order_shipping::OrderNumberType::TransactionId).transaction_id(transaction_id)
    }
    /// The order by the merchant that placed it and its own order number
    /// (`order_number_type` 1).
    pub fn by_merchant_order(mchid: impl Into<String>, out_trade_no: impl Into<String>) -> Self {
        Self::new(order_shipping::OrderNumberType::MerchantOrder)
            .mchid(mchid)
            .out_trade_no(out_trade_no)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The official 用户登录态签名 example: the key is the session_key text as returned.
    const SESSION_KEY: &str = "o0q0otL8aEzpcZL/FT9WsQ==";

    #[test]
    fn session_key_signature_matches_the_official_example() {
        assert_eq!(
            session_key_signature(SESSION_KEY, br#"{"foo":"bar"}"#),
            "654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b"
        );
    }

    #[test]
    fn check_session_key_signs_the_empty_string_with_the_undecoded_key() {
        let request = auth::CheckSessionKeyRequest::from_session_key("OPENID", SESSION_KEY);
        assert_eq!(request.openid, "OPENID");
        assert_eq!(
            request.signature,
            "46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128"
        );
        // Keying with the base64-decoded bytes would give another value: the wrong one.
        assert_ne!(
            request.signature,
            "bfa6883695fed51bb7e5897ce895842574a58f8a9cc5c4343f47c515ab337b89"
        );
    }
}
