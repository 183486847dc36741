//! The table of every endpoint (`docs/API.md`): what a user reads to answer "is X
//! covered, and what is it called here?" in one look. Written from the same IR as the
//! code, so it cannot drift from it.

use crate::ir::Platform;
use std::fmt::Write;

/// The whole table, platforms in schema order (alphabetical), groups and endpoints as
/// the specs list them.
pub fn api_table(platforms: &[Platform]) -> String {
    let mut out = String::new();
    out.push_str(
        "# API table\n\n\
         Every endpoint the SDK covers, generated from `schema/` with the code (never \
         edited by hand; CI checks it is fresh). *Call* is the method on the platform's \
         `Client`; *retried* says whether a busy answer is retried (only idempotent \
         calls are); *built locally* means the request is signed for a client-side SDK \
         and never sent.\n\n",
    );
    let total: usize = platforms
        .iter()
        .flat_map(|p| &p.groups)
        .map(|g| g.endpoints.len())
        .sum();
    let _ = writeln!(out, "{total} endpoints on {} platforms.\n", platforms.len());
    for p in platforms {
        let _ = writeln!(out, "## {} (`miniapp::{}`)\n", cell(&p.title), p.name);
        let _ = writeln!(out, "Base URL: <{}>.\n", p.hosts.production);
        out.push_str("| Group | Doc name | Wire | Call | Retried | Doc |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for g in &p.groups {
            for e in &g.endpoints {
                let mut wire = format!("`{} {}`", e.method.as_str(), e.path);
                if let Some(host) = &e.host {
                    let _ = write!(wire, " on `{host}`");
                }
                // Where one gateway path serves every call, the operation it names.
                let operation = p.envelope.operation.as_deref();
                for (name, value) in &e.constants {
                    if Some(name.as_str()) == operation {
                        let _ = write!(wire, " `{value}`");
                    }
                }
                let call = if e.signed_only {
                    format!("`{}::{}` (built locally)", g.module, e.request_type)
                } else {
                    format!("`{}().{}()`", g.module, e.method_name)
                };
                let call = match &e.deprecated {
                    Some(note) => format!("{call} **deprecated**: {}", cell(note)),
                    None => call,
                };
                let retried = if e.idempotent { "yes" } else { "no" };
                let doc = match e.sources.first() {
                    Some(url) => format!("[doc]({url})"),
                    None => String::new(),
                };
                let _ = writeln!(
                    out,
                    "| {} | `{}` — {} | {wire} | {call} | {retried} | {doc} |",
                    cell(&g.title),
                    e.full_name,
                    cell(&e.summary),
                );
            }
        }
        out.push('\n');
    }
    out
}

/// Text fit for one table cell: one line, no column breaks.
fn cell(text: &str) -> String {
    super::structs::first_line(text).trim().replace('|', "\\|")
}
