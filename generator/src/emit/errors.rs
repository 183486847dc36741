//! One error enum per endpoint, from its errcode table plus the platform's common codes.

use super::util::*;
use crate::ir::Endpoint;
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    let name = ident(&ep.error_type());
    let variants: Vec<_> = ep.errors.iter().map(|e| ident(&e.variant)).collect();
    let codes: Vec<i64> = ep.errors.iter().map(|e| e.code).collect();
    // Without documented codes a `match` would have a single binding arm (clippy's
    // `match_single_binding`): build `Other` directly.
    let from_errcode_body = if codes.is_empty() {
        quote!(Self::Other { code, message })
    } else {
        quote! {
            match code {
                #(#codes => Self::#variants { message },)*
                code => Self::Other { code, message },
            }
        }
    };
    let descriptions: Vec<&str> = ep.errors.iter().map(|e| e.doc.as_str()).collect();
    let docs: Vec<_> = ep
        .errors
        .iter()
        .map(|e| {
            let mut text = format!("{} (errcode {})", e.doc, e.code);
            if e.retryable {
                text.push_str("\n\nRetryable: the runtime retries idempotent calls with back-off.");
            }
            if e.token_invalid {
                text.push_str("\n\nToken invalid: the runtime refreshes the access token once and retries once.");
            }
            doc(&text)
        })
        .collect();
    let retryable: Vec<_> = ep
        .errors
        .iter()
        .filter(|e| e.retryable)
        .map(|e| ident(&e.variant))
        .collect();
    let token_invalid: Vec<_> = ep
        .errors
        .iter()
        .filter(|e| e.token_invalid)
        .map(|e| ident(&e.variant))
        .collect();
    let is_retryable = if retryable.is_empty() {
        quote!(false)
    } else {
        quote!(matches!(self, #(Self::#retryable { .. })|*))
    };
    let is_token_invalid = if token_invalid.is_empty() {
        quote!(false)
    } else {
        quote!(matches!(self, #(Self::#token_invalid { .. })|*))
    };
    let type_doc = doc(&format!(
        "Errors of `{}` ([`{}`]), from its errcode table. Codes the docs do not list are kept in `Other`.",
        ep.full_name,
        ep.request_type()
    ));
    quote! {
        #type_doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum #name {
            #(#docs #variants { message: String },)*
            /// An errcode the docs do not list for this endpoint.
            Other { code: i64, message: String },
        }
        impl #name {
            /// The platform's error code.
            pub fn code(&self) -> i64 {
                match self {
                    #(Self::#variants { .. } => #codes,)*
                    Self::Other { code, .. } => *code,
                }
            }
            /// The message the server sent with the code.
            pub fn message(&self) -> &str {
                match self {
                    #(Self::#variants { message })|* | Self::Other { message, .. } => message,
                }
            }
            /// What the docs say the code means (empty for `Other`).
            pub fn description(&self) -> &'static str {
                match self {
                    #(Self::#variants { .. } => #descriptions,)*
                    Self::Other { .. } => "",
                }
            }
        }
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
