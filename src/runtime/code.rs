//! Error codes as the platforms send them: integers (WeChat `errcode`, Baidu `errno`) or
//! strings (WeChat Pay `err_code` `ORDERPAID`, Alipay `sub_code` `ACQ.TRADE_HAS_SUCCESS`).

use std::borrow::Cow;
use std::fmt;

/// A platform's error code, integer or text, as it came on the wire.
///
/// Compare with either spelling: `code == 40029` or `code == "ORDERPAID"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Int(i64),
    /// Borrowed for the codes of generated tables, owned for codes read off the wire.
    Str(Cow<'static, str>),
}

impl Code {
    /// The integer, when the code is one (or is text holding only an integer, as
    /// platforms that quote their numeric codes send it).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Code::Int(i) => Some(*i),
            Code::Str(s) => s.trim().parse().ok(),
        }
    }
    /// The text, when the code is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Code::Int(_) => None,
            Code::Str(s) => Some(s.as_ref()),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Int(i) => write!(f, "{i}"),
            Code::Str(s) => f.write_str(s),
        }
    }
}

impl From<i64> for Code {
    fn from(value: i64) -> Self {
        Code::Int(value)
    }
}

/// So that an integer literal (`40029`) converts where `impl Into<Code>` is taken.
impl From<i32> for Code {
    fn from(value: i32) -> Self {
        Code::Int(value.into())
    }
}

impl From<&str> for Code {
    fn from(value: &str) -> Self {
        Code::Str(Cow::Owned(value.to_owned()))
    }
}

impl From<String> for Code {
    fn from(value: String) -> Self {
        Code::Str(Cow::Owned(value))
    }
}

impl PartialEq<i64> for Code {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other)
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        match self {
            Code::Str(s) => s == other,
            Code::Int(i) => other.trim().parse::<i64>().ok() == Some(*i),
        }
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<Code> for i64 {
    fn eq(&self, other: &Code) -> bool {
        other == self
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        other == self
    }
}

/// As the wire carries it: a JSON number or a JSON string.
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Code::Int(i) => serializer.serialize_i64(*i),
            Code::Str(s) => serializer.serialize_str(s),
        }
    }
}

/// The Rust type a platform's error enums carry their codes in: `i64` or `String`.
/// Decoders read a [`Code`] off the wire and convert it with [`CodeType::from_wire`];
/// a code that does not fit (text where the docs promise integers) is a decode error.
pub trait CodeType: Sized + Clone + fmt::Display + Send + Sync + 'static {
    fn from_wire(code: Code) -> Option<Self>;
    fn to_code(&self) -> Code;
}

impl CodeType for i64 {
    fn from_wire(code: Code) -> Option<Self> {
        code.as_i64()
    }
    fn to_code(&self) -> Code {
        Code::Int(*self)
    }
}

impl CodeType for String {
    fn from_wire(code: Code) -> Option<Self> {
        Some(match code {
            Code::Int(i) => i.to_string(),
            Code::Str(s) => s.into_owned(),
        })
    }
    fn to_code(&self) -> Code {
        Code::Str(Cow::Owned(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_compare() {
        assert_eq!(Code::Int(40029), 40029);
        assert_eq!(Code::from("40029"), 40029);
        assert_eq!(Code::from("ORDERPAID"), "ORDERPAID");
        assert_eq!(Code::Int(-1), "-1");
        assert_ne!(Code::from("ORDERPAID"), 0);
        // Either side, and through references (`PaymentError::code()` gives `&Code`).
        assert_eq!(40029, Code::Int(40029));
        assert_eq!("ORDERPAID", Code::from("ORDERPAID"));
        let code = Code::from("ACQ.TRADE_NOT_EXIST");
        assert!(Some(&code).is_some_and(|c| c == "ACQ.TRADE_NOT_EXIST"));
        assert!(Some(&Code::Int(7)).is_some_and(|c| *c == 7));
        assert_eq!(
            Code::from("ACQ.TRADE_HAS_SUCCESS").to_string(),
            "ACQ.TRADE_HAS_SUCCESS"
        );
    }

    #[test]
    fn code_types_convert_or_refuse() {
        assert_eq!(i64::from_wire(Code::from(" 200 ")), Some(200));
        assert_eq!(i64::from_wire(Code::from("FAIL")), None);
        assert_eq!(String::from_wire(Code::Int(7)), Some("7".into()));
        assert_eq!(String::from("X").to_code(), Code::from("X"));
    }
}
