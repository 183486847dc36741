//! Money is integer fen in this SDK. Some wire formats speak yuan as decimal text (bills,
//! Alipay's `total_amount`); these conversions are exact both ways, and text that is not
//! an exact amount of fen is an error, never rounded.

use std::fmt;

/// Why a decimal text is not an exact amount of fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyError(String);

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an amount in yuan with at most 2 decimals",
            self.0
        )
    }
}

impl std::error::Error for MoneyError {}

/// `"6.00"` → 600, `"0.01"` → 1, `"100"` → 10000, `"-1.5"` → -150; extra decimals must be
/// zeros (`"0.010"` → 1); anything else (`"0.001"`, `"1e2"`, `""`, `"¥1"`) is an error.
pub fn yuan_to_fen(text: &str) -> Result<i64, MoneyError> {
    let bad = || MoneyError(text.chars().take(64).collect());
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(bad());
    }
    if digits.contains('.') && fraction.is_empty() {
        return Err(bad());
    }
    let (cents, rest) = fraction.split_at(fraction.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(bad());
    }
    let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| bad())?;
    let fen = whole
        .parse::<i64>()
        .ok()
        .and_then(|y| y.checked_mul(100))
        .and_then(|f| f.checked_add(cents))
        .ok_or_else(bad)?;
    Ok(if negative { -fen } else { fen })
}

/// 1 → `"0.01"`, 10000 → `"100.00"`, -150 → `"-1.50"`.
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_both_ways() {
        for (text, fen) in [
            ("0.01", 1),
            ("100.00", 10000),
            ("6.00", 600),
            ("5.76", 576),
            ("0.0", 0),
            ("100", 10000),
            ("0.010", 1),
            ("-0.02", -2),
            (" 1.5 ", 150),
        ] {
            assert_eq!(yuan_to_fen(text), Ok(fen), "{text}");
        }
        for fen in [0, 1, 99, 100, 10000, -150, i64::MAX / 1000] {
            assert_eq!(yuan_to_fen(&fen_to_yuan(fen)), Ok(fen));
        }
        assert_eq!(fen_to_yuan(1), "0.01");
        assert_eq!(fen_to_yuan(-150), "-1.50");
    }

    #[test]
    fn never_rounded() {
        for bad in [
            "0.001",
            "1.005",
            "",
            ".5",
            "1.",
            "1e2",
            "¥1",
            "1,000.00",
            "--1",
            "1.2.3",
            "99999999999999999999",
        ] {
            assert!(yuan_to_fen(bad).is_err(), "{bad}");
        }
    }
}
