//! cli: the command line, progress display and exit codes. The only module that prints.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::{resolve, CliSettings, PipelineFile};
use crate::pipeline::{run, Summary};
use crate::write::Table;

/// gongkai: government information disclosure annual reports → validated Parquet and CSV.
#[derive(Debug, Parser)]
#[command(name = "gongkai", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str = "Exit codes:\n  0  every report is ok\n  1  some reports are partial or failed (see diagnostics)\n  2  usage or I/O error (no input, unwritable output, bad pipeline file)";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read report files and folders, write facts, reports and diagnostics tables.
    #[command(after_help = EXIT_CODES)]
    Ingest(IngestArgs),
    /// Complete the output that `gongkai ingest --shard K/N` runs wrote into one folder,
    /// once all N are done: compare every shard's reports (versions of one report, the
    /// checks across reports) and write each part again, so the dataset is the one a
    /// single run gives.
    Finish(FinishArgs),
    /// Write a synthetic corpus of reports for benchmarks (not for analysis): varied
    /// agencies, years, layouts and encodings, numbers that keep the format's identities.
    Corpus(CorpusArgs),
    /// Write the quality report of an ingest output: one self-contained HTML page
    /// (reports by year and status, requests and outcomes, review and litigation, the
    /// agencies with the most failed checks).
    Report(ReportArgs),
    /// Run SQL over an ingest output's tables (facts, reports, diagnostics) and print the
    /// result. Needs a build with the `query` feature (`make query`).
    Query(QueryArgs),
}

/// How `gongkai query` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// An aligned table, for reading.
    Table,
    /// CSV with a header, for other programs.
    Csv,
}

/// Arguments of `gongkai query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// The output folder of `gongkai ingest` (Parquet, either layout).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The query, e.g. "SELECT year, SUM(value) FROM facts WHERE … GROUP BY year".
    #[arg(value_name = "SQL")]
    pub sql: String,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
}

/// Arguments of `gongkai finish`.
#[derive(Debug, clap::Args)]
pub struct FinishArgs {
    /// The output folder the shards wrote into (their `--out`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Arguments of `gongkai report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The output folder of `gongkai ingest` (Parquet, either layout).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The page to write [default: DIR/report.html].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Arguments of `gongkai corpus`.
#[derive(Debug, clap::Args)]
pub struct CorpusArgs {
    /// Folder to write into (DIR/YEAR/rNNNNNNN.txt).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How many reports.
    #[arg(long, default_value_t = 10_000)]
    pub count: u64,
    /// Seed: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// When to draw the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    /// On a terminal only (never in cron logs).
    Auto,
    /// Always, to stderr.
    Always,
    /// Never.
    Never,
}

/// Arguments of `gongkai ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Report files or folders (walked recursively; hidden files skipped).
    pub paths: Vec<PathBuf>,
    /// Output folder for facts, reports and diagnostics.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per core). Output is identical for any value.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// A pipeline file (TOML, see pipelines/README.md) with the same settings; command-line
    /// values override it.
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,
    /// Output formats, comma-separated: parquet, csv.
    #[arg(long, value_name = "LIST")]
    pub formats: Option<String>,
    /// Write a Hive-partitioned dataset: DIR/facts/year=2021/part-….parquet (Parquet only).
    #[arg(long, value_name = "KEY", value_parser = ["year"])]
    pub partition_by: Option<String>,
    /// Read only shard K of N (0-based; by a hash of each file's path inside its input
    /// folder). N machines with --shard 0/N … N-1/N write one partitioned dataset together.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Progress bar: auto (terminal only), always, never.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Re-read only new and changed files (by size and modification time), reusing the
    /// previous run's rows for the rest; the output is the same as a full run's. A new
    /// gongkai version or changed settings read everything.
    #[arg(long)]
    pub incremental: bool,
    /// Log format: text, or json (one object per event on stderr, for log collectors).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Parses the command line and runs; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Corpus(args) => simple(|| {
            let bytes = crate::corpus::generate(&args.out, args.count, args.seed)?;
            Ok(Some(format!(
                "wrote {} reports ({} MB) to {}",
                args.count,
                bytes / 1_000_000,
                args.out.display()
            )))
        }),
        Command::Report(args) => simple(|| {
            let out = args.out.unwrap_or_else(|| args.dir.join("report.html"));
            let q = crate::quality::write_report(&args.dir, &out)?;
            Ok(Some(format!(
                "wrote {}: {} reports, {} agencies with findings listed",
                out.display(),
                q.status_by_year.values().flatten().sum::<u64>(),
                q.agencies.len()
            )))
        }),
        Command::Query(args) => simple(|| query(&args).map(|()| None)),
        Command::Finish(args) => simple(|| {
            let done = crate::finish::finish_shards(&args.dir)?;
            Ok(Some(format!(
                "finished {}: {} parts, {} reports compared, {} other versions marked, {} rows \
                 split by the previous year's report, {} findings across reports",
                args.dir.display(),
                done.parts,
                done.reports,
                done.versions,
                done.splits,
                done.findings
            )))
        }),
        Command::Ingest(args) => {
            let log = Log {
                format: args.log_format,
                quiet: args.quiet,
            };
            match ingest(args, &log) {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    log.error(&format!("{e:#}"));
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Runs a subcommand other than `ingest`: its note (if any) on success, exit code 0; its
/// error on failure, exit code 2.
fn simple(run: impl FnOnce() -> anyhow::Result<Option<String>>) -> ExitCode {
    let log = Log {
        format: LogFormat::Text,
        quiet: false,
    };
    match run() {
        Ok(note) => {
            if let Some(note) = note {
                log.note(&note);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            log.error(&format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}

/// Runs `gongkai query` and prints its result on stdout.
#[cfg(feature = "query")]
#[allow(clippy::print_stdout)]
fn query(args: &QueryArgs) -> anyhow::Result<()> {
    let mut frame = crate::query::run(&args.dir, &args.sql)?;
    match args.format {
        QueryFormat::Csv => crate::query::write_csv(&mut frame, std::io::stdout().lock()),
        QueryFormat::Table => {
            // Every row, and whole strings: the result is what was asked for.
            for (key, value) in [("POLARS_FMT_MAX_ROWS", "-1"), ("POLARS_FMT_STR_LEN", "80")] {
                if std::env::var_os(key).is_none() {
                    std::env::set_var(key, value);
                }
            }
            println!("{frame}");
            Ok(())
        }
    }
}

/// Without the `query` feature: says how to get it.
#[cfg(not(feature = "query"))]
fn query(_: &QueryArgs) -> anyhow::Result<()> {
    anyhow::bail!(
        "this gongkai was built without the `query` feature (it brings polars, a long build): \
         run `make query`, or `cargo build --release --features query`"
    )
}

/// How run events are written: text for people, JSON lines for log collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// A one-line summary on stdout, warnings and errors on stderr.
    Text,
    /// One JSON object per event on stderr (start, progress, warning, finish, error).
    Json,
}

/// The one place that prints. Events go to stderr as JSON lines, or as text.
struct Log {
    format: LogFormat,
    quiet: bool,
}

#[allow(clippy::print_stderr, clippy::print_stdout)]
impl Log {
    fn event(&self, value: serde_json::Value) {
        eprintln!("{value}");
    }

    fn json(&self) -> bool {
        self.format == LogFormat::Json
    }

    fn start(&self, settings: &crate::config::Settings) {
        if self.json() {
            self.event(serde_json::json!({
                "event": "start",
                "version": env!("CARGO_PKG_VERSION"),
                "inputs": settings.inputs,
                "out": settings.out,
                "threads": settings.threads,
                "shard": format!("{}/{}", settings.shard.index, settings.shard.count),
            }));
        }
    }

    fn progress(&self, files: usize, secs: f64) {
        if self.json() {
            self.event(serde_json::json!({"event": "progress", "files": files, "seconds": secs}));
        }
    }

    fn warning(&self, message: &str) {
        match self.format {
            LogFormat::Json => {
                self.event(serde_json::json!({"event": "warning", "message": message}))
            }
            LogFormat::Text if !self.quiet => eprintln!("gongkai: warning: {message}"),
            LogFormat::Text => {}
        }
    }

    fn note(&self, message: &str) {
        println!("gongkai: {message}");
    }

    fn error(&self, message: &str) {
        match self.format {
            LogFormat::Json => self
                .event(serde_json::json!({"event": "error", "message": message, "exit_code": 2})),
            LogFormat::Text => eprintln!("gongkai: error: {message}"),
        }
    }

    fn finish(
        &self,
        s: &Summary,
        out: &std::path::Path,
        diagnostics: &std::path::Path,
        secs: f64,
        exit_code: u8,
    ) {
        match self.format {
            LogFormat::Json => self.event(serde_json::json!({
                "event": "finish",
                "files": s.files, "ok": s.ok, "partial": s.partial, "failed": s.failed,
                "facts": s.facts, "diagnostics": s.diagnostics,
                "reused": s.reused, "removed": s.removed, "unchanged": s.unchanged,
                "out": out, "seconds": secs, "exit_code": exit_code,
                "cpu_seconds": {
                    "walker": s.cpu.walker_ns as f64 / 1e9,
                    "workers": s.cpu.workers_ns as f64 / 1e9,
                    "writer": s.cpu.writer_ns as f64 / 1e9,
                    "helpers": s.cpu.helpers_ns as f64 / 1e9,
                },
                "serial_share": s.cpu.serial_share(),
            })),
            LogFormat::Text if !self.quiet => {
                println!("{}", summary_line(s, out, diagnostics, secs))
            }
            LogFormat::Text => {}
        }
    }
}

/// Seconds between progress events when no bar is drawn.
const PROGRESS_EVERY_SECS: f64 = 10.0;

fn ingest(args: IngestArgs, log: &Log) -> anyhow::Result<u8> {
    let file = args
        .pipeline
        .as_deref()
        .map(PipelineFile::load)
        .transpose()?;
    let settings = resolve(
        CliSettings {
            inputs: args.paths,
            out: args.out,
            threads: args.threads,
            formats: args.formats,
            partition_by: args.partition_by,
            shard: args.shard,
            incremental: args.incremental,
        },
        file,
    )?;
    let draw = match args.progress {
        Progress::Never => false,
        Progress::Always => true,
        Progress::Auto => !args.quiet && !log.json() && std::io::stderr().is_terminal(),
    };
    let target = if draw {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(
        // No total and no ETA: the walk streams, and counting the files first would walk
        // a large archive twice.
        ProgressStyle::with_template("{spinner} {pos} files  {rate}  {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            // Whole files a second (indicatif's own `{per_sec}` prints `1,925.2956/s`).
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = std::fmt::Write::write_fmt(
                        w,
                        format_args!("{} files/s", files_per_second(state.per_sec())),
                    );
                },
            ),
    );
    log.start(&settings);
    let started = Instant::now();
    let last_event = std::sync::Mutex::new(0.0f64);
    let summary = run(&settings, &|done| {
        bar.set_position(done as u64);
        let secs = started.elapsed().as_secs_f64();
        if let Ok(mut last) = last_event.lock() {
            if secs - *last >= PROGRESS_EVERY_SECS {
                *last = secs;
                log.progress(done, secs);
            }
        }
    })?;
    bar.finish_and_clear();
    for p in summary.walk_problems.iter().chain(&summary.walk_notes) {
        log.warning(p);
    }
    if let Some(reason) = &summary.full_run_reason {
        log.warning(&format!("--incremental read every file: {reason}"));
    }
    let diagnostics = settings
        .layout
        .path_of(&settings.out, Table::Diagnostics, settings.formats);
    let code = if summary.partial + summary.failed > 0 {
        1
    } else {
        0
    };
    log.finish(
        &summary,
        &settings.out,
        &diagnostics,
        started.elapsed().as_secs_f64(),
        code,
    );
    Ok(code)
}

fn summary_line(
    s: &Summary,
    out: &std::path::Path,
    diagnostics: &std::path::Path,
    secs: f64,
) -> String {
    let mut line = format!(
        "gongkai: {} files in {secs:.1}s: {} ok, {} partial, {} failed; {} facts, {} diagnostics → {}",
        s.files,
        s.ok,
        s.partial,
        s.failed,
        s.facts,
        s.diagnostics,
        out.display()
    );
    if s.unchanged {
        line.push_str("; nothing changed since the previous run, output left as it was");
    } else if s.reused + s.removed > 0 {
        let read = s.files - s.reused;
        line.push_str(&format!(
            "; incremental: {read} read, {} reused, {} removed",
            s.reused, s.removed
        ));
    }
    if s.partial + s.failed > 0 {
        line.push_str(&format!(" (see {} for what to fix)", diagnostics.display()));
    }
    line
}

/// A rate as whole files a second, digits grouped by thousands (`1,925`).
fn files_per_second(rate: f64) -> String {
    let whole = if rate.is_finite() && rate > 0.0 {
        rate.round() as u64
    } else {
        0
    };
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn ingest_arguments_parse_as_documented() {
        let cli = Cli::try_parse_from([
            "gongkai",
            "ingest",
            "a",
            "b",
            "--out",
            "o",
            "--shard",
            "1/4",
            "--formats",
            "parquet",
            "--incremental",
            "-q",
        ])
        .unwrap();
        let Command::Ingest(args) = cli.command else {
            panic!("not ingest");
        };
        assert_eq!(args.paths, [PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(args.out, Some(PathBuf::from("o")));
        assert_eq!(args.shard.as_deref(), Some("1/4"));
        assert!(args.incremental && args.quiet);
        assert_eq!(args.progress, Progress::Auto);
        // Only `year` partitions; a typo is a usage error, not a silent default.
        assert!(Cli::try_parse_from(["gongkai", "ingest", "a", "--partition-by", "yr"]).is_err());
    }

    #[test]
    fn the_summary_line_says_what_was_read_reused_and_where_to_look() {
        let (out, diagnostics) = (Path::new("out"), Path::new("out/diagnostics.csv"));
        let mut s = Summary {
            files: 5,
            ok: 4,
            partial: 1,
            facts: 985,
            diagnostics: 16,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&s, out, diagnostics, 0.04),
            "gongkai: 5 files in 0.0s: 4 ok, 1 partial, 0 failed; 985 facts, 16 diagnostics \
             → out (see out/diagnostics.csv for what to fix)"
        );
        (s.partial, s.ok, s.reused, s.removed) = (0, 5, 3, 1);
        assert!(summary_line(&s, out, diagnostics, 1.0)
            .ends_with("; incremental: 2 read, 3 reused, 1 removed"));
        s.unchanged = true;
        assert!(summary_line(&s, out, diagnostics, 1.0).ends_with("output left as it was"));
    }

    #[test]
    fn rates_are_whole_files_a_second() {
        assert_eq!(files_per_second(1925.2956), "1,925");
        assert_eq!(files_per_second(12.5), "13");
        assert_eq!(files_per_second(1_234_567.0), "1,234,567");
        assert_eq!(files_per_second(f64::NAN), "0");
    }
}
