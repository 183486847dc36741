//! One group file: the handle type with a method per endpoint, then each endpoint's
//! types, then the group's named structs and enums.

use super::util::*;
use super::{endpoint, enums, structs};
use crate::ir::{Endpoint, Field, Group, Struct, Ty};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashSet;

pub fn group_file(group: &Group, ctx: &Ctx) -> Result<String, String> {
    let with_checks = structs_with_checks(&group.structs);
    let has_checks = |n: &str| with_checks.contains(n);
    let client = ident(names::CLIENT_TYPE);
    let handle = ident(&group.handle);
    let mut handle_doc = format!("{} (`{}`)", group.title, group.doc_name);
    if let Some(d) = &group.doc {
        handle_doc.push_str(&format!("\n\n{d}"));
    }
    handle_doc.push_str(&sources_doc(&group.sources));
    let handle_doc = doc(&handle_doc);
    // A signed-only request is never sent by the server: it has no client method.
    let methods = group
        .endpoints
        .iter()
        .filter(|ep| !ep.signed_only)
        .map(|ep| handle_method(ep, ctx));
    let enums = group.enums.iter().map(|e| enums::emit(e, ctx));
    let structs = group
        .structs
        .iter()
        .map(|s| named_struct(s, &has_checks, ctx));
    let endpoints = group
        .endpoints
        .iter()
        .map(|ep| endpoint::emit(ep, &has_checks, ctx));
    let tokens = quote! {
        use super::#client;

        #handle_doc
        #[derive(Clone, Copy)]
        pub struct #handle<'a> {
            client: &'a #client,
        }

        impl<'a> #handle<'a> {
            pub(crate) fn new(client: &'a #client) -> Self {
                Self { client }
            }
            #(#methods)*
        }

        #(#endpoints)*
        #(#structs)*
        #(#enums)*
    };
    super::file_text(tokens, &group.file)
}

/// The handle's method for one endpoint; it takes the request unless there is nothing
/// to set.
fn handle_method(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    let client = ident(names::CLIENT_TYPE);
    let m = ident(&ep.method_name);
    let req = ident(&ep.request_type);
    let mut text = format!(
        "{}\n\n`{}` — {} `{}`",
        ep.summary,
        ep.full_name,
        ep.method.as_str(),
        ep.path
    );
    if let Some(h) = &ep.host {
        text.push_str(&format!(" on host `{h}`"));
    }
    if let Some(d) = &ep.doc {
        text.push_str(&format!("\n\n{d}"));
    }
    text.push_str(&sources_doc(&ep.sources));
    let mut d = doc(&text);
    if let Some(note) = &ep.deprecated {
        d.extend(quote!(#[deprecated(note = #note)]));
    }
    if ep.has_required_input() || ep.request.iter().any(|f| !f.required) {
        quote! {
            #d
            pub fn #m(&self, request: #req) -> #rt::Call<'a, #client, #req> {
                #rt::Call::new(self.client, request)
            }
        }
    } else {
        quote! {
            #d
            pub fn #m(&self) -> #rt::Call<'a, #client, #req> {
                #rt::Call::new(self.client, #req::new())
            }
        }
    }
}

/// A type of the group's `types:`, with `validate()` when a request uses it and it (or a
/// struct inside it) has constraints.
fn named_struct(s: &Struct, has_checks: &dyn Fn(&str) -> bool, ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    let skip = |_: &Field| false;
    let body = structs::emit(
        &structs::Shape {
            name: &s.name,
            doc: doc(&s.doc),
            fields: &s.fields,
            usage: s.usage,
            skip: &skip,
            extra_fields: quote!(),
            extra_ctor: Vec::new(),
            decodable: !s.fields.iter().any(|f| f.ty == crate::ir::Ty::File),
        },
        ctx,
    );
    let validate = if s.usage.request && has_checks(&s.name) {
        let name = ident(&s.name);
        let stmts = structs::checks(&s.fields, structs::Access::SelfField, has_checks, ctx);
        quote! {
            impl #name {
                /// Checks the documented constraints of this value.
                pub fn validate(&self) -> Result<(), #rt::ValidationError> {
                    #(#stmts)*
                    Ok(())
                }
            }
        }
    } else {
        quote!()
    };
    quote!(#body #validate)
}

/// Named structs (transitively) holding a field with a constraint get `validate()`.
fn structs_with_checks(structs: &[Struct]) -> HashSet<String> {
    let mut set: HashSet<String> = HashSet::new();
    loop {
        let before = set.len();
        for s in structs {
            let has = s.fields.iter().any(|f| {
                !f.checks.is_empty()
                    || match &f.ty {
                        Ty::Struct(n) => set.contains(n),
                        Ty::List(inner) | Ty::Map(inner) => {
                            matches!(inner.as_ref(), Ty::Struct(n) if set.contains(n))
                        }
                        _ => false,
                    }
            });
            if has {
                set.insert(s.name.clone());
            }
        }
        if set.len() == before {
            return set;
        }
    }
}
