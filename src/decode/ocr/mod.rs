//! Scanned reports (图片版) → text, by OCR, offline: tesseract with its `chi_sim` model.
//!
//! A scanned PDF's pages are rendered to grey images by poppler (`pdftoppm`); a PNG or
//! JPEG file is one page. Each page is straightened ([`image::Gray::skew`]), its ruled
//! tables are found from the long runs of ink (the borders, then erased), and the same
//! lattice that reads a PDF's vector rulings ([`super::pdf::lattice`]) turns the borders
//! into cells. Each cell is read on its own, cropped, so a word can only land in the cell
//! it was printed in; the rest of the page (title, prose, dates) is read as a page. The
//! words then go through the PDF path's [`compose`](super::pdf::compose): the tables come
//! out as the same tab-separated grids, and every check works unchanged.
//!
//! OCR misreads digits (0/8, 1/7, 3/8, 5/6). Every number read here is marked: the text
//! comes with the confidence of each table cell ([`CellConfidence`]), which extraction
//! turns into the facts' `source` (`ocr`) and `confidence`, and a cell read below the
//! threshold gives no fact and an `ocr_unsure` diagnostic. The table identities catch
//! most misreadings that remain; nothing is corrected silently.
//!
//! Why tesseract: Debian packages it with its Chinese model (`tesseract-ocr`,
//! `tesseract-ocr-chi-sim`), so nothing is downloaded at run time, and as a subprocess
//! (like poppler) a crash or a hang costs one file, within a time and memory limit.

pub mod image;

use std::path::Path;
use std::time::Duration;

use self::image::Gray;
use super::pdf::compose::{compose_with_confidence, RowConfidence};
use super::pdf::lattice::{self, Frame};
use super::pdf::rulings::Segment;
use super::pdf::words::{self, Word};
use super::pdf::{run_program, PdfError, PdfLimits};
use crate::model::{Code, Finding};

/// Settings of the OCR path.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrOptions {
    /// The `tesseract` program to run; empty: scans are not read.
    pub tesseract: String,
    /// The `pdftoppm` program that renders a scanned PDF's pages.
    pub pdftoppm: String,
    /// tesseract's language models, e.g. `chi_sim`.
    pub languages: String,
    /// Resolution a scanned PDF's pages are rendered at, and a coarser PNG or JPEG page
    /// is enlarged to, in dots per inch.
    pub dpi: u32,
    /// Most pages read from one file; the rest are not read (a finding says so).
    pub max_pages: usize,
    /// Time allowed for each page (rendering and reading).
    pub page_timeout: Duration,
    /// A table cell read with less confidence than this (0–1) gives no fact.
    pub min_confidence: f64,
}

/// The tesseract program used where OCR is turned on (`ocr = true`).
pub const TESSERACT: &str = "tesseract";

impl Default for OcrOptions {
    /// OCR off (no `tesseract`): see the README, "Scanned reports", for why it is not on
    /// by default yet.
    fn default() -> Self {
        OcrOptions {
            tesseract: String::new(),
            pdftoppm: "pdftoppm".to_string(),
            languages: "chi_sim".to_string(),
            dpi: 300,
            max_pages: 40,
            page_timeout: Duration::from_secs(60),
            min_confidence: 0.6,
        }
    }
}

/// How sure OCR was of the cells of one line of the text: the line (1-based) and, for
/// each tab-separated cell on it, the confidence of its least sure word (1 for an empty
/// cell).
#[derive(Debug, Clone, PartialEq)]
pub struct CellConfidence {
    /// 1-based line of the text.
    pub line: i32,
    /// One confidence per cell, in the line's cell order.
    pub cells: Vec<f64>,
}

/// A scan's text, read by OCR.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrText {
    /// The text: prose lines, and ruled tables as tab-separated grids.
    pub text: String,
    /// The confidence of every table line's cells.
    pub confidence: Vec<CellConfidence>,
    /// Pages read.
    pub pages: usize,
    /// Problems met (a table that could not be read, pages left unread).
    pub findings: Vec<Finding>,
}

/// Why a scan gave no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcrError {
    /// A program it needs is not installed (or the language model is missing).
    Missing(String),
    /// A program failed, or ran out of time or memory.
    Failed(String),
    /// The image could not be decoded.
    BadImage(String),
    /// Nothing was read on any page.
    NothingRead,
}

/// A ruling must be this long, in points, to be a border: longer than any stroke of a
/// character, shorter than the shortest border (one row of a table, about 15 pt).
const MIN_RULING_POINTS: f64 = 12.0;
/// A skew smaller than this (degrees) is left alone: a table's borders still run
/// straight within the ruling finder's gap.
const LEVEL: f64 = 0.05;
/// Ink pixels a cell needs to be read at all (a blank cell with scanner noise is blank).
const MIN_CELL_INK: usize = 8;

/// Reads a scanned PDF: its pages rendered at `options.dpi`, each read by OCR.
pub fn ocr_pdf(bytes: &[u8], options: &OcrOptions, limits: PdfLimits) -> Result<OcrText, OcrError> {
    let dir = tempfile::tempdir().map_err(|e| OcrError::Failed(e.to_string()))?;
    let pdf = dir.path().join("scan.pdf");
    std::fs::write(&pdf, bytes).map_err(|e| OcrError::Failed(e.to_string()))?;
    let prefix = dir.path().join("page");
    let dpi = options.dpi.to_string();
    let last = options.max_pages.to_string();
    let pdf_arg = pdf.display().to_string();
    let prefix_arg = prefix.display().to_string();
    let render_limits = PdfLimits {
        timeout: options.page_timeout * options.max_pages.max(1) as u32,
        ..limits
    };
    run_program(
        &options.pdftoppm,
        &["-gray", "-r", &dpi, "-l", &last, &pdf_arg, &prefix_arg],
        &[],
        &[],
        render_limits,
    )
    .map_err(|e| program_error(&options.pdftoppm, e))?;
    let mut rendered: Vec<_> = std::fs::read_dir(dir.path())
        .map_err(|e| OcrError::Failed(e.to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pgm"))
        .collect();
    // pdftoppm numbers pages with as many digits as the last page needs: sort by number.
    rendered.sort_by_key(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.rsplit('-').next())
            .and_then(|n| n.parse::<usize>().ok())
    });
    let mut pages = Vec::with_capacity(rendered.len());
    for path in &rendered {
        let bytes = std::fs::read(path).map_err(|e| OcrError::Failed(e.to_string()))?;
        pages.push(Gray::from_pnm(&bytes).map_err(OcrError::BadImage)?);
        // Each page is held as pixels from here on; the file goes at once.
        let _ = std::fs::remove_file(path);
    }
    let mut findings = Vec::new();
    if let Some(count) = page_count(bytes) {
        if count > options.max_pages {
            findings.push(Finding::warning(
                Code::OcrPagesSkipped,
                format!(
                    "the scan has {count} pages; only the first {} were read by OCR \
                     (`ocr-max-pages` in the pipeline file)",
                    options.max_pages
                ),
                None,
            ));
        }
    }
    let mut text = read_pages(&pages, options.dpi as f64, options, dir.path(), limits)?;
    text.findings.splice(0..0, findings);
    Ok(text)
}

/// Reads one page image (PNG, JPEG): its resolution is taken to be that of an A4 page
/// across its shorter side, as scans of reports are.
pub fn ocr_image(
    bytes: &[u8],
    options: &OcrOptions,
    limits: PdfLimits,
) -> Result<OcrText, OcrError> {
    let page = Gray::decode(bytes).map_err(OcrError::BadImage)?;
    let dpi = page.width.min(page.height) as f64 / A4_WIDTH_INCHES;
    read_images(vec![(page, dpi)], options, limits)
}

/// Reads the pictures of a report's pages shown by a web page (图片版), in order, as the
/// pages of one report. A web page shows a printed page at the width of its column, so a
/// picture's width is taken to be the width of an A4 page, whatever its height (a page
/// may be cut into strips, or several pages joined into one long picture).
pub fn ocr_pictures(
    pictures: &[Vec<u8>],
    options: &OcrOptions,
    limits: PdfLimits,
) -> Result<OcrText, OcrError> {
    let mut pages = Vec::with_capacity(pictures.len());
    for bytes in pictures {
        let page = Gray::decode(bytes).map_err(OcrError::BadImage)?;
        let dpi = page.width as f64 / A4_WIDTH_INCHES;
        pages.push((page, dpi));
    }
    read_images(pages, options, limits)
}

/// The width of an A4 page, in inches: the page size of reports.
const A4_WIDTH_INCHES: f64 = 8.27;

/// Reads page images, each with the resolution it was scanned at, as one report's pages.
/// All are read at one resolution: `options.dpi` where any page is coarser (tesseract
/// reads small digits better enlarged, as pdftoppm renders a coarse scan in a PDF:
/// measured in the README), else the coarsest page's; a page more than a tenth off it is
/// resized to it.
fn read_images(
    pages: Vec<(Gray, f64)>,
    options: &OcrOptions,
    limits: PdfLimits,
) -> Result<OcrText, OcrError> {
    let wanted = f64::from(options.dpi);
    let coarsest = pages
        .iter()
        .map(|(_, dpi)| dpi.clamp(72.0, 1200.0))
        .reduce(f64::min)
        .unwrap_or(wanted);
    let dpi = if coarsest < wanted * 0.9 {
        wanted
    } else {
        coarsest
    };
    let images: Vec<Gray> = pages
        .into_iter()
        .map(|(page, own)| {
            let factor = dpi / own.clamp(72.0, 1200.0);
            if (factor - 1.0).abs() > 0.1 {
                page.enlarged(factor)
            } else {
                page
            }
        })
        .collect();
    let dir = tempfile::tempdir().map_err(|e| OcrError::Failed(e.to_string()))?;
    read_pages(&images, dpi, options, dir.path(), limits)
}

/// The number of pages a PDF declares (`/Count` of its page tree), where lopdf can tell.
fn page_count(bytes: &[u8]) -> Option<usize> {
    let doc = lopdf::Document::load_mem(bytes).ok()?;
    Some(doc.get_pages().len())
}

fn program_error(program: &str, e: PdfError) -> OcrError {
    match e {
        PdfError::ExtractorMissing(why) => OcrError::Missing(why),
        PdfError::Timeout(t) => {
            OcrError::Failed(format!("{program} took longer than {}s", t.as_secs()))
        }
        PdfError::ResourceLimit(why) | PdfError::Failed(why) => {
            OcrError::Failed(format!("{program}: {why}"))
        }
        PdfError::NoTextLayer => OcrError::NothingRead,
    }
}

/// One page, straightened, with its tables found.
struct Page {
    image: Gray,
    /// Points per pixel.
    scale: f64,
    frames: Vec<Frame>,
}

/// A cell image sent to tesseract: which page, and where its pixel (0, 0) lies on the
/// page, in pixels.
struct Crop {
    page: usize,
    x: f64,
    y: f64,
    /// Bands of ink one above the other ([`Gray::ink_bands`]).
    bands: usize,
    /// The cell's inside on the page image, in pixels: left, top, right, bottom.
    inside: [usize; 4],
}

/// Reads page images at `dpi`: tables cell by cell, the rest as prose.
fn read_pages(
    images: &[Gray],
    dpi: f64,
    options: &OcrOptions,
    dir: &Path,
    limits: PdfLimits,
) -> Result<OcrText, OcrError> {
    let scale = 72.0 / dpi;
    let min_run = (MIN_RULING_POINTS / scale).round() as usize;
    let gap = ((dpi / 100.0).round() as usize).max(1);
    let pad = ((6.0 / scale).round() as usize).max(4);
    // Two lines of text in a cell stand at least 2 pt apart; no digit has a gap that tall.
    let band_gap = ((2.0 / scale).round() as usize).max(2);
    let pages: Vec<Page> = images
        .iter()
        .map(|image| {
            let skew = image.skew();
            let mut image = if skew.abs() >= LEVEL {
                image.straightened(skew)
            } else {
                image.clone()
            };
            let segments: Vec<Segment> = image
                .take_rulings(min_run, gap)
                .into_iter()
                .map(|s| Segment {
                    horizontal: s.horizontal,
                    at: s.at * scale,
                    from: s.from * scale,
                    to: s.to * scale,
                })
                .collect();
            image.whiten_paper();
            let (width, height) = (image.width as f64 * scale, image.height as f64 * scale);
            let frames = lattice::find_frames(&segments, width, height);
            Page {
                image,
                scale,
                frames,
            }
        })
        .collect();
    // The cells, each cropped inside its borders, and the pages with their tables
    // blanked for the prose.
    let mut crops: Vec<Crop> = Vec::new();
    let mut cell_files: Vec<String> = Vec::new();
    let mut prose_files: Vec<(usize, String)> = Vec::new();
    for (k, page) in pages.iter().enumerate() {
        let mut prose = page.image.clone();
        for frame in &page.frames {
            let px = |v: f64| (v / page.scale).round().max(0.0) as usize;
            let o = frame.outline;
            prose.clear(px(o.left), px(o.top), px(o.right) + 2, px(o.bottom) + 2);
            for cell in &frame.cells {
                let (x0, y0) = (px(cell.left) + 1, px(cell.top) + 1);
                let (x1, y1) = (
                    px(cell.right).saturating_sub(1),
                    px(cell.bottom).saturating_sub(1),
                );
                if x1 <= x0 || y1 <= y0 {
                    continue;
                }
                let crop = page.image.crop_padded(x0, y0, x1, y1, pad);
                if crop.ink() < MIN_CELL_INK {
                    continue;
                }
                let path = dir.join(format!("cell-{}.pgm", crops.len()));
                std::fs::write(&path, crop.to_pgm())
                    .map_err(|e| OcrError::Failed(e.to_string()))?;
                cell_files.push(path.display().to_string());
                crops.push(Crop {
                    page: k,
                    x: x0 as f64 - pad as f64,
                    y: y0 as f64 - pad as f64,
                    bands: crop.ink_bands(band_gap),
                    inside: [x0, y0, x1, y1],
                });
            }
        }
        if prose.ink() >= MIN_CELL_INK {
            let path = dir.join(format!("prose-{k}.pgm"));
            std::fs::write(&path, prose.to_pgm()).map_err(|e| OcrError::Failed(e.to_string()))?;
            prose_files.push((k, path.display().to_string()));
        }
    }
    let mut words: Vec<Vec<Word>> = vec![Vec::new(); pages.len()];
    let reader = Reader {
        options,
        dir,
        limits: PdfLimits {
            timeout: options.page_timeout * pages.len().max(1) as u32,
            ..limits
        },
    };
    let files: Vec<String> = prose_files.iter().map(|(_, f)| f.clone()).collect();
    for (n, page_words) in reader
        .read(&files, &chinese("3"), dpi, "prose")?
        .into_iter()
        .enumerate()
    {
        let Some(&(k, _)) = prose_files.get(n) else {
            break;
        };
        let scale = pages[k].scale;
        let page_words = page_words.into_iter().map(|w| placed(w, 0.0, 0.0, scale));
        words[k].extend(joined(page_words.collect(), 0.5));
    }
    let mut read = reader.read(&cell_files, &chinese("6"), dpi, "cells")?;
    read.resize(cell_files.len(), Vec::new());
    let cells = Cells {
        files: &cell_files,
        crops: &crops,
        pages: &pages,
        pad,
    };
    settle_numbers(&mut read, &cells, dpi, &reader)?;
    for (crop, cell_words) in crops.iter().zip(read) {
        let scale = pages[crop.page].scale;
        let cell_words = cell_words
            .into_iter()
            .map(|w| placed(w, crop.x, crop.y, scale));
        // Within a cell, Chinese text never holds a space: `上 一 年 项 目 数量` is one
        // header, whatever gaps the printer left between its characters.
        words[crop.page].extend(joined(cell_words.collect(), f64::INFINITY));
    }
    if words.iter().all(Vec::is_empty) {
        return Err(OcrError::NothingRead);
    }
    let frames: Vec<Vec<Frame>> = pages.into_iter().map(|p| p.frames).collect();
    let (texts, rows, mut findings) = compose_with_confidence(&frames, &words, true);
    // Pages are joined by a blank line; each page's rows are counted from its first line.
    let mut confidence = Vec::new();
    let mut first_line = 1;
    for (k, text) in texts.iter().enumerate() {
        for row in rows.iter().filter(|r| r.page == k) {
            let RowConfidence {
                line,
                cells,
                emptied,
            } = &row.row;
            let line = (first_line + line) as i32;
            for (_, read) in emptied {
                findings.push(Finding::error(
                    Code::OcrUnsure,
                    format!(
                        "a cell among this table row's numbers was read by OCR as \"{read}\", \
                         which is no number; it gives no fact: check the cell in the scan"
                    ),
                    Some(line),
                ));
            }
            confidence.push(CellConfidence {
                line,
                cells: cells.clone(),
            });
        }
        first_line += text.matches('\n').count() + 1;
    }
    Ok(OcrText {
        text: texts.join("\n"),
        confidence,
        pages: frames.len(),
        findings,
    })
}

/// The cells of a file's pages as sent to tesseract.
struct Cells<'a> {
    /// The cell images, one file each.
    files: &'a [String],
    crops: &'a [Crop],
    pages: &'a [Page],
    /// The white margin around each cell image, in pixels.
    pad: usize,
}

/// What a cell's first reading (Chinese model) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// No Chinese and at least one digit, or nothing at all (a cell with ink the model
    /// read as nothing: a small `0` or `1` often is).
    Number,
    /// Chinese with digits: a label (`1.属于国家秘密`), or a number read as Chinese
    /// (`21` as `二 2`).
    Mixed,
    /// A character or two without digits (`汉`, `光`): a small number the Chinese model
    /// read as a character, or a short label (`其他`). Taken as a number only where the
    /// models agree on one when the cell is read again.
    Stray,
    /// Text without digits.
    Text,
}

fn reading(words: &[Word]) -> Reading {
    let text: String = words.iter().map(|w| w.text.as_str()).collect();
    let chinese = text.chars().any(crate::text::is_han);
    let digit = text.chars().any(|c| c.is_ascii_digit());
    match (chinese, digit) {
        (false, true) => Reading::Number,
        (false, false) if text.is_empty() => Reading::Number,
        (true, true) => Reading::Mixed,
        _ if text.chars().filter(|c| !c.is_ascii_punctuation()).count() <= 2 => Reading::Stray,
        _ => Reading::Text,
    }
}

/// tesseract's model of the Han (simplified) script, from Debian's
/// `tesseract-ocr-script-hans`, reading a cell as a block of text: a third reader of
/// doubtful numbers.
const HAN_SCRIPT: [&str; 4] = ["-l", "HanS", "--psm", "6"];

/// How much larger a cell is read the second time, where the first two readings
/// disagree.
const ENLARGED: f64 = 1.5;

/// Decides every cell that holds, or may hold, a number. tesseract can be sure of a wrong
/// digit (`21` read as `4` at 0.96), and its Chinese model drops digits that its English
/// model keeps (`15` as `5`), so a number is taken only where two models agree:
/// - each such cell is read again by the English model limited to digits;
/// - where the two readings differ, both models read the cell once more, enlarged
///   ([`ENLARGED`]), and the Han script model ([`HAN_SCRIPT`]) reads it at both sizes; a
///   number the English model and the Chinese or Han one read, and no model dissents from
///   ([`agreement`]), is the cell's number, with the surer reading's confidence;
/// - otherwise the cell keeps its first reading with confidence 0 (an empty first
///   reading takes the English one), which gives `ocr_unsure` and no fact; so do digits
///   on two lines (two rows whose border was not found).
///
/// A cell read as Chinese with digits keeps its first reading, trusted only if the English
/// model reads the same digits. A cell read as a character or two without digits (a `0`
/// read as `汉`) is read again like a doubtful number: it becomes the number both models
/// agree on, or stays as read (and gives no fact where a number belongs).
fn settle_numbers(
    read: &mut [Vec<Word>],
    cells: &Cells,
    dpi: f64,
    reader: &Reader,
) -> Result<(), OcrError> {
    let digits_only = [
        "-l",
        "eng",
        "--psm",
        "6",
        "-c",
        "tessedit_char_whitelist=0123456789.,-+",
    ];
    let kinds: Vec<Reading> = read.iter().map(|w| reading(w)).collect();
    let checked: Vec<usize> = (0..read.len())
        .filter(|&n| kinds[n] != Reading::Text)
        .collect();
    let again: Vec<String> = checked.iter().map(|&n| cells.files[n].clone()).collect();
    let english = reader.read(&again, &digits_only, dpi, "digits")?;
    let english_of = |k: usize| english.get(k).cloned().unwrap_or_default();
    // Cells whose two readings disagree, read again enlarged.
    let mut doubtful: Vec<(usize, usize)> = Vec::new();
    for (k, &n) in checked.iter().enumerate() {
        let first = number(&read[n]);
        let differs = first.is_empty() || first != number(&english_of(k));
        if kinds[n] == Reading::Stray || (kinds[n] == Reading::Number && differs) {
            doubtful.push((k, n));
        }
    }
    let mut large_files = Vec::with_capacity(doubtful.len());
    for &(_, n) in &doubtful {
        let crop = &cells.crops[n];
        let [x0, y0, x1, y1] = crop.inside;
        let image = cells.pages[crop.page]
            .image
            .crop_padded(x0, y0, x1, y1, cells.pad)
            .enlarged(ENLARGED);
        let path = reader.dir.join(format!("large-{n}.pgm"));
        std::fs::write(&path, image.to_pgm()).map_err(|e| OcrError::Failed(e.to_string()))?;
        large_files.push(path.display().to_string());
    }
    let large_dpi = dpi * ENLARGED;
    let large_chinese = reader.read(&large_files, &chinese("6"), large_dpi, "large")?;
    let large_english = reader.read(&large_files, &digits_only, large_dpi, "large-digits")?;
    // A third model, tesseract's model of the Han script ([`HAN_SCRIPT`]), reads each doubtful
    // cell: it reads some digits (a lone `3`) that the Chinese model reads as nothing at
    // either size. Where it is not installed, the cells go without it.
    let doubtful_files: Vec<String> = doubtful
        .iter()
        .map(|&(_, n)| cells.files[n].clone())
        .collect();
    let script = reader
        .read(&doubtful_files, &HAN_SCRIPT, dpi, "script")
        .unwrap_or_default();
    let large_script = reader
        .read(&large_files, &HAN_SCRIPT, large_dpi, "large-script")
        .unwrap_or_default();
    let shrunk = |words: Option<&Vec<Word>>| -> Vec<Word> {
        words
            .map(|ws| {
                ws.iter()
                    .map(|w| placed(w.clone(), 0.0, 0.0, 1.0 / ENLARGED))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut settled: Vec<Option<Vec<Word>>> = vec![None; read.len()];
    for (j, &(k, n)) in doubtful.iter().enumerate() {
        // Each model's readings of the cell, at both sizes.
        let chinese_readings = [read[n].clone(), shrunk(large_chinese.get(j))];
        let script_readings = [
            script.get(j).cloned().unwrap_or_default(),
            shrunk(large_script.get(j)),
        ];
        let english_readings = [english_of(k), shrunk(large_english.get(j))];
        let agreed = agreement(&[&chinese_readings, &script_readings], &english_readings);
        settled[n] = match (agreed, kinds[n]) {
            // A stray character no reading turns into an agreed number stays as read.
            (None, Reading::Stray) => None,
            (Some((c, _)), Reading::Stray) if !number(c).contains(|d: char| d.is_ascii_digit()) => {
                None
            }
            (Some((c, e)), _) => Some({
                let sure = least_sure(c).max(least_sure(e));
                let mut words = e.clone();
                for w in &mut words {
                    w.confidence = sure;
                }
                words
            }),
            (None, _) => Some({
                let mut words = if read[n].is_empty() {
                    english_of(k)
                } else {
                    read[n].clone()
                };
                for w in &mut words {
                    w.confidence = 0.0;
                }
                words
            }),
        };
    }
    for (k, &n) in checked.iter().enumerate() {
        if let Some(words) = settled[n].take() {
            read[n] = words;
        }
        let mixed_differs =
            kinds[n] == Reading::Mixed && digits(&read[n]) != digits(&english_of(k));
        // Digits alone on two lines are two rows' numbers whose border was not found
        // (the rows' labels then run together too): neither row's number can be placed.
        let stacked = matches!(kinds[n], Reading::Number | Reading::Stray)
            && !number(&read[n]).is_empty()
            && cells.crops[n].bands > 1;
        if mixed_differs || stacked {
            for w in &mut read[n] {
                w.confidence = 0.0;
            }
        }
    }
    Ok(())
}

/// The readings two models agree on, if they do without dissent: a number the English
/// model reads (at one size or the other) and the Chinese or Han script model reads too,
/// where no model reads only other numbers. tesseract's models misread the same digit
/// differently (`755`: Chinese `755`, Han script and English `155`), so a model that
/// read a number, never this one, is a dissent, and the cell gets no number.
/// Returns the agreeing readings (the first Chinese or Han one, and the English one).
fn agreement<'a>(
    others: &[&'a [Vec<Word>; 2]],
    english: &'a [Vec<Word>; 2],
) -> Option<(&'a Vec<Word>, &'a Vec<Word>)> {
    let values = |readings: &[Vec<Word>; 2]| -> Vec<String> {
        readings
            .iter()
            .map(|r| number(r))
            .filter(|v| !v.is_empty())
            .collect()
    };
    let english_values = values(english);
    let models: Vec<Vec<String>> = others
        .iter()
        .map(|r| values(r))
        .chain([english_values.clone()])
        .collect();
    let unanimous = |v: &String| models.iter().all(|m| m.is_empty() || m.contains(v));
    let mut agreed: Vec<&String> = english_values.iter().filter(|v| unanimous(v)).collect();
    agreed.dedup();
    let [value] = agreed.as_slice() else {
        return None;
    };
    let other = others
        .iter()
        .flat_map(|r| r.iter())
        .find(|r| number(r) == **value)?;
    let english = english.iter().find(|r| number(r) == **value)?;
    Some((other, english))
}

/// The number a cell's words spell, in reading order: digits, decimal points and signs
/// (`25211 元` → `25211`, `3.5` → `3.5`), so that `35` and `3.5` differ.
fn number(words: &[Word]) -> String {
    in_reading_order(words)
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
        .collect()
}

/// A cell's characters, line by line, left to right.
fn in_reading_order(words: &[Word]) -> impl Iterator<Item = char> + '_ {
    let refs: Vec<&Word> = words.iter().collect();
    lattice::lines(&refs)
        .into_iter()
        .flatten()
        .flat_map(|w| w.text.chars())
}

/// The least confidence among words (0 for none).
fn least_sure(words: &[Word]) -> f64 {
    words
        .iter()
        .map(|w| w.confidence)
        .reduce(f64::min)
        .unwrap_or(0.0)
}

/// tesseract splits Chinese text into a word per character or two (`政府 信息 公开`),
/// where a text layer has a word per run of text. Words on one line closer than `gap`
/// times their height, with Chinese (or any non-ASCII) text on either side of the gap,
/// are one word: the prose reads `政府信息公开`, as headings and labels are written.
fn joined(words: Vec<Word>, gap: f64) -> Vec<Word> {
    let refs: Vec<&Word> = words.iter().collect();
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    for line in lattice::lines(&refs) {
        let mut current: Option<Word> = None;
        for w in line {
            match current.as_mut() {
                Some(c)
                    if w.left - c.right <= gap * c.height().min(w.height())
                        && (!c.text.ends_with(|ch: char| ch.is_ascii())
                            || !w.text.starts_with(|ch: char| ch.is_ascii())) =>
                {
                    c.text.push_str(&w.text);
                    c.right = c.right.max(w.right);
                    c.top = c.top.min(w.top);
                    c.bottom = c.bottom.max(w.bottom);
                    c.confidence = c.confidence.min(w.confidence);
                }
                _ => {
                    out.extend(current.take());
                    current = Some(w.clone());
                }
            }
        }
        out.extend(current);
    }
    out
}

/// tesseract's arguments for the Chinese model in page segmentation mode `psm`.
fn chinese(psm: &str) -> [&str; 4] {
    ["-l", "", "--psm", psm]
}

/// The digits a cell's words hold, in reading order (`25211 元` → `25211`).
fn digits(words: &[Word]) -> String {
    in_reading_order(words)
        .filter(char::is_ascii_digit)
        .collect()
}

/// A word from a crop, moved to its place on the page and into points.
fn placed(w: Word, x: f64, y: f64, scale: f64) -> Word {
    Word {
        left: (w.left + x) * scale,
        top: (w.top + y) * scale,
        right: (w.right + x) * scale,
        bottom: (w.bottom + y) * scale,
        ..w
    }
}

/// Runs tesseract for one file's pages: the settings, the folder of its images, and the
/// time and memory each run may take.
struct Reader<'a> {
    options: &'a OcrOptions,
    dir: &'a Path,
    limits: PdfLimits,
}

impl Reader<'_> {
    /// Runs tesseract once over a list of images (its model is loaded once), with `args`
    /// (an empty `-l` value is the configured languages), and returns each image's words
    /// in its pixels. `name` names the list file in the folder.
    fn read(
        &self,
        files: &[String],
        args: &[&str],
        dpi: f64,
        name: &str,
    ) -> Result<Vec<Vec<Word>>, OcrError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let options = self.options;
        let list = self.dir.join(format!("{name}.txt"));
        std::fs::write(&list, files.join("\n") + "\n")
            .map_err(|e| OcrError::Failed(e.to_string()))?;
        let list_arg = list.display().to_string();
        let dpi_arg = (dpi.round() as u32).to_string();
        let mut all: Vec<&str> = vec![&list_arg, "stdout", "--dpi", &dpi_arg];
        all.extend(args.iter().map(|a| {
            if a.is_empty() {
                options.languages.as_str()
            } else {
                a
            }
        }));
        all.push("tsv");
        let out = run_program(
            &options.tesseract,
            &all,
            &[],
            // The workers already read one file each: tesseract's own threads would only
            // fight them for the cores.
            &[("OMP_THREAD_LIMIT", "1")],
            self.limits,
        )
        .map_err(|e| program_error(&options.tesseract, e))?;
        Ok(words::parse_tsv(&String::from_utf8_lossy(&out), 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(texts: &[&str]) -> Vec<Word> {
        texts
            .iter()
            .enumerate()
            .map(|(k, t)| Word {
                left: 10.0 * k as f64,
                top: 0.0,
                right: 10.0 * k as f64 + 8.0,
                bottom: 10.0,
                text: t.to_string(),
                confidence: 0.9,
            })
            .collect()
    }

    fn agreed(
        chinese: [&[&str]; 2],
        script: [&[&str]; 2],
        english: [&[&str]; 2],
    ) -> Option<String> {
        let chinese = [read(chinese[0]), read(chinese[1])];
        let script = [read(script[0]), read(script[1])];
        let english = [read(english[0]), read(english[1])];
        agreement(&[&chinese, &script], &english).map(|(_, e)| number(e))
    }

    #[test]
    fn a_number_is_agreed_by_two_models_and_dissented_by_none() {
        // The Chinese model drops a digit its enlarged reading keeps.
        assert_eq!(
            agreed([&["5"], &["15"]], [&[], &[]], [&["15"], &["15"]]).as_deref(),
            Some("15")
        );
        // Only the Han script model reads the digit.
        assert_eq!(
            agreed([&[], &[]], [&["3"], &[]], [&["3"], &["3"]]).as_deref(),
            Some("3")
        );
        // The Chinese model read 755 and nothing else: a dissent, however the others agree.
        assert_eq!(
            agreed([&["755"], &["755"]], [&["155"], &[]], [&["155"], &["155"]]),
            None
        );
        // Two numbers each agreed: none.
        assert_eq!(agreed([&["8"], &["3"]], [&[], &[]], [&["8"], &["3"]]), None);
        // The English model alone: none.
        assert_eq!(agreed([&[], &[]], [&[], &[]], [&["1"], &["1"]]), None);
    }
}
