//! What the simulator's benches share: servers on threads of their own (a current-thread
//! runtime each, as the `miniapp-simulator` binary runs), and a lean keep-alive HTTP/1.1
//! load generator, so that the figures are the servers' cost, not a client library's.

#![allow(dead_code)] // each bench uses part of it

use std::future::Future;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Runs `serve` on a new thread with a current-thread runtime; `serve` reports its
/// address through the sender and then runs until the process ends.
pub fn server_thread<F, Fut>(serve: F) -> SocketAddr
where
    F: FnOnce(mpsc::Sender<SocketAddr>) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(serve(tx));
    });
    rx.recv().expect("the server reports its address")
}

/// One keep-alive connection that sends whole requests and reads whole answers.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Where reads land, kept: zeroing 16 KiB per request would cost the client more
    /// than a server's whole answer.
    chunk: Box<[u8]>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
            chunk: vec![0; 16 * 1024].into_boxed_slice(),
        }
    }

    /// Sends `request` (a whole HTTP/1.1 request) and returns the answer's status and
    /// body (answers carry a Content-Length).
    pub async fn send(&mut self, request: &[u8]) -> (u16, Vec<u8>) {
        self.stream.write_all(request).await.unwrap();
        self.buf.clear();
        let head_end = loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                break end + 4;
            }
            let n = self.stream.read(&mut self.chunk).await.unwrap();
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&self.chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_ascii_lowercase();
        let status = head[9..12].parse().unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse().unwrap())
            .expect("a content-length");
        while self.buf.len() < head_end + length {
            let n = self.stream.read(&mut self.chunk).await.unwrap();
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&self.chunk[..n]);
        }
        (status, self.buf[head_end..head_end + length].to_vec())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A GET of `path_and_query` as bytes.
pub fn get(path_and_query: &str) -> Vec<u8> {
    format!("GET {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n").into_bytes()
}

/// `connections` connections send `request` one after the other, each as fast as
/// answers come, for `time`; returns answers per second. Every answer must be 200.
pub async fn load(addr: SocketAddr, request: &[u8], connections: usize, time: Duration) -> f64 {
    let mut conns = Vec::new();
    for _ in 0..connections {
        conns.push(Conn::open(addr).await);
    }
    let start = Instant::now();
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let request = request.to_vec();
            tokio::spawn(async move {
                let mut done = 0u64;
                while start.elapsed() < time {
                    let (status, body) = conn.send(&request).await;
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
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
    total as f64 / start.elapsed().as_secs_f64()
}

/// Mean of the figures.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// A POST of `body` to `path` as bytes.
pub fn post(path: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}
