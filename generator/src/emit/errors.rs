//! One error enum per endpoint, from its errcode table plus the platform's common codes.

use super::util::*;
use crate::ir::{Endpoint, ErrorCase};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

/// The endpoint's error type: its own enum when it documents codes of its own, else an
/// alias of the platform's shared enum of common codes (one copy instead of one per
/// endpoint keeps compile time down; the name per endpoint stays).
pub fn emit(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let name = ident(&ep.error_type);
    if !ep.own_errors {
        let shared = ident(&ep.shared_error_type);
        let d = doc(&format!(
            "Errors of `{}`: its docs list no codes of its own, so these are the platform's common codes ([`super::{}`]).",
            ep.full_name, ep.shared_error_type
        ));
        return quote!(#d pub type #name = super::#shared;);
    }
    let type_doc = format!(
        "Errors of `{}` ([`{}`]), from its errcode table. Codes the docs do not list are kept in `Other`.",
        ep.full_name,
        ep.request_type
    );
    enumeration(&ep.error_type, &type_doc, &ep.errors, ctx)
}

/// An error enum with a variant per documented code, `Other` for the rest.
pub fn enumeration(name: &str, type_doc: &str, errors: &[ErrorCase], ctx: &Ctx) -> TokenStream {
    let name = ident(name);
    let other = ident(names::OTHER_VARIANT);
    let variants: Vec<_> = errors.iter().map(|e| ident(&e.variant)).collect();
    let codes: Vec<i64> = errors.iter().map(|e| e.code).collect();
    let descriptions: Vec<&str> = errors.iter().map(|e| e.doc.as_str()).collect();
    let docs = errors.iter().map(|e| {
        let mut text = format!("{} (errcode {})", e.doc, e.code);
        if e.retryable {
            text.push_str("\n\nRetryable: the runtime retries idempotent calls with back-off.");
        }
        if e.token_invalid {
            text.push_str(
                "\n\nToken invalid: the runtime refreshes the access token once and retries once.",
            );
        }
        doc(&text)
    });
    let type_doc = doc(type_doc);
    let trait_impls = trait_impls(&name, errors, ctx);
    quote! {
        #type_doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum #name {
            #(#docs #variants { message: String },)*
            /// An errcode the docs do not list for this endpoint.
            #other { code: i64, message: String },
        }
        impl #name {
            /// The platform's error code.
            pub fn code(&self) -> i64 {
                match self {
                    #(Self::#variants { .. } => #codes,)*
                    Self::#other { code, .. } => *code,
                }
            }
            /// The message the server sent with the code.
            pub fn message(&self) -> &str {
                match self {
                    #(Self::#variants { message })|* | Self::#other { message, .. } => message,
                }
            }
            /// What the docs say the code means (empty for `Other`).
            pub fn description(&self) -> &'static str {
                match self {
                    #(Self::#variants { .. } => #descriptions,)*
                    Self::#other { .. } => "",
                }
            }
        }
        #trait_impls
    }
}

/// `Display`, `Error`, and the runtime's traits: retry and token refresh decisions, and
/// the code → variant mapping.
fn trait_impls(name: &proc_macro2::Ident, errors: &[ErrorCase], ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    let other = ident(names::OTHER_VARIANT);
    let variants: Vec<_> = errors.iter().map(|e| ident(&e.variant)).collect();
    let codes: Vec<i64> = errors.iter().map(|e| e.code).collect();
    // Without documented codes a `match` would have a single binding arm (clippy's
    // `match_single_binding`): build `Other` directly.
    let from_errcode_body = if codes.is_empty() {
        quote!(Self::#other { code, message })
    } else {
        quote! {
            match code {
                #(#codes => Self::#variants { message },)*
                code => Self::#other { code, message },
            }
        }
    };
    let flagged = |flag: fn(&ErrorCase) -> bool| {
        let matching: Vec<_> = errors
            .iter()
            .filter(|e| flag(e))
            .map(|e| ident(&e.variant))
            .collect();
        if matching.is_empty() {
            quote!(false)
        } else {
            quote!(matches!(self, #(Self::#matching { .. })|*))
        }
    };
    let is_retryable = flagged(|e| e.retryable);
    let is_token_invalid = flagged(|e| e.token_invalid);
    quote! {
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "errcode {}", self.code())?;
                let description = self.description();
                if !description.is_empty() {
                    write!(f, ": {description}")?;
                }
                if !self.message().is_empty() {
                    write!(f, " (server said: {})", self.message())?;
                }
                Ok(())
            }
        }
        impl std::error::Error for #name {}
        impl #rt::ApiError for #name {
            fn is_retryable(&self) -> bool {
                #is_retryable
            }
            fn is_token_invalid(&self) -> bool {
                #is_token_invalid
            }
        }
        impl #rt::FromErrcode for #name {
            fn from_errcode(code: i64, message: String) -> Self {
                #from_errcode_body
            }
        }
    }
}
