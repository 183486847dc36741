//! Per-call overhead of the generated client: `wx.auth().code2_session(..)` against a
//! hand-written reqwest + serde_json call of the same endpoint, same local server, same
//! reqwest client, run side by side. Run: `cargo bench --bench call_overhead`.
//! (Wall time on a shared VM varies run to run; `examples/overhead_probe.rs` counts
//! instructions of the same two calls, a figure that does not.)

use criterion::{criterion_group, criterion_main, Criterion};
use miniapp::wechat::{auth::Code2SessionRequest, Client};

#[path = "support/loopback.rs"]
mod loopback;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = rt.block_on(loopback::serve());
    let http = reqwest::Client::new();
    let wx = Client::builder("wx-app", "secret")
        .base_url(&base)
        .http_client(http.clone())
        .build();
    let url = format!("{base}/sns/jscode2session");

    let mut group = c.benchmark_group("code2session_call");
    group.bench_function("baseline_hand_written_reqwest", |b| {
        b.to_async(&rt)
            .iter(|| async { std::hint::black_box(loopback::hand_written(&http, &url).await) })
    });
    group.bench_function("generated_client", |b| {
        b.to_async(&rt).iter(|| async {
            std::hint::black_box(
                wx.auth()
                    .code2_session(Code2SessionRequest::new("CODE"))
                    .await
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
