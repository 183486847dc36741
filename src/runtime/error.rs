use super::{BodySnippet, ValidationError};
use crate::token::TokenError;
use std::time::Duration;

/// Why a call failed. `E` is the endpoint's own error enum (from its errcode table).
///
/// The variants separate what a caller handles differently: nothing sent
/// ([`Error::Invalid`]), no answer ([`Error::Transport`], [`Error::Timeout`]), an HTTP
/// failure ([`Error::Status`]), an answer that is not what the docs describe
/// ([`Error::Decode`]), and the platform's documented refusal ([`Error::Api`]).
///
/// `#[non_exhaustive]`: a new kind of failure is not a breaking change; match the
/// variants you handle and keep a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// A documented constraint is broken; the request was not sent.
    #[error("{endpoint}: invalid request: {source}")]
    Invalid {
        endpoint: &'static str,
        #[source]
        source: ValidationError,
    },
    /// The request could not be encoded (a body that does not serialize, a sign that
    /// could not be made); nothing was sent.
    #[error("{endpoint}: could not encode the request: {reason}")]
    Encode {
        endpoint: &'static str,
        reason: String,
    },
    /// No HTTP response: connection refused or reset, DNS, TLS, …
    #[error("{endpoint}: transport error: {source}")]
    Transport {
        endpoint: &'static str,
        #[source]
        source: reqwest::Error,
    },
    /// No complete response within the call's timeout.
    #[error("{endpoint}: timed out after {after:?}")]
    Timeout {
        endpoint: &'static str,
        after: Duration,
    },
    /// The server answered with a redirect, or (with a user's own HTTP client that
    /// follows them) the answer came from another host than the one asked. The platforms
    /// never redirect API calls, so nothing in the answer is trusted; a redirect is
    /// followed only where the user allowed it (`ClientBuilder::follow_redirects`).
    /// `location` is where it pointed, without its query.
    #[error("{endpoint}: redirected (HTTP {status}) to {}; redirects are not followed", location.as_deref().unwrap_or("an unnamed location"))]
    Redirect {
        endpoint: &'static str,
        status: u16,
        location: Option<String>,
    },
    /// The server answered with a non-success HTTP status.
    #[error("{endpoint}: HTTP {status}: {body}")]
    Status {
        endpoint: &'static str,
        status: u16,
        body: BodySnippet,
    },
    /// The answer's body is larger than the client accepts (see
    /// `ClientBuilder::max_response_bytes`); it was not read to the end.
    #[error("{endpoint}: answer body larger than {limit} bytes (HTTP {status})")]
    BodyTooLarge {
        endpoint: &'static str,
        status: u16,
        limit: usize,
    },
    /// The body could not be decoded as the docs describe.
    #[error("{endpoint}: undecodable response (HTTP {status}): {reason}; body: {body}")]
    Decode {
        endpoint: &'static str,
        status: u16,
        reason: String,
        body: BodySnippet,
    },
    /// No access token could be had.
    #[error("{endpoint}: no access token: {source}")]
    Token {
        endpoint: &'static str,
        #[source]
        source: TokenError,
    },
    /// The client talks to the sandbox, whose signing key could not be had (the key
    /// endpoint failed: `reason` says how); nothing was sent. The next call asks again.
    #[error("{endpoint}: no sandbox signing key: {reason}")]
    SandboxKey {
        endpoint: &'static str,
        reason: String,
    },
    /// The platform refused the call with a documented (or unknown) error code.
    #[error("{endpoint}: {source}")]
    Api {
        endpoint: &'static str,
        #[source]
        source: E,
    },
}

impl<E> Error<E> {
    /// The endpoint's own error, when the platform answered with one.
    pub fn api(&self) -> Option<&E> {
        match self {
            Error::Api { source, .. } => Some(source),
            _ => None,
        }
    }
    pub fn into_api(self) -> Option<E> {
        match self {
            Error::Api { source, .. } => Some(source),
            _ => None,
        }
    }
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }
    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. }
            | Error::Redirect { status, .. }
            | Error::Decode { status, .. }
            | Error::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// The doc name of the endpoint that failed, e.g. `auth.code2Session`.
    pub fn endpoint(&self) -> &'static str {
        match self {
            Error::Invalid { endpoint, .. }
            | Error::Encode { endpoint, .. }
            | Error::BodyTooLarge { endpoint, .. }
            | Error::Transport { endpoint, .. }
            | Error::Timeout { endpoint, .. }
            | Error::Status { endpoint, .. }
            | Error::Redirect { endpoint, .. }
            | Error::Decode { endpoint, .. }
            | Error::Token { endpoint, .. }
            | Error::SandboxKey { endpoint, .. }
            | Error::Api { endpoint, .. } => endpoint,
        }
    }
}
