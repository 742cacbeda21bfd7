//! Scanned reports read by OCR: the samples' PDFs scanned (rendered grey, skewed, noisy,
//! JPEG) give the samples' facts, each marked as read by OCR.

use std::collections::BTreeMap;
use std::path::PathBuf;

use gongkai::decode::DecodeOptions;
use gongkai::extract::{process_path, process_path_with};
use gongkai::model::{Code, DocResult, Source, Status};

use crate::util::{raw, root, SEEDS};

include!("../support/scan_of.rs");

/// Whether tesseract with its Chinese model and pdftoppm are installed.
pub fn ocr_available() -> bool {
    let langs = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output();
    let ok = matches!(&langs, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("chi_sim"))
        && std::process::Command::new("pdftoppm")
            .arg("-v")
            .output()
            .is_ok();
    if !ok {
        eprintln!(
            "SKIPPED: tesseract with chi_sim or pdftoppm not found; install tesseract-ocr, \
             tesseract-ocr-chi-sim and poppler-utils to run the OCR tests"
        );
    }
    ok
}

fn style_pdf(stem: &str, style: &str) -> PathBuf {
    root()
        .join("tests/fixtures/pdf-styles")
        .join(format!("{stem}.{style}.pdf"))
}

type Key = (String, String, String);

fn by_cell(doc: &DocResult) -> BTreeMap<Key, f64> {
    doc.facts
        .iter()
        .map(|f| {
            (
                (
                    f.section.code().to_string(),
                    f.category.code().to_string(),
                    f.breakdown.code().to_string(),
                ),
                f.value,
            )
        })
        .collect()
}

/// (facts expected, found equal, found wrong, wrong that pass every check).
fn compare(scan: &DocResult, original: &DocResult) -> (usize, usize, usize) {
    let (want, got) = (by_cell(original), by_cell(scan));
    let right = want.iter().filter(|(k, v)| got.get(*k) == Some(v)).count();
    let wrong = got.iter().filter(|(k, v)| want.get(*k) != Some(v)).count();
    (want.len(), right, wrong)
}

/// Wrong facts (against the text sample) that no check flags: a wrong value whose row,
/// or column, a check's diagnostic names is caught; the measure is the others.
fn passing_every_check(scan: &DocResult, original: &DocResult) -> usize {
    let want = by_cell(original);
    let checks = [
        Code::IdentityMismatch,
        Code::RowSumMismatch,
        Code::OutcomeSumMismatch,
        Code::ReviewSumMismatch,
    ];
    scan.facts
        .iter()
        .filter(|f| {
            let key = (
                f.section.code().to_string(),
                f.category.code().to_string(),
                f.breakdown.code().to_string(),
            );
            want.get(&key) != Some(&f.value)
        })
        .filter(|f| {
            !scan.diagnostics.iter().any(|d| {
                checks.contains(&d.code)
                    && (d.message.contains(f.category.code())
                        || d.message.contains(f.breakdown.code()))
            })
        })
        .count()
}

/// Scans a sample's PDF of `style` and reads it, with the OCR path rendering the scan
/// at its own resolution.
fn read_scan(stem: &str, style: &str, scanner: Scanner, options: &DecodeOptions) -> DocResult {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{stem}.pdf"));
    std::fs::write(&path, scanned_pdf(&style_pdf(stem, style), scanner)).unwrap();
    process_path_with(&path, options)
}

/// OCR on (it is off by default), rendering scans at `dpi`.
fn at_dpi(dpi: u32) -> DecodeOptions {
    let mut options = DecodeOptions::default();
    options.ocr.tesseract = gongkai::decode::ocr::TESSERACT.to_string();
    options.ocr.dpi = dpi;
    options
}

/// No fact read from a scan differs from the text sample's, and every one is marked.
fn assert_none_wrong(scan: &DocResult, original: &DocResult, what: &str) {
    let want = by_cell(original);
    for f in &scan.facts {
        let key = (
            f.section.code().to_string(),
            f.category.code().to_string(),
            f.breakdown.code().to_string(),
        );
        assert_eq!(want.get(&key), Some(&f.value), "{what}: a wrong fact {f:?}");
        assert_eq!(f.source, Source::Ocr, "{what}: {f:?}");
        assert!(
            f.confidence.is_some_and(|c| (0.6..=1.0).contains(&c)),
            "{what}: {f:?}"
        );
    }
}

const SKEWED_300: Scanner = Scanner {
    dpi: 300,
    skew: 1.0,
    noise: 8.0,
    quality: 85,
};

/// Every sample printed in `style`, scanned by `scanner` and read at 300 dpi, with its
/// text sample's result; none gives a wrong fact or an unmarked one. Also the facts the
/// text samples hold and those read right, in all: the issue asks for 97%.
fn scan_every_sample(style: &str, scanner: Scanner) -> (Vec<(String, DocResult, DocResult)>, f64) {
    let (mut want, mut right) = (0, 0);
    let mut read = Vec::new();
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        let original = process_path(&raw(name));
        let scan = read_scan(stem, style, scanner, &at_dpi(300));
        assert_none_wrong(&scan, &original, stem);
        let (w, r, _) = compare(&scan, &original);
        (want, right) = (want + w, right + r);
        read.push((stem.to_string(), original, scan));
    }
    (read, right as f64 / want as f64)
}

#[test]
fn scanned_samples_give_their_facts_and_no_wrong_one() {
    if !ocr_available() {
        return;
    }
    let (read, recall) = scan_every_sample("word-centred", SKEWED_300);
    for (stem, original, scan) in &read {
        let (w, r, _) = compare(scan, original);
        assert!(r as f64 >= 0.8 * w as f64, "{stem}: {r} of {w}");
        let report = &scan.report;
        assert_eq!(report.format.as_deref(), Some("pdf"));
        assert_eq!(
            (&report.agency, report.year),
            (&original.report.agency, original.report.year),
            "{stem}: the title is read from the scan"
        );
    }
    // Measured 961 of 985 (0.976).
    assert!(recall >= 0.97, "{recall}");
}

/// The aim on the style that lost most, at the coarsest resolution it names:
/// Chromium's print of the web page (thin borders, small type) scanned at 200 dpi.
#[test]
fn a_200_dpi_scan_of_the_samples_printed_from_the_web_page_gives_97_percent() {
    if !ocr_available() {
        return;
    }
    let scanner = Scanner {
        dpi: 200,
        ..SKEWED_300
    };
    let (_, recall) = scan_every_sample("chromium", scanner);
    // Measured 974 of 985 (0.989).
    assert!(recall >= 0.97, "{recall}");
}

#[test]
fn a_scan_of_a_printed_web_page_gives_no_wrong_fact() {
    if !ocr_available() {
        return;
    }
    let name = SEEDS[2];
    let stem = name.trim_end_matches(".txt");
    let original = process_path(&raw(name));
    // Chromium's print of the web page, scanned with a slight skew.
    let scanner = Scanner {
        dpi: 300,
        skew: 0.5,
        noise: 6.0,
        quality: 80,
    };
    let scan = read_scan(stem, "chromium", scanner, &at_dpi(300));
    assert_none_wrong(&scan, &original, stem);
    let (w, r, _) = compare(&scan, &original);
    assert!(r as f64 >= 0.7 * w as f64, "{stem}: {r} of {w}");
}

#[test]
fn a_page_image_is_read_and_unsure_cells_give_no_fact() {
    if !ocr_available() {
        return;
    }
    let name = SEEDS[0];
    let stem = name.trim_end_matches(".txt");
    let original = process_path(&raw(name));
    // Each page of the sample as a PNG file, as a crawler saves a page's images.
    let pages = render_pages(&style_pdf(stem, "word"), 200);
    let dir = tempfile::tempdir().unwrap();
    let mut most = 0;
    for (k, page) in pages.iter().enumerate() {
        let path = dir.path().join(format!("page-{k}.png"));
        image::GrayImage::from_raw(page.width as u32, page.height as u32, page.pixels.clone())
            .unwrap()
            .save(&path)
            .unwrap();
        // Read at the default 300 dpi: the 200-dpi page is enlarged to it.
        let doc = process_path_with(&path, &at_dpi(300));
        assert_eq!(doc.report.format.as_deref(), Some("image"), "page {k}");
        assert_none_wrong(&doc, &original, &format!("page {k}"));
        most = most.max(doc.facts.len());
        // The same page with a threshold no reading reaches: every cell is unsure, and
        // each one read is named.
        let mut strict = at_dpi(300);
        strict.ocr.min_confidence = 1.0;
        let unsure = process_path_with(&path, &strict);
        assert!(unsure.facts.is_empty(), "page {k}: {:?}", unsure.facts);
        let flagged = unsure
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::OcrUnsure)
            .count();
        assert!(
            flagged >= doc.facts.len(),
            "page {k}: {flagged} for {}",
            doc.facts.len()
        );
    }
    // Tables are cut by page breaks; the fullest page holds 24 of the sample's cells.
    assert!(most >= 20, "{most} facts on the fullest page");
}

#[test]
fn ocr_off_or_missing_is_said_per_file() {
    if !ocr_available() {
        return;
    }
    let stem = SEEDS[1].trim_end_matches(".txt");
    let scanner = Scanner {
        dpi: 100,
        skew: 0.0,
        noise: 0.0,
        quality: 90,
    };
    let off = DecodeOptions::default();
    let doc = read_scan(stem, "word", scanner, &off);
    assert_eq!(doc.report.status, Status::Failed);
    assert_eq!(doc.diagnostics[0].code, Code::NoTextLayer);
    assert!(doc.diagnostics[0].message.contains("OCR, which is off"));
    let mut missing = at_dpi(100);
    missing.ocr.tesseract = "/nonexistent/tesseract".into();
    let doc = read_scan(stem, "word", scanner, &missing);
    assert_eq!(doc.diagnostics[0].code, Code::OcrFailed);
    assert!(doc.diagnostics[0].message.contains("tesseract-ocr-chi-sim"));
}

/// A web page saved with its pictures: the report shown as pictures of its pages (图片版),
/// the first inside the page (a `data:` URI, as single-file savers write it), the others in
/// the `NAME_files` folder a browser saves beside the page, under percent-encoded names;
/// a logo and a picture on another site besides.
fn saved_picture_page(dir: &std::path::Path, stem: &str, dpi: u32) -> PathBuf {
    use base64::Engine as _;
    let pages = render_pages(&style_pdf(stem, "word"), dpi);
    let files = dir.join("年度报告_files");
    std::fs::create_dir_all(&files).unwrap();
    let logo = image::GrayImage::from_pixel(120, 40, image::Luma([90]));
    logo.save(files.join("logo.png")).unwrap();
    let mut body = String::from(
        "<div class=\"head\"><img src=\"./%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A_files/logo.png\">\
         </div><div class=\"article\"><p><img src=\"https://example.org/banner.jpg\"></p>",
    );
    for (k, page) in pages.iter().enumerate() {
        let scanner = Scanner {
            dpi,
            skew: if k % 2 == 0 { 0.6 } else { -0.4 },
            noise: 6.0,
            quality: 85,
        };
        let jpeg = scan_page(page, scanner, k as u64 + 7);
        if k == 0 {
            let data = base64::engine::general_purpose::STANDARD.encode(&jpeg);
            body.push_str(&format!(
                "<p><img src=\"data:image/jpeg;base64,{data}\"></p>"
            ));
        } else {
            std::fs::write(files.join(format!("第{k}页.jpg")), jpeg).unwrap();
            let name = format!("第{k}页.jpg")
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>();
            body.push_str(&format!(
                "<p><img src=\"%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A_files/{name}\"></p>"
            ));
        }
    }
    let page = dir.join("年度报告.html");
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>政务公开</title></head><body>{body}</div>\
         </body></html>"
    );
    std::fs::write(&page, html).unwrap();
    page
}

#[test]
fn a_saved_web_page_of_page_pictures_is_one_report_read_by_ocr() {
    if !ocr_available() {
        return;
    }
    let name = SEEDS[3];
    let stem = name.trim_end_matches(".txt");
    let original = process_path(&raw(name));
    let dir = tempfile::tempdir().unwrap();
    let page = saved_picture_page(dir.path(), stem, 200);
    // The walk finds the page, not its pictures.
    let out = dir.path().join("out");
    let found: Vec<_> = gongkai::discover::walk(
        &[dir.path().to_path_buf()],
        &out,
        gongkai::discover::Shard::ALL,
    )
    .collect();
    let files: Vec<_> = found
        .iter()
        .filter_map(|f| match f {
            gongkai::discover::Found::File { relative, .. } => Some(relative.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(files, [PathBuf::from("年度报告.html")]);
    assert!(found.iter().any(
        |f| matches!(f, gongkai::discover::Found::Skipped(s) if s.contains("saved web pages"))
    ));

    let doc = process_path_with(&page, &at_dpi(300));
    assert_eq!(doc.report.format.as_deref(), Some("html"));
    assert_none_wrong(&doc, &original, stem);
    let (w, r, _) = compare(&doc, &original);
    // Measured: 195 of 198.
    assert!(r as f64 >= 0.9 * w as f64, "{stem}: {r} of {w}");
    assert_eq!(
        (&doc.report.agency, doc.report.year),
        (&original.report.agency, original.report.year),
        "the title is read from the first picture"
    );

    // OCR off: the page says what it holds, and gives no fact.
    let off = process_path_with(&page, &DecodeOptions::default());
    assert!(off.facts.is_empty());
    let pages = render_pages(&style_pdf(stem, "word"), 20).len();
    let said = format!("shows its report as {pages} pictures of its pages");
    assert!(
        off.diagnostics
            .iter()
            .any(|d| d.code == Code::NoTextLayer && d.message.contains(&said)),
        "{:?}",
        off.diagnostics
    );
}

/// Prints, for the samples scanned in one style at one resolution (`STYLE`, `DPI`): facts
/// right and wrong against the text samples (and how many wrong ones pass every check),
/// pages, seconds and pages per second (one file at a time); `ONLY=003` measures one
/// sample. `SHOW=1` lists each report's diagnostics and wrong facts; `TEXT=003`
/// prints that sample's OCR text; `RENDER=200` reads the pages at 200 dpi (`ocr-dpi`; 300
/// by default); `MEMORY_MB` and `PAGE_SECS` raise the programs' memory and time limits. `bench/ocr.sh` runs it:
/// `cargo test --release --test integration ocr::measure -- --ignored --nocapture`.
#[test]
#[ignore]
#[allow(clippy::print_stdout)] // the table row is this test's output, read by bench/ocr.sh
fn measure() {
    if !ocr_available() {
        return;
    }
    let style = std::env::var("STYLE").unwrap_or("word".into());
    let dpi: u32 = std::env::var("DPI").map_or(200, |d| d.parse().unwrap());
    // The resolution pages are read at (`ocr-dpi`): its default (300) unless given.
    let render: u32 =
        std::env::var("RENDER").map_or(DecodeOptions::default().ocr.dpi, |d| d.parse().unwrap());
    let show = std::env::var("SHOW").is_ok();
    // Another engine behind the `tesseract` command may need more address space than
    // poppler's and tesseract's limit (1 GB), and more time.
    let at_dpi = |dpi: u32| {
        let mut options = at_dpi(dpi);
        if let Ok(mb) = std::env::var("MEMORY_MB") {
            options.pdf_memory_bytes = mb.parse::<u64>().unwrap() * 1_000_000;
        }
        if let Ok(secs) = std::env::var("PAGE_SECS") {
            options.ocr.page_timeout = std::time::Duration::from_secs(secs.parse().unwrap());
        }
        options
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut want, mut right, mut wrong, mut pages, mut seconds) = (0, 0, 0, 0, 0.0);
    let mut uncaught = 0;
    // ONLY=prefix measures the samples whose name starts with it.
    let only = std::env::var("ONLY").unwrap_or_default();
    for name in SEEDS.iter().filter(|n| n.starts_with(&only)) {
        let stem = name.trim_end_matches(".txt");
        let scanner = Scanner { dpi, ..SKEWED_300 };
        let path = dir.path().join(format!("{stem}.pdf"));
        std::fs::write(&path, scanned_pdf(&style_pdf(stem, &style), scanner)).unwrap();
        if std::env::var("TEXT").is_ok_and(|t| stem.starts_with(&t)) {
            let bytes = std::fs::read(&path).unwrap();
            if let gongkai::decode::Content::Text(d) =
                gongkai::decode::decode(&bytes, &at_dpi(render))
            {
                eprintln!("{}", d.text);
            }
        }
        let started = std::time::Instant::now();
        let doc = process_path_with(&path, &at_dpi(render));
        seconds += started.elapsed().as_secs_f64();
        pages += render_pages(&style_pdf(stem, &style), 20).len();
        let original = process_path(&raw(name));
        let (w, r, x) = compare(&doc, &original);
        (want, right, wrong) = (want + w, right + r, wrong + x);
        uncaught += passing_every_check(&doc, &original);
        if show {
            eprintln!(
                "{stem}: {r}/{w} right, {x} wrong, status {:?}",
                doc.report.status
            );
            for d in &doc.diagnostics {
                let message: String = d.message.chars().take(200).collect();
                eprintln!("  {} {message}", d.code.code());
            }
            let by_key = by_cell(&original);
            for f in &doc.facts {
                let key = (
                    f.section.code().to_string(),
                    f.category.code().to_string(),
                    f.breakdown.code().to_string(),
                );
                if by_key.get(&key) != Some(&f.value) {
                    eprintln!(
                        "  WRONG {key:?}: {} for {:?}, confidence {:?}, line {}",
                        f.value,
                        by_key.get(&key),
                        f.confidence,
                        f.line
                    );
                }
            }
        }
    }
    let dpi = if render == dpi {
        dpi.to_string()
    } else {
        format!("{dpi}, read at {render}")
    };
    // A wrong fact a check flags is said apart from those passing every check.
    let wrong = match wrong {
        0 => "0".to_string(),
        _ => format!("{wrong} ({uncaught} passing every check)"),
    };
    // On a line of its own: the test harness has printed `test ocr::measure ... ` before it.
    println!(
        "\n| {style} | {dpi} | {right} of {want} ({:.3}) | {wrong} | {pages} | {seconds:.1} | {:.2} |",
        right as f64 / want as f64,
        pages as f64 / seconds
    );
}
