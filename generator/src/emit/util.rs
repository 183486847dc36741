use crate::ir::{Field, Scalar, Ty};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// Paths the emitted code uses to reach the runtime, and the platform being emitted.
#[derive(Clone)]
pub struct Ctx {
    /// The runtime's public types users name (`Call`, `Secret`, `Code`…), e.g.
    /// `crate::runtime`.
    pub rt: TokenStream,
    /// The contract between generated code and the runtime, hidden from users' docs,
    /// e.g. `crate::__private`.
    pub pv: TokenStream,
    /// The `#[serde(crate = "…")]` value: serde as re-exported by the runtime.
    pub serde_crate: String,
    /// The platform's marker type (`Wechat`), defined in its `mod.rs`.
    pub marker: String,
    /// Are the platform's error codes strings (else `i64`)?
    pub string_codes: bool,
    /// The wire name of the platform's code (`errcode`), for docs and `Display`.
    pub code_name: String,
    /// Integer answer fields also accept decimal text (the envelope's `numbers_as_text`).
    pub numbers_as_text: bool,
    /// Does every request value travel as text (WeChat Pay's flat `<xml>`)? Read back
    /// under `encoders`, a request's integer and boolean fields then take decimal text.
    pub text_body: bool,
}

impl Ctx {
    pub fn serde_attr(&self) -> TokenStream {
        let c = &self.serde_crate;
        quote!(#[serde(crate = #c)])
    }
}

/// `///` lines (prettyplease prints doc attributes as doc comments).
pub fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {}", l.trim_end())
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

pub fn ident(name: &str) -> proc_macro2::Ident {
    format_ident!("{}", name)
}

/// The Rust type of a field's value (without `Option`).
pub fn value_type(f: &Field, ctx: &Ctx) -> TokenStream {
    if f.secret {
        let rt = &ctx.rt;
        return quote!(#rt::Secret<String>);
    }
    ty_tokens(&f.ty, ctx)
}

pub fn ty_tokens(ty: &Ty, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let rt = &ctx.rt;
    match ty {
        Ty::String => quote!(String),
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 | Ty::MoneyYuan => quote!(i64),
        Ty::U32 => quote!(u32),
        Ty::U64 => quote!(u64),
        Ty::F64 => quote!(f64),
        Ty::File => quote!(#rt::FileUpload),
        Ty::Json => quote!(#pv::serde_json::Value),
        Ty::List(inner) => {
            let inner = ty_tokens(inner, ctx);
            quote!(Vec<#inner>)
        }
        Ty::Map(inner) => {
            let inner = ty_tokens(inner, ctx);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        Ty::Struct(name) | Ty::Enum(name) => {
            let i = ident(name);
            quote!(#i)
        }
    }
}

/// Constructor argument type and the expression that stores it.
pub fn ctor_arg(f: &Field, ctx: &Ctx) -> (TokenStream, TokenStream) {
    let name = ident(&f.ident);
    let rt = &ctx.rt;
    if f.secret {
        return (
            quote!(impl Into<String>),
            quote!(#rt::Secret::new(#name.into())),
        );
    }
    match f.ty {
        Ty::String => (quote!(impl Into<String>), quote!(#name.into())),
        _ => (value_type(f, ctx), quote!(#name)),
    }
}

/// `field` or `field: expr` in a struct literal, whichever the stored value needs.
pub fn field_init(f: &Field, ctx: &Ctx) -> TokenStream {
    let name = ident(&f.ident);
    let (_, store) = ctor_arg(f, ctx);
    if name == store.to_string() {
        quote!(#name)
    } else {
        quote!(#name: #store)
    }
}

/// The default value expression of a field with `default:`.
pub fn default_expr(f: &Field, ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    match (&f.default, &f.ty) {
        (Some(Scalar::Bool(b)), _) => quote!(#b),
        (Some(Scalar::Int(n)), ty) => int_literal(*n as f64, ty),
        (Some(Scalar::Float(x)), _) => {
            let l = Literal::f64_suffixed(*x);
            quote!(#l)
        }
        (Some(Scalar::Variant { variant, .. }), Ty::Enum(name)) => {
            let e = ident(name);
            let v = ident(variant);
            quote!(#e::#v)
        }
        (Some(Scalar::Variant { wire, .. }), _) => quote!(#wire.to_owned()),
        (Some(Scalar::Str(s)), _) if f.secret => quote!(#rt::Secret::new(#s.to_owned())),
        (Some(Scalar::Str(s)), _) => quote!(#s.to_owned()),
        (None, _) => quote!(Default::default()),
    }
}

/// A literal of the field's numeric type (bounds are clamped to the type's range).
pub fn int_literal(x: f64, ty: &Ty) -> TokenStream {
    match ty {
        Ty::I32 => {
            let l = Literal::i32_suffixed(x.clamp(i32::MIN as f64, i32::MAX as f64) as i32);
            quote!(#l)
        }
        Ty::I64 | Ty::MoneyYuan => {
            let l = Literal::i64_suffixed(x.clamp(i64::MIN as f64, i64::MAX as f64) as i64);
            quote!(#l)
        }
        Ty::U32 => {
            let l = Literal::u32_suffixed(x.clamp(0.0, u32::MAX as f64) as u32);
            quote!(#l)
        }
        Ty::U64 => {
            let l = Literal::u64_suffixed(x.clamp(0.0, u64::MAX as f64) as u64);
            quote!(#l)
        }
        _ if x == f64::MIN => quote!(f64::MIN),
        _ if x == f64::MAX => quote!(f64::MAX),
        _ => {
            let l = Literal::f64_suffixed(x);
            quote!(#l)
        }
    }
}

/// Expression turning the value behind reference `v` into the `String` sent on the wire.
pub fn to_wire_string(f: &Field, v: TokenStream) -> TokenStream {
    if f.secret {
        return quote!(#v.expose().clone());
    }
    match f.ty {
        Ty::String => quote!(#v.clone()),
        _ => quote!(#v.to_string()),
    }
}

/// Field doc with the wire names and the documented default.
pub fn field_doc(f: &Field) -> TokenStream {
    let mut text = f.doc.clone();
    let mut notes = vec![format!("Wire name `{}`", f.wire)];
    if let Some(a) = &f.alias {
        notes.push(format!("cloud-call name `{a}`"));
    }
    if let Some(d) = &f.default {
        let shown = match d {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::Str(s) | Scalar::Variant { wire: s, .. } => format!("{s:?}"),
        };
        notes.push(format!("default {shown}"));
    }
    text.push_str(&format!("\n\n{}.", notes.join("; ")));
    doc(&text)
}

/// The doc paragraph citing where a platform, group or endpoint is documented, as
/// autolinks (validation guarantees plain http(s) URLs, so `<…>` is always a link).
pub fn sources_doc(sources: &[String]) -> String {
    match sources {
        [one] => format!("\n\nSource: <{one}>"),
        several => {
            let items: Vec<String> = several.iter().map(|s| format!("- <{s}>")).collect();
            format!("\n\nSources:\n{}", items.join("\n"))
        }
    }
}
