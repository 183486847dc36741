//! A platform's `mod.rs`: the group modules and their accessors on the client, the
//! shared error enums, the hosts, the envelope and the table of every endpoint.

use super::errors;
use super::util::*;
use crate::ir::{Auth, CodeValue, Endpoint, EnvelopeStyle, Platform, ResponseKind};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

pub fn platform_file(platform: &Platform, ctx: &Ctx) -> Result<String, String> {
    let pv = &ctx.pv;
    let client = ident(names::CLIENT_TYPE);
    let mods = platform.groups.iter().map(|g| {
        let m = ident(&g.module);
        let d = doc(&format!("{} (`{}`)", g.title, g.doc_name));
        quote!(#d pub mod #m;)
    });
    let accessors = platform.groups.iter().map(|g| {
        let m = ident(&g.module);
        let h = ident(&g.handle);
        let d = doc(&format!("{} (`{}`)", g.title, g.doc_name));
        quote! {
            #d
            pub fn #m(&self) -> #m::#h<'_> {
                #m::#h::new(self)
            }
        }
    });
    let infos = platform
        .groups
        .iter()
        .flat_map(|g| g.endpoints.iter().map(move |ep| (g, ep)))
        .filter(|(_, ep)| !ep.signed_only)
        .map(|(g, ep)| endpoint_info(platform, &g.module, ep, ctx));
    let round_trips = platform
        .groups
        .iter()
        .flat_map(|g| g.endpoints.iter().map(move |ep| (g, ep)))
        .filter(|(_, ep)| !ep.signed_only)
        .map(|(g, ep)| {
            let (m, r) = (ident(&g.module), ident(&ep.request_type));
            let name = &ep.full_name;
            // Structured answers are also written back through their `Serialize`.
            if matches!(ep.response_kind, ResponseKind::Json | ResponseKind::None) {
                quote!((#name, #pv::round_trip_typed::<#m::#r>))
            } else {
                quote!((#name, #pv::round_trip::<#m::#r>))
            }
        });
    let marker = ident(&platform.wiring.marker);
    let mut title = platform.title.clone();
    if let Some(d) = &platform.doc {
        title.push_str(&format!("\n\n{d}"));
    }
    title.push_str(&sources_doc(&platform.sources));
    let title = doc(&title);
    let shared_errors = shared_error_enums(platform, ctx);
    let hosts = hosts(platform);
    let envelope = envelope(platform, ctx);
    let wiring = super::platform_impl::emit(platform, ctx);
    let tokens = quote! {
        #(#mods)*

        #wiring

        #title
        impl #client {
            #(#accessors)*
        }

        #shared_errors

        #hosts

        /// How this platform reports success and failure (the schema's `envelope`).
        pub const ENVELOPE: #pv::Envelope = #envelope;

        /// Every endpoint of this platform as the schema describes it (used by the simulator).
        pub const ENDPOINTS: &[#pv::EndpointInfo] = &[#(#infos),*];

        /// Every endpoint's round trip through its envelope: its doc example and each
        /// documented code encoded as the platform answers, then decoded by the client
        /// (see `miniapp::__private::round_trip`).
        #[cfg(feature = "encoders")]
        #[doc(hidden)]
        pub const ROUND_TRIPS: &[(&str, #pv::RoundTrip<#marker>)] = &[#(#round_trips),*];
    };
    super::file_text(tokens, &platform.file)
}

/// One entry of `ENDPOINTS`. What the endpoint's `Endpoint` impl already says (auth,
/// host, constants) is referenced from it rather than written twice.
fn endpoint_info(platform: &Platform, module: &str, ep: &Endpoint, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let request = {
        let (m, r) = (ident(module), ident(&ep.request_type));
        quote!(<#m::#r as #pv::Endpoint>)
    };
    let issues_token = platform
        .wiring
        .token_modes
        .iter()
        .find(|m| m.group_module == module && m.request_type == ep.request_type)
        .map_or_else(
            || quote!(None),
            |m| {
                let (token, expires) = (&m.token_wire, &m.expires_wire);
                quote!(Some(#pv::TokenFields { token: #token, expires_in: #expires }))
            },
        );
    let kind = match ep.response_kind {
        ResponseKind::Json => quote!(#pv::ResponseKind::Json),
        ResponseKind::Binary => quote!(#pv::ResponseKind::Binary),
        ResponseKind::Text => quote!(#pv::ResponseKind::Text),
        ResponseKind::None => quote!(#pv::ResponseKind::Empty),
    };
    let example = quote!(#request::EXAMPLE);
    let required = ep
        .request
        .iter()
        .filter(|f| f.required)
        .map(|f| f.wire.as_str());
    let token = matches!(ep.auth, Auth::AccessToken { .. });
    quote! {
        #pv::EndpointInfo {
            name: #request::NAME,
            method: #request::METHOD,
            path: #request::PATH,
            needs_access_token: #token,
            response: #kind,
            example: #example,
            required: &[#(#required),*],
            errors: #request::ERRORS,
            refusals: #request::REFUSALS,
            check_wire: #request::check_wire,
            auth: #request::AUTH,
            host: #request::HOST,
            constants: #request::CONSTANTS,
            issues_token: #issues_token,
            bare: #request::BARE,
        }
    }
}

fn hosts(platform: &Platform) -> TokenStream {
    let host = &platform.hosts.production;
    let sandbox = match &platform.hosts.sandbox {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    // Only platforms with named hosts get `HOSTS`, so the others' output is unchanged.
    let named_hosts = if platform.hosts.named.is_empty() {
        quote!()
    } else {
        let names = platform.hosts.named.iter().map(|h| h.0.as_str());
        let urls = platform.hosts.named.iter().map(|h| h.1.as_str());
        quote! {
            /// The platform's named hosts (the schema's `hosts:` besides production and
            /// sandbox): endpoints with `Endpoint::HOST = Some(name)` are sent there.
            pub const HOSTS: &[(&str, &str)] = &[#((#names, #urls)),*];
        }
    };
    quote! {
        /// The platform's production host.
        pub const PRODUCTION_HOST: &str = #host;
        /// The platform's sandbox host, where it has one.
        pub const SANDBOX_HOST: Option<&str> = #sandbox;
        #named_hosts
    }
}

fn envelope(platform: &Platform, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let e = &platform.envelope;
    let style = match e.style {
        EnvelopeStyle::Errcode => quote!(Errcode),
        EnvelopeStyle::ErrnoData => quote!(ErrnoData),
        EnvelopeStyle::CodeMsgData => quote!(CodeMsgData),
        EnvelopeStyle::WechatpayXml => quote!(WechatPayXml),
        EnvelopeStyle::Alipay => quote!(Alipay),
        EnvelopeStyle::WechatpayV3 => quote!(WechatPayV3),
    };
    let opt = |v: &Option<String>| match v {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let codes = |v: &[CodeValue]| {
        let items = v.iter().map(|c| match c {
            CodeValue::Int(i) => {
                let s = i.to_string();
                quote!(#s)
            }
            CodeValue::Str(s) => quote!(#s),
        });
        quote!(&[#(#items),*])
    };
    let (code, message) = (&e.code, &e.message);
    let (code_alias, message_alias, data, request_id) = (
        opt(&e.code_alias),
        opt(&e.message_alias),
        opt(&e.data),
        opt(&e.request_id),
    );
    let (business_code, business_message, result, sub_code, sub_message) = (
        opt(&e.business_code),
        opt(&e.business_message),
        opt(&e.result),
        opt(&e.sub_code),
        opt(&e.sub_message),
    );
    let (success, business_success) = (codes(&e.success), codes(&e.business_success));
    let operation = opt(&e.operation);
    let gateway = match &e.gateway {
        Some(g) => {
            let (code, message, codes) = (&g.code, &g.message, codes(&g.codes));
            quote!(Some(#pv::Gateway { code: #code, message: #message, codes: #codes }))
        }
        None => quote!(None),
    };
    let oauth = match &e.oauth {
        Some(o) => {
            let (error, description, status) = (&o.error, &o.description, o.status);
            quote!(Some(#pv::OAuth { error: #error, description: #description, status: #status }))
        }
        None => quote!(None),
    };
    quote! {
        #pv::Envelope {
            style: #pv::EnvelopeStyle::#style,
            code: #code,
            message: #message,
            code_alias: #code_alias,
            message_alias: #message_alias,
            success: #success,
            data: #data,
            request_id: #request_id,
            business_code: #business_code,
            business_message: #business_message,
            business_success: #business_success,
            result: #result,
            sub_code: #sub_code,
            sub_message: #sub_message,
            operation: #operation,
            gateway: #gateway,
            oauth: #oauth,
        }
    }
}

/// One enum of the platform's common codes per kind of endpoint that lists no codes of
/// its own; those endpoints' error types are aliases of it.
fn shared_error_enums(platform: &Platform, ctx: &Ctx) -> TokenStream {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for ep in platform
        .groups
        .iter()
        .flat_map(|g| &g.endpoints)
        .filter(|ep| !ep.own_errors)
    {
        let name = ep.shared_error_type.as_str();
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let which = if matches!(ep.auth, Auth::AccessToken { .. }) {
            "endpoints that authenticate with an access token"
        } else {
            "endpoints"
        };
        let type_doc = format!(
            "The platform's common error codes, for {which} whose docs list no codes of their own. Codes not listed here are kept in `Other`."
        );
        out.push(errors::enumeration(name, &type_doc, &ep.errors, ctx));
    }
    quote!(#(#out)*)
}
