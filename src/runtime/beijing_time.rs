//! Beijing time (UTC+8, no daylight saving), whatever the server's zone, in the two
//! spellings the payment platforms use: `yyyyMMddHHmmss` (WeChat Pay orders and
//! notifications) and `yyyy-MM-dd HH:mm:ss` (refunds, bills, Alipay's `timestamp`).

use std::time::SystemTime;
use time::format_description::BorrowedFormatItem;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, UtcOffset};

const BEIJING: UtcOffset = offset!(+8);
const COMPACT: &[BorrowedFormatItem<'_>] =
    format_description!("[year][month][day][hour][minute][second]");
const DASHED: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// `t` in Beijing as `yyyyMMddHHmmss`.
pub fn compact(t: SystemTime) -> String {
    format(t, COMPACT)
}

/// `t` in Beijing as `yyyy-MM-dd HH:mm:ss`.
pub fn dashed(t: SystemTime) -> String {
    format(t, DASHED)
}

fn format(t: SystemTime, description: &[BorrowedFormatItem<'_>]) -> String {
    // Formatting a four-digit year cannot fail; an absurd clock gets an empty string
    // rather than a panic.
    OffsetDateTime::from(t)
        .to_offset(BEIJING)
        .format(description)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn beijing_time_in_both_spellings() {
        assert_eq!(compact(at(0)), "19700101080000");
        // 2023-11-14 22:13:20 UTC is the next morning in Beijing.
        assert_eq!(compact(at(1_700_000_000)), "20231115061320");
        assert_eq!(dashed(at(1_700_000_000)), "2023-11-15 06:13:20");
        // 2000-02-29 00:00:00 UTC: a leap day of a century divisible by 400.
        assert_eq!(compact(at(951_782_400)), "20000229080000");
        // 2100-03-01 00:00:00 UTC: 2100 is not a leap year.
        assert_eq!(compact(at(4_107_542_400)), "21000301080000");
    }
}
