//! write: results → `facts`, `reports` and `diagnostics` as Parquet and CSV.
//!
//! Rows stream into the writers in input order. Parquet rows gather into row groups of
//! [`ROW_GROUP_ROWS`] rows ([`WIDE_ROW_GROUP_ROWS`] for the long rows of `reports` and
//! `diagnostics`), each encoded on a helper thread ([`Helpers`]) while the next one gathers,
//! so the writer thread only appends, and memory does not grow with the corpus. Every file is
//! written under a temporary name in the output folder and renamed into place only when
//! the whole run has succeeded: a killed run leaves the previous output untouched and
//! never a half-written file.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::{Int32Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::cpu::Helpers;
use crate::model::{Diagnostic, DocResult};

mod encode;
mod layout;
mod lock;
mod patch;
mod rows;
mod schema;

use encode::ParquetFile;
use layout::{partition_dir, without_year, without_year_schema};
pub use layout::{Layout, Table};
pub use lock::OutputLock;
pub use patch::Written;
use patch::{patch_csv, patch_parquet, Placed, Replacements, Segment};
pub use rows::{header, CsvRows};
pub use schema::{
    breakdowns_schema, categories_schema, diagnostics_schema, documented_columns, facts_schema,
    reports_schema, DocumentedColumn,
};
use schema::{diagnostics_batch, facts_batch, reports_batch, strings};

/// Most rows per Parquet row group of `facts` (short rows). Large groups suit analytical
/// readers, and the writer keeps some metadata per group until the footer; a group's rows
/// are encoded as they come (`encode`), so its size costs little memory. DuckDB's own
/// groups are 122,880 rows.
pub const ROW_GROUP_ROWS: usize = 131_072;
/// Most rows per Parquet row group of `reports` and `diagnostics`, whose rows are long
/// (titles, messages): an open group keeps its dictionaries and statistics until it
/// closes, so these close sooner.
pub const WIDE_ROW_GROUP_ROWS: usize = 16_384;
/// Version of the output schema, stamped into Parquet metadata; bump on any change.
pub const SCHEMA_VERSION: &str = "5";

/// Output file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    /// Write `*.parquet`.
    pub parquet: bool,
    /// Write `*.csv`.
    pub csv: bool,
}

impl Formats {
    /// Parquet only: a partitioned dataset's formats.
    pub const PARQUET: Formats = Formats {
        parquet: true,
        csv: false,
    };
}

/// The byte order mark every CSV file starts with, so that Excel reads it as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Writes the two vocabulary tables ([`Table::VOCABULARY`]) into `dir` under
/// temporary names, so that an output read anywhere carries the words of its codes;
/// returns the renames that put them in place.
fn write_vocabulary(
    dir: &Path,
    formats: Formats,
    helpers: &Helpers,
) -> Result<Vec<(PathBuf, PathBuf)>> {
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
        let mut sink = TableSink::create(
            dir,
            table.name(),
            batch.schema(),
            formats,
            ROW_GROUP_ROWS,
            helpers,
        )?;
        sink.push_csv(&rows::batch_lines(&batch))?;
        sink.push_batch(batch)?;
        renames.extend(sink.finish()?);
    }
    Ok(renames)
}

/// One output table: a Parquet and/or CSV file under temporary names.
struct TableSink {
    /// The output path without its extension, for messages.
    name: PathBuf,
    schema: SchemaRef,
    parquet: Option<ParquetFile>,
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
        helpers: &Helpers,
    ) -> Result<Self> {
        let mut temps = Vec::new();
        let mut open = |ext: &str| -> Result<File> {
            let final_path = dir.join(format!("{name}.{ext}"));
            // Unique to this writer: shards (processes) and `gongkai finish`'s parts
            // (threads) write the vocabulary files of one folder at the same time.
            static WRITERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let writer = WRITERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let temp = dir.join(format!(".{name}.{ext}.{}-{writer}.tmp", std::process::id()));
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
            Some(ParquetFile::new(
                BufWriter::new(open("parquet")?),
                Arc::clone(&schema),
                props,
                group_rows,
                helpers.clone(),
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
        if let Some(parquet) = &mut self.parquet {
            parquet
                .push(batch)
                .with_context(|| format!("cannot write {}.parquet", self.name.display()))?;
        }
        Ok(())
    }

    /// Writes the rows of this table's files as they are now in place, but for the
    /// replaced reports' rows.
    fn patch(&mut self, segments: &Replacements<'_>) -> Result<()> {
        let old = |ext: &str| self.name.with_extension(ext);
        if let Some(parquet) = &mut self.parquet {
            patch_parquet(parquet, &old("parquet"), &self.schema, segments)
                .with_context(|| format!("cannot write {}.parquet", self.name.display()))?;
        }
        if let Some(csv) = &mut self.csv {
            patch_csv(csv, &old("csv"), &self.schema, segments)
                .with_context(|| format!("cannot write {}.csv", self.name.display()))?;
        }
        Ok(())
    }

    /// Finishes the files (still under temporary names) and returns the renames to do.
    fn finish(mut self) -> Result<Vec<(PathBuf, PathBuf)>> {
        if let Some(parquet) = self.parquet.take() {
            let inner = parquet
                .finish()
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
    /// See [`Preparer::state_keeps_facts`].
    state_keeps_facts: bool,
    /// Whether the facts' CSV lines are rendered: for a `facts.csv` or the state.
    facts_lines: bool,
}

impl Preparer {
    /// The preparation for a run's output formats and layout.
    pub fn new(formats: Formats, layout: &Layout) -> Preparer {
        let partitioned = matches!(layout, Layout::ByYear { .. });
        let state_keeps_facts = layout.facts_file(formats).is_none();
        Preparer {
            parquet: formats.parquet || partitioned,
            partitioned,
            state_keeps_facts,
            facts_lines: formats.csv || state_keeps_facts,
        }
    }

    /// Whether the incremental state keeps the reports' facts (as CSV lines): where no
    /// single facts file of the output (`facts.csv` or `facts.parquet`) holds them for
    /// the next run to read back.
    pub fn state_keeps_facts(&self) -> bool {
        self.state_keeps_facts
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
            csv: CsvRows::with_facts(doc, self.facts_lines),
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
    helpers: &Helpers,
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
            helpers,
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
        findings: Vec::new(),
    })
}

/// The three tables of one partition (or of the whole output).
struct Tables {
    reports: TableSink,
    facts: TableSink,
    diagnostics: TableSink,
    /// Diagnostics found after the reports were written, waiting to be written together:
    /// one batch of a row each would cost more than the rows.
    findings: Vec<Diagnostic>,
}

/// Findings written at a time ([`Tables::findings`]).
const FINDINGS_AT_ONCE: usize = 4096;

impl Tables {
    fn write(&mut self, report: Prepared) -> Result<()> {
        if !self.findings.is_empty() {
            self.write_findings()?;
        }
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

    /// Writes the findings kept, rendered only for the formats written (the checks
    /// across reports may find as many as there are reports).
    fn write_findings(&mut self) -> Result<()> {
        if self.diagnostics.csv.is_some() {
            let mut lines = Vec::new();
            for d in &self.findings {
                rows::diagnostic_line(&mut lines, d);
            }
            self.diagnostics.push_csv(&lines)?;
        }
        if self.diagnostics.parquet.is_some() {
            self.diagnostics
                .push_batch(diagnostics_batch(&self.findings)?)?;
        }
        self.findings.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<(PathBuf, PathBuf)>> {
        self.write_findings()?;
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
    helpers: Helpers,
    /// One entry for [`Layout::Single`]; one per year met for [`Layout::ByYear`].
    partitions: BTreeMap<Option<i32>, Tables>,
    /// Where each report's rows went.
    written: Written,
}

impl OutputWriter {
    /// Creates the output folder; files are opened (under temporary names) as needed.
    /// Their Parquet row groups are encoded on the `helpers`' threads.
    pub fn create(
        dir: &Path,
        formats: Formats,
        layout: &Layout,
        helpers: &Helpers,
    ) -> Result<Self> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        let mut writer = OutputWriter {
            dir: dir.to_path_buf(),
            formats,
            layout: layout.clone(),
            helpers: helpers.clone(),
            partitions: Default::default(),
            written: Written::create_in(dir)?,
        };
        if *layout == Layout::Single {
            // Open at once, so an unwritable folder is reported before any work is done.
            writer.tables(None)?;
        }
        Ok(writer)
    }

    /// The partition a report of `year` goes to.
    fn key_of(&self, year: Option<i32>) -> Option<i32> {
        match self.layout {
            Layout::Single => None,
            Layout::ByYear { .. } => year,
        }
    }

    fn tables(&mut self, year: Option<i32>) -> Result<&mut Tables> {
        let key = self.key_of(year);
        if !self.partitions.contains_key(&key) {
            let dir = &self.dir;
            let tables = match &self.layout {
                Layout::Single => open_tables(
                    &|_| Ok(dir.clone()),
                    &|table| table.to_string(),
                    self.formats,
                    false,
                    &self.helpers,
                )?,
                Layout::ByYear { part } => {
                    let partition = |table: &str| -> Result<PathBuf> {
                        let d = dir.join(table).join(partition_dir(key));
                        fs::create_dir_all(&d)
                            .with_context(|| format!("cannot create {}", d.display()))?;
                        Ok(d)
                    };
                    open_tables(
                        &partition,
                        &|_| part.clone(),
                        Formats::PARQUET,
                        true,
                        &self.helpers,
                    )?
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
        self.written.push(&Placed::of(&report))?;
        self.tables(report.year)?.write(report)
    }

    /// Writes again the output that a writer of the same folder, formats and layout has
    /// just finished (`written`: where its reports' rows went), with the rows of the
    /// reports in `replaced` (by their place in the order written) swapped for new ones.
    /// The rows of the other reports are copied. Returns the writer, to add diagnostics
    /// found after and [`OutputWriter::finish`].
    pub fn patch(
        dir: &Path,
        formats: Formats,
        layout: &Layout,
        helpers: &Helpers,
        written: &mut Written,
        replaced: &[(u32, Prepared)],
    ) -> Result<OutputWriter> {
        let mut out = OutputWriter::create(dir, formats, layout, helpers)?;
        let new_rows = |ordinal: u32| {
            replaced
                .binary_search_by_key(&ordinal, |r| r.0)
                .ok()
                .map(|i| &replaced[i].1)
        };
        // One pass over the record of where every report's rows went: for each partition
        // and table, only the replaced reports and the totals are kept.
        let mut by_key: BTreeMap<Option<i32>, [Replacements<'_>; 3]> = BTreeMap::new();
        written.for_each(|ordinal, placed| {
            let new = new_rows(ordinal);
            let tables = by_key.entry(out.key_of(placed.year)).or_default();
            for (t, replacements) in tables.iter_mut().enumerate() {
                replacements.add(Segment {
                    rows: u64::from(placed.rows[t]),
                    bytes: u64::from(placed.bytes[t]),
                    new: new.map(|p| {
                        let csv = [&p.csv.report, &p.csv.facts, &p.csv.diagnostics][t];
                        (p.batches.as_ref().map(|b| &b[t]), csv.as_slice())
                    }),
                });
            }
            out.written.push(&new.map_or(placed, Placed::of))
        })?;
        for (key, of_tables) in by_key {
            let tables = out.tables(key)?;
            let sinks = [
                &mut tables.reports,
                &mut tables.facts,
                &mut tables.diagnostics,
            ];
            for (sink, replacements) in sinks.into_iter().zip(&of_tables) {
                sink.patch(replacements)?;
            }
        }
        Ok(out)
    }

    /// Appends a diagnostic found after the reports were written (by the cross-report
    /// checks), in its report's year.
    pub fn write_diagnostic(&mut self, year: Option<i32>, d: Diagnostic) -> Result<()> {
        let tables = self.tables(year)?;
        tables.findings.push(d);
        if tables.findings.len() == FINDINGS_AT_ONCE {
            tables.write_findings()?;
        }
        Ok(())
    }

    /// Completes every file, renames them all into place, and (partitioned) removes this
    /// part's files from partitions this run did not write, so no stale year remains.
    /// Returns where each report's rows went ([`OutputWriter::patch`]).
    pub fn finish(mut self) -> Result<Written> {
        let partitions = std::mem::take(&mut self.partitions);
        let written: Vec<Option<i32>> = partitions.keys().copied().collect();
        let mut renames = Vec::new();
        for (_, tables) in partitions {
            renames.extend(tables.finish()?);
        }
        // Once at the top, whatever the layout (a partitioned dataset is Parquet only).
        let vocabulary_formats = match self.layout {
            Layout::Single => self.formats,
            Layout::ByYear { .. } => Formats::PARQUET,
        };
        renames.extend(write_vocabulary(
            &self.dir,
            vocabulary_formats,
            &self.helpers,
        )?);
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
        Ok(self.written)
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
