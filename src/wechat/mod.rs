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
