//! Access tokens: what the generated calls need, where it comes from, how it is shared.
//!
//! [`TokenSource`] is what a platform client asks for a token. Two ways to provide one:
//!
//! - [`TokenManager`], the default: cached, refreshed ahead of expiry while the old
//!   token keeps being served, one upstream fetch per refresh however many callers
//!   wait. Give it a shared [`TokenStore`] (e.g. `RedisStore`, feature `redis`) and
//!   all instances of a service use one token instead of invalidating each other's.
//! - Your own central token service (the platforms recommend one per app): implement
//!   [`TokenSource`], or wrap an async closure with [`provider_fn`].

mod manager;
mod memory;
mod provider;
#[cfg(feature = "redis")]
mod redis;
mod store;

#[cfg(feature = "redis")]
pub use self::redis::RedisStore;
pub use manager::{TokenManager, TokenManagerBuilder};
pub use memory::MemoryStore;
pub use provider::{fetcher_fn, provider_fn, FnTokenFetcher, FnTokenSource};
pub use store::{LockToken, TokenStore};

use crate::runtime::Secret;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A token and the moment it stops being valid.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    value: Secret<String>,
    /// Unix time in milliseconds.
    expires_at_ms: u64,
}

impl AccessToken {
    pub fn new(value: impl Into<String>, expires_at: SystemTime) -> Self {
        let expires_at_ms = expires_at
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        AccessToken {
            value: Secret::new(value.into()),
            expires_at_ms,
        }
    }
    /// A token valid for `lifetime` from now (as the platform's `expires_in` says).
    pub fn expiring_in(value: impl Into<String>, lifetime: Duration) -> Self {
        Self::new(value, SystemTime::now() + lifetime)
    }
    pub fn from_parts(value: impl Into<String>, expires_at_ms: u64) -> Self {
        AccessToken {
            value: Secret::new(value.into()),
            expires_at_ms,
        }
    }
    /// The token itself, for the query string.
    pub fn secret(&self) -> &str {
        self.value.expose()
    }
    pub fn expires_at_ms(&self) -> u64 {
        self.expires_at_ms
    }
    /// Time left before expiry (zero when expired).
    pub fn remaining(&self) -> Duration {
        let now = now_ms();
        Duration::from_millis(self.expires_at_ms.saturating_sub(now))
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &self.value)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Why no token could be had. Cloneable: one failed refresh is reported to every
/// caller that waited for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The platform's token endpoint refused (wrong secret, quota reached, …).
    #[error("token endpoint refused: errcode {code}: {message}")]
    Refused { code: i64, message: String },
    /// The token endpoint could not be reached or answered garbage.
    #[error("token endpoint failed: {0}")]
    Upstream(String),
    /// The shared token store (e.g. Redis) failed.
    #[error("token store failed: {0}")]
    Store(String),
    /// The user's own token provider failed.
    #[error("token provider failed: {0}")]
    Provider(String),
}

/// Where a platform client gets its access token.
///
/// Implement this to take tokens from your own central token service (the platforms
/// recommend one per app); the client calls [`TokenSource::invalidate`] when the
/// platform says a token is invalid, then asks again once.
pub trait TokenSource: Send + Sync + 'static {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>>;
    /// `failed` was rejected as invalid by the platform. Drop it if it is still current.
    fn invalidate<'a>(&'a self, failed: &'a AccessToken) -> BoxFuture<'a, ()>;
}

/// Fetches a fresh token from the platform (e.g. WeChat `/cgi-bin/token`).
pub trait TokenFetcher: Send + Sync + 'static {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>>;
}
