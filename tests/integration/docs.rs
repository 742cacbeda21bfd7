//! The project's documentation of the output contract stays in step with the code.

use arrow_schema::DataType;
use gongkai::write::{
    breakdowns_schema, categories_schema, diagnostics_schema, documented_columns, facts_schema,
    reports_schema,
};

use gongkai::model::Code;

use crate::util::root;

fn schema_doc() -> String {
    std::fs::read_to_string(root().join("docs/schema.md")).unwrap()
}

fn type_name(t: &DataType) -> &'static str {
    match t {
        DataType::Utf8 => "string",
        DataType::Int32 => "int32",
        DataType::Int64 => "int64",
        DataType::Float64 => "float64",
        DataType::Date32 => "date",
        DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, None) => "timestamp",
        other => panic!("undocumented type {other}"),
    }
}

#[test]
fn documented_columns_match_the_written_schema() {
    for (table, schema) in [
        ("facts", facts_schema()),
        ("reports", reports_schema()),
        ("diagnostics", diagnostics_schema()),
        ("categories", categories_schema()),
        ("breakdowns", breakdowns_schema()),
    ] {
        let ours: Vec<(String, String)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), type_name(f.data_type()).to_string()))
            .collect();
        let documented: Vec<(String, String)> = documented_columns(table)
            .into_iter()
            .map(|c| (c.name, c.kind))
            .collect();
        assert_eq!(documented, ours, "docs/schema.md, table {table}");
    }
}

#[test]
fn every_diagnostic_code_is_documented_and_every_documented_code_exists() {
    let doc = schema_doc();
    let start = doc.find("### Codes").unwrap();
    let documented: Vec<String> = doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with("| code"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect();
    let ours: Vec<&str> = Code::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(
        ours, documented,
        "docs/schema.md's codes, in `Code`'s order"
    );
}

#[test]
fn categories_csv_is_the_shipped_vocabulary() {
    let csv = std::fs::read_to_string(root().join("docs/categories.csv")).unwrap();
    let codes: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    let ours: Vec<&str> = gongkai::categories::Category::ALL
        .iter()
        .map(|c| c.code())
        .collect();
    assert_eq!(codes, ours);
}

/// The modules `src/lib.rs` declares, in order.
fn declared_modules() -> Vec<String> {
    std::fs::read_to_string(root().join("src/lib.rs"))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

/// A module's source files (its own, and those of its submodules), test files left out.
fn module_files(module: &str) -> Vec<std::path::PathBuf> {
    let file = root().join(format!("src/{module}.rs"));
    if file.is_file() {
        return vec![file];
    }
    walkdir::WalkDir::new(root().join("src").join(module))
        .into_iter()
        .map(Result::unwrap)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "rs") && !p.ends_with("tests.rs"))
        .collect()
}

/// The module's code without comments and without its in-file test module.
fn code_of(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap();
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn modules_use_only_modules_declared_before_them() {
    let modules = declared_modules();
    assert!(modules.len() > 10, "{modules:?}");
    let mut problems = Vec::new();
    for (i, module) in modules.iter().enumerate() {
        for path in module_files(module) {
            let code = code_of(&path);
            for used in code.split("crate::").skip(1) {
                let name: String = used
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                let at = modules.iter().position(|m| *m == name);
                if name != *module && at.is_none_or(|at| at > i) {
                    problems.push(format!("{} uses crate::{name}", path.display()));
                }
            }
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "imports up the layers:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_readme_module_map_is_src_lib_rs() {
    // Each module's contract: the first line of its doc, after `name: `.
    let expected: Vec<String> = declared_modules()
        .iter()
        .map(|m| {
            let file = module_files(m)
                .into_iter()
                .find(|p| p.ends_with(format!("{m}.rs")) || p.ends_with("mod.rs"))
                .unwrap();
            let first = std::fs::read_to_string(&file).unwrap();
            let first = first.lines().next().unwrap();
            let contract = first
                .strip_prefix(&format!("//! {m}: "))
                .unwrap_or_else(|| {
                    panic!("{}: the first line is not `//! {m}: …`", file.display())
                });
            format!("| `{m}` | {contract} |")
        })
        .collect();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let map: Vec<String> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| module |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(str::to_string)
        .collect();
    assert_eq!(
        map, expected,
        "README's module map (| module | contract |) against src/lib.rs"
    );
}
