//! incremental: what a run keeps in its output folder so that the next run redoes nothing.
//!
//! Every run writes, next to its output, a state folder (`OUT/.gongkai/PART/`): a manifest
//! with one entry per input (path, size, modification time, content hash = report id,
//! status, row counts; for a web page, the size and time of each picture file it names),
//! the run's rows again as zstd-compressed CSV, and `meta.json` (the gongkai version,
//! schema version and the settings that shape the output). All of it is
//! in walk order. Where the output has a `facts.csv`, the state keeps no facts of its own:
//! the next run reads them back from that file, if it is still as written (size and
//! modification time in `meta.json`), so a run does not compress a second copy of them.
//! `--incremental` compares the walk with the manifest as two sorted streams: unchanged
//! files reuse their previous rows, new and changed files are read, removed files drop
//! out. Nothing is held in memory beyond a chunk of files, and when nothing changed the
//! output is left as it is. A different version or setting makes the run a full one.

use std::cmp::Ordering;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;
use serde::{Deserialize, Serialize};

use crate::categories::{Breakdown, Category, Section};
use crate::cpu::{Helpers, InOrder};
pub use crate::model::FileStat;
use crate::model::{
    Diagnostic, DocResult, Fact, PictureFile, Report, Source, Status, Template, Unit,
};
use crate::prose::ProseTraces;
use crate::readback::{file_batches, Rows};
use crate::write::{
    diagnostics_schema, facts_schema, header, reports_schema, sync_buffered, CsvRows, Table,
};

/// One input as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Index of the input root the file was found under.
    pub root: usize,
    /// The path as walked.
    pub path: String,
    /// File size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// The report id (content hash) the file had.
    pub report_id: String,
    /// The report's status.
    pub status: Status,
    /// How many facts rows the report has in the state.
    pub facts: u32,
    /// How many diagnostics rows the report has in the state.
    pub diagnostics: u32,
    /// The prose traces ([`ProseTraces::to_field`]).
    pub traces: String,
    /// The rows whose digits split several ways ([`DocResult::open_splits`]), as JSON;
    /// empty for none.
    #[serde(default)]
    pub splits: String,
    /// The picture files beside a web page that it shows ([`DocResult::pictures`]), as
    /// JSON; empty for none.
    #[serde(default)]
    pub pictures: String,
}

impl Entry {
    /// The entry for a file just read.
    pub fn new(root: usize, path: &Path, stat: FileStat, doc: &DocResult) -> Entry {
        Entry {
            root,
            path: path.display().to_string(),
            size: stat.size,
            mtime_ns: stat.mtime_ns,
            report_id: doc.report.report_id.clone(),
            status: doc.report.status,
            facts: doc.facts.len() as u32,
            diagnostics: doc.diagnostics.len() as u32,
            traces: doc.traces.to_field(),
            splits: json_field(&doc.open_splits),
            pictures: json_field(&doc.pictures),
        }
    }

    /// Orders entries as the walk meets files: by input root, then by path.
    pub fn key_cmp(&self, root: usize, path: &Path) -> Ordering {
        self.root
            .cmp(&root)
            .then_with(|| Path::new(&self.path).cmp(path))
    }

    /// Whether a file still is what this entry recorded: its size and time, and those of
    /// the pictures it showed from beside it (a web page whose picture of a page was
    /// replaced is read again, though the page itself is as it was).
    pub fn unchanged(&self, stat: FileStat) -> bool {
        self.size == stat.size && self.mtime_ns == stat.mtime_ns && self.pictures_unchanged()
    }

    fn pictures_unchanged(&self) -> bool {
        // A record that does not read back is taken for a change: the page is read again.
        let Ok(pictures) = from_json_field::<PictureFile>(&self.pictures) else {
            return false;
        };
        let folder = Path::new(&self.path).parent().unwrap_or(Path::new(""));
        pictures
            .iter()
            .all(|p| FileStat::of(&folder.join(&p.path)) == p.stat)
    }
}

/// A list as a manifest field keeps it: JSON, empty for none.
fn json_field<T: Serialize>(items: &[T]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        serde_json::to_string(items).unwrap_or_default()
    }
}

/// A list [`json_field`] wrote; an error for a field that does not read back.
fn from_json_field<T: serde::de::DeserializeOwned>(field: &str) -> serde_json::Result<Vec<T>> {
    if field.is_empty() {
        Ok(Vec::new())
    } else {
        serde_json::from_str(field)
    }
}

/// What must match for a previous run's rows to be reused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// gongkai's version.
    pub version: String,
    /// The output schema version.
    pub schema_version: String,
    /// The state's own format ([`STATE_VERSION`]); 0 in a state from before it was
    /// recorded.
    #[serde(default)]
    pub state_version: u32,
    /// Every setting that shapes the output, in one string.
    pub settings: String,
    /// The `facts.csv` the run wrote, where the state keeps no facts of its own: the next
    /// run reads them from that file, and only if it is still this size and this old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts_csv: Option<FileStat>,
    /// The same for a `facts.parquet`, where the run wrote no `facts.csv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts_parquet: Option<FileStat>,
    /// The files (by place in the manifest) whose facts in that file are not the ones the
    /// state recorded, with how many rows that file has for them: other versions of a
    /// report (none), rows split by the previous year's report (more). The next run reads
    /// them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rewritten: Vec<(u32, u32)>,
    /// How that rewriting changed the counts the run's summary gave (so that a next run
    /// that finds nothing changed gives the same).
    #[serde(default, skip_serializing_if = "Recounted::is_nothing")]
    pub recounted: Recounted,
}

/// How writing a run's output again changed the counts its summary gives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recounted {
    /// Facts of other versions, no longer written.
    pub facts_left_out: usize,
    /// Facts of rows split by the previous year's report, now written.
    pub facts_added: usize,
    /// Reports `partial` when read, `ok` once their rows were split.
    pub now_ok: usize,
}

impl Recounted {
    /// Whether nothing changed.
    pub fn is_nothing(&self) -> bool {
        *self == Recounted::default()
    }
}

/// Version of what the state keeps (rows, manifest, prose signatures); bump when a
/// previous run's state could not be used as it is. 2: one-permutation MinHash signatures,
/// rows as one zstd frame per report and table. 3: no facts where the output's
/// `facts.csv` has them. 4: prose sketches with their length and passages, made of the
/// agency's own words only. 5: reports with `duplicate_of`, files whose facts the output
/// leaves out. 6: web pages with the picture files they showed.
pub const STATE_VERSION: u32 = 6;

const STATE_FILES: [&str; 4] = [
    "manifest",
    Table::Reports.name(),
    Table::Facts.name(),
    Table::Diagnostics.name(),
];

/// The state folder of one output part.
pub fn state_dir(out: &Path, part: &str) -> PathBuf {
    out.join(".gongkai").join(part)
}

/// zstd level of the state: it is read back once, by the next run; speed matters more
/// than size. A negative level stores literals without Huffman coding: less work for a
/// state a little larger, still small beside the output. Any level reads back.
const STATE_LEVEL: i32 = -1;

/// One report as the state keeps it: its manifest entry and each table's CSV lines, each
/// as one zstd frame. Made by the worker that read the report, so the writer thread only
/// appends; a state file is a series of frames, which a zstd stream reader reads as one.
#[derive(Debug, Clone, Default)]
pub struct StateRows {
    /// The manifest entry's CSV line (compressed with many others' ([`Frames`]): entries
    /// are alike, and a frame each would be four times as large).
    entry: Vec<u8>,
    /// `reports`, `facts` and `diagnostics` frames (empty for no lines).
    frames: [Vec<u8>; 3],
}

/// The manifest's CSV line of `entry` (`header`: with the header line before it).
fn manifest_lines(entry: &Entry, header: bool) -> Result<Vec<u8>> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(header)
        .from_writer(Vec::new());
    csv.serialize(entry)?;
    csv.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write a manifest line: {}", e.error()))
}

/// The manifest's header line.
fn manifest_header() -> Result<Vec<u8>> {
    let any = Entry {
        root: 0,
        path: String::new(),
        size: 0,
        mtime_ns: 0,
        report_id: String::new(),
        status: Status::Ok,
        facts: 0,
        diagnostics: 0,
        traces: String::new(),
        splits: String::new(),
        pictures: String::new(),
    };
    let both = manifest_lines(&any, true)?;
    let line = manifest_lines(&any, false)?;
    Ok(both[..both.len() - line.len()].to_vec())
}

thread_local! {
    /// Each worker's compressor, made once: a new zstd context per report costs more
    /// than compressing it.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// One zstd frame of `data`; nothing for no data.
fn frame(data: &[u8]) -> std::io::Result<Vec<u8>> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let compressor = match cell.as_mut() {
            Some(c) => c,
            None => cell.insert(zstd::bulk::Compressor::new(STATE_LEVEL)?),
        };
        compressor.compress(data)
    })
}

impl StateRows {
    /// Compresses a report's manifest entry and CSV lines; its facts only with
    /// `keep_facts` (not where the output's `facts.csv` keeps them).
    pub fn of(entry: &Entry, csv: &CsvRows, keep_facts: bool) -> Result<StateRows> {
        let compress = |lines: &[u8]| frame(lines).context("cannot compress the state");
        let facts: &[u8] = if keep_facts { &csv.facts } else { &[] };
        Ok(StateRows {
            entry: manifest_lines(entry, false)?,
            frames: [
                compress(&csv.report)?,
                compress(facts)?,
                compress(&csv.diagnostics)?,
            ],
        })
    }
}

/// A file of zstd frames, each of about [`FRAME_BYTES`] of the lines written, compressed
/// on the helper threads and appended in order: the writer thread only gathers bytes.
struct Frames {
    file: BufWriter<File>,
    gathering: Vec<u8>,
    /// Frames being compressed.
    compressing: InOrder<std::io::Result<Vec<u8>>>,
    helpers: Helpers,
}

/// Bytes of lines compressed into one frame: enough for lines to share their words.
const FRAME_BYTES: usize = 1 << 18;

impl Frames {
    fn new(file: BufWriter<File>, helpers: Helpers) -> Frames {
        Frames {
            file,
            gathering: Vec::with_capacity(FRAME_BYTES),
            compressing: Default::default(),
            helpers,
        }
    }

    /// Appends bytes (whole lines).
    fn write(&mut self, lines: &[u8]) -> Result<()> {
        self.gathering.extend_from_slice(lines);
        if self.gathering.len() >= FRAME_BYTES {
            self.seal()?;
        }
        Ok(())
    }

    fn seal(&mut self) -> Result<()> {
        if self.gathering.is_empty() {
            return Ok(());
        }
        let data = std::mem::replace(&mut self.gathering, Vec::with_capacity(FRAME_BYTES));
        self.compressing.spawn(&self.helpers, move || {
            zstd::bulk::compress(&data, STATE_LEVEL)
        });
        self.append(self.helpers.threads())
    }

    /// Appends the oldest frames that are done, and then, waiting for them, as many as
    /// leave at most `keep` being compressed.
    fn append(&mut self, keep: usize) -> Result<()> {
        while let Some(made) = self.compressing.next(keep) {
            let frame = made?.context("cannot compress the state")?;
            self.file.write_all(&frame)?;
        }
        Ok(())
    }

    /// Compresses the last lines, appends every frame; returns the file.
    fn finish(mut self) -> Result<BufWriter<File>> {
        self.seal()?;
        self.append(0)?;
        Ok(self.file)
    }
}

/// The open state files.
struct StateFiles {
    /// The manifest's CSV lines.
    manifest: Frames,
    /// `reports`, `facts` and `diagnostics`: zstd frames of the rows as the CSV files
    /// have them.
    tables: [BufWriter<File>; 3],
}

/// Writes the state of a run, under temporary names until [`StateWriter::finish`].
pub struct StateWriter {
    dir: PathBuf,
    meta: Meta,
    /// Taken by [`StateWriter::finish`].
    files: Option<StateFiles>,
    finished: bool,
}

impl Drop for StateWriter {
    fn drop(&mut self) {
        // Reached unfinished only when the run failed: remove the partial state.
        if !self.finished {
            for name in STATE_FILES {
                let _ = fs::remove_file(self.dir.join(format!(".{name}.csv.zst.tmp")));
            }
        }
    }
}

impl StateWriter {
    /// Opens the state files of one output part.
    /// The manifest is compressed on the `helpers`' threads.
    pub fn create(out: &Path, part: &str, meta: Meta, helpers: &Helpers) -> Result<StateWriter> {
        let dir = state_dir(out, part);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let open = |name: &str| -> Result<BufWriter<File>> {
            let path = dir.join(format!(".{name}.csv.zst.tmp"));
            let file =
                File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
            Ok(BufWriter::with_capacity(1 << 20, file))
        };
        let mut manifest = Frames::new(open("manifest")?, helpers.clone());
        manifest.write(&manifest_header()?)?;
        let mut tables = [
            open(Table::Reports.name())?,
            open(Table::Facts.name())?,
            open(Table::Diagnostics.name())?,
        ];
        let schemas = [reports_schema(), facts_schema(), diagnostics_schema()];
        for (table, schema) in tables.iter_mut().zip(&schemas) {
            table.write_all(&frame(&header(schema))?)?;
        }
        Ok(StateWriter {
            dir,
            meta,
            files: Some(StateFiles { manifest, tables }),
            finished: false,
        })
    }

    /// Records one report: its entry and its rows ([`StateRows::of`]).
    pub fn write(&mut self, rows: &StateRows) -> Result<()> {
        let files = self.files.as_mut().context("state: written after finish")?;
        files.manifest.write(&rows.entry)?;
        for (table, frame) in files.tables.iter_mut().zip(&rows.frames) {
            table.write_all(frame)?;
        }
        Ok(())
    }

    /// Completes the state and moves it into place. `facts_file`: the finished
    /// `facts.csv` or `facts.parquet` that holds the run's facts instead of the state.
    pub fn finish(mut self, facts_file: Option<&Path>) -> Result<()> {
        if let Some(path) = facts_file {
            self.meta.note_facts_file(path)?;
        }
        let files = self.files.take().context("state: finished twice")?;
        let failed = |e: std::io::Error| anyhow::anyhow!("cannot write the state: {e}");
        sync_buffered(files.manifest.finish()?).map_err(failed)?;
        for table in files.tables {
            sync_buffered(table).map_err(failed)?;
        }
        for name in STATE_FILES {
            let temp = self.dir.join(format!(".{name}.csv.zst.tmp"));
            fs::rename(&temp, self.dir.join(format!("{name}.csv.zst")))?;
        }
        // Last: a state without its meta is no state.
        write_meta(&self.dir, &self.meta)?;
        self.finished = true;
        Ok(())
    }
}

/// Records in a finished state what rewriting the output changed: the new facts file
/// the next run reads facts back from (if the state keeps none), and the files whose
/// facts there differ from the state's record (`rewritten`: place in the manifest,
/// ascending, and facts rows in the file).
pub fn note_rewrite(
    out: &Path,
    part: &str,
    facts_file: Option<&Path>,
    rewritten: Vec<(u32, u32)>,
    recounted: Recounted,
) -> Result<()> {
    let dir = state_dir(out, part);
    let path = dir.join("meta.json");
    let mut meta: Meta = serde_json::from_slice(
        &fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{} is damaged", path.display()))?;
    if let Some(file) = facts_file {
        meta.note_facts_file(file)?;
    }
    meta.rewritten = rewritten;
    meta.recounted = recounted;
    write_meta(&dir, &meta)
}

/// Writes a state's `meta.json` whole: under a temporary name, then renamed.
fn write_meta(dir: &Path, meta: &Meta) -> Result<()> {
    let temp = dir.join(".meta.json.tmp");
    fs::write(&temp, serde_json::to_vec_pretty(meta)?)
        .with_context(|| format!("cannot write {}", temp.display()))?;
    let path = dir.join("meta.json");
    fs::rename(&temp, &path).with_context(|| format!("cannot write {}", path.display()))
}

impl Meta {
    /// Records the output's facts file (`facts.csv` or `facts.parquet`) as it is now: the
    /// next run reads the facts back from it only while it stays so.
    fn note_facts_file(&mut self, path: &Path) -> Result<()> {
        let stat = FileStat::of(path)
            .with_context(|| format!("cannot read the size and time of {}", path.display()))?;
        if path.extension().is_some_and(|e| e == "parquet") {
            self.facts_parquet = Some(stat);
        } else {
            self.facts_csv = Some(stat);
        }
        Ok(())
    }
}

type ZReader = csv::Reader<zstd::stream::read::Decoder<'static, BufReader<File>>>;
/// The previous run's facts, in walk order: CSV lines (the state's own, or the output's
/// `facts.csv`), or the output's `facts.parquet` batch by batch.
enum FactsReader {
    Csv(csv::Reader<Box<dyn std::io::Read + Send>>),
    Parquet {
        batches: ParquetRecordBatchReader,
        batch: Option<RecordBatch>,
        row: usize,
    },
}

impl FactsReader {
    /// The next `n` facts (fewer where the file ends).
    fn take(&mut self, n: usize) -> Result<Vec<Fact>> {
        match self {
            FactsReader::Csv(reader) => Ok(reader
                .deserialize()
                .take(n)
                .collect::<Result<Vec<Fact>, _>>()?),
            FactsReader::Parquet {
                batches,
                batch,
                row,
            } => {
                let mut facts = Vec::with_capacity(n);
                while facts.len() < n {
                    if batch.as_ref().is_none_or(|b| *row >= b.num_rows()) {
                        match batches.next() {
                            Some(next) => *batch = Some(next?),
                            None => break,
                        }
                        *row = 0;
                        continue;
                    }
                    let rows = Rows::of(batch.as_ref().expect("a batch"));
                    facts.push(fact_of(&rows, *row)?);
                    *row += 1;
                }
                Ok(facts)
            }
        }
    }
}

/// Row `i` of a `facts` batch as a fact.
fn fact_of(rows: &Rows<'_>, i: usize) -> Result<Fact> {
    let text = |name: &str| -> Result<String> {
        Ok(rows
            .str(name, i)?
            .with_context(|| format!("facts.parquet: {name} is empty"))?
            .to_string())
    };
    let code = |name: &str| -> Result<String> { text(name) };
    let unknown = |name: &str| anyhow::anyhow!("facts.parquet: an unknown {name}");
    Ok(Fact {
        report_id: text("report_id")?,
        agency: rows.str("agency", i)?.map(str::to_string),
        year: rows.i32("year", i)?,
        template: Template::from_code(&code("template")?).ok_or_else(|| unknown("template"))?,
        section: Section::from_code(&code("section")?).ok_or_else(|| unknown("section"))?,
        category: Category::from_code(&code("category")?).ok_or_else(|| unknown("category"))?,
        breakdown: Breakdown::from_code(&code("breakdown")?).ok_or_else(|| unknown("breakdown"))?,
        value: rows
            .f64("value", i)?
            .context("facts.parquet: a value is empty")?,
        unit: Unit::from_code(&code("unit")?).ok_or_else(|| unknown("unit"))?,
        raw: text("raw")?,
        line: rows
            .i32("line", i)?
            .context("facts.parquet: a line is empty")?,
        provenance: rows.str("provenance", i)?.map(str::to_string),
        source: match rows.str("source", i)? {
            Some("ocr") => Source::Ocr,
            _ => Source::Text,
        },
        // Outputs of schema version 4 and before read no scans.
        confidence: if rows.has("confidence") {
            rows.f64("confidence", i)?
        } else {
            None
        },
    })
}

/// The `meta.json` of one output part's state.
fn read_meta(out: &Path, part: &str) -> std::result::Result<Meta, String> {
    fs::read(state_dir(out, part).join("meta.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| "no state from a previous run".to_string())
}

/// Reads a previous run's state as streams, in walk order.
pub struct StateReader {
    manifest: Manifest,
    reports: ZReader,
    facts: FactsReader,
    diagnostics: ZReader,
    /// The files whose facts in the facts file differ from the state's record, with the
    /// rows the file has for them (ascending), and how many entries were taken so far.
    rewritten: Vec<(u32, u32)>,
    taken: u32,
    /// How the previous run's rewriting changed its summary's counts.
    recounted: Recounted,
    peeked: Option<Entry>,
    /// The manifest again, read ahead of the rows: while every file is as the previous
    /// run left it, nothing needs reading or writing, and the rows are not touched.
    ahead: Option<Manifest>,
}

type Manifest =
    csv::DeserializeRecordsIntoIter<zstd::stream::read::Decoder<'static, BufReader<File>>, Entry>;

impl StateReader {
    /// Opens the state of one output part, if it exists and was made with the same
    /// version and settings; otherwise says why not.
    pub fn open(out: &Path, part: &str, meta: &Meta) -> std::result::Result<StateReader, String> {
        let old = read_meta(out, part)?;
        if old.state_version != meta.state_version {
            return Err(format!(
                "the previous run kept its state in format {}, this gongkai keeps format {}",
                old.state_version, meta.state_version
            ));
        }
        if old.version != meta.version || old.schema_version != meta.schema_version {
            return Err(format!(
                "the previous run was gongkai {}, this is {}",
                old.version, meta.version
            ));
        }
        if old.settings != meta.settings {
            return Err("the settings changed since the previous run".to_string());
        }
        StateReader::open_with(out, part, old)
    }

    /// Opens the state of one output part as it was written, whatever made it (for
    /// rewriting the part's output from it).
    pub fn open_written(out: &Path, part: &str) -> std::result::Result<StateReader, String> {
        StateReader::open_with(out, part, read_meta(out, part)?)
    }

    fn open_with(out: &Path, part: &str, old: Meta) -> std::result::Result<StateReader, String> {
        let dir = state_dir(out, part);
        let open = |name: &str| -> std::result::Result<ZReader, String> {
            let path = dir.join(format!("{name}.csv.zst"));
            let file =
                File::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let decoder = zstd::stream::read::Decoder::new(file).map_err(|e| e.to_string())?;
            Ok(csv::Reader::from_reader(decoder))
        };
        // The facts come back from the output's own facts file where the run kept none,
        // if it is still the file that run wrote.
        let written_file = |kept: FileStat, name: String| {
            let path = out.join(name);
            let Some(stat) = FileStat::of(&path) else {
                return Err("the previous output files are missing".to_string());
            };
            if stat != kept {
                return Err(format!(
                    "{} is not the file the previous run wrote (its facts are read back from \
                     it)",
                    path.display()
                ));
            }
            Ok(path)
        };
        let facts = match (old.facts_csv, old.facts_parquet) {
            (Some(kept), _) => {
                let path = written_file(kept, Table::Facts.file("csv"))?;
                let file = File::open(&path)
                    .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
                FactsReader::Csv(csv::Reader::from_reader(Box::new(
                    BufReader::with_capacity(1 << 20, file),
                )))
            }
            (None, Some(kept)) => {
                let path = written_file(kept, Table::Facts.file("parquet"))?;
                FactsReader::Parquet {
                    batches: file_batches(&path).map_err(|e| format!("{e:#}"))?,
                    batch: None,
                    row: 0,
                }
            }
            (None, None) => FactsReader::Csv(csv::Reader::from_reader(Box::new(
                open(Table::Facts.name())?.into_inner(),
            ))),
        };
        Ok(StateReader {
            manifest: open("manifest")?.into_deserialize(),
            reports: open(Table::Reports.name())?,
            facts,
            diagnostics: open(Table::Diagnostics.name())?,
            // Only a facts file leaves facts out; the state's own facts are all there.
            rewritten: if old.facts_csv.is_some() || old.facts_parquet.is_some() {
                old.rewritten
            } else {
                Vec::new()
            },
            taken: 0,
            recounted: old.recounted,
            peeked: None,
            ahead: Some(open("manifest")?.into_deserialize()),
        })
    }

    /// The next manifest entry, without consuming it.
    pub fn peek(&mut self) -> Result<Option<&Entry>> {
        if self.peeked.is_none() {
            self.peeked = self.manifest.next().transpose()?;
        }
        Ok(self.peeked.as_ref())
    }

    /// How the previous run's output differs from its manifest's counts (other versions'
    /// facts left out, rows split).
    pub fn recounted(&self) -> Recounted {
        self.recounted
    }

    /// The next entry of the manifest read ahead of the rows (see [`StateReader::take`]),
    /// while the files walked so far are all as the previous run left them. `None` once
    /// the read-ahead has been given up ([`StateReader::stop_ahead`]) or is at its end.
    pub fn next_ahead(&mut self) -> Result<Option<Entry>> {
        match &mut self.ahead {
            Some(ahead) => Ok(ahead.next().transpose()?),
            None => Ok(None),
        }
    }

    /// Gives up the read-ahead: a file changed, so the rows are read from here on.
    pub fn stop_ahead(&mut self) {
        self.ahead = None;
    }

    /// Consumes the next entry and its rows: returns them as a result to reuse, or drops
    /// them (`keep == false`, for a removed or changed file).
    pub fn take(&mut self, keep: bool) -> Result<Option<(Entry, Option<DocResult>)>> {
        self.peek()?;
        let Some(entry) = self.peeked.take() else {
            return Ok(None);
        };
        let ordinal = self.taken;
        self.taken += 1;
        if let Ok(at) = self.rewritten.binary_search_by_key(&ordinal, |r| r.0) {
            // Its facts in the file are not those recorded: skipped, and the file is read
            // again instead.
            self.facts.take(self.rewritten[at].1 as usize)?;
            self.reports
                .deserialize::<Report>()
                .next()
                .context("state: reports ended early")??;
            for d in self
                .diagnostics
                .deserialize::<Diagnostic>()
                .take(entry.diagnostics as usize)
            {
                d?;
            }
            return Ok(Some((entry, None)));
        }
        let report: Report = self
            .reports
            .deserialize()
            .next()
            .context("state: reports ended early")??;
        let facts: Vec<Fact> = self.facts.take(entry.facts as usize)?;
        let diagnostics: Vec<Diagnostic> = self
            .diagnostics
            .deserialize()
            .take(entry.diagnostics as usize)
            .collect::<Result<_, _>>()?;
        anyhow::ensure!(
            facts.len() == entry.facts as usize && diagnostics.len() == entry.diagnostics as usize,
            "state: rows of {} are missing",
            entry.path
        );
        let doc = keep.then_some(DocResult {
            report,
            facts,
            diagnostics,
            traces: ProseTraces::from_field(&entry.traces),
            open_splits: from_json_field(&entry.splits).context("state: damaged splits")?,
            pictures: from_json_field(&entry.pictures).context("state: damaged pictures")?,
        });
        Ok(Some((entry, doc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::process_bytes;
    use crate::write::{Formats, Layout, Preparer};

    fn meta(settings: &str) -> Meta {
        Meta {
            version: "0.0.0".to_string(),
            schema_version: "3".to_string(),
            state_version: STATE_VERSION,
            settings: settings.to_string(),
            facts_csv: None,
            facts_parquet: None,
            rewritten: Vec::new(),
            recounted: Recounted::default(),
        }
    }

    /// Writes the state of two seed reports (facts kept in the state) into `out`; the
    /// first shows a picture that is not there.
    fn write_state(out: &Path) -> Vec<DocResult> {
        let mut docs = vec![
            process_bytes(
                "a.txt",
                include_bytes!("../data/raw/001_1f7e495e6ab563f2.txt"),
            ),
            process_bytes(
                "b.txt",
                include_bytes!("../data/raw/003_94d5af374346e30f.txt"),
            ),
        ];
        docs[0].pictures = vec![PictureFile {
            path: "a_files/1.png".to_string(),
            stat: None,
        }];
        let formats = Formats {
            parquet: false,
            csv: true,
        };
        let preparer = Preparer::new(formats, &Layout::Single);
        let helpers = Helpers::new(2).unwrap();
        let mut writer = StateWriter::create(out, "all", meta("inputs=x"), &helpers).unwrap();
        for (i, doc) in docs.iter().enumerate() {
            let prepared = preparer.prepare(doc).unwrap();
            let stat = FileStat {
                size: doc.report.bytes as u64,
                mtime_ns: i as i64,
            };
            let entry = Entry::new(0, Path::new(&doc.report.source_path), stat, doc);
            let rows = StateRows::of(&entry, &prepared.csv, true).unwrap();
            writer.write(&rows).unwrap();
        }
        writer.finish(None).unwrap();
        docs
    }

    #[test]
    fn a_state_reads_back_as_it_was_written_rows_and_all() {
        let dir = tempfile::tempdir().unwrap();
        let docs = write_state(dir.path());
        let mut reader = StateReader::open(dir.path(), "all", &meta("inputs=x")).unwrap();
        // The read-ahead lists the files without touching their rows.
        let ahead: Vec<String> = std::iter::from_fn(|| reader.next_ahead().unwrap())
            .map(|e| e.path)
            .collect();
        assert_eq!(ahead, ["a.txt", "b.txt"]);
        let (entry, doc) = reader.take(true).unwrap().unwrap();
        assert_eq!(entry.key_cmp(0, Path::new("a.txt")), Ordering::Equal);
        assert_eq!(entry.key_cmp(0, Path::new("b.txt")), Ordering::Less);
        assert_eq!(entry.key_cmp(1, Path::new("a.txt")), Ordering::Less);
        assert!(entry.unchanged(FileStat {
            size: entry.size,
            mtime_ns: 0
        }));
        assert!(!entry.unchanged(FileStat {
            size: entry.size,
            mtime_ns: 1
        }));
        // The picture it showed was missing; once there, or if its record is damaged,
        // the file is read again.
        let picture = Path::new("a_files/1.png");
        let moved = Entry {
            path: dir.path().join("a.txt").display().to_string(),
            ..entry.clone()
        };
        std::fs::create_dir_all(dir.path().join("a_files")).unwrap();
        std::fs::write(dir.path().join(picture), "").unwrap();
        assert!(!moved.unchanged(FileStat {
            size: entry.size,
            mtime_ns: 0
        }));
        let damaged = Entry {
            pictures: "[".to_string(),
            ..entry.clone()
        };
        assert!(!damaged.unchanged(FileStat {
            size: entry.size,
            mtime_ns: 0
        }));
        assert_eq!(doc.as_ref(), Some(&docs[0]));
        // A dropped entry's rows are read past, not returned.
        let (entry, doc) = reader.take(false).unwrap().unwrap();
        assert_eq!((entry.path.as_str(), doc), ("b.txt", None));
        assert!(reader.take(true).unwrap().is_none());
    }

    #[test]
    fn a_state_of_other_settings_or_another_version_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        write_state(dir.path());
        let refused = |m: &Meta| StateReader::open(dir.path(), "all", m).err().unwrap();
        assert!(refused(&meta("inputs=y")).contains("settings changed"));
        let newer = Meta {
            version: "9.9.9".to_string(),
            ..meta("inputs=x")
        };
        assert!(refused(&newer).contains("gongkai 0.0.0, this is 9.9.9"));
        let empty = tempfile::tempdir().unwrap();
        let none = StateReader::open(empty.path(), "all", &meta("inputs=x"));
        assert_eq!(none.err().as_deref(), Some("no state from a previous run"));
    }
}
