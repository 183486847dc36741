//! Runs N code2Session calls against a loopback server, either hand-written
//! (`baseline`) or through the generated client (`generated`), so that a counter such as
//! `perf stat -e instructions` can compare the two without the noise of wall time:
//!
//! ```sh
//! cargo build --release --example overhead_probe
//! perf stat -e instructions target/release/examples/overhead_probe baseline 20000
//! perf stat -e instructions target/release/examples/overhead_probe generated 20000
//! ```
//!
//! The criterion bench `call_overhead` times the same two calls.

use miniapp::wechat::{auth::Code2SessionRequest, Client};

#[path = "../benches/support/loopback.rs"]
mod loopback;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(which), Some(n)) = (args.next(), args.next().and_then(|n| n.parse().ok())) else {
        eprintln!("usage: overhead_probe baseline|generated CALLS");
        std::process::exit(2);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let base = loopback::serve().await;
        let http = reqwest::Client::new();
        let url = format!("{base}/sns/jscode2session");
        let wx = Client::builder("wx-app", "secret")
            .base_url(&base)
            .http_client(http.clone())
            .build();
        for _ in 0..n {
            match which.as_str() {
                "baseline" => {
                    std::hint::black_box(loopback::hand_written(&http, &url).await);
                }
                _ => {
                    let session = wx.auth().code2_session(Code2SessionRequest::new("CODE"));
                    std::hint::black_box(session.await.expect("the loopback server answers"));
                }
            }
        }
    });
}
