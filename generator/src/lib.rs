//! `miniapp-codegen`: reads the YAML API specs in `schema/`, validates them, and emits
//! the Rust modules in `generated/`.
//!
//! Pipeline, one module per step:
//! `read` (files → spec structs, serde_yaml with unknown keys rejected, plus a line/column
//! index) → `validate` (spec → IR, every problem collected) → `emit` (IR → tokens with
//! quote → prettyplease → text with a header) → `write`. Output is a `BTreeMap` of
//! relative path → text, so the same specs always give the same bytes.

mod diag;
mod emit;
mod ir;
mod locate;
mod names;
mod read;
mod spec;
mod validate;
mod write;

pub use diag::{Diagnostic, Diagnostics};
pub use write::{write_file_if_changed, write_if_changed};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the generated code finds the runtime.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rust path of the runtime's public module (the types users name: `Call`,
    /// `Secret`, `Code`…), e.g. `crate::runtime` or `::miniapp::runtime`.
    pub runtime_path: String,
    /// Rust path of what generated code needs and users do not (the `Endpoint` and
    /// `Platform` contract, decoders, checks, serde), e.g. `crate::__private`.
    pub private_path: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime_path: "crate::runtime".to_owned(),
            private_path: "crate::__private".to_owned(),
        }
    }
}

/// What a run produced: files keyed by path relative to the output directory, and
/// every input read (for `cargo:rerun-if-changed`).
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub files: BTreeMap<String, String>,
    pub inputs: Vec<PathBuf>,
    /// The table of every endpoint, as Markdown (`docs/API.md`).
    pub api_table: String,
}

/// Generates code for every platform directory under `schema_dir`.
pub fn generate(schema_dir: &Path, options: &Options) -> Result<Generated, Diagnostics> {
    let schema = read::schema(schema_dir)?;
    let platforms = validate::schema(&schema.platforms)?;
    let path = |text: &str, option: &str| {
        syn::parse_str::<syn::Path>(text)
            .map(|p| quote::quote!(#p))
            .map_err(|e| {
                Diagnostics(vec![Diagnostic {
                    file: "<options>".into(),
                    path: option.into(),
                    line: None,
                    column: None,
                    message: format!("`{text}` is not a Rust path: {e}"),
                }])
            })
    };
    let ctx = emit::Ctx {
        serde_crate: format!("{}::serde", options.private_path),
        rt: path(&options.runtime_path, "runtime_path")?,
        pv: path(&options.private_path, "private_path")?,
        marker: String::new(),
        string_codes: false,
        code_name: String::new(),
        numbers_as_text: false,
        text_body: false,
    };
    let mut files = BTreeMap::new();
    let mut errors = Vec::new();
    for p in &platforms {
        match emit::platform(p, &ctx) {
            Ok(f) => files.extend(f),
            Err(message) => errors.push(Diagnostic {
                file: p.file.clone(),
                path: String::new(),
                line: None,
                column: None,
                message,
            }),
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    Ok(Generated {
        files,
        inputs: schema.inputs,
        api_table: emit::api_table(&platforms),
    })
}
