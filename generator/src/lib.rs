//! `miniapp-codegen`: reads the YAML API specs in `schema/`, validates them, and emits
//! the Rust modules in `generated/`.
//!
//! Pipeline: YAML (serde_yaml, unknown keys rejected) → spec structs → validated IR →
//! tokens (quote) → prettyplease → text with a header. Output is a `BTreeMap` of
//! relative path → text, so the same specs always give the same bytes.

mod diag;
mod emit;
mod ir;
mod locate;
mod names;
mod spec;
mod validate;
mod wiring;

pub use diag::{Diagnostic, Diagnostics};

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the generated code finds the runtime.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rust path of the runtime module, e.g. `crate::runtime` or `::miniapp::runtime`.
    pub runtime_path: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime_path: "crate::runtime".to_owned(),
        }
    }
}

/// What a run produced: files keyed by path relative to the output directory, and
/// every input read (for `cargo:rerun-if-changed`).
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub files: BTreeMap<String, String>,
    pub inputs: Vec<PathBuf>,
}

/// Generates code for every platform directory under `schema_dir`.
pub fn generate(schema_dir: &Path, options: &Options) -> Result<Generated, Diagnostics> {
    let (platforms, inputs) = load(schema_dir)?;
    let rt: proc_macro2::TokenStream = syn::parse_str::<syn::Path>(&options.runtime_path)
        .map(|p| quote::quote!(#p))
        .map_err(|e| {
            Diagnostics(vec![Diagnostic {
                file: "<options>".into(),
                path: "runtime_path".into(),
                line: None,
                column: None,
                message: format!("`{}` is not a Rust path: {e}", options.runtime_path),
            }])
        })?;
    let ctx = emit::Ctx {
        serde_crate: format!("{}::__private::serde", options.runtime_path),
        rt,
        marker: String::new(),
        string_codes: false,
        code_name: String::new(),
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
    Ok(Generated { files, inputs })
}

/// The name diagnostics use for a file: `<schema dir name>/<relative path>`, never absolute.
fn display_name(schema_dir: &Path, file: &Path) -> String {
    let root = schema_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "schema".into());
    let rel = file.strip_prefix(schema_dir).unwrap_or(file);
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    format!("{root}/{rel}")
}

fn io_error(file: String, e: std::io::Error) -> Diagnostics {
    Diagnostics(vec![Diagnostic {
        file,
        path: String::new(),
        line: None,
        column: None,
        message: format!("cannot read: {e}"),
    }])
}

/// Parses one YAML file into `T`, turning serde_yaml's errors into a diagnostic.
fn parse<T: serde::de::DeserializeOwned>(
    name: &str,
    source: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<T> {
    match serde_yaml::from_str::<T>(source) {
        Ok(v) => Some(v),
        Err(e) => {
            let loc = e.location();
            // serde_yaml embeds " at line L column C"; the location is shown up front instead.
            let message = strip_positions(&e.to_string());
            let (path, message) = match message.split_once(": ") {
                Some((p, m)) if !p.contains(' ') => (p.to_owned(), m.to_owned()),
                _ => (String::new(), message),
            };
            out.push(Diagnostic {
                file: name.to_owned(),
                path,
                line: loc.as_ref().map(|l| l.line()),
                column: loc.as_ref().map(|l| l.column()),
                message,
            });
            None
        }
    }
}

/// Removes every ` at line N column M` from a serde_yaml message (keeping the rest).
fn strip_positions(message: &str) -> String {
    fn digits(s: &str) -> usize {
        s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len()
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + " at line ".len()..];
        let line_len = digits(tail);
        if let Some(col) = tail[line_len..].strip_prefix(" column ") {
            let col_len = digits(col);
            if line_len > 0 && col_len > 0 {
                rest = &col[col_len..];
                continue;
            }
        }
        out.push_str(" at line ");
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn load(schema_dir: &Path) -> Result<(Vec<ir::Platform>, Vec<PathBuf>), Diagnostics> {
    let root_name = display_name(schema_dir, schema_dir);
    let mut dirs: Vec<PathBuf> = fs::read_dir(schema_dir)
        .map_err(|e| io_error(root_name.clone(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut inputs = vec![schema_dir.to_path_buf()];
    let mut diags = Vec::new();
    let mut platforms = Vec::new();
    for dir in dirs {
        inputs.push(dir.clone());
        let mut yamls: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(|e| io_error(display_name(schema_dir, &dir), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        yamls.sort();
        inputs.extend(yamls.iter().cloned());
        let platform_path = dir.join("platform.yaml");
        let pname = display_name(schema_dir, &platform_path);
        if !yamls.contains(&platform_path) {
            diags.push(Diagnostic {
                file: pname,
                path: String::new(),
                line: None,
                column: None,
                message: "missing: every platform directory needs a platform.yaml".into(),
            });
            continue;
        }
        let psrc = fs::read_to_string(&platform_path).map_err(|e| io_error(pname.clone(), e))?;
        let Some(pspec) = parse::<spec::PlatformSpec>(&pname, &psrc, &mut diags) else {
            continue;
        };
        let plocs = locate::Locations::index(&psrc);
        let ctx = validate::platform(
            &pspec,
            &mut validate::Reporter {
                file: &pname,
                locations: &plocs,
                out: &mut diags,
            },
        );
        let dir_name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if dir_name != pspec.platform {
            diags.push(Diagnostic {
                file: pname.clone(),
                path: "platform".into(),
                line: plocs.find("platform").map(|l| l.0),
                column: plocs.find("platform").map(|l| l.1),
                message: format!(
                    "platform `{}` must live in a directory of the same name (found `{dir_name}`)",
                    pspec.platform
                ),
            });
        }
        let mut groups: Vec<ir::Group> = Vec::new();
        let diagnostics_before_groups = diags.len();
        for y in yamls.iter().filter(|p| **p != platform_path) {
            let gname = display_name(schema_dir, y);
            let gsrc = fs::read_to_string(y).map_err(|e| io_error(gname.clone(), e))?;
            let Some(gspec) = parse::<spec::GroupSpec>(&gname, &gsrc, &mut diags) else {
                continue;
            };
            let glocs = locate::Locations::index(&gsrc);
            let mut r = validate::Reporter {
                file: &gname,
                locations: &glocs,
                out: &mut diags,
            };
            let g = validate::group(&gspec, &ctx, &pspec.envelope, &gname, &mut r);
            if let Some(prev) = groups.iter().find(|p| p.module == g.module) {
                r.error(
                    "group",
                    format!(
                        "group `{}` becomes module `{}`, already used by {}",
                        g.doc_name, g.module, prev.file
                    ),
                );
                continue;
            }
            groups.push(g);
        }
        // A named host no endpoint uses is most likely a typo (`sandbx:`): serde cannot
        // reject it, since named hosts are free-form keys.
        // (Only checked when every group was read: an unreadable one may be the user.)
        let groups_complete = diags.len() == diagnostics_before_groups;
        for name in pspec.hosts.named.keys().filter(|_| groups_complete) {
            let used = groups
                .iter()
                .flat_map(|g| g.endpoints.iter())
                .any(|ep| ep.host.as_deref() == Some(name.as_str()));
            if !used {
                let path = format!("hosts.{name}");
                let at = plocs.find(&path);
                diags.push(Diagnostic {
                    file: pname.clone(),
                    path,
                    line: at.map(|a| a.0),
                    column: at.map(|a| a.1),
                    message: format!(
                        "host `{name}` is not used by any endpoint (named hosts are picked with `host: {name}`; the platform's own keys are `production` and `sandbox`)"
                    ),
                });
            }
        }
        let wiring = wiring::wiring(
            &pspec,
            &groups,
            &mut validate::Reporter {
                file: &pname,
                locations: &plocs,
                out: &mut diags,
            },
        );
        platforms.push(ir::Platform {
            name: pspec.platform.clone(),
            doc: pspec.doc.clone(),
            file: pname,
            title: pspec.title.clone(),
            source: pspec.source.clone(),
            production_host: pspec.hosts.production.clone(),
            sandbox_host: pspec.hosts.sandbox.clone(),
            named_hosts: pspec
                .hosts
                .named
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            envelope: pspec.envelope,
            groups,
            wiring,
        });
    }
    if diags.is_empty() {
        Ok((platforms, inputs))
    } else {
        Err(Diagnostics(diags))
    }
}

/// Writes `generated` under `out_dir`, touching only files whose bytes differ, and
/// removes `.rs` files there that the specs no longer produce. Returns the changed paths.
pub fn write_if_changed(out_dir: &Path, generated: &Generated) -> std::io::Result<Vec<String>> {
    let mut changed = Vec::new();
    for (rel, text) in &generated.files {
        let path = out_dir.join(rel);
        if fs::read(&path).ok().as_deref() == Some(text.as_bytes()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, text)?;
        changed.push(rel.clone());
    }
    for stale in existing_rs_files(out_dir, out_dir)? {
        if !generated.files.contains_key(&stale) {
            fs::remove_file(out_dir.join(&stale))?;
            changed.push(stale);
        }
    }
    Ok(changed)
}

fn existing_rs_files(root: &Path, dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(out);
    };
    for e in entries {
        let path = e?.path();
        if path.is_dir() {
            out.extend(existing_rs_files(root, &path)?);
        } else if path.extension().is_some_and(|x| x == "rs") {
            if let Ok(rel) = path.strip_prefix(root) {
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    Ok(out)
}
