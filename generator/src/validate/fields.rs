//! Field lists (request, response and named-type fields): unique names and spellings,
//! types, placement, defaults and constraints.

use super::constraints::constraints;
use super::convert;
use super::types::{parse_type, TypeScope};
use super::Reporter;
use crate::ir::{Field, Location, Scalar, Ty};
use crate::names;
use crate::spec::{CodeValue, FieldSpec};
use std::collections::HashMap;

/// Which list a field is in: `in:`, `file`, defaults and reserved names depend on it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Request,
    Response,
    Type,
}

/// Validates a list of fields; returns them with unique idents, wire names and aliases.
pub fn fields(
    specs: &[FieldSpec],
    path: &str,
    side: Side,
    default_location: Location,
    scope: &TypeScope,
    r: &mut Reporter,
) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    let mut names = FieldNames::default();
    for (i, f) in specs.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some((ident, alias)) = names.claim(specs, i, path, side, r) else {
            continue;
        };
        let ty = match parse_type(&f.ty, scope) {
            Ok(t) => t,
            Err(msg) => {
                r.error(format!("{p}.type"), msg);
                continue;
            }
        };
        let location = f
            .location
            .map(convert::location)
            .unwrap_or(default_location);
        if side != Side::Request && f.location.is_some() {
            r.error(format!("{p}.in"), "`in` applies to request fields only");
        }
        if ty == Ty::File && side != Side::Request {
            r.error(format!("{p}.type"), "`file` is for uploads (request fields); binary responses use `response.kind: binary`");
        }
        if matches!(&ty, Ty::List(inner) | Ty::Map(inner) if **inner == Ty::MoneyYuan) {
            r.error(
                format!("{p}.type"),
                "a list or map of amounts is not supported; wrap each amount in a type",
            );
        }
        if side != Side::Request && f.packed.is_some() {
            r.error(
                format!("{p}.packed"),
                "`packed` applies to request fields only",
            );
        }
        if f.may_be_negative && ty != Ty::MoneyYuan {
            r.error(
                format!("{p}.may_be_negative"),
                "only `money_yuan` amounts are read with a sign; integer types already are",
            );
        }
        let filled_from = f.from.map(|from| {
            let p = format!("{p}.from");
            if side != Side::Request {
                r.error(&p, "`from` applies to request fields only");
            }
            if ty != Ty::String {
                r.error(&p, "a field filled from the credentials is a string");
            }
            if location == Location::Path || f.secret || f.default.is_some() || f.required {
                r.error(&p, "a field filled from the credentials is sent as the credential is: no `in: path`, `secret`, `default` or `required`");
            }
            match from {
                crate::spec::FilledFrom::AppId => crate::ir::CredentialKind::AppId,
                crate::spec::FilledFrom::MerchantId => crate::ir::CredentialKind::MerchantId,
            }
        });
        if f.secret && ty != Ty::String {
            r.error(format!("{p}.secret"), "only string fields can be secret");
        }
        let default = f
            .default
            .as_ref()
            .and_then(|v| default_value(v, f, &ty, scope, &p, r));
        if default.is_some() && side == Side::Response {
            r.error(
                format!("{p}.default"),
                "response fields take no default; leave the field optional",
            );
        }
        if let Some(count) = &f.indexed {
            indexed(specs, count, &ty, side, scope, &p, r);
        }
        let checks = constraints(f.constraints.as_ref(), &ty, &format!("{p}.constraints"), r);
        out.push(Field {
            wire: f.name.clone(),
            alias,
            ident,
            ty,
            required: f.required,
            default,
            location,
            secret: f.secret,
            packed: f.packed.unwrap_or(true),
            indexed: f.indexed.clone(),
            may_be_negative: f.may_be_negative,
            filled_from,
            checks,
            doc: f.doc.trim().to_owned(),
        });
    }
    out
}

/// An indexed list is a response-side `list<Type>` whose length is an integer field of
/// the same list.
fn indexed(
    specs: &[FieldSpec],
    count: &str,
    ty: &Ty,
    side: Side,
    scope: &TypeScope,
    path: &str,
    r: &mut Reporter,
) {
    let p = format!("{path}.indexed");
    if side == Side::Request {
        r.error(
            &p,
            "`indexed` describes how answers spread a list; it applies to response and type fields",
        );
    }
    if !matches!(ty, Ty::List(inner) if matches!(inner.as_ref(), Ty::Struct(_))) {
        r.error(
            &p,
            "an indexed field is a `list<Type>` of one of the group's types",
        );
    }
    let count_type = specs
        .iter()
        .find(|g| g.name == count)
        .map(|g| parse_type(&g.ty, scope));
    match count_type {
        Some(Ok(t)) if t.is_integer() => {}
        Some(_) => r.error(&p, format!("the count field `{count}` must be an integer")),
        None => r.error(
            &p,
            format!("no field `{count}` in this list holds the number of items"),
        ),
    }
}

/// The names a field list has handed out so far: wire names, Rust idents, and every
/// spelling (wire name or alias) a decoder accepts.
#[derive(Default)]
struct FieldNames {
    wire: HashMap<String, usize>,
    ident: HashMap<String, usize>,
    spelled: HashMap<String, usize>,
}

impl FieldNames {
    /// The ident and alias of field `i`, or `None` when it cannot be used at all.
    fn claim(
        &mut self,
        specs: &[FieldSpec],
        i: usize,
        path: &str,
        side: Side,
        r: &mut Reporter,
    ) -> Option<(String, Option<String>)> {
        let f = &specs[i];
        let p = format!("{path}[{i}]");
        if f.name.is_empty() {
            r.error(format!("{p}.name"), "field name is empty");
            return None;
        }
        if let Some(prev) = self.wire.insert(f.name.clone(), i) {
            r.error(
                format!("{p}.name"),
                format!("duplicate field `{}` (also at {path}[{prev}])", f.name),
            );
            return None;
        }
        let ident = names::snake(&f.name);
        if side != Side::Response && names::RESERVED_METHODS.contains(&ident.as_str()) {
            r.error(format!("{p}.name"), format!("field `{}` would become `{ident}`, which the generated type already uses as a method name", f.name));
        }
        if let Some(prev) = self.ident.insert(ident.clone(), i) {
            r.error(
                format!("{p}.name"),
                format!(
                    "field `{}` and `{}` ({path}[{prev}]) both become `{ident}` in Rust",
                    f.name, specs[prev].name
                ),
            );
        }
        let alias = f
            .alias
            .clone()
            .unwrap_or_else(|| names::lower_camel(&f.name));
        let alias = (alias != f.name).then_some(alias);
        for spelling in std::iter::once(&f.name).chain(alias.iter()) {
            if let Some(prev) = self.spelled.insert(spelling.clone(), i) {
                if prev != i {
                    r.error(
                        format!("{p}.alias"),
                        format!(
                            "`{spelling}` already names field `{}` ({path}[{prev}])",
                            specs[prev].name
                        ),
                    );
                }
            }
        }
        Some((ident, alias))
    }
}

fn scalar(v: &serde_yaml::Value) -> Option<Scalar> {
    match v {
        serde_yaml::Value::Bool(b) => Some(Scalar::Bool(*b)),
        serde_yaml::Value::Number(n) => n
            .as_i64()
            .map(Scalar::Int)
            .or_else(|| n.as_f64().map(Scalar::Float)),
        serde_yaml::Value::String(s) => Some(Scalar::Str(s.clone())),
        _ => None,
    }
}

/// A field's `default:`, when it fits the field's type.
fn default_value(
    v: &serde_yaml::Value,
    f: &FieldSpec,
    ty: &Ty,
    scope: &TypeScope,
    p: &str,
    r: &mut Reporter,
) -> Option<Scalar> {
    match (scalar(v), ty) {
        (Some(s @ Scalar::Bool(_)), Ty::Bool) => Some(s),
        (Some(Scalar::Int(n)), t) if t.is_integer() => Some(Scalar::Int(n)),
        (Some(Scalar::Int(n)), Ty::F64) => Some(Scalar::Float(n as f64)),
        (Some(Scalar::Float(x)), Ty::F64) if !x.is_finite() => {
            // `.inf` and `.nan` are YAML floats, but no Rust literal can spell them.
            r.error(format!("{p}.default"), "default must be a finite number");
            None
        }
        (Some(s @ Scalar::Float(_)), Ty::F64) => Some(s),
        (Some(s @ Scalar::Str(_)), Ty::String) => Some(s),
        (Some(Scalar::Str(s)), Ty::Enum(name)) => {
            let value = scope.enums.get(name).and_then(|e| {
                e.values
                    .iter()
                    .find(|v| v.value == CodeValue::Str(s.clone()))
            });
            match value {
                Some(v) => Some(Scalar::Variant {
                    variant: names::enum_variant(v.name.as_deref(), &s),
                    wire: s,
                }),
                None => {
                    r.error(
                        format!("{p}.default"),
                        format!("`{s}` is not a value of enum `{name}`"),
                    );
                    None
                }
            }
        }
        _ => {
            r.error(format!("{p}.default"), format!("default does not fit type `{}` (defaults are scalars; describe others in `doc`)", f.ty));
            None
        }
    }
}
