//! Which named types and enums requests and responses use: it decides what they derive
//! (serialize, deserialize) and whether enums keep unknown values.

use crate::ir::{Endpoint, Enum, Struct, Ty};

pub fn mark_usage(structs: &mut [Struct], enums: &mut [Enum], endpoints: &[Endpoint]) {
    fn visit(ty: &Ty, request: bool, structs: &mut [Struct], enums: &mut [Enum], depth: usize) {
        if depth > 32 {
            return;
        }
        match ty {
            Ty::List(inner) | Ty::Map(inner) => visit(inner, request, structs, enums, depth + 1),
            Ty::Enum(name) => {
                if let Some(e) = enums.iter_mut().find(|e| e.name == *name) {
                    if request {
                        e.usage.request = true;
                    } else {
                        e.usage.response = true;
                    }
                }
            }
            Ty::Struct(name) => {
                let Some(idx) = structs.iter().position(|s| s.name == *name) else {
                    return;
                };
                let already = if request {
                    structs[idx].usage.request
                } else {
                    structs[idx].usage.response
                };
                if already {
                    return;
                }
                if request {
                    structs[idx].usage.request = true;
                } else {
                    structs[idx].usage.response = true;
                }
                let inner: Vec<Ty> = structs[idx].fields.iter().map(|f| f.ty.clone()).collect();
                for t in &inner {
                    visit(t, request, structs, enums, depth + 1);
                }
            }
            _ => {}
        }
    }
    for ep in endpoints {
        let req_fields = ep.request.iter().chain(
            ep.alternatives
                .iter()
                .flat_map(|a| a.variants.iter().flat_map(|v| v.fields.iter())),
        );
        for f in req_fields {
            visit(&f.ty, true, structs, enums, 0);
        }
        for f in &ep.response {
            visit(&f.ty, false, structs, enums, 0);
        }
    }
}
