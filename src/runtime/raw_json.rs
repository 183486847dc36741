//! The members of a JSON object with each value's exact text as it came on the wire.
//!
//! Some platforms sign the raw text of one member of an answer (Alipay signs the value
//! of `<method>_response` byte for byte: key order, `\/` escapes and whitespace
//! included), so the signed bytes must be cut out of the body, never re-serialised.
//! serde_json's parser does the scanning (strings, escapes and nesting respected) and
//! [`RawValue`] hands back the slice of the body.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// The top-level members of the JSON object `body`, in wire order, duplicates kept, each
/// value as its exact text. `Err` when `body` is not one JSON object.
pub fn members(body: &str) -> Result<Vec<(String, &str)>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(body);
    let members = de.deserialize_map(Members)?;
    de.end()?;
    Ok(members)
}

/// The exact text of the one member named `key`; `Ok(None)` when there is none, `Err`
/// when the body is not a JSON object or names `key` twice (which copy was signed?).
pub fn member<'a>(body: &'a str, key: &str) -> Result<Option<&'a str>, String> {
    let members = members(body).map_err(|e| format!("not a JSON object: {e}"))?;
    let mut found = members
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(format!("the answer has `{key}` twice"));
    }
    Ok(first)
}

struct Members;

impl<'de> Visitor<'de> for Members {
    type Value = Vec<(String, &'de str)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
            members.push((key, value.get()));
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_byte_for_byte() {
        let body = r#" {"a_response" : {"z":1, "url":"http:\/\/x", "s":"}{\"","n":{"k":[1,{"d":2}]}}, "sign":"abc"} "#;
        assert_eq!(
            member(body, "a_response").unwrap(),
            Some(r#"{"z":1, "url":"http:\/\/x", "s":"}{\"","n":{"k":[1,{"d":2}]}}"#)
        );
        assert_eq!(member(body, "sign").unwrap(), Some(r#""abc""#));
        assert_eq!(member(body, "other").unwrap(), None);
    }

    #[test]
    fn unicode_and_escaped_keys_are_handled() {
        let body = "{\"r\":{\"msg\":\"成功 \\u6210\"},\"k\\u0065y\":1}";
        assert_eq!(
            member(body, "r").unwrap(),
            Some("{\"msg\":\"成功 \\u6210\"}")
        );
        assert_eq!(member(body, "key").unwrap(), Some("1"));
    }

    #[test]
    fn malformed_or_ambiguous_bodies_are_errors() {
        for body in [
            "",
            "[1]",
            "{\"a\":",
            "{\"a\":1} trailing",
            "{\"a\":\"\\x\"}",
        ] {
            assert!(member(body, "a").is_err(), "{body:?}");
        }
        let e = member(r#"{"a":1,"a":2}"#, "a").unwrap_err();
        assert!(e.contains("twice"), "{e}");
    }
}
