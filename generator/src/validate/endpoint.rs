//! One endpoint: where it is sent, how it authenticates, where each request field goes,
//! its response and its errors.

use super::alternatives::alternatives;
use super::convert;
use super::errors::endpoint_errors;
use super::example::example;
use super::fields::{fields, Side};
use super::platform::PlatformContext;
use super::sources::sources;
use super::types::TypeScope;
use super::Reporter;
use crate::ir::{
    Auth, BodyKind, Check, CredentialKind, Endpoint, Field, Filled, HttpMethod, Location,
    ResponseKind, Ty,
};
use crate::names;
use crate::spec::{EndpointSpec, EnvelopeSpec};

pub fn endpoint(
    e: &EndpointSpec,
    group: &str,
    ctx: &PlatformContext,
    envelope: &EnvelopeSpec,
    scope: &TypeScope,
    path: &str,
    r: &mut Reporter,
) -> Endpoint {
    let sources = sources(&e.source, &format!("{path}.source"), r);
    let placeholders = path_template(&e.path, path, r);
    if !e.path.starts_with('/') || e.path.contains(['?', '#', ' ']) {
        r.error(
            format!("{path}.path"),
            format!("path `{}` must start with `/` and carry no query", e.path),
        );
    }
    let host = host(e.host.as_deref(), ctx, path, r);
    let method = convert::method(e.method);
    let body = body(e, method, path, r);
    let auth = auth(e, ctx, body, path, r);
    sign_variant(e, &auth, path, r);
    sign_common_fields(e, &auth, path, r);
    if e.answer_signed.is_some() && !auth.is_signed() {
        r.error(
            format!("{path}.answer_signed"),
            "only a call with a sign auth has a signed answer to speak of",
        );
    }
    let default_location = if body == BodyKind::None {
        Location::Query
    } else {
        Location::Body
    };
    let mut all_request = fields(
        &e.request,
        &format!("{path}.request"),
        Side::Request,
        default_location,
        scope,
        r,
    );
    check_placement(&all_request, body, path, r);
    path_parameters(&placeholders, &all_request, path, r);
    for f in all_request.iter_mut() {
        if f.location == Location::Path && f.ty == Ty::String {
            f.checks.push(Check::PathSegment);
        }
    }
    let filled = filled(&mut all_request, &ctx.credential_kinds, path, r);
    let unpacked = packing(e, body, &all_request, path, r);
    operation(e, envelope, path, r);
    if e.signed_only && !matches!(auth, Auth::Sign { .. }) {
        r.error(
            format!("{path}.signed_only"),
            "only a call with a sign auth can be signed without being sent",
        );
    }
    check_not_sent_already(e, &auth, &all_request, path, r);
    let (request, alternatives) = alternatives(e, all_request, body, path, r);
    if alternatives
        .iter()
        .flat_map(|a| &a.variants)
        .flat_map(|v| &v.fields)
        .any(|f| f.location == Location::Path)
    {
        r.error(
            format!("{path}.alternatives"),
            "a path parameter is always sent: it cannot be part of an alternative",
        );
    }
    let (response_kind, response, example_json) = response(e, envelope, scope, path, r);
    let (errors, own_errors) = endpoint_errors(&e.errors, &auth, ctx, envelope, path, r);
    for case in errors.iter().filter(|c| !c.from_platform) {
        let what = format!("error {}", case.code);
        wrong_constants(e, &case.means, &what, &format!("{path}.errors"), r);
    }
    let oauth_errors = oauth_errors(e, envelope, path, r);
    Endpoint {
        indexed_lists: Vec::new(),
        client_cert: e.client_cert,
        sign_variant: e.sign_variant.clone(),
        sign_common_fields: e.sign_common_fields.clone(),
        answer_signed: e.answer_signed.unwrap_or(true),
        pack_into: e.pack_into.clone(),
        unpacked,
        signed_only: e.signed_only,
        full_name: names::endpoint_full_name(group, &e.name),
        method_name: names::endpoint_method(&e.name),
        request_type: names::request_type(&e.name),
        response_type: names::response_type(&e.name),
        error_type: names::error_type(&e.name),
        shared_error_type: names::shared_error_type(matches!(auth, Auth::AccessToken { .. })),
        summary: e.summary.trim().to_owned(),
        doc: e.doc.as_ref().map(|d| d.trim().to_owned()),
        sources,
        method,
        path: e.path.clone(),
        host,
        auth,
        body,
        idempotent: e.idempotent.unwrap_or(method == HttpMethod::Get),
        constants: e
            .constants
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        filled,
        request,
        alternatives,
        response_kind,
        response,
        example_json,
        errors,
        own_errors,
        bare: e.bare,
        oauth_errors,
        unconfirmed: e.unconfirmed.clone(),
        deprecated: e.deprecated.as_ref().map(|d| d.trim().to_owned()),
    }
}

/// Each `wrong_constant.<param>` among `means` (of `what`) names one of the endpoint's
/// constants.
fn wrong_constants(
    e: &EndpointSpec,
    means: &[crate::ir::Means],
    what: &str,
    path: &str,
    r: &mut Reporter,
) {
    for param in means.iter().filter_map(|m| m.param.as_deref()) {
        if !e.constants.contains_key(param) {
            r.error(
                path,
                format!(
                    "{what} means a wrong `{param}`, which is not one of the endpoint's constants"
                ),
            );
        }
    }
}

/// A bare endpoint's OAuth2.0 refusals: the envelope must have OAuth2.0 fields to write
/// them in; names are OAuth2.0's (`invalid_client`: lowercase and `_`), each once; a
/// wrong constant they mean is one of the endpoint's.
fn oauth_errors(
    e: &EndpointSpec,
    envelope: &EnvelopeSpec,
    path: &str,
    r: &mut Reporter,
) -> Vec<crate::ir::OAuthError> {
    if e.bare && envelope.oauth.is_none() {
        r.error(
            format!("{path}.bare"),
            "a bare endpoint answers refusals in the envelope's OAuth2.0 fields: give `envelope.oauth` in platform.yaml",
        );
    }
    if !e.oauth_errors.is_empty() && !e.bare {
        r.error(
            format!("{path}.oauth_errors"),
            "only an endpoint answering outside the envelope (`bare: true`) answers OAuth2.0 errors",
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (i, spec) in e.oauth_errors.iter().enumerate() {
        let p = format!("{path}.oauth_errors[{i}]");
        let name = spec.error.as_str();
        let well_formed =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if !well_formed {
            r.error(
                format!("{p}.error"),
                format!("`{name}` is not an OAuth2.0 error name (lowercase letters and `_`, as `invalid_client`)"),
            );
            continue;
        }
        if !seen.insert(name) {
            r.error(
                format!("{p}.error"),
                format!("duplicate OAuth2.0 error `{name}`"),
            );
            continue;
        }
        let doc = spec.doc.trim().to_owned();
        if doc.is_empty() {
            r.error(
                format!("{p}.doc"),
                "say what the error means (the docs' text)",
            );
        }
        let means = super::errors::means(spec.means.as_ref(), &doc, &format!("{p}.means"), r);
        wrong_constants(e, &means, &format!("`{name}`"), &format!("{p}.means"), r);
        out.push(crate::ir::OAuthError {
            code: crate::ir::CodeValue::Str(name.to_owned()),
            doc,
            means,
        });
    }
    out
}

/// The request fields the client fills from its credentials, taken out of the request:
/// the platform must have the credential, and a query or body to put them in.
fn filled(
    request: &mut Vec<Field>,
    credentials: &[CredentialKind],
    path: &str,
    r: &mut Reporter,
) -> Vec<Filled> {
    let mut filled = Vec::new();
    request.retain(|f| {
        let Some(from) = f.filled_from else {
            return true;
        };
        if !credentials.contains(&from) {
            r.error(
                format!("{path}.request"),
                format!(
                    "field `{}` is filled from the client's `{}`, which the platform's `credentials` do not have",
                    f.wire,
                    match from {
                        CredentialKind::AppId => "app_id",
                        _ => "merchant_id",
                    }
                ),
            );
        }
        filled.push(Filled {
            wire: f.wire.clone(),
            from,
            location: f.location,
        });
        false
    });
    filled
}

/// The response's kind, its fields and its example as JSON.
fn response(
    e: &EndpointSpec,
    envelope: &EnvelopeSpec,
    scope: &TypeScope,
    path: &str,
    r: &mut Reporter,
) -> (ResponseKind, Vec<Field>, Option<String>) {
    let response_kind = convert::response_kind(e.response.kind);
    let response = fields(
        &e.response.fields,
        &format!("{path}.response.fields"),
        Side::Response,
        Location::Body,
        scope,
        r,
    );
    if response_kind != ResponseKind::Json && !e.response.fields.is_empty() {
        r.error(
            format!("{path}.response.fields"),
            format!("a `{:?}` response has no fields", e.response.kind),
        );
    }
    let example_json = e.response.example.as_ref().and_then(|ex| {
        let ex_path = format!("{path}.response.example");
        example(
            ex,
            &response,
            response_kind,
            envelope.data.as_deref(),
            &ex_path,
            r,
        )
    });
    (response_kind, response, example_json)
}

/// The named host of `host:`; `None` for the platform's base URL.
fn host(host: Option<&str>, ctx: &PlatformContext, path: &str, r: &mut Reporter) -> Option<String> {
    match host {
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
    }
}

fn body(e: &EndpointSpec, method: HttpMethod, path: &str, r: &mut Reporter) -> BodyKind {
    let body = match (e.body, method) {
        (Some(b), _) => convert::body(b),
        (None, HttpMethod::Get) => BodyKind::None,
        (None, HttpMethod::Post) => BodyKind::Json,
    };
    if method == HttpMethod::Get && body != BodyKind::None {
        r.error(
            format!("{path}.body"),
            "a GET request has no body; use `body: none` or POST",
        );
    }
    body
}

fn auth(
    e: &EndpointSpec,
    ctx: &PlatformContext,
    body: BodyKind,
    path: &str,
    r: &mut Reporter,
) -> Auth {
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
        if body == BodyKind::None {
            r.error(
                format!("{path}.auth"),
                "this auth puts the secret in the body, but the endpoint has no body",
            );
        }
    }
    auth
}

/// The wire names of the fields that stay top-level on an endpoint whose fields travel
/// packed in one form field (`pack_into`); such an endpoint has a form body.
fn packing(
    e: &EndpointSpec,
    body: BodyKind,
    request: &[Field],
    path: &str,
    r: &mut Reporter,
) -> Vec<String> {
    let Some(into) = &e.pack_into else {
        for (i, f) in e.request.iter().enumerate() {
            if f.packed.is_some() {
                r.error(
                    format!("{path}.request[{i}].packed"),
                    "`packed` applies to endpoints with `pack_into`",
                );
            }
        }
        return Vec::new();
    };
    if body != BodyKind::Form {
        r.error(
            format!("{path}.pack_into"),
            "packed fields travel in a form field: the endpoint needs `body: form`",
        );
    }
    if names::snake(into) != *into {
        r.error(
            format!("{path}.pack_into"),
            format!("`{into}` is not a snake_case wire name"),
        );
    }
    if request.iter().any(|f| f.wire == *into) || e.constants.contains_key(into) {
        r.error(
            format!("{path}.pack_into"),
            format!("`{into}` is also a request field or constant"),
        );
    }
    for (i, f) in request.iter().enumerate() {
        if !f.packed && f.location == Location::Query {
            r.error(
                format!("{path}.request[{i}].packed"),
                "a query parameter is never packed; drop `packed`",
            );
        }
    }
    request
        .iter()
        .filter(|f| !f.packed)
        .map(|f| f.wire.clone())
        .collect()
}

/// Where one gateway path serves every call, each endpoint names its operation in the
/// constant the envelope names (`operation: method`).
fn operation(e: &EndpointSpec, envelope: &EnvelopeSpec, path: &str, r: &mut Reporter) {
    let Some(param) = &envelope.operation else {
        return;
    };
    if !e.constants.contains_key(param) {
        r.error(
            format!("{path}.constants"),
            format!("the platform names each call in the constant `{param}` (its envelope's `operation`); this endpoint has none"),
        );
    }
}

/// The names of the `{name}` parameters of a path, in order; a brace that does not
/// open or close a well-formed parameter is an error.
fn path_template(template: &str, path: &str, r: &mut Reporter) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        let after = &rest[open + 1..];
        let close = after.find('}');
        let name = close.map(|c| &after[..c]);
        match (rest.as_bytes()[open], name) {
            (b'{', Some(name)) if !name.is_empty() && names::snake(name) == name => {
                if found.iter().any(|n| n == name) {
                    r.error(
                        format!("{path}.path"),
                        format!("path parameter `{{{name}}}` appears twice"),
                    );
                }
                found.push(name.to_owned());
                rest = &after[name.len() + 1..];
            }
            _ => {
                r.error(
                    format!("{path}.path"),
                    format!(
                        "`{template}`: a path parameter is `{{snake_case_name}}`, naming a request field `in: path`"
                    ),
                );
                return found;
            }
        }
    }
    found
}

/// Every `{name}` of the path is a required scalar request field `in: path`, and every
/// such field has its place in the path.
fn path_parameters(placeholders: &[String], request: &[Field], path: &str, r: &mut Reporter) {
    for name in placeholders {
        match request.iter().find(|f| f.wire == *name) {
            Some(f) if f.location == Location::Path => {}
            Some(_) => r.error(
                format!("{path}.request"),
                format!("field `{name}` fills the path parameter `{{{name}}}`: mark it `in: path`"),
            ),
            None => r.error(
                format!("{path}.path"),
                format!("path parameter `{{{name}}}` has no request field `{name}` (`in: path`)"),
            ),
        }
    }
    for (i, f) in request.iter().enumerate() {
        if f.location != Location::Path {
            continue;
        }
        let p = format!("{path}.request[{i}]");
        if !placeholders.contains(&f.wire) {
            r.error(
                &p,
                format!(
                    "field `{}` is `in: path` but the path has no `{{{}}}`",
                    f.wire, f.wire
                ),
            );
        }
        if !f.required {
            r.error(
                &p,
                "a path parameter is always sent: mark it `required: true`",
            );
        }
        if f.secret {
            r.error(&p, "a secret never travels in a URL path");
        }
        if !matches!(f.ty, Ty::String | Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64) {
            r.error(&p, "a path parameter is a string or an integer");
        }
    }
}

/// Can each request field be sent where it is placed?
fn check_placement(request: &[Field], body: BodyKind, path: &str, r: &mut Reporter) {
    let scalar = |ty: &Ty| {
        matches!(
            ty,
            Ty::String
                | Ty::Bool
                | Ty::I32
                | Ty::I64
                | Ty::U32
                | Ty::U64
                | Ty::F64
                | Ty::MoneyYuan
                | Ty::Enum(_)
        )
    };
    for f in request {
        if f.location == Location::Body && body == BodyKind::None {
            r.error(
                format!("{path}.request"),
                format!(
                    "field `{}` is `in: body` but the endpoint has no body",
                    f.wire
                ),
            );
        }
        if f.ty == Ty::File && body != BodyKind::Multipart {
            r.error(
                format!("{path}.request"),
                format!("field `{}` is a file; files need `body: multipart`", f.wire),
            );
        }
        if body == BodyKind::Multipart
            && f.location == Location::Body
            && !(f.ty == Ty::File || scalar(&f.ty))
        {
            r.error(
                format!("{path}.request"),
                format!("field `{}`: multipart parts are files or scalars", f.wire),
            );
        }
        if f.location == Location::Query && !scalar(&f.ty) {
            r.error(
                format!("{path}.request"),
                format!("field `{}`: query parameters are scalars", f.wire),
            );
        }
    }
}

/// Constants and credentials are written by the runtime; a request field of the same
/// wire name would be sent twice.
fn check_not_sent_already(
    e: &EndpointSpec,
    auth: &Auth,
    request: &[Field],
    path: &str,
    r: &mut Reporter,
) {
    let mut reserved: Vec<(String, &str)> = e
        .constants
        .keys()
        .map(|k| (k.clone(), "a constant"))
        .collect();
    match auth {
        Auth::AccessToken { name } => reserved.push((name.clone(), "the access token")),
        Auth::AppSecret { app_id, secret, .. } => {
            reserved.push((app_id.clone(), "the app id"));
            reserved.push((secret.clone(), "the app secret"));
        }
        Auth::Sign { field, .. } => reserved.push((field.clone(), "the signature")),
        Auth::SignedRequest { .. } | Auth::None => {}
    }
    for (name, what) in &reserved {
        if request.iter().any(|f| f.wire == *name) {
            r.error(
                format!("{path}.request"),
                format!("field `{name}` is already sent as {what}; remove it from `request`"),
            );
        }
    }
}

/// A forced sign variant needs a sign auth whose scheme has that variant.
fn sign_variant(e: &EndpointSpec, auth: &Auth, path: &str, r: &mut Reporter) {
    let Some(variant) = &e.sign_variant else {
        return;
    };
    let p = format!("{path}.sign_variant");
    let Auth::Sign { scheme, .. } = auth else {
        r.error(&p, "a sign variant needs an auth of kind sign");
        return;
    };
    let known = super::wiring::sign_variants(scheme);
    if !known.contains(&variant.as_str()) {
        r.error(
            &p,
            format!(
                "sign scheme `{scheme}` has no variant `{variant}` (known: {})",
                known.join(", ")
            ),
        );
    }
}

/// A restricted set of common fields names only fields the scheme adds, each once.
fn sign_common_fields(e: &EndpointSpec, auth: &Auth, path: &str, r: &mut Reporter) {
    let Some(listed) = &e.sign_common_fields else {
        return;
    };
    let p = format!("{path}.sign_common_fields");
    let Auth::Sign { scheme, .. } = auth else {
        r.error(&p, "common sign fields need an auth of kind sign");
        return;
    };
    let known = super::wiring::sign_common_fields(scheme);
    for (i, name) in listed.iter().enumerate() {
        if !known.contains(&name.as_str()) {
            r.error(
                format!("{p}[{i}]"),
                format!(
                    "sign scheme `{scheme}` adds no field `{name}` (it adds: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        } else if listed[..i].contains(name) {
            r.error(format!("{p}[{i}]"), format!("`{name}` is listed twice"));
        }
    }
}
