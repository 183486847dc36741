//! The hand-written runtime shared by every platform: transport, errors, secrets,
//! validation and the traits the generated code implements.

mod body;
mod call;
mod endpoint;
mod error;
mod media;
mod retry;
mod secret;
mod transport;
pub mod validate;

pub use body::{BodySnippet, BODY_SNIPPET_LIMIT};
pub use call::{Call, CallOptions, Execute};
pub use endpoint::{
    decode_json, ApiError, AuthKind, BodyKind, Endpoint, FromErrcode, HttpMethod, Query, Response,
    ResponseKind,
};
pub use error::Error;
pub use media::{FileUpload, Media, Multipart, MultipartValue};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use transport::{Extras, RawResponse, Transport, DEFAULT_TIMEOUT};
pub use validate::ValidationError;
