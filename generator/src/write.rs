//! Writing: puts the generated files on disk without touching unchanged ones, so that
//! cargo does not rebuild what did not change.

use crate::Generated;
use std::fs;
use std::path::Path;

/// Writes `generated` under `out_dir`, touching only files whose bytes differ, and
/// removes `.rs` files there that the specs no longer produce. Returns the changed paths.
pub fn write_if_changed(out_dir: &Path, generated: &Generated) -> std::io::Result<Vec<String>> {
    let mut changed = Vec::new();
    for (rel, text) in &generated.files {
        if write_file_if_changed(&out_dir.join(rel), text)? {
            changed.push(rel.clone());
        }
    }
    for stale in existing_rs_files(out_dir, out_dir)? {
        if !generated.files.contains_key(&stale) {
            fs::remove_file(out_dir.join(&stale))?;
            changed.push(stale);
        }
    }
    Ok(changed)
}

/// Writes `text` to `path` (creating its folder) unless the file has exactly these
/// bytes already; whether it wrote.
pub fn write_file_if_changed(path: &Path, text: &str) -> std::io::Result<bool> {
    if fs::read(path).ok().as_deref() == Some(text.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text)?;
    Ok(true)
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
