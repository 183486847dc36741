//! Full regeneration of `schema/` (parse + validate + emit + format), next to a baseline
//! that only reads and parses the same YAML files, so the ratio shows what validation,
//! code emission and formatting add. Run: `cargo bench -p miniapp-codegen`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::{Path, PathBuf};

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(yaml_files(&p));
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let dir = schema_dir();
    let files = yaml_files(&dir);
    let mut group = c.benchmark_group("regenerate_schema");
    group.sample_size(20);
    group.bench_function("baseline_read_and_parse_yaml", |b| {
        b.iter(|| {
            for f in &files {
                let text = std::fs::read_to_string(f).unwrap();
                let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
                std::hint::black_box(v);
            }
        })
    });
    group.bench_function("full_generate", |b| {
        b.iter(|| {
            std::hint::black_box(
                miniapp_codegen::generate(&dir, &miniapp_codegen::Options::default()).unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
