use super::{now_ms, AccessToken, BoxFuture, LockToken, TokenError, TokenStore};
use ::redis::aio::MultiplexedConnection;
use ::redis::{AsyncConnectionConfig, Client, RedisResult, Script};
use std::fmt;
use std::future::Future;
use std::time::Duration;

/// A [`TokenStore`] in Redis, shared by every instance that points at the same server
/// and key prefix (feature `redis`).
///
/// Layout, so that services in other languages can share the token too:
///
/// - `<prefix><key>` = `"<expires_at_unix_ms>:<access_token>"`, with a Redis TTL ending at
///   the token's expiry;
/// - `<prefix><key>:lock` = a random value, set with `SET … NX PX <lease>` by the instance
///   refreshing the token and deleted by a compare-and-delete Lua script, so only the
///   holder can release it.
///
/// Every operation is bounded by [`RedisStore::op_timeout`] (connecting included): an
/// unreachable or frozen Redis gives [`TokenError::Store`] quickly instead of stalling
/// callers. The connection is made on first use and remade after any failure, so the
/// store recovers by itself when Redis comes back.
pub struct RedisStore {
    client: Client,
    /// Connecting is serialised so that a reconnect storm makes one connection, not one
    /// per waiting call; commands themselves run on clones of the multiplexed connection.
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    prefix: String,
    op_timeout: Duration,
    compare_and_delete: Script,
}

const COMPARE_AND_DELETE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
";

impl RedisStore {
    /// Bound on each Redis operation: 1 s. A healthy local Redis answers in well under a
    /// millisecond; anything near a second means it is gone or stuck.
    pub const DEFAULT_OP_TIMEOUT: Duration = Duration::from_secs(1);
    pub const DEFAULT_PREFIX: &'static str = "miniapp:token:";

    /// A store for `url` (e.g. `redis://127.0.0.1:6379/0`, `redis://:password@host/1`).
    /// Does not connect yet: a service can start while Redis is still coming up.
    pub fn new(url: &str) -> Result<Self, TokenError> {
        let client =
            Client::open(url).map_err(|e| TokenError::Store(format!("invalid redis url: {e}")))?;
        Ok(Self::from_client(client))
    }

    pub fn from_client(client: Client) -> Self {
        RedisStore {
            client,
            conn: tokio::sync::Mutex::new(None),
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            op_timeout: Self::DEFAULT_OP_TIMEOUT,
            compare_and_delete: Script::new(COMPARE_AND_DELETE),
        }
    }

    /// Bound on each operation, connecting included.
    pub fn op_timeout(mut self, timeout: Duration) -> Self {
        self.op_timeout = timeout;
        self
    }

    /// Prefix of every key this store writes (default `miniapp:token:`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn token_key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    fn lock_key(&self, key: &str) -> String {
        format!("{}{}:lock", self.prefix, key)
    }

    async fn connection(&self) -> RedisResult<MultiplexedConnection> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Ok(conn.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(self.op_timeout)
            .set_response_timeout(self.op_timeout);
        let conn = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *slot = Some(conn.clone());
        Ok(conn)
    }

    fn forget_connection(&self) {
        // If someone is connecting right now, that connection is new anyway.
        if let Ok(mut slot) = self.conn.try_lock() {
            *slot = None;
        }
    }

    async fn run<T>(
        &self,
        op: &str,
        command: impl Future<Output = RedisResult<T>>,
    ) -> Result<T, TokenError> {
        match tokio::time::timeout(self.op_timeout, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.forget_connection();
                Err(TokenError::Store(format!("redis {op} failed: {e}")))
            }
            Err(_) => {
                self.forget_connection();
                Err(TokenError::Store(format!(
                    "redis {op} did not answer within {:?}",
                    self.op_timeout
                )))
            }
        }
    }

    fn encode(token: &AccessToken) -> String {
        format!("{}:{}", token.expires_at_ms(), token.secret())
    }

    fn decode(key: &str, raw: &str) -> Result<AccessToken, TokenError> {
        raw.split_once(':')
            .and_then(|(at, value)| Some(AccessToken::from_parts(value, at.parse().ok()?)))
            .ok_or_else(|| {
                TokenError::Store(format!(
                    "redis key {key:?} does not hold \"<expires_at_ms>:<token>\""
                ))
            })
    }
}

impl TokenStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>, TokenError>> {
        Box::pin(async move {
            let key = self.token_key(key);
            let raw: Option<String> = self
                .run("GET", async {
                    let mut conn = self.connection().await?;
                    ::redis::cmd("GET").arg(&key).query_async(&mut conn).await
                })
                .await?;
            match raw {
                None => Ok(None),
                Some(raw) => {
                    let token = Self::decode(&key, &raw)?;
                    Ok((token.expires_at_ms() > now_ms()).then_some(token))
                }
            }
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a AccessToken,
    ) -> BoxFuture<'a, Result<(), TokenError>> {
        Box::pin(async move {
            let ttl_ms = token.expires_at_ms().saturating_sub(now_ms());
            if ttl_ms == 0 {
                return Ok(());
            }
            let key = self.token_key(key);
            self.run("SET", async {
                let mut conn = self.connection().await?;
                ::redis::cmd("SET")
                    .arg(&key)
                    .arg(Self::encode(token))
                    .arg("PX")
                    .arg(ttl_ms)
                    .query_async::<()>(&mut conn)
                    .await
            })
            .await
        })
    }

    fn delete_if_equal<'a>(
        &'a self,
        key: &'a str,
        token: &'a AccessToken,
    ) -> BoxFuture<'a, Result<bool, TokenError>> {
        Box::pin(async move {
            let key = self.token_key(key);
            let deleted: i64 = self
                .run("compare-and-delete", async {
                    let mut conn = self.connection().await?;
                    self.compare_and_delete
                        .key(&key)
                        .arg(Self::encode(token))
                        .invoke_async(&mut conn)
                        .await
                })
                .await?;
            Ok(deleted > 0)
        })
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<LockToken>, TokenError>> {
        Box::pin(async move {
            let key = self.lock_key(key);
            let lock = LockToken::random();
            let lease_ms = lease.as_millis().clamp(1, u64::MAX as u128) as u64;
            let set: Option<String> = self
                .run("SET NX", async {
                    let mut conn = self.connection().await?;
                    ::redis::cmd("SET")
                        .arg(&key)
                        .arg(lock.value())
                        .arg("NX")
                        .arg("PX")
                        .arg(lease_ms)
                        .query_async(&mut conn)
                        .await
                })
                .await?;
            Ok(set.map(|_| lock))
        })
    }

    fn unlock<'a>(
        &'a self,
        key: &'a str,
        lock: &'a LockToken,
    ) -> BoxFuture<'a, Result<bool, TokenError>> {
        Box::pin(async move {
            let key = self.lock_key(key);
            let deleted: i64 = self
                .run("unlock", async {
                    let mut conn = self.connection().await?;
                    self.compare_and_delete
                        .key(&key)
                        .arg(lock.value())
                        .invoke_async(&mut conn)
                        .await
                })
                .await?;
            Ok(deleted > 0)
        })
    }
}

impl fmt::Debug for RedisStore {
    // The connection info may carry a password; the address alone is enough to debug.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("addr", &self.client.get_connection_info().addr)
            .field("prefix", &self.prefix)
            .field("op_timeout", &self.op_timeout)
            .finish_non_exhaustive()
    }
}
