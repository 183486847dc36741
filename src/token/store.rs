use super::{AccessToken, BoxFuture, TokenError};
use rand::Rng;
use std::fmt;
use std::time::Duration;

/// Where a [`TokenManager`](super::TokenManager) keeps the current token and its refresh
/// lock, so that every instance that shares the store shares one token.
///
/// Object safe: the manager holds an `Arc<dyn TokenStore>`. Implementations should bound
/// their own I/O; the manager also bounds every call by its remaining deadline.
pub trait TokenStore: Send + Sync + 'static {
    /// The token under `key`, or `None` when there is none or it has expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>, TokenError>>;

    /// Store `token` under `key`, replacing any other; the entry expires with the token
    /// (at [`AccessToken::expires_at_ms`]).
    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a AccessToken,
    ) -> BoxFuture<'a, Result<(), TokenError>>;

    /// Remove the token under `key` only if it is still `token` (compare and delete, atomic
    /// in the store). Returns whether it was removed.
    fn delete_if_equal<'a>(
        &'a self,
        key: &'a str,
        token: &'a AccessToken,
    ) -> BoxFuture<'a, Result<bool, TokenError>>;

    /// Take the refresh lock of `key` for at most `lease`, or `None` if someone holds it.
    /// The lease bounds how long a crashed holder can block the others.
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<LockToken>, TokenError>>;

    /// Release the lock of `key` if `lock` still holds it (a lock whose lease ran out and
    /// was taken by someone else is left alone). Returns whether it was released.
    fn unlock<'a>(
        &'a self,
        key: &'a str,
        lock: &'a LockToken,
    ) -> BoxFuture<'a, Result<bool, TokenError>>;
}

/// Proof of holding a store lock: a random value only the holder knows, so that only the
/// holder can release it.
///
/// Not a drop guard on purpose: releasing is async I/O, which `Drop` cannot do; a lock
/// that is never released expires with its lease.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LockToken(String);

impl LockToken {
    /// A fresh unguessable value (128 random bits, hex).
    pub fn random() -> Self {
        LockToken(format!("{:032x}", rand::thread_rng().gen::<u128>()))
    }
    /// Wrap a value read back from a store.
    pub fn from_value(value: impl Into<String>) -> Self {
        LockToken(value.into())
    }
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LockToken {
    // Knowing the value lets anyone release the lock, so keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockToken(***)")
    }
}
