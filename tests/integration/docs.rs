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
