//! Where the tables go in an output folder: their names, one file each or a Hive-style
//! dataset partitioned by year.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};

use super::Formats;

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

    /// The one file of the output that holds all the facts (`facts.csv`, else
    /// `facts.parquet`), from which the next incremental run reads them back, so that its
    /// state need not keep a copy; `None` for a partitioned dataset.
    pub fn facts_file(&self, formats: Formats) -> Option<String> {
        match self {
            Layout::Single if formats.csv => Some(Table::Facts.file("csv")),
            Layout::Single if formats.parquet => Some(Table::Facts.file("parquet")),
            _ => None,
        }
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
pub(super) fn partition_dir(year: Option<i32>) -> String {
    match year {
        Some(y) => format!("year={y}"),
        None => "year=__HIVE_DEFAULT_PARTITION__".to_string(),
    }
}

/// Drops the `year` column: in a partitioned dataset it is the folder name.
pub(super) fn without_year(batch: RecordBatch) -> Result<RecordBatch> {
    let schema = batch.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|i| schema.field(*i).name() != "year")
        .collect();
    Ok(batch.project(&keep)?)
}

pub(super) fn without_year_schema(schema: &SchemaRef) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .filter(|f| f.name() != "year")
            .cloned()
            .collect::<Vec<_>>(),
    ))
}
