//! crossref: checks across reports, run once the whole corpus has been read.
//!
//! Each report leaves a small summary here (its carry-over and stock cells, a hash of all
//! its cells, a MinHash signature of its prose); after the last file, the summaries of
//! the same agency's consecutive years are compared, reports whose prose is nearly the
//! same are found by locality-sensitive hashing, in time linear in the corpus, and the
//! place names each report's prose mentions are looked up among the corpus's agencies.
//!
//! The same agency across years: names are compared after [`agency_key`] (white space
//! and 关于 removed, 人民政府 dropped: 丰泽区人民政府 = 丰泽区); where a year has no report
//! under that key, a key without its leading province and city (泉州市丰泽区 → 丰泽区) is
//! tried, but only if just one report of that year has it (every city has a 行政服务中心).

mod checks;
mod names;
mod record;
mod similar;
mod splits;
mod versions;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::categories::{Breakdown, Category, APPLICANT_COLUMNS};
use crate::cpu::Helpers;
use crate::model::{Diagnostic, DocResult, Severity, Status, Template};
use crate::spill::read_at;
use crate::text::{fnv1a, mix};

use checks::{compare_years, near_duplicate, other_agencies_named_in};
pub use names::{agency_key, short_key};

use names::{hash_text, place_kind, place_names};
use record::{
    KeyEntry, PlaceEntry, ReportRecord, SignatureRecord, SplitRecord, TableCell, SIGNED_RECORD,
};
use similar::similar_reports;

/// What the cross-report checks need of one report: made by the worker that read it
/// ([`ReportSummary::of`]), handed to [`CrossIndex::push`].
#[derive(Debug, Clone)]
pub struct ReportSummary {
    stored: ReportRecord,
}

impl ReportSummary {
    /// The summary of a report found under input folder `root`; `None` for a report
    /// that could not be read.
    pub fn of(doc: &DocResult, root: usize) -> Option<ReportSummary> {
        let r = &doc.report;
        if r.status == Status::Failed {
            return None;
        }
        let (agency, year) = (r.agency.as_deref()?, r.year?);
        let key = agency_key(agency);
        let mut s = ReportRecord {
            // Set where the index records it.
            part: 0,
            ordinal: 0,
            root: root as u32,
            report_id: r.report_id.clone(),
            source_path: r.source_path.clone(),
            agency: agency.to_string(),
            year,
            y2021: r.template == Template::Y2021,
            carried_over: [None; 7],
            carried_forward: [None; 7],
            stock: [[None; 3]; 2],
            cells: 0,
            cell_count: doc.facts.len() as u32,
            all_zero: doc.facts.iter().all(|f| f.value == 0.0),
            // Only a place agency's report is checked for other places' names: a
            // department's places are not kept (most reports, and most of this space).
            places: if place_kind(&key).is_some() {
                doc.traces.places.clone()
            } else {
                Vec::new()
            },
            sketch: doc.traces.sketch.clone(),
            key,
            issued_on: r.issued_on.clone(),
            correction: r
                .title
                .as_deref()
                .is_some_and(|t| ["更正", "修正", "修订"].iter().any(|w| t.contains(w))),
            format: r.format.clone().unwrap_or_default(),
            errors: doc
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count() as u32,
            table: doc
                .facts
                .iter()
                .map(|f| TableCell {
                    category: f.category as u8,
                    breakdown: f.breakdown as u8,
                    value: f.value,
                })
                .collect(),
            splits: doc
                .open_splits
                .iter()
                .map(|split| SplitRecord {
                    category: split.category as u8,
                    candidates: split
                        .candidates
                        .iter()
                        .map(|facts| facts.iter().map(|f| (f.breakdown as u8, f.value)).collect())
                        .collect(),
                })
                .collect(),
        };
        for f in &doc.facts {
            // Order-independent (a sum of cell hashes): the same cells in any order match.
            let cell_hash = (f.category as u64) << 40 | (f.breakdown as u64) << 32;
            s.cells = s
                .cells
                .wrapping_add(mix(fnv1a(cell_hash, f.value.to_bits())));
            let cell = Some((f.value, f.line));
            let applicant = APPLICANT_COLUMNS.iter().position(|b| *b == f.breakdown);
            let stock_row = match f.category {
                Category::ActiveRules => Some(0),
                Category::ActiveNormativeDocs => Some(1),
                _ => None,
            };
            let stock_col = match f.breakdown {
                Breakdown::Issued => Some(0),
                Breakdown::Repealed => Some(1),
                Breakdown::InForce => Some(2),
                _ => None,
            };
            match (f.category, applicant, stock_row, stock_col) {
                (Category::CarriedOver, Some(i), ..) => s.carried_over[i] = cell,
                (Category::CarriedForward, Some(i), ..) => s.carried_forward[i] = cell,
                (_, _, Some(row), Some(col)) => s.stock[row][col] = cell,
                _ => {}
            }
        }
        Some(ReportSummary { stored: s })
    }

    /// The summary as the index keeps it, for the file at `ordinal` (its place in walk
    /// order): made by the worker, so that the writer thread only appends bytes.
    pub fn encoded(mut self, ordinal: u32) -> EncodedSummary {
        self.stored.ordinal = ordinal;
        EncodedSummary::of(&self.stored)
    }
}

/// A report's summary as the index keeps it ([`ReportSummary::encoded`]).
#[derive(Debug, Clone)]
pub struct EncodedSummary {
    ordinal: u32,
    /// The record, its length first.
    record: Vec<u8>,
    /// Its key, year and prose signature, for the search for near-duplicates.
    signed: [u8; SIGNED_RECORD],
}

impl EncodedSummary {
    fn of(stored: &ReportRecord) -> EncodedSummary {
        let mut record = vec![0; 4];
        stored.encode(&mut record);
        let len = (record.len() - 4) as u32;
        record[..4].copy_from_slice(&len.to_le_bytes());
        let signed = SignatureRecord {
            key: hash_text(&stored.key),
            year: stored.year,
            signature: stored.sketch.signature,
        };
        EncodedSummary {
            ordinal: stored.ordinal,
            record,
            signed: signed.encode(),
        }
    }
}

/// Flushes a temporary file's buffer and hands the file back for reading.
fn finish(file: BufWriter<File>) -> io::Result<File> {
    file.into_inner().map_err(io::IntoInnerError::into_error)
}

/// Collects report summaries as the run writes them, and compares them once all are in
/// ([`CrossIndex::decide`]).
///
/// The summaries go to two unnamed temporary files (beside the output: the same disk,
/// and gone when the run ends however it ends), not to memory: while the corpus is read,
/// the index holds nothing per report. The comparisons at the end read the files back
/// and hold arrays of 8 to 36 bytes a report (where each summary is, its keys' and place
/// names' hashes, its nearest others), made when the workers' memory is free again.
#[derive(Debug)]
pub struct CrossIndex {
    /// Each report's [`ReportRecord`] record, its length (`u32`) before it.
    records: BufWriter<File>,
    /// Each report's [`SignatureRecord`] record.
    signed: BufWriter<File>,
    reports: u32,
    /// How many files (summarised or not) came before: the next one's place among the
    /// part's rows (a run writes one part; [`merge_parts`] sets each record's).
    files: u32,
}

/// Where a report's rows are: its output part and its place among that part's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowsAt {
    /// The part (a shard's, in the order [`merge_parts`] was given them; 0 for one run).
    pub part: u32,
    /// The file's place in the part's walk order (every file counts, read or not).
    pub ordinal: u32,
}

/// A report that is another version of one read from another file: its rows, and the
/// `report_id` of the version whose facts stand for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Where the report's rows are.
    pub at: RowsAt,
    /// Its file, to read it again.
    pub file: ReportFile,
    /// The canonical version's `report_id` (`reports.duplicate_of`).
    pub canonical: String,
}

/// The file of a report a decision is about: its path as walked and its `report_id` (the
/// hash of the bytes that were read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// The path as walked (`reports.source_path`).
    pub path: String,
    /// The report's id.
    pub report_id: String,
}

/// A row whose run-together digits the report left several ways to split, split the one
/// way the same agency's previous-year report allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Where the report's rows are.
    pub at: RowsAt,
    /// Its file, to read it again.
    pub file: ReportFile,
    /// The row.
    pub category: Category,
    /// Which of the report's ways to split it ([`crate::model::OpenSplit::candidates`]).
    pub candidate: u32,
    /// The previous-year report's `report_id`, and how messages name it.
    pub previous: String,
    pub previous_name: String,
    /// The relation that decided, in words.
    pub rule: &'static str,
}

impl CrossIndex {
    /// An empty index whose temporary files are made in `dir`.
    pub fn create_in(dir: &Path) -> io::Result<CrossIndex> {
        Ok(CrossIndex {
            records: BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir)?),
            signed: BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir)?),
            reports: 0,
            files: 0,
        })
    }

    /// Records one report (failed reports and those without agency or year are skipped);
    /// the pipeline pushes summaries its workers made instead.
    #[cfg(test)]
    fn add(&mut self, doc: &DocResult) {
        let ordinal = self.files;
        self.push(ReportSummary::of(doc, 0).map(|s| s.encoded(ordinal)))
            .expect("writing a temporary file");
    }

    /// Adds the next file's summary, made beforehand ([`ReportSummary::encoded`]); `None`
    /// for a file with none (it still takes its place among the part's rows).
    pub fn push(&mut self, summary: Option<EncodedSummary>) -> io::Result<()> {
        let ordinal = self.files;
        self.files += 1;
        let Some(summary) = summary else {
            return Ok(());
        };
        if summary.ordinal != ordinal {
            return Err(io::Error::other(format!(
                "the summary of file {} came as file {ordinal}'s; please report it",
                summary.ordinal
            )));
        }
        self.push_encoded(&summary)
    }

    fn push_record(&mut self, stored: &ReportRecord) -> io::Result<()> {
        self.push_encoded(&EncodedSummary::of(stored))
    }

    fn push_encoded(&mut self, summary: &EncodedSummary) -> io::Result<()> {
        self.records.write_all(&summary.record)?;
        self.signed.write_all(&summary.signed)?;
        self.reports += 1;
        Ok(())
    }

    /// Writes the summaries pushed so far to `path` (a shard's, for `gongkai finish`),
    /// under a temporary name first.
    pub fn save(&mut self, path: &Path) -> io::Result<()> {
        self.records.flush()?;
        let mut from = self.records.get_ref();
        from.seek(SeekFrom::Start(0))?;
        let temp = path.with_extension("tmp");
        let mut to = BufWriter::new(File::create(&temp)?);
        io::copy(&mut from, &mut to)?;
        finish(to)?.sync_all()?;
        from.seek(SeekFrom::End(0))?;
        std::fs::rename(&temp, path)
    }

    /// Reports added so far (those with a summary).
    pub fn reports(&self) -> usize {
        self.reports as usize
    }

    /// Compares the reports: which are versions of one report (the marks), and the
    /// findings across reports, to be written after every report's own rows.
    pub fn decide(self, helpers: &Helpers) -> io::Result<Decided> {
        let reports = self.reports as usize;
        let signed = finish(self.signed)?;
        let (records, mut keys, mut places) = Records::scan(finish(self.records)?, reports)?;
        keys.sort_unstable();
        let found = versions_of(&keys, &records, helpers)?;
        // Another version is compared with nothing: its canonical version stands for it.
        keys.retain(|k| found.canonical_of[k.report as usize].is_none());
        let previous = previous_years(keys, reports);
        let decided_splits = splits_by_previous_year(&records, &previous, helpers)?;
        let nearest = similar_reports(&signed, reports, helpers)?;
        drop(signed);
        places.sort_unstable();
        Ok(Decided {
            records,
            previous,
            nearest,
            places,
            versions: found,
            splits: decided_splits,
        })
    }

    /// All of the decided findings at once.
    #[cfg(test)]
    fn findings(self) -> Vec<(Option<i32>, Diagnostic)> {
        self.findings_with(2)
    }

    /// All of the decided findings at once, made with `threads` helper threads.
    #[cfg(test)]
    fn findings_with(self, threads: usize) -> Vec<(Option<i32>, Diagnostic)> {
        let mut all = Vec::new();
        let helpers = Helpers::new(threads).expect("starting threads");
        self.decide(&helpers)
            .expect("reading a temporary file")
            .for_each_finding(&helpers, |_, year, d| {
                all.push((year, d));
                Ok(())
            })
            .expect("collecting into a Vec cannot fail");
        all
    }
}

/// An index of the reports of several parts (the shards' [`CrossIndex::save`]d
/// summaries, part `k` at `files[k]`), in the order one run would have read them: each
/// part's summaries are in walk order, and merged by input folder and path, which is
/// that order. Temporary files are made in `dir`.
pub fn merge_parts(files: &[std::path::PathBuf], dir: &Path) -> io::Result<CrossIndex> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut index = CrossIndex::create_in(dir)?;
    let mut readers = files
        .iter()
        .map(|f| Ok(io::BufReader::with_capacity(1 << 16, File::open(f)?)))
        .collect::<io::Result<Vec<_>>>()?;
    let next =
        |reader: &mut io::BufReader<File>, part: usize| -> io::Result<Option<ReportRecord>> {
            let mut len = [0u8; 4];
            match reader.read_exact(&mut len) {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                other => other?,
            }
            let mut record = vec![0u8; u32::from_le_bytes(len) as usize];
            reader.read_exact(&mut record)?;
            let mut stored = ReportRecord::decode(&record).ok_or_else(damaged)?;
            stored.part = part as u32;
            Ok(Some(stored))
        };
    // The next record of each part, smallest (input folder, path) first.
    let mut heads = BinaryHeap::new();
    let mut held: Vec<Option<ReportRecord>> = vec![None; files.len()];
    let hold = |part: usize,
                reader: &mut io::BufReader<File>,
                heads: &mut BinaryHeap<_>,
                held: &mut [Option<ReportRecord>]| {
        if let Some(r) = next(reader, part)? {
            heads.push(Reverse((
                r.root,
                std::path::PathBuf::from(&r.source_path),
                part,
            )));
            held[part] = Some(r);
        }
        io::Result::Ok(())
    };
    for (part, reader) in readers.iter_mut().enumerate() {
        hold(part, reader, &mut heads, &mut held)?;
    }
    while let Some(Reverse((_, _, part))) = heads.pop() {
        let record = held[part].take().expect("a held record");
        index.push_record(&record)?;
        hold(part, &mut readers[part], &mut heads, &mut held)?;
    }
    Ok(index)
}

/// What the index found, ready to hand out: the marks at once, the findings one by one.
pub struct Decided {
    records: Records,
    previous: Vec<Option<u32>>,
    nearest: Vec<similar::Nearest>,
    places: Vec<PlaceEntry>,
    versions: Versions,
    splits: Vec<Split>,
}

impl Decided {
    /// The reports that are other versions of one kept, by where their rows are.
    pub fn marks(&self) -> &[Mark] {
        &self.versions.marks
    }

    /// The rows split by the previous year's report, by where their report's rows are.
    pub fn splits(&self) -> &[Split] {
        &self.splits
    }

    /// Whether the output written so far stands as it is (no version marked, no row
    /// split): the findings only need appending.
    pub fn changes_nothing(&self) -> bool {
        self.versions.marks.is_empty() && self.splits.is_empty()
    }

    /// The cross-report diagnostics, in the order their reports were added, each with
    /// where its report's rows are and its report's year (for the partitioned layout),
    /// handed to `emit` one by one: a large corpus has hundreds of thousands, which are
    /// not held at once.
    pub fn for_each_finding(
        self,
        helpers: &Helpers,
        mut emit: impl FnMut(RowsAt, Option<i32>, Diagnostic) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // Each report's findings are its own: they are made on the helper threads, a
        // window of reports at a time (so that few are held), and handed out in order.
        const REPORTS_PER_TASK: u32 = 256;
        let reports = self.records.len() as u32;
        let tasks: Vec<u32> = (0..reports).step_by(REPORTS_PER_TASK as usize).collect();
        for window in tasks.chunks(4 * helpers.threads()) {
            let made = helpers.map(window, |&first| {
                let mut found = Vec::new();
                for i in first..reports.min(first + REPORTS_PER_TASK) {
                    self.findings_of(i, &mut found)?;
                }
                io::Result::Ok(found)
            });
            for found in made {
                for (at, year, d) in found? {
                    emit(at, year, d)?;
                }
            }
        }
        Ok(())
    }

    /// Adds the findings of report `i` to `found`.
    fn findings_of(
        &self,
        i: u32,
        found: &mut Vec<(RowsAt, Option<i32>, Diagnostic)>,
    ) -> io::Result<()> {
        let Decided {
            records,
            previous,
            nearest,
            places,
            versions,
            ..
        } = self;
        let kept = |i: u32| versions.canonical_of[i as usize].is_none();
        let mut made: Vec<Diagnostic> = Vec::new();
        let r = records.get(i)?;
        if let Some(group) = versions.group_of(i) {
            let members = group
                .reports
                .iter()
                .map(|&m| records.get(m))
                .collect::<io::Result<Vec<_>>>()?;
            let me = group
                .reports
                .iter()
                .position(|&m| m == i)
                .expect("a member");
            made.extend(versions::findings_for(me, &members, &group.canonical));
        }
        if kept(i) {
            if let Some(p) = previous[i as usize] {
                compare_years(&r, &records.get(p)?, &mut made);
            }
            for near in nearest[i as usize].iter().flatten() {
                if kept(near.other) {
                    near_duplicate(&r, near, &records.get(near.other)?, &mut made);
                }
            }
            other_agencies_named_in(&r, places, records, &mut made)?;
        }
        let at = r.rows_at();
        found.extend(made.into_iter().map(|d| (at, Some(r.year), d)));
        Ok(())
    }
}

/// The versions found: groups of reports of one agency and year, and which are another
/// version of which.
struct Versions {
    /// For each report, the report it is another version of.
    canonical_of: Vec<Option<u32>>,
    /// For each report in a group with versions, the group's index in `groups`.
    group_index: HashMap<u32, u32>,
    groups: Vec<VersionGroup>,
    /// The other versions, by where their rows are.
    marks: Vec<Mark>,
}

/// Reports of one agency and year among which versions were found.
struct VersionGroup {
    /// The reports.
    reports: Vec<u32>,
    /// For each, the position in `reports` of the version it is another version of
    /// ([`versions::canonical_in`]).
    canonical: Vec<Option<usize>>,
}

impl Versions {
    fn group_of(&self, report: u32) -> Option<&VersionGroup> {
        let g = *self.group_index.get(&report)?;
        Some(&self.groups[g as usize])
    }
}

/// Finds the versions among runs of equal agency key and year (`keys` sorted).
fn versions_of(keys: &[KeyEntry], records: &Records, helpers: &Helpers) -> io::Result<Versions> {
    let mut found = Versions {
        canonical_of: vec![None; records.len()],
        group_index: HashMap::new(),
        groups: Vec::new(),
        marks: Vec::new(),
    };
    let runs: Vec<&[KeyEntry]> = keys
        .chunk_by(|a, b| (a.short, a.year, a.key) == (b.short, b.year, b.key))
        .filter(|run| (2..=versions::MAX_GROUP).contains(&run.len()))
        .collect();
    // Each run is compared on its own, on the helper threads, a window of runs at a time
    // (so that few records are held); the results are taken in the runs' order.
    for window in runs.chunks(64 * helpers.threads()) {
        let compared = helpers.map(window, |run| {
            let members = run
                .iter()
                .map(|k| records.get(k.report))
                .collect::<io::Result<Vec<_>>>()?;
            let canonical = versions::canonical_in(&members);
            io::Result::Ok((members, canonical))
        });
        for (run, made) in window.iter().zip(compared) {
            let (members, canonical) = made?;
            if canonical.iter().all(Option::is_none) {
                continue;
            }
            let group: Vec<u32> = run.iter().map(|k| k.report).collect();
            for (m, kept) in canonical.iter().enumerate() {
                if let Some(kept) = kept {
                    found.canonical_of[group[m] as usize] = Some(group[*kept]);
                    found.marks.push(Mark {
                        at: members[m].rows_at(),
                        file: members[m].file(),
                        canonical: members[*kept].report_id.clone(),
                    });
                }
            }
            let g = found.groups.len() as u32;
            for &m in &group {
                found.group_index.insert(m, g);
            }
            found.groups.push(VersionGroup {
                reports: group,
                canonical,
            });
        }
    }
    found.marks.sort_unstable_by_key(|m| m.at);
    Ok(found)
}

/// The index's record file, read back report by report.
struct Records {
    file: File,
    /// Where each report's record (its length first) starts, and where the last ends.
    offsets: Vec<u64>,
    /// The reports with rows whose digits split several ways.
    with_splits: Vec<u32>,
}

impl Records {
    /// Reads the record file through once: where each record is, and each report's keys
    /// and place names (hashed) to sort.
    fn scan(file: File, reports: usize) -> io::Result<(Records, Vec<KeyEntry>, Vec<PlaceEntry>)> {
        let mut with_splits = Vec::new();
        let (mut offsets, mut keys, mut places) = (
            Vec::with_capacity(reports + 1),
            Vec::with_capacity(reports),
            Vec::new(),
        );
        let mut reader = io::BufReader::with_capacity(1 << 16, &file);
        reader.seek(SeekFrom::Start(0))?;
        let mut at = 0u64;
        let mut record = Vec::new();
        for report in 0..reports as u32 {
            let mut len = [0u8; 4];
            reader.read_exact(&mut len)?;
            let len = u32::from_le_bytes(len);
            record.resize(len as usize, 0);
            reader.read_exact(&mut record)?;
            offsets.push(at);
            at += 4 + u64::from(len);
            let stored = ReportRecord::skim(&record).ok_or_else(damaged)?;
            if stored.has_splits {
                with_splits.push(report);
            }
            let key = hash_text(stored.key);
            let short = short_key(stored.key).map_or(key, hash_text);
            keys.push(KeyEntry {
                short,
                year: stored.year,
                key,
                report,
            });
            if let Some(kind) = place_kind(stored.key) {
                for name in place_names(stored.key) {
                    let name = hash_text(name);
                    places.push(PlaceEntry {
                        name,
                        report,
                        key,
                        kind,
                    });
                }
            }
        }
        offsets.push(at);
        drop(reader);
        Ok((
            Records {
                file,
                offsets,
                with_splits,
            },
            keys,
            places,
        ))
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn get(&self, report: u32) -> io::Result<ReportRecord> {
        let i = report as usize;
        let (start, end) = (self.offsets[i] + 4, self.offsets[i + 1]);
        let mut record = vec![0u8; (end - start) as usize];
        read_at(&self.file, start, &mut record)?;
        ReportRecord::decode(&record).ok_or_else(damaged)
    }
}

/// The rows whose run-together digits the previous year's report splits, in the order
/// of their reports' rows. Each report is decided on its own, on the helper threads, a
/// few at a time; the results are taken in the reports' order.
fn splits_by_previous_year(
    records: &Records,
    previous: &[Option<u32>],
    helpers: &Helpers,
) -> io::Result<Vec<Split>> {
    const REPORTS_PER_TASK: usize = 64;
    let tasks: Vec<&[u32]> = records.with_splits.chunks(REPORTS_PER_TASK).collect();
    let decided = helpers.map(&tasks, |reports| {
        let mut decided = Vec::new();
        for &i in *reports {
            let Some(p) = previous[i as usize] else {
                continue;
            };
            let (r, prev) = (records.get(i)?, records.get(p)?);
            for (category, candidate, rule) in splits::decide(&r, &prev) {
                decided.push(Split {
                    at: r.rows_at(),
                    file: r.file(),
                    category,
                    candidate,
                    previous: prev.report_id.clone(),
                    previous_name: prev.name(),
                    rule,
                });
            }
        }
        io::Result::Ok(decided)
    });
    let mut all = Vec::new();
    for made in decided {
        all.extend(made?);
    }
    // Stable: one report's splits keep the order they were decided in.
    all.sort_by_key(|s| s.at);
    Ok(all)
}

/// The error for a temporary file that does not read back as written.
fn damaged() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the cross-report index's temporary file was changed while the run read it",
    )
}

/// For each report, the report of the same agency for the year before, if one: the
/// first one with its key, or else the only agency of that year with its short key.
fn previous_years(keys: Vec<KeyEntry>, reports: usize) -> Vec<Option<u32>> {
    let mut previous = vec![None; reports];
    for e in &keys {
        let year = e.year - 1;
        let from = keys.partition_point(|k| (k.short, k.year) < (e.short, year));
        let to = keys.partition_point(|k| (k.short, k.year) <= (e.short, year));
        let group = &keys[from..to];
        // The first report met is the one compared with (a report published twice, as
        // PDF and as a web page, is one report).
        let same_key = group.iter().find(|k| k.key == e.key);
        let only_key = match group {
            [first, .., last] if first.key != last.key => None,
            [first, ..] => Some(first),
            [] => None,
        };
        previous[e.report as usize] = same_key.or(only_key).map(|k| k.report);
    }
    previous
}
