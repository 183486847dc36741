//! Decoding a response type from text fields (the children of a flat XML body), where
//! every value is text: numbers and booleans are parsed where the type asks for them,
//! so `<total_fee>100</total_fee>` fills an `i64` and an unparsable one is an error,
//! never a guess. Lists the wire spreads over numbered fields are gathered first.

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

/// Decodes `T` from `(name, text)` pairs; unknown names are ignored as for JSON.
pub fn decode_text_fields<T: DeserializeOwned>(fields: &[(String, String)]) -> Result<T, Error> {
    decode_indexed_text_fields(fields, &[])
}

/// A list the wire spreads over indexed fields (WeChat Pay's refund query:
/// `out_refund_no_0`, `refund_fee_0`, … and `coupon_refund_id_0_1` for a list inside
/// each item). Generated from the schema's `indexed:` fields.
#[derive(Debug, Clone, Copy)]
pub struct IndexedList {
    /// The response field holding the list (`refunds`).
    pub field: &'static str,
    /// The field holding its length (`refund_count`), itself indexed inside a parent
    /// item (`coupon_refund_count_0`).
    pub count: &'static str,
    /// Wire names of an item's plain fields.
    pub item_fields: &'static [&'static str],
    /// Lists inside each item.
    pub nested: &'static [IndexedList],
}

/// Most items one indexed list may claim (a hostile count cannot make us loop long).
const MAX_INDEXED_ITEMS: usize = 1000;

/// Decodes `T` from text fields where some lists come as indexed fields: they are first
/// gathered into lists of items, then every text is parsed as the type asks.
pub fn decode_indexed_text_fields<T: DeserializeOwned>(
    fields: &[(String, String)],
    lists: &[IndexedList],
) -> Result<T, Error> {
    let lookup = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut entries: Vec<(String, Node<'_>)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), Node::Text(v.as_str())))
        .collect();
    for list in lists {
        entries.push((list.field.to_owned(), gather(&lookup, list, "")?));
    }
    T::deserialize(Node::Map(entries))
}

/// The inverse of [`decode_indexed_text_fields`] (feature `encoders`): each list of
/// `lists` in `fields` (a response written as JSON) spread over its numbered fields —
/// `refunds: [{out_refund_no, coupons: [{coupon_refund_id}]}]` becomes
/// `out_refund_no_0`, `coupon_refund_id_0_0` — with its count where the item does not
/// carry it; item members the list does not name are left out.
#[cfg(feature = "encoders")]
pub fn spread_indexed_fields(
    fields: &mut serde_json::Map<String, serde_json::Value>,
    lists: &[IndexedList],
) {
    for list in lists {
        if let Some(serde_json::Value::Array(items)) = fields.remove(list.field) {
            spread(fields, list, items, "");
        }
    }
}

#[cfg(feature = "encoders")]
fn spread(
    out: &mut serde_json::Map<String, serde_json::Value>,
    list: &IndexedList,
    items: Vec<serde_json::Value>,
    suffix: &str,
) {
    out.insert(format!("{}{suffix}", list.count), items.len().into());
    for (n, item) in items.into_iter().enumerate() {
        let serde_json::Value::Object(item) = item else {
            continue;
        };
        let item_suffix = format!("{suffix}_{n}");
        for (name, value) in item {
            if let Some(inner) = list.nested.iter().find(|l| l.field == name) {
                if let serde_json::Value::Array(inner_items) = value {
                    spread(out, inner, inner_items, &item_suffix);
                }
            } else if list.item_fields.contains(&name.as_str()) && !value.is_null() {
                out.insert(format!("{name}{item_suffix}"), value);
            }
        }
    }
}

/// The items of `list` whose fields end in `<suffix>_<n>`.
fn gather<'a>(
    lookup: &dyn Fn(&str) -> Option<&'a str>,
    list: &IndexedList,
    suffix: &str,
) -> Result<Node<'a>, Error> {
    let count = match lookup(&format!("{}{suffix}", list.count)) {
        None => 0,
        Some(text) => text.trim().parse::<usize>().map_err(|_| {
            de::Error::custom(format!("`{}{suffix}` {text:?} is not a count", list.count))
        })?,
    };
    if count > MAX_INDEXED_ITEMS {
        return Err(de::Error::custom(format!(
            "`{}{suffix}` claims {count} items, more than {MAX_INDEXED_ITEMS}",
            list.count
        )));
    }
    let mut items = Vec::with_capacity(count);
    for n in 0..count {
        let item_suffix = format!("{suffix}_{n}");
        let mut entries = Vec::new();
        for name in list.item_fields {
            if let Some(text) = lookup(&format!("{name}{item_suffix}")) {
                entries.push(((*name).to_owned(), Node::Text(text)));
            }
        }
        for inner in list.nested {
            entries.push((inner.field.to_owned(), gather(lookup, inner, &item_suffix)?));
        }
        items.push(Node::Map(entries));
    }
    Ok(Node::List(items))
}

/// Text fields gathered into a tree: text, lists of items, items.
enum Node<'a> {
    Text(&'a str),
    List(Vec<Node<'a>>),
    Map(Vec<(String, Node<'a>)>),
}

impl<'a> Node<'a> {
    fn text(self) -> Result<&'a str, Error> {
        match self {
            Node::Text(text) => Ok(text),
            _ => Err(de::Error::custom("expected a text field, found a list")),
        }
    }
}

impl<'de> IntoDeserializer<'de, Error> for Node<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// Numbers and booleans: parsed from the text; anything else is an error.
macro_rules! parsed {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                let text = self.text()?;
                let parsed: $ty = text.trim().parse().map_err(|_| {
                    de::Error::custom(format!(
                        "`{}` is not a {}",
                        text.chars().take(64).collect::<String>(),
                        stringify!($ty)
                    ))
                })?;
                visitor.$visit(parsed)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Node<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Text(text) => visitor.visit_str(text),
            Node::List(items) => SeqDeserializer::new(items.into_iter()).deserialize_any(visitor),
            Node::Map(entries) => {
                MapDeserializer::new(entries.into_iter()).deserialize_any(visitor)
            }
        }
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
        visitor.visit_enum(self.text()?.into_deserializer())
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

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Refunds {
        out_trade_no: String,
        refund_count: u32,
        refunds: Vec<Refund>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Refund {
        out_refund_no: String,
        refund_fee: i64,
        #[serde(default)]
        coupons: Vec<Coupon>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Coupon {
        coupon_refund_id: String,
        coupon_refund_fee: i64,
    }

    const COUPONS: IndexedList = IndexedList {
        field: "coupons",
        count: "coupon_refund_count",
        item_fields: &["coupon_refund_id", "coupon_refund_fee"],
        nested: &[],
    };
    const REFUNDS: IndexedList = IndexedList {
        field: "refunds",
        count: "refund_count",
        item_fields: &["out_refund_no", "refund_fee"],
        nested: &[COUPONS],
    };

    #[test]
    fn indexed_fields_become_lists_of_items() {
        let r: Refunds = decode_indexed_text_fields(
            &fields(&[
                ("out_trade_no", "1415757673"),
                ("refund_count", "2"),
                ("out_refund_no_0", "R0"),
                ("refund_fee_0", "100"),
                ("coupon_refund_count_0", "2"),
                ("coupon_refund_id_0_0", "C00"),
                ("coupon_refund_fee_0_0", "10"),
                ("coupon_refund_id_0_1", "C01"),
                ("coupon_refund_fee_0_1", "5"),
                ("out_refund_no_1", "R1"),
                ("refund_fee_1", "7"),
            ]),
            &[REFUNDS],
        )
        .unwrap();
        assert_eq!(r.refund_count, 2);
        assert_eq!(r.refunds[0].coupons.len(), 2);
        assert_eq!(r.refunds[0].coupons[1].coupon_refund_id, "C01");
        assert_eq!(r.refunds[1].refund_fee, 7);
        assert!(r.refunds[1].coupons.is_empty());
    }

    #[cfg(feature = "encoders")]
    #[test]
    fn spread_lists_read_back_as_they_were() {
        let mut fields = serde_json::json!({
            "out_trade_no": "1",
            "refund_count": 2,
            "refunds": [
                {"out_refund_no": "R0", "refund_fee": 100, "coupons": [
                    {"coupon_refund_id": "C00", "coupon_refund_fee": 10},
                    {"coupon_refund_id": "C01", "coupon_refund_fee": 5},
                ]},
                {"out_refund_no": "R1", "refund_fee": 7, "unlisted": "x"},
            ],
        });
        let map = fields.as_object_mut().unwrap();
        spread_indexed_fields(map, &[REFUNDS]);
        assert_eq!(map["coupon_refund_id_0_1"], "C01");
        assert_eq!(map["coupon_refund_count_0"], 2);
        assert!(
            !map.contains_key("coupon_refund_count_1"),
            "no list, no count"
        );
        assert!(!map.contains_key("unlisted_1") && !map.contains_key("refunds"));
        let texts: Vec<(String, String)> = map
            .iter()
            .map(|(k, v)| {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                (k.clone(), text)
            })
            .collect();
        let r: Refunds = decode_indexed_text_fields(&texts, &[REFUNDS]).unwrap();
        assert_eq!(r.refunds.len(), 2);
        assert_eq!(r.refunds[0].coupons[1].coupon_refund_fee, 5);
        assert_eq!(r.refunds[1].refund_fee, 7);
    }

    #[test]
    fn a_missing_item_or_a_hostile_count_is_an_error() {
        let missing = fields(&[
            ("out_trade_no", "1"),
            ("refund_count", "2"),
            ("out_refund_no_0", "R0"),
            ("refund_fee_0", "1"),
        ]);
        assert!(decode_indexed_text_fields::<Refunds>(&missing, &[REFUNDS]).is_err());
        let huge = fields(&[("out_trade_no", "1"), ("refund_count", "99999999")]);
        let e = decode_indexed_text_fields::<Refunds>(&huge, &[REFUNDS]).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
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
