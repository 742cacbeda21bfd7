//! extract: one report file → its rows (`reports`, `facts`, `diagnostics`).
//!
//! ```text
//! bytes ─► decode ─► segment ─► tables ─► map ─► validate ─► DocResult
//! ```
//!
//! Runs every stage on one file, in the worker that read it. No panic escapes: a bug
//! met while reading one file becomes that file's `failed` row with `internal_error`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::decode::ocr::CellConfidence;
use crate::decode::{decode_in, Content, DecodeOptions, Decoded};
use crate::map::{map_table_with, Labels, Mapped};
use crate::model::{Code, Diagnostic, DocResult, Fact, Finding, OpenSplit, Report};
use crate::prose::ProseTraces;
use crate::segment::{segment, unflatten};
use crate::tables::recover_rows;
use crate::validate::{validate, Input};

/// First 16 hex digits of the SHA-256 of a file's bytes.
pub fn report_id(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Reads one report's bytes into its result, with default decode settings.
pub fn process_bytes(source_path: &str, bytes: &[u8]) -> DocResult {
    process_bytes_with(source_path, bytes, &DecodeOptions::default())
}

/// Reads one report's bytes into its result. No file I/O (a PDF runs `pdftotext`); no
/// panic escapes.
pub fn process_bytes_with(source_path: &str, bytes: &[u8], options: &DecodeOptions) -> DocResult {
    process_bytes_in(source_path, bytes, None, options)
}

/// Reads one report's bytes into its result, the file being in `folder` (where a web
/// page's pictures of its report pages are: see [`decode_in`]).
fn process_bytes_in(
    source_path: &str,
    bytes: &[u8],
    folder: Option<&Path>,
    options: &DecodeOptions,
) -> DocResult {
    let id = report_id(bytes);
    caught(&id, source_path, bytes.len(), || {
        extract_report(&id, source_path, bytes, folder, options)
    })
}

/// Runs one file's processing; a panic (a bug) becomes that file's `failed` row with
/// `internal_error`, so one bad file cannot stop the run.
fn caught(
    id: &str,
    source_path: &str,
    size: usize,
    process: impl FnOnce() -> DocResult,
) -> DocResult {
    match catch_unwind(AssertUnwindSafe(process)) {
        Ok(doc) => doc,
        Err(panic) => {
            let what = panic_message(&*panic);
            let finding = Finding::error(
                Code::InternalError,
                format!(
                    "gongkai failed on this file ({what}); please report it with the file attached"
                ),
                None,
            );
            DocResult::failed(id, source_path, size, finding)
        }
    }
}

/// The text a panic was raised with.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Reads one file from disk with default decode settings.
pub fn process_path(path: &Path) -> DocResult {
    process_path_with(path, &DecodeOptions::default())
}

/// Reads one file from disk; an unreadable file becomes a `failed` result.
/// A file larger than `options.max_file_bytes` is `failed` with `too_large` without being
/// read (at most one byte past the limit is, when the size on disk was not to be trusted).
/// A file that cannot be read at all gets, as its report id, the hash of its path.
pub fn process_path_with(path: &Path, options: &DecodeOptions) -> DocResult {
    let shown = path.display().to_string();
    let limit = options.max_file_bytes;
    let too_large = |size: u64| {
        Finding::error(
            Code::TooLarge,
            format!(
                "the file is {} MB, over the {} MB limit for one report (`max-file-mb` in the \
                 pipeline file); it was not read",
                size / 1_000_000,
                limit / 1_000_000
            ),
            None,
        )
    };
    let unreadable = |e: std::io::Error| {
        Finding::error(
            Code::UnreadableFile,
            format!("cannot read the file: {e}; check its permissions"),
            None,
        )
    };
    let by_path = report_id(shown.as_bytes());
    // One open, one fstat, one read into a buffer of the right size.
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return DocResult::failed(&by_path, &shown, 0, unreadable(e)),
    };
    let size = match file.metadata() {
        Ok(m) if m.len() > limit => {
            return DocResult::failed(&by_path, &shown, m.len() as usize, too_large(m.len()))
        }
        Ok(m) => m.len(),
        Err(e) => return DocResult::failed(&by_path, &shown, 0, unreadable(e)),
    };
    let mut bytes = Vec::with_capacity(size as usize + 1);
    let read =
        std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, limit + 1), &mut bytes);
    match read {
        Err(e) => DocResult::failed(&by_path, &shown, 0, unreadable(e)),
        Ok(n) if n as u64 > limit => DocResult::failed(&by_path, &shown, n, too_large(n as u64)),
        Ok(_) => process_bytes_in(&shown, &bytes, path.parent(), options),
    }
}

/// Every stage on one report's bytes (`id`: its report id).
fn extract_report(
    id: &str,
    source_path: &str,
    bytes: &[u8],
    folder: Option<&Path>,
    options: &DecodeOptions,
) -> DocResult {
    let mut decoded = match decode_in(bytes, folder, options) {
        Content::Text(d) => d,
        Content::Unreadable(finding) => {
            return DocResult::failed(id, source_path, bytes.len(), finding)
        }
    };
    // Whatever the text turns out to be (a report or not), the pictures it was read with
    // are recorded: a run reads it again when one of them changes.
    let pictures = std::mem::take(&mut decoded.pictures);
    let mut doc = extract_decoded(id, source_path, bytes.len(), decoded, options);
    doc.pictures = pictures;
    doc
}

/// The stages after decoding, on a report's text (`size`: its file's bytes).
fn extract_decoded(
    id: &str,
    source_path: &str,
    size: usize,
    decoded: Decoded,
    options: &DecodeOptions,
) -> DocResult {
    let text = decoded.text.as_str();
    let unflattened: String;
    let mut seg = segment(text);
    if seg.has_flattened_line() {
        // A crawler flattened the report onto one line: cut it at its parts, read again.
        unflattened = unflatten(text);
        seg = segment(&unflattened);
    }
    let mut findings: Vec<Finding> = decoded.findings;
    if seg.metadata.title.is_none() && seg.tables.is_empty() {
        let finding = Finding::error(
            Code::NotAReport,
            "no report title (…政府信息公开工作年度报告) and no statistics table found; this text \
             does not look like an annual disclosure report",
            None,
        );
        let mut doc = DocResult::failed(id, source_path, size, finding);
        doc.report.format = Some(decoded.format.code().to_string());
        doc.report.encoding = decoded.encoding.map(str::to_string);
        doc.diagnostics.splice(
            0..0,
            findings
                .into_iter()
                .map(|f| Diagnostic::of(id, source_path, f)),
        );
        return doc;
    }
    findings.extend(seg.findings.iter().cloned());
    let mut mapped = Mapped::default();
    for region in &seg.tables {
        let mut lines = region.lines.clone();
        // A text that stops inside a table, in the middle of a line, was cut off: its last
        // line may hold half a number (`6` of `67`), so it is not read.
        if lines.end == seg.lines.len() && !text.ends_with('\n') && lines.len() > 1 {
            lines.end -= 1;
            findings.push(Finding::warning(
                Code::Truncated,
                format!(
                    "the text ends inside table {} without a line break, so it was probably cut \
                     off; its last line is not read",
                    region.section.name_zh()
                ),
                Some(lines.end as i32 + 1),
            ));
        }
        let rows = recover_rows(&seg.lines[lines.clone()], lines.start + 1);
        let labels = match decoded.ocr {
            Some(_) => Labels::ReadByOcr,
            None => Labels::AsPrinted,
        };
        map_table_with(region.section, &rows, labels, &mut mapped);
    }
    if let Some(sure) = &decoded.ocr {
        mark_ocr(&mut mapped, sure, &seg.lines, options.ocr.min_confidence);
    }
    let template = mapped.template();
    let meta = &seg.metadata;
    findings.append(&mut mapped.findings);
    // The lines outside the tables, as written and as label keys (for word matching).
    // The portal's header block is the site's, not the agency's: it is neither compared
    // across reports nor checked for the agency's words.
    let prose_lines: Vec<usize> = (0..seg.lines.len())
        .filter(|i| {
            !seg.tables.iter().any(|t| t.lines.contains(i)) && !meta.portal.lines.contains(i)
        })
        .collect();
    let prose: Vec<(i32, &str)> = prose_lines
        .iter()
        .map(|&i| (i as i32 + 1, seg.lines[i]))
        .collect();
    let prose_keys: Vec<(i32, &str)> = prose_lines
        .iter()
        .map(|&i| (i as i32 + 1, seg.keys[i].as_str()))
        .collect();
    // What the agency wrote: after its title, up to its signature's date (a web page's
    // menus above and footers below are the site's).
    let after_title = meta.title_line.unwrap_or(0);
    let to_signature = meta.issued_line.unwrap_or(i32::MAX);
    let own: Vec<(i32, &str)> = prose
        .iter()
        .filter(|(line, _)| *line > after_title && *line <= to_signature)
        .copied()
        .collect();
    let traces = ProseTraces::of(&own);
    findings.extend(validate(&Input {
        mapped: &mapped,
        template,
        metadata: meta,
        prose: &prose,
        prose_keys: &prose_keys,
        prose_compared: traces.sketch.signature.is_some(),
    }));
    let report = Report {
        agency: meta.agency.clone(),
        year: meta.year,
        template,
        title: meta.title.clone(),
        doc_number: meta.doc_number.clone(),
        issued_on: meta.issued_on.clone(),
        format: Some(decoded.format.code().to_string()),
        encoding: decoded.encoding.map(str::to_string),
        source_url: meta.portal.source_url.clone(),
        published_at: meta.portal.published_at.clone(),
        publisher: meta.portal.publisher.clone(),
        ..Report::of_file(id, source_path, size)
    };
    let mut doc = DocResult::read(report, &mapped.cells, findings, traces);
    doc.open_splits = mapped
        .open_splits
        .iter()
        .map(|split| OpenSplit {
            category: split.category,
            line: split.line,
            candidates: split
                .candidates
                .iter()
                .map(|cells| cells.iter().map(|c| Fact::of(&doc.report, c)).collect())
                .collect(),
        })
        .collect();
    doc
}

/// Gives every cell read by OCR its confidence, and takes out those read with less than
/// `min` (an `ocr_unsure` error names each): a wrong number is worse than a missing one.
/// `lines` are the segmented report's, which the cells' line numbers count. A cell's
/// confidence is that of its own table cell (its position on the line); digits split from
/// a cell take that of the cells on the line that hold their text (the lowest, if several
/// do); a value not found in a ruled table's cell (a line of prose) has none, and is taken
/// out too.
fn mark_ocr(mapped: &mut Mapped, sure: &[CellConfidence], lines: &[&str], min: f64) {
    let confidence = |line: i32, position: Option<usize>, raw: &str| -> f64 {
        let Some(row) = sure.iter().find(|r| r.line == line) else {
            return 0.0;
        };
        // A whole cell of the line: its own reading's confidence.
        if let Some(&c) = position.and_then(|p| row.cells.get(p)) {
            return c;
        }
        // Else, the cells that hold its text: the least sure of them, since which one it
        // is cannot be told.
        let cells: Vec<&str> = lines
            .get((line - 1).max(0) as usize)
            .map_or(Vec::new(), |l| l.split('\t').collect());
        let holding = cells
            .iter()
            .zip(&row.cells)
            .filter(|(cell, _)| cell.trim() == raw.trim())
            .map(|(_, c)| *c)
            .fold(f64::INFINITY, f64::min);
        if holding.is_finite() {
            holding
        } else {
            // Digits split from one cell: as sure as the least sure cell of the row.
            cells
                .iter()
                .zip(&row.cells)
                .filter(|(cell, _)| !cell.trim().is_empty())
                .map(|(_, c)| *c)
                .fold(1.0, f64::min)
        }
    };
    let round = |c: f64| (c * 1000.0).round() / 1000.0;
    let mut kept = Vec::with_capacity(mapped.cells.len());
    for mut cell in std::mem::take(&mut mapped.cells) {
        let c = round(confidence(cell.line, cell.position, &cell.raw));
        if c < min {
            mapped.findings.push(Finding::error(
                Code::OcrUnsure,
                format!(
                    "{} / {}: OCR read \"{}\" with confidence {c:.2} (below {min:.2}); no fact: \
                     check the cell in the scan",
                    cell.category.code(),
                    cell.breakdown.code(),
                    cell.raw
                ),
                Some(cell.line),
            ));
            continue;
        }
        cell.confidence = Some(c);
        kept.push(cell);
    }
    mapped.cells = kept;
    for split in &mut mapped.open_splits {
        for candidate in &mut split.candidates {
            for cell in candidate.iter_mut() {
                cell.confidence = Some(round(confidence(cell.line, cell.position, &cell.raw)));
            }
        }
    }
    // Digits split by another report are only as good as the reading of the digits.
    mapped.open_splits.retain(|split| {
        split
            .candidates
            .iter()
            .flatten()
            .all(|c| c.confidence.unwrap_or(0.0) >= min)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    #[test]
    fn a_panic_becomes_the_files_failed_row() {
        let doc = caught("abc", "reports/x.txt", 12, || panic!("index out of bounds"));
        assert_eq!(doc.report.status, Status::Failed);
        assert_eq!(doc.report.source_path, "reports/x.txt");
        assert!(doc.facts.is_empty());
        let codes: Vec<Code> = doc.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::InternalError]);
        assert!(doc.diagnostics[0].message.contains("index out of bounds"));
        // A formatted panic message is kept too.
        let doc = caught("abc", "x.txt", 1, || panic!("line {}", 7));
        assert!(doc.diagnostics[0].message.contains("line 7"));
        // Without a panic the result passes through.
        let ok = process_bytes("x.txt", b"");
        assert_eq!(caught("abc", "x.txt", 0, || ok.clone()), ok);
    }
}
