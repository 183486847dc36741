//! Spec → IR. Collects every problem it finds (it does not stop at the first) and never
//! panics on any input.

use crate::diag::Diagnostic;
use crate::ir::*;
use crate::locate::Locations;
use crate::names;
use crate::spec::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Reports problems of one file, with line/column looked up from its YAML path.
pub struct Reporter<'a> {
    pub file: &'a str,
    pub locations: &'a Locations,
    pub out: &'a mut Vec<Diagnostic>,
}

impl Reporter<'_> {
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        let path = path.into();
        let at = self.locations.find(&path);
        self.out.push(Diagnostic {
            file: self.file.to_owned(),
            path,
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
            message: message.into(),
        });
    }
}

pub struct PlatformContext {
    pub auth: BTreeMap<String, Auth>,
    /// Names of the platform's named hosts (`hosts:` entries besides production/sandbox).
    pub hosts: BTreeSet<String>,
    pub common_errors: Vec<(ErrorCase, AppliesTo)>,
}

pub fn platform(spec: &PlatformSpec, r: &mut Reporter) -> PlatformContext {
    if names::snake(&spec.platform) != spec.platform {
        r.error(
            "platform",
            format!(
                "platform name `{}` must be snake_case (it names a module and a cargo feature)",
                spec.platform
            ),
        );
    }
    let named_paths: Vec<(&String, String)> = spec
        .hosts
        .named
        .iter()
        .map(|(name, url)| (url, format!("hosts.{name}")))
        .collect();
    for (host, path) in std::iter::once((&spec.hosts.production, "hosts.production".to_owned()))
        .chain(
            spec.hosts
                .sandbox
                .as_ref()
                .map(|s| (s, "hosts.sandbox".to_owned())),
        )
        .chain(named_paths)
    {
        let bad_url = !(host.starts_with("https://") || host.starts_with("http://"))
            || host.ends_with('/')
            || host.contains(['?', '#', ' ']);
        if bad_url {
            r.error(
                &path,
                format!("host `{host}` must be an http(s) URL without a trailing slash or query"),
            );
        }
    }
    let mut hosts = BTreeSet::new();
    for name in spec.hosts.named.keys() {
        if names::snake(name) != *name {
            r.error(
                format!("hosts.{name}"),
                format!("host name `{name}` must be snake_case (endpoints refer to it with `host: {name}`)"),
            );
        }
        hosts.insert(name.clone());
    }
    envelope(&spec.envelope, r);
    let mut auth = BTreeMap::new();
    for (name, a) in &spec.auth {
        let path = format!("auth.{name}");
        if name == "none" {
            r.error(
                &path,
                "`none` is reserved for endpoints without authentication",
            );
            continue;
        }
        if let Some(parsed) = auth_spec(a, &path, r) {
            auth.insert(name.clone(), parsed);
        }
    }
    let mut common_errors = Vec::new();
    let mut seen_codes = BTreeSet::new();
    let mut seen_names = BTreeSet::new();
    for (i, e) in spec.common_errors.iter().enumerate() {
        let path = format!("common_errors[{i}]");
        let Some(case) = error_case(e, &path, &spec.envelope, r) else {
            continue;
        };
        if !seen_codes.insert(case.code.clone()) {
            r.error(
                format!("{path}.code"),
                format!("duplicate error code {}", case.code),
            );
        }
        if !seen_names.insert(case.variant.clone()) {
            r.error(
                format!("{path}.name"),
                format!("duplicate error name `{}`", case.variant),
            );
        }
        match e.applies_to {
            Some(applies) => common_errors.push((case, applies)),
            None => r.error(
                &path,
                "common errors need `applies_to: all` or `applies_to: access_token`",
            ),
        }
    }
    PlatformContext {
        auth,
        hosts,
        common_errors,
    }
}

fn envelope(e: &EnvelopeSpec, r: &mut Reporter) {
    let need = |r: &mut Reporter, key: &str, v: &Option<String>| {
        if v.is_none() {
            r.error(
                format!("envelope.{key}"),
                format!("style `{:?}` needs `{key}`", e.style),
            );
        }
    };
    match e.style {
        EnvelopeStyle::Errcode => {}
        EnvelopeStyle::ErrnoData => need(r, "data", &e.data),
        EnvelopeStyle::CodeMsgData => {
            need(r, "data", &e.data);
            need(r, "business_code", &e.business_code);
        }
        EnvelopeStyle::WechatpayXml => {
            need(r, "result", &e.result);
            need(r, "business_code", &e.business_code);
        }
        EnvelopeStyle::Alipay => need(r, "sub_code", &e.sub_code),
    }
    if e.success.is_empty() {
        r.error("envelope.success", "list at least one success code");
    }
}

fn auth_spec(a: &AuthSpec, path: &str, r: &mut Reporter) -> Option<Auth> {
    let extra = |r: &mut Reporter, key: &str, present: bool| {
        if present {
            r.error(
                format!("{path}.{key}"),
                format!("`{key}` does not apply to auth kind {:?}", a.kind),
            );
        }
    };
    let need = |r: &mut Reporter, key: &str, v: &Option<String>| -> String {
        v.clone().unwrap_or_else(|| {
            r.error(path, format!("auth kind {:?} needs `{key}`", a.kind));
            String::new()
        })
    };
    match a.kind {
        AuthKindSpec::AccessToken => {
            extra(r, "app_id", a.app_id.is_some());
            extra(r, "secret", a.secret.is_some());
            extra(r, "scheme", a.scheme.is_some());
            if a.location == Some(Location::Body) {
                r.error(format!("{path}.in"), "access tokens travel in the query");
            }
            Some(Auth::AccessToken {
                name: need(r, "name", &a.name),
            })
        }
        AuthKindSpec::AppSecret => {
            extra(r, "name", a.name.is_some());
            extra(r, "scheme", a.scheme.is_some());
            Some(Auth::AppSecret {
                app_id: need(r, "app_id", &a.app_id),
                secret: need(r, "secret", &a.secret),
                in_body: a.location == Some(Location::Body),
            })
        }
        AuthKindSpec::Sign => {
            extra(r, "app_id", a.app_id.is_some());
            extra(r, "secret", a.secret.is_some());
            Some(Auth::Sign {
                scheme: need(r, "scheme", &a.scheme),
                field: need(r, "field", &a.field),
                unconfirmed: a.unconfirmed.clone(),
            })
        }
    }
}

fn error_case(
    e: &ErrorSpec,
    path: &str,
    env: &EnvelopeSpec,
    r: &mut Reporter,
) -> Option<ErrorCase> {
    let code = match (&e.code, env.code_type) {
        (CodeValue::Int(i), CodeType::Integer) => CodeLit::Int(*i),
        (CodeValue::Str(s), CodeType::String) => CodeLit::Str(s.clone()),
        (CodeValue::Str(s), CodeType::Integer) => {
            r.error(
                format!("{path}.code"),
                format!("error code {s:?} is a string; this platform's codes are integers (envelope.code_type)"),
            );
            return None;
        }
        (CodeValue::Int(i), CodeType::String) => {
            r.error(
                format!("{path}.code"),
                format!("error code {i} is an integer; this platform's codes are strings (envelope.code_type): write it as \"{i}\""),
            );
            return None;
        }
    };
    if env.success.contains(&e.code) {
        r.error(
            format!("{path}.code"),
            format!("{code} is the success code, not an error"),
        );
    }
    let variant = names::upper_camel(&e.name);
    if variant != e.name {
        r.error(
            format!("{path}.name"),
            format!(
                "error names are UpperCamelCase: `{}` (did you mean `{variant}`?)",
                e.name
            ),
        );
    }
    if variant == "Other" {
        r.error(
            format!("{path}.name"),
            "`Other` is reserved for codes the docs do not list",
        );
    }
    if e.retryable && e.token_invalid {
        r.error(path, "an error cannot be both `retryable` and `token_invalid`: the runtime handles them differently");
    }
    Some(ErrorCase {
        code,
        variant,
        doc: e.doc.trim().to_owned(),
        retryable: e.retryable,
        token_invalid: e.token_invalid,
    })
}

/// What a type name in a group refers to.
struct TypeScope<'a> {
    structs: &'a BTreeMap<String, TypeSpec>,
    enums: &'a BTreeMap<String, EnumSpec>,
}

fn parse_type(raw: &str, scope: &TypeScope) -> Result<Ty, String> {
    let t = raw.trim();
    if let Some(inner) = t.strip_prefix("list<").and_then(|s| s.strip_suffix('>')) {
        return Ok(Ty::List(Box::new(parse_type(inner, scope)?)));
    }
    Ok(match t {
        "string" => Ty::String,
        "bool" => Ty::Bool,
        "i32" => Ty::I32,
        "i64" => Ty::I64,
        "u32" => Ty::U32,
        "u64" => Ty::U64,
        "f64" => Ty::F64,
        "file" => Ty::File,
        "json" => Ty::Json,
        name if scope.structs.contains_key(name) => Ty::Struct(name.to_owned()),
        name if scope.enums.contains_key(name) => Ty::Enum(name.to_owned()),
        other => {
            let mut known: Vec<&str> = vec![
                "string", "bool", "i32", "i64", "u32", "u64", "f64", "file", "json", "list<T>",
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

/// Methods every generated request type has; a setter must not shadow them.
const RESERVED_METHODS: &[&str] = &["new", "validate", "write_query", "multipart"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
    Type,
}

/// Validates a list of fields; returns them with unique idents, wire names and aliases.
fn fields(
    specs: &[FieldSpec],
    path: &str,
    side: Side,
    default_location: Location,
    scope: &TypeScope,
    r: &mut Reporter,
) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    let mut wire_seen: HashMap<String, usize> = HashMap::new();
    let mut ident_seen: HashMap<String, usize> = HashMap::new();
    let mut spelled: HashMap<String, usize> = HashMap::new();
    for (i, f) in specs.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if f.name.is_empty() {
            r.error(format!("{p}.name"), "field name is empty");
            continue;
        }
        if let Some(prev) = wire_seen.insert(f.name.clone(), i) {
            r.error(
                format!("{p}.name"),
                format!("duplicate field `{}` (also at {path}[{prev}])", f.name),
            );
            continue;
        }
        let ident = names::snake(&f.name);
        if side != Side::Response && RESERVED_METHODS.contains(&ident.as_str()) {
            r.error(format!("{p}.name"), format!("field `{}` would become `{ident}`, which the generated type already uses as a method name", f.name));
        }
        if let Some(prev) = ident_seen.insert(ident.clone(), i) {
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
            if let Some(prev) = spelled.insert(spelling.clone(), i) {
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
        let ty = match parse_type(&f.ty, scope) {
            Ok(t) => t,
            Err(msg) => {
                r.error(format!("{p}.type"), msg);
                continue;
            }
        };
        let location = f.location.unwrap_or(default_location);
        if side != Side::Request && f.location.is_some() {
            r.error(format!("{p}.in"), "`in` applies to request fields only");
        }
        if ty == Ty::File && side != Side::Request {
            r.error(format!("{p}.type"), "`file` is for uploads (request fields); binary responses use `response.kind: binary`");
        }
        if f.secret && ty != Ty::String {
            r.error(format!("{p}.secret"), "only string fields can be secret");
        }
        let default = match &f.default {
            None => None,
            Some(v) => match (scalar(v), &ty) {
                (Some(s @ Scalar::Bool(_)), Ty::Bool) => Some(s),
                (Some(Scalar::Int(n)), t) if t.is_integer() => Some(Scalar::Int(n)),
                (Some(Scalar::Int(n)), Ty::F64) => Some(Scalar::Float(n as f64)),
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
                            variant: v.name.clone().unwrap_or_else(|| names::upper_camel(&s)),
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
            },
        };
        if default.is_some() && side == Side::Response {
            r.error(
                format!("{p}.default"),
                "response fields take no default; leave the field optional",
            );
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
            checks,
            doc: f.doc.trim().to_owned(),
        });
    }
    out
}

fn constraints(c: Option<&Constraints>, ty: &Ty, path: &str, r: &mut Reporter) -> Vec<Check> {
    let Some(c) = c else { return Vec::new() };
    let mut checks = Vec::new();
    if let Some(len) = &c.length {
        if *ty != Ty::String {
            r.error(format!("{path}.length"), "length applies to strings only");
        }
        let (min, max) = (len.min.unwrap_or(0), len.max.unwrap_or(usize::MAX));
        if min > max {
            r.error(
                format!("{path}.length"),
                format!("min {min} is larger than max {max}"),
            );
        }
        checks.push(match len.unit {
            LengthUnit::Bytes => Check::ByteLen(min, max),
            LengthUnit::Chars => Check::CharLen(min, max),
        });
    }
    if let Some(range) = &c.range {
        if !ty.is_numeric() {
            r.error(format!("{path}.range"), "range applies to numbers only");
        }
        let (min, max) = (range.min.unwrap_or(f64::MIN), range.max.unwrap_or(f64::MAX));
        if min > max {
            r.error(
                format!("{path}.range"),
                format!("min {min} is larger than max {max}"),
            );
        }
        if ty.is_integer()
            && (min.fract() != 0.0 || max.fract() != 0.0)
            && range.min.is_some()
            && range.max.is_some()
        {
            r.error(
                format!("{path}.range"),
                "an integer field needs integer bounds",
            );
        }
        checks.push(Check::Range(min, max));
    }
    if let Some(cs) = &c.charset {
        if *ty != Ty::String {
            r.error(format!("{path}.charset"), "charset applies to strings only");
        }
        if cs.is_empty() {
            r.error(format!("{path}.charset"), "charset is empty");
        }
        checks.push(Check::Charset(cs.clone()));
    }
    checks
}

pub fn group(
    spec: &GroupSpec,
    ctx: &PlatformContext,
    envelope: &EnvelopeSpec,
    file: &str,
    r: &mut Reporter,
) -> Group {
    let module = names::snake(&spec.group);
    let handle = names::upper_camel(&spec.group);
    let scope = TypeScope {
        structs: &spec.types,
        enums: &spec.enums,
    };
    // Every type name in the group's module, with where it came from.
    let mut type_names: HashMap<String, String> = HashMap::new();
    let mut claim = |r: &mut Reporter, name: String, path: String| {
        if let Some(prev) = type_names.insert(name.clone(), path.clone()) {
            r.error(
                path,
                format!("type name `{name}` is already used by {prev}"),
            );
        }
    };
    claim(r, handle.clone(), "group".into());
    claim(r, "Client".into(), "the platform's client type".into());

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
        claim(r, name.clone(), path.clone());
        let fs = fields(
            &t.fields,
            &format!("{path}.fields"),
            Side::Type,
            Location::Body,
            &scope,
            r,
        );
        structs.push(Struct {
            name: name.clone(),
            doc: t.doc.trim().to_owned(),
            fields: fs,
            usage: Usage::default(),
        });
    }
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
        claim(r, name.clone(), path.clone());
        enums.push(enum_(name, e, &path, r));
    }

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
        let method_name = names::snake(&e.name);
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
        let Some(ep) = endpoint(e, &spec.group, ctx, envelope, &scope, &path, r) else {
            continue;
        };
        claim(r, ep.request_type(), path.clone());
        claim(r, ep.response_type(), path.clone());
        claim(r, ep.error_type(), path.clone());
        for alt in &ep.alternatives {
            claim(r, alt.type_name.clone(), format!("{path}.alternatives"));
        }
        endpoints.push(ep);
    }
    mark_usage(&mut structs, &mut enums, &endpoints);
    Group {
        file: file.to_owned(),
        doc_name: spec.group.clone(),
        module,
        handle,
        title: spec.title.trim().to_owned(),
        doc: spec.doc.as_ref().map(|d| d.trim().to_owned()),
        source: spec.source.clone(),
        structs,
        enums,
        endpoints,
    }
}

fn enum_(name: &str, e: &EnumSpec, path: &str, r: &mut Reporter) -> Enum {
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
        let variant = match (&v.name, &v.value) {
            (Some(n), _) => {
                let s = names::upper_camel(n);
                if s != *n {
                    r.error(
                        format!("{p}.name"),
                        format!("variant names are UpperCamelCase: `{n}` (did you mean `{s}`?)"),
                    );
                }
                s
            }
            (None, CodeValue::Str(s)) => names::upper_camel(s),
            (None, CodeValue::Int(n)) => {
                r.error(
                    &p,
                    format!("integer value {n} needs a `name` for its Rust variant"),
                );
                format!("V{n}")
            }
        };
        if variant == "Other" {
            r.error(
                format!("{p}.name"),
                "`Other` is reserved for values the docs do not list",
            );
        }
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
            wire: v.value.clone(),
            variant,
            doc: v.doc.trim().to_owned(),
        });
    }
    Enum {
        name: name.to_owned(),
        doc: e.doc.trim().to_owned(),
        repr: e.repr,
        values,
        usage: Usage::default(),
    }
}

fn endpoint(
    e: &EndpointSpec,
    group: &str,
    ctx: &PlatformContext,
    envelope: &EnvelopeSpec,
    scope: &TypeScope,
    path: &str,
    r: &mut Reporter,
) -> Option<Endpoint> {
    let prefix = names::upper_camel(&e.name);
    if !e.path.starts_with('/') || e.path.contains(['?', '#', ' ']) {
        r.error(
            format!("{path}.path"),
            format!("path `{}` must start with `/` and carry no query", e.path),
        );
    }
    let host = match e.host.as_deref() {
        None | Some("production") => None,
        Some("sandbox") => {
            r.error(
                format!("{path}.host"),
                "`sandbox` is the platform's test environment, chosen by the client, not by an endpoint",
            );
            None
        }
        Some(name) if ctx.hosts.contains(name) => Some(name.to_owned()),
        Some(name) => {
            let known: Vec<&str> = std::iter::once("production")
                .chain(ctx.hosts.iter().map(String::as_str))
                .collect();
            r.error(
                format!("{path}.host"),
                format!(
                    "unknown host `{name}`; the platform's `hosts:` define: {}",
                    known.join(", ")
                ),
            );
            None
        }
    };
    let body = e.body.unwrap_or(match e.method {
        Method::Get => BodySpec::None,
        Method::Post => BodySpec::Json,
    });
    if e.method == Method::Get && body != BodySpec::None {
        r.error(
            format!("{path}.body"),
            "a GET request has no body; use `body: none` or POST",
        );
    }
    let auth = if e.auth == "none" {
        Auth::None
    } else if let Some(a) = ctx.auth.get(&e.auth) {
        a.clone()
    } else {
        let known: Vec<&str> = ctx.auth.keys().map(String::as_str).collect();
        r.error(
            format!("{path}.auth"),
            format!(
                "unknown auth `{}`; the platform defines: none, {}",
                e.auth,
                known.join(", ")
            ),
        );
        Auth::None
    };
    if let Auth::AppSecret { in_body: true, .. } = auth {
        if body == BodySpec::None {
            r.error(
                format!("{path}.auth"),
                "this auth puts the secret in the body, but the endpoint has no body",
            );
        }
    }
    let default_location = if body == BodySpec::None {
        Location::Query
    } else {
        Location::Body
    };
    let all_request = fields(
        &e.request,
        &format!("{path}.request"),
        Side::Request,
        default_location,
        scope,
        r,
    );
    for f in &all_request {
        if f.location == Location::Body && body == BodySpec::None {
            r.error(
                format!("{path}.request"),
                format!(
                    "field `{}` is `in: body` but the endpoint has no body",
                    f.wire
                ),
            );
        }
        if f.ty == Ty::File && body != BodySpec::Multipart {
            r.error(
                format!("{path}.request"),
                format!("field `{}` is a file; files need `body: multipart`", f.wire),
            );
        }
        if body == BodySpec::Multipart
            && f.location == Location::Body
            && !matches!(
                f.ty,
                Ty::File
                    | Ty::String
                    | Ty::Bool
                    | Ty::I32
                    | Ty::I64
                    | Ty::U32
                    | Ty::U64
                    | Ty::F64
                    | Ty::Enum(_)
            )
        {
            r.error(
                format!("{path}.request"),
                format!("field `{}`: multipart parts are files or scalars", f.wire),
            );
        }
        if f.location == Location::Query
            && !matches!(
                f.ty,
                Ty::String
                    | Ty::Bool
                    | Ty::I32
                    | Ty::I64
                    | Ty::U32
                    | Ty::U64
                    | Ty::F64
                    | Ty::Enum(_)
            )
        {
            r.error(
                format!("{path}.request"),
                format!("field `{}`: query parameters are scalars", f.wire),
            );
        }
    }
    let mut reserved: Vec<(String, &str)> = e
        .constants
        .keys()
        .map(|k| (k.clone(), "a constant"))
        .collect();
    match &auth {
        Auth::AccessToken { name } => reserved.push((name.clone(), "the access token")),
        Auth::AppSecret { app_id, secret, .. } => {
            reserved.push((app_id.clone(), "the app id"));
            reserved.push((secret.clone(), "the app secret"));
        }
        Auth::Sign { field, .. } => reserved.push((field.clone(), "the signature")),
        Auth::None => {}
    }
    for (name, what) in &reserved {
        if all_request.iter().any(|f| f.wire == *name) {
            r.error(
                format!("{path}.request"),
                format!("field `{name}` is already sent as {what}; remove it from `request`"),
            );
        }
    }

    // Alternatives: move the fields they name out of the struct into an enum.
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
        let tag_field = a
            .variants
            .first()
            .and_then(|v| v.tag.as_ref())
            .map(|t| t.field.clone());
        let mut variants = Vec::new();
        let mut vnames = BTreeSet::new();
        for (vi, v) in a.variants.iter().enumerate() {
            let vp = format!("{ap}.variants[{vi}]");
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
            if !vnames.insert(vname.clone()) {
                r.error(format!("{vp}.name"), format!("duplicate variant `{vname}`"));
            }
            if let (Some(t), Some(tf)) = (&v.tag, &tag_field) {
                if t.field != *tf {
                    r.error(
                        format!("{vp}.tag.field"),
                        format!("every variant must tag the same field (`{tf}`)"),
                    );
                }
            }
            let mut vfields = Vec::new();
            for (fi, fname) in v.fields.iter().enumerate() {
                let Some(f) = all_request.iter().find(|f| f.wire == *fname) else {
                    r.error(
                        format!("{vp}.fields[{fi}]"),
                        format!("`{fname}` is not declared in `request`"),
                    );
                    continue;
                };
                if f.required {
                    r.error(format!("{vp}.fields[{fi}]"), format!("`{fname}` is `required: true`, but a field chosen by an alternative is only required within its variant"));
                }
                if let Some(prev) = taken.insert(fname.clone(), ai) {
                    if prev != ai {
                        r.error(
                            format!("{vp}.fields[{fi}]"),
                            format!(
                                "`{fname}` already belongs to alternative `{}`",
                                e.alternatives[prev].name
                            ),
                        );
                    }
                }
                let mut f = f.clone();
                f.required = true;
                vfields.push(f);
            }
            if vfields.is_empty() {
                r.error(format!("{vp}.fields"), "a variant needs at least one field");
            }
            variants.push(Variant {
                name: vname,
                doc: v.doc.trim().to_owned(),
                tag_value: v.tag.as_ref().map(|t| t.value.clone()),
                fields: vfields,
            });
        }
        if body == BodySpec::Json || body == BodySpec::Form || body == BodySpec::Xml {
            let locs: BTreeSet<bool> = variants
                .iter()
                .flat_map(|v| v.fields.iter())
                .map(|f| f.location == Location::Query)
                .collect();
            if locs.len() > 1 {
                r.error(&ap, "with a JSON/form body, an alternative's fields must all be in the query or all in the body");
            }
        }
        if let Some(tf) = &tag_field {
            if body != BodySpec::Json {
                r.error(&ap, "tagged alternatives need `body: json`");
            }
            if all_request.iter().any(|f| f.wire == *tf) {
                r.error(
                    &ap,
                    format!("the tag field `{tf}` must not also be declared in `request`"),
                );
            }
        }
        alternatives.push(Alternative {
            ident,
            type_name: format!("{prefix}{}", names::upper_camel(&a.name)),
            doc: a.doc.trim().to_owned(),
            tag_field,
            variants,
        });
    }
    let request: Vec<Field> = all_request
        .into_iter()
        .filter(|f| !taken.contains_key(&f.wire))
        .collect();

    let response = fields(
        &e.response.fields,
        &format!("{path}.response.fields"),
        Side::Response,
        Location::Body,
        scope,
        r,
    );
    match e.response.kind {
        ResponseKindSpec::Json => {}
        ResponseKindSpec::Binary | ResponseKindSpec::Text => {
            if !e.response.fields.is_empty() {
                r.error(
                    format!("{path}.response.fields"),
                    format!("a `{:?}` response has no fields", e.response.kind),
                );
            }
        }
    }
    let example_json = e.response.example.as_ref().and_then(|ex| {
        example(
            ex,
            &response,
            e.response.kind,
            envelope.data.as_deref(),
            &format!("{path}.response.example"),
            r,
        )
    });

    let mut errors = Vec::new();
    let mut codes = BTreeSet::new();
    let mut names_seen = BTreeSet::new();
    for (i, es) in e.errors.iter().enumerate() {
        let p = format!("{path}.errors[{i}]");
        if es.applies_to.is_some() {
            r.error(
                format!("{p}.applies_to"),
                "`applies_to` is for the platform's common errors",
            );
        }
        let Some(case) = error_case(es, &p, envelope, r) else {
            continue;
        };
        if !codes.insert(case.code.clone()) {
            r.error(
                format!("{p}.code"),
                format!("duplicate error code {}", case.code),
            );
            continue;
        }
        if !names_seen.insert(case.variant.clone()) {
            r.error(
                format!("{p}.name"),
                format!("duplicate error name `{}`", case.variant),
            );
        }
        errors.push(case);
    }
    for (case, applies) in &ctx.common_errors {
        let applies = match applies {
            AppliesTo::All => true,
            AppliesTo::AccessToken => matches!(auth, Auth::AccessToken { .. }),
        };
        if !applies || codes.contains(&case.code) {
            continue;
        }
        if !names_seen.insert(case.variant.clone()) {
            r.error(
                format!("{path}.errors"),
                format!(
                    "error name `{}` is also the platform's common error {}; rename one",
                    case.variant, case.code
                ),
            );
        }
        errors.push(case.clone());
    }
    let own_errors = !codes.is_empty();
    errors.sort_by(|a, b| a.code.cmp(&b.code));

    let idempotent = e.idempotent.unwrap_or(e.method == Method::Get);
    Some(Endpoint {
        full_name: format!("{group}.{}", e.name),
        method_name: names::snake(&e.name),
        prefix,
        summary: e.summary.trim().to_owned(),
        doc: e.doc.as_ref().map(|d| d.trim().to_owned()),
        source: e.source.clone(),
        method: e.method,
        path: e.path.clone(),
        host,
        auth,
        body,
        idempotent,
        constants: e
            .constants
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        request,
        alternatives,
        response_kind: e.response.kind,
        response,
        example_json,
        errors,
        own_errors,
        unconfirmed: e.unconfirmed.clone(),
    })
}

/// The doc's example response as JSON; it must carry every required field — inside the
/// envelope's `data` object when the platform wraps its payload and the example does too.
fn example(
    ex: &serde_yaml::Value,
    fields: &[Field],
    kind: ResponseKindSpec,
    data_key: Option<&str>,
    path: &str,
    r: &mut Reporter,
) -> Option<String> {
    if kind != ResponseKindSpec::Json {
        r.error(path, "only JSON responses take an example (the simulator serves a small PNG for binary ones)");
        return None;
    }
    let json: serde_json::Value = match serde_json::to_value(ex) {
        Ok(v) => v,
        Err(e) => {
            r.error(path, format!("example is not representable as JSON: {e}"));
            return None;
        }
    };
    let Some(obj) = json.as_object() else {
        r.error(
            path,
            "example must be a mapping (the JSON object the platform returns)",
        );
        return None;
    };
    let payload = match data_key
        .and_then(|k| obj.get(k))
        .and_then(|d| d.as_object())
    {
        Some(data) => data,
        None => obj,
    };
    for f in fields.iter().filter(|f| f.required) {
        if !payload.contains_key(&f.wire) {
            r.error(path, format!("example lacks required field `{}`", f.wire));
        }
    }
    serde_json::to_string(&json).ok()
}

fn mark_usage(structs: &mut [Struct], enums: &mut [Enum], endpoints: &[Endpoint]) {
    fn visit(ty: &Ty, request: bool, structs: &mut [Struct], enums: &mut [Enum], depth: usize) {
        if depth > 32 {
            return;
        }
        match ty {
            Ty::List(inner) => visit(inner, request, structs, enums, depth + 1),
            Ty::Enum(name) => {
                if let Some(e) = enums.iter_mut().find(|e| e.name == *name) {
                    if request {
                        e.usage.request = true;
                    } else {
                        e.usage.response = true;
                    }
                }
            }
            Ty::Struct(name) => {
                let Some(idx) = structs.iter().position(|s| s.name == *name) else {
                    return;
                };
                let already = if request {
                    structs[idx].usage.request
                } else {
                    structs[idx].usage.response
                };
                if already {
                    return;
                }
                if request {
                    structs[idx].usage.request = true;
                } else {
                    structs[idx].usage.response = true;
                }
                let inner: Vec<Ty> = structs[idx].fields.iter().map(|f| f.ty.clone()).collect();
                for t in &inner {
                    visit(t, request, structs, enums, depth + 1);
                }
            }
            _ => {}
        }
    }
    for ep in endpoints {
        let req_fields = ep.request.iter().chain(
            ep.alternatives
                .iter()
                .flat_map(|a| a.variants.iter().flat_map(|v| v.fields.iter())),
        );
        for f in req_fields {
            visit(&f.ty, true, structs, enums, 0);
        }
        for f in &ep.response {
            visit(&f.ty, false, structs, enums, 0);
        }
    }
}
