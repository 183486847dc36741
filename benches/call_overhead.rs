//! Per-call overhead of the generated client: `wx.auth().code2_session(..)` against a
//! hand-written reqwest + serde_json call of the same endpoint, same local server, same
//! reqwest client, run side by side. Run: `cargo bench --bench call_overhead`.

use criterion::{criterion_group, criterion_main, Criterion};
use miniapp::wechat::{auth::Code2SessionRequest, Client};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BODY: &str = r#"{"openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA"}"#;

/// A minimal keep-alive HTTP/1.1 server answering every request with the docs' example,
/// so that the measured difference is the clients', not the server's.
async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{BODY}",
                    BODY.len()
                );
                let mut buf = vec![0u8; 8192];
                let mut pending = Vec::new();
                loop {
                    let n = match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    pending.extend_from_slice(&buf[..n]);
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        if sock.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct HandWritten {
    openid: String,
    session_key: String,
    unionid: Option<String>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = rt.block_on(serve());
    let http = reqwest::Client::new();
    let wx = Client::builder("wx-app", "secret")
        .base_url(&base)
        .http_client(http.clone())
        .build();
    let url = format!("{base}/sns/jscode2session");

    let mut group = c.benchmark_group("code2session_call");
    group.bench_function("baseline_hand_written_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let resp = http
                .get(&url)
                .query(&[
                    ("appid", "wx-app"),
                    ("secret", "secret"),
                    ("grant_type", "authorization_code"),
                    ("js_code", "CODE"),
                ])
                .timeout(std::time::Duration::from_secs(5))
                .send()
                .await
                .unwrap();
            let bytes = resp.bytes().await.unwrap();
            let parsed: HandWritten = serde_json::from_slice(&bytes).unwrap();
            assert!(parsed.errcode.unwrap_or(0) == 0);
            std::hint::black_box(parsed)
        })
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
