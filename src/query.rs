//! query: SQL over an ingest output's three tables, with polars (cargo feature `query`).
//!
//! `facts`, `reports` and `diagnostics` are registered as tables, read lazily from their
//! Parquet files in either layout (a Hive dataset's `year` comes from its folder names).
//! Off the ingest path: polars brings its own Arrow and thread pool, and a build with it
//! takes several times as long, so it is an optional feature.

use std::path::Path;

use std::sync::Arc;

use anyhow::{Context, Result};
use polars::prelude::{
    CsvWriter, DataFrame, DataType, Field, HiveOptions, LazyFrame, PlRefPath, ScanArgsParquet,
    Schema, SerWriter,
};
use polars::sql::SQLContext;

use crate::readback::{locate, TableLocation};
use crate::write::Table;

fn scan(dir: &Path, table: &str) -> Result<LazyFrame> {
    let (path, hive) = match locate(dir, table)? {
        TableLocation::File(file) => (file, HiveOptions::new_disabled()),
        TableLocation::Dataset(root) => {
            let mut hive = HiveOptions::new_enabled();
            hive.try_parse_dates = false;
            hive.schema = Some(Arc::new(Schema::from_iter([Field::new(
                "year".into(),
                DataType::Int32,
            )])));
            // A trailing separator: scan the folder.
            (root.join(""), hive)
        }
    };
    let shown = path.display().to_string();
    let args = ScanArgsParquet {
        hive_options: hive,
        ..ScanArgsParquet::default()
    };
    LazyFrame::scan_parquet(PlRefPath::from(shown.as_str()), args)
        .with_context(|| format!("cannot read {shown}"))
}

/// Runs one SQL query over the output folder `dir`.
pub fn run(dir: &Path, sql: &str) -> Result<DataFrame> {
    let mut ctx = SQLContext::new();
    // The tables a query can name.
    for table in Table::DATA {
        ctx.register(table.name(), scan(dir, table.name())?);
    }
    let frame = ctx
        .execute(sql)
        .context("the query is not valid SQL for these tables")?;
    frame.collect().context("the query failed")
}

/// Writes a result as CSV (header, UTF-8, no BOM).
pub fn write_csv(frame: &mut DataFrame, out: impl std::io::Write) -> Result<()> {
    CsvWriter::new(out)
        .include_header(true)
        .finish(frame)
        .context("cannot write the result")
}
