//! Beijing time (UTC+8, no daylight saving), in the two spellings WeChat Pay uses:
//! `yyyyMMddHHmmss` (orders, payment notifications) and `yyyy-MM-dd HH:mm:ss` (refunds,
//! bills).

use miniapp::runtime::beijing_time;
use std::time::SystemTime;

/// Now, `yyyyMMddHHmmss`.
pub(super) fn now() -> String {
    beijing_time::compact(SystemTime::now())
}

/// `yyyyMMddHHmmss` as `yyyy-MM-dd HH:mm:ss`; any other text as it is.
pub(super) fn readable(compact: &str) -> String {
    if compact.len() != 14 || !compact.bytes().all(|b| b.is_ascii_digit()) {
        return compact.to_owned();
    }
    let part = |from: usize, to: usize| &compact[from..to];
    format!(
        "{}-{}-{} {}:{}:{}",
        part(0, 4),
        part(4, 6),
        part(6, 8),
        part(8, 10),
        part(10, 12),
        part(12, 14)
    )
}

/// The day of a `yyyyMMddHHmmss` time, `yyyyMMdd` (a bill's `bill_date`).
pub(super) fn day(compact: &str) -> &str {
    compact.get(..8).unwrap_or(compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_times_read_and_give_their_day() {
        assert_eq!(readable("20231115061320"), "2023-11-15 06:13:20");
        assert_eq!(readable("not a time"), "not a time");
        assert_eq!(day("20231115061320"), "20231115");
    }
}
