//! Jucai (巨彩商服) aggregator API, on the merchant's configured gateway.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::jucai::{auth::{Auth2OpenIdRequest, WayCode}, Client};
//! let jc = Client::new("https://pay.example.com", "merchant-key");
//! let user = jc
//!     .auth()
//!     .auth2_open_id(Auth2OpenIdRequest::new(
//!         "MCH_I293975931", "MCH_A698612520", "2023041709270000001",
//!         WayCode::Wechat, "134291427096188722", "127.0.0.1",
//!     ))
//!     .await?;
//! println!("openid {:?}", user.openid);
//! # Ok(()) }
//! ```
//!
//! Requests are signed and answers verified with [`crate::crypto::sign::jucai_sign`] /
//! [`crate::crypto::sign::jucai_verify`] — **an unconfirmed scheme** (wire-facts §E): if
//! the gateway rejects the signs, that module is the one place to change. Answers are
//! decoded by [`decode::code_msg_data`]: `code` 200, then `data.returnCode` `"000000"`.

mod client;
pub mod decode;

// `rustfmt::skip`: the generated code is formatted by the generator (prettyplease);
// `cargo fmt` must not rewrite it, or every build would regenerate it.
#[rustfmt::skip]
#[path = "../../generated/jucai/mod.rs"]
mod api;

pub use api::*;
pub use client::{Client, ClientBuilder};
