//! One error enum per endpoint, from its code table plus the platform's common codes.

use super::util::*;
use crate::ir::{CodeValue, Endpoint, ErrorCase};
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
            "Errors of `{}`: its docs list no codes of its own, so these are the platform's common codes ([`super::{}`]).{}",
            ep.full_name,
            ep.shared_error_type,
            oauth_doc(ep)
        ));
        return quote!(#d pub type #name = super::#shared;);
    }
    let type_doc = format!(
        "Errors of `{}` ([`{}`]), from its code table. Codes the docs do not list are kept in `Other`.{}",
        ep.full_name,
        ep.request_type,
        oauth_doc(ep)
    );
    enumeration(&ep.error_type, &type_doc, &ep.errors, ctx)
}

/// The OAuth2.0 refusals of a bare endpoint, listed in its error type's docs: their
/// names are not codes of the platform's type, so the client reports them as an answer
/// it cannot type (`Error::Decode`) naming the error.
fn oauth_doc(ep: &Endpoint) -> String {
    if ep.oauth_errors.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "\n\nOAuth2.0 refusals, answered as `{error, error_description}` without a code and reported as `Error::Decode` naming the error:\n",
    );
    for e in &ep.oauth_errors {
        text.push_str(&format!("\n* `{}`: {}", e.code, e.doc));
    }
    text
}

/// A code as a Rust literal of the platform's code type (`40029i64` or `"ORDERPAID"`).
fn code_literal(code: &CodeValue) -> TokenStream {
    match code {
        CodeValue::Int(i) => quote!(#i),
        CodeValue::Str(s) => quote!(#s),
    }
}

/// A code as a `runtime::Code` constant expression.
pub fn code_value(code: &CodeValue, ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    match code {
        CodeValue::Int(i) => quote!(#rt::Code::Int(#i)),
        CodeValue::Str(s) => quote!(#rt::Code::Str(std::borrow::Cow::Borrowed(#s))),
    }
}

/// `Refusal { means, param, code, message }` entries: what a test bed answers for each
/// meaning.
pub fn refusals<'a>(
    entries: impl IntoIterator<Item = (&'a CodeValue, &'a crate::ir::Means)>,
    ctx: &Ctx,
) -> Vec<TokenStream> {
    let pv = &ctx.pv;
    entries
        .into_iter()
        .map(|(code, m)| {
            let meaning = ident(&m.meaning);
            let param = match &m.param {
                Some(p) => quote!(Some(#p)),
                None => quote!(None),
            };
            let code = code_value(code, ctx);
            let message = &m.message;
            quote!(#pv::Refusal { means: #pv::Meaning::#meaning, param: #param, code: #code, message: #message })
        })
        .collect()
}

/// An error enum with a variant per documented code, `Other` for the rest.
pub fn enumeration(name: &str, type_doc: &str, errors: &[ErrorCase], ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let rt = &ctx.rt;
    let name = ident(name);
    let variants: Vec<_> = errors.iter().map(|e| ident(&e.variant)).collect();
    let codes: Vec<TokenStream> = errors.iter().map(|e| code_literal(&e.code)).collect();
    let code_values: Vec<TokenStream> = errors.iter().map(|e| code_value(&e.code, ctx)).collect();
    let (code_type, code_of_other, match_on) = if ctx.string_codes {
        (
            quote!(String),
            quote!(#rt::Code::Str(std::borrow::Cow::Owned(code.clone()))),
            quote!(code.as_str()),
        )
    } else {
        (quote!(i64), quote!(#rt::Code::Int(*code)), quote!(code))
    };
    // Without documented codes a `match` would have a single binding arm (clippy's
    // `match_single_binding`): build `Other` directly.
    let from_code_body = if codes.is_empty() {
        quote!(Self::Other { code, message })
    } else {
        quote! {
            match #match_on {
                #(#codes => Self::#variants { message },)*
                _ => Self::Other { code, message },
            }
        }
    };
    let descriptions: Vec<&str> = errors.iter().map(|e| e.doc.as_str()).collect();
    let docs: Vec<_> = errors
        .iter()
        .map(|e| {
            let mut text = format!("{} ({} {})", e.doc, ctx.code_name, e.code);
            if e.retryable {
                text.push_str("\n\nRetryable: the runtime retries idempotent calls with back-off.");
            }
            if e.token_invalid {
                text.push_str("\n\nToken invalid: the runtime refreshes the access token once and retries once.");
            }
            doc(&text)
        })
        .collect();
    let retryable: Vec<_> = errors
        .iter()
        .filter(|e| e.retryable)
        .map(|e| ident(&e.variant))
        .collect();
    let token_invalid: Vec<_> = errors
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
    let type_doc = doc(type_doc);
    let display_code = format!("{} {{}}", ctx.code_name);
    quote! {
        #type_doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum #name {
            #(#docs #variants { message: String },)*
            /// A code the docs do not list for this endpoint.
            Other { code: #code_type, message: String },
        }
        impl #name {
            /// The platform's error code; compare it with an integer or a string
            /// (`err.code() == 40029`, `err.code() == "ORDERPAID"`).
            pub fn code(&self) -> #rt::Code {
                match self {
                    #(Self::#variants { .. } => #code_values,)*
                    Self::Other { code, .. } => #code_of_other,
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
                write!(f, #display_code, self.code())?;
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
            fn code(&self) -> #rt::Code {
                #name::code(self)
            }
            fn message(&self) -> &str {
                #name::message(self)
            }
            fn is_retryable(&self) -> bool {
                #is_retryable
            }
            fn is_token_invalid(&self) -> bool {
                #is_token_invalid
            }
        }
        impl #pv::FromCode for #name {
            type Code = #code_type;
            fn from_code(code: #code_type, message: String) -> Self {
                #from_code_body
            }
        }
    }
}
