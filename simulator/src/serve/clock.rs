//! One connection's clock: what the connection is doing (waiting for a request, reading
//! a request's head, inside the handler) and when it must have made progress by.
//!
//! * Quiet — just opened, or its last answer written: the next request must begin
//!   within the idle timeout of the last byte written.
//! * Reading a head — a first byte arrived while quiet: the head must be complete
//!   (the handler called) within the header timeout of that byte.
//! * Busy — in the handler: no deadline here (a delay set with `/_admin/delay` is
//!   legitimate; a body's arrival is bounded by the handler's body timeout).
//!
//! The socket's reads and writes and the service's calls tell the clock what happens;
//! [`Watched`](super::watch::Watched) asks it for the deadline whenever the socket
//! would wait.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) struct Clock {
    opened: Instant,
    idle: Duration,
    header: Duration,
    /// Requests inside the handler (one at a time over HTTP/1, but a count is simpler
    /// than a flag that must never be cleared early).
    busy: AtomicU32,
    /// Milliseconds from `opened` to the start of the quiet time.
    quiet_since: AtomicU64,
    /// One more than the milliseconds from `opened` to a head's first byte; 0: no head
    /// is being read.
    head_since: AtomicU64,
    timed_out: AtomicBool,
}

impl Clock {
    pub fn new(idle: Duration, header: Duration) -> Clock {
        Clock {
            opened: Instant::now(),
            idle,
            header,
            busy: AtomicU32::new(0),
            quiet_since: AtomicU64::new(0),
            head_since: AtomicU64::new(0),
            timed_out: AtomicBool::new(false),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn at(&self, ms: u64) -> Instant {
        self.opened + Duration::from_millis(ms)
    }

    /// When the connection is to be closed unless it makes progress; `None` while a
    /// handler runs.
    pub fn deadline(&self) -> Option<Instant> {
        if self.busy.load(Relaxed) > 0 {
            return None;
        }
        let head = self.head_since.load(Relaxed);
        let deadline = match head {
            0 => self
                .at(self.quiet_since.load(Relaxed))
                .checked_add(self.idle),
            since => self.at(since - 1).checked_add(self.header),
        };
        // A timeout too large for the clock means none.
        Some(deadline.unwrap_or_else(|| self.opened + Duration::from_secs(100 * 365 * 86_400)))
    }

    /// Bytes arrived.
    pub fn read(&self) {
        if self.busy.load(Relaxed) == 0 && self.head_since.load(Relaxed) == 0 {
            self.head_since.store(self.now_ms() + 1, Relaxed);
        }
    }

    /// Bytes went out: an answer being written is progress, not silence.
    pub fn wrote(&self) {
        if self.busy.load(Relaxed) == 0 {
            self.quiet_since.store(self.now_ms(), Relaxed);
        }
    }

    /// A request's head is complete and its handler starts; the guard marks its end.
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Relaxed);
        self.head_since.store(0, Relaxed);
        Busy(self.clone())
    }

    pub fn expire(&self) {
        self.timed_out.store(true, Relaxed);
    }

    /// Was the connection closed for being too slow?
    pub fn timed_out(&self) -> bool {
        self.timed_out.load(Relaxed)
    }
}

/// A handler running; dropped when it answers (or is dropped itself).
pub(crate) struct Busy(Arc<Clock>);

impl Drop for Busy {
    fn drop(&mut self) {
        let clock = &self.0;
        clock.quiet_since.store(clock.now_ms(), Relaxed);
        clock.busy.fetch_sub(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_has_its_deadline() {
        let clock = Arc::new(Clock::new(Duration::from_secs(60), Duration::from_secs(10)));
        let quiet = clock.deadline().unwrap();
        assert_eq!(quiet, clock.opened + Duration::from_secs(60));
        clock.read();
        let head = clock.deadline().unwrap();
        assert!(head < quiet, "a head has 10 s, not 60");
        clock.read();
        assert_eq!(
            clock.deadline(),
            Some(head),
            "the first byte starts the count"
        );
        {
            let _busy = clock.begin();
            clock.read();
            clock.wrote();
            assert_eq!(clock.deadline(), None, "a handler has no deadline here");
        }
        let after = clock.deadline().unwrap();
        assert!(after >= quiet, "quiet again, from the answer on");
        assert!(!clock.timed_out());
        clock.expire();
        assert!(clock.timed_out());
    }

    #[test]
    fn huge_timeouts_mean_none() {
        let clock = Clock::new(Duration::MAX, Duration::MAX);
        assert!(clock.deadline().is_some());
        clock.read();
        assert!(clock.deadline().is_some());
    }
}
