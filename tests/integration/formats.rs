//! Every publication form gives the facts of the text sample it was made from.
//!
//! `tests/fixtures/formats/` holds each sample as a GBK web page with merged-cell tables,
//! a DOCX with merged cells and a PDF printed from that DOCX by LibreOffice (made by
//! `generate.py` there, from the hand-verified expected tables). PDF tests need poppler's
//! `pdftotext`, which `.ci/run` installs; without it they say so and check nothing.

use gongkai::model::Code;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gongkai::extract::process_path;
use gongkai::model::{DocResult, Status};

use crate::util::{raw, root, SEEDS};

fn fixture(stem: &str, ext: &str) -> PathBuf {
    root()
        .join("tests/fixtures/formats")
        .join(format!("{stem}.{ext}"))
}

pub fn pdftotext_available() -> bool {
    let ok = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    if !ok {
        eprintln!("SKIPPED: pdftotext not found; install poppler-utils to run the PDF tests");
    }
    ok
}

/// Facts without their line numbers (lines are lines of each form's rendered text).
fn cells(doc: &DocResult) -> Vec<(String, String, String, String, String)> {
    let mut v: Vec<_> = doc
        .facts
        .iter()
        .map(|f| {
            (
                f.category.code().into(),
                f.breakdown.code().into(),
                f.value.to_string(),
                f.unit.code().into(),
                f.raw.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn assert_same_report(form: &Path, original: &DocResult) {
    let doc = process_path(form);
    let name = form.display();
    assert_eq!(
        cells(&doc),
        cells(original),
        "{name}: facts differ from the text sample"
    );
    let (a, b) = (&doc.report, &original.report);
    assert_eq!(
        (&a.agency, a.year, a.template),
        (&b.agency, b.year, b.template),
        "{name}"
    );
    assert_eq!(
        (&a.doc_number, &a.issued_on),
        (&b.doc_number, &b.issued_on),
        "{name}"
    );
    assert_eq!(a.status, Status::Ok, "{name}: {:#?}", doc.diagnostics);
}

#[test]
fn gbk_web_pages_with_merged_cells() {
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        let original = process_path(&raw(name));
        assert_same_report(&fixture(stem, "html"), &original);
        let doc = process_path(&fixture(stem, "html"));
        assert_eq!(
            (doc.report.format.as_deref(), doc.report.encoding.as_deref()),
            (Some("html"), Some("GBK"))
        );
    }
}

#[test]
fn docx_with_merged_cells() {
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        assert_same_report(&fixture(stem, "docx"), &process_path(&raw(name)));
    }
}

#[test]
fn pdf_printed_from_the_docx() {
    if !pdftotext_available() {
        return;
    }
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        assert_same_report(&fixture(stem, "pdf"), &process_path(&raw(name)));
        assert_eq!(
            process_path(&fixture(stem, "pdf")).report.format.as_deref(),
            Some("pdf")
        );
    }
}

/// The PDFs in `pdf-styles/`: the ways agencies print a report (see `generate.py`).
const PDF_STYLES: [&str; 4] = ["word", "word-centred", "chromium", "cid"];

#[test]
fn pdf_printed_in_every_style_reads_exactly() {
    if !pdftotext_available() {
        return;
    }
    for style in PDF_STYLES {
        for name in SEEDS {
            let stem = name.trim_end_matches(".txt");
            let path = root()
                .join("tests/fixtures/pdf-styles")
                .join(format!("{stem}.{style}.pdf"));
            // The printed web page carries the portal's navigation above the article
            // (a link to the 2018 report): the title is still the report's own.
            assert_same_report(&path, &process_path(&raw(name)));
        }
    }
}

#[test]
fn pdf_encrypted_with_an_owner_password_only_reads_exactly() {
    if !pdftotext_available() {
        return;
    }
    let name = SEEDS[1];
    let stem = name.trim_end_matches(".txt");
    for cipher in ["rc4", "aes256"] {
        let path = root()
            .join("tests/fixtures/pdf-styles")
            .join(format!("{stem}.cid-{cipher}-owner.pdf"));
        assert_same_report(&path, &process_path(&raw(name)));
    }
}

#[test]
fn the_form_comes_from_the_bytes_not_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let stem = "001_1f7e495e6ab563f2";
    let original = process_path(&raw(&format!("{stem}.txt")));
    let mut cases = vec![("html", "page.txt"), ("docx", "attachment")];
    if pdftotext_available() {
        cases.push(("pdf", "report.txt"));
    }
    for (ext, misleading) in cases {
        let path = dir.path().join(misleading);
        std::fs::copy(fixture(stem, ext), &path).unwrap();
        assert_same_report(&path, &original);
        assert_eq!(process_path(&path).report.format.as_deref(), Some(ext));
    }
}

/// A valid one-page PDF with no text on it, as a scanner without OCR produces.
fn textless_pdf() -> Vec<u8> {
    crate::util::pdf_of(&[
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_string(),
        "<< /Length 0 >>\nstream\n\nendstream".to_string(),
    ])
}

#[test]
fn scanned_pdf_needs_ocr_and_other_forms_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "old.doc",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0".to_vec(),
            "unsupported_format",
            "OLE2",
        ),
        (
            "report.wps",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0".to_vec(),
            "unsupported_format",
            ".wps",
        ),
        (
            "scan.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "no_text_layer",
            "OCR, which is off",
        ),
        (
            "scan.jpg",
            b"\xFF\xD8\xFF\xE0\0\x10JFIF".to_vec(),
            "no_text_layer",
            "OCR, which is off",
        ),
        (
            "scan.gif",
            b"GIF89a\x01\0\x01\0".to_vec(),
            "unsupported_format",
            "GIF image",
        ),
        (
            "reports.rar",
            b"Rar!\x1a\x07\0".to_vec(),
            "unsupported_format",
            "RAR archive",
        ),
    ];
    if pdftotext_available() {
        cases.push(("scan.pdf", textless_pdf(), "no_text_layer", "OCR"));
    }
    for (name, bytes, code, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let doc = process_path(&path);
        assert_eq!(doc.report.status, Status::Failed, "{name}");
        assert_eq!(
            doc.diagnostics[0].code.code(),
            code,
            "{name}: {:?}",
            doc.diagnostics
        );
        assert!(
            doc.diagnostics[0].message.contains(says),
            "{name}: {}",
            doc.diagnostics[0].message
        );
    }
}

#[test]
fn a_missing_pdftotext_is_reported_per_file() {
    let options = gongkai::decode::DecodeOptions {
        pdftotext: "/nonexistent/pdftotext".into(),
        ..Default::default()
    };
    let doc =
        gongkai::extract::process_path_with(&fixture("001_1f7e495e6ab563f2", "pdf"), &options);
    assert_eq!(doc.report.status, Status::Failed);
    assert_eq!(doc.diagnostics[0].code, Code::ExtractorMissing);
    assert!(doc.diagnostics[0].message.contains("poppler-utils"));
}

#[test]
fn real_pdfs_from_the_corpus() {
    let dir = root().join("../shared/corpus/pdf");
    if !dir.exists() {
        eprintln!("SKIPPED: {} not found", dir.display());
        return;
    }
    if !pdftotext_available() {
        return;
    }
    let get = |doc: &DocResult, c: &str, b: &str| {
        doc.facts
            .iter()
            .find(|f| f.category.code() == c && f.breakdown.code() == b)
            .map(|f| f.value)
    };
    let row = |doc: &DocResult, c: &str| -> Vec<Option<f64>> {
        ["upheld", "corrected", "other", "pending", "total"]
            .iter()
            .map(|b| get(doc, c, b))
            .collect()
    };
    let some = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();

    let d = process_path(&dir.join("szfgs2024.pdf"));
    assert_eq!(d.report.agency.as_deref(), Some("淮安市人民政府"));
    assert_eq!(d.report.status, Status::Ok, "{:#?}", d.diagnostics);
    assert_eq!(d.facts.len(), 200);
    for (c, v) in [
        ("applications.new", 3119.0),
        ("applications.carried_over", 34.0),
        ("applications.outcome.total", 3050.0),
        ("applications.carried_forward", 103.0),
    ] {
        assert_eq!(get(&d, c, "total"), Some(v), "{c}");
    }
    assert_eq!(row(&d, "review"), some(&[72.0, 64.0, 178.0, 37.0, 351.0]));
    assert_eq!(
        row(&d, "litigation.direct"),
        some(&[13.0, 4.0, 8.0, 1.0, 26.0])
    );
    assert_eq!(
        row(&d, "litigation.after_review"),
        some(&[12.0, 1.0, 1.0, 6.0, 20.0])
    );

    let d = process_path(&dir.join("hzq2024_working.pdf"));
    assert_eq!(d.report.status, Status::Ok, "{:#?}", d.diagnostics);
    assert_eq!(
        (
            get(&d, "applications.new", "total"),
            get(&d, "applications.outcome.total", "total")
        ),
        (Some(95.0), Some(95.0))
    );
    assert_eq!(row(&d, "review"), some(&[1.0, 1.0, 0.0, 0.0, 2.0]));
    assert_eq!(
        row(&d, "litigation.after_review"),
        some(&[2.0, 0.0, 1.0, 0.0, 3.0])
    );
    // 2021 columns in 二 but the single 2019 （六） row in 三.
    assert!(d
        .diagnostics
        .iter()
        .any(|x| x.code.code() == "template_mismatch"));

    // The text layer of 洪泽区 2023 really does say 10 1 0 0 0: a real failed check.
    let d = process_path(&dir.join("hzq2023_working.pdf"));
    assert_eq!(get(&d, "applications.new", "natural_person"), Some(21.0));
    assert_eq!(row(&d, "review"), some(&[10.0, 1.0, 0.0, 0.0, 0.0]));
    assert_eq!(d.report.status, Status::Partial);
    let sums: Vec<&str> = d
        .diagnostics
        .iter()
        .filter(|x| x.code.code() == "review_sum_mismatch")
        .map(|x| x.message.as_str())
        .collect();
    assert_eq!(sums.len(), 2, "{sums:?}");
    assert!(sums[0].contains("= 11 but 总计 is 0"));
}

#[test]
fn the_blank_2021_template_renders_every_label() {
    let p = root().join("../shared/corpus/docx/政务公开年报模版.docx");
    if !p.exists() {
        eprintln!("SKIPPED: {} not found", p.display());
        return;
    }
    let bytes = std::fs::read(&p).unwrap();
    let text = gongkai::decode::docx::docx_to_text(&bytes).unwrap();
    for (label, _) in gongkai::categories::APPLICATION_LABELS {
        let found = text
            .lines()
            .any(|l| gongkai::text::label_key(l).contains(label));
        assert!(
            found || label.starts_with("(六)其他处理"),
            "{label} missing from the rendered template"
        );
    }
    // Merged cells stand once: the （三）不予公开 label spans eight rows of one grid.
    assert_eq!(text.matches("（三）不予公开").count(), 1);
    let row = text
        .lines()
        .find(|l| l.contains("8.属于行政查询事项"))
        .unwrap();
    assert_eq!(
        row.split('\t').count(),
        10,
        "3 label columns + 7 value columns: {row:?}"
    );
}

/// An executable script standing in for pdftotext.
#[cfg(unix)]
fn fake_pdftotext(dir: &Path, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("pdftotext");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[cfg(unix)]
#[test]
fn pdf_extraction_is_bounded_in_time_memory_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = fixture("001_1f7e495e6ab563f2", "pdf");
    let run = |body: &str, options: gongkai::decode::DecodeOptions| {
        let sub = tempfile::tempdir_in(dir.path()).unwrap();
        let options = gongkai::decode::DecodeOptions {
            pdftotext: fake_pdftotext(sub.path(), body),
            ..options
        };
        let started = std::time::Instant::now();
        let doc = gongkai::extract::process_path_with(&pdf, &options);
        assert_eq!(doc.report.status, Status::Failed, "{body}");
        (doc.diagnostics[0].clone(), started.elapsed())
    };
    // Hangs: stopped at the time limit.
    let (d, took) = run(
        "exec sleep 30",
        gongkai::decode::DecodeOptions {
            pdf_timeout: Duration::from_secs(1),
            ..Default::default()
        },
    );
    assert_eq!(d.code, Code::Timeout, "{}", d.message);
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Allocates 2 GB for real: refused by the 256 MB address-space limit.
    if cfg!(target_os = "linux") {
        let (d, _) = run(
            "exec python3 -c 'b = bytearray(1 << 31)'",
            gongkai::decode::DecodeOptions {
                pdf_memory_bytes: 256 << 20,
                ..Default::default()
            },
        );
        assert_eq!(d.code, Code::ResourceLimit, "{}", d.message);
        assert!(d.message.contains("268 MB memory limit"), "{}", d.message);
    }
    // Endless text: cut off at the output cap (the file size limit).
    let (d, _) = run(
        "exec yes 一二三四五六七八九十",
        gongkai::decode::DecodeOptions {
            max_file_bytes: 1 << 20,
            ..Default::default()
        },
    );
    assert_eq!(d.code, Code::ResourceLimit, "{}", d.message);
    assert!(d.message.contains("over 1 MB of text"), "{}", d.message);
    // A program that fails for other reasons is not called a memory problem.
    let (d, _) = run(
        "echo 'Syntax Error: damaged' >&2; exit 1",
        Default::default(),
    );
    assert_eq!(d.code, Code::UnreadablePdf, "{}", d.message);
    assert!(d.message.contains("damaged"), "{}", d.message);
    // The real pdftotext reads the fixture within the default limits.
    if pdftotext_available() {
        let doc = gongkai::extract::process_path(&pdf);
        assert_eq!(doc.facts.len(), 200);
    }
}

/// A web page or DOCX whose zero cells were left blank, as many agencies fill table 三:
/// every filled cell comes out in its column (the grid's headers name it), a blank cell
/// gives no fact, and no number moves.
#[test]
fn blank_cells_in_web_page_and_docx_grids() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        let mut want = cells(&process_path(&raw(name)));
        want.retain(|c| c.4 != "0");
        assert!(!want.is_empty());

        let page = std::fs::read(fixture(stem, "html")).unwrap();
        let (page, _, _) = encoding_rs::GBK.decode(&page);
        let blank = page.replace("<td><p>0</p></td>", "<td><p>&nbsp;</p></td>");
        assert_ne!(blank, page);
        let html = dir.path().join(format!("{stem}.html"));
        std::fs::write(&html, blank.as_bytes()).unwrap();
        assert_eq!(cells(&process_path(&html)), want, "{stem}.html");

        let mut docx =
            zip::ZipArchive::new(std::fs::File::open(fixture(stem, "docx")).unwrap()).unwrap();
        let out_path = dir.path().join(format!("{stem}.docx"));
        let mut out = zip::ZipWriter::new(std::fs::File::create(&out_path).unwrap());
        for i in 0..docx.len() {
            let mut entry = docx.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            let name = entry.name().unwrap().to_string();
            if name == "word/document.xml" {
                let xml = String::from_utf8(bytes).unwrap();
                bytes = xml.replace("<w:t>0</w:t>", "<w:t></w:t>").into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&bytes).unwrap();
        }
        out.finish().unwrap();
        assert_eq!(cells(&process_path(&out_path)), want, "{stem}.docx");
    }
}
