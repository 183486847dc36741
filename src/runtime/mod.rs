//! The hand-written runtime shared by every platform: transport, errors, secrets,
//! validation and the traits the generated code implements.

mod body;
mod call;
pub mod decode;
mod endpoint;
pub mod envelope;
mod error;
pub mod execute;
mod media;
mod retry;
mod secret;
mod transport;
pub mod validate;

pub use body::{BodySnippet, BODY_SNIPPET_LIMIT};
pub use call::{Call, CallOptions, Execute};
pub use endpoint::{
    decode_json, ApiError, Auth, BodyKind, Endpoint, EndpointInfo, Envelope, EnvelopeStyle,
    FromErrcode, HttpMethod, Query, Response, ResponseKind, UnknownValue,
};
pub use error::Error;
pub use media::{FileUpload, Media, Multipart, MultipartValue};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use transport::{Extras, RawResponse, Transport, DEFAULT_TIMEOUT};
pub use validate::ValidationError;

/// What generated code reaches through the runtime, so that it needs no direct
/// dependency of its own. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
