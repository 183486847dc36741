//! Regenerates `generated/` from `schema/` when the `codegen` feature is on (it is in
//! every workspace build, through the `devtools` member). Registry users build with the
//! committed `generated/` and never compile the generator.

fn main() {
    #[cfg(feature = "codegen")]
    codegen::run();
    #[cfg(not(feature = "codegen"))]
    println!("cargo:rerun-if-changed=build.rs");
}

#[cfg(feature = "codegen")]
mod codegen {
    use std::path::Path;

    pub fn run() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let schema = root.join("schema");
        println!("cargo:rerun-if-changed=build.rs");
        let generated =
            match miniapp_codegen::generate(&schema, &miniapp_codegen::Options::default()) {
                Ok(g) => g,
                Err(diagnostics) => {
                    // Every input is still watched, so fixing the YAML re-runs the build script.
                    watch_all(&schema);
                    for d in &diagnostics.0 {
                        println!("cargo:warning={d}");
                    }
                    eprintln!("{diagnostics}");
                    std::process::exit(1);
                }
            };
        for input in &generated.inputs {
            println!("cargo:rerun-if-changed={}", input.display());
        }
        match miniapp_codegen::write_if_changed(&root.join("generated"), &generated) {
            Ok(_changed) => {}
            Err(e) => {
                eprintln!("cannot write generated/: {e}");
                std::process::exit(1);
            }
        }
        let table = root.join("docs/API.md");
        if let Err(e) = miniapp_codegen::write_file_if_changed(&table, &generated.api_table) {
            eprintln!("cannot write docs/API.md: {e}");
            std::process::exit(1);
        }
        fixtures(root);
    }

    /// The generator's fixture platforms (every construct of the schema language) are
    /// generated into OUT_DIR and compiled into this crate as `miniapp::fixtures`, exactly
    /// like the real platforms, so that output which does not build or does not work on
    /// the wire fails the tests (`tests/fixture_wire.rs`).
    fn fixtures(root: &Path) {
        let fixtures = root.join("generator/tests/fixtures/good");
        let generated =
            match miniapp_codegen::generate(&fixtures, &miniapp_codegen::Options::default()) {
                Ok(g) => g,
                Err(d) => {
                    eprintln!("{d}");
                    std::process::exit(1);
                }
            };
        for input in &generated.inputs {
            println!("cargo:rerun-if-changed={}", input.display());
        }
        let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
        if let Err(e) = miniapp_codegen::write_if_changed(&out.join("fixtures"), &generated) {
            eprintln!("cannot write the fixtures: {e}");
            std::process::exit(1);
        }
        // `#[path]` needs a literal, so the module declarations themselves are generated.
        let mut decl = String::new();
        for file in generated.files.keys().filter(|f| f.ends_with("/mod.rs")) {
            let name = file.trim_end_matches("/mod.rs");
            let path = out.join("fixtures").join(file);
            decl.push_str(&format!(
                "#[rustfmt::skip]\n#[path = {:?}]\npub mod {name};\n",
                path.display().to_string()
            ));
        }
        if let Err(e) = std::fs::write(out.join("fixture_decl.rs"), decl) {
            eprintln!("cannot write the fixture declarations: {e}");
            std::process::exit(1);
        }
    }

    fn watch_all(dir: &Path) {
        println!("cargo:rerun-if-changed={}", dir.display());
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    watch_all(&p);
                } else {
                    println!("cargo:rerun-if-changed={}", p.display());
                }
            }
        }
    }
}
