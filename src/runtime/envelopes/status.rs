//! Reading a platform's status fields out of a JSON body without decoding the rest,
//! using the wire names the schema's `envelope` gives.

use crate::runtime::{Code, Envelope};
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, Visitor};
use std::fmt;

/// The code and message of an `errcode`-style body (either spelling); `None` when absent.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub code: Option<Code>,
    pub message: Option<String>,
}

impl Status {
    /// A present code that is not one of the envelope's success codes.
    pub fn error_code(self, envelope: &Envelope) -> Option<(Code, Option<String>)> {
        let code = self.code?;
        (!envelope.is_success(&code)).then_some((code, self.message))
    }
}

/// Reads `code`/`message` (or their aliases) from the top level of a JSON object.
pub fn read_status(envelope: &Envelope, body: &[u8]) -> Result<Status, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let status = StatusSeed(envelope).deserialize(&mut de)?;
    de.end()?;
    Ok(status)
}

struct StatusSeed<'e>(&'e Envelope);

impl<'de> DeserializeSeed<'de> for StatusSeed<'_> {
    type Value = Status;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Status, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StatusSeed<'_> {
    type Value = Status;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Status, A::Error> {
        let env = self.0;
        let mut status = Status::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == env.code || Some(key.as_ref()) == env.code_alias {
                status.code = map.next_value::<WireCode>()?.0;
            } else if key == env.message || Some(key.as_ref()) == env.message_alias {
                status.message = map.next_value::<Option<String>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(status)
    }
}

/// Decodes `T` from a JSON object and reads the envelope's status fields in the same
/// pass: the status keys are taken out before `T` sees the map, every other key is
/// handed on. `Err` when the body is not a `T` (the status may then be incomplete: the
/// parse can stop before reaching it, so callers read it again with [`read_status`]).
pub fn decode_with_status<T: serde::de::DeserializeOwned>(
    envelope: &Envelope,
    body: &[u8],
) -> (Result<T, serde_json::Error>, Status) {
    let mut status = Status::default();
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = T::deserialize(Intercept {
        de: &mut de,
        envelope,
        status: &mut status,
    })
    .and_then(|v| de.end().map(|()| v));
    (value, status)
}

/// A deserializer that hands `T` a map without the status keys.
struct Intercept<'s, D> {
    de: D,
    envelope: &'s Envelope,
    status: &'s mut Status,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Intercept<'_, D> {
    type Error = D::Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_map(InterceptVisitor {
            inner: visitor,
            envelope: self.envelope,
            status: self.status,
        })
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
        struct enum identifier ignored_any
    }
}

struct InterceptVisitor<'s, V> {
    inner: V,
    envelope: &'s Envelope,
    status: &'s mut Status,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for InterceptVisitor<'_, V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(WithoutStatus {
            map,
            envelope: self.envelope,
            status: self.status,
        })
    }
}

struct WithoutStatus<'s, A> {
    map: A,
    envelope: &'s Envelope,
    status: &'s mut Status,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutStatus<'_, A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let env = self.envelope;
        loop {
            let Some(key) = self.map.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            let name = key.as_str();
            if name == env.code || Some(name) == env.code_alias {
                self.status.code = self.map.next_value::<WireCode>()?.0;
            } else if name == env.message || Some(name) == env.message_alias {
                self.status.message = self.map.next_value::<Option<String>>()?;
            } else {
                return match key {
                    Key::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
                    Key::Owned(k) => seed.deserialize(k.into_deserializer()),
                }
                .map(Some);
            }
        }
    }
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A map key, borrowed from the body when it has no escapes (no allocation).
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(k) => k,
            Key::Owned(k) => k,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A code sent as a number or as a string (both occur); `null` is no code.
struct WireCode(Option<Code>);

impl<'de> serde::Deserialize<'de> for WireCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Str(String),
            Null(()),
        }
        Ok(WireCode(match Raw::deserialize(deserializer)? {
            Raw::Int(i) => Some(Code::Int(i)),
            Raw::Str(s) => Some(Code::from(s)),
            Raw::Null(()) => None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::envelopes::test_envelopes::WX;

    #[test]
    fn reads_both_spellings_and_ignores_the_rest() {
        let s = read_status(
            &WX,
            br#"{"openid":"x","nested":{"errcode":5},"errcode":40029,"errmsg":"invalid code"}"#,
        )
        .unwrap();
        assert_eq!(s.code, Some(Code::Int(40029)));
        assert_eq!(
            s.error_code(&WX),
            Some((Code::Int(40029), Some("invalid code".into())))
        );
        let s = read_status(&WX, br#"{"errCode":"-1","errMsg":"busy"}"#).unwrap();
        assert_eq!(
            (s.code, s.message.as_deref()),
            (Some(Code::from("-1")), Some("busy"))
        );
        let s = read_status(&WX, br#"{"errcode":0,"errmsg":"ok"}"#).unwrap();
        assert_eq!(s.error_code(&WX), None);
        let s = read_status(&WX, br#"{"errcode":"0"}"#).unwrap();
        assert_eq!(s.error_code(&WX), None);
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Session {
        openid: String,
        #[serde(default)]
        unionid: Option<String>,
    }

    #[test]
    fn one_pass_reads_the_payload_and_takes_the_status_out() {
        // `deny_unknown_fields` proves the status keys never reach the payload type.
        let (v, s) = decode_with_status::<Session>(
            &WX,
            br#"{"errcode":0,"openid":"o","errMsg":"ok","unionid":"u"}"#,
        );
        assert_eq!(
            v.unwrap(),
            Session {
                openid: "o".into(),
                unionid: Some("u".into())
            }
        );
        assert_eq!(s.code, Some(Code::Int(0)));
        assert_eq!(s.message.as_deref(), Some("ok"));
        let (v, s) = decode_with_status::<Session>(&WX, br#"{"openid":"o"}"#);
        assert!(v.is_ok());
        assert_eq!(s, Status::default());
        // An error body is not a `Session`, but its status was read on the way.
        let (v, s) = decode_with_status::<Session>(&WX, br#"{"errcode":40029,"errmsg":"bad"}"#);
        assert!(v.is_err());
        assert_eq!(s.code, Some(Code::Int(40029)));
        // Escaped keys are still recognised.
        let (_, s) = decode_with_status::<Session>(&WX, br#"{"\u0065rrcode":-1,"openid":"o"}"#);
        assert_eq!(s.code, Some(Code::Int(-1)));
        assert!(decode_with_status::<Session>(&WX, br#"{"openid":"o"} x"#)
            .0
            .is_err());
    }

    #[test]
    fn rejects_non_objects_and_trailing_garbage() {
        assert!(read_status(&WX, b"").is_err());
        assert!(read_status(&WX, b"<html>").is_err());
        assert!(read_status(&WX, b"{} x").is_err());
    }
}
