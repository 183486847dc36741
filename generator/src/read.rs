//! Reading: finds the platform directories and their YAML files, parses each into the
//! spec structs and indexes its line/column positions. Nothing here judges the content;
//! a file that does not parse is kept as its diagnostic so that `validate` can report
//! every problem in file order.

use crate::diag::{Diagnostic, Diagnostics};
use crate::locate::Locations;
use crate::spec::{GroupSpec, PlatformSpec};
use std::fs;
use std::path::{Path, PathBuf};

/// One parsed YAML file.
pub struct SourceFile<T> {
    /// The name diagnostics use (`schema/wechat/auth.yaml`).
    pub name: String,
    pub locations: Locations,
    pub spec: T,
}

/// A file as read: parsed, or the diagnostic saying why not.
pub type Parsed<T> = Result<SourceFile<T>, Diagnostic>;

/// One `<platform>/` directory.
pub struct PlatformDir {
    pub dir_name: String,
    pub platform: Parsed<PlatformSpec>,
    /// The group files in name order. Left empty when `platform.yaml` is missing or does
    /// not parse: without the platform nothing in them can be checked.
    pub groups: Vec<Parsed<GroupSpec>>,
}

/// Everything under the schema directory.
pub struct Schema {
    pub platforms: Vec<PlatformDir>,
    /// Every directory and file looked at (for `cargo:rerun-if-changed`).
    pub inputs: Vec<PathBuf>,
}

/// Reads every platform directory under `schema_dir`. Only I/O failures are errors here;
/// they stop the run, since a half-read schema would give misleading diagnostics.
pub fn schema(schema_dir: &Path) -> Result<Schema, Diagnostics> {
    let root_name = display_name(schema_dir, schema_dir);
    let mut dirs: Vec<PathBuf> = fs::read_dir(schema_dir)
        .map_err(|e| io_error(root_name, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut inputs = vec![schema_dir.to_path_buf()];
    let mut platforms = Vec::new();
    for dir in dirs {
        platforms.push(platform_dir(schema_dir, &dir, &mut inputs)?);
    }
    Ok(Schema { platforms, inputs })
}

fn platform_dir(
    schema_dir: &Path,
    dir: &Path,
    inputs: &mut Vec<PathBuf>,
) -> Result<PlatformDir, Diagnostics> {
    inputs.push(dir.to_path_buf());
    let mut yamls: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| io_error(display_name(schema_dir, dir), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    yamls.sort();
    inputs.extend(yamls.iter().cloned());
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let platform_path = dir.join("platform.yaml");
    let platform = if yamls.contains(&platform_path) {
        file(schema_dir, &platform_path)?
    } else {
        Err(Diagnostic {
            file: display_name(schema_dir, &platform_path),
            path: String::new(),
            line: None,
            column: None,
            message: "missing: every platform directory needs a platform.yaml".into(),
        })
    };
    let mut groups = Vec::new();
    if platform.is_ok() {
        for y in yamls.iter().filter(|p| **p != platform_path) {
            groups.push(file(schema_dir, y)?);
        }
    }
    Ok(PlatformDir {
        dir_name,
        platform,
        groups,
    })
}

fn file<T: serde::de::DeserializeOwned>(
    schema_dir: &Path,
    path: &Path,
) -> Result<Parsed<T>, Diagnostics> {
    let name = display_name(schema_dir, path);
    let text = fs::read_to_string(path).map_err(|e| io_error(name.clone(), e))?;
    Ok(parse::<T>(&name, &text).map(|spec| SourceFile {
        locations: Locations::index(&text),
        name,
        spec,
    }))
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

/// Parses one YAML file into `T`, turning serde_yaml's error into a diagnostic.
fn parse<T: serde::de::DeserializeOwned>(name: &str, source: &str) -> Result<T, Diagnostic> {
    serde_yaml::from_str::<T>(source).map_err(|e| {
        let loc = e.location();
        // serde_yaml embeds " at line L column C"; the location is shown up front instead.
        let message = strip_positions(&e.to_string());
        let (path, message) = match message.split_once(": ") {
            Some((p, m)) if !p.contains(' ') => (p.to_owned(), m.to_owned()),
            _ => (String::new(), message),
        };
        Diagnostic {
            file: name.to_owned(),
            path,
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message,
        }
    })
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
