//! PDF files → text lines, by poppler's `pdftotext -layout`, run as a subprocess.
//!
//! Why poppler: its layout mode keeps table rows on one line with columns apart, which
//! the `tables` stage reads as space-aligned columns; `poppler-data` maps Chinese fonts
//! without ToUnicode tables, where the pure-Rust extractors emit U+FFFD; and a subprocess
//! keeps GPL code out of our binary and a hanging or crashing PDF out of our process. The
//! run has a time limit; a PDF with no text (a scan) is reported as needing OCR.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why a PDF gave no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// `pdftotext` is not installed.
    ExtractorMissing(String),
    /// It ran longer than allowed and was stopped.
    Timeout(Duration),
    /// It failed; the tail of its error output.
    Failed(String),
    /// It succeeded but found no text: a scanned PDF (图片版).
    NoTextLayer,
}

/// Extracts a PDF's text with its layout.
pub fn pdf_to_text(bytes: &[u8], program: &str, timeout: Duration) -> Result<String, PdfError> {
    let mut child = Command::new(program)
        .args(["-layout", "-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| PdfError::ExtractorMissing(format!("{program}: {e}")))?;
    let mut stdin = child.stdin.take();
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            // A broken pipe means pdftotext stopped reading: its exit status says why.
            let _ = s.write_all(&input);
        }
    });
    // Both pipes are drained while the program runs, or a full pipe would stall it.
    let reader = drain(child.stdout.take());
    let err_reader = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PdfError::Timeout(timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(PdfError::Failed(e.to_string())),
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        let tail: Vec<&str> = err.lines().rev().take(3).collect();
        return Err(PdfError::Failed(format!(
            "{status}: {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        )));
    }
    let text = String::from_utf8_lossy(&out).replace('\x0c', "\n");
    if text.chars().all(char::is_whitespace) {
        return Err(PdfError::NoTextLayer);
    }
    Ok(text)
}

/// Reads a pipe to its end on a thread of its own.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut out);
        }
        out
    })
}
