//! The contract between generated code and the runtime: every generated request type
//! implements [`Endpoint`], every generated response type [`Response`], every generated
//! error enum [`ApiError`].

use super::{Media, Multipart, ValidationError};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

/// How a call authenticates (the schema's `auth:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    None,
    /// `access_token` from the token manager, in the query.
    AccessToken,
    /// The client's app id and secret, under the platform's wire names.
    AppSecret,
    /// The body is signed with the platform's signing scheme.
    Sign,
}

/// Where the fields that are not in the query go (the schema's `body:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Json,
    Form,
    Multipart,
    Xml,
}

/// What a successful response looks like (the schema's `response.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    Json,
    /// Bytes with a content type, or a JSON error object.
    Binary,
    /// Plain text, or an XML error.
    Text,
}

/// Query parameters in the order they are sent.
pub type Query = Vec<(&'static str, String)>;

/// One API call described by the schema. Implemented by generated request types.
pub trait Endpoint: Serialize + Send + Sync {
    /// `group.docName`, e.g. `auth.code2Session`.
    const NAME: &'static str;
    const METHOD: HttpMethod;
    const PATH: &'static str;
    const AUTH: AuthKind;
    const BODY: BodyKind;
    /// May the runtime retry this call on its own (system busy)?
    const IDEMPOTENT: bool;
    /// Fixed wire parameters (`grant_type=…`), sent with the query (GET) or the body.
    const CONSTANTS: &'static [(&'static str, &'static str)];
    type Response: Response;
    type Error: ApiError;

    /// Checks the documented constraints; nothing is sent when this fails.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
    /// Appends the fields that travel in the query string.
    fn write_query(&self, _query: &mut Query) {}
    /// The parts of a multipart body (only for `BodyKind::Multipart`).
    fn multipart(&self) -> Multipart {
        Multipart::default()
    }
}

/// A decoded successful response.
pub trait Response: Sized + Send + 'static {
    const KIND: ResponseKind;
    /// Decodes the payload (already stripped of the platform's envelope where it wraps).
    fn from_json(payload: &[u8]) -> Result<Self, serde_json::Error>;
    /// Builds the response from a binary body (only for `ResponseKind::Binary`).
    fn from_media(_media: Media) -> Option<Self> {
        None
    }
}

impl Response for Media {
    const KIND: ResponseKind = ResponseKind::Binary;
    fn from_json(payload: &[u8]) -> Result<Self, serde_json::Error> {
        // A JSON body on a binary endpoint that is not an error: keep it as it came.
        Ok(Media {
            content_type: "application/json".to_owned(),
            bytes: bytes::Bytes::copy_from_slice(payload),
        })
    }
    fn from_media(media: Media) -> Option<Self> {
        Some(media)
    }
}

/// Decodes a JSON payload; the generated `Response` impls call this.
pub fn decode_json<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(payload)
}

/// An endpoint's error enum, generated from its errcode table.
pub trait ApiError: std::error::Error + Send + Sync + 'static {
    /// Worth retrying after a pause (system busy).
    fn is_retryable(&self) -> bool;
    /// The access token used was invalid or expired: refresh it and retry once.
    fn is_token_invalid(&self) -> bool;
}

/// Error enums of platforms whose codes are integers (WeChat `errcode`, Baidu `errno`).
pub trait FromErrcode: ApiError {
    fn from_errcode(code: i64, message: String) -> Self;
}
