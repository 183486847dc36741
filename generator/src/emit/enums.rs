//! Legal-value enums (`enums:`): wire strings or integers with their doc text.
//!
//! An enum a response uses is "open": values the docs do not list decode into an extra
//! variant instead of failing the whole response.

use super::util::*;
use crate::ir::{CodeValue, Enum, EnumRepr};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(e: &Enum, ctx: &Ctx) -> TokenStream {
    match e.repr {
        EnumRepr::String => string_enum(e, ctx),
        EnumRepr::Int => int_enum(e, ctx),
    }
}

fn wire_text(v: &CodeValue) -> String {
    match v {
        CodeValue::Str(s) => s.clone(),
        CodeValue::Int(i) => i.to_string(),
    }
}

/// What both kinds of enum list per value.
struct Values<'a> {
    variants: Vec<proc_macro2::Ident>,
    descriptions: Vec<&'a str>,
}

fn values(e: &Enum) -> Values<'_> {
    Values {
        variants: e.values.iter().map(|v| ident(&v.variant)).collect(),
        descriptions: e.values.iter().map(|v| v.doc.as_str()).collect(),
    }
}

fn string_enum(e: &Enum, ctx: &Ctx) -> TokenStream {
    let rt = &ctx.rt;
    let name = ident(&e.name);
    let other = ident(names::OTHER_VARIANT);
    let open = e.usage.response;
    let Values {
        variants,
        descriptions,
    } = values(e);
    let wires: Vec<String> = e.values.iter().map(|v| wire_text(&v.wire)).collect();
    let docs = e
        .values
        .iter()
        .map(|v| doc(&format!("`{}`: {}", wire_text(&v.wire), v.doc)));
    let type_doc = doc(&e.doc);
    let (other_variant, other_str, other_desc) = if open {
        (
            quote! { /// A value the docs do not list, kept as received.
            #other(String), },
            quote!(Self::#other(s) => s,),
            quote!(Self::#other(_) => "",),
        )
    } else {
        (quote!(), quote!(), quote!())
    };
    let name_str = e.name.as_str();
    let from_str_fallback = if open {
        quote!(other => Self::#other(other.to_owned()),)
    } else {
        quote!(other => return Err(#rt::UnknownValue { type_name: #name_str, value: other.to_owned() }),)
    };
    let serde_impls = string_serde_impls(e, &wires, ctx);
    let all_doc = doc("Every value the docs list, in their order.");
    quote! {
        #type_doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#docs #variants,)*
            #other_variant
        }
        impl #name {
            #all_doc
            pub const ALL: &'static [#name] = &[#(Self::#variants),*];
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #wires,)*
                    #other_str
                }
            }
            /// The docs' description of this value.
            pub fn description(&self) -> &'static str {
                match self {
                    #(Self::#variants => #descriptions,)*
                    #other_desc
                }
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for #name {
            type Err = #rt::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    #(#wires => Self::#variants,)*
                    #from_str_fallback
                })
            }
        }
        #serde_impls
    }
}

/// `#[cfg(feature = "encoders")]` on an impl the enum's use does not need, so that a
/// test bed (which turns `encoders` on) reads and writes every enum both ways.
fn encoders_only(needed: bool) -> TokenStream {
    if needed {
        quote!()
    } else {
        quote!(#[cfg(feature = "encoders")])
    }
}

/// `Serialize` unless only responses use the enum; `Deserialize` when a response does;
/// both under the `encoders` feature. An open enum (one a response uses) reads unknown
/// values into `Other`; a closed one refuses them.
fn string_serde_impls(e: &Enum, wires: &[String], ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let name = ident(&e.name);
    let other = ident(names::OTHER_VARIANT);
    let variants = values(e).variants;
    let ser_cfg = encoders_only(e.usage.request || !e.usage.response);
    let ser_impl = quote! {
        #ser_cfg
        impl #pv::serde::Serialize for #name {
            fn serialize<S: #pv::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
    let de_impl = if e.usage.response {
        quote! {
            impl<'de> #pv::serde::Deserialize<'de> for #name {
                fn deserialize<D: #pv::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let s = <String as #pv::serde::Deserialize>::deserialize(deserializer)?;
                    Ok(match s.as_str() {
                        #(#wires => Self::#variants,)*
                        _ => Self::#other(s),
                    })
                }
            }
        }
    } else {
        quote! {
            #[cfg(feature = "encoders")]
            impl<'de> #pv::serde::Deserialize<'de> for #name {
                fn deserialize<D: #pv::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let s = <String as #pv::serde::Deserialize>::deserialize(deserializer)?;
                    s.parse().map_err(#pv::serde::de::Error::custom)
                }
            }
        }
    };
    quote!(#ser_impl #de_impl)
}

fn int_enum(e: &Enum, ctx: &Ctx) -> TokenStream {
    let name = ident(&e.name);
    let other = ident(names::OTHER_VARIANT);
    let open = e.usage.response;
    let Values {
        variants,
        descriptions,
    } = values(e);
    let codes = int_codes(e);
    let docs = e
        .values
        .iter()
        .zip(&codes)
        .map(|(v, c)| doc(&format!("`{c}`: {}", v.doc)));
    let type_doc = doc(&e.doc);
    let (other_variant, other_code, other_desc, fallback) = if open {
        (
            quote! { /// A value the docs do not list, kept as received.
            #other(i64), },
            quote!(Self::#other(c) => c,),
            quote!(Self::#other(_) => "",),
            quote!(other => Self::#other(other)),
        )
    } else {
        (quote!(), quote!(), quote!(), quote!(_ => return None))
    };
    let from_code_doc = if open {
        doc("The variant for `code`; unknown codes become `Other` (never `None`).")
    } else {
        doc("The variant for `code`, if the docs list it.")
    };
    let from_code_body = quote!(Some(match code { #(#codes => Self::#variants,)* #fallback }));
    let serde_impls = int_serde_impls(e, ctx);
    quote! {
        #type_doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#docs #variants,)*
            #other_variant
        }
        impl #name {
            /// Every value the docs list, in their order.
            pub const ALL: &'static [#name] = &[#(Self::#variants),*];
            /// The number used on the wire.
            pub fn code(self) -> i64 {
                match self {
                    #(Self::#variants => #codes,)*
                    #other_code
                }
            }
            #from_code_doc
            pub fn from_code(code: i64) -> Option<Self> {
                #from_code_body
            }
            /// The docs' description of this value.
            pub fn description(self) -> &'static str {
                match self {
                    #(Self::#variants => #descriptions,)*
                    #other_desc
                }
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} ({})", self.code(), self.description())
            }
        }
        #serde_impls
    }
}

/// The wire numbers of an integer enum (validation guarantees every value is one).
fn int_codes(e: &Enum) -> Vec<i64> {
    e.values
        .iter()
        .map(|v| match &v.wire {
            CodeValue::Int(i) => *i,
            CodeValue::Str(_) => 0,
        })
        .collect()
}

fn int_serde_impls(e: &Enum, ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    let name = ident(&e.name);
    let other = ident(names::OTHER_VARIANT);
    let ser_cfg = encoders_only(e.usage.request);
    let ser_impl = quote! {
        #ser_cfg
        impl #pv::serde::Serialize for #name {
            fn serialize<S: #pv::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }
    };
    let de_impl = if e.usage.response {
        quote! {
            impl<'de> #pv::serde::Deserialize<'de> for #name {
                fn deserialize<D: #pv::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let code = <i64 as #pv::serde::Deserialize>::deserialize(deserializer)?;
                    Ok(Self::from_code(code).unwrap_or(Self::#other(code)))
                }
            }
        }
    } else {
        let name_str = e.name.as_str();
        quote! {
            #[cfg(feature = "encoders")]
            impl<'de> #pv::serde::Deserialize<'de> for #name {
                fn deserialize<D: #pv::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let code = <i64 as #pv::serde::Deserialize>::deserialize(deserializer)?;
                    Self::from_code(code).ok_or_else(|| {
                        #pv::serde::de::Error::custom(format!("{code} is not a value of {}", #name_str))
                    })
                }
            }
        }
    };
    quote!(#ser_impl #de_impl)
}
