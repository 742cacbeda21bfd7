//! PDF tables read by their ruling lines, on PDFs written here byte by byte: a table
//! whose numbers can be placed gives exactly them, one that cannot gives a diagnostic
//! and no numbers, and rotated pages, Form XObjects, boxes behind prose and WPS-style
//! fills are read as a viewer shows them. The text is in STSong-Light, a font PDF
//! readers supply (poppler-data), so the files need no embedded font. Needs poppler's
//! `pdftotext`, which `.ci/run` installs.

use gongkai::model::Code;
use std::path::Path;

use gongkai::extract::process_path;
use gongkai::model::DocResult;

/// Something drawn on the page, in points with the origin at the bottom left.
enum Mark {
    /// A stroked line.
    Line(f64, f64, f64, f64),
    /// A filled rectangle (x, y, width, height), white: as WPS draws cell backgrounds.
    Fill(f64, f64, f64, f64),
    /// Text at (x, y), 9 pt.
    Text(f64, f64, &'static str),
    /// Text given at run time.
    Owned(f64, f64, String),
}

/// How the page is written.
#[derive(Clone, Copy)]
struct Style {
    /// The page's `/Rotate` (0, 90, 180, 270), with the drawing turned so that it reads
    /// upright on screen.
    rotate: u16,
    /// The rulings drawn inside a Form XObject (`Do`) instead of the page's content.
    in_form: bool,
}

const PLAIN: Style = Style {
    rotate: 0,
    in_form: false,
};

fn utf16_hex(text: &str) -> String {
    text.encode_utf16().map(|u| format!("{u:04X}")).collect()
}

/// A one-page PDF (A4 landscape as shown) with the marks drawn on it.
fn pdf(marks: &[Mark], style: Style) -> Vec<u8> {
    let mut rulings = String::from("0.5 w 0 G 1 g\n");
    let mut text = String::new();
    for mark in marks {
        match mark {
            Mark::Line(x0, y0, x1, y1) => {
                rulings.push_str(&format!("{x0} {y0} m {x1} {y1} l S\n"));
            }
            Mark::Fill(x, y, w, h) => rulings.push_str(&format!("{x} {y} {w} {h} re f\n")),
            Mark::Text(x, y, t) => text.push_str(&format!(
                "BT /F1 9 Tf {x} {y} Td <{}> Tj ET\n",
                utf16_hex(t)
            )),
            Mark::Owned(x, y, t) => text.push_str(&format!(
                "BT /F1 9 Tf {x} {y} Td <{}> Tj ET\n",
                utf16_hex(t)
            )),
        }
    }
    // Landscape as shown: 842 × 595. A page turned a quarter by `/Rotate` is portrait in
    // user space; the viewer turns it clockwise by the angle, and the drawing is turned
    // back (`cm`) so that it reads upright.
    let (media, turn) = match style.rotate {
        90 => ("[0 0 595 842] /Rotate 90", "0 1 -1 0 595 0 cm\n"),
        180 => ("[0 0 842 595] /Rotate 180", "-1 0 0 -1 842 595 cm\n"),
        270 => ("[0 0 595 842] /Rotate 270", "0 -1 1 0 0 842 cm\n"),
        _ => ("[0 0 842 595]", ""),
    };
    let page_content = if style.in_form {
        format!("q {turn}/Fm1 Do Q\nq {turn}0 g {text}Q")
    } else {
        format!("q {turn}{rulings}0 g {text}Q")
    };
    let mut objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {media} /Resources << /Font << /F1 5 0 R >> \
             /XObject << /Fm1 7 0 R >> >> /Contents 4 0 R >>"
        ),
        format!(
            "<< /Length {} >>\nstream\n{page_content}\nendstream",
            page_content.len() + 1
        ),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H \
         /DescendantFonts [6 0 R] >>"
            .to_string(),
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo \
         << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /DW 1000 >>"
            .to_string(),
        format!(
            "<< /Type /XObject /Subtype /Form /BBox [0 0 842 842] /Length {} >>\nstream\n{rulings}\nendstream",
            rulings.len() + 1
        ),
    ];
    if !style.in_form {
        objects[6] = "<< >>".to_string();
    }
    crate::util::pdf_of(&objects)
}

const HEADS: [&str; 5] = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
/// Table 四's values, as the report prints them.
const VALUES: [u32; 15] = [3, 1, 0, 2, 6, 1, 0, 0, 0, 1, 2, 0, 1, 9, 12];
const LEFT: f64 = 40.0;
const COLUMN: f64 = 50.0;

/// A report whose table 四 is ruled: 15 columns of 50 pt, rows 20 pt high from y 420
/// down. `shift` moves the last value (`12`) that far right; -23 puts it across the
/// border on its left, its centre still in its own cell.
fn review_report(shift: f64) -> Vec<Mark> {
    let mut marks = vec![
        Mark::Text(40.0, 540.0, "某某县统计局2021年政府信息公开工作年度报告"),
        // Table 四 is looked for after table 三: this report's 三 is one line of prose.
        Mark::Text(40.0, 480.0, "三、收到和处理政府信息公开申请情况"),
        Mark::Text(40.0, 465.0, "本年度未收到申请，申请人情况一栏均为零。"),
        Mark::Text(40.0, 440.0, "四、政府信息公开行政复议、行政诉讼情况"),
    ];
    let right = LEFT + 15.0 * COLUMN;
    let ys = [420.0, 400.0, 380.0, 360.0, 340.0];
    // Top and bottom borders across; inner borders only where cells end.
    marks.push(Mark::Line(LEFT, ys[0], right, ys[0]));
    marks.push(Mark::Line(LEFT, ys[4], right, ys[4]));
    marks.push(Mark::Line(LEFT, ys[1], right, ys[1]));
    marks.push(Mark::Line(LEFT + 5.0 * COLUMN, ys[2], right, ys[2]));
    marks.push(Mark::Line(LEFT, ys[3], right, ys[3]));
    for c in 0..=15 {
        let x = LEFT + c as f64 * COLUMN;
        let top = match c {
            0 | 5 | 15 => ys[0],
            10 => ys[1],
            c if c < 5 => ys[1],
            _ => ys[2],
        };
        marks.push(Mark::Line(x, top, x, ys[4]));
    }
    marks.push(Mark::Text(LEFT + 4.0, ys[0] - 14.0, "行政复议"));
    marks.push(Mark::Text(
        LEFT + 5.0 * COLUMN + 4.0,
        ys[0] - 14.0,
        "行政诉讼",
    ));
    marks.push(Mark::Text(
        LEFT + 5.0 * COLUMN + 4.0,
        ys[1] - 14.0,
        "未经复议直接起诉",
    ));
    marks.push(Mark::Text(
        LEFT + 10.0 * COLUMN + 4.0,
        ys[1] - 14.0,
        "复议后起诉",
    ));
    for (c, head) in HEADS.iter().enumerate() {
        marks.push(Mark::Text(
            LEFT + c as f64 * COLUMN + 4.0,
            ys[1] - 14.0,
            head,
        ));
    }
    for c in 5..15 {
        marks.push(Mark::Text(
            LEFT + c as f64 * COLUMN + 4.0,
            ys[2] - 14.0,
            HEADS[c % 5],
        ));
    }
    for (c, v) in VALUES.iter().enumerate() {
        let x = LEFT + c as f64 * COLUMN + 20.0 + if c == 14 { shift } else { 0.0 };
        marks.push(Mark::Owned(x, ys[3] - 14.0, v.to_string()));
    }
    marks.push(Mark::Text(40.0, 300.0, "五、存在的主要问题及改进情况"));
    marks.push(Mark::Text(40.0, 280.0, "无。"));
    marks
}

fn read(marks: &[Mark], style: Style) -> DocResult {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf(marks, style)).unwrap();
    process_path(Path::new(&path))
}

fn review_values(doc: &DocResult) -> Vec<(String, String, f64)> {
    let mut v: Vec<_> = doc
        .facts
        .iter()
        .filter(|f| {
            f.category.code().starts_with("review") || f.category.code().starts_with("litigation")
        })
        .map(|f| {
            (
                f.category.code().to_string(),
                f.breakdown.code().to_string(),
                f.value,
            )
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

fn expected_values() -> Vec<(String, String, f64)> {
    let mut v = Vec::new();
    for (i, category) in ["review", "litigation.direct", "litigation.after_review"]
        .iter()
        .enumerate()
    {
        for (j, breakdown) in ["upheld", "corrected", "other", "pending", "total"]
            .iter()
            .enumerate()
        {
            v.push((
                category.to_string(),
                breakdown.to_string(),
                f64::from(VALUES[i * 5 + j]),
            ));
        }
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

fn poppler() -> bool {
    crate::formats::pdftotext_available()
}

#[test]
fn a_ruled_table_is_read_cell_by_cell() {
    if !poppler() {
        return;
    }
    let rotated = [90, 180, 270].map(|rotate| Style {
        rotate,
        in_form: false,
    });
    let in_form = Style {
        rotate: 0,
        in_form: true,
    };
    for style in [PLAIN, in_form].into_iter().chain(rotated) {
        let doc = read(&review_report(0.0), style);
        assert_eq!(
            review_values(&doc),
            expected_values(),
            "{:#?}",
            doc.diagnostics
        );
        assert_eq!(doc.report.agency.as_deref(), Some("某某县统计局"));
        assert!(
            doc.diagnostics
                .iter()
                .all(|d| d.code != Code::PdfTableUnreadable),
            "{:#?}",
            doc.diagnostics
        );
        // Read by its rulings (a grid row), not from the layout text.
        let text = decoded_text(&review_report(0.0), style);
        assert!(
            text.contains("3\t1\t0\t2\t6\t1\t0\t0\t0\t1\t2\t0\t1\t9\t12"),
            "rotate {}, in form {}: {text}",
            style.rotate,
            style.in_form
        );
    }
}

/// The text gongkai reads from the PDF of these marks.
fn decoded_text(marks: &[Mark], style: Style) -> String {
    match gongkai::decode::decode(
        &pdf(marks, style),
        &gongkai::decode::DecodeOptions::default(),
    ) {
        gongkai::decode::Content::Text(d) => d.text,
        gongkai::decode::Content::Unreadable(f) => panic!("{f:?}"),
    }
}

#[test]
fn a_number_across_a_border_gives_a_diagnostic_and_no_numbers() {
    if !poppler() {
        return;
    }
    // The last value printed over the border to its left.
    let doc = read(&review_report(-23.0), PLAIN);
    assert!(review_values(&doc).is_empty(), "{:?}", review_values(&doc));
    let finding = doc
        .diagnostics
        .iter()
        .find(|d| d.code == Code::PdfTableUnreadable)
        .unwrap_or_else(|| panic!("{:#?}", doc.diagnostics));
    assert_eq!(finding.severity.code(), "error");
    assert!(finding.message.contains("page 1"), "{}", finding.message);
}

#[test]
fn boxes_behind_prose_are_not_tables_and_fills_close_cells() {
    if !poppler() {
        return;
    }
    // White boxes behind the title and the heading (two rows of one column each, the
    // way WPS paints prose), and the table's bottom border given only by the edge of a
    // white cell background: what WPS draws at a page break.
    let mut marks = vec![
        Mark::Fill(36.0, 536.0, 400.0, 14.0),
        Mark::Fill(36.0, 522.0, 400.0, 14.0),
        Mark::Fill(36.0, 436.0, 300.0, 14.0),
    ];
    marks.extend(
        review_report(0.0)
            .into_iter()
            .filter(|m| !matches!(m, Mark::Line(_, y0, _, y1) if *y0 == 340.0 && *y1 == 340.0)),
    );
    marks.push(Mark::Fill(LEFT, 340.0, 15.0 * COLUMN, 20.0));
    let doc = read(&marks, PLAIN);
    assert_eq!(doc.report.agency.as_deref(), Some("某某县统计局"));
    assert_eq!(
        review_values(&doc),
        expected_values(),
        "{:#?}",
        doc.diagnostics
    );
}

#[test]
fn a_pdf_without_rulings_keeps_the_layout_text() {
    if !poppler() {
        return;
    }
    let marks: Vec<Mark> = review_report(0.0)
        .into_iter()
        .filter(|m| !matches!(m, Mark::Line(..)))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf(&marks, PLAIN)).unwrap();
    let layout = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let expected = String::from_utf8(layout.stdout)
        .unwrap()
        .replace('\x0c', "\n");
    let decoded = match gongkai::decode::decode(
        &std::fs::read(&path).unwrap(),
        &gongkai::decode::DecodeOptions::default(),
    ) {
        gongkai::decode::Content::Text(d) => d,
        gongkai::decode::Content::Unreadable(f) => panic!("{f:?}"),
    };
    assert_eq!(decoded.text, expected);
    assert!(decoded.findings.is_empty());
    // Read from those lines, the unruled table still gives its numbers.
    assert_eq!(review_values(&read(&marks, PLAIN)), expected_values());
}
