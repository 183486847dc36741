//! Generates the generator's fixture platform (generator/tests/fixtures/good) into
//! OUT_DIR so that this crate compiles it: a snapshot whose code stops building fails.

use std::path::Path;

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/good");
    let options = miniapp_codegen::Options {
        runtime_path: "::miniapp::runtime".into(),
    };
    let generated = match miniapp_codegen::generate(&fixtures, &options) {
        Ok(g) => g,
        Err(d) => {
            eprintln!("{d}");
            std::process::exit(1);
        }
    };
    for input in &generated.inputs {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out).join("fixtures");
    if let Err(e) = miniapp_codegen::write_if_changed(&out, &generated) {
        eprintln!("cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
    // `#[path]` needs a literal, so the module declaration itself is generated.
    let decl = format!(
        "#[path = {:?}]\nmod api;\npub use api::*;\n",
        out.join("fixture/mod.rs").display().to_string()
    );
    if let Err(e) = std::fs::write(
        Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("fixture_decl.rs"),
        decl,
    ) {
        eprintln!("cannot write the module declaration: {e}");
        std::process::exit(1);
    }
}
