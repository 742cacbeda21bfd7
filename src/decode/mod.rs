//! decode: a file's bytes → report text, whatever form it was published in.
//!
//! The form is recognised from the bytes (magic numbers, markup), never only from the
//! file name: a `.htm` saved as GBK, a PDF named `.txt` and a DOCX without an extension
//! all happen. Text and HTML are decoded by BOM, then a declared charset (trusted only if
//! the bytes decode cleanly under it), then strict UTF-8, then a statistical guess
//! (chardetng, GB18030 family for Chinese). HTML and DOCX tables become tab-separated
//! grids; PDF text comes from poppler, and ruled PDF tables become the same grids by
//! their geometry ([`pdf`]); scans (图片版) are read by OCR where it is on ([`ocr`]).
//! Undecodable bytes become U+FFFD
//! plus an `encoding` error (the report is then `partial`: lost bytes may be lost
//! numbers); forms this stage cannot read give a finding and no text.

pub mod docx;
pub mod grid;
pub mod html;
pub mod ocr;
pub mod pdf;

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};
use regex::bytes::Regex;

use crate::model::{Code, FileStat, Finding, PictureFile};

/// The form a report was published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text or markdown.
    Text,
    /// A web page.
    Html,
    /// A Word document (Office Open XML).
    Docx,
    /// A PDF (with a text layer, or a scan read by OCR).
    Pdf,
    /// A page image (PNG, JPEG), read by OCR.
    Image,
}

impl Format {
    /// The code written to the `reports` table.
    pub fn code(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Image => "image",
        }
    }
}

/// Settings of the decode stage.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeOptions {
    /// The `pdftotext` program to run.
    pub pdftotext: String,
    /// How long one PDF may take.
    pub pdf_timeout: Duration,
    /// How much memory (address space) `pdftotext` may use for one PDF, in bytes.
    pub pdf_memory_bytes: u64,
    /// Largest file read, in bytes; larger ones are `too_large`.
    pub max_file_bytes: u64,
    /// How scans (PDFs without text, page images) are read by OCR.
    pub ocr: ocr::OcrOptions,
}

/// The default size limit: real reports are tens of kilobytes as text and a few megabytes
/// as PDF; a scanned PDF runs to tens of megabytes.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The default memory limit of `pdftotext`: a few hundred pages take tens of megabytes;
/// the limit only stops PDFs built (or broken) to exhaust memory.
pub const DEFAULT_PDF_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            pdftotext: "pdftotext".to_string(),
            pdf_timeout: Duration::from_secs(60),
            pdf_memory_bytes: DEFAULT_PDF_MEMORY_BYTES,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            ocr: ocr::OcrOptions::default(),
        }
    }
}

impl DecodeOptions {
    /// The limits every program run on a file's behalf (poppler, tesseract) gets.
    fn pdf_limits(&self) -> pdf::PdfLimits {
        pdf::PdfLimits {
            timeout: self.pdf_timeout,
            memory_bytes: self.pdf_memory_bytes,
            // No report's text comes near the largest file read.
            output_bytes: self.max_file_bytes,
        }
    }
}

/// Text decoded from a file, with the decisions that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The report text (for HTML, DOCX and PDF: rendered, tables as tab-separated rows).
    pub text: String,
    /// The form the file was in.
    pub format: Format,
    /// The character encoding of the bytes (WHATWG name, e.g. `UTF-8`, `GBK`); `None` for
    /// DOCX and PDF, whose text encoding is internal to the format.
    pub encoding: Option<&'static str>,
    /// Problems met while decoding (undecodable bytes, a wrong declared charset, a PDF
    /// table that could not be read).
    pub findings: Vec<Finding>,
    /// For a scan read by OCR: how sure it was of each table cell. `None`: the text was
    /// in the file.
    pub ocr: Option<Vec<ocr::CellConfidence>>,
    /// For a web page: the files beside it that its pictures name, as they were before
    /// they were read.
    pub pictures: Vec<PictureFile>,
}

/// What a file's bytes turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Readable text.
    Text(Decoded),
    /// Not readable; the finding says why and what to do.
    Unreadable(Finding),
}

/// Formats recognised by magic number that gongkai does not read.
fn sniff_unsupported(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "OLE2 document (.doc, .wps, .xls)",
        ),
        (b"GIF8", "GIF image"),
        (b"II*\x00", "TIFF image"),
        (b"MM\x00*", "TIFF image"),
        (b"BM", "BMP image"),
        (b"Rar!", "RAR archive"),
        (b"7z\xBC\xAF\x27\x1C", "7z archive"),
        (b"\x1F\x8B", "gzip archive"),
        (b"{\\rtf", "RTF document"),
        (b"MIME-Version:", "MHT web archive"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, name)| *name)
}

fn unsupported(format: &str, advice: &str) -> Content {
    Content::Unreadable(Finding::error(
        Code::UnsupportedFormat,
        format!("the file is a {format}, which gongkai does not read; {advice}"),
        None,
    ))
}

/// Decodes a file's bytes into report text. Never fails: problems are findings. The
/// pictures a web page shows of its report's pages are not read: see [`decode_in`].
pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Content {
    decode_in(bytes, None, options)
}

/// Decodes a file's bytes into report text, the file being in `folder`: a web page
/// whose report is pictures of its pages (图片版) has them read by OCR, from the files
/// its `<img>` name under `folder` (as a browser saves a page: `X_files/…`) or from the
/// page itself (`data:` URIs). Never fails: problems are findings.
pub fn decode_in(bytes: &[u8], folder: Option<&Path>, options: &DecodeOptions) -> Content {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Content::Unreadable(Finding::error(
            Code::EmptyFile,
            "the file is empty (or holds only white space); re-download the report",
            None,
        ));
    }
    if bytes.starts_with(b"%PDF-") {
        return decode_pdf(bytes, options);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return decode_zip(bytes);
    }
    if is_png_or_jpeg(bytes) {
        return decode_scan(bytes, Format::Image, options);
    }
    if let Some(format) = sniff_unsupported(bytes) {
        let advice = if format.starts_with("OLE2") {
            "save it as .docx or PDF"
        } else if format.ends_with("image") {
            "save the scanned page as PNG or JPEG, which gongkai reads by OCR (`ocr = true`)"
        } else {
            "unpack or convert it to text, HTML, DOCX or PDF"
        };
        return unsupported(format, advice);
    }
    let (encoding, bom_len) = match Encoding::for_bom(bytes) {
        Some((e, len)) => (Some(e), len),
        None => (bomless_utf16(bytes), 0),
    };
    let body = &bytes[bom_len..];
    if encoding.is_none() {
        let nuls = body.iter().filter(|b| **b == 0).count();
        if nuls > 0 {
            return unsupported(
                &format!("binary file ({nuls} NUL bytes)"),
                "it is not a report",
            );
        }
    }
    let looks_html = looks_like_html(body);
    let (text, encoding, mut warning) = match encoding {
        Some(e) => decode_with(e, body),
        None => decode_guessing(body, looks_html),
    };
    if looks_html || looks_like_html(text.as_bytes()) {
        let depth = html::nesting_depth(&text);
        if depth > html::MAX_NESTING {
            return Content::Unreadable(Finding::error(
                Code::ResourceLimit,
                format!(
                    "the web page nests its tags {depth} levels deep (the limit is {}): no report page \
                     does that, so it is not parsed",
                    html::MAX_NESTING
                ),
                None,
            ));
        }
        // A page cut off inside a text (a broken download) does not end with `>`: its
        // last text may be half a number (`1` of `152`), so it is dropped.
        let whole = text.trim_end().ends_with('>');
        let kept = if whole {
            text.as_str()
        } else {
            &text[..text.rfind('>').map_or(0, |i| i + 1)]
        };
        let page = html::read_page(kept);
        if !whole && warning.is_none() {
            warning = Some(Finding::warning(
                Code::Truncated,
                "the web page ends in the middle of a text, so it was probably cut off; its \
                 last text is not read",
                None,
            ));
        }
        let mut decoded = Decoded {
            text: page.text,
            format: Format::Html,
            encoding: Some(encoding),
            findings: warning.take().into_iter().collect(),
            ocr: None,
            pictures: Vec::new(),
        };
        if !page.images.is_empty() {
            read_pictures(&mut decoded, &page.images, folder, options);
        }
        return Content::Text(decoded);
    }
    Content::Text(Decoded {
        text,
        format: Format::Text,
        encoding: Some(encoding),
        findings: warning.into_iter().collect(),
        ocr: None,
        pictures: Vec::new(),
    })
}

fn decode_pdf(bytes: &[u8], options: &DecodeOptions) -> Content {
    let limits = options.pdf_limits();
    match pdf::pdf_to_text(bytes, &options.pdftotext, limits) {
        Ok(pdf::PdfText { text, findings }) => Content::Text(Decoded { text, format: Format::Pdf, encoding: None, findings, ocr: None, pictures: Vec::new() }),
        Err(pdf::PdfError::NoTextLayer) => decode_scan(bytes, Format::Pdf, options),
        Err(pdf::PdfError::ExtractorMissing(e)) => Content::Unreadable(Finding::error(
            Code::ExtractorMissing,
            format!("cannot run pdftotext to read this PDF ({e}); install poppler-utils and poppler-data"),
            None,
        )),
        Err(pdf::PdfError::Timeout(t)) => Content::Unreadable(Finding::error(
            Code::Timeout,
            format!("reading the PDF took longer than {}s and was stopped; the file may be damaged or huge", t.as_secs()),
            None,
        )),
        Err(pdf::PdfError::ResourceLimit(e)) => Content::Unreadable(Finding::error(
            Code::ResourceLimit,
            format!("reading the PDF was stopped: {e}; the file may be damaged or built to exhaust memory (`pdf-memory-mb` in the pipeline file)"),
            None,
        )),
        Err(pdf::PdfError::Failed(e)) => Content::Unreadable(Finding::error(
            Code::UnreadablePdf,
            format!("pdftotext could not read the PDF ({e}); the file may be damaged or encrypted"),
            None,
        )),
    }
}

/// A scan (a PDF without text, or a page image) read by OCR.
fn decode_scan(bytes: &[u8], format: Format, options: &DecodeOptions) -> Content {
    let limits = options.pdf_limits();
    let what = match format {
        Format::Image => "the image",
        _ => "the PDF has no text layer (a scanned report, 图片版) and",
    };
    if options.ocr.tesseract.is_empty() {
        return Content::Unreadable(Finding::error(
            Code::NoTextLayer,
            format!(
                "{what} needs OCR, which is off (`ocr = true` in the pipeline file turns it on)"
            ),
            None,
        ));
    }
    let read = match format {
        Format::Image => ocr::ocr_image(bytes, &options.ocr, limits),
        _ => ocr::ocr_pdf(bytes, &options.ocr, limits),
    };
    match read {
        Ok(ocr::OcrText {
            text,
            confidence,
            findings,
            ..
        }) => Content::Text(Decoded {
            text,
            format,
            encoding: None,
            findings,
            ocr: Some(confidence),
            pictures: Vec::new(),
        }),
        Err(ocr::OcrError::NothingRead) => Content::Unreadable(Finding::error(
            Code::NoTextLayer,
            format!("{what} was read by OCR, which found no text on it"),
            None,
        )),
        Err(ocr::OcrError::Missing(e)) => Content::Unreadable(Finding::error(
            Code::OcrFailed,
            format!(
                "{what} needs OCR, and a program it runs is missing ({e}); install tesseract-ocr, \
                 tesseract-ocr-chi-sim and poppler-utils"
            ),
            None,
        )),
        Err(ocr::OcrError::Failed(e)) => Content::Unreadable(Finding::error(
            Code::OcrFailed,
            format!("{what} could not be read by OCR: {e}"),
            None,
        )),
        Err(ocr::OcrError::BadImage(e)) => Content::Unreadable(Finding::error(
            Code::OcrFailed,
            format!("{what} could not be decoded as an image ({e}); the file may be damaged"),
            None,
        )),
    }
}

/// A picture must be this many pixels across its shorter side to be taken for a page of
/// the report: a page shown at a readable size is several hundred pixels wide, where
/// logos, icons, buttons and QR codes are smaller.
const MIN_PICTURE_SIDE: u32 = 400;

/// Reads, by OCR, the pictures of a web page that are its report's pages (PNG or JPEG, at
/// least [`MIN_PICTURE_SIDE`] pixels across), after the page's own text. Where OCR is off
/// or fails, the page keeps its text and a finding says why its report was not read.
fn read_pictures(
    decoded: &mut Decoded,
    sources: &[String],
    folder: Option<&Path>,
    options: &DecodeOptions,
) {
    // The pictures read are bounded as a scan is: at most `ocr-max-pages` of them, and
    // no more bytes in all than one file may have (a page naming one large picture a
    // thousand times must not fill the memory). The rest are counted, not kept.
    // With OCR off, pictures are only counted: their headers are read, not their bytes.
    let ocr_on = !options.ocr.tesseract.is_empty();
    // Before any is read: a picture replaced while the page is read differs from its
    // record, so the next incremental run reads the page again.
    if let Some(folder) = folder {
        decoded.pictures = pictures_beside(sources, folder);
    }
    let mut pictures: Vec<Vec<u8>> = Vec::new();
    let (mut shown, mut held) = (0usize, 0u64);
    for picture in sources
        .iter()
        .filter_map(|src| Picture::named(src, folder, options.max_file_bytes))
    {
        shown += 1;
        if !ocr_on || pictures.len() >= options.ocr.max_pages {
            continue;
        }
        if let Some(bytes) = picture.bytes() {
            let size = bytes.len() as u64;
            if held + size <= options.max_file_bytes {
                held += size;
                pictures.push(bytes);
            }
        }
    }
    if shown == 0 {
        return;
    }
    let what = match shown {
        1 => "the web page shows its report as 1 picture of its pages (图片版)".to_string(),
        _ => format!("the web page shows its report as {shown} pictures of its pages (图片版)"),
    };
    if !ocr_on {
        decoded.findings.push(Finding::error(
            Code::NoTextLayer,
            format!(
                "{what}, which need OCR, which is off (`ocr = true` in the pipeline file turns \
                 it on)"
            ),
            None,
        ));
        return;
    }
    if shown > pictures.len() {
        decoded.findings.push(Finding::warning(
            Code::OcrPagesSkipped,
            format!(
                "{what}; only the first {} were read by OCR (`ocr-max-pages`, and \
                 `max-file-mb` for their bytes in all, in the pipeline file)",
                pictures.len()
            ),
            None,
        ));
    }
    match ocr::ocr_pictures(&pictures, &options.ocr, options.pdf_limits()) {
        Ok(read) => {
            // The page's own text (its title, the portal's lines) comes first: the
            // pictures' lines are counted after it.
            let before = decoded.text.lines().count() as i32;
            if !decoded.text.is_empty() && !decoded.text.ends_with('\n') {
                decoded.text.push('\n');
            }
            decoded.text.push_str(&read.text);
            decoded
                .findings
                .extend(read.findings.into_iter().map(|mut f| {
                    f.line = f.line.map(|l| l + before);
                    f
                }));
            decoded.ocr = Some(
                read.confidence
                    .into_iter()
                    .map(|mut c| {
                        c.line += before;
                        c
                    })
                    .collect(),
            );
        }
        Err(e) => {
            let why = match e {
                ocr::OcrError::NothingRead => "OCR found no text on them".to_string(),
                ocr::OcrError::Missing(e) => format!(
                    "a program OCR runs is missing ({e}); install tesseract-ocr and \
                     tesseract-ocr-chi-sim"
                ),
                ocr::OcrError::Failed(e) => format!("OCR failed: {e}"),
                ocr::OcrError::BadImage(e) => format!("a picture could not be decoded ({e})"),
            };
            decoded.findings.push(Finding::error(
                Code::OcrFailed,
                format!("{what}, not read: {why}"),
                None,
            ));
        }
    }
}

/// The files under `folder` that a page's `<img src>`s name (pictures of its pages or
/// not: an icon replaced by a page's picture changes the report), each with its size and
/// time as it is now, in path order; a file named but missing is recorded as missing.
fn pictures_beside(sources: &[String], folder: &Path) -> Vec<PictureFile> {
    let mut paths: Vec<String> = sources
        .iter()
        .filter_map(|src| crate::text::relative_src(src))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths
        .into_iter()
        .map(|path| PictureFile {
            stat: FileStat::of(&folder.join(&path)),
            path,
        })
        .collect()
}

/// A picture of a page a web page shows: inside the page (a `data:` URI) or a file.
enum Picture {
    Inline(Vec<u8>),
    File(std::path::PathBuf),
}

impl Picture {
    /// The picture `src` names, if it is a PNG or JPEG large enough to be a page: a
    /// `data:` URI's, or a file's under `folder` (a relative path without `..`, at most
    /// `max_bytes`; a web address is not fetched: nothing is downloaded). Only a file's
    /// header is read here.
    fn named(src: &str, folder: Option<&Path>, max_bytes: u64) -> Option<Picture> {
        use base64::Engine as _;
        let picture = if let Some(data) = src.strip_prefix("data:") {
            let (kind, payload) = data.split_once(',')?;
            if !kind.ends_with(";base64") {
                return None;
            }
            let payload: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(payload)
                .ok()?;
            is_page_picture(std::io::Cursor::new(&bytes)).then_some(Picture::Inline(bytes))?
        } else {
            // The same reading of `src` as the walk's, which leaves the picture to this page.
            let relative = crate::text::relative_src(src)?;
            let file = folder?.join(relative);
            if std::fs::metadata(&file).ok()?.len() > max_bytes {
                return None;
            }
            let header = std::io::BufReader::new(std::fs::File::open(&file).ok()?);
            is_page_picture(header).then_some(Picture::File(file))?
        };
        Some(picture)
    }

    /// The picture's bytes.
    fn bytes(self) -> Option<Vec<u8>> {
        match self {
            Picture::Inline(bytes) => Some(bytes),
            Picture::File(path) => std::fs::read(path).ok(),
        }
    }
}

/// Whether `bytes` begin as a PNG or a JPEG file does (the pictures OCR reads).
fn is_png_or_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(b"\xFF\xD8\xFF")
}

/// Whether `image` is a PNG or JPEG at least [`MIN_PICTURE_SIDE`] pixels across (only its
/// header is read).
fn is_page_picture(mut image: impl std::io::BufRead + std::io::Seek) -> bool {
    let mut magic = [0u8; 8];
    let magic_ok =
        std::io::Read::read_exact(&mut image, &mut magic).is_ok() && is_png_or_jpeg(&magic);
    if !magic_ok || image.seek(std::io::SeekFrom::Start(0)).is_err() {
        return false;
    }
    ::image::ImageReader::new(image)
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .is_some_and(|(width, height)| width.min(height) >= MIN_PICTURE_SIDE)
}

fn decode_zip(bytes: &[u8]) -> Content {
    match docx::docx_to_text(bytes) {
        Ok(text) => Content::Text(Decoded { text, format: Format::Docx, encoding: None, findings: Vec::new(), ocr: None, pictures: Vec::new() }),
        Err(docx::DocxError::NotDocx(what)) => unsupported(&what, "only .docx Word documents are read from zip containers"),
        Err(docx::DocxError::NotZip(e)) => Content::Unreadable(Finding::error(
            Code::UnreadableDocx,
            format!("the file starts like a zip/DOCX container but cannot be opened ({e}); it may be truncated"),
            None,
        )),
        Err(docx::DocxError::BadXml(e)) => Content::Unreadable(Finding::error(
            Code::UnreadableDocx,
            format!("word/document.xml in this DOCX is not well-formed ({e}); re-save the document"),
            None,
        )),
        Err(docx::DocxError::TooLarge(e)) => Content::Unreadable(Finding::error(
            Code::ResourceLimit,
            format!("the DOCX is too large to read safely: {e}"),
            None,
        )),
    }
}

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-z0-9_\-]+)"#).unwrap()
});

fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    let starts_with_tag = lower.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    starts_with_tag
        && (has(b"<html")
            || has(b"<body")
            || has(b"<table")
            || has(b"<div")
            || has(b"<p>")
            || has(b"<meta"))
}

/// Decodes text without a BOM: a declared charset that decodes cleanly, else UTF-8, else
/// the detector's guess. Portals often declare one charset and send another: the bytes win.
fn decode_guessing(bytes: &[u8], html: bool) -> (String, &'static str, Option<Finding>) {
    let mut declared_note = None;
    if html {
        let head = &bytes[..bytes.len().min(2048)];
        if let Some(label) = META_CHARSET
            .captures(head)
            .and_then(|c| Encoding::for_label(&c[1]))
        {
            let (text, had_errors) = label.decode_without_bom_handling(bytes);
            if !had_errors {
                return (text.into_owned(), label.name(), None);
            }
            declared_note = Some(label.name());
        }
    }
    let (text, encoding, warning) = if let Some(text) =
        UTF_8.decode_without_bom_handling_and_without_replacement(bytes)
    {
        // Most files: one validating pass (encoding_rs's, faster than `str::from_utf8`
        // on Chinese text), which stops at the first byte that is not UTF-8.
        (text.into_owned(), UTF_8.name(), None)
    } else if mostly_utf8(bytes) {
        decode_with(UTF_8, bytes)
    } else if let (text, false) = GB18030.decode_without_bom_handling(bytes) {
        // Mainland reports that are not UTF-8 are GBK/GB2312/GB18030: a clean decode
        // settles it, and costs far less than the statistical detector.
        (
            text.into_owned(),
            if bytes_fit_gbk(bytes) {
                "GBK"
            } else {
                GB18030.name()
            },
            None,
        )
    } else {
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        detector.feed(bytes, true);
        decode_with(
            detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow),
            bytes,
        )
    };
    let warning = warning.or_else(|| {
        declared_note.map(|d| {
            Finding::warning(
                Code::Encoding,
                format!("the page declares charset {d} but its bytes are {encoding}; read as {encoding}"),
                None,
            )
        })
    });
    (text, encoding, warning)
}

/// Whether GB18030 bytes use only GBK's two-byte range (no four-byte sequences), so the
/// file is named by the narrower, more familiar encoding.
fn bytes_fit_gbk(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
        } else if bytes.get(i + 1).is_some_and(|n| (0x30..=0x39).contains(n)) {
            return false;
        } else {
            i += 2;
        }
    }
    true
}

/// A UTF-8 file with a few corrupt bytes (a bad download, a truncated character) must stay
/// UTF-8: a statistical guess on it would turn all its Chinese into the wrong characters.
/// It is UTF-8 when valid multi-byte characters outnumber invalid sequences twenty to one.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    valid >= 20 && valid > invalid * 20
}

/// UTF-16 without a BOM: Chinese text in UTF-16 has NUL bytes in the high or low half of
/// ASCII characters (line breaks, digits), on one parity only.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let even = bytes.iter().step_by(2).filter(|b| **b == 0).count();
    let odd = bytes.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let half = bytes.len() / 2;
    if odd * 10 > half && even == 0 {
        Some(UTF_16LE)
    } else if even * 10 > half && odd == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn decode_with(
    encoding: &'static Encoding,
    bytes: &[u8],
) -> (String, &'static str, Option<Finding>) {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let text = text.into_owned();
    let warning = had_errors.then(|| {
        let bad = text.chars().filter(|c| *c == '\u{FFFD}').count();
        Finding::error(
            Code::Encoding,
            format!(
                "{bad} byte sequences are not valid {}; they were replaced by U+FFFD and any \
                 number in them is lost: check the file against its source",
                encoding.name()
            ),
            None,
        )
    });
    (text, encoding.name(), warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        ::image::GrayImage::from_pixel(width, height, ::image::Luma([200]))
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                ::image::ImageFormat::Png,
            )
            .unwrap();
        bytes
    }

    #[test]
    fn pictures_are_taken_from_the_folder_or_the_page_never_from_elsewhere() {
        use base64::Engine as _;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("page");
        std::fs::create_dir_all(folder.join("报告_files")).unwrap();
        std::fs::write(folder.join("报告_files/1.png"), png(800, 1100)).unwrap();
        std::fs::write(folder.join("报告_files/logo.png"), png(200, 60)).unwrap();
        std::fs::write(dir.path().join("outside.png"), png(800, 1100)).unwrap();
        let limit = DEFAULT_MAX_FILE_BYTES;
        let picture = |src: &str, folder: Option<&Path>, limit: u64| {
            Picture::named(src, folder, limit).and_then(Picture::bytes)
        };
        let at = |src: &str| picture(src, Some(&folder), limit).map(|b| b.len());
        let page = png(800, 1100).len();
        assert_eq!(at("报告_files/1.png"), Some(page));
        assert_eq!(at("./%E6%8A%A5%E5%91%8A_files/1.png?v=2"), Some(page));
        // Saved on Windows: the walk leaves this picture to the page, so the page reads it.
        assert_eq!(at("报告_files\\1.png"), Some(page));
        let inline = base64::engine::general_purpose::STANDARD.encode(png(800, 1100));
        assert_eq!(at(&format!("data:image/png;base64,{inline}")), Some(page));
        // Too small to be a page, outside the page's folder, on the web, not a picture.
        assert_eq!(at("报告_files/logo.png"), None);
        assert_eq!(at("../outside.png"), None);
        assert_eq!(at("/etc/passwd"), None);
        assert_eq!(at("https://example.org/1.png"), None);
        assert_eq!(at("报告_files/missing.png"), None);
        assert_eq!(picture("报告_files/1.png", None, limit), None);
        assert_eq!(picture("报告_files/1.png", Some(&folder), 100), None);
    }

    #[test]
    fn a_page_of_many_pictures_is_read_within_the_page_and_byte_limits() {
        let dir = tempfile::tempdir().unwrap();
        let page = png(800, 1100);
        std::fs::write(dir.path().join("1.png"), &page).unwrap();
        // One picture named five times: five pages, as far as the page says.
        let html = format!(
            "<html><body><h1>某县2022年政府信息公开工作年度报告</h1>{}</body></html>",
            "<img src=\"1.png\">".repeat(5)
        );
        let mut options = DecodeOptions::default();
        // A tesseract that is not there: the limits are decided before it runs.
        options.ocr.tesseract = "/nonexistent/tesseract".into();
        options.ocr.max_pages = 3;
        let skipped = |options: &DecodeOptions| -> String {
            let decoded = text(decode_in(html.as_bytes(), Some(dir.path()), options));
            assert!(decoded.findings.iter().any(|f| f.code == Code::OcrFailed));
            decoded
                .findings
                .iter()
                .find(|f| f.code == Code::OcrPagesSkipped)
                .map(|f| f.message.clone())
                .unwrap_or_default()
        };
        assert!(skipped(&options).contains("as 5 pictures of its pages (图片版); only the first 3"));
        // Two pictures' bytes are more than one file may have: one is read.
        options.max_file_bytes = page.len() as u64 * 3 / 2;
        assert!(skipped(&options).contains("only the first 1 were read"));
    }

    #[test]
    fn a_picture_page_without_ocr_says_so() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("1.png"), png(800, 1100)).unwrap();
        std::fs::write(dir.path().join("2.png"), png(800, 1100)).unwrap();
        let page = "<html><body><h1>某县2022年政府信息公开工作年度报告</h1><img src=\"1.png\">\
                    <img src=\"2.png\"><img src=\"3.png\"></body></html>";
        let decoded = text(decode_in(
            page.as_bytes(),
            Some(dir.path()),
            &DecodeOptions::default(),
        ));
        assert_eq!(decoded.findings.len(), 1, "{:?}", decoded.findings);
        assert_eq!(decoded.findings[0].code, Code::NoTextLayer);
        assert!(decoded.findings[0]
            .message
            .contains("shows its report as 2 pictures of its pages"));
        assert!(decoded.ocr.is_none());
        // Read without its folder, the page is only its text.
        let alone = text(decode(page.as_bytes(), &DecodeOptions::default()));
        assert!(alone.findings.is_empty());
    }

    fn decode_default(bytes: &[u8]) -> Content {
        decode(bytes, &DecodeOptions::default())
    }

    fn text(c: Content) -> Decoded {
        match c {
            Content::Text(d) => d,
            Content::Unreadable(f) => panic!("unreadable: {f:?}"),
        }
    }

    #[test]
    fn gb18030_is_detected() {
        let s =
            "泉港区 2021 年度政府信息公开工作年度报告\n一、总体情况\n本年新收政府信息公开申请数量";
        let (bytes, _, _) = encoding_rs::GB18030.encode(s);
        let d = text(decode_default(&bytes));
        assert_eq!(d.text, s);
        assert_eq!(
            d.encoding,
            Some("GBK"),
            "GBK is decoded as GB18030 by encoding_rs"
        );
        assert!(d.findings.is_empty());
    }

    #[test]
    fn utf16_and_bom() {
        let s = "泉港区 2021 年度报告\n";
        let mut le = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(text(decode_default(&le)).text, s);
        let mut bom8 = b"\xEF\xBB\xBF".to_vec();
        bom8.extend_from_slice(s.as_bytes());
        let d = text(decode_default(&bom8));
        assert_eq!((d.text.as_str(), d.encoding), (s, Some("UTF-8")));
    }

    #[test]
    fn utf8_with_a_few_bad_bytes_stays_utf8() {
        let mut bytes = "泉港区 2021 年度政府信息公开工作年度报告，本年新收政府信息公开申请数量"
            .as_bytes()
            .to_vec();
        bytes.insert(10, 0xFF);
        let d = text(decode_default(&bytes));
        assert_eq!(d.encoding, Some("UTF-8"));
        assert!(d.text.contains("政府信息公开工作年度报告"));
        assert_eq!(d.findings[0].code, Code::Encoding);
    }

    #[test]
    fn html_with_a_wrong_declared_charset_is_read_by_its_bytes() {
        let page = "<html><head><meta charset=\"gb2312\"></head><body><p>泉港区2021年政府信息公开工作年度报告</p></body></html>";
        // Declared GB2312 but sent as UTF-8: the bytes win, with a warning.
        let d = text(decode_default(page.as_bytes()));
        assert_eq!(d.format, Format::Html);
        assert_eq!(d.encoding, Some("UTF-8"));
        assert_eq!(d.text, "泉港区2021年政府信息公开工作年度报告\n");
        assert_eq!(d.findings[0].code, Code::Encoding);
        // Declared and sent as GBK.
        let (gbk, _, _) = encoding_rs::GBK.encode(page);
        let d = text(decode_default(&gbk));
        assert_eq!((d.encoding, d.findings.is_empty()), (Some("GBK"), true));
        assert_eq!(d.text, "泉港区2021年政府信息公开工作年度报告\n");
    }

    #[test]
    fn binary_and_empty_are_unreadable() {
        for (bytes, code) in [
            (
                &b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1...."[..],
                "unsupported_format",
            ),
            (&b"GIF89a...."[..], "unsupported_format"),
            (&b"PK\x03\x04...."[..], "unreadable_docx"),
            (&b"\x00\x01\x02\x03\x00\x00\x07"[..], "unsupported_format"),
            (&b"  \n\n"[..], "empty_file"),
        ] {
            match decode_default(bytes) {
                Content::Unreadable(f) => assert_eq!(f.code.code(), code),
                Content::Text(_) => panic!("decoded {bytes:?}"),
            }
        }
    }
}
