//! New WeChat Pay orders per second through the SDK's client
//! (`miniapp::wechatpay::Client::pay().unified_order`, signed, XML both ways) against the
//! simulator: the first 20,000 orders of an empty simulator, then, once it holds
//! 100,000 (the default cap: placing more evicts the oldest, the steady state of a
//! long-running simulator), 20,000 more. The simulator runs on a current-thread runtime
//! of its own, as the binary does; the client places orders from 16 tasks on another
//! thread. Target: the rate with 100,000 stored within 20 % of the rate from empty.
//!
//! `cargo bench -p miniapp-simulator --bench orders`

mod support;

use miniapp::wechatpay::pay::{TradeType, UnifiedOrderRequest};
use miniapp::wechatpay::Client;
use miniapp_simulator::{
    Simulator, DEFAULT_APP_ID, DEFAULT_MAX_ORDERS, DEFAULT_MERCHANT_ID, DEFAULT_SECRET,
};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;
use support::{mean, server_thread, Conn};

const TASKS: u64 = 16;
const ROUNDS: usize = 3;
/// Orders timed in each window.
const WINDOW: u64 = 20_000;

fn main() {
    let addr = server_thread(|tx| async move {
        let sim = Simulator::builder()
            .only(&["wechatpay"])
            .start()
            .await
            .unwrap();
        tx.send(sim.addr()).unwrap();
        std::future::pending::<()>().await;
    });
    let client = Client::builder(DEFAULT_APP_ID, DEFAULT_MERCHANT_ID, DEFAULT_SECRET)
        .base_url(format!("http://{addr}/wechatpay"))
        .build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let serial = Arc::new(AtomicU64::new(0));
        // Warm up (connections, allocator).
        place(&client, &serial, 5_000).await;
        let (mut empty, mut full) = (vec![], vec![]);
        for round in 1..=ROUNDS {
            let reset = support::post("/_admin/reset-merchants", "application/json", b"");
            let (status, _) = Conn::open(addr).await.send(&reset).await;
            assert_eq!(status, 200);
            assert_eq!(stored_orders(addr).await, 0);
            let none = place(&client, &serial, WINDOW).await;
            let started = Instant::now();
            let rest = DEFAULT_MAX_ORDERS as u64 - WINDOW;
            let filled = place(&client, &serial, rest).await;
            println!(
                "  (filled to {DEFAULT_MAX_ORDERS} orders in {:.1} s: {filled:.0} orders/s)",
                started.elapsed().as_secs_f64()
            );
            assert_eq!(stored_orders(addr).await, DEFAULT_MAX_ORDERS);
            let many = place(&client, &serial, WINDOW).await;
            assert_eq!(stored_orders(addr).await, DEFAULT_MAX_ORDERS, "the cap holds");
            println!(
                "round {round}: first {WINDOW} {none:>6.0} orders/s   {WINDOW} more with {DEFAULT_MAX_ORDERS} stored {many:>6.0} orders/s   ratio {:.2}",
                many / none
            );
            empty.push(none);
            full.push(many);
        }
        let (e, f) = (mean(&empty), mean(&full));
        println!(
            "unifiedOrder through the SDK client, {TASKS} tasks, {ROUNDS} rounds: from empty {e:.0} orders/s, with {DEFAULT_MAX_ORDERS} stored {f:.0} orders/s, ratio {:.2} (target >= 0.80)",
            f / e
        );
    });
}

fn order(no: u64) -> UnifiedOrderRequest {
    UnifiedOrderRequest::new(
        "bench",
        format!("BENCH-{no:012}"),
        1,
        "127.0.0.1",
        "http://127.0.0.1:9/notify",
        TradeType::Jsapi,
    )
    .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
}

/// Places `count` new orders from [`TASKS`] tasks; returns orders per second.
async fn place(client: &Client, serial: &Arc<AtomicU64>, count: u64) -> f64 {
    let start = Instant::now();
    let placed = Arc::new(AtomicU64::new(0));
    let done = run(client, serial, move |_| {
        placed.fetch_add(1, Relaxed) < count
    })
    .await;
    assert_eq!(done, count);
    done as f64 / start.elapsed().as_secs_f64()
}

async fn run(
    client: &Client,
    serial: &Arc<AtomicU64>,
    more: impl Fn(u64) -> bool + Clone + Send + 'static,
) -> u64 {
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (client, serial, more) = (client.clone(), serial.clone(), more.clone());
            tokio::spawn(async move {
                let mut done = 0;
                while more(done) {
                    let no = serial.fetch_add(1, Relaxed);
                    client.pay().unified_order(order(no)).await.unwrap();
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    total
}

/// How many orders the simulator holds, from its admin API.
async fn stored_orders(addr: std::net::SocketAddr) -> usize {
    let (status, body) = Conn::open(addr)
        .await
        .send(&support::get("/_admin/health"))
        .await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    health["merchants"]["wechatpay"]["orders"]
        .as_u64()
        .expect("the order count in health") as usize
}
