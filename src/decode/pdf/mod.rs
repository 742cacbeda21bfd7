//! PDF files → text lines: poppler for the text, the page's vector rulings for tables.
//!
//! poppler's `pdftotext -layout` keeps a table row on one line with its columns apart.
//! That fails on tables printed from ordinary Word tables: top-aligned cells print a
//! row's numbers on its label's first line, so lines give each row's numbers the tail of
//! the label above. So ruled tables are read by their geometry ([`rulings`] →
//! [`lattice`] → [`compose`]): the borders drawn in the content stream give the cells,
//! poppler's word boxes (`pdftotext -tsv`) fill them, and the text is the prose lines
//! and the tables as tab-separated grids, as web pages and DOCX give them. A PDF without
//! ruled tables keeps the layout text, and a table that cannot be placed with certainty
//! gives a `pdf_table_unreadable` finding and no numbers.
//!
//! Why poppler: `poppler-data` maps Chinese fonts without ToUnicode tables, where the
//! pure-Rust extractors emit U+FFFD; and a subprocess keeps GPL code out of our binary
//! and a hanging or crashing PDF out of our process. Each run has a time limit and (on
//! Linux) a memory limit (`RLIMIT_AS`), and its text output is capped; a PDF with no
//! text (a scan) is reported as needing OCR. The rulings come from `lopdf` (MIT), in
//! process: it parses the file, never renders it.

pub mod compose;
pub mod lattice;
pub mod rulings;
pub mod words;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::model::{Code, Finding};

/// Why a PDF gave no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// `pdftotext` is not installed.
    ExtractorMissing(String),
    /// It ran longer than allowed and was stopped.
    Timeout(Duration),
    /// It ran out of its memory limit, or produced more text than any report holds.
    ResourceLimit(String),
    /// It failed; the tail of its error output.
    Failed(String),
    /// It succeeded but found no text: a scanned PDF (图片版).
    NoTextLayer,
}

/// Limits on one `pdftotext` run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfLimits {
    /// Wall-clock time.
    pub timeout: Duration,
    /// Address space of the process, in bytes (Linux; ignored elsewhere).
    pub memory_bytes: u64,
    /// Most text accepted, in bytes.
    pub output_bytes: u64,
}

/// A PDF's text, and what went wrong reading its tables.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfText {
    /// The text: layout lines, and ruled tables as tab-separated grids.
    pub text: String,
    /// Tables that could not be read (`pdf_table_unreadable`).
    pub findings: Vec<Finding>,
}

/// Extracts a PDF's text: a PDF with ruled tables from poppler's word boxes, its tables
/// by their geometry; any other PDF by poppler's layout mode.
pub fn pdf_to_text(bytes: &[u8], program: &str, limits: PdfLimits) -> Result<PdfText, PdfError> {
    // A file lopdf cannot parse has no rulings here: poppler still reads its text.
    let frames: Vec<Vec<lattice::Frame>> = rulings::read(bytes)
        .unwrap_or_default()
        .iter()
        .map(|page| lattice::find_frames(&page.segments, page.width, page.height))
        .collect();
    if frames.iter().all(Vec::is_empty) {
        return layout_text(bytes, program, limits, Vec::new());
    }
    // One poppler run gives the words of every page: the table pages need their boxes,
    // and the other pages' prose lines come from the same words, so that a PDF with
    // tables costs one run, not two.
    match run(bytes, program, &["-tsv"], limits) {
        Ok(tsv) => {
            let words = words::parse_tsv(&String::from_utf8_lossy(&tsv), 1);
            if words.iter().all(Vec::is_empty) {
                return Err(PdfError::NoTextLayer);
            }
            let (pages, findings) = compose::compose(&frames, &words);
            Ok(PdfText {
                text: pages.join("\n"),
                findings,
            })
        }
        Err(e) => {
            let why = Finding::warning(
                Code::PdfTablesByLayout,
                format!(
                    "the word boxes of this PDF could not be read ({e:?}); its tables were \
                     read from the layout text"
                ),
                None,
            );
            layout_text(bytes, program, limits, vec![why])
        }
    }
}

/// The PDF's text by `pdftotext -layout`, which keeps a row's cells on one line.
fn layout_text(
    bytes: &[u8],
    program: &str,
    limits: PdfLimits,
    findings: Vec<Finding>,
) -> Result<PdfText, PdfError> {
    let layout = run(bytes, program, &["-layout"], limits)?;
    // pdftotext ends every page with a form feed.
    let text = String::from_utf8_lossy(&layout).replace('\x0c', "\n");
    if text.chars().all(char::is_whitespace) {
        return Err(PdfError::NoTextLayer);
    }
    Ok(PdfText { text, findings })
}

/// Runs `pdftotext` with `args` on the PDF, returning its standard output.
fn run(bytes: &[u8], program: &str, args: &[&str], limits: PdfLimits) -> Result<Vec<u8>, PdfError> {
    let mut all = args.to_vec();
    all.extend(["-enc", "UTF-8", "-", "-"]);
    run_program(program, &all, bytes, &[], limits)
}

/// Runs a helper program (poppler's, tesseract) with `args`, `stdin` as its input and
/// `env` added to its environment, within `limits`, returning its standard output.
pub(crate) fn run_program(
    program: &str,
    args: &[&str],
    stdin: &[u8],
    env: &[(&str, &str)],
    limits: PdfLimits,
) -> Result<Vec<u8>, PdfError> {
    let name = std::path::Path::new(program)
        .file_name()
        .map_or(program.to_string(), |n| n.to_string_lossy().into_owned());
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    limit_memory(&mut command, limits.memory_bytes);
    let mut child = command
        .spawn()
        .map_err(|e| PdfError::ExtractorMissing(format!("{program}: {e}")))?;
    let mut pipe = child.stdin.take();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(s) = pipe.as_mut() {
            // A broken pipe means the program stopped reading: its exit status says why.
            let _ = s.write_all(&input);
        }
    });
    // Both pipes are drained while the program runs, or a full pipe would stall it.
    // Reading stops one byte past the cap; the program then dies of a broken pipe.
    let reader = drain(child.stdout.take(), limits.output_bytes + 1);
    let err_reader = drain(child.stderr.take(), 1 << 20);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limits.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PdfError::Timeout(limits.timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(PdfError::Failed(e.to_string())),
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if out.len() as u64 > limits.output_bytes {
        return Err(PdfError::ResourceLimit(format!(
            "{name} produced over {} MB of text",
            limits.output_bytes / 1_000_000
        )));
    }
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        let tail: Vec<&str> = err.lines().rev().take(3).collect();
        let tail = tail.into_iter().rev().collect::<Vec<_>>().join(" / ");
        if out_of_memory(&status, &err) {
            return Err(PdfError::ResourceLimit(format!(
                "{name} ran out of its {} MB memory limit ({status}: {tail})",
                limits.memory_bytes / 1_000_000
            )));
        }
        return Err(PdfError::Failed(format!("{status}: {tail}")));
    }
    Ok(out)
}

/// Whether a failed run looks like an allocation that hit the memory limit: the messages
/// poppler (`Out of memory`), C++ (`bad_alloc`), libc and the loader (`failed to map
/// segment`: too little to even start) give, or death by the signals a
/// failed allocation ends in.
fn out_of_memory(status: &std::process::ExitStatus, stderr: &str) -> bool {
    let lower = stderr.to_lowercase();
    let said = [
        "out of memory",
        "bad_alloc",
        "cannot allocate memory",
        "failed to map segment",
        "memoryerror",
    ]
    .iter()
    .any(|m| lower.contains(m));
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        // SIGABRT (abort after a failed allocation), SIGSEGV/SIGBUS (an unchecked one).
        said || matches!(status.signal(), Some(6 | 7 | 11))
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        said
    }
}

/// Caps the child's address space, so a PDF built to exhaust memory costs only itself.
#[cfg(target_os = "linux")]
fn limit_memory(command: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: runs in the forked child before exec; setrlimit is async-signal-safe and
    // the closure touches nothing else.
    unsafe {
        command.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn limit_memory(_: &mut Command, _: u64) {}

/// Reads a pipe to its end, or to `cap` bytes, on a thread of its own.
fn drain<R: Read + Send + 'static>(pipe: Option<R>, cap: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(p) = pipe {
            let _ = p.take(cap).read_to_end(&mut out);
        }
        out
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A stand-in for `pdftotext`: a shell script that reads its input and runs `body`.
    fn fake_pdftotext(dir: &std::path::Path, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("pdftotext");
        std::fs::write(&path, format!("#!/bin/sh\ncat >/dev/null\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    const LIMITS: PdfLimits = PdfLimits {
        timeout: Duration::from_secs(10),
        memory_bytes: 1 << 30,
        output_bytes: 1000,
    };

    /// Not a PDF lopdf can parse: no rulings, so the layout path is taken.
    const NOT_RULED: &[u8] = b"%PDF-1.4 no objects";

    #[test]
    fn layout_text_has_its_page_breaks_as_line_breaks() {
        let dir = tempfile::tempdir().unwrap();
        let program = fake_pdftotext(dir.path(), r"printf 'page one\fpage two\f'");
        let text = pdf_to_text(NOT_RULED, &program, LIMITS).unwrap();
        assert_eq!(text.text, "page one\npage two\n");
        assert!(text.findings.is_empty());
    }

    #[test]
    fn each_way_pdftotext_can_fail_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let blank = fake_pdftotext(dir.path(), r"printf '\f \n\f'");
        assert_eq!(
            pdf_to_text(NOT_RULED, &blank, LIMITS),
            Err(PdfError::NoTextLayer)
        );
        let broken = fake_pdftotext(dir.path(), "echo 'Syntax Error: broken xref' >&2; exit 1");
        match pdf_to_text(NOT_RULED, &broken, LIMITS) {
            Err(PdfError::Failed(why)) => assert!(why.contains("broken xref"), "{why}"),
            other => panic!("{other:?}"),
        }
        let hungry = fake_pdftotext(dir.path(), "echo 'Out of memory' >&2; exit 1");
        assert!(matches!(
            pdf_to_text(NOT_RULED, &hungry, LIMITS),
            Err(PdfError::ResourceLimit(_))
        ));
        let verbose = fake_pdftotext(dir.path(), "head -c 5000 /dev/zero | tr '\\0' x");
        assert!(matches!(
            pdf_to_text(NOT_RULED, &verbose, LIMITS),
            Err(PdfError::ResourceLimit(_))
        ));
        let slow = fake_pdftotext(dir.path(), "sleep 5");
        let short = PdfLimits {
            timeout: Duration::from_millis(200),
            ..LIMITS
        };
        assert_eq!(
            pdf_to_text(NOT_RULED, &slow, short),
            Err(PdfError::Timeout(short.timeout))
        );
        let missing = dir.path().join("no-such-program").display().to_string();
        assert!(matches!(
            pdf_to_text(NOT_RULED, &missing, LIMITS),
            Err(PdfError::ExtractorMissing(_))
        ));
    }

    #[test]
    fn a_run_killed_by_the_signals_of_a_failed_allocation_is_out_of_memory() {
        use std::os::unix::process::ExitStatusExt;
        let abort = std::process::ExitStatus::from_raw(6);
        assert!(out_of_memory(&abort, ""));
        let exit_1 = std::process::ExitStatus::from_raw(1 << 8);
        assert!(!out_of_memory(&exit_1, "Syntax Error"));
        assert!(out_of_memory(&exit_1, "std::bad_alloc"));
    }
}
