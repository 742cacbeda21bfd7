//! The output tables' Arrow schemas, each column described from `docs/schema.md`, and
//! the rows of a report as Arrow batches.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use anyhow::Result;
use arrow_array::{
    builder::StringBuilder, ArrayRef, Date32Array, Float64Array, Int32Array, Int64Array,
    RecordBatch, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::Table;
use crate::model::{Diagnostic, Fact, Report};

/// `docs/schema.md`, the output contract: each column's meaning goes into the Parquet
/// files' field metadata from here, so the files explain themselves.
pub(super) const SCHEMA_DOC: &str = include_str!("../../docs/schema.md");

/// One column as `docs/schema.md` documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentedColumn {
    /// The column's name.
    pub name: String,
    /// Its type as the document names it (`string`, `int32`, `date`, …).
    pub kind: String,
    /// Its one-line meaning, markdown backticks removed.
    pub meaning: String,
}

/// The columns of `table`: the `| column | type | meaning |` rows under its `## Table`
/// heading in `docs/schema.md` (empty for a table the document does not have).
pub fn documented_columns(table: &str) -> Vec<DocumentedColumn> {
    let heading = format!("## Table `{table}`");
    let Some(start) = SCHEMA_DOC.find(&heading) else {
        return Vec::new();
    };
    SCHEMA_DOC[start..]
        .lines()
        .skip_while(|l| !l.starts_with("| column"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            Some(DocumentedColumn {
                name: cells.get(1)?.to_string(),
                kind: cells.get(2)?.to_string(),
                meaning: cells.get(3)?.replace('`', ""),
            })
        })
        .collect()
}

/// A table's schema with each field's meaning in its metadata (`description`).
pub(super) fn described(table: &str, fields: Vec<Field>) -> Schema {
    let documented = documented_columns(table);
    Schema::new(
        fields
            .into_iter()
            .map(|f| match documented.iter().find(|c| &c.name == f.name()) {
                Some(c) => {
                    let metadata = HashMap::from([("description".to_string(), c.meaning.clone())]);
                    f.with_metadata(metadata)
                }
                None => f,
            })
            .collect::<Vec<_>>(),
    )
}

/// The `facts` table's Arrow schema, in `docs/schema.md` column order.
pub fn facts_schema() -> SchemaRef {
    // Built once: every report's batch carries it.
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(described(
            Table::Facts.name(),
            vec![
                Field::new("report_id", DataType::Utf8, false),
                Field::new("agency", DataType::Utf8, true),
                Field::new("year", DataType::Int32, true),
                Field::new("template", DataType::Utf8, false),
                Field::new("section", DataType::Utf8, false),
                Field::new("category", DataType::Utf8, false),
                Field::new("breakdown", DataType::Utf8, false),
                Field::new("value", DataType::Float64, false),
                Field::new("unit", DataType::Utf8, false),
                Field::new("raw", DataType::Utf8, false),
                Field::new("line", DataType::Int32, false),
                Field::new("provenance", DataType::Utf8, true),
                Field::new("source", DataType::Utf8, false),
                Field::new("confidence", DataType::Float64, true),
            ],
        ))
    });
    SCHEMA.clone()
}

/// The `reports` table's Arrow schema.
pub fn reports_schema() -> SchemaRef {
    // Built once: every report's batch carries it.
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(described(
            Table::Reports.name(),
            vec![
                Field::new("report_id", DataType::Utf8, false),
                Field::new("source_path", DataType::Utf8, false),
                Field::new("bytes", DataType::Int64, false),
                Field::new("agency", DataType::Utf8, true),
                Field::new("year", DataType::Int32, true),
                Field::new("template", DataType::Utf8, false),
                Field::new("title", DataType::Utf8, true),
                Field::new("doc_number", DataType::Utf8, true),
                Field::new("issued_on", DataType::Date32, true),
                Field::new("status", DataType::Utf8, false),
                Field::new("facts", DataType::Int32, false),
                Field::new("warnings", DataType::Int32, false),
                Field::new("error", DataType::Utf8, true),
                Field::new("format", DataType::Utf8, true),
                Field::new("encoding", DataType::Utf8, true),
                Field::new("source_url", DataType::Utf8, true),
                Field::new(
                    "published_at",
                    DataType::Timestamp(TimeUnit::Microsecond, None),
                    true,
                ),
                Field::new("publisher", DataType::Utf8, true),
                Field::new("duplicate_of", DataType::Utf8, true),
            ],
        ))
    });
    SCHEMA.clone()
}

/// The `diagnostics` table's Arrow schema.
pub fn diagnostics_schema() -> SchemaRef {
    // Built once: every report's batch carries it.
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(described(
            Table::Diagnostics.name(),
            vec![
                Field::new("report_id", DataType::Utf8, false),
                Field::new("source_path", DataType::Utf8, false),
                Field::new("severity", DataType::Utf8, false),
                Field::new("code", DataType::Utf8, false),
                Field::new("message", DataType::Utf8, false),
                Field::new("line", DataType::Int32, true),
            ],
        ))
    });
    SCHEMA.clone()
}

/// The `categories` table's Arrow schema: the vocabulary of `facts.category`.
pub fn categories_schema() -> SchemaRef {
    Arc::new(described(
        Table::Categories.name(),
        vec![
            Field::new("category", DataType::Utf8, false),
            Field::new("section", DataType::Utf8, false),
            Field::new("group_label", DataType::Utf8, false),
            Field::new("label", DataType::Utf8, false),
            Field::new("templates", DataType::Utf8, false),
            Field::new("sort_order", DataType::Int32, false),
        ],
    ))
}

/// The `breakdowns` table's Arrow schema: the vocabulary of `facts.breakdown`.
pub fn breakdowns_schema() -> SchemaRef {
    Arc::new(described(
        Table::Breakdowns.name(),
        vec![
            Field::new("breakdown", DataType::Utf8, false),
            Field::new("label", DataType::Utf8, false),
            Field::new("sort_order", DataType::Int32, false),
        ],
    ))
}

/// A string column, its buffers allocated to the exact size: a report's rows wait in
/// memory until their row group is encoded, and a growing buffer can be half empty.
pub(super) fn strings<'a>(it: impl Iterator<Item = &'a str> + Clone) -> ArrayRef {
    opt_strings(it.map(Some))
}

/// A string column with nulls, its buffers allocated to the exact size ([`strings`]).
pub(super) fn opt_strings<'a>(it: impl Iterator<Item = Option<&'a str>> + Clone) -> ArrayRef {
    let (rows, bytes) = it.clone().fold((0, 0), |(rows, bytes), s| {
        (rows + 1, bytes + s.map_or(0, str::len))
    });
    let mut column = StringBuilder::with_capacity(rows, bytes);
    for s in it {
        column.append_option(s);
    }
    Arc::new(column.finish())
}

pub(super) fn facts_batch(rows: &[Fact]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        strings(rows.iter().map(|r| r.report_id.as_str())),
        opt_strings(rows.iter().map(|r| r.agency.as_deref())),
        Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.year))),
        strings(rows.iter().map(|r| r.template.code())),
        strings(rows.iter().map(|r| r.section.code())),
        strings(rows.iter().map(|r| r.category.code())),
        strings(rows.iter().map(|r| r.breakdown.code())),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.value))),
        strings(rows.iter().map(|r| r.unit.code())),
        strings(rows.iter().map(|r| r.raw.as_str())),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.line))),
        opt_strings(rows.iter().map(|r| r.provenance.as_deref())),
        strings(rows.iter().map(|r| r.source.code())),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.confidence))),
    ];
    Ok(RecordBatch::try_new(facts_schema(), cols)?)
}

/// Days since 1970-01-01 for an ISO date (`YYYY-MM-DD`).
/// `2023-02-20T15:07:00` → seconds since 1970 (a naive local time, as portals give it).
pub(super) fn iso_to_seconds(iso: &str) -> Option<i64> {
    let (date, time) = iso.split_once('T').unwrap_or((iso, "00:00:00"));
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (
        hms.next()??,
        hms.next()??,
        hms.next().flatten().unwrap_or(0),
    );
    Some(i64::from(iso_to_days(date)?) * 86_400 + h * 3_600 + m * 60 + s)
}

pub(super) fn iso_to_days(iso: &str) -> Option<i32> {
    let mut parts = iso.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

pub(super) fn reports_batch(rows: &[Report]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        strings(rows.iter().map(|r| r.report_id.as_str())),
        strings(rows.iter().map(|r| r.source_path.as_str())),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.bytes))),
        opt_strings(rows.iter().map(|r| r.agency.as_deref())),
        Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.year))),
        strings(rows.iter().map(|r| r.template.code())),
        opt_strings(rows.iter().map(|r| r.title.as_deref())),
        opt_strings(rows.iter().map(|r| r.doc_number.as_deref())),
        Arc::new(Date32Array::from_iter(
            rows.iter()
                .map(|r| r.issued_on.as_deref().and_then(iso_to_days)),
        )),
        strings(rows.iter().map(|r| r.status.code())),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.facts))),
        Arc::new(Int32Array::from_iter_values(
            rows.iter().map(|r| r.warnings),
        )),
        opt_strings(rows.iter().map(|r| r.error.as_deref())),
        opt_strings(rows.iter().map(|r| r.format.as_deref())),
        opt_strings(rows.iter().map(|r| r.encoding.as_deref())),
        opt_strings(rows.iter().map(|r| r.source_url.as_deref())),
        Arc::new(TimestampMicrosecondArray::from_iter(rows.iter().map(|r| {
            r.published_at
                .as_deref()
                .and_then(iso_to_seconds)
                .map(|s| s * 1_000_000)
        }))),
        opt_strings(rows.iter().map(|r| r.publisher.as_deref())),
        opt_strings(rows.iter().map(|r| r.duplicate_of.as_deref())),
    ];
    Ok(RecordBatch::try_new(reports_schema(), cols)?)
}

pub(super) fn diagnostics_batch(rows: &[Diagnostic]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        strings(rows.iter().map(|r| r.report_id.as_str())),
        strings(rows.iter().map(|r| r.source_path.as_str())),
        strings(rows.iter().map(|r| r.severity.code())),
        strings(rows.iter().map(|r| r.code.code())),
        strings(rows.iter().map(|r| r.message.as_str())),
        Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.line))),
    ];
    Ok(RecordBatch::try_new(diagnostics_schema(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_carries_its_meaning() {
        for schema in [facts_schema(), reports_schema(), diagnostics_schema()] {
            for field in schema.fields() {
                let meaning = field.metadata().get("description");
                assert!(
                    meaning.is_some_and(|m| m.len() > 3 && !m.contains('`')),
                    "{}: {meaning:?}",
                    field.name()
                );
            }
        }
        let bytes = reports_schema().field_with_name("bytes").unwrap().clone();
        assert_eq!(bytes.metadata()["description"], "file size");
    }

    #[test]
    fn civil_days() {
        assert_eq!(iso_to_days("1970-01-01"), Some(0));
        assert_eq!(iso_to_days("2021-01-08"), Some(18635));
        assert_eq!(iso_to_days("2000-03-01"), Some(11017));
    }
}
