//! The request log: every request received, the latest kept within a count and a byte
//! budget, each body cut to a size (its real length kept), numbered so that it can be
//! read a page at a time.

use super::request::RecordedRequest;
use std::collections::VecDeque;
use std::mem::size_of;

/// Requests the log keeps unless told otherwise.
pub const DEFAULT_LOG_LIMIT: usize = 10_000;
/// Bytes the log holds at most unless told otherwise (16 MiB): bodies, paths, queries.
pub const DEFAULT_LOG_BYTES: usize = 16 * 1024 * 1024;
/// Bytes of each request's body the log keeps unless told otherwise (64 KiB).
pub const DEFAULT_LOG_BODY_BYTES: usize = 64 * 1024;

/// How much the log keeps (see [`SimulatorBuilder::log_limit`] and its siblings).
///
/// [`SimulatorBuilder::log_limit`]: super::SimulatorBuilder::log_limit
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub(crate) struct LogLimits {
    pub requests: usize,
    pub bytes: usize,
    pub body_bytes: usize,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits {
            requests: DEFAULT_LOG_LIMIT,
            bytes: DEFAULT_LOG_BYTES,
            body_bytes: DEFAULT_LOG_BODY_BYTES,
        }
    }
}

/// A page of the log: the requests, and whether more follow the last one.
pub(crate) struct Page {
    pub requests: Vec<RecordedRequest>,
    /// How many kept requests pass the filter, on every page.
    pub matching: usize,
    pub more: bool,
}

pub(crate) struct RequestLog {
    entries: VecDeque<(RecordedRequest, usize)>,
    bytes: usize,
    next_id: u64,
    limits: LogLimits,
}

impl RequestLog {
    pub fn new(limits: LogLimits) -> RequestLog {
        RequestLog {
            entries: VecDeque::new(),
            bytes: 0,
            next_id: 1,
            limits,
        }
    }

    /// What of a body the log keeps: the text cut to the size the log keeps (on a
    /// character boundary; a body within it is kept as it is, not copied), and whether
    /// it was cut.
    pub fn kept_body(&self, text: Option<String>) -> (Option<String>, bool) {
        let Some(text) = text else {
            return (None, false);
        };
        if text.len() <= self.limits.body_bytes {
            return (Some(text), false);
        }
        let mut end = self.limits.body_bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        // A copy of the start: cutting the text in place would keep all its capacity.
        (Some(text[..end].to_owned()), true)
    }

    /// Numbers the request and keeps it as the newest, dropping the oldest ones while
    /// the count or the byte budget is exceeded (never the new one).
    pub fn push(&mut self, mut request: RecordedRequest) {
        request.id = self.next_id;
        self.next_id += 1;
        let bytes = footprint(&request);
        self.entries.push_back((request, bytes));
        self.bytes += bytes;
        while self.entries.len() > self.limits.requests
            || (self.bytes > self.limits.bytes && self.entries.len() > 1)
        {
            if let Some((_, gone)) = self.entries.pop_front() {
                self.bytes -= gone;
            }
        }
    }

    /// Forgets every request and gives the memory back. Numbers go on from where they
    /// were, so that a reader paging with `after` never sees one twice.
    pub fn clear(&mut self) {
        self.entries = VecDeque::new();
        self.bytes = 0;
    }

    /// How many requests are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// What the kept requests hold, as the byte budget counts it.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn limits(&self) -> LogLimits {
        self.limits
    }

    pub fn iter(&self) -> impl Iterator<Item = &RecordedRequest> {
        self.entries.iter().map(|(r, _)| r)
    }

    /// The requests numbered after `after` that pass `filter`, oldest first: at most
    /// `limit` of them and, past the first, no more than `max_bytes` of what the log
    /// holds for them. Only the page is copied.
    pub fn page(
        &self,
        after: u64,
        limit: usize,
        max_bytes: usize,
        filter: impl Fn(&RecordedRequest) -> bool,
    ) -> Page {
        // Numbers are consecutive from the oldest kept, so the start is found, not
        // searched for.
        let start = self.entries.front().map_or(0, |(first, _)| {
            usize::try_from(after.saturating_sub(first.id - 1)).unwrap_or(usize::MAX)
        });
        let matching = self.entries.iter().filter(|(r, _)| filter(r)).count();
        let mut requests = Vec::new();
        let mut bytes = 0;
        let mut more = false;
        for (request, size) in self.entries.iter().skip(start) {
            if !filter(request) {
                continue;
            }
            if requests.len() >= limit || (!requests.is_empty() && bytes + size > max_bytes) {
                more = true;
                break;
            }
            bytes += size;
            requests.push(request.clone());
        }
        Page {
            requests,
            matching,
            more,
        }
    }
}

/// What a record holds, approximately: its own size and the text it owns.
fn footprint(r: &RecordedRequest) -> usize {
    let pair = size_of::<(String, String)>();
    size_of::<RecordedRequest>()
        + r.method.len()
        + r.path.len()
        + r.query
            .iter()
            .map(|(k, v)| pair + k.len() + v.len())
            .sum::<usize>()
        + r.content_type.as_deref().map_or(0, str::len)
        + r.body_text.as_deref().map_or(0, str::len)
        + r.parts
            .iter()
            .map(|p| size_of::<String>() + p.len())
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, body: Option<&str>) -> RecordedRequest {
        RecordedRequest {
            id: 0,
            platform: None,
            endpoint: None,
            method: "POST".into(),
            path: path.into(),
            query: vec![],
            content_type: None,
            body_text: body.map(str::to_owned),
            body_truncated: false,
            body_len: body.map_or(0, str::len),
            parts: vec![],
            status: 404,
            code: None,
        }
    }

    fn log(requests: usize, bytes: usize, body_bytes: usize) -> RequestLog {
        RequestLog::new(LogLimits {
            requests,
            bytes,
            body_bytes,
        })
    }

    #[test]
    fn bodies_are_cut_on_a_character_boundary() {
        let log = log(10, 1 << 20, 4);
        let kept = |text: &str| log.kept_body(Some(text.to_owned()));
        assert_eq!(kept("abc"), (Some("abc".into()), false));
        assert_eq!(kept("abcd"), (Some("abcd".into()), false));
        assert_eq!(kept("abcdef"), (Some("abcd".into()), true));
        // "é" is two bytes: four bytes would cut the second one in half.
        assert_eq!(kept("aéé"), (Some("aé".into()), true));
        assert_eq!(log.kept_body(None), (None, false));
    }

    #[test]
    fn keeps_the_latest_within_count_and_bytes() {
        let mut by_count = log(3, 1 << 20, 1024);
        for n in 0..5 {
            by_count.push(request(&format!("/{n}"), None));
        }
        let ids: Vec<u64> = by_count.iter().map(|r| r.id).collect();
        assert_eq!(ids, [3, 4, 5]);

        let one = footprint(&request("/x", Some(&"b".repeat(1000))));
        let mut by_bytes = log(1000, 3 * one, 1024);
        for _ in 0..10 {
            by_bytes.push(request("/x", Some(&"b".repeat(1000))));
        }
        assert_eq!(by_bytes.iter().count(), 3);
        assert!(by_bytes.bytes <= 3 * one);
        by_bytes.clear();
        by_bytes.push(request("/y", None));
        assert_eq!(
            by_bytes.iter().next().map(|r| r.id),
            Some(11),
            "numbers go on"
        );
    }

    #[test]
    fn pages_follow_each_other_and_stop_at_the_byte_bound() {
        let mut log = log(100, 1 << 20, 1024);
        for n in 0..25 {
            let body = if n % 2 == 0 { Some("even") } else { None };
            log.push(request(&format!("/{n}"), body));
        }
        let all = |_: &RecordedRequest| true;
        let first = log.page(0, 10, usize::MAX, all);
        assert_eq!(first.requests.len(), 10);
        assert!(first.more && first.matching == 25);
        let last_id = first.requests.last().unwrap().id;
        let second = log.page(last_id, 10, usize::MAX, all);
        assert_eq!(second.requests[0].id, last_id + 1);
        let rest = log.page(20, 10, usize::MAX, all);
        assert_eq!((rest.requests.len(), rest.more), (5, false));

        let even = |r: &RecordedRequest| r.body_text.is_some();
        let page = log.page(0, 5, usize::MAX, even);
        assert!(page.requests.iter().all(|r| r.id % 2 == 1));
        assert_eq!((page.matching, page.requests.len()), (13, 5));

        // A byte bound smaller than one request still yields one per page.
        let tiny = log.page(0, 10, 1, all);
        assert_eq!((tiny.requests.len(), tiny.more), (1, true));
        // Past the end, or before what is kept: no panic.
        assert!(log.page(u64::MAX, 10, usize::MAX, all).requests.is_empty());
        assert_eq!(log.page(0, 1, usize::MAX, all).requests[0].id, 1);
    }
}
