//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample reports shipped in `data/raw/`.
pub fn raw(name: &str) -> PathBuf {
    root().join("data/raw").join(name)
}

/// The five sample file names.
pub const SEEDS: [&str; 5] = [
    "000_ad16510ea09d0095.txt",
    "001_1f7e495e6ab563f2.txt",
    "002_27cd43e467ef10f4.txt",
    "003_94d5af374346e30f.txt",
    "004_ed1ff81cc4d3de7d.txt",
];

/// A fact reduced to what a comparison needs.
pub type FactKey = (String, String, String, String, String, i32);

/// The comparable form of gongkai's facts for one document.
pub fn fact_keys(doc: &gongkai::model::DocResult) -> Vec<FactKey> {
    doc.facts
        .iter()
        .map(|f| {
            (
                f.category.code().to_string(),
                f.breakdown.code().to_string(),
                format_value(f.value),
                f.unit.code().to_string(),
                f.raw.clone(),
                f.line,
            )
        })
        .collect()
}

/// Prints a value the way the fixtures write it (no trailing `.0`).
pub fn format_value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// The `gongkai` binary cargo built for the tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_gongkai");

/// Runs the binary to its end; returns (exit code, stdout, stderr). Tests that must kill
/// it or run it as another user start [`BINARY`] themselves.
pub fn gongkai(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(BINARY)
        .args(args)
        .output()
        .expect("run gongkai");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `gongkai ingest INPUT --out OUT --formats csv`; returns (exit code, stdout, stderr).
pub fn ingest_csv(input: &str, out: &str) -> (i32, String, String) {
    gongkai(&["ingest", input, "--out", out, "--formats", "csv"])
}

/// Path as &str for command lines.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A CSV table of an output folder (`facts`, `reports`, `diagnostics`) as rows of
/// column → value.
pub fn csv_table(out: &Path, name: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(out.join(format!("{name}.csv"))).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

include!("../support/pdf_of.rs");
