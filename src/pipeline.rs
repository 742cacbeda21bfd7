//! pipeline: a whole run: every file through `extract` in parallel, written in walk order.
//!
//! ```text
//! discover ─► bytes + sha256 ─► decode ─► segment ─► tables ─► map ─► validate ─► write
//! ```
//!
//! The walk hands files one by one to worker threads on a rayon pool; each worker reads a
//! file and prepares its rows for writing (Arrow batches, CSV lines, the compressed state,
//! the cross-report summary). One thread writes the results in walk order, whatever order
//! they finish in, so the output is the same for any thread count; a window of credits
//! bounds the files in flight. A panic while reading one file becomes that file's
//! `failed` row with `internal_error`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};

use anyhow::{Context, Result};

use crate::commit::Staging;
use crate::config::Settings;
use crate::cpu::{thread_cpu_ns, Helpers};
use crate::crossref::{CrossIndex, Decided, EncodedSummary, ReportSummary};
use crate::decode::DecodeOptions;
use crate::discover::{first_missing, walk, Found};
use crate::extract::{panic_message, process_path_with};
use crate::finish::{self, summaries_path};
use crate::incremental::{Entry, FileStat, Meta, Recounted, StateReader, StateRows, StateWriter};
use crate::model::{DocResult, Status};
use crate::write::{CsvRows, OutputLock, OutputWriter, Prepared, Preparer};

/// Everything that must match for a previous run's rows to be reused.
fn state_meta(settings: &Settings) -> Meta {
    Meta {
        version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version: crate::write::SCHEMA_VERSION.to_string(),
        state_version: crate::incremental::STATE_VERSION,
        settings: format!(
            "inputs={:?} formats={:?} layout={:?} shard={:?} decode={:?}",
            settings.inputs, settings.formats, settings.layout, settings.shard, settings.decode
        ),
        facts_csv: None,
        facts_parquet: None,
        rewritten: Vec::new(),
        recounted: Default::default(),
    }
}

/// Counts for the closing summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input files read.
    pub files: usize,
    /// Reports with status `ok`.
    pub ok: usize,
    /// Reports with status `partial`.
    pub partial: usize,
    /// Reports with status `failed`.
    pub failed: usize,
    /// Facts written.
    pub facts: usize,
    /// Diagnostics written.
    pub diagnostics: usize,
    /// Problems met while walking the inputs (not tied to a file).
    pub walk_problems: Vec<String>,
    /// What the walk left out on purpose (output folders, files met twice), said once.
    pub walk_notes: Vec<String>,
    /// Reports whose rows were reused from the previous run (`--incremental`).
    pub reused: usize,
    /// Files of the previous run that are gone.
    pub removed: usize,
    /// Nothing changed since the previous run: the output was left as it was.
    pub unchanged: bool,
    /// Why an incremental run had to read everything, if it did.
    pub full_run_reason: Option<String>,
    /// CPU time the run's threads spent, by job.
    pub cpu: CpuTime,
}

/// CPU time of a run, in nanoseconds, by job: the walker and the writer are one thread
/// each, so their share of the whole is the part of the run more cores cannot speed up.
/// Zero where the system cannot say (outside Linux).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// The thread that walks the inputs and hands out the files.
    pub walker_ns: u64,
    /// The worker threads together: reading files, preparing their rows.
    pub workers_ns: u64,
    /// The thread that writes the rows in walk order, then the serial part of the checks
    /// across reports (and the patch of the output where they changed reports).
    pub writer_ns: u64,
    /// The helper threads: encoding Parquet row groups and running the checks across
    /// reports, in parallel.
    pub helpers_ns: u64,
}

impl CpuTime {
    /// The walker's and the writer's share of the run's CPU time (0 where unknown).
    pub fn serial_share(&self) -> f64 {
        let all = self.walker_ns + self.workers_ns + self.writer_ns + self.helpers_ns;
        if all == 0 {
            return 0.0;
        }
        (self.walker_ns + self.writer_ns) as f64 / all as f64
    }
}

/// Files in flight per thread (taken but not yet written): enough to keep the workers
/// busy behind a slow file, few enough that results waiting for the writer stay small.
const WINDOW_PER_THREAD: usize = 32;

/// Files a credit stands for, and most results a worker sends to the writer in one
/// message: handing over each file alone would wake a sleeping thread three times per
/// file (walker, worker, writer), a context switch each.
const HANDOFF_FILES: usize = 8;

/// One file done: its manifest entry, its rows ready to write (output and state), and its
/// summary for the checks across reports. Made by the worker that read it, in parallel,
/// so that the one writer thread only appends.
struct Done {
    entry: Entry,
    prepared: Prepared,
    state: StateRows,
    summary: Option<EncodedSummary>,
}

impl Done {
    /// Does one job. A panic here (a bug: reading a file has its own guard, in [`crate::extract`])
    /// becomes an error that stops the run; unhandled, it would leave the writer waiting
    /// for this file forever.
    fn of((number, job): (u64, Job), settings: &Settings, preparer: &Preparer) -> Result<Done> {
        catch_unwind(AssertUnwindSafe(|| {
            let (entry, doc) = match job {
                Job::Read { root, path, stat } => read_job(root, &path, stat, &settings.decode),
                Job::Reuse(reused) => *reused,
            };
            let mut prepared = preparer.prepare(&doc)?;
            let state = StateRows::of(&entry, &prepared.csv, preparer.state_keeps_facts())?;
            if !settings.formats.csv {
                // Rendered for the state alone: freed by the worker that made them, not
                // by the writer thread.
                prepared.csv = CsvRows::default();
            }
            Ok(Done {
                state,
                summary: ReportSummary::of(&doc, entry.root).map(|s| s.encoded(number as u32)),
                entry,
                prepared,
            })
        }))
        .unwrap_or_else(|panic| {
            Err(anyhow::anyhow!(
                "gongkai failed while preparing a report for writing ({}); please report it",
                panic_message(&*panic)
            ))
        })
    }
}

/// What to do with one file of the walk.
enum Job {
    /// Read it (`stat`: its size and time, if the walk looked; the worker does if not).
    Read {
        root: usize,
        path: PathBuf,
        stat: Option<FileStat>,
    },
    /// Reuse the previous run's rows (unchanged file).
    Reuse(Box<(Entry, DocResult)>),
}

fn read_job(
    root: usize,
    path: &Path,
    stat: Option<FileStat>,
    options: &DecodeOptions,
) -> (Entry, DocResult) {
    // Before the file is read: a file changed while it is read is read again next time.
    let stat = stat.or_else(|| FileStat::of(path));
    let doc = process_path_with(path, options);
    let stat = stat.unwrap_or(FileStat {
        size: doc.report.bytes as u64,
        mtime_ns: 0,
    });
    (Entry::new(root, path, stat, &doc), doc)
}

/// Runs the whole job. `progress` is called after each file with the number done.
pub fn run(settings: &Settings, progress: &(dyn Fn(usize) + Sync)) -> Result<Summary> {
    if let Some(missing) = first_missing(&settings.inputs) {
        anyhow::bail!("input {} does not exist", missing.display());
    }
    let _lock = OutputLock::acquire(&settings.out, &settings.layout)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .thread_name(|i| format!("gongkai-worker-{i}"))
        .build()
        .context("cannot start worker threads")?;
    let helpers =
        Helpers::new(pool.current_num_threads()).context("cannot start helper threads")?;
    let part = settings.part();
    let meta = state_meta(settings);
    let mut summary = Summary::default();
    let mut previous: Option<StateReader> = None;
    if settings.incremental {
        match StateReader::open(&settings.out, &part, &meta) {
            Ok(_)
                if !settings
                    .layout
                    .outputs_exist(&settings.out, settings.formats) =>
            {
                summary.full_run_reason = Some("the previous output files are missing".to_string());
            }
            Ok(reader) => previous = Some(reader),
            Err(reason) => summary.full_run_reason = Some(reason),
        }
    }
    let window = WINDOW_PER_THREAD * pool.current_num_threads().max(1);
    // The pool's threads read files as they come; one thread writes the results in input
    // order. Writers are created at the first file, so a run that finds nothing (or
    // nothing changed) leaves the output untouched.
    let (done_sender, done_receiver) =
        std::sync::mpsc::sync_channel::<Vec<(u64, Result<Done>)>>(window.div_ceil(HANDOFF_FILES));
    let (credits, credit) = credits(window.div_ceil(HANDOFF_FILES));
    let (walked, written) = std::thread::scope(|scope| {
        let (part, meta, helpers) = (&part, &meta, &helpers);
        // Named, as the pool's threads are, so that a profile tells them apart.
        let writer = std::thread::Builder::new()
            .name("gongkai-writer".to_string())
            .spawn_scoped(scope, move || {
                write_in_order(
                    settings,
                    (part, meta, helpers),
                    done_receiver,
                    credits,
                    progress,
                )
            })
            .context("cannot start the writer thread")?;
        let walked = read_all(
            settings,
            &pool,
            previous.as_mut(),
            &mut summary,
            done_sender,
            credit,
        );
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the writer thread panicked")));
        anyhow::Ok((walked, written))
    })?;
    let writing = || format!("cannot write the output to {}", settings.out.display());
    // A write error explains a failed send, so it is reported first.
    let (writers, tally, across) = written.with_context(writing)?;
    let walked = walked?;
    if walked.files_found == 0 {
        let shown: Vec<String> = settings
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        anyhow::bail!("no input files found in {}", shown.join(", "));
    }
    if let Some(unchanged) = walked.unchanged {
        // Every file is as the previous run left it: the output stays as it is.
        summary.unchanged = true;
        summary.reused = unchanged.reused;
        summary.add_tally(&unchanged);
        return Ok(summary);
    }
    summary.add_tally(&tally);
    // A shard may hold no file of a small corpus: it writes nothing and clears its parts.
    let (out, state, staging) = match writers {
        Some(w) => w,
        None => open_writers(settings, (&part, &meta, &helpers)).with_context(writing)?,
    };
    let mut written = out.finish().with_context(writing)?;
    let facts_file = settings
        .layout
        .facts_file(settings.formats)
        .map(|name| staging.dir().join(name));
    state.finish(facts_file.as_deref()).with_context(writing)?;
    match across {
        Across::Written => {}
        Across::Patch(decided) => {
            let started = thread_cpu_ns();
            let recounted = finish::patch_one(
                staging.dir(),
                settings.formats,
                &settings.layout,
                &part,
                (decided, &mut written),
                (&settings.decode, &helpers),
            )
            .with_context(writing)?;
            // The summary counts what the output holds: not other versions' facts, and
            // the rows split by the previous year's report.
            summary.recount(recounted);
            // Serial work like the writer's: counted with it.
            summary.cpu.writer_ns += thread_cpu_ns().saturating_sub(started);
        }
        Across::Save(cross) => {
            let mut cross = match cross {
                Some(index) => index,
                None => CrossIndex::create_in(staging.dir()).with_context(writing)?,
            };
            cross
                .save(&summaries_path(staging.dir(), &part))
                .with_context(writing)?;
        }
    }
    staging.commit().with_context(writing)?;
    summary.cpu.helpers_ns = helpers.cpu_ns();
    Ok(summary)
}

/// What the walk found: how many input files (in every shard), and, when every file is
/// as the previous run left it, that run's counts (nothing was handed to the workers).
struct Walked {
    files_found: usize,
    unchanged: Option<Summary>,
}

/// A bounded supply of credits, each for [`HANDOFF_FILES`] files: one is taken before
/// that many files are handed to the workers and given back once that many are written,
/// so at most `window` credits' worth of files are between the oldest not yet written and
/// the newest taken, however slow one file is.
fn credits(window: usize) -> (SyncSender<()>, Receiver<()>) {
    let (give, take) = std::sync::mpsc::sync_channel(window);
    for _ in 0..window {
        let _ = give.send(());
    }
    (give, take)
}

/// Numbers the jobs in walk order and hands them to the workers as credits allow.
struct Handout<'a> {
    jobs: std::sync::mpsc::Sender<(u64, Job)>,
    credit: &'a Receiver<()>,
    number: u64,
}

impl Handout<'_> {
    /// Hands out one job; `false` when the writer has stopped (on an error it reports).
    fn send(&mut self, job: Job) -> bool {
        let needs_credit = self.number.is_multiple_of(HANDOFF_FILES as u64);
        if (needs_credit && self.credit.recv().is_err())
            || self.jobs.send((self.number, job)).is_err()
        {
            return false;
        }
        self.number += 1;
        true
    }
}

/// Walks the inputs, once, and hands each file (to read, or to reuse) to the pool's
/// threads as soon as a credit allows; they send what they made, numbered in walk order,
/// to the writer.
///
/// In an incremental run, files are first compared with the previous run's manifest
/// alone; only at the first change are the files before it handed out (their rows
/// reused), so a run where nothing changed reads and writes nothing.
fn read_all(
    settings: &Settings,
    pool: &rayon::ThreadPool,
    mut previous: Option<&mut StateReader>,
    summary: &mut Summary,
    done: SyncSender<Vec<(u64, Result<Done>)>>,
    credit: Receiver<()>,
) -> Result<Walked> {
    let preparer = Preparer::new(settings.formats, &settings.layout);
    let (job_sender, job_receiver) = std::sync::mpsc::channel::<(u64, Job)>();
    let jobs = std::sync::Mutex::new(job_receiver);
    let walker_started = thread_cpu_ns();
    let workers_ns = std::sync::atomic::AtomicU64::new(0);
    let work = || {
        let started = thread_cpu_ns();
        work_through(&jobs, &done, |numbered| {
            Done::of(numbered, settings, &preparer)
        });
        let spent = thread_cpu_ns().saturating_sub(started);
        workers_ns.fetch_add(spent, std::sync::atomic::Ordering::Relaxed);
    };
    let walked = pool.in_place_scope(|scope| {
        for _ in 0..pool.current_num_threads() {
            scope.spawn(|_| work());
        }
        let mut handout = Handout {
            jobs: job_sender,
            credit: &credit,
            number: 0,
        };
        // The counts of the files met unchanged before the first change, while none.
        let mut unchanged: Option<Summary> = previous.is_some().then(Summary::default);
        let mut files = walk(&settings.inputs, &settings.out, settings.shard);
        for found in files.by_ref() {
            let (root, path) = match found {
                Found::File { root, path, .. } => (root, path),
                Found::Problem(p) => {
                    summary.walk_problems.push(p);
                    continue;
                }
                Found::Skipped(note) => {
                    summary.walk_notes.push(note);
                    continue;
                }
            };
            let Some(prev) = previous.as_deref_mut() else {
                // Nothing to compare with: the worker looks at the file's size and time.
                let stat = None;
                if !handout.send(Job::Read { root, path, stat }) {
                    break; // The writer stopped on an error.
                }
                continue;
            };
            let stat = FileStat::of(&path);
            if let Some(so_far) = unchanged.as_mut() {
                let entry = prev.next_ahead()?;
                let same = entry.as_ref().is_some_and(|e| {
                    e.key_cmp(root, &path) == std::cmp::Ordering::Equal
                        && stat.is_some_and(|s| e.unchanged(s))
                });
                if let (true, Some(e)) = (same, entry) {
                    so_far.reused += 1;
                    so_far.tally(e.status, e.facts as usize, e.diagnostics as usize);
                    continue;
                }
                // The first change: the files before it are reused.
                let before = so_far.reused;
                unchanged = None;
                prev.stop_ahead();
                if !reuse_unchanged(prev, before, &mut handout, summary)? {
                    break;
                }
            }
            if !handout.send(next_job(prev, root, path, stat, summary)?) {
                break;
            }
        }
        let files_found = files.files_found();
        if let (Some(so_far), Some(prev)) = (unchanged.as_ref(), previous.as_deref_mut()) {
            if prev.next_ahead()?.is_none() {
                // The output holds what the previous run's summary said, not its manifest.
                let mut counts = so_far.clone();
                counts.recount(prev.recounted());
                return Ok(Walked {
                    files_found,
                    unchanged: Some(counts),
                });
            }
            // The previous run had more files: some are gone.
            prev.stop_ahead();
            reuse_unchanged(prev, so_far.reused, &mut handout, summary)?;
        }
        drop(handout);
        if let Some(prev) = previous {
            while prev.take(false)?.is_some() {
                summary.removed += 1;
            }
        }
        summary.cpu.walker_ns = thread_cpu_ns().saturating_sub(walker_started);
        Ok(Walked {
            files_found,
            unchanged: None,
        })
    });
    summary.cpu.workers_ns = workers_ns.into_inner();
    walked
}

/// Hands out the first `count` files of the previous run's state for reuse (the files
/// met unchanged before the first change). `false` when the writer has stopped.
fn reuse_unchanged(
    prev: &mut StateReader,
    count: usize,
    handout: &mut Handout,
    summary: &mut Summary,
) -> Result<bool> {
    for _ in 0..count {
        let job = match prev.take(true)? {
            Some((entry, Some(doc))) => {
                summary.reused += 1;
                Job::Reuse(Box::new((entry, doc)))
            }
            // Another version, whose facts the output left out: read again.
            Some((entry, None)) => Job::Read {
                root: entry.root,
                stat: Some(FileStat {
                    size: entry.size,
                    mtime_ns: entry.mtime_ns,
                }),
                path: PathBuf::from(entry.path),
            },
            None => anyhow::bail!("state: the manifest ended before the files it listed"),
        };
        if !handout.send(job) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One worker's loop: takes numbered jobs until there are no more, and sends what
/// `process` makes of them to the writer. Jobs are taken one at a time, so that a few slow
/// files spread over the workers; results go to the writer [`HANDOFF_FILES`] at a time, or
/// as soon as no job is at hand. A worker holding results never waits, for the lock or for
/// a job: the writer may be waiting for one of them, the walker for the writer, and the
/// worker that has the lock for the walker.
fn work_through<J, R>(
    jobs: &std::sync::Mutex<Receiver<(u64, J)>>,
    done: &SyncSender<Vec<(u64, R)>>,
    mut process: impl FnMut((u64, J)) -> R,
) {
    let mut results: Vec<(u64, R)> = Vec::with_capacity(HANDOFF_FILES);
    loop {
        // The lock is held only to take the next job.
        let next = if results.is_empty() {
            match jobs.lock().map(|receiver| receiver.recv()) {
                Ok(Ok(job)) => Some(job),
                _ => return,
            }
        } else {
            // Busy: another worker is taking a job, or waiting for one.
            jobs.try_lock()
                .ok()
                .and_then(|receiver| receiver.try_recv().ok())
        };
        if let Some((number, job)) = next {
            results.push((number, process((number, job))));
            if results.len() < HANDOFF_FILES {
                continue;
            }
        }
        if done.send(std::mem::take(&mut results)).is_err() {
            return; // The writer stopped on an error, which the caller reports.
        }
    }
}

/// Writes the workers' results in walk order as they arrive, gives a credit back for
/// every [`HANDOFF_FILES`] written, and then the checks across reports. Returns the writers (still to finish) and
/// the counts of what was written.
fn write_in_order(
    settings: &Settings,
    opening: Opening<'_>,
    done: Receiver<Vec<(u64, Result<Done>)>>,
    credits: SyncSender<()>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(Option<Writers>, Summary, Across)> {
    let mut writers: Option<Writers> = None;
    let mut tally = Summary::default();
    // Summaries for the checks across reports, made once all are read.
    let mut cross: Option<CrossIndex> = None;
    // Results that came before an earlier file's: at most the credits' window.
    let mut waiting: std::collections::BTreeMap<u64, Result<Done>> = Default::default();
    let mut next = 0u64;
    for results in done {
        waiting.extend(results);
        while let Some(result) = waiting.remove(&next) {
            let (out, state, staging) = match writers.as_mut() {
                Some(w) => w,
                None => writers.insert(open_writers(settings, opening)?),
            };
            let cross = match cross.as_mut() {
                Some(index) => index,
                None => cross.insert(CrossIndex::create_in(staging.dir()).with_context(|| {
                    format!(
                        "cannot create the cross-report index's temporary files in {}",
                        staging.dir().display()
                    )
                })?),
            };
            let Done {
                entry,
                prepared,
                state: state_rows,
                summary,
            } = result?;
            state.write(&state_rows)?;
            cross
                .push(summary)
                .context("cannot write the cross-report index's temporary file")?;
            out.write(prepared)?;
            tally.tally(
                entry.status,
                entry.facts as usize,
                entry.diagnostics as usize,
            );
            progress(tally.files);
            next += 1;
            if next.is_multiple_of(HANDOFF_FILES as u64) {
                let _ = credits.send(());
            }
        }
    }
    let across = match (writers.as_mut(), cross) {
        // A shard keeps its summaries for `gongkai finish`, which compares all shards'.
        (_, cross) if settings.shard.count > 1 => Across::Save(cross),
        (Some((out, ..)), Some(cross)) => {
            let decided = cross.decide(opening.2)?;
            if decided.changes_nothing() {
                decided.for_each_finding(opening.2, |_, year, d| out.write_diagnostic(year, d))?;
                Across::Written
            } else {
                Across::Patch(decided)
            }
        }
        _ => Across::Written,
    };
    tally.cpu.writer_ns = thread_cpu_ns();
    Ok((writers, tally, across))
}

/// What is left of the checks across reports once every report's rows are written.
enum Across {
    /// Nothing: the findings are written.
    Written,
    /// Versions were found or rows split: the output is patched with them
    /// ([`finish::patch_one`]), then the findings.
    Patch(Decided),
    /// A shard's summaries, to be saved for `gongkai finish` (`None`: the shard read no
    /// file).
    Save(Option<CrossIndex>),
}

/// The table writers, the state writer, and the folder they write into.
type Writers = (OutputWriter, StateWriter, Staging);

/// What opening the writers takes besides the settings: the part's name, the state's
/// meta, and the threads that encode Parquet row groups.
type Opening<'a> = (&'a str, &'a Meta, &'a Helpers);

fn open_writers(settings: &Settings, (part, meta, helpers): Opening<'_>) -> Result<Writers> {
    // Shards share the folder with other processes: they cannot swap it whole.
    let swap = settings.shard.count == 1;
    let staging = Staging::begin(&settings.out, &settings.layout, part, swap)?;
    Ok((
        OutputWriter::create(staging.dir(), settings.formats, &settings.layout, helpers)?,
        StateWriter::create(staging.dir(), part, meta.clone(), helpers)?,
        staging,
    ))
}

/// Decides, against the previous run's manifest, whether a file is read or reused;
/// entries of files that are gone are dropped on the way.
fn next_job(
    prev: &mut StateReader,
    root: usize,
    path: PathBuf,
    stat: Option<FileStat>,
    summary: &mut Summary,
) -> Result<Job> {
    while prev
        .peek()?
        .is_some_and(|e| e.key_cmp(root, &path) == std::cmp::Ordering::Less)
    {
        prev.take(false)?;
        summary.removed += 1;
    }
    let same = prev
        .peek()?
        .is_some_and(|e| e.key_cmp(root, &path) == std::cmp::Ordering::Equal);
    if !same {
        return Ok(Job::Read { root, path, stat });
    }
    let unchanged =
        stat.is_some_and(|s| prev.peek().ok().flatten().is_some_and(|e| e.unchanged(s)));
    match prev.take(unchanged)? {
        Some((entry, Some(doc))) => {
            summary.reused += 1;
            Ok(Job::Reuse(Box::new((entry, doc))))
        }
        _ => Ok(Job::Read { root, path, stat }),
    }
}

impl Summary {
    /// Counts what a rewritten output holds instead of what its reports gave when read.
    fn recount(&mut self, recounted: Recounted) {
        self.facts = self.facts + recounted.facts_added - recounted.facts_left_out;
        self.ok += recounted.now_ok;
        self.partial -= recounted.now_ok;
    }

    /// Adds the counts of reports another summary tallied.
    fn add_tally(&mut self, other: &Summary) {
        self.files += other.files;
        self.ok += other.ok;
        self.partial += other.partial;
        self.failed += other.failed;
        self.facts += other.facts;
        self.diagnostics += other.diagnostics;
        self.cpu.writer_ns += other.cpu.writer_ns;
    }

    /// Adds one report to the counts.
    fn tally(&mut self, status: Status, facts: usize, diagnostics: usize) {
        self.files += 1;
        match status {
            Status::Ok => self.ok += 1,
            Status::Partial => self.partial += 1,
            Status::Failed => self.failed += 1,
        }
        self.facts += facts;
        self.diagnostics += diagnostics;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worker that holds a result and finds the job queue locked (another worker is
    /// waiting there for the walker) sends the result instead of waiting for the lock.
    #[test]
    fn a_worker_holding_results_sends_them_rather_than_wait_for_the_lock() {
        use std::sync::{mpsc, Arc, Barrier, Mutex};
        use std::time::Duration;
        let (job_sender, job_receiver) = mpsc::channel::<(u64, u32)>();
        let jobs = Arc::new(Mutex::new(job_receiver));
        let (done_sender, done_receiver) = mpsc::sync_channel::<Vec<(u64, u32)>>(4);
        let (taken, locked) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
        let worker = {
            let (jobs, taken, locked) = (jobs.clone(), taken.clone(), locked.clone());
            std::thread::spawn(move || {
                work_through(&jobs, &done_sender, |(_, job)| {
                    // The first job is taken: let the test lock the queue, then go on.
                    taken.wait();
                    locked.wait();
                    job * 10
                })
            })
        };
        job_sender.send((0, 7)).unwrap();
        taken.wait();
        let guard = jobs.lock().unwrap();
        locked.wait();
        let sent = done_receiver.recv_timeout(Duration::from_secs(10));
        drop(guard);
        assert_eq!(
            sent.ok(),
            Some(vec![(0, 70)]),
            "the worker waited for the lock"
        );
        drop(job_sender);
        worker.join().unwrap();
    }
}
