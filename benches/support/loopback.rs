//! What the call-overhead bench and probe share: a loopback server answering the docs'
//! code2Session example, and the same call written by hand with reqwest + serde_json.

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const BODY: &str = r#"{"openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA"}"#;

/// A minimal keep-alive HTTP/1.1 server answering every request with the docs' example,
/// so that the measured difference is the clients', not the server's.
pub async fn serve() -> String {
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
pub struct HandWritten {
    openid: String,
    session_key: String,
    unionid: Option<String>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

/// The baseline: code2Session by hand — the same query, a per-request timeout, one
/// parse that reads the status fields with the payload.
pub async fn hand_written(http: &reqwest::Client, url: &str) -> HandWritten {
    let resp = http
        .get(url)
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
    parsed
}
