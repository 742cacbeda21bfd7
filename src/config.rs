//! config: `pipelines/*.toml` files, and how they combine with the command line.
//!
//! Precedence is decided here and nowhere else: command line, then pipeline file, then
//! defaults. Paths in a pipeline file are relative to the file, so a cron line can run
//! from any directory. Unknown keys are errors: a misspelt setting is never silently
//! ignored.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::decode::DecodeOptions;
use crate::discover::Shard;
use crate::write::{Formats, Layout};

/// Everything a run needs, already resolved from CLI, pipeline file and defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Files and folders to read.
    pub inputs: Vec<PathBuf>,
    /// Output folder.
    pub out: PathBuf,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Which files to write.
    pub formats: Formats,
    /// PDF extraction settings.
    pub decode: DecodeOptions,
    /// One file per table, or Hive-style partitions by year.
    pub layout: Layout,
    /// The part of the corpus this run reads.
    pub shard: Shard,
    /// Reuse the previous run's rows for unchanged files.
    pub incremental: bool,
}

impl Settings {
    /// The name of this run's part of the output (its state folder, its lock).
    pub fn part(&self) -> String {
        match &self.layout {
            Layout::Single => "all".to_string(),
            Layout::ByYear { part } => part.clone(),
        }
    }
}

/// The contents of a pipeline file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PipelineFile {
    /// Format version of the file; must be 1.
    pub version: u32,
    /// Files and folders to read.
    #[serde(default)]
    pub inputs: Vec<PathBuf>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Worker threads; 0 or absent means one per core.
    pub threads: Option<usize>,
    /// Output formats: any of `parquet`, `csv`.
    pub formats: Option<Vec<String>>,
    /// Seconds one PDF may take to extract.
    pub pdf_timeout_secs: Option<u64>,
    /// Memory (address space) `pdftotext` may use for one PDF, in MiB.
    pub pdf_memory_mb: Option<u64>,
    /// The `pdftotext` program (name on PATH, or a path).
    pub pdftotext: Option<String>,
    /// `year` for a Hive-partitioned dataset.
    pub partition_by: Option<String>,
    /// Largest file read, in MiB.
    pub max_file_mb: Option<u64>,
    /// Whether scans (PDFs without text, PNG and JPEG pages) are read by OCR; default false.
    pub ocr: Option<bool>,
    /// The `tesseract` program (name on PATH, or a path).
    pub tesseract: Option<String>,
    /// tesseract's language models, e.g. `chi_sim` (the default) or `chi_sim+eng`.
    pub ocr_languages: Option<String>,
    /// Resolution a scanned PDF's pages are rendered at for OCR, in dots per inch.
    pub ocr_dpi: Option<u32>,
    /// Most pages of one scan read by OCR.
    pub ocr_max_pages: Option<usize>,
    /// Seconds OCR may take for each page.
    pub ocr_page_timeout_secs: Option<u64>,
    /// A table cell read by OCR with less confidence than this (0–1) gives no fact.
    pub ocr_min_confidence: Option<f64>,
}

impl PipelineFile {
    /// Reads and checks a pipeline file; relative paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read pipeline file {}", path.display()))?;
        let mut file: PipelineFile = toml::from_str(&text)
            .with_context(|| format!("invalid pipeline file {}", path.display()))?;
        if file.version != 1 {
            bail!(
                "pipeline file {}: version {} is not supported (expected 1)",
                path.display(),
                file.version
            );
        }
        let base = path.parent().unwrap_or(Path::new("."));
        for p in &mut file.inputs {
            *p = relative_to(base, p);
        }
        file.out = file.out.map(|o| relative_to(base, &o));
        Ok(file)
    }
}

/// `path` read relative to `base`, with `.` and `..` resolved lexically
/// (`pipelines/../data/raw` is shown as `data/raw`).
fn relative_to(base: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Settings given on the command line; `None` or empty means "not given".
#[derive(Debug, Clone, Default)]
pub struct CliSettings {
    /// Input paths.
    pub inputs: Vec<PathBuf>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Output formats, comma-separated.
    pub formats: Option<String>,
    /// `year` for a Hive-partitioned dataset.
    pub partition_by: Option<String>,
    /// `K/N`: read shard K (0-based) of N.
    pub shard: Option<String>,
    /// Reuse the previous run's rows for unchanged files.
    pub incremental: bool,
}

/// Parses `K/N` (0 ≤ K < N).
pub fn parse_shard(s: &str) -> Result<Shard> {
    let parsed = s
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((index, count)) if count > 0 && index < count => Ok(Shard { index, count }),
        _ => bail!("--shard {s:?}: expected K/N with 0 <= K < N, e.g. 0/4"),
    }
}

/// Parses `parquet,csv`.
pub fn parse_formats<S: AsRef<str>>(names: &[S]) -> Result<Formats> {
    let mut f = Formats {
        parquet: false,
        csv: false,
    };
    for name in names {
        match name.as_ref().trim() {
            "parquet" => f.parquet = true,
            "csv" => f.csv = true,
            "" => {}
            other => bail!("unknown output format {other:?}: use parquet, csv or both"),
        }
    }
    if !f.parquet && !f.csv {
        bail!("no output format given: use parquet, csv or both");
    }
    Ok(f)
}

/// Combines command line, pipeline file and defaults.
pub fn resolve(cli: CliSettings, file: Option<PipelineFile>) -> Result<Settings> {
    let file = file.unwrap_or_default();
    let inputs = if cli.inputs.is_empty() {
        file.inputs
    } else {
        cli.inputs
    };
    if inputs.is_empty() {
        bail!("no input given: name files or folders, or a --pipeline file with `inputs`");
    }
    let out = cli
        .out
        .or(file.out)
        .context("no output folder given: use --out DIR or `out` in the pipeline file")?;
    let shard = cli.shard.as_deref().map(parse_shard).transpose()?;
    let partition = match cli.partition_by.or(file.partition_by).as_deref() {
        Some("year") => true,
        Some(other) => bail!("cannot partition by {other:?}: the only partition key is year"),
        // Shards together form one partitioned dataset.
        None => shard.is_some(),
    };
    let formats = match (cli.formats, file.formats) {
        (Some(s), _) => parse_formats(&s.split(',').collect::<Vec<_>>())?,
        (None, Some(v)) => parse_formats(&v)?,
        (None, None) => Formats {
            parquet: true,
            csv: !partition,
        },
    };
    if partition && formats.csv {
        bail!("a partitioned dataset is written as Parquet only; drop csv from the formats");
    }
    let shard = shard.unwrap_or(Shard::ALL);
    let layout = if partition {
        Layout::ByYear {
            part: shard.part_name(),
        }
    } else {
        Layout::Single
    };
    let threads = cli.threads.or(file.threads).unwrap_or(0);
    let mut decode = DecodeOptions::default();
    if let Some(secs) = file.pdf_timeout_secs {
        decode.pdf_timeout = std::time::Duration::from_secs(secs);
    }
    if let Some(mb) = file.pdf_memory_mb {
        decode.pdf_memory_bytes = mb.saturating_mul(1024 * 1024);
    }
    if let Some(program) = file.pdftotext {
        decode.pdftotext = program;
    }
    if let Some(mb) = file.max_file_mb {
        decode.max_file_bytes = mb.saturating_mul(1024 * 1024);
    }
    if file.ocr == Some(true) {
        decode.ocr.tesseract = file
            .tesseract
            .unwrap_or_else(|| crate::decode::ocr::TESSERACT.to_string());
    } else if file.tesseract.is_some() {
        bail!("tesseract is set but OCR is off; add `ocr = true` to read scans");
    }
    if let Some(languages) = file.ocr_languages {
        decode.ocr.languages = languages;
    }
    if let Some(dpi) = file.ocr_dpi {
        if !(72..=1200).contains(&dpi) {
            bail!("ocr-dpi is {dpi}; give a resolution from 72 to 1200");
        }
        decode.ocr.dpi = dpi;
    }
    if let Some(pages) = file.ocr_max_pages {
        decode.ocr.max_pages = pages.max(1);
    }
    if let Some(secs) = file.ocr_page_timeout_secs {
        decode.ocr.page_timeout = std::time::Duration::from_secs(secs.max(1));
    }
    if let Some(min) = file.ocr_min_confidence {
        if !(0.0..=1.0).contains(&min) {
            bail!("ocr-min-confidence is {min}; give a number from 0 to 1");
        }
        decode.ocr.min_confidence = min;
    }
    Ok(Settings {
        inputs,
        out,
        threads,
        formats,
        decode,
        layout,
        shard,
        incremental: cli.incremental,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_overrides_file_and_paths_are_relative_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(
            &p,
            "version = 1\ninputs = [\"raw\"]\nout = \"out\"\nthreads = 3\nformats = [\"csv\"]\n",
        )
        .unwrap();
        let file = PipelineFile::load(&p).unwrap();
        let s = resolve(
            CliSettings {
                threads: Some(1),
                ..Default::default()
            },
            Some(file),
        )
        .unwrap();
        assert_eq!(s.inputs, vec![dir.path().join("raw")]);
        assert_eq!(s.out, dir.path().join("out"));
        assert_eq!(s.threads, 1);
        assert_eq!(
            s.formats,
            Formats {
                parquet: false,
                csv: true
            }
        );
    }

    #[test]
    fn shards_and_partitions() {
        assert_eq!(parse_shard("1/4").unwrap(), Shard { index: 1, count: 4 });
        for bad in ["4/4", "1", "a/b", "0/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        let cli = |shard: Option<&str>, formats: Option<&str>| CliSettings {
            inputs: vec!["x".into()],
            out: Some("o".into()),
            shard: shard.map(String::from),
            formats: formats.map(String::from),
            ..Default::default()
        };
        let s = resolve(cli(Some("2/3"), None), None).unwrap();
        assert_eq!(
            s.layout,
            Layout::ByYear {
                part: "part-2-of-3".into()
            }
        );
        assert_eq!(
            s.formats,
            Formats {
                parquet: true,
                csv: false
            }
        );
        assert!(resolve(cli(Some("0/2"), Some("csv")), None).is_err());
    }

    #[test]
    fn pipeline_paths_are_resolved_lexically() {
        assert_eq!(
            relative_to(Path::new("pipelines"), Path::new("../data/raw")),
            PathBuf::from("data/raw")
        );
        assert_eq!(
            relative_to(Path::new("/srv/p"), Path::new("../../x")),
            PathBuf::from("/x")
        );
        assert_eq!(
            relative_to(Path::new(""), Path::new(".")),
            PathBuf::from(".")
        );
        assert_eq!(
            relative_to(Path::new(".."), Path::new("../a")),
            PathBuf::from("../../a")
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, "version = 1\ninptus = []\n").unwrap();
        let err = format!("{:#}", PipelineFile::load(&p).unwrap_err());
        assert!(err.contains("inptus"), "{err}");
    }
}
