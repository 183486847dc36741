//! Reading a platform's status fields out of a JSON body without decoding the rest,
//! using the wire names the schema's `envelope` gives.

use crate::runtime::{Code, Envelope};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
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
    use crate::runtime::EnvelopeStyle;

    const WX: Envelope = Envelope {
        style: EnvelopeStyle::Errcode,
        code: "errcode",
        message: "errmsg",
        code_alias: Some("errCode"),
        message_alias: Some("errMsg"),
        success: &["0"],
        data: None,
        request_id: None,
        business_code: None,
        business_message: None,
        business_success: &[],
        result: None,
        sub_code: None,
        sub_message: None,
    };

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

    #[test]
    fn rejects_non_objects_and_trailing_garbage() {
        assert!(read_status(&WX, b"").is_err());
        assert!(read_status(&WX, b"<html>").is_err());
        assert!(read_status(&WX, b"{} x").is_err());
    }
}
