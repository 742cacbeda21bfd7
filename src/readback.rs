//! readback: the tables of an ingest output folder, read back from its Parquet files.
//!
//! Both layouts: `facts.parquet` in the folder, or a Hive dataset `facts/year=2021/*.parquet`
//! whose `year` lives in the folder names. Rows stream batch by batch, so a reader of a
//! large output holds one batch at a time.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use arrow_array::{Array, Float64Array, Int32Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::write::Table;

/// Where one table of an output folder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableLocation {
    /// `DIR/facts.parquet`.
    File(PathBuf),
    /// `DIR/facts/`, a Hive dataset partitioned by `year=`.
    Dataset(PathBuf),
}

/// Finds a table in either layout, or says that `dir` is no ingest output.
pub fn locate(dir: &Path, table: &str) -> Result<TableLocation> {
    let single = dir.join(format!("{table}.parquet"));
    if single.is_file() {
        return Ok(TableLocation::File(single));
    }
    let root = dir.join(table);
    if root.is_dir() {
        return Ok(TableLocation::Dataset(root));
    }
    anyhow::bail!(
        "{} has no {table} table ({table}.parquet or {table}/year=…/): is it the output \
         folder of `gongkai ingest` with Parquet output?",
        dir.display()
    )
}

/// The Parquet files of one table, each with the year its partition folder names
/// (`None` for the single-file layout; `Some(None)` for `year=__HIVE_DEFAULT_PARTITION__`).
pub fn table_files(dir: &Path, table: &str) -> Result<Vec<(PathBuf, Option<Option<i32>>)>> {
    let root = match locate(dir, table)? {
        TableLocation::File(file) => return Ok(vec![(file, None)]),
        TableLocation::Dataset(root) => root,
    };
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot list {}", root.display()))?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "parquet") {
            let year = path
                .parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("year="))
                .map(|y| y.parse().ok());
            files.push((path.to_path_buf(), year));
        }
    }
    Ok(files)
}

/// One batch of rows, with its columns looked up by name.
pub struct Rows<'a> {
    batch: &'a RecordBatch,
    partition_year: Option<Option<i32>>,
}

impl<'a> Rows<'a> {
    /// The rows of a batch read from one file of the single-file layout.
    pub fn of(batch: &'a RecordBatch) -> Rows<'a> {
        Rows {
            batch,
            partition_year: None,
        }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.batch.num_rows()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.batch.num_rows() == 0
    }

    /// Whether the rows have a column of that name (outputs of older schema versions
    /// lack the newer ones).
    pub fn has(&self, name: &str) -> bool {
        self.batch.column_by_name(name).is_some()
    }

    fn column<T: 'static>(&self, name: &str) -> Result<&T> {
        self.batch
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<T>())
            .with_context(|| format!("the output has no column {name} of the expected type"))
    }

    /// A string column (`None` for nulls).
    pub fn str(&self, name: &str, row: usize) -> Result<Option<&str>> {
        let c: &StringArray = self.column(name)?;
        Ok((!c.is_null(row)).then(|| c.value(row)))
    }

    /// An int32 column.
    pub fn i32(&self, name: &str, row: usize) -> Result<Option<i32>> {
        let c: &Int32Array = self.column(name)?;
        Ok((!c.is_null(row)).then(|| c.value(row)))
    }

    /// A float64 column.
    pub fn f64(&self, name: &str, row: usize) -> Result<Option<f64>> {
        let c: &Float64Array = self.column(name)?;
        Ok((!c.is_null(row)).then(|| c.value(row)))
    }

    /// The `year` column, or the partition's year where the files hold none.
    pub fn year(&self, row: usize) -> Result<Option<i32>> {
        match self.partition_year {
            Some(year) if self.batch.column_by_name("year").is_none() => Ok(year),
            _ => self.i32("year", row),
        }
    }
}

/// The batches of one Parquet file, in order.
pub fn file_batches(path: &Path) -> Result<ParquetRecordBatchReader> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .with_context(|| format!("cannot read {} as Parquet", path.display()))
}

/// Calls `f` with every batch of a table, in file order.
pub fn for_each_batch(
    dir: &Path,
    table: Table,
    mut f: impl FnMut(&Rows<'_>) -> Result<()>,
) -> Result<()> {
    for (path, partition_year) in table_files(dir, table.name())? {
        for batch in file_batches(&path)? {
            let batch = batch.with_context(|| format!("cannot read {}", path.display()))?;
            f(&Rows {
                batch: &batch,
                partition_year,
            })?;
        }
    }
    Ok(())
}
