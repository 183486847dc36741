//! The hand-written runtime shared by every platform. It never names a platform: what
//! differs between them is generated from the schema into a [`Platform`] impl.
//!
//! * the contract with generated code: [`Endpoint`], [`Response`], [`ApiError`],
//!   [`FromCode`], [`Platform`];
//! * one [`Client`] and [`ClientBuilder`] for every platform, and one call loop
//!   ([`execute`]);
//! * [`envelopes`] (decoders by `envelope.style`) and [`signers`] (by sign scheme);
//! * the HTTP [`Transport`], errors, secrets and constraint checks.

pub mod beijing_time;
mod body;
mod call;
mod client;
mod code;
mod encode;
mod endpoint;
pub mod envelopes;
mod error;
pub mod execute;
mod identity;
pub mod lenient;
mod media;
pub mod money;
mod platform;
pub mod raw_json;
mod retry;
mod secret;
pub mod signers;
mod text_fields;
mod transport;
pub mod validate;
mod wire;
pub mod xml;

pub use crate::token::AccessToken;
pub use body::{BodySnippet, BODY_SNIPPET_LIMIT};
pub use call::{Call, CallOptions, Execute};
pub use client::{Client, ClientBuilder, Core};
pub use code::{Code, CodeType};
pub use encode::{form_text, push_path_segment};
pub use endpoint::{
    bounded_message, decode_json, ApiError, Auth, BodyKind, Endpoint, EndpointInfo, FromCode,
    FromErrcode, HttpMethod, Query, Response, ResponseKind, StructuredResponse, TokenFields,
    UnknownValue, MESSAGE_LIMIT,
};
pub use envelopes::{Envelope, EnvelopeStyle};
pub use error::Error;
pub use execute::{
    fetch_sandbox_key, fetch_token, lifetime, IssuesSandboxKey, IssuesToken, TokenText,
};
pub use identity::{ClientIdentity, IdentityError};
pub use media::{FileUpload, Media, Multipart, MultipartValue};
pub use platform::{Credentials, Hosts, Platform, SandboxKey, TokenMode};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use signers::BuildError;
pub use text_fields::{decode_indexed_text_fields, decode_text_fields, IndexedList};
pub use transport::{BodyLimits, Transport, DEFAULT_TIMEOUT};
pub use validate::ValidationError;
pub use wire::{RawResponse, WireBody, WireRequest};

/// What generated code reaches through the runtime, so that it needs no direct
/// dependency of its own. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
