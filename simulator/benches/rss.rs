//! The standalone server's memory under the request log's worst case: the release
//! binary (`miniapp-simulator --port 0`, default limits) is sent 150 POSTs of 4 MB to a
//! route no platform has, one after the other on one keep-alive connection; then its
//! whole log is read, page after page, through `GET /_admin/requests`. Its resident set
//! (`VmRSS` in /proc/PID/status) is read at start, after the posts and after the read,
//! with its peak (`VmHWM`). Target: at most 64 MB after the read. Linux only.
//!
//! `cargo bench -p miniapp-simulator --bench rss`

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use support::Conn;

const POSTS: usize = 150;
const BODY: usize = 4 * 1024 * 1024;
const TARGET_MB: f64 = 64.0;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_miniapp-simulator"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    let url = first
        .strip_prefix("miniapp simulator listening on http://")
        .expect("the listening line");
    let addr: SocketAddr = url.parse().unwrap();
    let pid = server.0.id();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let start = memory(pid);
        let body = vec![b'a'; BODY];
        let mut conn = Conn::open(addr).await;
        for n in 0..POSTS {
            let request = support::post(&format!("/nowhere/{n}"), "text/plain", &body);
            let (status, _) = conn.send(&request).await;
            assert_eq!(status, 404);
        }
        let posted = memory(pid);
        let (mut pages, mut requests, mut bytes) = (0, 0, 0);
        let mut next = Some("/_admin/requests?limit=1000".to_owned());
        while let Some(path) = next.take() {
            let (status, page) = conn.send(&support::get(&path)).await;
            assert_eq!(status, 200);
            bytes += page.len();
            pages += 1;
            let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
            requests += page["requests"].as_array().unwrap().len();
            next = page["next"].as_str().map(str::to_owned);
        }
        let read = memory(pid);
        println!("start:                 {start}");
        println!("after {POSTS} x 4 MB posts: {posted}");
        println!(
            "after reading the log ({requests} requests, {pages} pages, {:.1} MB): {read}",
            bytes as f64 / 1e6
        );
        println!(
            "RSS after the read {:.1} MB (target <= {TARGET_MB} MB), peak {:.1} MB",
            read.rss_mb, read.peak_mb
        );
    });
}

struct Memory {
    rss_mb: f64,
    peak_mb: f64,
}

impl std::fmt::Display for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VmRSS {:.1} MB, VmHWM {:.1} MB",
            self.rss_mb, self.peak_mb
        )
    }
}

/// `VmRSS` and `VmHWM` of the process, in MB (10^6 bytes).
fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb = |field: &str| -> f64 {
        let line = status.lines().find(|l| l.starts_with(field)).unwrap();
        let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024.0 / 1e6
    };
    Memory {
        rss_mb: kb("VmRSS:"),
        peak_mb: kb("VmHWM:"),
    }
}
