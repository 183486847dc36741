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
//! Requests are signed and answers verified by the runtime's
//! [`JucaiMd5`](crate::runtime::signers::JucaiMd5) signer (the schema's `jucai_md5`
//! scheme) — **an unconfirmed scheme**: if the gateway rejects the signs,
//! [`crate::crypto::sign::jucai_sign`] is the one place to change. Answers are decoded by
//! the [`CodeMsgData`](crate::runtime::envelopes::CodeMsgData) decoder: `code` 200, then
//! `data.returnCode` `"000000"`.

// `rustfmt::skip`: the generated code is formatted by the generator (prettyplease);
// `cargo fmt` must not rewrite it, or every build would regenerate it.
#[rustfmt::skip]
#[path = "../../generated/jucai/mod.rs"]
mod api;

pub use api::*;

use crate::crypto::sign::HexCase;

impl ClientBuilder {
    /// Hex case of the request signs and of the answers' signs (default
    /// [`HexCase::Lower`], as in the docs' examples). An answer signed in the other case
    /// is rejected with a message naming the case to configure.
    pub fn hex_case(self, case: HexCase) -> Self {
        self.configure_signer(|options| options.case = case)
    }
}

impl Client {
    /// The hex case used for signs.
    pub fn hex_case(&self) -> HexCase {
        self.signer().case()
    }
}
