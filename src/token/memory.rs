use super::{now_ms, AccessToken, BoxFuture, LockToken, TokenError, TokenStore};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The default [`TokenStore`]: a map in this process.
///
/// Enough for a single instance (share one `Arc<MemoryStore>` between managers of the
/// same app in one process if you build several). Several processes need a shared store
/// such as `RedisStore`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    tokens: HashMap<String, AccessToken>,
    locks: HashMap<String, (LockToken, Instant)>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    // A std mutex is right here: every critical section is a few map operations and
    // never spans an await.
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }
}

impl TokenStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>, TokenError>> {
        let found = self.with(|s| {
            let expired = s
                .tokens
                .get(key)
                .is_some_and(|t| t.expires_at_ms() <= now_ms());
            if expired {
                s.tokens.remove(key);
            }
            s.tokens.get(key).cloned()
        });
        Box::pin(async move { Ok(found) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a AccessToken,
    ) -> BoxFuture<'a, Result<(), TokenError>> {
        self.with(|s| s.tokens.insert(key.to_owned(), token.clone()));
        Box::pin(async { Ok(()) })
    }

    fn delete_if_equal<'a>(
        &'a self,
        key: &'a str,
        token: &'a AccessToken,
    ) -> BoxFuture<'a, Result<bool, TokenError>> {
        let removed = self.with(|s| {
            if s.tokens.get(key) == Some(token) {
                s.tokens.remove(key);
                true
            } else {
                false
            }
        });
        Box::pin(async move { Ok(removed) })
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<LockToken>, TokenError>> {
        let now = Instant::now();
        let taken = self.with(|s| {
            if let Some((_, until)) = s.locks.get(key) {
                if *until > now {
                    return None;
                }
            }
            let lock = LockToken::random();
            s.locks.insert(key.to_owned(), (lock.clone(), now + lease));
            Some(lock)
        });
        Box::pin(async move { Ok(taken) })
    }

    fn unlock<'a>(
        &'a self,
        key: &'a str,
        lock: &'a LockToken,
    ) -> BoxFuture<'a, Result<bool, TokenError>> {
        let released = self.with(|s| match s.locks.get(key) {
            Some((held, _)) if held == lock => {
                s.locks.remove(key);
                true
            }
            _ => false,
        });
        Box::pin(async move { Ok(released) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lock_is_exclusive_and_released_only_by_its_holder() {
        let store = MemoryStore::new();
        let lease = Duration::from_secs(30);
        let held = store
            .try_lock("k", lease)
            .await
            .unwrap()
            .expect("free lock");
        assert!(store.try_lock("k", lease).await.unwrap().is_none());
        let stranger = LockToken::random();
        assert!(!store.unlock("k", &stranger).await.unwrap());
        assert!(store.try_lock("k", lease).await.unwrap().is_none());
        assert!(store.unlock("k", &held).await.unwrap());
        assert!(store.try_lock("k", lease).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn an_expired_lease_can_be_taken_and_the_old_holder_cannot_release_it() {
        let store = MemoryStore::new();
        let old = store
            .try_lock("k", Duration::ZERO)
            .await
            .unwrap()
            .expect("free lock");
        let new = store
            .try_lock("k", Duration::from_secs(30))
            .await
            .unwrap()
            .expect("lease ran out");
        assert!(!store.unlock("k", &old).await.unwrap());
        assert!(store
            .try_lock("k", Duration::from_secs(30))
            .await
            .unwrap()
            .is_none());
        assert!(store.unlock("k", &new).await.unwrap());
    }

    #[tokio::test]
    async fn expired_tokens_are_not_returned_and_delete_compares_values() {
        let store = MemoryStore::new();
        store
            .put("k", &AccessToken::from_parts("old", now_ms() - 1))
            .await
            .unwrap();
        assert_eq!(store.get("k").await.unwrap(), None);
        let a = AccessToken::expiring_in("a", Duration::from_secs(60));
        let b = AccessToken::expiring_in("b", Duration::from_secs(60));
        store.put("k", &a).await.unwrap();
        assert!(!store.delete_if_equal("k", &b).await.unwrap());
        assert_eq!(store.get("k").await.unwrap(), Some(a.clone()));
        assert!(store.delete_if_equal("k", &a).await.unwrap());
        assert_eq!(store.get("k").await.unwrap(), None);
    }
}
