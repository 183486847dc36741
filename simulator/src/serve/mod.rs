//! The simulator's HTTP/1 server: its own accept loop, so that it can bound what
//! clients hold (axum's `serve` has no knobs).
//!
//! * At most [`ServerLimits::max_connections`] connections are served at once; the
//!   next one is accepted and waits for a slot, the ones after it wait in the listen
//!   backlog — so the process never runs out of file descriptors. While one waits, the
//!   server is *crowded*: connections that are silent or still sending a head get at
//!   most a second more ([`clock::CROWDED_GRACE`]), so a flood of slow or idle clients
//!   delays others by about a second each round instead of locking them out.
//! * A connection that sends nothing for the idle timeout (before its first request,
//!   or after an answer) is closed; so is one whose request head is not complete
//!   within the header timeout of its first byte, and one that does not read its
//!   answer for the idle timeout. A request's body must arrive within the body timeout
//!   (the handler answers 408 otherwise).
//! * Stopping lets requests in flight finish and closes idle connections.

mod app;
mod clock;
mod watch;

pub(crate) use app::App;
use clock::Clock;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch as signal, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use watch::{Tracked, Watched};

/// Connections served at once unless told otherwise — fewer when the process's
/// open-file limit leaves less than this plus 64 (read from `/proc/self/limits` on
/// Linux), so that accepting never runs out of file descriptors.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long a request's head may take from its first byte unless told otherwise.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may stay silent (before a request, or not reading its answer)
/// unless told otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a request's body may take to arrive unless told otherwise.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// File descriptors left for the rest of the process (outgoing notifications, the
/// listener, logs) when the connection limit comes from the open-file limit.
const RESERVED_FILES: u64 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServerLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for ServerLimits {
    /// The defaults above; the connection limit at most the open-file limit less
    /// [`RESERVED_FILES`] (where the process can tell its limit: Linux).
    fn default() -> Self {
        let by_files = open_file_limit()
            .map(|files| files.saturating_sub(RESERVED_FILES).max(1))
            .and_then(|n| usize::try_from(n).ok());
        ServerLimits {
            max_connections: by_files
                .map_or(DEFAULT_MAX_CONNECTIONS, |n| n.min(DEFAULT_MAX_CONNECTIONS)),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere
/// or when unlimited.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What the server has done with connections, for `GET /_admin/health`.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    open: AtomicUsize,
    timed_out: AtomicU64,
    /// Every slot is taken and a client waits for one.
    crowded: Arc<AtomicBool>,
}

impl Connections {
    pub fn open(&self) -> usize {
        self.open.load(Relaxed)
    }
    /// Connections closed for being too slow (silent, a slow head, an unread answer).
    pub fn timed_out(&self) -> u64 {
        self.timed_out.load(Relaxed)
    }
}

/// Serves `app` on `listener` until `stop` fires (or its sender is dropped), then
/// waits for the connections to finish what they are doing.
pub(crate) async fn run(
    listener: TcpListener,
    app: App,
    limits: ServerLimits,
    connections: Arc<Connections>,
    stop: oneshot::Receiver<()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (closing, closing_rx) = signal::channel(false);
    // Tells every connection that the server became crowded, or no longer is, so
    // that each looks at its allowance again.
    let (crowd, crowd_rx) = signal::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(stop);
    loop {
        while tasks.try_join_next().is_some() {}
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    backoff(e).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        // Beyond the limit this one waits (and the next ones in the backlog), and the
        // connections that hold their slots for nothing are hurried.
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                connections.crowded.store(true, Relaxed);
                crowd.send_replace(true);
                let permit = tokio::select! {
                    permit = slots.clone().acquire_owned() => permit.ok(),
                    _ = &mut stop => None,
                };
                connections.crowded.store(false, Relaxed);
                crowd.send_replace(false);
                match permit {
                    Some(permit) => permit,
                    None => break, // stopping (the semaphore is ours: never closed)
                }
            }
        };
        let connection = Connection {
            app: app.clone(),
            limits,
            connections: connections.clone(),
            closing: closing_rx.clone(),
            crowd: crowd_rx.clone(),
            _slot: permit,
        };
        connections.open.fetch_add(1, Relaxed);
        tasks.spawn(connection.serve(stream));
    }
    drop(listener);
    let _ = closing.send(true);
    while tasks.join_next().await.is_some() {}
}

/// After a failed accept: a connection that went away before it was accepted is
/// nothing; anything else (out of file descriptors) is waited out, not spun on.
async fn backoff(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted};
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted) {
        return;
    }
    tracing::warn!(error = %e, "miniapp simulator: cannot accept a connection; retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

struct Connection {
    app: App,
    limits: ServerLimits,
    connections: Arc<Connections>,
    closing: signal::Receiver<bool>,
    crowd: signal::Receiver<bool>,
    /// Held while the connection lives: its place among `max_connections`.
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream) {
        // Answers are written whole; no need to wait for more to fill a packet.
        let _ = stream.set_nodelay(true);
        let clock = Arc::new(Clock::new(
            self.limits.idle_timeout,
            self.limits.header_timeout,
            self.connections.crowded.clone(),
        ));
        let io = TokioIo::new(Watched::new(stream, clock.clone()));
        let service = Tracked {
            app: self.app.clone(),
            clock: clock.clone(),
        };
        let mut builder = http1::Builder::new();
        // The clock bounds the head (from its first byte, not from the last answer).
        builder.header_read_timeout(None);
        let conn = builder.serve_connection(io, service);
        tokio::pin!(conn);
        let closing = async {
            // Dropped here, the guard `wait_for` returns must not live across an await.
            let _ = self.closing.wait_for(|closing| *closing).await;
        };
        tokio::pin!(closing);
        let result = loop {
            tokio::select! {
                result = conn.as_mut() => break result,
                () = &mut closing => {
                    conn.as_mut().graceful_shutdown();
                    break conn.await;
                }
                // Polled again, the connection's socket looks at its allowance again.
                changed = self.crowd.changed() => {
                    if changed.is_err() {
                        // The server is gone: only the connection is left to finish.
                        break conn.await;
                    }
                }
            }
        };
        if clock.timed_out() {
            self.connections.timed_out.fetch_add(1, Relaxed);
        }
        if let Err(e) = result {
            tracing::debug!(error = %e, "miniapp simulator: connection ended");
        }
        self.connections.open.fetch_sub(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_fits_the_open_file_limit() {
        let limits = ServerLimits::default();
        assert!(limits.max_connections >= 1);
        assert!(limits.max_connections <= DEFAULT_MAX_CONNECTIONS);
        if let Some(files) = open_file_limit() {
            assert!(limits.max_connections as u64 <= files.max(RESERVED_FILES + 1));
        }
    }
}
