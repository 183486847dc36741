//! A group file: its named types, enums and endpoints, and the type names they all put
//! into the group's module.

use super::doc_text;
use super::endpoint::endpoint;
use super::fields::{fields, Side};
use super::platform::PlatformContext;
use super::sources::sources;
use super::types::{enumeration, TypeScope};
use super::usage::mark_usage;
use super::Reporter;
use crate::ir::{Endpoint, Enum, Field, Group, IndexedList, Location, Struct, Ty, Usage};
use crate::names;
use crate::spec::{EnvelopeSpec, GroupSpec};
use std::collections::HashMap;

pub fn group(
    spec: &GroupSpec,
    ctx: &PlatformContext,
    envelope: &EnvelopeSpec,
    file: &str,
    r: &mut Reporter,
) -> Group {
    let sources = sources(&spec.source, "source", r);
    let module = names::group_module(&spec.group);
    let handle = names::group_handle(&spec.group);
    let scope = TypeScope {
        structs: &spec.types,
        enums: &spec.enums,
    };
    let mut type_names = TypeNames::default();
    for rust in names::RUST_TYPE_NAMES {
        type_names.reserve(rust, "a Rust type the generated code names");
    }
    type_names.claim(r, &handle, "group");
    type_names.claim(r, names::CLIENT_TYPE, "the platform's client type");
    let mut structs = structs(spec, &scope, &mut type_names, r);
    let mut enums = enums(spec, &mut type_names, r);
    let mut endpoints = endpoints(spec, ctx, envelope, &scope, &mut type_names, r);
    for ep in &mut endpoints {
        ep.indexed_lists = indexed_lists(&ep.response, &structs, 0);
    }
    doc_text::group(spec, r);
    mark_usage(&mut structs, &mut enums, &endpoints);
    Group {
        file: file.to_owned(),
        doc_name: spec.group.clone(),
        module,
        handle,
        title: spec.title.trim().to_owned(),
        doc: spec.doc.as_ref().map(|d| d.trim().to_owned()),
        sources,
        structs,
        enums,
        endpoints,
    }
}

/// The indexed lists of a field list, each resolved to its item type's fields (nested
/// indexed lists included; the depth bound stops a type that contains itself).
fn indexed_lists(fields: &[Field], structs: &[Struct], depth: usize) -> Vec<IndexedList> {
    if depth > 4 {
        return Vec::new();
    }
    fields
        .iter()
        .filter_map(|f| {
            let count = f.indexed.as_ref()?;
            let Ty::List(inner) = &f.ty else { return None };
            let Ty::Struct(name) = inner.as_ref() else {
                return None;
            };
            let item = structs.iter().find(|s| &s.name == name)?;
            Some(IndexedList {
                field: f.wire.clone(),
                count: count.clone(),
                item_fields: item
                    .fields
                    .iter()
                    .filter(|g| g.indexed.is_none())
                    .map(|g| g.wire.clone())
                    .collect(),
                nested: indexed_lists(&item.fields, structs, depth + 1),
            })
        })
        .collect()
}

/// Every type name in the group's module, with where it came from.
#[derive(Default)]
struct TypeNames(HashMap<String, String>);

impl TypeNames {
    /// Takes `name` for something outside the schema, without a diagnostic.
    fn reserve(&mut self, name: &str, what: &str) {
        self.0.insert(name.to_owned(), what.to_owned());
    }

    fn claim(&mut self, r: &mut Reporter, name: &str, path: &str) {
        if let Some(prev) = self.0.insert(name.to_owned(), path.to_owned()) {
            r.error(
                path,
                format!("type name `{name}` is already used by {prev}"),
            );
        }
    }
}

fn structs(
    spec: &GroupSpec,
    scope: &TypeScope,
    type_names: &mut TypeNames,
    r: &mut Reporter,
) -> Vec<Struct> {
    let mut structs = Vec::new();
    for (name, t) in &spec.types {
        let path = format!("types.{name}");
        if names::upper_camel(name) != *name {
            r.error(
                &path,
                format!(
                    "type names are UpperCamelCase: `{name}` (did you mean `{}`?)",
                    names::upper_camel(name)
                ),
            );
        }
        type_names.claim(r, name, &path);
        let fs = fields(
            &t.fields,
            &format!("{path}.fields"),
            Side::Type,
            Location::Body,
            scope,
            r,
        );
        structs.push(Struct {
            name: name.clone(),
            doc: t.doc.trim().to_owned(),
            fields: fs,
            usage: Usage::default(),
        });
    }
    structs
}

fn enums(spec: &GroupSpec, type_names: &mut TypeNames, r: &mut Reporter) -> Vec<Enum> {
    let mut enums = Vec::new();
    for (name, e) in &spec.enums {
        let path = format!("enums.{name}");
        if names::upper_camel(name) != *name {
            r.error(
                &path,
                format!(
                    "enum names are UpperCamelCase: `{name}` (did you mean `{}`?)",
                    names::upper_camel(name)
                ),
            );
        }
        type_names.claim(r, name, &path);
        enums.push(enumeration(name, e, &path, r));
    }
    enums
}

fn endpoints(
    spec: &GroupSpec,
    ctx: &PlatformContext,
    envelope: &EnvelopeSpec,
    scope: &TypeScope,
    type_names: &mut TypeNames,
    r: &mut Reporter,
) -> Vec<Endpoint> {
    let mut endpoints = Vec::new();
    let mut doc_names = HashMap::new();
    let mut methods = HashMap::new();
    for (i, e) in spec.endpoints.iter().enumerate() {
        let path = format!("endpoints[{i}]");
        if let Some(prev) = doc_names.insert(e.name.clone(), i) {
            r.error(
                format!("{path}.name"),
                format!("duplicate endpoint `{}` (also endpoints[{prev}])", e.name),
            );
            continue;
        }
        let method_name = names::endpoint_method(&e.name);
        if let Some(prev) = methods.insert(method_name.clone(), i) {
            r.error(
                format!("{path}.name"),
                format!(
                    "endpoints `{}` and `{}` both become method `{method_name}`",
                    e.name, spec.endpoints[prev].name
                ),
            );
            continue;
        }
        let ep = endpoint(e, &spec.group, ctx, envelope, scope, &path, r);
        type_names.claim(r, &ep.request_type, &path);
        type_names.claim(r, &ep.response_type, &path);
        type_names.claim(r, &ep.error_type, &path);
        for alt in &ep.alternatives {
            type_names.claim(r, &alt.type_name, &format!("{path}.alternatives"));
        }
        endpoints.push(ep);
    }
    endpoints
}
