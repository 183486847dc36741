//! Structs: request types, response types and the group's named object types.

use super::util::*;
use crate::ir::{Check, Field, Ty, Usage};
use proc_macro2::TokenStream;
use quote::quote;

/// How a struct is used decides what it derives and which serde attributes it needs.
pub struct Shape<'a> {
    pub name: &'a str,
    pub doc: TokenStream,
    pub fields: &'a [Field],
    pub usage: Usage,
    /// Fields that are not serialized into the body (query, multipart, no body).
    pub skip: &'a dyn Fn(&Field) -> bool,
    /// Extra fields appended verbatim (alternatives).
    pub extra_fields: TokenStream,
    /// Extra constructor arguments and initializers (alternatives).
    pub extra_ctor: Vec<(TokenStream, TokenStream)>,
    /// Can the struct also be read back (a request without files, whose alternatives
    /// travel in the body)? Under the `encoders` feature such a request derives
    /// `Deserialize` too; its fields outside the body are then read from the same object,
    /// where a test bed puts the path and query parameters it received.
    pub decodable: bool,
}

pub fn emit(shape: &Shape, ctx: &Ctx) -> TokenStream {
    let name = ident(shape.name);
    let Usage { request, response } = shape.usage;
    let (ser, de) = if !request && !response {
        (true, true)
    } else {
        (request, response)
    };
    // Under the runtime's `encoders` feature a type also derives the other direction: a
    // test bed reads requests and writes answers through the same types the client uses.
    let (enc_ser, enc_de) = (!ser, !de && shape.decodable);
    let sp = serde_path(ctx);
    let mut derives = vec![quote!(Debug), quote!(Clone), quote!(PartialEq)];
    if ser {
        derives.push(quote!(#sp::Serialize));
    }
    if de {
        derives.push(quote!(#sp::Deserialize));
    }
    let encoder_derive = match (enc_ser, enc_de) {
        (true, _) => quote!(#[cfg_attr(feature = "encoders", derive(#sp::Serialize))]),
        (false, true) => quote!(#[cfg_attr(feature = "encoders", derive(#sp::Deserialize))]),
        (false, false) => quote!(),
    };
    let serde_attr = ctx.serde_attr();
    let fields = shape.fields.iter().map(|f| {
        let fdoc = field_doc(f);
        let fname = ident(&f.ident);
        let vt = value_type(f, ctx);
        let optional = !f.required;
        let ty = if optional { quote!(Option<#vt>) } else { vt };
        let mut attrs = Vec::new();
        if f.ident != f.wire {
            let w = &f.wire;
            attrs.push(quote!(rename = #w));
        }
        let skipped = (shape.skip)(f) || f.ty == Ty::File;
        // Aliases (cloud-call spellings) are what clients accept in answers; a test bed
        // reading requests takes only the wire names the platform takes.
        if de {
            if let Some(a) = &f.alias {
                attrs.push(quote!(alias = #a));
            }
        }
        if (de || enc_de) && optional {
            attrs.push(quote!(default));
        }
        if ser || enc_ser {
            if skipped && enc_de {
                // Path and query parameters: not in the body, read back from the object
                // the test bed assembles from the path, the query and the body.
                attrs.push(quote!(skip_serializing));
            } else if skipped {
                attrs.push(quote!(skip));
            } else if optional {
                attrs.push(quote!(skip_serializing_if = "Option::is_none"));
            }
        }
        // Path and query parameters arrive as text, and so does every request field of
        // a platform whose requests are text (flat `<xml>`): read back through a
        // flattened alternative, serde buffers them as text, so the lenient readers
        // parse them wherever the field sits.
        let as_text = skipped || ctx.text_body;
        let text_int = as_text && enc_de && f.ty.is_integer();
        let text_scalar = as_text && enc_de && matches!(f.ty, Ty::Bool | Ty::F64);
        if let Some(with) = money_serde(f, optional, ctx) {
            attrs.push(quote!(with = #with));
        } else if text_scalar {
            let with = private_path(
                ctx,
                if optional {
                    "lenient::text_opt"
                } else {
                    "lenient::text"
                },
            );
            attrs.push(quote!(deserialize_with = #with));
        } else if (de || enc_de) && (ctx.numbers_as_text || text_int) && f.ty.is_integer() {
            let with = private_path(
                ctx,
                if optional {
                    "lenient::int_opt"
                } else {
                    "lenient::int"
                },
            );
            attrs.push(quote!(deserialize_with = #with));
        }
        let attrs = if attrs.is_empty() {
            quote!()
        } else {
            quote!(#[serde(#(#attrs),*)])
        };
        quote! {
            #fdoc
            #attrs
            pub #fname: #ty,
        }
    });
    let extra_fields = &shape.extra_fields;
    let doc = &shape.doc;
    let ctor = if request {
        constructor(shape, ctx)
    } else {
        quote!()
    };
    quote! {
        #doc
        #[derive(#(#derives),*)]
        #encoder_derive
        #serde_attr
        pub struct #name {
            #(#fields)*
            #extra_fields
        }
        #ctor
    }
}

/// Money is integer fen in Rust and yuan text on the wire: the runtime's exact
/// conversion both ways, for one amount, an optional one or a list of them.
fn money_serde(f: &Field, optional: bool, ctx: &Ctx) -> Option<String> {
    let module = match (&f.ty, optional, f.may_be_negative) {
        (Ty::MoneyYuan, false, false) => "yuan",
        (Ty::MoneyYuan, true, false) => "yuan_opt",
        (Ty::MoneyYuan, false, true) => "signed_yuan",
        (Ty::MoneyYuan, true, true) => "signed_yuan_opt",
        _ => return None,
    };
    Some(private_path(ctx, &format!("money::{module}")))
}

/// `crate::__private::<item>` as the string a serde attribute takes.
fn private_path(ctx: &Ctx, item: &str) -> String {
    let pv = ctx.pv.to_string().replace(' ', "");
    format!("{pv}::{item}")
}

fn serde_path(ctx: &Ctx) -> TokenStream {
    let pv = &ctx.pv;
    quote!(#pv::serde)
}

/// `new(required…)` plus a setter per optional field; `Default` when nothing is required.
fn constructor(shape: &Shape, ctx: &Ctx) -> TokenStream {
    let name = ident(shape.name);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for f in shape.fields {
        let fname = ident(&f.ident);
        if f.required && f.default.is_none() {
            let (arg_ty, _) = ctor_arg(f, ctx);
            args.push(quote!(#fname: #arg_ty));
            inits.push(field_init(f, ctx));
            continue;
        }
        let fdoc = doc(&format!("Sets `{}`: {}", f.wire, first_line(&f.doc)));
        let (arg_ty, store) = ctor_arg(f, ctx);
        if f.required {
            let d = default_expr(f, ctx);
            inits.push(quote!(#fname: #d));
            setters.push(quote! {
                #fdoc
                pub fn #fname(mut self, #fname: #arg_ty) -> Self {
                    self.#fname = #store;
                    self
                }
            });
        } else {
            inits.push(quote!(#fname: None));
            setters.push(quote! {
                #fdoc
                pub fn #fname(mut self, #fname: #arg_ty) -> Self {
                    self.#fname = Some(#store);
                    self
                }
            });
        }
    }
    for (arg, init) in &shape.extra_ctor {
        args.push(arg.clone());
        inits.push(init.clone());
    }
    let allow = if args.len() > 7 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    let default_impl = if args.is_empty() {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    } else {
        quote!()
    };
    quote! {
        impl #name {
            /// Creates the value from its required fields; optional ones are set with the methods below.
            #allow
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
        #default_impl
    }
}

pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Where the checked values live.
#[derive(Clone, Copy)]
pub enum Access {
    /// `self.<field>`
    SelfField,
    /// A pattern binding named like the field (a reference already).
    Bound,
}

/// Statements checking the documented constraints of `fields`.
pub fn checks(
    fields: &[Field],
    access: Access,
    structs_with_checks: &dyn Fn(&str) -> bool,
    ctx: &Ctx,
) -> Vec<TokenStream> {
    let pv = &ctx.pv;
    let mut out = Vec::new();
    for f in fields {
        let fname = ident(&f.ident);
        let wire = &f.wire;
        let mut stmts = Vec::new();
        for c in &f.checks {
            let s = match c {
                Check::ByteLen(min, max) => quote!(#pv::validate::byte_len(#wire, v, #min, #max)?;),
                Check::CharLen(min, max) => quote!(#pv::validate::char_len(#wire, v, #min, #max)?;),
                Check::Range(min, max) => {
                    let (lo, hi) = (int_literal(*min, &f.ty), int_literal(*max, &f.ty));
                    quote!(#pv::validate::range(#wire, *v, #lo, #hi)?;)
                }
                Check::Charset(class) => quote!(#pv::validate::charset(#wire, v, #class)?;),
                Check::PathSegment => quote!(#pv::validate::path_segment(#wire, v)?;),
            };
            stmts.push(s);
        }
        let nested = match &f.ty {
            Ty::Struct(n) if structs_with_checks(n) => {
                Some(quote!(v.validate().map_err(|e| e.within(#wire))?;))
            }
            Ty::List(inner) => match inner.as_ref() {
                Ty::Struct(n) if structs_with_checks(n) => {
                    Some(quote!(for (i, item) in v.iter().enumerate() {
                        item.validate().map_err(|e| e.within_item(#wire, i))?;
                    }))
                }
                _ => None,
            },
            Ty::Map(inner) => match inner.as_ref() {
                Ty::Struct(n) if structs_with_checks(n) => Some(quote!(for (key, item) in v {
                    item.validate().map_err(|e| e.within(key).within(#wire))?;
                })),
                _ => None,
            },
            _ => None,
        };
        stmts.extend(nested);
        if stmts.is_empty() {
            continue;
        }
        let secret = if f.secret {
            quote!(let v = v.expose();)
        } else {
            quote!()
        };
        let value = match access {
            Access::SelfField => quote!(&self.#fname),
            Access::Bound => quote!(#fname),
        };
        if f.required {
            out.push(quote! {
                {
                    let v = #value;
                    #secret
                    #(#stmts)*
                }
            });
        } else {
            out.push(quote! {
                if let Some(v) = #value {
                    #secret
                    #(#stmts)*
                }
            });
        }
    }
    out
}
