//! Spec → IR. Collects every problem it finds (it does not stop at the first) and never
//! panics on any input. Diagnostics come out in file order: a platform file, then its
//! group files in name order, then the checks that need every group.
//!
//! - `platform`: hosts, envelope, auth kinds, common errors
//! - `group`: a group file's types, enums and endpoints, and their type names
//! - `endpoint`, `alternatives`: one endpoint, its wire layout and its choices
//! - `fields`, `constraints`, `types`: field lists, their checks, type references
//! - `errors`: error code tables; `example`: response examples
//! - `sources`, `doc_text`: what the rustdoc cites and says
//! - `convert`: the spec's plain enums as the IR's
//! - `wiring`: the decoder, signer, credentials and token modes the runtime's client uses

mod alternatives;
mod constraints;
mod convert;
mod doc_text;
mod endpoint;
mod errors;
mod example;
mod fields;
mod group;
mod platform;
mod sources;
mod types;
mod usage;
mod wiring;

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir;
use crate::locate::Locations;
use crate::read::{PlatformDir, SourceFile};
use crate::spec::PlatformSpec;

/// Reports problems of one file, with line/column looked up from its YAML path.
pub struct Reporter<'a> {
    file: &'a str,
    locations: &'a Locations,
    out: &'a mut Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    fn new<T>(source: &'a SourceFile<T>, out: &'a mut Vec<Diagnostic>) -> Self {
        Reporter {
            file: &source.name,
            locations: &source.locations,
            out,
        }
    }

    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        let path = path.into();
        let at = self.locations.find(&path);
        self.out.push(Diagnostic {
            file: self.file.to_owned(),
            path,
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
            message: message.into(),
        });
    }
}

/// Validates every platform read; the IR only when nothing at all was wrong.
pub fn schema(dirs: &[PlatformDir]) -> Result<Vec<ir::Platform>, Diagnostics> {
    let mut diags = Vec::new();
    let mut platforms = Vec::new();
    for dir in dirs {
        platforms.extend(platform_dir(dir, &mut diags));
    }
    if diags.is_empty() {
        Ok(platforms)
    } else {
        Err(Diagnostics(diags))
    }
}

fn platform_dir(dir: &PlatformDir, out: &mut Vec<Diagnostic>) -> Option<ir::Platform> {
    let file = match &dir.platform {
        Ok(file) => file,
        Err(d) => {
            out.push(d.clone());
            return None;
        }
    };
    let spec = &file.spec;
    let ctx = platform::platform(spec, &mut Reporter::new(file, out));
    let sources = sources::sources(&spec.source, "source", &mut Reporter::new(file, out));
    doc_text::platform(spec, &mut Reporter::new(file, out));
    if dir.dir_name != spec.platform {
        Reporter::new(file, out).error(
            "platform",
            format!(
                "platform `{}` must live in a directory of the same name (found `{}`)",
                spec.platform, dir.dir_name
            ),
        );
    }
    let before_groups = out.len();
    let groups = groups(dir, &ctx, spec, out);
    // Only checked when every group was read and valid: an unreadable one may be the user.
    if out.len() == before_groups {
        platform::unused_hosts(spec, &groups, &mut Reporter::new(file, out));
    }
    let wiring = wiring::wiring(spec, &groups, &mut Reporter::new(file, out));
    Some(ir::Platform {
        name: spec.platform.clone(),
        doc: spec.doc.clone(),
        file: file.name.clone(),
        title: spec.title.clone(),
        sources,
        hosts: convert::hosts(&spec.hosts),
        envelope: convert::envelope(&spec.envelope),
        groups,
        wiring,
        refusals: ctx
            .common_errors
            .iter()
            .flat_map(|(case, _)| case.means.iter().map(|m| (case.code.clone(), m.clone())))
            .collect(),
    })
}

/// The platform's group files, each a module of its own.
fn groups(
    dir: &PlatformDir,
    ctx: &platform::PlatformContext,
    spec: &PlatformSpec,
    out: &mut Vec<Diagnostic>,
) -> Vec<ir::Group> {
    let mut groups: Vec<ir::Group> = Vec::new();
    for parsed in &dir.groups {
        let file = match parsed {
            Ok(file) => file,
            Err(d) => {
                out.push(d.clone());
                continue;
            }
        };
        let mut r = Reporter::new(file, out);
        let g = group::group(&file.spec, ctx, &spec.envelope, &file.name, &mut r);
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
    groups
}
