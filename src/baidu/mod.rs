//! Baidu smart program server API (`openapi.baidu.com`, and `spapi.baidu.com` for login).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::baidu::{auth::{GetUnionidRequest, Jscode2SessionKeyRequest}, Client};
//! let bd = Client::new("app-key", "app-secret");
//! let session = bd.auth().jscode2_session_key(Jscode2SessionKeyRequest::new("code-from-swan.login")).await?;
//! let union = bd.auth().get_unionid(GetUnionidRequest::new(session.openid.clone())).await?;
//! println!("openid {} unionid {}", session.openid, union.unionid);
//! # Ok(()) }
//! ```
//!
//! The open APIs answer `{errno, errmsg, request_id, data}`: a non-zero `errno` becomes
//! the endpoint's error variant (its message keeps `errmsg` and the `request_id`), the
//! payload is read from `data`. `jscode2sessionkey` and the token endpoint answer with
//! the bare payload; their errors (`{errno, error, error_description}`, or OAuth2.0's
//! `{error, error_description}`) are read by the same
//! [`ErrnoData`](crate::runtime::envelopes::ErrnoData) decoder.
//!
//! Everything here is generated from `schema/baidu/`: Baidu has nothing of its own.

// `rustfmt::skip`: the generated code is formatted by the generator (prettyplease);
// `cargo fmt` must not rewrite it, or every build would regenerate it.
#[rustfmt::skip]
#[path = "../../generated/baidu/mod.rs"]
mod api;

pub use api::*;
