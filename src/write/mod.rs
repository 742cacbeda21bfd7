//! write: results → `facts`, `reports` and `diagnostics` as Parquet and CSV.
//!
//! Rows stream into the writers in input order, in batches of [`BATCH_ROWS`]; Parquet row
//! groups are flushed when they reach [`ROW_GROUP_ROWS`] rows ([`WIDE_ROW_GROUP_ROWS`] for
//! the long rows of `reports` and `diagnostics`), so memory does not grow with the corpus. Every file is
//! written under a temporary name in the output folder and renamed into place only when
//! the whole run has succeeded: a killed run leaves the previous output untouched and
//! never a half-written file.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use anyhow::{Context, Result};
use arrow_array::{
    ArrayRef, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::model::{Diagnostic, DocResult, Fact, Report};

mod rows;
pub use rows::{header, CsvRows};

/// Most rows per Parquet row group of `facts` (short rows). Large groups suit analytical
/// readers, and the writer keeps some metadata per group until the footer: fewer groups,
/// less memory on large corpora.
pub const ROW_GROUP_ROWS: usize = 262_144;
/// Most rows per Parquet row group of `reports` and `diagnostics`, whose rows are long
/// (titles, messages): an open row group is held in memory until it closes, so these
/// close sooner and memory stays flat however large the corpus.
pub const WIDE_ROW_GROUP_ROWS: usize = 16_384;
/// Rows handed to the Parquet writer at a time (in batches made by the workers).
pub const BATCH_ROWS: usize = 4096;

/// Most reports' batches waiting for a Parquet write: a `reports` batch is one row, and
/// thousands of tiny batches cost more to hold and to join than to write.
pub const BATCH_REPORTS: usize = 64;

/// Version of the output schema, stamped into Parquet metadata; bump on any change.
pub const SCHEMA_VERSION: &str = "3";

/// Output file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    /// Write `*.parquet`.
    pub parquet: bool,
    /// Write `*.csv`.
    pub csv: bool,
}

/// The byte order mark every CSV file starts with, so that Excel reads it as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// `docs/schema.md`, the output contract: each column's meaning goes into the Parquet
/// files' field metadata from here, so the files explain themselves.
const SCHEMA_DOC: &str = include_str!("../../docs/schema.md");

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
fn described(table: &str, fields: Vec<Field>) -> Schema {
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

/// Writes the two vocabulary tables ([`Table::VOCABULARY`]) into `dir` under
/// temporary names, so that an output read anywhere carries the words of its codes;
/// returns the renames that put them in place.
fn write_vocabulary(dir: &Path, formats: Formats) -> Result<Vec<(PathBuf, PathBuf)>> {
    let entries = crate::categories::category_entries();
    let categories = RecordBatch::try_new(
        categories_schema(),
        vec![
            strings(entries.iter().map(|e| e.category.code())),
            strings(entries.iter().map(|e| e.category.section().code())),
            strings(entries.iter().map(|e| e.group)),
            strings(entries.iter().map(|e| e.label)),
            strings(entries.iter().map(|e| e.templates)),
            Arc::new(Int32Array::from_iter_values(
                entries.iter().map(|e| e.order),
            )),
        ],
    )?;
    let all = crate::categories::Breakdown::ALL;
    let breakdowns = RecordBatch::try_new(
        breakdowns_schema(),
        vec![
            strings(all.iter().map(|b| b.code())),
            strings(all.iter().map(|b| b.label())),
            Arc::new(Int32Array::from_iter_values(1..=all.len() as i32)),
        ],
    )?;
    let mut renames = Vec::new();
    for (table, batch) in Table::VOCABULARY.into_iter().zip([categories, breakdowns]) {
        let mut sink =
            TableSink::create(dir, table.name(), batch.schema(), formats, ROW_GROUP_ROWS)?;
        sink.push_csv(&rows::batch_lines(&batch))?;
        sink.push_batch(batch)?;
        renames.extend(sink.finish()?);
    }
    Ok(renames)
}

fn strings<'a>(it: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(it))
}

fn opt_strings<'a>(it: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(it))
}

fn facts_batch(rows: &[Fact]) -> Result<RecordBatch> {
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
    ];
    Ok(RecordBatch::try_new(facts_schema(), cols)?)
}

/// Days since 1970-01-01 for an ISO date (`YYYY-MM-DD`).
/// `2023-02-20T15:07:00` → seconds since 1970 (a naive local time, as portals give it).
fn iso_to_seconds(iso: &str) -> Option<i64> {
    let (date, time) = iso.split_once('T').unwrap_or((iso, "00:00:00"));
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (
        hms.next()??,
        hms.next()??,
        hms.next().flatten().unwrap_or(0),
    );
    Some(i64::from(iso_to_days(date)?) * 86_400 + h * 3_600 + m * 60 + s)
}

fn iso_to_days(iso: &str) -> Option<i32> {
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

fn reports_batch(rows: &[Report]) -> Result<RecordBatch> {
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
    ];
    Ok(RecordBatch::try_new(reports_schema(), cols)?)
}

fn diagnostics_batch(rows: &[Diagnostic]) -> Result<RecordBatch> {
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

/// One output table: a Parquet and/or CSV file under temporary names, with the batches
/// waiting for the next Parquet write.
struct TableSink {
    /// The output path without its extension, for messages.
    name: PathBuf,
    schema: SchemaRef,
    buffer: Vec<RecordBatch>,
    buffered_rows: usize,
    parquet: Option<ArrowWriter<BufWriter<File>>>,
    /// The CSV file; its lines come rendered ([`CsvRows`]).
    csv: Option<BufWriter<File>>,
    temps: Vec<(PathBuf, PathBuf)>,
}

impl TableSink {
    fn create(
        dir: &Path,
        name: &str,
        schema: SchemaRef,
        formats: Formats,
        group_rows: usize,
    ) -> Result<Self> {
        let mut temps = Vec::new();
        let mut open = |ext: &str| -> Result<File> {
            let final_path = dir.join(format!("{name}.{ext}"));
            let temp = dir.join(format!(".{name}.{ext}.tmp"));
            let file =
                File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
            temps.push((temp, final_path));
            Ok(file)
        };
        let parquet = if formats.parquet {
            let mut props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_max_row_group_row_count(Some(group_rows));
            // Rows are in walk order, so a row group of a text column spans nearly every
            // code, agency and report id: its min/max could never skip a group or page,
            // and computing them compares every value twice. Numeric columns keep theirs
            // (`year`, `value`, `line` …).
            for field in schema.fields() {
                if field.data_type() == &DataType::Utf8 {
                    props = props.set_column_statistics_enabled(
                        ColumnPath::from(field.name().as_str()),
                        EnabledStatistics::None,
                    );
                }
            }
            let props = props
                .set_key_value_metadata(Some(vec![
                    KeyValue::new(
                        "gongkai.schema_version".to_string(),
                        SCHEMA_VERSION.to_string(),
                    ),
                    KeyValue::new(
                        "gongkai.version".to_string(),
                        env!("CARGO_PKG_VERSION").to_string(),
                    ),
                ]))
                .build();
            Some(ArrowWriter::try_new(
                BufWriter::new(open("parquet")?),
                schema.clone(),
                Some(props),
            )?)
        } else {
            None
        };
        let csv = if formats.csv {
            let mut file = BufWriter::with_capacity(1 << 20, open("csv")?);
            // Excel on a Chinese Windows desktop reads a UTF-8 file without a byte order
            // mark as GBK; DuckDB, pandas, polars, pyarrow and the `csv` crate skip it.
            file.write_all(UTF8_BOM)
                .and_then(|()| file.write_all(&header(&schema)))
                .with_context(|| format!("cannot write {name}.csv"))?;
            Some(file)
        } else {
            None
        };
        Ok(TableSink {
            name: dir.join(name),
            schema,
            buffer: Vec::new(),
            buffered_rows: 0,
            parquet,
            csv,
            temps,
        })
    }

    /// Appends rendered CSV lines.
    fn push_csv(&mut self, lines: &[u8]) -> Result<()> {
        if let Some(csv) = &mut self.csv {
            csv.write_all(lines)
                .with_context(|| format!("cannot write {}.csv", self.name.display()))?;
        }
        Ok(())
    }

    /// Appends rows to the Parquet file (their CSV lines come through [`Self::push_csv`]).
    fn push_batch(&mut self, batch: RecordBatch) -> Result<()> {
        if self.parquet.is_some() && batch.num_rows() > 0 {
            self.buffered_rows += batch.num_rows();
            self.buffer.push(batch);
            if self.buffered_rows >= BATCH_ROWS || self.buffer.len() >= BATCH_REPORTS {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if let Some(w) = &mut self.parquet {
            if !self.buffer.is_empty() {
                // One write of many reports' rows: the Parquet writer's cost is per call.
                let batch = arrow_select::concat::concat_batches(&self.schema, &self.buffer)?;
                w.write(&batch)
                    .with_context(|| format!("cannot write {}.parquet", self.name.display()))?;
                self.buffer.clear();
                self.buffered_rows = 0;
            }
        }
        Ok(())
    }

    /// Finishes the files (still under temporary names) and returns the renames to do.
    fn finish(mut self) -> Result<Vec<(PathBuf, PathBuf)>> {
        self.flush()?;
        if let Some(w) = self.parquet.take() {
            let inner = w
                .into_inner()
                .with_context(|| format!("cannot finish {}.parquet", self.name.display()))?;
            sync_buffered(inner)
                .with_context(|| format!("cannot write {}.parquet", self.name.display()))?;
        }
        if let Some(c) = self.csv.take() {
            sync_buffered(c)
                .with_context(|| format!("cannot write {}.csv", self.name.display()))?;
        }
        Ok(std::mem::take(&mut self.temps))
    }
}

/// Flushes a buffered file and syncs it to disk, so that a full disk is an error before
/// the file is renamed into place, not a truncated file after.
pub(crate) fn sync_buffered(file: BufWriter<File>) -> std::io::Result<()> {
    file.into_inner().map_err(|e| e.into_error())?.sync_all()
}

impl Drop for TableSink {
    fn drop(&mut self) {
        // Only reached with temps left when the run failed: remove the partial files.
        for (temp, _) in &self.temps {
            let _ = fs::remove_file(temp);
        }
    }
}

/// How the output folder is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// `facts.parquet`, `facts.csv`, … directly in the output folder.
    Single,
    /// Hive-style `facts/year=2021/PART.parquet` (and `reports/`, `diagnostics/`): one
    /// dataset that DuckDB (`hive_partitioning`), pyarrow and Spark read as a table. The
    /// `year` column lives in the folder names, not in the files; a report without a year
    /// goes to `year=__HIVE_DEFAULT_PARTITION__` (read back as null). `part` names this
    /// run's files (`part-0-of-1`; shards write `part-K-of-N` side by side).
    ByYear {
        /// File name (without extension) of this run's part in every partition.
        part: String,
    },
}

/// A table of the output. The writer owns the names: every other module asks here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One row per table cell read.
    Facts,
    /// One row per input file.
    Reports,
    /// One row per problem found.
    Diagnostics,
    /// The category vocabulary.
    Categories,
    /// The breakdown vocabulary.
    Breakdowns,
}

impl Table {
    /// The tables of a run's rows, in the order they are written.
    pub const DATA: [Table; 3] = [Table::Facts, Table::Reports, Table::Diagnostics];
    /// The vocabulary tables written beside them.
    pub const VOCABULARY: [Table; 2] = [Table::Categories, Table::Breakdowns];

    /// The table's name: its file name without extension, its folder when partitioned.
    pub const fn name(self) -> &'static str {
        match self {
            Table::Facts => "facts",
            Table::Reports => "reports",
            Table::Diagnostics => "diagnostics",
            Table::Categories => "categories",
            Table::Breakdowns => "breakdowns",
        }
    }

    /// The table's file in the single-file layout: `facts.csv`, `facts.parquet`.
    pub fn file(self, extension: &str) -> String {
        format!("{}.{extension}", self.name())
    }
}

impl Layout {
    /// Where a table is in an output folder, for a person to open: its folder when
    /// partitioned, else its CSV file if one is written, else its Parquet file.
    pub fn path_of(&self, out: &Path, table: Table, formats: Formats) -> PathBuf {
        match (self, formats.csv) {
            (Layout::ByYear { .. }, _) => out.join(table.name()),
            (Layout::Single, true) => out.join(table.file("csv")),
            (Layout::Single, false) => out.join(table.file("parquet")),
        }
    }

    /// Whether the output has one `facts.csv`, which holds the facts for the next
    /// incremental run, so that its state need not keep a copy.
    pub fn keeps_facts_csv(&self, formats: Formats) -> bool {
        matches!(self, Layout::Single) && formats.csv
    }

    /// Whether the data tables a previous run wrote into `out` are all there.
    pub fn outputs_exist(&self, out: &Path, formats: Formats) -> bool {
        let extensions: Vec<&str> = [(formats.parquet, "parquet"), (formats.csv, "csv")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, e)| e)
            .collect();
        Table::DATA.iter().all(|t| match self {
            Layout::ByYear { .. } => out.join(t.name()).is_dir(),
            Layout::Single => extensions.iter().all(|e| out.join(t.file(e)).is_file()),
        })
    }
}

/// The Hive folder name of a partition.
fn partition_dir(year: Option<i32>) -> String {
    match year {
        Some(y) => format!("year={y}"),
        None => "year=__HIVE_DEFAULT_PARTITION__".to_string(),
    }
}

/// Drops the `year` column: in a partitioned dataset it is the folder name.
fn without_year(batch: RecordBatch) -> Result<RecordBatch> {
    let schema = batch.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|i| schema.field(*i).name() != "year")
        .collect();
    Ok(batch.project(&keep)?)
}

fn without_year_schema(schema: &SchemaRef) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .filter(|f| f.name() != "year")
            .cloned()
            .collect::<Vec<_>>(),
    ))
}

/// A report made ready for writing by the worker that read it: its rows as Arrow batches
/// (for Parquet) and as CSV lines (for the CSV files and the incremental state), so that
/// the one writer thread only appends.
#[derive(Debug)]
pub struct Prepared {
    /// The report's year: the partition its rows go to.
    pub year: Option<i32>,
    /// `reports`, `facts` and `diagnostics` batches; `None` without Parquet output.
    batches: Option<[RecordBatch; 3]>,
    /// The rows as CSV lines.
    pub csv: CsvRows,
}

/// What the output files need of each report: made once per run, used by every worker.
#[derive(Debug, Clone, Copy)]
pub struct Preparer {
    parquet: bool,
    /// The partitioned layout leaves out the `year` column (its folders name it).
    partitioned: bool,
}

impl Preparer {
    /// The preparation for a run's output formats and layout.
    pub fn new(formats: Formats, layout: &Layout) -> Preparer {
        let partitioned = matches!(layout, Layout::ByYear { .. });
        Preparer {
            parquet: formats.parquet || partitioned,
            partitioned,
        }
    }

    /// Renders one report's rows.
    pub fn prepare(&self, doc: &DocResult) -> Result<Prepared> {
        let batches = if self.parquet {
            let mut reports = reports_batch(std::slice::from_ref(&doc.report))?;
            let mut facts = facts_batch(&doc.facts)?;
            if self.partitioned {
                reports = without_year(reports)?;
                facts = without_year(facts)?;
            }
            Some([reports, facts, diagnostics_batch(&doc.diagnostics)?])
        } else {
            None
        };
        Ok(Prepared {
            year: doc.report.year,
            batches,
            csv: CsvRows::of(doc),
        })
    }
}

/// Opens the three tables: in `dir_of(table)`, as files `name_of(table).EXT`; a
/// partitioned table leaves out the `year` column its folder names.
fn open_tables(
    dir_of: &dyn Fn(&str) -> Result<PathBuf>,
    name_of: &dyn Fn(&str) -> String,
    formats: Formats,
    partitioned: bool,
) -> Result<Tables> {
    let (facts, reports) = if partitioned {
        (
            without_year_schema(&facts_schema()),
            without_year_schema(&reports_schema()),
        )
    } else {
        (facts_schema(), reports_schema())
    };
    let open = |table: &str, schema: SchemaRef, group_rows: usize| {
        TableSink::create(
            &dir_of(table)?,
            &name_of(table),
            schema,
            formats,
            group_rows,
        )
    };
    Ok(Tables {
        reports: open(Table::Reports.name(), reports, WIDE_ROW_GROUP_ROWS)?,
        facts: open(Table::Facts.name(), facts, ROW_GROUP_ROWS)?,
        diagnostics: open(
            Table::Diagnostics.name(),
            diagnostics_schema(),
            WIDE_ROW_GROUP_ROWS,
        )?,
    })
}

/// The three tables of one partition (or of the whole output).
struct Tables {
    reports: TableSink,
    facts: TableSink,
    diagnostics: TableSink,
}

impl Tables {
    fn write(&mut self, report: Prepared) -> Result<()> {
        if let Some([reports, facts, diagnostics]) = report.batches {
            self.reports.push_batch(reports)?;
            self.facts.push_batch(facts)?;
            self.diagnostics.push_batch(diagnostics)?;
        }
        self.reports.push_csv(&report.csv.report)?;
        self.facts.push_csv(&report.csv.facts)?;
        self.diagnostics.push_csv(&report.csv.diagnostics)?;
        Ok(())
    }

    fn finish(self) -> Result<Vec<(PathBuf, PathBuf)>> {
        let mut renames = self.facts.finish()?;
        renames.extend(self.reports.finish()?);
        renames.extend(self.diagnostics.finish()?);
        Ok(renames)
    }
}

/// Writes the three output tables.
pub struct OutputWriter {
    dir: PathBuf,
    formats: Formats,
    layout: Layout,
    /// One entry for [`Layout::Single`]; one per year met for [`Layout::ByYear`].
    partitions: std::collections::BTreeMap<Option<i32>, Tables>,
}

impl OutputWriter {
    /// Creates the output folder; files are opened (under temporary names) as needed.
    pub fn create(dir: &Path, formats: Formats, layout: &Layout) -> Result<Self> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        let mut writer = OutputWriter {
            dir: dir.to_path_buf(),
            formats,
            layout: layout.clone(),
            partitions: Default::default(),
        };
        if *layout == Layout::Single {
            // Open at once, so an unwritable folder is reported before any work is done.
            writer.tables(None)?;
        }
        Ok(writer)
    }

    fn tables(&mut self, year: Option<i32>) -> Result<&mut Tables> {
        let key = match self.layout {
            Layout::Single => None,
            Layout::ByYear { .. } => year,
        };
        if !self.partitions.contains_key(&key) {
            let dir = &self.dir;
            let tables = match &self.layout {
                Layout::Single => open_tables(
                    &|_| Ok(dir.clone()),
                    &|table| table.to_string(),
                    self.formats,
                    false,
                )?,
                Layout::ByYear { part } => {
                    let partition = |table: &str| -> Result<PathBuf> {
                        let d = dir.join(table).join(partition_dir(key));
                        fs::create_dir_all(&d)
                            .with_context(|| format!("cannot create {}", d.display()))?;
                        Ok(d)
                    };
                    let parquet = Formats {
                        parquet: true,
                        csv: false,
                    };
                    open_tables(&partition, &|_| part.clone(), parquet, true)?
                }
            };
            self.partitions.insert(key, tables);
        }
        self.partitions
            .get_mut(&key)
            .context("partition just opened")
    }

    /// Appends one report's rows ([`Preparer::prepare`]d for this writer's formats and
    /// layout).
    pub fn write(&mut self, report: Prepared) -> Result<()> {
        self.tables(report.year)?.write(report)
    }

    /// Appends a diagnostic found after the reports were written (by the cross-report
    /// checks), in its report's year.
    pub fn write_diagnostic(&mut self, year: Option<i32>, d: Diagnostic) -> Result<()> {
        let mut line = Vec::new();
        rows::diagnostic_line(&mut line, &d);
        let table = &mut self.tables(year)?.diagnostics;
        table.push_csv(&line)?;
        table.push_batch(diagnostics_batch(std::slice::from_ref(&d))?)
    }

    /// Completes every file, renames them all into place, and (partitioned) removes this
    /// part's files from partitions this run did not write, so no stale year remains.
    pub fn finish(mut self) -> Result<()> {
        let partitions = std::mem::take(&mut self.partitions);
        let written: Vec<Option<i32>> = partitions.keys().copied().collect();
        let mut renames = Vec::new();
        for (_, tables) in partitions {
            renames.extend(tables.finish()?);
        }
        // Once at the top, whatever the layout (a partitioned dataset is Parquet only).
        let vocabulary_formats = match self.layout {
            Layout::Single => self.formats,
            Layout::ByYear { .. } => Formats {
                parquet: true,
                csv: false,
            },
        };
        renames.extend(write_vocabulary(&self.dir, vocabulary_formats)?);
        for (temp, final_path) in &renames {
            fs::rename(temp, final_path)
                .with_context(|| format!("cannot move {} into place", final_path.display()))?;
        }
        if let Layout::ByYear { part } = &self.layout {
            let keep: Vec<String> = written.iter().map(|y| partition_dir(*y)).collect();
            for table in Table::DATA {
                remove_stale_parts(&self.dir.join(table.name()), part, &keep)?;
            }
        }
        Ok(())
    }
}

fn remove_stale_parts(table_dir: &Path, part: &str, keep: &[String]) -> Result<()> {
    let Ok(entries) = fs::read_dir(table_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("year=") || keep.contains(&name) {
            continue;
        }
        let stale = entry.path().join(format!("{part}.parquet"));
        if stale.exists() {
            fs::remove_file(&stale)
                .with_context(|| format!("cannot remove stale {}", stale.display()))?;
        }
        // Leaves partitions other shards still write; removes a folder left empty.
        let _ = fs::remove_dir(entry.path());
    }
    Ok(())
}

/// An exclusive lock on an output folder (or on one shard's part of it) for a whole run,
/// so that two overlapping cron runs never write the same files. The operating system
/// releases it when the process ends, however it ends: a killed run leaves no stale lock.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

impl OutputLock {
    /// Takes the lock, creating the output folder if needed. Fails at once, with a message
    /// naming the other run, if the folder is locked.
    pub fn acquire(dir: &Path, layout: &Layout) -> Result<OutputLock> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        let name = match layout {
            Layout::Single => ".gongkai.lock".to_string(),
            Layout::ByYear { part } => format!(".gongkai-{part}.lock"),
        };
        let path = dir.join(name);
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot create lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = std::io::Read::read_to_string(&mut file, &mut holder);
                anyhow::bail!(
                    "another gongkai run ({}) is writing to {}; wait for it to finish, or stop it",
                    holder.trim(),
                    dir.display()
                );
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        // Who holds the lock, for the message a second run prints.
        file.set_len(0)?;
        std::io::Write::write_all(&mut file, format!("pid {}", std::process::id()).as_bytes())?;
        Ok(OutputLock { _file: file })
    }
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
