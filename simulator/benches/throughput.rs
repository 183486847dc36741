//! code2Session through the simulator beside a bare axum handler answering the same
//! bytes: the same load (16 keep-alive connections, one request at a time each, from
//! one client thread) on each server in turn, each server on a current-thread runtime
//! of its own as the `miniapp-simulator` binary runs. The ratio is what the simulator's
//! work costs in throughput: routing, parsing, the credential check, the log, its
//! connection limits and timeouts. Target: at least 0.7 of the bare handler's rate.
//!
//! `cargo bench -p miniapp-simulator --bench throughput`

mod support;

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use miniapp_simulator::Simulator;
use std::net::SocketAddr;
use std::time::Duration;
use support::{load, mean, server_thread, Conn};

/// Connections (`THROUGHPUT_CONNECTIONS` overrides it).
const CONNECTIONS: usize = 16;
const ROUNDS: usize = 3;
const TIME: Duration = Duration::from_secs(3);
const CALL: &str = "/sns/jscode2session?appid=wx-demo-appid&secret=demo-secret&js_code=the-code&grant_type=authorization_code";

fn main() {
    let simulator = server_thread(|tx| async move {
        let sim = Simulator::start().await.unwrap();
        tx.send(sim.addr()).unwrap();
        std::future::pending::<()>().await;
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let connections = std::env::var("THROUGHPUT_CONNECTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CONNECTIONS);
    runtime.block_on(async {
        let request = support::get(CALL);
        // The bare handler answers exactly the simulator's bytes.
        let (status, body) = Conn::open(simulator).await.send(&request).await;
        assert_eq!(status, 200);
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("openid"), "{body}");
        let bare = bare(body);
        // `THROUGHPUT_PROBE=simulator:N` (or `bare:N`): N requests on one connection to
        // one server, then exit — for counting instructions per request with callgrind.
        if let Ok(probe) = std::env::var("THROUGHPUT_PROBE") {
            let (server, n) = probe.split_once(':').expect("server:N");
            let addr = if server == "bare" { bare } else { simulator };
            let mut conn = Conn::open(addr).await;
            for _ in 0..n.parse::<usize>().expect("a count") {
                assert_eq!(conn.send(&request).await.0, 200);
            }
            return;
        }

        // Warm both up (connections, allocator, caches).
        load(bare, &request, connections, Duration::from_secs(1)).await;
        load(simulator, &request, connections, Duration::from_secs(1)).await;
        let (mut bare_rates, mut sim_rates) = (vec![], vec![]);
        for round in 1..=ROUNDS {
            let b = load(bare, &request, connections, TIME).await;
            let s = load(simulator, &request, connections, TIME).await;
            println!(
                "round {round}: bare axum {b:>8.0} req/s   simulator {s:>8.0} req/s   ratio {:.2}",
                s / b
            );
            bare_rates.push(b);
            sim_rates.push(s);
        }
        let (b, s) = (mean(&bare_rates), mean(&sim_rates));
        println!(
            "code2Session, {connections} connections, {ROUNDS} x {TIME:?} each: bare axum {b:.0} req/s, simulator {s:.0} req/s, ratio {:.2} (target >= 0.70)",
            s / b
        );
    });
}

/// A bare axum handler answering `body` as JSON, served by `axum::serve`.
fn bare(body: String) -> SocketAddr {
    server_thread(move |tx| async move {
        let app = axum::Router::new().route(
            "/sns/jscode2session",
            get(move || {
                let body = body.clone();
                async move { ([(CONTENT_TYPE, "application/json; charset=utf-8")], body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        tx.send(listener.local_addr().unwrap()).unwrap();
        axum::serve(listener, app).await.unwrap();
    })
}
