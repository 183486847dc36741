use super::{
    now_ms, AccessToken, BoxFuture, LockToken, MemoryStore, TokenError, TokenFetcher, TokenSource,
    TokenStore,
};
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::time::Instant;

type Outcome = Result<AccessToken, TokenError>;

/// The default [`TokenSource`]: a cached token, refreshed ahead of expiry, one upstream
/// fetch per refresh, optionally shared by many instances through a [`TokenStore`].
///
/// - Hot path (a cached token outside the refresh margin): one `std::sync::RwLock` read
///   and a clone. No async mutex, no write lock, no I/O, so callers never queue behind
///   each other or behind a refresh.
/// - Inside the margin the still-valid token keeps being served; the first caller to
///   notice starts one background refresh (retried at most every 10 s if it fails).
/// - Missing or expired: every caller waits for the same refresh ("single flight") and
///   gets its token or a clone of its error; the next call after an error tries again.
/// - A refresh first reads the store (another instance may have refreshed already), then
///   takes the store's lock, reads again, and only then fetches upstream and writes the
///   store. Instances that lose the lock poll the store until the winner's token
///   appears, bounded by [`TokenManagerBuilder::timeout`].
///
/// Refreshes run as Tokio tasks, so a caller that gives up (timeout, cancellation) does
/// not abandon the refresh the other callers are waiting for. Needs a Tokio runtime.
///
/// Cloning is cheap and clones share the cache.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

/// Configures a [`TokenManager`]; see [`TokenManager::builder`].
pub struct TokenManagerBuilder {
    fetcher: Arc<dyn TokenFetcher>,
    key: String,
    store: Option<Arc<dyn TokenStore>>,
    margin: Duration,
    lease: Duration,
    timeout: Duration,
    poll_interval: Duration,
    fallback_to_local: bool,
}

struct Inner {
    key: String,
    fetcher: Arc<dyn TokenFetcher>,
    store: Arc<dyn TokenStore>,
    margin_ms: u64,
    lease: Duration,
    timeout: Duration,
    poll_interval: Duration,
    fallback_to_local: bool,
    /// Read on every call; written only when a refresh completes or on invalidation.
    cache: RwLock<Option<AccessToken>>,
    /// No refresh-ahead starts before this Unix time (ms): a failing upstream is asked
    /// again after a pause instead of by every caller inside the margin.
    next_ahead_ms: AtomicU64,
    /// The refresh in progress, if any. Lock order: `flight`, then `cache`, then `rejected`.
    flight: Mutex<Option<Flight>>,
    next_flight_id: AtomicU64,
    /// The last token the platform rejected: never adopted again from the store, even if
    /// deleting it there failed.
    rejected: Mutex<Option<AccessToken>>,
}

struct Flight {
    id: u64,
    done: watch::Receiver<Option<Outcome>>,
}

enum Cached {
    /// Outside the refresh margin.
    Fresh(AccessToken),
    /// Inside the margin but still valid: serve it, refresh in the background.
    Aging(AccessToken),
    /// Expired or absent: callers must wait for a refresh.
    Stale(Option<AccessToken>),
}

const AHEAD_RETRY_AFTER: Duration = Duration::from_secs(10);

impl TokenManager {
    /// How long before expiry the token is refreshed: 240 s.
    ///
    /// WeChat keeps the previous token valid for 5 minutes after a new one is issued, and
    /// tokens live at most 7200 s. Refreshing no earlier than 300 s before expiry means the
    /// old token's remaining life is always inside that 5-minute window, so an instance
    /// still serving the old token (it has not seen the new one yet) never sends an
    /// invalid one; the extra 60 s absorbs request latency and clock skew between
    /// instances. 240 s still leaves room for about two dozen background retries (one per
    /// 10 s) before the token actually expires if the token endpoint is failing.
    pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(240);
    /// How long a refresh holds the store lock at most: 5 s. Longer than a normal token
    /// fetch, shorter than [`Self::DEFAULT_TIMEOUT`], so that when a holder dies the
    /// others take the lock over and still finish within their own timeout.
    pub const DEFAULT_LOCK_LEASE: Duration = Duration::from_secs(5);
    /// The longest a call waits for a refresh (store, lock, fetch): 10 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// How often an instance that lost the lock race re-reads the store: 20 ms.
    pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(20);

    /// A manager with the defaults: in-memory store, key `"default"`.
    pub fn new(fetcher: Arc<dyn TokenFetcher>) -> Self {
        Self::builder(fetcher).build()
    }

    pub fn builder(fetcher: Arc<dyn TokenFetcher>) -> TokenManagerBuilder {
        TokenManagerBuilder {
            fetcher,
            key: "default".to_owned(),
            store: None,
            margin: Self::DEFAULT_REFRESH_MARGIN,
            lease: Self::DEFAULT_LOCK_LEASE,
            timeout: Self::DEFAULT_TIMEOUT,
            poll_interval: Self::DEFAULT_POLL_INTERVAL,
            fallback_to_local: false,
        }
    }

    /// The store key, e.g. `wechat:<appid>`.
    pub fn key(&self) -> &str {
        &self.inner.key
    }

    /// The cached token if it is still valid, without any I/O or refresh.
    pub fn peek(&self) -> Option<AccessToken> {
        match self.inner.lookup() {
            Cached::Fresh(t) | Cached::Aging(t) => Some(t),
            Cached::Stale(_) => None,
        }
    }

    async fn get(&self) -> Outcome {
        match self.inner.lookup() {
            Cached::Fresh(token) => Ok(token),
            Cached::Aging(token) => {
                self.inner.refresh_ahead(&token);
                Ok(token)
            }
            Cached::Stale(stale) => self.inner.refresh_now(stale).await,
        }
    }
}

impl TokenSource for TokenManager {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        // Answer the common case before building the async state machine: boxing a
        // ready value is cheaper than boxing and polling `get()`.
        if let Cached::Fresh(token) = self.inner.lookup() {
            return Box::pin(std::future::ready(Ok(token)));
        }
        Box::pin(self.get())
    }

    fn invalidate<'a>(&'a self, failed: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(self.inner.invalidate(failed))
    }
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("TokenManager")
            .field("key", &i.key)
            .field("refresh_margin", &Duration::from_millis(i.margin_ms))
            .field("lock_lease", &i.lease)
            .field("timeout", &i.timeout)
            .field("fallback_to_local", &i.fallback_to_local)
            .finish_non_exhaustive()
    }
}

impl TokenManagerBuilder {
    /// The key under which the token and its lock live in the store. Use one key per app
    /// and platform (e.g. `wechat:<appid>`); every instance of the app must use the same.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }
    /// Where the token is shared; default: a fresh [`MemoryStore`].
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }
    /// Refresh this long before expiry; see [`TokenManager::DEFAULT_REFRESH_MARGIN`] for
    /// why the default is 240 s. Keep it well below the token lifetime: a token that
    /// arrives already inside the margin triggers a refresh (at most every 10 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }
    /// The most a refresh holds the store lock; the upstream fetch is abandoned at 3/4 of
    /// it so that two instances never fetch at once. Must be shorter than the timeout.
    pub fn lock_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }
    /// The longest a call waits for a token when it has to be refreshed, including every
    /// store operation, lock waits and the fetch.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// How often an instance that lost the lock race re-reads the store.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }
    /// When the store fails (e.g. Redis is down), fetch a token for this process alone
    /// instead of returning [`TokenError::Store`]. Keeps the service up at the price of
    /// instances invalidating each other's tokens while the store is away.
    pub fn fallback_to_local(mut self, enabled: bool) -> Self {
        self.fallback_to_local = enabled;
        self
    }

    pub fn build(self) -> TokenManager {
        let mut lease = self.lease;
        if lease >= self.timeout {
            // A lease as long as the timeout would let a crashed holder make every other
            // instance time out; halve the timeout rather than fail at startup.
            lease = self.timeout / 2;
            tracing::warn!(
                key = %self.key,
                ?lease,
                timeout = ?self.timeout,
                "token lock lease must be shorter than the timeout; using half the timeout"
            );
        }
        TokenManager {
            inner: Arc::new(Inner {
                key: self.key,
                fetcher: self.fetcher,
                store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                margin_ms: self.margin.as_millis().min(u64::MAX as u128) as u64,
                lease,
                timeout: self.timeout,
                poll_interval: self.poll_interval.max(Duration::from_millis(1)),
                fallback_to_local: self.fallback_to_local,
                cache: RwLock::new(None),
                next_ahead_ms: AtomicU64::new(0),
                flight: Mutex::new(None),
                next_flight_id: AtomicU64::new(0),
                rejected: Mutex::new(None),
            }),
        }
    }
}

impl fmt::Debug for TokenManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManagerBuilder")
            .field("key", &self.key)
            .field("refresh_margin", &self.margin)
            .field("lock_lease", &self.lease)
            .field("timeout", &self.timeout)
            .field("fallback_to_local", &self.fallback_to_local)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the data consistent, so a panic elsewhere while
    // holding the lock is no reason to stop serving tokens.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    fn lookup(&self) -> Cached {
        let now = now_ms();
        let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
        match &*cache {
            Some(t) if now.saturating_add(self.margin_ms) < t.expires_at_ms() => {
                Cached::Fresh(t.clone())
            }
            Some(t) if now < t.expires_at_ms() => Cached::Aging(t.clone()),
            Some(t) => Cached::Stale(Some(t.clone())),
            None => Cached::Stale(None),
        }
    }

    /// Start a background refresh unless one ran recently; never waits.
    fn refresh_ahead(self: &Arc<Self>, current: &AccessToken) {
        let now = now_ms();
        let next = self.next_ahead_ms.load(Ordering::Relaxed);
        if now < next {
            return;
        }
        let retry_at = now + AHEAD_RETRY_AFTER.as_millis() as u64;
        // Only the caller that moves the mark starts the refresh; the others go on.
        if self
            .next_ahead_ms
            .compare_exchange(next, retry_at, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let Ok(runtime) = Handle::try_current() else {
            // The token is still valid; the first call after expiry refreshes it.
            return;
        };
        let task = {
            let mut flight = lock(&self.flight);
            if flight.is_some() {
                return;
            }
            self.begin_flight(&mut flight, Some(current.clone())).1
        };
        runtime.spawn(task);
    }

    /// Wait for a refresh, joining the one in progress if any.
    async fn refresh_now(self: &Arc<Self>, stale: Option<AccessToken>) -> Outcome {
        let runtime = Handle::try_current().map_err(|_| {
            TokenError::Upstream("TokenManager needs a Tokio runtime to refresh tokens".into())
        })?;
        let (mut done, task) = {
            let mut flight = lock(&self.flight);
            // A refresh that finished between our lookup and here wrote the cache before
            // clearing itself, so look again rather than fetch a second token.
            if let Cached::Fresh(t) | Cached::Aging(t) = self.lookup() {
                return Ok(t);
            }
            match &*flight {
                Some(running) => (running.done.clone(), None),
                None => {
                    let (done, task) = self.begin_flight(&mut flight, stale);
                    (done, Some(task))
                }
            }
        };
        if let Some(task) = task {
            runtime.spawn(task);
        }
        let abandoned = || {
            Err(TokenError::Upstream(
                "token refresh was abandoned (its task panicked or the runtime shut down)".into(),
            ))
        };
        let outcome = match done.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or_else(abandoned),
            Err(_) => abandoned(),
        };
        outcome
    }

    /// Register a refresh in `slot` and return the task that performs it. The caller
    /// spawns the task after releasing the `flight` lock: a runtime that is shutting
    /// down drops the task on the spot, and its guard then needs that lock.
    fn begin_flight(
        self: &Arc<Self>,
        slot: &mut Option<Flight>,
        stale: Option<AccessToken>,
    ) -> (
        watch::Receiver<Option<Outcome>>,
        impl Future<Output = ()> + Send + 'static,
    ) {
        let (tx, rx) = watch::channel(None);
        let id = self.next_flight_id.fetch_add(1, Ordering::Relaxed);
        *slot = Some(Flight {
            id,
            done: rx.clone(),
        });
        let mut guard = FlightGuard {
            inner: Arc::clone(self),
            id,
            finished: false,
        };
        let task = async move {
            let outcome = guard.inner.refresh(stale).await;
            guard.finish(&outcome);
            tx.send_replace(Some(outcome));
        };
        (rx, task)
    }

    async fn refresh(&self, stale: Option<AccessToken>) -> Outcome {
        let deadline = Instant::now() + self.timeout;
        let rejected = lock(&self.rejected).clone();
        let usable = |t: &AccessToken| {
            t.expires_at_ms() > now_ms()
                && Some(t) != stale.as_ref()
                && Some(t) != rejected.as_ref()
        };
        // Another instance may already have refreshed: then there is nothing to fetch.
        match self.store_get(deadline).await {
            Ok(Some(t)) if usable(&t) => return Ok(t),
            Ok(_) => {}
            Err(e) => return self.fallback(e, deadline).await,
        }
        loop {
            let attempt = self.store.try_lock(&self.key, self.lease);
            match self.within(deadline, attempt).await {
                Err(e) => return self.fallback(e, deadline).await,
                Ok(Some(lock)) => return self.refresh_holding(lock, &usable, deadline).await,
                Ok(None) => {
                    if Instant::now() + self.poll_interval >= deadline {
                        return Err(TokenError::Store(format!(
                            "no token within {:?}: another instance holds the refresh lock \
                             of {:?} and has not stored a new token",
                            self.timeout, self.key
                        )));
                    }
                    tokio::time::sleep(self.poll_interval).await;
                    match self.store_get(deadline).await {
                        Ok(Some(t)) if usable(&t) => return Ok(t),
                        Ok(_) => {}
                        Err(e) => return self.fallback(e, deadline).await,
                    }
                }
            }
        }
    }

    async fn refresh_holding(
        &self,
        lock: LockToken,
        usable: &(dyn Fn(&AccessToken) -> bool + Sync),
        deadline: Instant,
    ) -> Outcome {
        // The previous holder may have stored its token and released the lock between our
        // read and our lock; fetching now would invalidate the token it just shared.
        let outcome = match self.store_get(deadline).await {
            Ok(Some(t)) if usable(&t) => Ok(t),
            Ok(_) => self.fetch_and_share(deadline).await,
            Err(e) => {
                self.release(&lock, deadline).await;
                return self.fallback(e, deadline).await;
            }
        };
        self.release(&lock, deadline).await;
        outcome
    }

    async fn release(&self, lock: &LockToken, deadline: Instant) {
        let release = self.store.unlock(&self.key, lock);
        if let Err(e) = self.within(deadline, release).await {
            tracing::warn!(key = %self.key, error = %e, "could not release the token refresh lock; it expires with its lease");
        }
    }

    async fn fetch_and_share(&self, deadline: Instant) -> Outcome {
        // Finish well inside the lease: once it runs out another instance may take the
        // lock and fetch a second token, invalidating ours.
        let fetch_deadline = deadline.min(Instant::now() + self.lease * 3 / 4);
        let token = self.fetch(fetch_deadline).await?;
        if let Err(e) = self
            .within(deadline, self.store.put(&self.key, &token))
            .await
        {
            // The token is valid and the old one is already being replaced upstream;
            // throwing it away would only cost another fetch.
            tracing::warn!(key = %self.key, error = %e, "fetched a new access token but could not store it; other instances will not see it");
        }
        Ok(token)
    }

    async fn fetch(&self, deadline: Instant) -> Outcome {
        match tokio::time::timeout_at(deadline, self.fetcher.fetch()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(TokenError::Upstream(format!(
                "token endpoint did not answer within the lock lease / timeout ({:?} / {:?})",
                self.lease, self.timeout
            ))),
        }
    }

    async fn fallback(&self, error: TokenError, deadline: Instant) -> Outcome {
        if !self.fallback_to_local {
            return Err(error);
        }
        tracing::warn!(key = %self.key, %error, "token store unavailable; refreshing the token for this process only");
        self.fetch(deadline).await
    }

    async fn store_get(&self, deadline: Instant) -> Result<Option<AccessToken>, TokenError> {
        self.within(deadline, self.store.get(&self.key)).await
    }

    /// Bound a store call by the refresh deadline, whatever the store does itself.
    async fn within<T>(
        &self,
        deadline: Instant,
        op: impl Future<Output = Result<T, TokenError>>,
    ) -> Result<T, TokenError> {
        match tokio::time::timeout_at(deadline, op).await {
            Ok(result) => result,
            Err(_) => Err(TokenError::Store(format!(
                "token store did not answer within the {:?} timeout",
                self.timeout
            ))),
        }
    }

    async fn invalidate(&self, failed: &AccessToken) {
        // Under a 40001 burst every in-flight call reports the same token; all but the
        // first find it already replaced, and a read lock is enough to see that.
        if self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            != Some(failed)
        {
            return;
        }
        {
            let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
            if cache.as_ref() != Some(failed) {
                return;
            }
            // Mark it rejected before anyone can see the empty cache: a refresh that
            // starts right away must not adopt it back from the store, where it is still
            // stored until the delete below lands.
            *lock(&self.rejected) = Some(failed.clone());
            *cache = None;
        }
        let deadline = Instant::now() + self.timeout;
        let delete = self.store.delete_if_equal(&self.key, failed);
        if let Err(e) = self.within(deadline, delete).await {
            // The rejected token is remembered locally, so the next refresh will not
            // adopt it again from the store.
            tracing::warn!(key = %self.key, error = %e, "could not drop the rejected token from the store");
        }
    }
}

/// Clears the flight slot if the refresh task ends without reporting (it panicked, or
/// the runtime dropped it), so the next caller starts a new refresh instead of waiting
/// for one that will never finish.
struct FlightGuard {
    inner: Arc<Inner>,
    id: u64,
    finished: bool,
}

impl FlightGuard {
    fn finish(&mut self, outcome: &Outcome) {
        let mut slot = lock(&self.inner.flight);
        if let Ok(token) = outcome {
            // Written before the slot is cleared (and under it): a caller that finds no
            // flight is then guaranteed to find the new token.
            *self
                .inner
                .cache
                .write()
                .unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
        }
        if slot.as_ref().is_some_and(|f| f.id == self.id) {
            *slot = None;
        }
        self.finished = true;
    }
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        if !self.finished {
            let mut slot = lock(&self.inner.flight);
            if slot.as_ref().is_some_and(|f| f.id == self.id) {
                *slot = None;
            }
        }
    }
}
