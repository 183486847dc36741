//! RedisStore against a real `redis-server` that each test starts on a free port and kills
//! at the end, with several OS processes (this test binary re-executed in worker mode)
//! sharing one token.
//!
//! Without `redis-server` on PATH these tests print "redis tests NOT RUN" and pass, unless
//! `CI` is set, where they fail: CI must run them.
#![cfg(feature = "redis")]

use miniapp::token::{
    AccessToken, BoxFuture, LockToken, RedisStore, TokenError, TokenFetcher, TokenManager,
    TokenSource, TokenStore,
};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::time::timeout;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const WORKER_ENV: &str = "MINIAPP_TOKEN_REDIS_WORKER";
const KEY: &str = "wechat:wx1";
const STORE_KEY: &str = "miniapp:token:wechat:wx1";

mod redis_support;
use redis_support::RedisServer;

// ---------------------------------------------------------------------------------------
// The upstream token endpoint and a reqwest fetcher for it

struct Issuer {
    requests: Arc<AtomicUsize>,
}

impl Respond for Issuer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(
                serde_json::json!({"access_token": format!("tok-{n}"), "expires_in": 7200}),
            )
            // Long enough that every process is still asking while the winner fetches.
            .set_delay(Duration::from_millis(150))
    }
}

async fn token_server() -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let requests = Arc::new(AtomicUsize::new(0));
    Mock::given(path("/cgi-bin/token"))
        .respond_with(Issuer {
            requests: requests.clone(),
        })
        .mount(&server)
        .await;
    (server, requests)
}

struct HttpFetcher {
    http: reqwest::Client,
    url: String,
}

impl TokenFetcher for HttpFetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            let body: serde_json::Value = self
                .http
                .get(&self.url)
                .query(&[("grant_type", "client_credential"), ("appid", "wx1")])
                .send()
                .await
                .map_err(|e| TokenError::Upstream(e.to_string()))?
                .json()
                .await
                .map_err(|e| TokenError::Upstream(e.to_string()))?;
            let value = body["access_token"]
                .as_str()
                .ok_or_else(|| TokenError::Upstream(body.to_string()))?;
            let lifetime = Duration::from_secs(body["expires_in"].as_u64().unwrap_or(0));
            Ok(AccessToken::expiring_in(value, lifetime))
        })
    }
}

fn fetcher(token_base_url: &str) -> Arc<HttpFetcher> {
    Arc::new(HttpFetcher {
        http: reqwest::Client::new(),
        url: format!("{token_base_url}/cgi-bin/token"),
    })
}

fn manager(redis_url: &str, token_base_url: &str, op_timeout: Duration) -> TokenManager {
    let store = RedisStore::new(redis_url)
        .expect("redis url")
        .op_timeout(op_timeout);
    TokenManager::builder(fetcher(token_base_url))
        .key(KEY)
        .store(Arc::new(store))
        .timeout(Duration::from_secs(2))
        .lock_lease(Duration::from_secs(1))
        .build()
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

// ---------------------------------------------------------------------------------------
// Several processes, one token

/// Not a test of its own: the body of each worker process spawned by
/// `four_processes_on_an_expired_token_make_one_upstream_request`. Without the worker
/// environment variable it returns at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_process_entry() {
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    let redis_url = std::env::var("WORKER_REDIS_URL").unwrap();
    let token_url = std::env::var("WORKER_TOKEN_URL").unwrap();
    let calls: usize = std::env::var("WORKER_CALLS").unwrap().parse().unwrap();
    let m = manager(&redis_url, &token_url, Duration::from_millis(500));

    // Start together: the parent says "go" on stdin once every worker is ready.
    println!("WORKER-READY");
    let mut line = String::new();
    BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await
        .unwrap();
    assert_eq!(line.trim(), "go");

    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move { m.token().await })
        })
        .collect();
    let mut tokens = std::collections::BTreeSet::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(token) => tokens.insert(token.secret().to_owned()),
            Err(e) => panic!("worker call failed: {e}"),
        };
    }
    let tokens: Vec<_> = tokens.into_iter().collect();
    println!("WORKER-TOKENS {}", tokens.join(","));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_on_an_expired_token_make_one_upstream_request() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let (server, requests) = token_server().await;

    // Every instance starts from a token that expired a minute ago.
    let mut raw = redis.raw().await;
    let expired = format!("{}:expired-token", unix_ms() - 60_000);
    let _: () = redis::cmd("SET")
        .arg(STORE_KEY)
        .arg(expired)
        .query_async(&mut raw)
        .await
        .unwrap();

    let exe = std::env::current_exe().unwrap();
    let mut workers = Vec::new();
    for _ in 0..4 {
        let mut child = tokio::process::Command::new(&exe)
            .args([
                "--exact",
                "worker_process_entry",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(WORKER_ENV, "1")
            .env("WORKER_REDIS_URL", redis.url())
            .env("WORKER_TOKEN_URL", server.uri())
            .env("WORKER_CALLS", "250")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("re-exec the test binary as a worker");
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        workers.push((child, stdout));
    }

    let outcome = timeout(Duration::from_secs(15), async {
        for (_, lines) in workers.iter_mut() {
            while let Some(line) = lines.next_line().await.unwrap() {
                // libtest may have printed "test worker_process_entry ... " before it.
                if line.ends_with("WORKER-READY") {
                    break;
                }
            }
        }
        for (child, _) in workers.iter_mut() {
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(b"go\n").await.unwrap();
        }
        let mut reported = Vec::new();
        for (child, lines) in workers.iter_mut() {
            let mut tokens = None;
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some((_, t)) = line.split_once("WORKER-TOKENS ") {
                    tokens = Some(t.to_owned());
                }
            }
            let status = child.wait().await.unwrap();
            assert!(status.success(), "worker failed: {status}");
            reported.push(tokens.expect("worker reported its tokens"));
        }
        reported
    })
    .await
    .expect("workers finish within 15 s");

    assert_eq!(
        outcome,
        vec!["tok-1"; 4],
        "all 4 x 250 calls got the same token"
    );
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "one upstream request in total"
    );
    let stored: String = redis::cmd("GET")
        .arg(STORE_KEY)
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(stored.ends_with(":tok-1"), "{stored}");
}

// ---------------------------------------------------------------------------------------
// Redis going away

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_gives_store_errors_within_the_timeout_then_recovers() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let (server, requests) = token_server().await;
    let m = manager(&redis.url(), &server.uri(), Duration::from_millis(300));
    let t1 = m.token().await.unwrap();
    assert_eq!(t1.secret(), "tok-1");

    redis.kill();

    // A cached token needs no store.
    assert_eq!(m.token().await.unwrap(), t1);

    // The platform rejects it; now a refresh needs the store, which is gone.
    m.invalidate(&t1).await;
    let started = Instant::now();
    let results = timeout(Duration::from_secs(5), async {
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let m = m.clone();
                tokio::spawn(async move { m.token().await })
            })
            .collect();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        results
    })
    .await
    .expect("nothing hangs");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    for r in results {
        match r {
            Err(TokenError::Store(message)) => assert!(message.contains("redis"), "{message}"),
            other => panic!("expected a store error, got {other:?}"),
        }
    }
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "no fetch without the lock"
    );

    // Opting in to a per-process refresh keeps the service going.
    let store = RedisStore::new(&redis.url())
        .unwrap()
        .op_timeout(Duration::from_millis(300));
    let local = TokenManager::builder(fetcher(&server.uri()))
        .key(KEY)
        .store(Arc::new(store))
        .timeout(Duration::from_secs(2))
        .lock_lease(Duration::from_secs(1))
        .fallback_to_local(true)
        .build();
    let t2 = timeout(Duration::from_secs(5), local.token())
        .await
        .expect("bounded")
        .expect("local fallback");
    assert_eq!(t2.secret(), "tok-2");

    // Redis comes back on the same port: the same manager reconnects by itself.
    redis.spawn().await;
    let t3 = timeout(Duration::from_secs(5), m.token())
        .await
        .expect("bounded")
        .expect("store is back");
    assert_eq!(t3.secret(), "tok-3");
    assert_eq!(
        RedisStore::new(&redis.url())
            .unwrap()
            .get(KEY)
            .await
            .unwrap(),
        Some(t3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_redis_does_not_hang_callers_past_the_op_timeout() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let (server, _) = token_server().await;
    let m = manager(&redis.url(), &server.uri(), Duration::from_millis(300));
    let t1 = m.token().await.unwrap();

    // SIGSTOP: the socket stays open but nothing answers, the worst case for a client.
    redis.signal("-STOP");
    m.invalidate(&t1).await;
    let started = Instant::now();
    let err = timeout(Duration::from_secs(5), m.token())
        .await
        .expect("nothing hangs")
        .unwrap_err();
    assert!(matches!(err, TokenError::Store(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    redis.signal("-CONT");
}

// ---------------------------------------------------------------------------------------
// The store's own guarantees

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_is_released_only_by_its_holder() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let a = RedisStore::new(&redis.url()).unwrap();
    let b = RedisStore::new(&redis.url()).unwrap();
    let lease = Duration::from_secs(30);

    let held = a.try_lock(KEY, lease).await.unwrap().expect("free lock");
    assert!(b.try_lock(KEY, lease).await.unwrap().is_none());
    // Someone who does not hold it cannot release it.
    assert!(!b.unlock(KEY, &LockToken::random()).await.unwrap());
    assert!(b.try_lock(KEY, lease).await.unwrap().is_none());
    assert!(a.unlock(KEY, &held).await.unwrap());

    // A holder whose lease ran out must not release the next holder's lock.
    let slow = a
        .try_lock(KEY, Duration::from_millis(50))
        .await
        .unwrap()
        .expect("free lock");
    let next = timeout(Duration::from_secs(5), async {
        loop {
            if let Some(lock) = b.try_lock(KEY, lease).await.unwrap() {
                return lock;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("lease expires");
    assert!(!a.unlock(KEY, &slow).await.unwrap());
    assert!(a.try_lock(KEY, lease).await.unwrap().is_none());
    assert!(b.unlock(KEY, &next).await.unwrap());

    // The lock lives under its own key with a TTL no longer than the lease.
    let _ = a.try_lock(KEY, lease).await.unwrap().unwrap();
    let mut raw = redis.raw().await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{STORE_KEY}:lock"))
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(ttl > 0 && ttl <= 30_000, "{ttl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_stored_with_their_expiry_and_deleted_only_if_unchanged() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let store = RedisStore::new(&redis.url()).unwrap();
    let a = AccessToken::expiring_in("a", Duration::from_secs(60));
    let b = AccessToken::expiring_in("b", Duration::from_secs(60));
    assert_eq!(store.get(KEY).await.unwrap(), None);
    store.put(KEY, &a).await.unwrap();
    assert_eq!(store.get(KEY).await.unwrap(), Some(a.clone()));

    // The documented layout, readable by services in other languages.
    let mut raw = redis.raw().await;
    let value: String = redis::cmd("GET")
        .arg(STORE_KEY)
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(value, format!("{}:a", a.expires_at_ms()));
    let ttl: i64 = redis::cmd("PTTL")
        .arg(STORE_KEY)
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(ttl > 55_000 && ttl <= 60_000, "{ttl}");

    assert!(!store.delete_if_equal(KEY, &b).await.unwrap());
    assert_eq!(store.get(KEY).await.unwrap(), Some(a.clone()));
    assert!(store.delete_if_equal(KEY, &a).await.unwrap());
    assert_eq!(store.get(KEY).await.unwrap(), None);

    // Garbage under the key is a store error, not a panic or a bogus token.
    let _: () = redis::cmd("SET")
        .arg(STORE_KEY)
        .arg("not a token")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(matches!(store.get(KEY).await, Err(TokenError::Store(_))));

    // Debug output names the server, never a password.
    let secret_url = format!("redis://:hunter2@127.0.0.1:{}/", redis.port);
    let debug = format!("{:?}", RedisStore::new(&secret_url).unwrap());
    assert!(!debug.contains("hunter2"), "{debug}");
}
