//! Type references (`string`, `list<Item>`, a group's own types) and the group's enums.

use super::convert;
use super::Reporter;
use crate::ir::{Enum, EnumValue, Ty, Usage};
use crate::names;
use crate::spec::{CodeValue, EnumRepr, EnumSpec, TypeSpec};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a type name in a group refers to.
pub struct TypeScope<'a> {
    pub structs: &'a BTreeMap<String, TypeSpec>,
    pub enums: &'a BTreeMap<String, EnumSpec>,
}

pub fn parse_type(raw: &str, scope: &TypeScope) -> Result<Ty, String> {
    let t = raw.trim();
    if let Some(inner) = t.strip_prefix("list<").and_then(|s| s.strip_suffix('>')) {
        return Ok(Ty::List(Box::new(parse_type(inner, scope)?)));
    }
    if let Some(inner) = t.strip_prefix("map<").and_then(|s| s.strip_suffix('>')) {
        return Ok(Ty::Map(Box::new(parse_type(inner, scope)?)));
    }
    Ok(match t {
        "string" => Ty::String,
        "bool" => Ty::Bool,
        "i32" => Ty::I32,
        "i64" => Ty::I64,
        "u32" => Ty::U32,
        "u64" => Ty::U64,
        "f64" => Ty::F64,
        "money_yuan" => Ty::MoneyYuan,
        "file" => Ty::File,
        "json" => Ty::Json,
        name if scope.structs.contains_key(name) => Ty::Struct(name.to_owned()),
        name if scope.enums.contains_key(name) => Ty::Enum(name.to_owned()),
        other => {
            let mut known: Vec<&str> = vec![
                "string",
                "bool",
                "i32",
                "i64",
                "u32",
                "u64",
                "f64",
                "money_yuan",
                "file",
                "json",
                "list<T>",
                "map<T>",
            ];
            known.extend(scope.structs.keys().map(String::as_str));
            known.extend(scope.enums.keys().map(String::as_str));
            return Err(format!(
                "unknown type `{other}`; known: {}",
                known.join(", ")
            ));
        }
    })
}

pub fn enumeration(name: &str, e: &EnumSpec, path: &str, r: &mut Reporter) -> Enum {
    let mut values = Vec::new();
    let mut seen_wire = BTreeSet::new();
    let mut seen_variant = HashMap::new();
    if e.values.is_empty() {
        r.error(format!("{path}.values"), "an enum needs at least one value");
    }
    for (i, v) in e.values.iter().enumerate() {
        let p = format!("{path}.values[{i}]");
        match (&v.value, e.repr) {
            (CodeValue::Int(_), EnumRepr::Int) | (CodeValue::Str(_), EnumRepr::String) => {}
            _ => r.error(
                format!("{p}.value"),
                format!(
                    "value {} does not match the enum's type {:?}",
                    v.value, e.repr
                ),
            ),
        }
        if !seen_wire.insert(v.value.clone()) {
            r.error(format!("{p}.value"), format!("duplicate value {}", v.value));
        }
        let variant = enum_variant(v.name.as_deref(), &v.value, &p, r);
        if let Some(prev) = seen_variant.insert(variant.clone(), i) {
            r.error(
                &p,
                format!(
                    "values {} and {} both become variant `{variant}`",
                    e.values[prev].value, v.value
                ),
            );
        }
        values.push(EnumValue {
            wire: convert::code_value(&v.value),
            variant,
            doc: v.doc.trim().to_owned(),
        });
    }
    Enum {
        name: name.to_owned(),
        doc: e.doc.trim().to_owned(),
        repr: convert::enum_repr(e.repr),
        values,
        usage: Usage::default(),
    }
}

/// The Rust variant of one enum value: its `name:`, or its string value in UpperCamelCase.
fn enum_variant(name: Option<&str>, value: &CodeValue, p: &str, r: &mut Reporter) -> String {
    let variant = match (name, value) {
        (None, CodeValue::Int(n)) => {
            r.error(
                p,
                format!("integer value {n} needs a `name` for its Rust variant"),
            );
            names::unnamed_int_variant(*n)
        }
        (name, value) => {
            let wire = match value {
                CodeValue::Str(s) => s.as_str(),
                CodeValue::Int(_) => "",
            };
            let s = names::enum_variant(name, wire);
            if let Some(n) = name.filter(|n| *n != s) {
                r.error(
                    format!("{p}.name"),
                    format!("variant names are UpperCamelCase: `{n}` (did you mean `{s}`?)"),
                );
            }
            s
        }
    };
    if variant == names::OTHER_VARIANT {
        r.error(
            format!("{p}.name"),
            "`Other` is reserved for values the docs do not list",
        );
    }
    variant
}
