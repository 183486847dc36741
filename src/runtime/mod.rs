//! The hand-written runtime shared by every platform. It never names a platform: what
//! differs between them is generated from the schema into a platform's facts.
//!
//! What is here is what users name:
//! * one [`Client`] and [`ClientBuilder`] for every platform (each platform module
//!   names its own: `miniapp::wechat::Client`), and the [`Call`] a client method
//!   returns, awaited for the answer;
//! * [`Error`] (why a call failed) with the endpoint's own error enum inside, which
//!   implements [`ApiError`] and carries the platform's [`Code`];
//! * settings and values: [`RetryPolicy`], [`Credentials`], [`ClientIdentity`],
//!   [`Secret`], [`Media`], [`FileUpload`], [`money`] (integer fen), [`signers`] (the
//!   sign schemes' options);
//! * the bounds the client keeps: [`DEFAULT_TIMEOUT`], [`MESSAGE_LIMIT`],
//!   [`BODY_SNIPPET_LIMIT`].
//!
//! What generated code needs and users do not (the endpoint and platform contract,
//! envelope decoders, the encode step, constraint checks) is under `miniapp::__private`
//! and not part of the documented API.

#[doc(hidden)]
pub mod beijing_time;
mod body;
mod call;
mod client;
mod code;
mod encode;
mod endpoint;
#[doc(hidden)]
pub mod envelopes;
mod error;
#[doc(hidden)]
pub mod execute;
mod identity;
#[doc(hidden)]
pub mod lenient;
mod media;
pub mod money;
mod platform;
pub mod platform_keys;
#[doc(hidden)]
pub mod raw_json;
mod retry;
mod secret;
pub mod signers;
mod text_fields;
mod transport;
#[doc(hidden)]
pub mod validate;
mod wire;
#[doc(hidden)]
pub mod xml;

pub use body::{BodySnippet, BODY_SNIPPET_LIMIT};
pub use call::Call;
pub use client::{Client, ClientBuilder};
pub use code::Code;
pub use endpoint::{ApiError, UnknownValue, MESSAGE_LIMIT};
pub use error::Error;
pub use identity::{ClientIdentity, IdentityError};
pub use media::{FileUpload, Media};
pub use platform::Credentials;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use signers::BuildError;
pub use transport::DEFAULT_TIMEOUT;
pub use validate::ValidationError;

// The generator's contract at the paths it had before `miniapp::__private`, so that
// code written against them keeps compiling; not documented, not to be used in new code.
#[doc(hidden)]
pub use crate::token::AccessToken;
#[doc(hidden)]
pub use call::{CallOptions, Execute};
#[doc(hidden)]
pub use client::Core;
#[doc(hidden)]
pub use code::CodeType;
#[doc(hidden)]
pub use encode::{form_text, push_path_segment};
#[doc(hidden)]
pub use endpoint::{
    bounded_message, decode_json, no_wire_checks, Auth, BodyKind, Credential, Endpoint,
    EndpointInfo, FilledField, FromCode, FromErrcode, HttpMethod, Meaning, Query, Refusal,
    Response, ResponseKind, StructuredResponse, TokenFields,
};
#[doc(hidden)]
pub use envelopes::{Envelope, EnvelopeStyle, Gateway, OAuth};
#[doc(hidden)]
pub use execute::{
    fetch_sandbox_key, fetch_token, lifetime, IssuesSandboxKey, IssuesToken, TokenText,
};
#[doc(hidden)]
pub use media::{Multipart, MultipartValue};
#[doc(hidden)]
pub use platform::{Hosts, KeySource, Platform, SandboxKey, TokenMode};
#[cfg(feature = "encoders")]
pub use text_fields::spread_indexed_fields;
#[doc(hidden)]
pub use text_fields::{decode_indexed_text_fields, decode_text_fields, IndexedList};
#[doc(hidden)]
pub use transport::{BodyLimits, Transport};
#[doc(hidden)]
pub use wire::{RawResponse, WireBody, WireRequest};

/// What generated code reached through the runtime before `miniapp::__private`.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
