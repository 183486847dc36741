//! Access-token hot path and refresh costs, next to plain baselines.
//!
//! Run: `cargo bench -p miniapp --features redis --bench token`
//! (without `--features redis`, or without `redis-server` on PATH, the Redis benches are
//! skipped with a message).
//!
//! - `hot/*`: one task asking for a cached, valid token, against an `Arc` clone, an
//!   `AccessToken` clone and a `std::sync::RwLock` read + clone (what the manager does at
//!   its core) and a `tokio::sync::Mutex` lock + clone (the convoy it avoids).
//! - `contended64/*`: 64 tasks on a 2-worker runtime asking at once; time per call.
//! - `redis/*`: the same cached read with a RedisStore behind the manager, a raw store
//!   GET round trip, and a contended refresh: 8 managers (as 8 instances) x 8 callers
//!   after the token was rejected, until every caller has the new token.

use criterion::{criterion_group, criterion_main, Criterion};
use miniapp::token::{fetcher_fn, AccessToken, TokenError, TokenManager, TokenSource};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

fn counting_manager(calls: Arc<AtomicUsize>) -> TokenManager {
    TokenManager::builder(Arc::new(fetcher_fn(move || {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            Ok::<_, TokenError>(AccessToken::expiring_in(
                format!("ACCESS_TOKEN_{n}_{}", "x".repeat(120)),
                Duration::from_secs(7200),
            ))
        }
    })))
    .key("wechat:wxbench")
    .build()
}

fn sample_token() -> AccessToken {
    AccessToken::expiring_in(
        format!("ACCESS_TOKEN_0_{}", "x".repeat(120)),
        Duration::from_secs(7200),
    )
}

fn hot(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let m = counting_manager(Arc::default());
    rt.block_on(m.token()).unwrap();

    let token = sample_token();
    let arc = Arc::new(token.clone());
    let rwlock = RwLock::new(Some(token.clone()));
    let mutex = tokio::sync::Mutex::new(token.clone());

    let mut g = c.benchmark_group("hot");
    g.bench_function("manager_token", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(m.token().await.unwrap()) })
    });
    g.bench_function("manager_peek", |b| b.iter(|| black_box(m.peek())));
    g.bench_function("baseline_arc_clone", |b| {
        b.iter(|| black_box(Arc::clone(&arc)))
    });
    g.bench_function("baseline_token_clone", |b| {
        b.iter(|| black_box(token.clone()))
    });
    g.bench_function("baseline_rwlock_read_clone", |b| {
        b.iter(|| black_box(rwlock.read().unwrap().clone()))
    });
    g.bench_function("baseline_system_time_now", |b| {
        b.iter(|| black_box(std::time::SystemTime::now()))
    });
    // What the manager must do at least: read the clock, check expiry under a read
    // lock, clone.
    g.bench_function("baseline_rwlock_read_expiry_check_clone", |b| {
        b.iter(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64;
            let guard = rwlock.read().unwrap();
            black_box(
                guard
                    .as_ref()
                    .filter(|t| now + 240_000 < t.expires_at_ms())
                    .cloned(),
            )
        })
    });
    g.bench_function("baseline_tokio_mutex_clone", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(mutex.lock().await.clone()) })
    });
    g.finish();
}

const TASKS: u64 = 64;

/// Time per call with `TASKS` tasks calling `op` concurrently on a 2-worker runtime.
fn contended<F, Fut>(rt: &tokio::runtime::Runtime, iters: u64, op: F) -> Duration
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let per_task = iters.div_ceil(TASKS);
    rt.block_on(async move {
        let start = Arc::new(tokio::sync::Barrier::new(TASKS as usize + 1));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let op = op.clone();
                let start = start.clone();
                tokio::spawn(async move {
                    start.wait().await;
                    for _ in 0..per_task {
                        op().await;
                    }
                })
            })
            .collect();
        start.wait().await;
        let began = Instant::now();
        for t in tasks {
            t.await.unwrap();
        }
        // Scale back to the `iters` criterion asked for.
        began
            .elapsed()
            .mul_f64(iters as f64 / (per_task * TASKS) as f64)
    })
}

fn contended64(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let m = counting_manager(Arc::default());
    rt.block_on(m.token()).unwrap();
    let token = sample_token();
    let arc = Arc::new(token.clone());
    let rwlock = Arc::new(RwLock::new(Some(token.clone())));
    let mutex = Arc::new(tokio::sync::Mutex::new(token));

    let mut g = c.benchmark_group("contended64");
    g.bench_function("manager_token", |b| {
        b.iter_custom(|iters| {
            let m = m.clone();
            contended(&rt, iters, move || {
                let m = m.clone();
                async move {
                    black_box(m.token().await.unwrap());
                }
            })
        })
    });
    g.bench_function("baseline_arc_clone", |b| {
        b.iter_custom(|iters| {
            let arc = arc.clone();
            contended(&rt, iters, move || {
                let arc = arc.clone();
                async move {
                    black_box(Arc::clone(&arc));
                }
            })
        })
    });
    g.bench_function("baseline_rwlock_read_clone", |b| {
        b.iter_custom(|iters| {
            let rwlock = rwlock.clone();
            contended(&rt, iters, move || {
                let rwlock = rwlock.clone();
                async move {
                    black_box(rwlock.read().unwrap().clone());
                }
            })
        })
    });
    g.bench_function("baseline_tokio_mutex_clone", |b| {
        b.iter_custom(|iters| {
            let mutex = mutex.clone();
            contended(&rt, iters, move || {
                let mutex = mutex.clone();
                async move {
                    black_box(mutex.lock().await.clone());
                }
            })
        })
    });
    g.finish();
}

#[cfg(feature = "redis")]
mod redis_benches {
    use super::*;
    use miniapp::token::{RedisStore, TokenStore};

    pub struct RedisServer(std::process::Child, pub String);

    impl Drop for RedisServer {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    pub fn start(rt: &tokio::runtime::Runtime) -> Option<RedisServer> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let server = RedisServer(child, format!("redis://127.0.0.1:{port}/"));
        let store = RedisStore::new(&server.1).ok()?;
        let ready = rt.block_on(async {
            for _ in 0..500 {
                if store.get("ping").await.is_ok() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            false
        });
        ready.then_some(server)
    }

    pub fn redis(c: &mut Criterion) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let Some(server) = start(&rt) else {
            eprintln!("redis benches NOT RUN: redis-server not found or did not start");
            return;
        };
        let fetches = Arc::new(AtomicUsize::new(0));
        let fetcher = {
            let fetches = fetches.clone();
            Arc::new(fetcher_fn(move || {
                let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    Ok::<_, TokenError>(AccessToken::expiring_in(
                        format!("ACCESS_TOKEN_{n}"),
                        Duration::from_secs(7200),
                    ))
                }
            }))
        };
        let instances_polling = |poll: Duration| -> Vec<TokenManager> {
            (0..8)
                .map(|_| {
                    TokenManager::builder(fetcher.clone())
                        .key("wechat:wxbench")
                        .store(Arc::new(RedisStore::new(&server.1).unwrap()))
                        .poll_interval(poll)
                        .build()
                })
                .collect()
        };
        let instances = instances_polling(TokenManager::DEFAULT_POLL_INTERVAL);
        let first = rt.block_on(instances[0].token()).unwrap();
        for m in &instances[1..] {
            assert_eq!(rt.block_on(m.token()).unwrap(), first);
        }
        let raw = RedisStore::new(&server.1).unwrap();

        let mut g = c.benchmark_group("redis");
        g.bench_function("manager_token_cached", |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(instances[0].token().await.unwrap()) })
        });
        g.bench_function("store_get_round_trip", |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(raw.get("wechat:wxbench").await.unwrap()) })
        });

        g.sample_size(20);
        g.measurement_time(Duration::from_secs(5));
        for (name, poll) in [
            (
                "contended_refresh_8x8_poll20ms",
                TokenManager::DEFAULT_POLL_INTERVAL,
            ),
            ("contended_refresh_8x8_poll2ms", Duration::from_millis(2)),
        ] {
            let instances = instances_polling(poll);
            contended_refresh(&rt, &mut g, name, &instances, &fetches);
        }
        g.finish();
    }

    /// Every instance is told the token was rejected, then 8 callers per instance ask at
    /// once; measured until all 64 have the (same) new token.
    fn contended_refresh(
        rt: &tokio::runtime::Runtime,
        g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        name: &str,
        instances: &[TokenManager],
        fetches: &AtomicUsize,
    ) {
        let refreshes = AtomicUsize::new(0);
        let before = fetches.load(Ordering::SeqCst);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += rt.block_on(async {
                        let current = instances[0].token().await.unwrap();
                        for m in instances {
                            m.invalidate(&current).await;
                        }
                        let began = Instant::now();
                        let calls: Vec<_> = instances
                            .iter()
                            .flat_map(|m| (0..8).map(move |_| m.clone()))
                            .map(|m| tokio::spawn(async move { m.token().await.unwrap() }))
                            .collect();
                        let mut seen = std::collections::HashSet::new();
                        for call in calls {
                            seen.insert(call.await.unwrap().secret().to_owned());
                        }
                        assert_eq!(seen.len(), 1, "every instance got the same token");
                        began.elapsed()
                    });
                    refreshes.fetch_add(1, Ordering::Relaxed);
                }
                total
            })
        });
        eprintln!(
            "redis/{name}: {} refreshes, {} upstream fetches",
            refreshes.load(Ordering::Relaxed),
            fetches.load(Ordering::SeqCst) - before
        );
    }
}

#[cfg(feature = "redis")]
use redis_benches::redis;

#[cfg(not(feature = "redis"))]
fn redis(_: &mut Criterion) {
    eprintln!("redis benches NOT RUN: build with --features redis");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = hot, contended64, redis
}
criterion_main!(benches);
