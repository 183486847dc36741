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

/// Serde adapters for amounts that travel as yuan text (`#[serde(with = "…")]`),
/// which generated types use for the schema's `money_yuan` fields: an `i64` of fen is
/// written as `"0.01"` and read from `"0.01"` (or a JSON number, by its exact text).
pub mod serde {
    use super::{fen_to_yuan, yuan_to_fen};
    use serde::de::{self, Deserializer, Visitor};
    use serde::Serializer;
    use std::fmt;

    /// One amount.
    pub mod yuan {
        use super::*;

        pub fn serialize<S: Serializer>(fen: &i64, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&fen_to_yuan(*fen))
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
            d.deserialize_any(Amount)
        }
    }

    /// An optional amount (absent or `null` is `None`).
    pub mod yuan_opt {
        use super::*;

        pub fn serialize<S: Serializer>(fen: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
            match fen {
                Some(fen) => s.serialize_str(&fen_to_yuan(*fen)),
                None => s.serialize_none(),
            }
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
            d.deserialize_option(Optional)
        }
    }

    struct Amount;

    impl Visitor<'_> for Amount {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an amount in yuan with at most 2 decimals")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<i64, E> {
            yuan_to_fen(text).map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, yuan: u64) -> Result<i64, E> {
            self.visit_str(&yuan.to_string())
        }
        fn visit_i64<E: de::Error>(self, yuan: i64) -> Result<i64, E> {
            self.visit_str(&yuan.to_string())
        }
        // A JSON number such as 0.01: its shortest text is what the platform wrote, so
        // the exact conversion applies to it (and refuses 0.001 as it would "0.001").
        fn visit_f64<E: de::Error>(self, yuan: f64) -> Result<i64, E> {
            if !yuan.is_finite() {
                return Err(E::custom("an amount must be a finite number"));
            }
            self.visit_str(&yuan.to_string())
        }
    }

    struct Optional;

    impl<'de> Visitor<'de> for Optional {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an optional amount in yuan")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Amount).map(Some)
        }
    }
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

    #[derive(::serde::Serialize, ::serde::Deserialize, Debug, PartialEq)]
    struct Order {
        #[serde(with = "super::serde::yuan")]
        total: i64,
        #[serde(
            with = "super::serde::yuan_opt",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        refund: Option<i64>,
    }

    #[test]
    fn serde_speaks_yuan_text_and_keeps_fen() {
        let order = Order {
            total: 10001,
            refund: Some(1),
        };
        let text = serde_json::to_string(&order).unwrap();
        assert_eq!(text, r#"{"total":"100.01","refund":"0.01"}"#);
        assert_eq!(serde_json::from_str::<Order>(&text).unwrap(), order);
        let numbers: Order = serde_json::from_str(r#"{"total":88.88,"refund":null}"#).unwrap();
        assert_eq!((numbers.total, numbers.refund), (8888, None));
        let absent: Order = serde_json::from_str(r#"{"total":"0.01"}"#).unwrap();
        assert_eq!(absent.refund, None);
        for bad in [
            r#"{"total":"0.001"}"#,
            r#"{"total":0.001}"#,
            r#"{"total":"abc"}"#,
            r#"{"total":true}"#,
        ] {
            let e = serde_json::from_str::<Order>(bad).unwrap_err().to_string();
            assert!(e.contains("yuan"), "{bad}: {e}");
        }
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
