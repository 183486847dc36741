//! The platform's wiring into the runtime's one client: its marker type and
//! `Platform` impl, the `Client`/`ClientBuilder` aliases, constructors from its
//! `credentials`, builder methods for its token modes, and `IssuesToken` for its
//! token endpoints.

use super::util::*;
use crate::ir::{CredentialKind, Platform, PlatformKeys, SandboxKey, TokenMode};
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(platform: &Platform, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let rt = &ctx.rt;
    let w = &platform.wiring;
    let marker = ident(&w.marker);
    let name = &platform.name;
    let decoder = ident(&w.decoder);
    let signer = match &w.signer {
        Some(s) => {
            let s = ident(s);
            quote!(#rt::signers::#s)
        }
        None => quote!(#rt::signers::NoSigner),
    };
    let named = if platform.hosts.named.is_empty() {
        quote!(&[])
    } else {
        quote!(HOSTS)
    };
    let modes = w.token_modes.iter().map(|m| token_mode(m, ctx));
    let marker_doc = doc(&format!(
        "{} — the facts the runtime's [`{}::Client`] works from, generated from `platform.yaml`.",
        platform.title,
        quote!(#rt).to_string().replace(' ', "")
    ));
    let constructors = constructors(platform, ctx);
    let mode_methods: Vec<TokenStream> = w
        .token_modes
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let method = ident(m.builder_method.as_deref()?);
            let d = doc(&m.doc);
            Some(quote! {
                #d
                pub fn #method(self) -> Self {
                    self.with_token_mode(#i)
                }
            })
        })
        .collect();
    let builder_methods = if mode_methods.is_empty() {
        quote!()
    } else {
        quote! {
            impl ClientBuilder {
                #(#mode_methods)*
            }
        }
    };
    let issues = w.token_modes.iter().map(|m| issues_token(m, ctx));
    let refusals = super::errors::refusals(platform.refusals.iter().map(|(c, m)| (c, m)), ctx);
    // Emitted only where the schema gives common codes a meaning.
    let refusals = if refusals.is_empty() {
        quote!()
    } else {
        quote!(const REFUSALS: &'static [#pv::Refusal] = &[#(#refusals),*];)
    };
    // Emitted only where the schema has one, so other platforms' output is unchanged.
    let (sandbox_key, issues_sandbox_key) = match &w.sandbox_key {
        Some(k) => sandbox_key(k, ctx),
        None => (quote!(), quote!()),
    };
    let (platform_keys, issues_platform_keys) = match &w.platform_keys {
        Some(k) => platform_keys(k, ctx),
        None => (quote!(), quote!()),
    };
    quote! {
        #marker_doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct #marker;

        impl #pv::Platform for #marker {
            const NAME: &'static str = #name;
            const HOSTS: #pv::Hosts = #pv::Hosts {
                production: PRODUCTION_HOST,
                sandbox: SANDBOX_HOST,
                named: #named,
            };
            const ENVELOPE: #pv::Envelope = ENVELOPE;
            const ENDPOINTS: &'static [#pv::EndpointInfo] = ENDPOINTS;
            const TOKEN_MODES: &'static [#pv::TokenMode<Self>] = &[#(#modes),*];
            #sandbox_key
            #platform_keys
            #refusals
            type Decoder = #pv::envelopes::#decoder;
            type Signer = #signer;
        }

        /// A client of this platform (see [`Client::new`] and [`Client::builder`]).
        pub type Client = #rt::Client<#marker>;
        /// Builds a [`Client`]; see [`Client::builder`].
        pub type ClientBuilder = #rt::ClientBuilder<#marker>;

        #constructors

        #builder_methods

        #(#issues)*

        #issues_sandbox_key

        #issues_platform_keys
    }
}

/// The `PLATFORM_KEYS` constant and the `IssuesPlatformKeys` impl of its endpoint.
fn platform_keys(k: &PlatformKeys, ctx: &Ctx) -> (TokenStream, TokenStream) {
    let pv = &ctx.pv;
    let module = ident(&k.group_module);
    let request = ident(&k.request_type);
    let endpoint = &k.endpoint;
    let d = doc(&k.doc);
    let constant = quote! {
        #d
        const PLATFORM_KEYS: Option<#pv::KeySource<Self>> = Some(#pv::KeySource {
            endpoint: #endpoint,
            fetch: #pv::fetch_platform_keys::<Self, #module::#request>,
        });
    };
    let issues = quote! {
        impl #pv::IssuesPlatformKeys for #module::#request {
            fn keys_request() -> Self {
                Self::default()
            }
        }
    };
    (constant, issues)
}

/// The `SANDBOX_KEY` constant and the `IssuesSandboxKey` impl of its endpoint.
fn sandbox_key(k: &SandboxKey, ctx: &Ctx) -> (TokenStream, TokenStream) {
    let pv = &ctx.pv;
    let module = ident(&k.group_module);
    let request = ident(&k.request_type);
    let field = ident(&k.key_field);
    let endpoint = &k.endpoint;
    let d = doc(&k.doc);
    let constant = quote! {
        #d
        const SANDBOX_KEY: Option<#pv::SandboxKey<Self>> = Some(#pv::SandboxKey {
            endpoint: #endpoint,
            fetch: #pv::fetch_sandbox_key::<Self, #module::#request>,
        });
    };
    let issues = quote! {
        impl #pv::IssuesSandboxKey for #module::#request {
            fn key_request() -> Self {
                Self::default()
            }
            fn into_key(response: Self::Response) -> String {
                #pv::TokenText::into_text(response.#field)
            }
        }
    };
    (constant, issues)
}

fn token_mode(m: &TokenMode, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let (name, prefix) = (&m.name, &m.key_prefix);
    let module = ident(&m.group_module);
    let request = ident(&m.request_type);
    quote! {
        #pv::TokenMode {
            name: #name,
            key_prefix: #prefix,
            fetch: #pv::fetch_token::<Self, #module::#request>,
        }
    }
}

fn issues_token(m: &TokenMode, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let module = ident(&m.group_module);
    let request = ident(&m.request_type);
    let token = ident(&m.token_field);
    let expires = ident(&m.expires_field);
    quote! {
        impl #pv::IssuesToken for #module::#request {
            fn token_request() -> Self {
                Self::default()
            }
            fn into_token(response: Self::Response) -> #pv::AccessToken {
                #pv::AccessToken::expiring_in(
                    #pv::TokenText::into_text(response.#token),
                    #pv::lifetime(response.#expires),
                )
            }
        }
    }
}

/// `Client::new`, `Client::builder` and accessors, from the schema's `credentials`.
fn constructors(platform: &Platform, ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    let creds = &platform.wiring.credentials;
    let args: Vec<_> = creds.iter().map(|c| ident(&c.ident)).collect();
    let arg_docs = creds
        .iter()
        .map(|c| format!("- `{}`: {}", c.ident, c.doc))
        .collect::<Vec<_>>()
        .join("\n");
    let of = |kind: CredentialKind| {
        creds
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| ident(&c.ident))
    };
    let app_id = match of(CredentialKind::AppId) {
        Some(a) => quote!(#a),
        None => quote!(""),
    };
    let secret = match of(CredentialKind::Secret) {
        Some(s) => quote!(#s),
        None => quote!(""),
    };
    let base_url = of(CredentialKind::BaseUrl).map(|b| quote!(.base_url(#b)));
    let merchant_id = of(CredentialKind::MerchantId).map(|m| quote!(.with_merchant_id(#m)));
    let platform_key = of(CredentialKind::PlatformKey).map(|k| quote!(.with_platform_key(#k)));
    let key_id = of(CredentialKind::KeyId).map(|k| quote!(.with_key_id(#k)));
    let accessors = creds.iter().filter_map(|c| {
        let getter = match c.kind {
            CredentialKind::AppId => quote!(app_id),
            CredentialKind::MerchantId => quote!(merchant_id),
            CredentialKind::PlatformKey => quote!(platform_key),
            CredentialKind::KeyId => quote!(key_id),
            CredentialKind::Secret | CredentialKind::BaseUrl => return None,
        };
        let (a, d) = (ident(&c.ident), doc(&c.doc));
        Some(quote! {
            #d
            pub fn #a(&self) -> &str {
                self.credentials().#getter()
            }
        })
    });
    let new_doc = doc(&format!(
        "A client with the defaults: production hosts, 5 s timeout, retries per [`{rt}::RetryPolicy::default`]{}.\n\n{arg_docs}",
        if platform.wiring.token_modes.is_empty() {
            ""
        } else {
            ", access tokens cached and refreshed in memory"
        },
        rt = quote!(#rt).to_string().replace(' ', "")
    ));
    // A signer that parses keys can refuse them: then `new` says so instead of panicking.
    let new = if platform.wiring.signer_fallible {
        quote! {
            #new_doc
            ///
            /// Keys are parsed here, once: a malformed one is an error now, not at a call.
            pub fn new(#(#args: impl Into<String>),*) -> Result<Client, #rt::BuildError> {
                Self::builder(#(#args),*).try_build()
            }
        }
    } else {
        quote! {
            #new_doc
            pub fn new(#(#args: impl Into<String>),*) -> Client {
                Self::builder(#(#args),*).build()
            }
        }
    };
    quote! {
        impl Client {
            #new
            /// Like [`Client::new`], with options: see [`ClientBuilder`]'s methods.
            pub fn builder(#(#args: impl Into<String>),*) -> ClientBuilder {
                #rt::ClientBuilder::new(#rt::Credentials::new(#app_id, #secret) #merchant_id #platform_key #key_id) #base_url
            }
            #(#accessors)*
        }
    }
}
