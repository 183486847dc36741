//! Per endpoint: request type, alternatives, response type, error enum and the
//! `Endpoint` impl that tells the runtime how to send it.

use super::structs::{self, checks, first_line, Access, Shape};
use super::util::*;
use crate::ir::{Alternative, Auth, BodyKind, Check, Endpoint, Field, HttpMethod, Location};
use crate::ir::{IndexedList, ResponseKind, Ty, Usage};
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(ep: &Endpoint, has_checks: &dyn Fn(&str) -> bool, ctx: &Ctx) -> TokenStream {
    let request = request_type(ep, ctx);
    let alternatives = ep.alternatives.iter().map(|a| alternative(ep, a, ctx));
    let response = response_type(ep, ctx);
    let errors = super::errors::emit(ep, ctx);
    let endpoint_impl = endpoint_impl(ep, has_checks, ctx);
    quote! {
        #request
        #(#alternatives)*
        #response
        #errors
        #endpoint_impl
    }
}

/// `impl Endpoint for <Request>`: everything the runtime needs to send the request.
fn endpoint_impl(ep: &Endpoint, has_checks: &dyn Fn(&str) -> bool, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let rt = &ctx.rt;
    let req = ident(&ep.request_type);
    let resp = ident(&ep.response_type);
    let err = ident(&ep.error_type);
    let name = &ep.full_name;
    let path = &ep.path;
    let method = match ep.method {
        HttpMethod::Get => quote!(#pv::HttpMethod::Get),
        HttpMethod::Post => quote!(#pv::HttpMethod::Post),
    };
    let auth = match &ep.auth {
        Auth::None => quote!(#pv::Auth::None),
        Auth::AccessToken { name } => quote!(#pv::Auth::AccessToken { name: #name }),
        Auth::AppSecret {
            app_id,
            secret,
            in_body,
        } => quote!(#pv::Auth::AppSecret { app_id: #app_id, secret: #secret, in_body: #in_body }),
        Auth::Sign { scheme, field, .. } => {
            quote!(#pv::Auth::Sign { scheme: #scheme, field: #field })
        }
        Auth::SignedRequest { scheme, .. } => {
            quote!(#pv::Auth::SignedRequest { scheme: #scheme })
        }
    };
    let body = match ep.body {
        BodyKind::None => quote!(#pv::BodyKind::None),
        BodyKind::Json => quote!(#pv::BodyKind::Json),
        BodyKind::Form => quote!(#pv::BodyKind::Form),
        BodyKind::Multipart => quote!(#pv::BodyKind::Multipart),
        BodyKind::Xml => quote!(#pv::BodyKind::Xml),
    };
    let idempotent = ep.idempotent;
    // Emitted only for endpoints off the platform's base URL, so that platforms without
    // named hosts generate exactly what they did before `host:` existed.
    let host = match &ep.host {
        Some(h) => quote!(const HOST: Option<&'static str> = Some(#h);),
        None => quote!(),
    };
    // Emitted only where true, as `HOST`, so other endpoints' output is unchanged.
    let client_cert = if ep.client_cert {
        quote!(
            const CLIENT_CERT: bool = true;
        )
    } else {
        quote!()
    };
    let sign_variant = match &ep.sign_variant {
        Some(v) => quote!(const SIGN_VARIANT: Option<&'static str> = Some(#v);),
        None => quote!(),
    };
    let sign_common_fields = match &ep.sign_common_fields {
        Some(fields) => {
            quote!(const SIGN_COMMON_FIELDS: Option<&'static [&'static str]> = Some(&[#(#fields),*]);)
        }
        None => quote!(),
    };
    let answer_signed = if ep.answer_signed {
        quote!()
    } else {
        quote!(
            const ANSWER_SIGNED: bool = false;
        )
    };
    let packing = match &ep.pack_into {
        Some(into) => {
            let unpacked = ep.unpacked.iter().map(String::as_str);
            quote! {
                const PACK_INTO: Option<&'static str> = Some(#into);
                const UNPACKED: &'static [&'static str] = &[#(#unpacked),*];
            }
        }
        None => quote!(),
    };
    // Emitted only where the docs have one, like `HOST`.
    let example = match &ep.example_json {
        Some(e) => quote!(const EXAMPLE: Option<&'static str> = Some(#e);),
        None => quote!(),
    };
    let codes = ep
        .errors
        .iter()
        .map(|e| super::errors::code_value(&e.code, ctx));
    let descriptions = ep.errors.iter().map(|e| e.doc.as_str());
    let oauth_refusals = ep
        .oauth_errors
        .iter()
        .flat_map(|e| e.means.iter().map(move |m| (&e.code, m)));
    let refusals = super::errors::refusals(
        ep.errors
            .iter()
            .filter(|e| !e.from_platform)
            .flat_map(|e| e.means.iter().map(move |m| (&e.code, m)))
            .chain(oauth_refusals),
        ctx,
    );
    // Emitted only where the schema gives codes a meaning, like `HOST`.
    let refusals = if refusals.is_empty() {
        quote!()
    } else {
        quote!(const REFUSALS: &'static [#pv::Refusal] = &[#(#refusals),*];)
    };
    // Emitted only where the schema has them, like `HOST`.
    let filled = if ep.filled.is_empty() {
        quote!()
    } else {
        let entries = ep.filled.iter().map(|f| {
            let wire = &f.wire;
            let from = match f.from {
                crate::ir::CredentialKind::AppId => quote!(#pv::Credential::AppId),
                _ => quote!(#pv::Credential::MerchantId),
            };
            let in_query = f.location == crate::ir::Location::Query;
            quote!(#pv::FilledField { wire: #wire, from: #from, in_query: #in_query })
        });
        quote!(const FILLED: &'static [#pv::FilledField] = &[#(#entries),*];)
    };
    let statuses: Vec<_> = ep
        .errors
        .iter()
        .filter_map(|e| {
            let status = e.status?;
            let code = super::errors::code_value(&e.code, ctx);
            Some(quote!((#code, #status)))
        })
        .collect();
    let statuses = if statuses.is_empty() {
        quote!()
    } else {
        quote!(const ERROR_STATUSES: &'static [(#rt::Code, u16)] = &[#(#statuses),*];)
    };
    // Emitted only where true, like `HOST`.
    let bare = match ep.bare {
        true => quote!(
            const BARE: bool = true;
        ),
        false => quote!(),
    };
    let const_keys = ep.constants.iter().map(|c| c.0.as_str());
    let const_values = ep.constants.iter().map(|c| c.1.as_str());
    let validate = validate_fn(ep, has_checks, ctx);
    let write_query = write_query(ep, ctx);
    let write_path = write_path(ep, ctx);
    let check_wire = check_wire(ep, ctx);
    let multipart = multipart(ep, ctx);
    let marker = ident(&ctx.marker);
    quote! {
        impl #pv::Endpoint for #req {
            const NAME: &'static str = #name;
            const METHOD: #pv::HttpMethod = #method;
            const PATH: &'static str = #path;
            #host
            #client_cert
            #sign_variant
            #sign_common_fields
            #answer_signed
            #packing
            const AUTH: #pv::Auth = #auth;
            const BODY: #pv::BodyKind = #body;
            #bare
            const IDEMPOTENT: bool = #idempotent;
            const CONSTANTS: &'static [(&'static str, &'static str)] = &[#((#const_keys, #const_values)),*];
            #filled
            const ERRORS: &'static [(#rt::Code, &'static str)] = &[#((#codes, #descriptions)),*];
            #statuses
            #example
            #refusals
            type Platform = super::#marker;
            type Response = #resp;
            type Error = #err;
            #validate
            #check_wire
            #write_path
            #write_query
            #multipart
        }
    }
}

/// `fn validate` checking the constraints of the plain fields and of the chosen
/// variant of each alternative; nothing when there are none.
fn validate_fn(ep: &Endpoint, has_checks: &dyn Fn(&str) -> bool, ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    let mut stmts = checks(&ep.request, Access::SelfField, has_checks, ctx);
    for a in &ep.alternatives {
        let a_ident = ident(&a.ident);
        let alt_ty = ident(&a.type_name);
        let per_variant: Vec<_> = a
            .variants
            .iter()
            .map(|v| checks(&v.fields, Access::Bound, has_checks, ctx))
            .collect();
        if per_variant.iter().all(Vec::is_empty) {
            continue;
        }
        let arms = a.variants.iter().zip(per_variant).map(|(v, inner)| {
            let vname = ident(&v.name);
            let binds = v
                .fields
                .iter()
                .filter(|f| {
                    !checks(std::slice::from_ref(*f), Access::Bound, has_checks, ctx).is_empty()
                })
                .map(|f| ident(&f.ident));
            if inner.is_empty() {
                quote!(#alt_ty::#vname { .. } => {})
            } else {
                quote!(#alt_ty::#vname { #(#binds,)* .. } => { #(#inner)* })
            }
        });
        stmts.push(quote!(match &self.#a_ident { #(#arms)* }));
    }
    if stmts.is_empty() {
        return quote!();
    }
    quote! {
        fn validate(&self) -> Result<(), #rt::ValidationError> {
            #(#stmts)*
            Ok(())
        }
    }
}

fn skipped(ep: &Endpoint, f: &Field) -> bool {
    f.location != Location::Body || matches!(ep.body, BodyKind::None | BodyKind::Multipart)
}

fn alt_in_body(ep: &Endpoint, a: &Alternative) -> bool {
    matches!(ep.body, BodyKind::Json | BodyKind::Form | BodyKind::Xml)
        && a.variants
            .iter()
            .flat_map(|v| &v.fields)
            .all(|f| f.location == Location::Body)
}

fn request_type(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let mut text = format!("Request of `{}`: {}", ep.full_name, ep.summary);
    if let Some(u) = &ep.unconfirmed {
        text.push_str(&format!("\n\n**Unconfirmed:** {u}"));
    }
    if let Auth::Sign {
        scheme,
        unconfirmed: Some(u),
        ..
    }
    | Auth::SignedRequest {
        scheme,
        unconfirmed: Some(u),
    } = &ep.auth
    {
        text.push_str(&format!(
            "\n\n**Signing scheme `{scheme}` is unconfirmed:** {u}"
        ));
    }
    let extra_fields = ep.alternatives.iter().map(|a| {
        let f = ident(&a.ident);
        let t = ident(&a.type_name);
        let d = doc(&a.doc);
        let attr = if alt_in_body(ep, a) {
            quote!(#[serde(flatten)])
        } else {
            quote!(#[serde(skip)])
        };
        quote! { #d #attr pub #f: #t, }
    });
    let extra_ctor = ep
        .alternatives
        .iter()
        .map(|a| {
            let f = ident(&a.ident);
            let t = ident(&a.type_name);
            (quote!(#f: #t), quote!(#f))
        })
        .collect();
    let skip = |f: &Field| skipped(ep, f);
    structs::emit(
        &Shape {
            name: &ep.request_type,
            doc: doc(&text),
            fields: &ep.request,
            usage: Usage {
                request: true,
                response: false,
            },
            skip: &skip,
            extra_fields: quote!(#(#extra_fields)*),
            extra_ctor,
            decodable: request_decodable(ep),
        },
        ctx,
    )
}

/// Can a test bed read the request back (feature `encoders`)? Not when it carries a file
/// or a choice sent outside the body: those are written, never read.
pub fn request_decodable(ep: &Endpoint) -> bool {
    !ep.request.iter().any(|f| f.ty == Ty::File)
        && ep.alternatives.iter().all(|a| alt_in_body(ep, a))
}

fn alternative(ep: &Endpoint, a: &Alternative, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let name = ident(&a.type_name);
    let serialize = alt_in_body(ep, a);
    let derives = if serialize {
        quote! {
            #[derive(Debug, Clone, PartialEq, #pv::serde::Serialize)]
            #[cfg_attr(feature = "encoders", derive(#pv::serde::Deserialize))]
        }
    } else {
        quote!(#[derive(Debug, Clone, PartialEq)])
    };
    let serde_crate = ctx.serde_attr();
    let container = match (&a.tag_field, serialize) {
        (_, false) => quote!(),
        (Some(tag), true) => quote!(#serde_crate #[serde(tag = #tag)]),
        (None, true) => quote!(#serde_crate #[serde(untagged)]),
    };
    let variants = a.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let vdoc = doc(&v.doc);
        let rename = match (&v.tag_value, serialize) {
            (Some(t), true) => quote!(#[serde(rename = #t)]),
            _ => quote!(),
        };
        let fields = v.fields.iter().map(|f| {
            let fname = ident(&f.ident);
            let fdoc = field_doc(f);
            let ty = value_type(f, ctx);
            let attr = if serialize && f.ident != f.wire {
                let w = &f.wire;
                quote!(#[serde(rename = #w)])
            } else {
                quote!()
            };
            quote!(#fdoc #attr #fname: #ty)
        });
        quote!(#vdoc #rename #vname { #(#fields),* })
    });
    let ctors = a.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let fn_name = ident(&v.constructor);
        let args = v.fields.iter().map(|f| {
            let fname = ident(&f.ident);
            let (ty, _) = ctor_arg(f, ctx);
            quote!(#fname: #ty)
        });
        let inits = v.fields.iter().map(|f| field_init(f, ctx));
        let d = doc(&format!("The `{}` choice: {}", v.name, first_line(&v.doc)));
        quote! {
            #d
            pub fn #fn_name(#(#args),*) -> Self {
                Self::#vname { #(#inits),* }
            }
        }
    });
    let tdoc = doc(&format!(
        "{}\n\nPart of [`{}`]; exactly one choice is sent.",
        a.doc, ep.request_type
    ));
    quote! {
        #tdoc
        #derives
        #container
        pub enum #name {
            #(#variants,)*
        }
        impl #name {
            #(#ctors)*
        }
    }
}

/// An `IndexedList` constant, nested lists included.
fn indexed_list(list: &IndexedList, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let (field, count) = (&list.field, &list.count);
    let items = &list.item_fields;
    let nested = list.nested.iter().map(|n| indexed_list(n, ctx));
    quote! {
        #pv::IndexedList {
            field: #field,
            count: #count,
            item_fields: &[#(#items),*],
            nested: &[#(#nested),*],
        }
    }
}

fn response_type(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let rt = &ctx.rt;
    let name = ident(&ep.response_type);
    match ep.response_kind {
        ResponseKind::Binary => {
            let d = doc(&format!(
                "Response of `{}`: the file's bytes and content type.",
                ep.full_name
            ));
            quote!(#d pub type #name = #rt::Media;)
        }
        ResponseKind::Text => {
            let d = doc(&format!(
                "Response of `{}`: the body as text.",
                ep.full_name
            ));
            quote!(#d pub type #name = String;)
        }
        // A body-less answer (HTTP 204) is a struct without fields: one can be added
        // without breaking callers if the platform ever sends one.
        ResponseKind::Json | ResponseKind::None => {
            let indexed = if ep.indexed_lists.is_empty() {
                quote!()
            } else {
                let lists = ep.indexed_lists.iter().map(|l| indexed_list(l, ctx));
                quote!(const INDEXED_LISTS: &'static [#pv::IndexedList] = &[#(#lists),*];)
            };
            let never = |_: &Field| false;
            let s = structs::emit(
                &Shape {
                    name: &ep.response_type,
                    doc: doc(&format!("Response of `{}`: {}", ep.full_name, ep.summary)),
                    fields: &ep.response,
                    usage: Usage {
                        request: false,
                        response: true,
                    },
                    skip: &never,
                    extra_fields: quote!(),
                    extra_ctor: Vec::new(),
                    decodable: true,
                },
                ctx,
            );
            quote! {
                #s
                impl #pv::StructuredResponse for #name {
                    #indexed
                }
            }
        }
    }
}

fn push_stmt(f: &Field, value: TokenStream, target: &str) -> TokenStream {
    let wire = &f.wire;
    let s = to_wire_string(f, value.clone());
    match target {
        "query" => quote!(query.push((#wire, #s));),
        _ => {
            if f.ty == Ty::File {
                quote!(parts.parts.push((#wire, MultipartValue::File(#value.clone())));)
            } else {
                quote!(parts.parts.push((#wire, MultipartValue::Text(#s)));)
            }
        }
    }
}

/// Statements pushing every field of `location` (plain fields and chosen variants).
fn field_pushes(ep: &Endpoint, wanted: Location, target: &str, ctx: &Ctx) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for f in ep.request.iter().filter(|f| f.location == wanted) {
        let fname = ident(&f.ident);
        if f.required {
            out.push(push_stmt(f, quote!(self.#fname), target));
        } else {
            let p = push_stmt(f, quote!(v), target);
            out.push(quote!(if let Some(v) = &self.#fname { #p }));
        }
    }
    for a in &ep.alternatives {
        if !a
            .variants
            .iter()
            .flat_map(|v| &v.fields)
            .any(|f| f.location == wanted)
        {
            continue;
        }
        let a_ident = ident(&a.ident);
        let alt_ty = ident(&a.type_name);
        let arms = a.variants.iter().map(|v| {
            let vname = ident(&v.name);
            let binds: Vec<_> = v.fields.iter().map(|f| ident(&f.ident)).collect();
            let pushes = v.fields.iter().filter(|f| f.location == wanted).map(|f| {
                let b = ident(&f.ident);
                push_stmt(f, quote!(#b), target)
            });
            let unused = v
                .fields
                .iter()
                .filter(|f| f.location != wanted)
                .map(|f| ident(&f.ident));
            quote!(#alt_ty::#vname { #(#binds),* } => { #(let _ = #unused;)* #(#pushes)* })
        });
        out.push(quote!(match &self.#a_ident { #(#arms)* }));
    }
    let _ = ctx;
    out
}

/// `fn check_wire`: the documented constraints of the request's scalar fields (its own
/// and its alternatives'), checked on the wire text a server received — the same
/// checks `validate` makes before a client sends, for a test bed to refuse what the
/// platform would.
fn check_wire(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let (rt, pv) = (&ctx.rt, &ctx.pv);
    let fields = ep.request.iter().chain(
        ep.alternatives
            .iter()
            .flat_map(|a| a.variants.iter().flat_map(|v| v.fields.iter())),
    );
    let mut seen = std::collections::BTreeSet::new();
    let mut stmts = Vec::new();
    for f in fields {
        if f.checks.is_empty() || !seen.insert(f.wire.as_str()) {
            continue;
        }
        let wire = &f.wire;
        let checks: Vec<TokenStream> = f
            .checks
            .iter()
            .filter_map(|c| match (c, &f.ty) {
                (Check::ByteLen(min, max), Ty::String) => {
                    Some(quote!(#pv::validate::byte_len(#wire, v, #min, #max)?;))
                }
                (Check::CharLen(min, max), Ty::String) => {
                    Some(quote!(#pv::validate::char_len(#wire, v, #min, #max)?;))
                }
                (Check::Charset(class), Ty::String) => {
                    Some(quote!(#pv::validate::charset(#wire, v, #class)?;))
                }
                (Check::PathSegment, Ty::String) => {
                    Some(quote!(#pv::validate::path_segment(#wire, v)?;))
                }
                (Check::Range(min, max), ty) if ty.is_integer() => {
                    let (lo, hi) = (int_literal(*min, ty), int_literal(*max, ty));
                    Some(quote!(#pv::validate::range(#wire, v, #lo, #hi)?;))
                }
                _ => None,
            })
            .collect();
        if checks.is_empty() {
            continue;
        }
        let read = match &f.ty {
            Ty::String => quote!(let v = text.as_str();),
            Ty::MoneyYuan => quote!(let v = #pv::validate::yuan(#wire, &text)?;),
            ty => {
                let t = ty_tokens(ty, ctx);
                quote!(let v: #t = #pv::validate::integer(#wire, &text)?;)
            }
        };
        stmts.push(quote! {
            if let Some(text) = get(#wire) {
                #read
                #(#checks)*
            }
        });
    }
    if stmts.is_empty() {
        return quote!();
    }
    quote! {
        fn check_wire(get: &dyn Fn(&str) -> Option<String>) -> Result<(), #rt::ValidationError> {
            #(#stmts)*
            Ok(())
        }
    }
}

/// `fn write_path` for a path with parameters: the literal pieces, and each parameter's
/// value percent-encoded as one segment by the runtime.
fn write_path(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    if !ep.request.iter().any(|f| f.location == Location::Path) {
        return quote!();
    }
    let mut stmts = Vec::new();
    let mut rest = ep.path.as_str();
    while let Some(open) = rest.find('{') {
        let literal = &rest[..open];
        if !literal.is_empty() {
            stmts.push(quote!(url.push_str(#literal);));
        }
        let close = open + rest[open..].find('}').unwrap_or(rest.len() - open);
        let name = &rest[open + 1..close];
        if let Some(f) = ep.request.iter().find(|f| f.wire == name) {
            let fname = ident(&f.ident);
            stmts.push(match f.ty {
                Ty::String => quote!(#pv::push_path_segment(url, &self.#fname);),
                _ => quote!(#pv::push_path_segment(url, &self.#fname.to_string());),
            });
        }
        rest = rest.get(close + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        stmts.push(quote!(url.push_str(#rest);));
    }
    quote! {
        fn write_path(&self, url: &mut String) {
            #(#stmts)*
        }
    }
}

fn write_query(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let pushes = field_pushes(ep, Location::Query, "query", ctx);
    if pushes.is_empty() {
        return quote!();
    }
    quote! {
        fn write_query(&self, query: &mut #pv::Query) {
            #(#pushes)*
        }
    }
}

fn multipart(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    if ep.body != BodyKind::Multipart {
        return quote!();
    }
    let pushes = field_pushes(ep, Location::Body, "multipart", ctx);
    quote! {
        fn multipart(&self) -> #pv::Multipart {
            use #pv::MultipartValue;
            let mut parts = #pv::Multipart::default();
            #(#pushes)*
            parts
        }
    }
}
