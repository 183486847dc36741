//! `alternatives:` — request fields of which exactly one group is sent, moved out of the
//! request struct into an enum.

use super::Reporter;
use crate::ir::{Alternative, BodyKind, Field, Location, Variant};
use crate::names;
use crate::spec::{AlternativeSpec, EndpointSpec, VariantSpec};
use std::collections::{BTreeSet, HashMap};

/// Splits the declared request fields into the plain ones and the alternatives.
pub fn alternatives(
    e: &EndpointSpec,
    all_request: Vec<Field>,
    body: BodyKind,
    path: &str,
    r: &mut Reporter,
) -> (Vec<Field>, Vec<Alternative>) {
    // Which alternative each moved field belongs to (a field may be in one only).
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut alternatives = Vec::new();
    for (ai, a) in e.alternatives.iter().enumerate() {
        let ap = format!("{path}.alternatives[{ai}]");
        let ident = names::snake(&a.name);
        if all_request.iter().any(|f| f.ident == ident) {
            r.error(
                format!("{ap}.name"),
                format!("`{}` clashes with a request field", a.name),
            );
        }
        let tag_field = tag_field(a, &ap, r);
        let mut variants = Vec::new();
        let mut vnames = BTreeSet::new();
        for (vi, v) in a.variants.iter().enumerate() {
            let vp = format!("{ap}.variants[{vi}]");
            let vname = variant_name(v, &mut vnames, tag_field.as_deref(), &vp, r);
            let vfields = variant_fields(v, ai, e, &all_request, &mut taken, &vp, r);
            if vfields.is_empty() {
                r.error(format!("{vp}.fields"), "a variant needs at least one field");
            }
            variants.push(Variant {
                constructor: names::variant_constructor(&vname),
                name: vname,
                doc: v.doc.trim().to_owned(),
                tag_value: v.tag.as_ref().map(|t| t.value.clone()),
                fields: vfields,
            });
        }
        check_wire_layout(&variants, tag_field.as_deref(), &all_request, body, &ap, r);
        alternatives.push(Alternative {
            ident,
            type_name: names::alternative_type(&e.name, &a.name),
            doc: a.doc.trim().to_owned(),
            tag_field,
            variants,
        });
    }
    let request = all_request
        .into_iter()
        .filter(|f| !taken.contains_key(&f.wire))
        .collect();
    (request, alternatives)
}

/// The request fields a variant names, now required (within the variant).
fn variant_fields(
    v: &VariantSpec,
    ai: usize,
    e: &EndpointSpec,
    all_request: &[Field],
    taken: &mut HashMap<String, usize>,
    vp: &str,
    r: &mut Reporter,
) -> Vec<Field> {
    let mut vfields = Vec::new();
    for (fi, fname) in v.fields.iter().enumerate() {
        let fp = format!("{vp}.fields[{fi}]");
        let Some(f) = all_request.iter().find(|f| f.wire == *fname) else {
            r.error(fp, format!("`{fname}` is not declared in `request`"));
            continue;
        };
        if f.required {
            r.error(&fp, format!("`{fname}` is `required: true`, but a field chosen by an alternative is only required within its variant"));
        }
        if let Some(prev) = taken.insert(fname.clone(), ai) {
            if prev != ai {
                let owner = &e.alternatives[prev].name;
                r.error(
                    fp,
                    format!("`{fname}` already belongs to alternative `{owner}`"),
                );
            }
        }
        let mut f = f.clone();
        f.required = true;
        vfields.push(f);
    }
    vfields
}

/// The field an internally tagged alternative writes its variant's tag to, if tagged.
fn tag_field(a: &AlternativeSpec, ap: &str, r: &mut Reporter) -> Option<String> {
    if a.variants.len() < 2 {
        r.error(
            format!("{ap}.variants"),
            "an alternative needs at least two variants",
        );
    }
    let tagged = a.variants.iter().filter(|v| v.tag.is_some()).count();
    if tagged != 0 && tagged != a.variants.len() {
        r.error(
            format!("{ap}.variants"),
            "either every variant has a `tag` or none does",
        );
    }
    a.variants
        .first()
        .and_then(|v| v.tag.as_ref())
        .map(|t| t.field.clone())
}

fn variant_name(
    v: &VariantSpec,
    seen: &mut BTreeSet<String>,
    tag_field: Option<&str>,
    vp: &str,
    r: &mut Reporter,
) -> String {
    let vname = names::upper_camel(&v.name);
    if vname != v.name {
        r.error(
            format!("{vp}.name"),
            format!(
                "variant names are UpperCamelCase: `{}` (did you mean `{vname}`?)",
                v.name
            ),
        );
    }
    if !seen.insert(vname.clone()) {
        r.error(format!("{vp}.name"), format!("duplicate variant `{vname}`"));
    }
    if let (Some(t), Some(tf)) = (&v.tag, tag_field) {
        if t.field != tf {
            r.error(
                format!("{vp}.tag.field"),
                format!("every variant must tag the same field (`{tf}`)"),
            );
        }
    }
    vname
}

/// An alternative is serialized as one piece: all in the body or all in the query, and
/// a tag needs a JSON body to live in.
fn check_wire_layout(
    variants: &[Variant],
    tag_field: Option<&str>,
    all_request: &[Field],
    body: BodyKind,
    ap: &str,
    r: &mut Reporter,
) {
    if matches!(body, BodyKind::Json | BodyKind::Form | BodyKind::Xml) {
        let locs: BTreeSet<bool> = variants
            .iter()
            .flat_map(|v| v.fields.iter())
            .map(|f| f.location == Location::Query)
            .collect();
        if locs.len() > 1 {
            r.error(ap, "with a JSON/form body, an alternative's fields must all be in the query or all in the body");
        }
    }
    if let Some(tf) = tag_field {
        if body != BodyKind::Json {
            r.error(ap, "tagged alternatives need `body: json`");
        }
        if all_request.iter().any(|f| f.wire == *tf) {
            r.error(
                ap,
                format!("the tag field `{tf}` must not also be declared in `request`"),
            );
        }
    }
}
