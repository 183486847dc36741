//! One connection's clock: what the connection is doing (waiting for a request, reading
//! a request's head, inside the handler) and how long it may wait in that state.
//!
//! * Quiet — just opened, or its last answer written: the next request must begin
//!   within the idle timeout of the last byte written.
//! * Reading a head — a first byte arrived while quiet: the head must be complete
//!   (the handler called) within the header timeout of that byte.
//! * Busy — in the handler: no deadline here (a delay set with `/_admin/delay` is
//!   legitimate; a body's arrival is bounded by the handler's body timeout).
//!
//! While the server is *crowded* — every connection slot taken and another client
//! waiting to be accepted — a quiet connection or one reading a head gets at most
//! [`CROWDED_GRACE`]: slow and idle clients make room for the waiting one within about
//! a second, instead of holding their slots for the whole timeouts.
//!
//! The socket's reads and writes and the service's calls tell the clock what happens;
//! each change that restarts a count moves the clock to a new *generation*.
//! [`Watched`](super::watch::Watched) starts the count when the socket first waits in
//! a generation — a few microseconds after the event, and without reading the time on
//! every read and write.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// What a quiet or heading connection is allowed while the server is crowded.
pub(crate) const CROWDED_GRACE: Duration = Duration::from_secs(1);

pub(crate) struct Clock {
    idle: Duration,
    header: Duration,
    /// The server's: every slot is taken and another client waits.
    crowded: Arc<AtomicBool>,
    /// Requests inside the handler (one at a time over HTTP/1, but a count is simpler
    /// than a flag that must never be cleared early).
    busy: AtomicU32,
    /// A head's first byte arrived while quiet.
    heading: AtomicBool,
    generation: AtomicU64,
    timed_out: AtomicBool,
}

impl Clock {
    pub fn new(idle: Duration, header: Duration, crowded: Arc<AtomicBool>) -> Clock {
        Clock {
            idle,
            header,
            crowded,
            busy: AtomicU32::new(0),
            heading: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            timed_out: AtomicBool::new(false),
        }
    }

    fn next(&self) {
        self.generation.fetch_add(1, Relaxed);
    }

    /// How long the connection may wait since it began to wait in this generation (a
    /// new generation restarts the count); `None` while a handler runs.
    pub fn allowance(&self) -> Option<(u64, Duration)> {
        if self.busy.load(Relaxed) > 0 {
            return None;
        }
        let timeout = match self.heading.load(Relaxed) {
            true => self.header,
            false => self.idle,
        };
        let timeout = match self.crowded.load(Relaxed) {
            true => timeout.min(CROWDED_GRACE),
            false => timeout,
        };
        Some((self.generation.load(Relaxed), timeout))
    }

    /// Bytes arrived: while quiet, a head begins (its count starts once, at its first
    /// byte).
    pub fn read(&self) {
        if self.busy.load(Relaxed) == 0 && !self.heading.swap(true, Relaxed) {
            self.next();
        }
    }

    /// Bytes went out: an answer being written is progress, not silence.
    pub fn wrote(&self) {
        if self.busy.load(Relaxed) == 0 && !self.heading.load(Relaxed) {
            self.next();
        }
    }

    /// A request's head is complete and its handler starts; the guard marks its end.
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Relaxed);
        self.heading.store(false, Relaxed);
        self.next();
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
        self.0.busy.fetch_sub(1, Relaxed);
        self.0.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_has_its_allowance() {
        let (idle, header) = (Duration::from_secs(60), Duration::from_secs(10));
        let crowded = Arc::new(AtomicBool::new(false));
        let clock = Arc::new(Clock::new(idle, header, crowded.clone()));
        let (opened, quiet) = clock.allowance().unwrap();
        assert_eq!(quiet, idle);
        clock.read();
        let (head, allowed) = clock.allowance().unwrap();
        assert_eq!(allowed, header);
        assert_ne!(head, opened, "the first byte starts a count");
        clock.read();
        clock.wrote();
        assert_eq!(
            clock.allowance().unwrap().0,
            head,
            "later bytes do not restart it"
        );
        {
            let _busy = clock.begin();
            clock.read();
            clock.wrote();
            assert_eq!(clock.allowance(), None, "a handler has no deadline here");
        }
        let (answered, allowed) = clock.allowance().unwrap();
        assert_eq!(allowed, idle, "quiet again once answered");
        clock.wrote();
        let (writing, _) = clock.allowance().unwrap();
        assert_ne!(
            writing, answered,
            "writing the answer restarts the quiet count"
        );
        crowded.store(true, Relaxed);
        assert_eq!(clock.allowance(), Some((writing, CROWDED_GRACE)), "crowded");
        crowded.store(false, Relaxed);
        assert!(!clock.timed_out());
        clock.expire();
        assert!(clock.timed_out());
    }
}
