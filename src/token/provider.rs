use super::{AccessToken, BoxFuture, TokenError, TokenFetcher, TokenSource};
use std::fmt;
use std::future::Future;

type TokenFn = Box<dyn Fn() -> BoxFuture<'static, Result<AccessToken, TokenError>> + Send + Sync>;
type InvalidateFn = Box<dyn Fn(AccessToken) -> BoxFuture<'static, ()> + Send + Sync>;

/// A [`TokenSource`] backed by your own central token service, written as a closure.
///
/// Nothing is cached here: the central service owns caching and refreshing, and a local
/// copy would keep serving a token the service has already replaced. Build it with
/// [`provider_fn`].
pub struct FnTokenSource {
    token: TokenFn,
    invalidate: Option<InvalidateFn>,
}

/// Wrap an async closure that asks your central token service for the current token.
///
/// ```
/// use miniapp::token::{provider_fn, AccessToken, TokenError};
/// use std::time::Duration;
///
/// let source = provider_fn(|| async {
///     // e.g. GET http://token-service.internal/wechat/<appid>
///     Ok::<_, TokenError>(AccessToken::expiring_in("token-from-service", Duration::from_secs(600)))
/// })
/// .on_invalidate(|failed: AccessToken| async move {
///     // e.g. POST http://token-service.internal/wechat/<appid>/invalidate with `failed`,
///     // so that the service refreshes only if `failed` is still its current token.
///     let _ = failed;
/// });
/// # let _ = source;
/// ```
pub fn provider_fn<F, Fut>(token: F) -> FnTokenSource
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<AccessToken, TokenError>> + Send + 'static,
{
    FnTokenSource {
        token: Box::new(move || Box::pin(token())),
        invalidate: None,
    }
}

impl FnTokenSource {
    /// Called with the token the platform rejected (40001/40014/42001) before the client
    /// asks again once; forward it to the central service. Without it, invalidation is a
    /// no-op and the service is trusted to notice by itself.
    pub fn on_invalidate<G, GFut>(mut self, invalidate: G) -> Self
    where
        G: Fn(AccessToken) -> GFut + Send + Sync + 'static,
        GFut: Future<Output = ()> + Send + 'static,
    {
        self.invalidate = Some(Box::new(move |failed| Box::pin(invalidate(failed))));
        self
    }
}

impl TokenSource for FnTokenSource {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        (self.token)()
    }
    fn invalidate<'a>(&'a self, failed: &'a AccessToken) -> BoxFuture<'a, ()> {
        match &self.invalidate {
            Some(callback) => callback(failed.clone()),
            None => Box::pin(async {}),
        }
    }
}

impl fmt::Debug for FnTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnTokenSource")
            .field("on_invalidate", &self.invalidate.is_some())
            .finish_non_exhaustive()
    }
}

/// A [`TokenFetcher`] written as a closure, for [`TokenManager`](super::TokenManager)
/// with an upstream the crate does not know.
pub struct FnTokenFetcher {
    fetch: TokenFn,
}

/// Wrap an async closure that fetches a fresh token from the platform.
pub fn fetcher_fn<F, Fut>(fetch: F) -> FnTokenFetcher
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<AccessToken, TokenError>> + Send + 'static,
{
    FnTokenFetcher {
        fetch: Box::new(move || Box::pin(fetch())),
    }
}

impl TokenFetcher for FnTokenFetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        (self.fetch)()
    }
}

impl fmt::Debug for FnTokenFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnTokenFetcher").finish_non_exhaustive()
    }
}
