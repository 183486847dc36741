//! Integers in answers of platforms whose docs type numbers as text (Alipay documents
//! `expires_in` as String `"3600"` and answers a JSON number): both spellings decode
//! into the field's integer type; anything else — a fraction, an overflow, words — is an
//! error, never a guess. Generated types use these where the schema's envelope says
//! `numbers_as_text: true`.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

/// An integer field written as a JSON number or as decimal text.
pub fn int<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + TryFrom<i64> + TryFrom<u64>,
{
    deserializer.deserialize_any(Int(PhantomData))
}

/// An optional integer field written as a JSON number or as decimal text (`null` and
/// absent are `None`).
pub fn int_opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + TryFrom<i64> + TryFrom<u64>,
{
    deserializer.deserialize_option(Optional(PhantomData))
}

struct Int<T>(PhantomData<T>);

impl<T: FromStr + TryFrom<i64> + TryFrom<u64>> Visitor<'_> for Int<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer, as a number or as decimal text")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(format!("{v} is out of range")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(format!("{v} is out of range")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.trim().parse().map_err(|_| {
            let shown: String = v.chars().take(32).collect();
            E::custom(format!("{shown:?} is not an integer in range"))
        })
    }
}

struct Optional<T>(PhantomData<T>);

impl<'de, T: FromStr + TryFrom<i64> + TryFrom<u64>> Visitor<'de> for Optional<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional integer, as a number or as decimal text")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        int(d).map(Some)
    }
}

/// A scalar (a boolean, a fraction) that may come as its JSON text: how a test bed reads
/// the path and query parameters of a request (feature `encoders`), which arrive as
/// text. Anything that is not the type, as itself or as its text, is an error.
#[cfg(feature = "encoders")]
pub fn text<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize;
    let value = serde_json::Value::deserialize(deserializer)?;
    let value = match value {
        serde_json::Value::String(s) => {
            serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
        }
        other => other,
    };
    T::deserialize(value).map_err(de::Error::custom)
}

/// [`text`] for an optional field (`null` and absent are `None`).
#[cfg(feature = "encoders")]
pub fn text_opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    text(deserializer)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Token {
        #[serde(deserialize_with = "super::int")]
        expires_in: i64,
        #[serde(deserialize_with = "super::int_opt", default)]
        re_expires_in: Option<u32>,
    }

    #[test]
    fn numbers_and_decimal_text_alike() {
        for body in [
            r#"{"expires_in":3600,"re_expires_in":"7200"}"#,
            r#"{"expires_in":"3600","re_expires_in":7200}"#,
            r#"{"expires_in":" 3600 ","re_expires_in":"7200"}"#,
        ] {
            let t: Token = serde_json::from_str(body).unwrap();
            assert_eq!(
                (t.expires_in, t.re_expires_in),
                (3600, Some(7200)),
                "{body}"
            );
        }
        let t: Token = serde_json::from_str(r#"{"expires_in":1,"re_expires_in":null}"#).unwrap();
        assert_eq!(t.re_expires_in, None);
        let t: Token = serde_json::from_str(r#"{"expires_in":1}"#).unwrap();
        assert_eq!(t.re_expires_in, None);
    }

    #[test]
    fn anything_else_is_an_error() {
        for body in [
            r#"{"expires_in":"36.5"}"#,
            r#"{"expires_in":36.5}"#,
            r#"{"expires_in":"soon"}"#,
            r#"{"expires_in":true}"#,
            r#"{"expires_in":1,"re_expires_in":"-1"}"#,
            r#"{"expires_in":1,"re_expires_in":99999999999}"#,
        ] {
            assert!(serde_json::from_str::<Token>(body).is_err(), "{body}");
        }
    }
}
