//! Beijing time (UTC+8, no daylight saving), in the two spellings WeChat Pay uses:
//! `yyyyMMddHHmmss` (orders, payment notifications) and `yyyy-MM-dd HH:mm:ss` (refunds,
//! bills).

use std::time::{SystemTime, UNIX_EPOCH};

const OFFSET_SECS: i64 = 8 * 3600;

/// Now, `yyyyMMddHHmmss`.
pub(super) fn now() -> String {
    compact(SystemTime::now())
}

/// `t` as `yyyyMMddHHmmss`; a time before 1970 reads as 1970 (a clock that far off is
/// not worth a panic).
pub(super) fn compact(t: SystemTime) -> String {
    let utc = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2));
    let local = utc + OFFSET_SECS;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
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

/// Year, month, day of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, proleptic Gregorian).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> String {
        compact(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn beijing_time_in_both_spellings() {
        assert_eq!(at(0), "19700101080000");
        // 2023-11-14 22:13:20 UTC is the next morning in Beijing.
        assert_eq!(at(1_700_000_000), "20231115061320");
        // 2000-02-29 00:00:00 UTC: a leap day of a century divisible by 400.
        assert_eq!(at(951_782_400), "20000229080000");
        // 2100-03-01 00:00:00 UTC: 2100 is not a leap year.
        assert_eq!(at(4_107_542_400), "21000301080000");
        assert_eq!(readable("20231115061320"), "2023-11-15 06:13:20");
        assert_eq!(readable("not a time"), "not a time");
        assert_eq!(day("20231115061320"), "20231115");
    }
}
