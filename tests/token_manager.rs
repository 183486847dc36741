//! TokenManager against a real HTTP token endpoint (wiremock on 127.0.0.1) reached with
//! reqwest: single flight, refresh ahead, invalidate-if-same, error fan-out, provider
//! closures.

use miniapp::token::{
    fetcher_fn, provider_fn, AccessToken, BoxFuture, LockToken, MemoryStore, TokenError,
    TokenFetcher, TokenManager, TokenSource, TokenStore,
};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::timeout;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const LIMIT: Duration = Duration::from_secs(10);

/// The upstream token endpoint: counts requests, numbers the tokens it issues.
#[derive(Default)]
struct Issuer {
    requests: AtomicUsize,
    expires_in: AtomicU64,
    busy: AtomicBool,
}

struct IssuerResponder(Arc<Issuer>);

impl Respond for IssuerResponder {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.requests.fetch_add(1, Ordering::SeqCst) + 1;
        if self.0.busy.load(Ordering::SeqCst) {
            return ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"errcode": -1, "errmsg": "system error"}));
        }
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": format!("tok-{n}"),
            "expires_in": self.0.expires_in.load(Ordering::SeqCst),
        }))
    }
}

async fn token_server() -> (MockServer, Arc<Issuer>) {
    let server = MockServer::start().await;
    let issuer = Arc::new(Issuer::default());
    issuer.expires_in.store(7200, Ordering::SeqCst);
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .respond_with(IssuerResponder(issuer.clone()))
        .mount(&server)
        .await;
    (server, issuer)
}

/// A WeChat-style `/cgi-bin/token` client. `gate` (if any) holds each fetch before the
/// request is sent, so a test can keep a refresh in progress as long as it needs.
struct HttpFetcher {
    http: reqwest::Client,
    url: String,
    started: AtomicUsize,
    gate: Option<Arc<Semaphore>>,
}

impl HttpFetcher {
    fn new(server: &MockServer, gate: Option<Arc<Semaphore>>) -> Arc<Self> {
        Arc::new(HttpFetcher {
            http: reqwest::Client::new(),
            url: format!("{}/cgi-bin/token", server.uri()),
            started: AtomicUsize::new(0),
            gate,
        })
    }
}

async fn fetch_wechat_token(http: &reqwest::Client, url: &str) -> Result<AccessToken, TokenError> {
    let body: serde_json::Value = http
        .get(url)
        .query(&[
            ("grant_type", "client_credential"),
            ("appid", "wx1"),
            ("secret", "s"),
        ])
        .send()
        .await
        .map_err(|e| TokenError::Upstream(e.to_string()))?
        .json()
        .await
        .map_err(|e| TokenError::Upstream(e.to_string()))?;
    if let Some(code) = body["errcode"].as_i64().filter(|c| *c != 0) {
        return Err(TokenError::Refused {
            code,
            message: body["errmsg"].as_str().unwrap_or_default().to_owned(),
        });
    }
    let value = body["access_token"]
        .as_str()
        .ok_or_else(|| TokenError::Upstream("no access_token".into()))?;
    let lifetime = Duration::from_secs(body["expires_in"].as_u64().unwrap_or(0));
    Ok(AccessToken::expiring_in(value, lifetime))
}

impl TokenFetcher for HttpFetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            self.started.fetch_add(1, Ordering::SeqCst);
            if let Some(gate) = &self.gate {
                gate.acquire().await.expect("gate open").forget();
            }
            fetch_wechat_token(&self.http, &self.url).await
        })
    }
}

/// A MemoryStore that counts lock attempts: one per refresh if callers share one flight.
#[derive(Default)]
struct CountingStore {
    inner: MemoryStore,
    lock_attempts: AtomicUsize,
}

impl TokenStore for CountingStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>, TokenError>> {
        self.inner.get(key)
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a AccessToken,
    ) -> BoxFuture<'a, Result<(), TokenError>> {
        self.inner.put(key, token)
    }
    fn delete_if_equal<'a>(
        &'a self,
        key: &'a str,
        token: &'a AccessToken,
    ) -> BoxFuture<'a, Result<bool, TokenError>> {
        self.inner.delete_if_equal(key, token)
    }
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<LockToken>, TokenError>> {
        self.lock_attempts.fetch_add(1, Ordering::SeqCst);
        self.inner.try_lock(key, lease)
    }
    fn unlock<'a>(
        &'a self,
        key: &'a str,
        lock: &'a LockToken,
    ) -> BoxFuture<'a, Result<bool, TokenError>> {
        self.inner.unlock(key, lock)
    }
}

fn manager(fetcher: Arc<HttpFetcher>) -> TokenManager {
    TokenManager::builder(fetcher).key("wechat:wx1").build()
}

/// How `n` concurrent callers fared.
struct Calls {
    results: Vec<Result<AccessToken, TokenError>>,
    /// Callers whose first poll of `token()` was `Pending`, i.e. that had to wait.
    waited: usize,
}

/// Spawn `n` tasks that each ask for a token once. `entered` counts callers whose
/// `token()` future has been polled once (so they have either their answer or a place in
/// the refresh's queue).
async fn many_callers(m: &TokenManager, n: usize, entered: &Arc<AtomicUsize>) -> Calls {
    let waited = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let m = m.clone();
            let entered = entered.clone();
            let waited = waited.clone();
            tokio::spawn(async move {
                let mut call = m.token();
                let mut first = true;
                std::future::poll_fn(move |cx| {
                    let poll = call.as_mut().poll(cx);
                    if std::mem::take(&mut first) {
                        if poll.is_pending() {
                            waited.fetch_add(1, Ordering::SeqCst);
                        }
                        entered.fetch_add(1, Ordering::SeqCst);
                    }
                    poll
                })
                .await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(n);
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    Calls {
        results,
        waited: waited.load(Ordering::SeqCst),
    }
}

/// Wait (bounded) until every caller has started, then open the gate once.
async fn release_when_entered(gate: &Semaphore, entered: &AtomicUsize, n: usize) {
    timeout(LIMIT, async {
        while entered.load(Ordering::SeqCst) < n {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("callers started");
    gate.add_permits(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_on_a_missing_token_cause_one_fetch() {
    let (server, issuer) = token_server().await;
    let gate = Arc::new(Semaphore::new(0));
    let fetcher = HttpFetcher::new(&server, Some(gate.clone()));
    let store = Arc::new(CountingStore::default());
    let m = TokenManager::builder(fetcher.clone())
        .key("wechat:wx1")
        .store(store.clone())
        .build();
    let entered = Arc::new(AtomicUsize::new(0));

    let (calls, ()) = timeout(
        LIMIT,
        futures_join(
            many_callers(&m, 1000, &entered),
            release_when_entered(&gate, &entered, 1000),
        ),
    )
    .await
    .expect("bounded");

    // The fetch was held until every caller had asked, so all of them were waiting on it.
    assert_eq!(calls.waited, 1000);
    assert_eq!(issuer.requests.load(Ordering::SeqCst), 1);
    assert_eq!(fetcher.started.load(Ordering::SeqCst), 1);
    // One refresh in this process, not 1000 that the store lock happened to serialise.
    assert_eq!(store.lock_attempts.load(Ordering::SeqCst), 1);
    assert_eq!(calls.results.len(), 1000);
    for r in &calls.results {
        assert_eq!(r.as_ref().expect("token").secret(), "tok-1");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_on_an_expired_token_cause_one_fetch() {
    let (server, issuer) = token_server().await;
    let gate = Arc::new(Semaphore::new(1));
    let fetcher = HttpFetcher::new(&server, Some(gate.clone()));
    let m = manager(fetcher.clone());

    // The first token is dead on arrival.
    issuer.expires_in.store(0, Ordering::SeqCst);
    let first = m.token().await.expect("first token");
    assert_eq!(first.secret(), "tok-1");
    assert!(m.peek().is_none(), "tok-1 is expired");
    issuer.expires_in.store(7200, Ordering::SeqCst);

    let entered = Arc::new(AtomicUsize::new(0));
    let (calls, ()) = timeout(
        LIMIT,
        futures_join(
            many_callers(&m, 1000, &entered),
            release_when_entered(&gate, &entered, 1000),
        ),
    )
    .await
    .expect("bounded");

    assert_eq!(calls.waited, 1000);
    assert_eq!(issuer.requests.load(Ordering::SeqCst), 2);
    for r in &calls.results {
        assert_eq!(r.as_ref().expect("token").secret(), "tok-2");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_the_margin_callers_get_the_old_token_while_one_refresh_runs() {
    let (server, issuer) = token_server().await;
    let gate = Arc::new(Semaphore::new(0));
    let fetcher = HttpFetcher::new(&server, Some(gate.clone()));
    // Another instance stored a token that expires in 60 s; our margin is 120 s.
    let store = Arc::new(MemoryStore::new());
    let old = AccessToken::expiring_in("old", Duration::from_secs(60));
    store.put("wechat:wx1", &old).await.unwrap();
    let m = TokenManager::builder(fetcher.clone())
        .key("wechat:wx1")
        .store(store.clone())
        .refresh_margin(Duration::from_secs(120))
        .build();

    // A fresh instance adopts the shared token without fetching.
    assert_eq!(m.token().await.unwrap().secret(), "old");
    assert_eq!(fetcher.started.load(Ordering::SeqCst), 0);

    // The refresh is held at the gate for this whole block: every caller must still get
    // an answer, and it must be the old token.
    let entered = Arc::new(AtomicUsize::new(0));
    let calls = timeout(LIMIT, many_callers(&m, 200, &entered))
        .await
        .expect("callers were not blocked by the refresh");
    assert_eq!(
        calls.waited, 0,
        "every caller was answered on its first poll"
    );
    for r in &calls.results {
        assert_eq!(r.as_ref().expect("token").secret(), "old");
    }
    assert_eq!(fetcher.started.load(Ordering::SeqCst), 1, "one refresh");
    assert_eq!(issuer.requests.load(Ordering::SeqCst), 0, "still gated");

    gate.add_permits(1);
    timeout(LIMIT, async {
        while m.peek().map(|t| t.secret().to_owned()).as_deref() != Some("tok-1") {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("refreshed token arrives");
    for _ in 0..100 {
        assert_eq!(m.token().await.unwrap().secret(), "tok-1");
    }
    assert_eq!(issuer.requests.load(Ordering::SeqCst), 1);
    assert_eq!(fetcher.started.load(Ordering::SeqCst), 1);
    assert_eq!(
        store.get("wechat:wx1").await.unwrap().unwrap().secret(),
        "tok-1",
        "the new token is shared through the store"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidate_drops_only_the_token_that_failed() {
    let (server, issuer) = token_server().await;
    let m = manager(HttpFetcher::new(&server, None));

    let t1 = m.token().await.unwrap();
    assert_eq!(t1.secret(), "tok-1");

    // A token we never handed out: nothing happens.
    m.invalidate(&AccessToken::expiring_in("other", Duration::from_secs(60)))
        .await;
    assert_eq!(m.peek(), Some(t1.clone()));

    m.invalidate(&t1).await;
    assert_eq!(m.peek(), None);
    let t2 = m.token().await.unwrap();
    assert_eq!(t2.secret(), "tok-2");

    // A slow call reports tok-1 again after it was replaced: tok-2 must survive.
    m.invalidate(&t1).await;
    assert_eq!(m.peek(), Some(t2.clone()));
    assert_eq!(issuer.requests.load(Ordering::SeqCst), 2);

    // A burst of 40001s for the same token: one refresh, everyone ends on the new token.
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let m = m.clone();
            let t2 = t2.clone();
            tokio::spawn(async move {
                m.invalidate(&t2).await;
                m.token().await
            })
        })
        .collect();
    for t in tasks {
        let got = timeout(LIMIT, t).await.expect("bounded").unwrap().unwrap();
        assert_eq!(got.secret(), "tok-3");
    }
    assert_eq!(issuer.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fetch_reaches_every_waiter_and_the_next_call_retries() {
    let (server, issuer) = token_server().await;
    let gate = Arc::new(Semaphore::new(0));
    let m = manager(HttpFetcher::new(&server, Some(gate.clone())));
    issuer.busy.store(true, Ordering::SeqCst);

    let entered = Arc::new(AtomicUsize::new(0));
    let (calls, ()) = timeout(
        LIMIT,
        futures_join(
            many_callers(&m, 300, &entered),
            release_when_entered(&gate, &entered, 300),
        ),
    )
    .await
    .expect("bounded");
    assert_eq!(calls.waited, 300);
    assert_eq!(issuer.requests.load(Ordering::SeqCst), 1);
    for r in &calls.results {
        assert_eq!(
            r.as_ref().unwrap_err(),
            &TokenError::Refused {
                code: -1,
                message: "system error".into()
            }
        );
    }

    issuer.busy.store(false, Ordering::SeqCst);
    gate.add_permits(1);
    let t = timeout(LIMIT, m.token()).await.expect("bounded").unwrap();
    assert_eq!(t.secret(), "tok-2");
    assert_eq!(issuer.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_token_endpoint_fails_within_the_timeout() {
    let server = MockServer::start().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "late", "expires_in": 7200}))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    let m = TokenManager::builder(HttpFetcher::new(&server, None))
        .timeout(Duration::from_millis(600))
        .lock_lease(Duration::from_millis(400))
        .build();
    let started = std::time::Instant::now();
    let err = timeout(Duration::from_secs(5), m.token())
        .await
        .expect("bounded by the manager's own timeout")
        .unwrap_err();
    assert!(matches!(err, TokenError::Upstream(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_central_provider_closure_serves_tokens_and_receives_invalidations() {
    let central = MockServer::start().await;
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    Mock::given(method("GET"))
        .and(path("/central/wechat/wx1"))
        .respond_with(move |_: &Request| {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"access_token": format!("central-{n}"), "expires_in": 7200}),
            )
        })
        .mount(&central)
        .await;
    Mock::given(method("POST"))
        .and(path("/central/wechat/wx1/invalidate"))
        .and(body_json(serde_json::json!({"failed": "central-1"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&central)
        .await;

    let http = reqwest::Client::new();
    let base = central.uri();
    let (h1, b1) = (http.clone(), base.clone());
    let source: Arc<dyn TokenSource> = Arc::new(
        provider_fn(move || {
            let (http, url) = (h1.clone(), format!("{b1}/central/wechat/wx1"));
            async move { fetch_wechat_token(&http, &url).await }
        })
        .on_invalidate(move |failed: AccessToken| {
            let (http, url) = (
                http.clone(),
                format!("{base}/central/wechat/wx1/invalidate"),
            );
            async move {
                let _ = http
                    .post(url)
                    .json(&serde_json::json!({"failed": failed.secret()}))
                    .send()
                    .await;
            }
        }),
    );

    let t1 = source.token().await.unwrap();
    assert_eq!(t1.secret(), "central-1");
    source.invalidate(&t1).await;
    let t2 = source.token().await.unwrap();
    assert_eq!(t2.secret(), "central-2");
    assert_eq!(served.load(Ordering::SeqCst), 2);
    central.verify().await;

    // Without a callback, invalidation is a no-op rather than an error.
    let plain = provider_fn(|| async {
        Ok::<_, TokenError>(AccessToken::expiring_in("p", Duration::from_secs(60)))
    });
    plain.invalidate(&t1).await;
    assert_eq!(plain.token().await.unwrap().secret(), "p");
}

#[tokio::test]
async fn fetcher_closures_plug_into_the_manager_and_debug_output_has_no_secret() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let m = TokenManager::builder(Arc::new(fetcher_fn(move || {
        let n = c.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            Ok::<_, TokenError>(AccessToken::expiring_in(
                format!("s3cret-{n}"),
                Duration::from_secs(7200),
            ))
        }
    })))
    .key("wechat:wx1")
    .build();
    let t = m.token().await.unwrap();
    assert_eq!(t.secret(), "s3cret-1");
    assert_eq!(m.token().await.unwrap(), t);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    for debug in [format!("{m:?}"), format!("{t:?}")] {
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}

/// `join` without pulling in the futures crate.
async fn futures_join<A, B>(a: A, b: B) -> (A::Output, B::Output)
where
    A: std::future::Future,
    B: std::future::Future,
{
    tokio::join!(a, b)
}
