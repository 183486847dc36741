use super::{AccessToken, BoxFuture, TokenError, TokenFetcher, TokenSource};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Mutex;

/// Cached token with single-flight refresh.
pub struct TokenManager {
    fetcher: Arc<dyn TokenFetcher>,
    cached: RwLock<Option<AccessToken>>,
    refresh: Mutex<()>,
    margin: Duration,
}

impl TokenManager {
    pub fn new(fetcher: Arc<dyn TokenFetcher>) -> Self {
        TokenManager {
            fetcher,
            cached: RwLock::new(None),
            refresh: Mutex::new(()),
            margin: Duration::from_secs(300),
        }
    }

    fn current(&self) -> Option<AccessToken> {
        let guard = self.cached.read().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|t| t.remaining() > self.margin)
            .cloned()
    }

    async fn get(&self) -> Result<AccessToken, TokenError> {
        if let Some(t) = self.current() {
            return Ok(t);
        }
        let _flight = self.refresh.lock().await;
        if let Some(t) = self.current() {
            return Ok(t);
        }
        let fresh = self.fetcher.fetch().await?;
        *self.cached.write().unwrap_or_else(|p| p.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }
}

impl TokenSource for TokenManager {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(self.get())
    }
    fn invalidate<'a>(&'a self, failed: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut guard = self.cached.write().unwrap_or_else(|p| p.into_inner());
            if guard.as_ref() == Some(failed) {
                *guard = None;
            }
        })
    }
}
