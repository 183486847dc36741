use super::{Endpoint, Error};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

/// Per-call settings that override the client's.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    pub timeout: Option<Duration>,
    /// Use this access token instead of the client's token source (no refresh on 40001).
    pub access_token: Option<crate::runtime::Secret<String>>,
}

/// A platform client that can execute endpoint `E`.
pub trait Execute<E: Endpoint>: Sync {
    fn execute(
        &self,
        request: E,
        options: CallOptions,
    ) -> impl Future<Output = Result<E::Response, Error<E::Error>>> + Send;
}

/// A prepared call: set per-call options, then `.await` it.
///
/// ```ignore
/// let session = wx.auth().code2_session(Code2SessionRequest::new(code))
///     .timeout(Duration::from_secs(2))
///     .await?;
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, C, E> {
    client: &'a C,
    request: E,
    options: CallOptions,
}

impl<'a, C, E: Endpoint> Call<'a, C, E> {
    pub fn new(client: &'a C, request: E) -> Self {
        Call {
            client,
            request,
            options: CallOptions::default(),
        }
    }
    /// Timeout for this call (connect, send and the whole body), instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }
    /// Sends this access token instead of one from the client's token source.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.options.access_token = Some(crate::runtime::Secret::new(token.into()));
        self
    }
    pub fn request(&self) -> &E {
        &self.request
    }
}

impl<'a, C, E> IntoFuture for Call<'a, C, E>
where
    C: Execute<E>,
    E: Endpoint + 'a,
{
    type Output = Result<E::Response, Error<E::Error>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.client.execute(self.request, self.options))
    }
}
