//! The standalone server under a flood of slow clients with few file descriptors: the
//! release binary started under `ulimit -n 128` (so its connection limit is 64), 200
//! connections that each send half a request head and then nothing, then one ordinary
//! client's `GET /_admin/health`. Prints how long the ordinary client waited for its
//! answer and how many of the slow connections the server had closed by then. Linux
//! (needs `bash` for `ulimit`).
//!
//! `cargo bench -p miniapp-simulator --bench crowd`

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Conn;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SLOW: usize = 200;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let binary = env!("CARGO_BIN_EXE_miniapp-simulator");
    let mut child = Command::new("bash")
        .args(["-c", &format!("ulimit -n 128 && exec '{binary}' --port 0")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bash starts the binary");
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    let addr: SocketAddr = first
        .strip_prefix("miniapp simulator listening on http://")
        .expect("the listening line")
        .parse()
        .unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let started = Instant::now();
        let mut slow = Vec::new();
        for _ in 0..SLOW {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(b"GET /_admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await
                .unwrap();
            slow.push(stream);
        }
        let opened = started.elapsed();
        let asked = Instant::now();
        let (status, body) = Conn::open(addr)
            .await
            .send(&support::get("/_admin/health"))
            .await;
        let waited = asked.elapsed();
        assert_eq!(status, 200);
        let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let mut closed = 0;
        for stream in &mut slow {
            let mut byte = [0u8; 1];
            let read = tokio::time::timeout(Duration::from_millis(5), stream.read(&mut byte));
            if matches!(read.await, Ok(Ok(0) | Err(_))) {
                closed += 1;
            }
        }
        println!(
            "{SLOW} half-sent requests connected in {:.2} s; an ordinary client answered after {:.2} s; {closed} of the {SLOW} closed by then; connections {}",
            opened.as_secs_f64(),
            waited.as_secs_f64(),
            health["connections"]
        );
    });
}
