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

mod client;

// The generated code is formatted by the generator (prettyplease); rustfmt must leave it
// alone, or every build and every `cargo fmt` would fight over its bytes.
#[rustfmt::skip]
#[path = "../../generated/wechat/mod.rs"]
mod api;

pub use api::*;
pub use client::{Client, ClientBuilder};
