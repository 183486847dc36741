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

/// An amount as the docs write it: `"6.00"` → 600, `"0.01"` → 1, `"100"` → 10000,
/// `"5.7"` → 570. Only ASCII digits with at most two decimals: no sign, no spaces, no
/// exponent, no grouping (`"-1.00"`, `" 1.00"`, `"0.001"`, `"0.010"`, `"1e2"`, `""`,
/// `"¥1"`, `"1,000.00"` are errors, never rounded). Amounts whose docs allow a negative
/// value are read with [`signed_yuan_to_fen`].
pub fn yuan_to_fen(text: &str) -> Result<i64, MoneyError> {
    unsigned(text, text)
}

/// As [`yuan_to_fen`], with an optional leading `-` (`"-1.50"` → -150), for the amounts
/// whose docs say they can be negative.
pub fn signed_yuan_to_fen(text: &str) -> Result<i64, MoneyError> {
    match text.strip_prefix('-') {
        Some(rest) => unsigned(rest, text).map(|fen| -fen),
        None => unsigned(text, text),
    }
}

fn unsigned(digits: &str, text: &str) -> Result<i64, MoneyError> {
    let bad = || MoneyError(text.chars().take(64).collect());
    let (whole, fraction) = match digits.split_once('.') {
        Some((_, "")) => return Err(bad()),
        Some((whole, fraction)) => (whole, fraction),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
        return Err(bad());
    }
    let cents = match fraction.as_bytes() {
        [] => 0,
        [tens] => i64::from(tens - b'0') * 10,
        [tens, ones] => i64::from(tens - b'0') * 10 + i64::from(ones - b'0'),
        _ => return Err(bad()),
    };
    whole
        .parse::<i64>()
        .ok()
        .and_then(|y| y.checked_mul(100))
        .and_then(|f| f.checked_add(cents))
        .ok_or_else(bad)
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
/// `signed_yuan` / `signed_yuan_opt` also read a negative amount (`may_be_negative`).
/// Generated code reaches them through `miniapp::__private::money`.
#[doc(hidden)]
pub mod serde {
    use super::{fen_to_yuan, signed_yuan_to_fen, yuan_to_fen};
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
            d.deserialize_any(Amount { signed: false })
        }
    }

    /// One amount that may be negative.
    pub mod signed_yuan {
        use super::*;

        pub use super::yuan::serialize;
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
            d.deserialize_any(Amount { signed: true })
        }
    }

    /// An optional amount that may be negative.
    pub mod signed_yuan_opt {
        use super::*;

        pub use super::yuan_opt::serialize;
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
            d.deserialize_option(Optional { signed: true })
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
            d.deserialize_option(Optional { signed: false })
        }
    }

    struct Amount {
        signed: bool,
    }

    impl Visitor<'_> for Amount {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an amount in yuan with at most 2 decimals")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<i64, E> {
            match self.signed {
                true => signed_yuan_to_fen(text),
                false => yuan_to_fen(text),
            }
            .map_err(E::custom)
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

    struct Optional {
        signed: bool,
    }

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
            d.deserialize_any(Amount {
                signed: self.signed,
            })
            .map(Some)
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
            ("5.7", 570),
            ("007.50", 750),
        ] {
            assert_eq!(yuan_to_fen(text), Ok(fen), "{text}");
            assert_eq!(signed_yuan_to_fen(text), Ok(fen), "{text}");
        }
        for fen in [0, 1, 99, 100, 10000, i64::MAX / 1000] {
            assert_eq!(yuan_to_fen(&fen_to_yuan(fen)), Ok(fen));
        }
        for fen in [-1, -150, -i64::MAX / 1000] {
            assert_eq!(signed_yuan_to_fen(&fen_to_yuan(fen)), Ok(fen));
            assert!(yuan_to_fen(&fen_to_yuan(fen)).is_err());
        }
        assert_eq!(signed_yuan_to_fen("-0.02"), Ok(-2));
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
            r#"{"total":"-0.01"}"#,
            r#"{"total":-1}"#,
            r#"{"total":1e300}"#,
            r#"{"total":"abc"}"#,
            r#"{"total":true}"#,
        ] {
            let e = serde_json::from_str::<Order>(bad).unwrap_err().to_string();
            assert!(e.contains("yuan"), "{bad}: {e}");
        }
    }

    #[derive(::serde::Deserialize, Debug, PartialEq)]
    struct Adjustment {
        #[serde(with = "super::serde::signed_yuan")]
        change: i64,
        #[serde(with = "super::serde::signed_yuan_opt", default)]
        fee: Option<i64>,
    }

    #[test]
    fn amounts_marked_may_be_negative_read_a_sign() {
        let a: Adjustment = serde_json::from_str(r#"{"change":"-1.50","fee":"-0.01"}"#).unwrap();
        assert_eq!(
            a,
            Adjustment {
                change: -150,
                fee: Some(-1)
            }
        );
        let a: Adjustment = serde_json::from_str(r#"{"change":-2.5}"#).unwrap();
        assert_eq!(
            a,
            Adjustment {
                change: -250,
                fee: None
            }
        );
        assert!(serde_json::from_str::<Adjustment>(r#"{"change":"- 1"}"#).is_err());
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
            "92233720368547758.08",
            "-1.00",
            "+1.00",
            " 1.00",
            "1.00 ",
            "1 .00",
            "0.010",
            "1.５0",
            "١.٠٠",
            "NaN",
            "inf",
            "0x10",
            "1_000",
        ] {
            assert!(yuan_to_fen(bad).is_err(), "{bad}");
        }
        for bad in ["--1", "- 1", "-", "-.5", "-1.", " -1.00", "-+1"] {
            assert!(signed_yuan_to_fen(bad).is_err(), "{bad}");
        }
    }
}
