//! Decoding a response type from text fields (the children of a flat XML body), where
//! every value is text: numbers and booleans are parsed where the type asks for them,
//! so `<total_fee>100</total_fee>` fills an `i64` and an unparsable one is an error,
//! never a guess.

use serde::de::value::{Error, MapDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

/// Decodes `T` from `(name, text)` pairs; unknown names are ignored as for JSON.
pub fn decode_text_fields<T: DeserializeOwned>(fields: &[(String, String)]) -> Result<T, Error> {
    let map: MapDeserializer<'_, _, Error> = MapDeserializer::new(
        fields
            .iter()
            .map(|(name, text)| (name.as_str(), TextValue(text.as_str()))),
    );
    T::deserialize(map)
}

/// One field's text, parsed into whatever the type asks for.
#[derive(Clone, Copy)]
struct TextValue<'a>(&'a str);

impl<'de> IntoDeserializer<'de, Error> for TextValue<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                let parsed: $ty = self.0.trim().parse().map_err(|_| {
                    de::Error::custom(format!(
                        "`{}` is not a {}",
                        self.0.chars().take(64).collect::<String>(),
                        stringify!($ty)
                    ))
                })?;
                visitor.$visit(parsed)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for TextValue<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.0)
    }

    parsed! {
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Order {
        out_trade_no: String,
        total_fee: i64,
        #[serde(default)]
        cash_fee: Option<u32>,
        #[serde(default)]
        is_subscribe: Option<String>,
        trade_state: State,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    enum State {
        #[serde(rename = "SUCCESS")]
        Success,
        #[serde(rename = "NOTPAY")]
        NotPay,
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn numbers_are_parsed_where_the_type_wants_them() {
        let order: Order = decode_text_fields(&fields(&[
            ("out_trade_no", "1415757673"),
            ("total_fee", "101"),
            ("cash_fee", "100"),
            ("trade_state", "NOTPAY"),
            ("unknown", "ignored"),
        ]))
        .unwrap();
        assert_eq!(
            order,
            Order {
                out_trade_no: "1415757673".into(),
                total_fee: 101,
                cash_fee: Some(100),
                is_subscribe: None,
                trade_state: State::NotPay
            }
        );
    }

    #[test]
    fn text_that_is_not_the_number_is_an_error() {
        let e = decode_text_fields::<Order>(&fields(&[
            ("out_trade_no", "1"),
            ("total_fee", "1.5"),
            ("trade_state", "SUCCESS"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("`1.5` is not a i64"), "{e}");
        assert!(decode_text_fields::<Order>(&fields(&[("total_fee", "1")])).is_err());
    }
}
