//! finish: once every report is read, versions marked and the checks across reports written.
//!
//! Versions of one report get `reports.duplicate_of` and their facts are left out; the
//! findings across reports follow every report's own diagnostics.
//!
//! A run on one machine does it in one go: the findings are appended to its diagnostics,
//! and where versions were found its output is written again from its state, with the
//! marks. Shards (`--shard K/N`) only save their reports' summaries
//! (`.gongkai/PART/summaries.bin`, the dataset's hidden table); `gongkai finish DIR`,
//! run once after them all, merges the summaries in the order one run would have read
//! the files, decides as that run would, and writes every shard's part again from its
//! state: the dataset is the one a single run gives.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cpu::Helpers;
use crate::crossref::{merge_parts, Decided, Mark, ReportFile, Split};
use crate::decode::DecodeOptions;
use crate::discover::Shard;
use crate::extract::process_path_with;
use crate::incremental::{note_rewrite, state_dir, Recounted, StateReader};
use crate::model::{Code, Diagnostic, DocResult, Fact, Finding, Severity, Status};
use crate::write::{Formats, Layout, OutputLock, OutputWriter, Preparer, Written};

/// Where a part's summaries are kept for `gongkai finish`.
pub fn summaries_path(out: &Path, part: &str) -> PathBuf {
    state_dir(out, part).join("summaries.bin")
}

/// What `gongkai finish` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finished {
    /// The shards' parts written again.
    pub parts: usize,
    /// Reports compared (those with an agency and a year).
    pub reports: usize,
    /// Reports that are another version of one kept from another file.
    pub versions: usize,
    /// Rows split by the same agency's previous-year report.
    pub splits: usize,
    /// Diagnostics found across reports.
    pub findings: usize,
}

/// What writing a part again changed.
#[derive(Debug, Default)]
struct Rewritten {
    /// Facts of other versions left out.
    left_out: usize,
    /// Reports whose last error the previous year's report resolved: now `ok`.
    now_ok: usize,
    /// Facts of rows split by the previous year's report.
    added: usize,
    /// The files whose facts rows now differ from those their state records (place in
    /// the part, rows written), for the next incremental run.
    changed: Vec<(u32, u32)>,
}

/// The decisions about one part's reports, in part order.
struct PartDecisions<'a> {
    marks: &'a [Mark],
    splits: &'a [Split],
}

/// Writes one part's output again from its state in `dir`: each report as read, except
/// that the other versions (`marks`, in part order) get `duplicate_of` and no facts, and
/// rows split by the previous year's report get their facts; then `findings` adds the
/// diagnostics across reports.
fn rewrite_part(
    dir: &Path,
    formats: Formats,
    layout: &Layout,
    part: &str,
    decisions: PartDecisions<'_>,
    helpers: &Helpers,
    findings: impl FnOnce(&mut OutputWriter) -> Result<()>,
) -> Result<Rewritten> {
    let mut state = StateReader::open_written(dir, part).map_err(|why| {
        anyhow::anyhow!(
            "cannot read the state of part {part} in {}: {why}",
            dir.display()
        )
    })?;
    let preparer = Preparer::new(formats, layout);
    let mut out = OutputWriter::create(dir, formats, layout, helpers)?;
    let mut ordinal = 0u32;
    let mut done = Rewritten::default();
    let mut marks = decisions.marks.iter().peekable();
    let mut splits = decisions.splits.iter().peekable();
    while let Some((entry, doc)) = state.take(true)? {
        let mut doc = doc.with_context(|| {
            format!(
                "the state of part {part} has no facts for {}: run the ingest again",
                entry.path
            )
        })?;
        apply_decisions(ordinal, &mut doc, &mut marks, &mut splits, &mut done)?;
        out.write(preparer.prepare(&doc)?)?;
        ordinal += 1;
    }
    anyhow::ensure!(
        marks.next().is_none() && splits.next().is_none(),
        "the summaries of part {part} name more files than its state has: run the ingest \
         again"
    );
    findings(&mut out)?;
    out.finish()?;
    Ok(done)
}

/// The decisions in `marks` and `splits` (the next ones first) about the report at
/// `ordinal`, applied to it: another version gets `duplicate_of` and no facts; a row
/// split by the previous year's report gets its facts. `done` counts what changed.
fn apply_decisions(
    ordinal: u32,
    doc: &mut DocResult,
    marks: &mut std::iter::Peekable<std::slice::Iter<'_, Mark>>,
    splits: &mut std::iter::Peekable<std::slice::Iter<'_, Split>>,
    done: &mut Rewritten,
) -> Result<()> {
    if let Some(mark) = marks.next_if(|m| m.at.ordinal == ordinal) {
        doc.report.duplicate_of = Some(mark.canonical.clone());
        done.left_out += doc.facts.len();
        doc.facts.clear();
        done.changed.push((ordinal, 0));
    }
    let mut split_here = false;
    while let Some(split) = splits.next_if(|s| s.at.ordinal == ordinal) {
        done.added += apply_split(doc, split)?;
        split_here = true;
    }
    if split_here {
        let before = doc.report.status;
        doc.recount();
        if before != Status::Ok && doc.report.status == Status::Ok {
            done.now_ok += 1;
        }
        done.changed.push((ordinal, doc.facts.len() as u32));
    }
    Ok(())
}

/// Gives a report the facts of the way to split a row that the previous year's report
/// chose, in source order and marked with their provenance, in place of the row's
/// `ambiguous_cells` error. Returns the facts added.
fn apply_split(doc: &mut DocResult, split: &Split) -> Result<usize> {
    let open = doc
        .open_splits
        .iter()
        .find(|o| o.category == split.category)
        .with_context(|| {
            format!(
                "the state of {} has no open row {}: run the ingest again",
                doc.report.source_path,
                split.category.code()
            )
        })?;
    let chosen = open
        .candidates
        .get(split.candidate as usize)
        .context("a split beyond the row's candidates: run the ingest again")?;
    let provenance = format!("previous_year:{}", split.previous);
    let at = doc.facts.partition_point(|f| f.line <= open.line);
    let facts: Vec<Fact> = chosen
        .iter()
        .map(|f| Fact {
            provenance: Some(provenance.clone()),
            ..f.clone()
        })
        .collect();
    let shown: Vec<String> = facts
        .iter()
        .map(|f| format!("{} {}", f.breakdown.code(), f.raw))
        .collect();
    let message = format!(
        "{}: the run-together digits fit {} splits; the one {} allows ({}) was taken: {}",
        split.category.code(),
        open.candidates.len(),
        split.previous_name,
        split.rule,
        shown.join(", ")
    );
    let line = open.line;
    let added = facts.len();
    doc.facts.splice(at..at, facts);
    let (id, path) = (&doc.report.report_id, &doc.report.source_path);
    let replaced = Diagnostic::of(
        id,
        path,
        Finding {
            severity: Severity::Info,
            code: Code::SplitByPreviousYear,
            message,
            line: Some(line),
        },
    );
    let prefix = format!("{}:", split.category.code());
    match doc.diagnostics.iter_mut().find(|d| {
        d.code == Code::AmbiguousCells && d.line == Some(line) && d.message.starts_with(&prefix)
    }) {
        Some(d) => *d = replaced,
        None => doc.diagnostics.push(replaced),
    }
    Ok(added)
}

/// The end of a run on one machine whose checks across reports changed a few reports
/// (versions marked, rows split): its output (finished in `dir`) written again with
/// the changed reports' new rows, then the findings across reports; the state notes which
/// files' facts the output now holds differently. Only the changed reports' files are
/// read again (`decode`: as the run read them); the output's rows of the others are
/// copied ([`OutputWriter::patch`]; `written`: where they went). Returns what changed in
/// the counts of the run's summary.
pub fn patch_one(
    dir: &Path,
    formats: Formats,
    layout: &Layout,
    part: &str,
    (decided, written): (Decided, &mut Written),
    (decode, helpers): (&DecodeOptions, &Helpers),
) -> Result<Recounted> {
    let (marks, splits) = (decided.marks().to_vec(), decided.splits().to_vec());
    // The changed reports' files, in the order written: each is read again (the state
    // holds them too, but behind every report before them).
    let mut changed: Vec<(u32, &ReportFile)> = marks
        .iter()
        .map(|m| (m.at.ordinal, &m.file))
        .chain(splits.iter().map(|s| (s.at.ordinal, &s.file)))
        .collect();
    changed.sort_unstable_by_key(|c| c.0);
    changed.dedup_by_key(|c| c.0);
    let preparer = Preparer::new(formats, layout);
    let (mut marks_left, mut splits_left) = (marks.iter().peekable(), splits.iter().peekable());
    let mut done = Rewritten::default();
    let mut replaced = Vec::with_capacity(changed.len());
    for (ordinal, file) in changed {
        let mut doc = process_path_with(Path::new(&file.path), decode);
        anyhow::ensure!(
            doc.report.report_id == file.report_id,
            "{} changed while the run read it: run the ingest again",
            file.path
        );
        apply_decisions(
            ordinal,
            &mut doc,
            &mut marks_left,
            &mut splits_left,
            &mut done,
        )?;
        replaced.push((ordinal, preparer.prepare(&doc)?));
    }
    let mut out = OutputWriter::patch(dir, formats, layout, helpers, written, &replaced)?;
    decided.for_each_finding(helpers, |_, year, d| out.write_diagnostic(year, d))?;
    out.finish()?;
    let facts_file = layout.facts_file(formats).map(|name| dir.join(name));
    let recounted = Recounted {
        facts_left_out: done.left_out,
        facts_added: done.added,
        now_ok: done.now_ok,
    };
    note_rewrite(dir, part, facts_file.as_deref(), done.changed, recounted)?;
    Ok(recounted)
}

/// The range of `items` (sorted) for which `order` says `Equal`.
fn range_of<T>(items: &[T], order: impl Fn(&T) -> std::cmp::Ordering) -> std::ops::Range<usize> {
    let from = items.partition_point(|i| order(i) == std::cmp::Ordering::Less);
    let to = items.partition_point(|i| order(i) != std::cmp::Ordering::Greater);
    from..to
}

/// The shards' parts of an output folder: `part-K-of-N` for K in 0..N, all with
/// summaries; an error names what is missing.
fn shard_parts(out: &Path) -> Result<Vec<String>> {
    let states = out.join(".gongkai");
    let listing = fs::read_dir(&states).with_context(|| {
        format!(
            "{} has no shards' state ({}): run `gongkai ingest … --out {} --shard K/N` \
             first",
            out.display(),
            states.display(),
            out.display()
        )
    })?;
    let mut found: Vec<(u32, u32)> = Vec::new();
    for entry in listing {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if let Some(shard) = Shard::of_part_name(&name) {
            found.push((shard.index, shard.count));
        }
    }
    found.sort_unstable();
    let Some(&(_, count)) = found.first() else {
        anyhow::bail!(
            "{} holds no shard's output: `gongkai finish` completes the output of \
             `gongkai ingest --shard K/N` runs (a run on one machine finishes itself)",
            out.display()
        );
    };
    if count == 1 {
        anyhow::bail!(
            "{} holds the output of a run on one machine (part-0-of-1), which finished \
             itself: `gongkai finish` completes the output of `--shard K/N` runs",
            out.display()
        );
    }
    if let Some((k, n)) = found.iter().find(|(_, n)| *n != count) {
        anyhow::bail!(
            "{} holds shards of two splits (part-{k}-of-{n} beside part-0-of-{count}…): \
             remove the parts of the split no longer used",
            out.display()
        );
    }
    let parts: Vec<String> = (0..count)
        .map(|index| Shard { index, count }.part_name())
        .collect();
    for (k, part) in parts.iter().enumerate() {
        if !found.contains(&(k as u32, count)) || !summaries_path(out, part).is_file() {
            anyhow::bail!(
                "shard {k}/{count} has not finished its run into {} (no {}): run it, then \
                 `gongkai finish` again",
                out.display(),
                summaries_path(out, part).display()
            );
        }
    }
    Ok(parts)
}

/// `gongkai finish DIR`: completes the output the shards wrote into `out`: compares all
/// their reports, as one run would, and writes every part again with the versions'
/// marks and the findings across reports. Running it twice gives the same output.
pub fn finish_shards(out: &Path) -> Result<Finished> {
    let parts = shard_parts(out)?;
    // Every shard's lock: no shard may write while its part is rewritten.
    let _locks = parts
        .iter()
        .map(|part| {
            OutputLock::acquire(
                out,
                &Layout::ByYear {
                    part: part.to_string(),
                },
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let files: Vec<PathBuf> = parts.iter().map(|p| summaries_path(out, p)).collect();
    let index = merge_parts(&files, out)
        .with_context(|| format!("cannot read the shards' summaries in {}", out.display()))?;
    let reports = index.reports();
    let helpers = Helpers::new(rayon::current_num_threads())?;
    let decided = index
        .decide(&helpers)
        .context("cannot compare the shards' reports")?;
    let (marks, splits) = (decided.marks().to_vec(), decided.splits().to_vec());
    // The findings, by part: they come in the order of all reports, and each part is
    // written whole, one after another.
    let mut spilled: Vec<BufWriter<File>> = parts
        .iter()
        .map(|_| tempfile::tempfile_in(out).map(BufWriter::new))
        .collect::<io::Result<_>>()
        .with_context(|| format!("cannot make temporary files in {}", out.display()))?;
    let mut findings = 0;
    decided.for_each_finding(&helpers, |at, year, d| {
        findings += 1;
        let file = &mut spilled[at.part as usize];
        serde_json::to_writer(&mut *file, &(year, d))?;
        file.write_all(b"\n")?;
        Ok(())
    })?;
    // Each part is written by a thread of its own: parts share nothing but the marks
    // and the threads that encode their row groups.
    use rayon::prelude::*;
    let jobs: Vec<(usize, &String, BufWriter<File>)> = parts
        .iter()
        .zip(spilled)
        .enumerate()
        .map(|(k, (part, spill))| (k, part, spill))
        .collect();
    jobs.into_par_iter()
        .map(|(k, part, spill)| -> Result<()> {
            let mut spill = spill.into_inner().map_err(io::IntoInnerError::into_error)?;
            spill.seek(SeekFrom::Start(0))?;
            let of_part = |at: crate::crossref::RowsAt| (at.part as usize).cmp(&k);
            let marks = &marks[range_of(&marks, |m| of_part(m.at))];
            let splits = &splits[range_of(&splits, |s| of_part(s.at))];
            let layout = Layout::ByYear {
                part: part.to_string(),
            };
            let decisions = PartDecisions { marks, splits };
            rewrite_part(
                out,
                Formats::PARQUET,
                &layout,
                part,
                decisions,
                &helpers,
                |writer| {
                    for line in BufReader::new(spill).lines() {
                        let (year, d): (Option<i32>, Diagnostic) = serde_json::from_str(&line?)?;
                        writer.write_diagnostic(year, d)?;
                    }
                    Ok(())
                },
            )
            .with_context(|| format!("cannot write part {part} of {}", out.display()))?;
            Ok(())
        })
        .collect::<Result<Vec<()>>>()?;
    Ok(Finished {
        parts: parts.len(),
        reports,
        versions: marks.len(),
        splits: splits.len(),
        findings,
    })
}
