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
