//! Serializing the generated enums that only ever read the wire (response enums have
//! `Deserialize` but no `Serialize`) as their wire text, for the state snapshots the
//! admin API answers with.

use serde::Serializer;
use std::fmt::Display;

/// The value's wire text (its `Display`, which is its `as_str`).
pub(crate) fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// An optional value's wire text, or `null`.
#[allow(dead_code)] // for whichever merchant has optional enum fields
pub(crate) fn option<T: Display, S: Serializer>(
    value: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => s.collect_str(value),
        None => s.serialize_none(),
    }
}
