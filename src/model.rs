//! model: the output contract (`docs/schema.md`) as Rust types: one per output table.
//!
//! Codes that analysts filter on (`section`, `unit`, `status`, `severity`, `template`) are
//! enums serialised in snake_case, so no stage passes free strings to another.

use serde::{Deserialize, Serialize};

use rust_decimal::Decimal;

use crate::categories::{Breakdown, Category, Section};
use crate::prose::ProseTraces;
use crate::text::decimal_to_f64;

/// Which national table format a report follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Template {
    /// 国办公开办函〔2019〕60号, reporting years 2019–2020.
    #[serde(rename = "2019")]
    Y2019,
    /// 国办公开办函〔2021〕30号, reporting years 2021 on.
    #[serde(rename = "2021")]
    Y2021,
    /// No national tables were found.
    #[serde(rename = "none")]
    None,
}

impl Template {
    /// The template a code names, if any.
    pub fn from_code(code: &str) -> Option<Template> {
        [Template::Y2019, Template::Y2021, Template::None]
            .into_iter()
            .find(|t| t.code() == code)
    }

    /// The code written to the output tables.
    pub fn code(self) -> &'static str {
        match self {
            Template::Y2019 => "2019",
            Template::Y2021 => "2021",
            Template::None => "none",
        }
    }

    /// The template the format rules expect for a reporting year (`formats.md` §1).
    pub fn expected_for_year(year: i32) -> Template {
        match year {
            y if y <= 2018 => Template::None,
            2019 | 2020 => Template::Y2019,
            _ => Template::Y2021,
        }
    }
}

/// Where a fact's value was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Text in the file (a text layer, a web page, a Word document).
    #[default]
    Text,
    /// A scan's image, by OCR: the fact has a confidence.
    Ocr,
}

impl Source {
    /// The code written to the output tables.
    pub fn code(self) -> &'static str {
        match self {
            Source::Text => "text",
            Source::Ocr => "ocr",
        }
    }
}

/// Unit of a fact's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A count of documents, items, applications or cases.
    Count,
    /// Money, converted to 元.
    Yuan,
}

impl Unit {
    /// The unit a code names, if any.
    pub fn from_code(code: &str) -> Option<Unit> {
        [Unit::Count, Unit::Yuan]
            .into_iter()
            .find(|u| u.code() == code)
    }

    /// The code written to the output tables.
    pub fn code(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Yuan => "yuan",
        }
    }
}

/// One table cell: a row of the `facts` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// First 16 hex digits of the SHA-256 of the source file's bytes.
    pub report_id: String,
    /// The reporting agency, whitespace removed.
    pub agency: Option<String>,
    /// The reporting year (statistics period).
    pub year: Option<i32>,
    /// The national format the tables follow.
    pub template: Template,
    /// Which table the cell belongs to.
    pub section: Section,
    /// The row.
    pub category: Category,
    /// The column.
    pub breakdown: Breakdown,
    /// The number as written, money converted to 元.
    pub value: f64,
    /// `count` or `yuan`.
    pub unit: Unit,
    /// The cell text exactly as written.
    pub raw: String,
    /// 1-based line of the source text the value was read from.
    pub line: i32,
    /// How the value was placed, where the report alone did not decide it:
    /// `previous_year:REPORT_ID` for run-together digits split by the same agency's
    /// previous-year report. Empty for a cell read as it stands.
    #[serde(default)]
    pub provenance: Option<String>,
    /// Where the value was read: text in the file, or a scan by OCR.
    #[serde(default)]
    pub source: Source,
    /// For a value read by OCR, how sure OCR was of its cell (0–1, its least sure
    /// word); `None` for text that was in the file.
    #[serde(default)]
    pub confidence: Option<f64>,
}

/// A row whose run-together digits the report's own numbers leave several ways to split:
/// no facts, an `ambiguous_cells` error, and the candidates kept, so that the same
/// agency's previous-year report can decide among them once every report is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenSplit {
    /// The row.
    pub category: Category,
    /// Its source line (that of its `ambiguous_cells` diagnostic).
    pub line: i32,
    /// Each way the digits split, as the row's facts.
    pub candidates: Vec<Vec<Fact>>,
}

/// One cell placed in the grid of categories and breakdowns, value exact.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedCell {
    /// Which table.
    pub section: Section,
    /// The row.
    pub category: Category,
    /// The column.
    pub breakdown: Breakdown,
    /// The value as written, money in 元.
    pub value: Decimal,
    /// `count` or `yuan`.
    pub unit: Unit,
    /// The cell text exactly as written.
    pub raw: String,
    /// 1-based source line.
    pub line: i32,
    /// Index of the cell among its line's tab-separated cells, where it is one whole
    /// cell of such a line (not digits split from a run-together cell).
    pub position: Option<usize>,
    /// For a cell read by OCR, the confidence of its least sure word (0–1); `None` for
    /// text that was in the file.
    pub confidence: Option<f64>,
}

/// How far a report could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// All three tables read and every check passes.
    Ok,
    /// A table is missing, a row could not be read, or a check fails.
    Partial,
    /// Not readable, or not a report.
    Failed,
}

impl Status {
    /// The code written to the output tables.
    pub fn code(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Partial => "partial",
            Status::Failed => "failed",
        }
    }
}

/// One input file: a row of the `reports` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// First 16 hex digits of the SHA-256 of the file's bytes.
    pub report_id: String,
    /// The path as given or found by the walk.
    pub source_path: String,
    /// File size in bytes.
    pub bytes: i64,
    /// The reporting agency, whitespace removed.
    pub agency: Option<String>,
    /// The reporting year.
    pub year: Option<i32>,
    /// The national format the tables follow.
    pub template: Template,
    /// The report's title, whitespace collapsed.
    pub title: Option<String>,
    /// 文号, e.g. 泉行政管〔2021〕4号.
    pub doc_number: Option<String>,
    /// The date at the end of the report (signature date, else 印发 date), ISO 8601.
    pub issued_on: Option<String>,
    /// `ok`, `partial` or `failed`.
    pub status: Status,
    /// Number of facts written.
    pub facts: i32,
    /// Number of warning-severity diagnostics.
    pub warnings: i32,
    /// Why the status is not `ok` (the first error's message), else empty.
    pub error: Option<String>,
    /// The form the file was read as: `text`, `html`, `docx` or `pdf`; empty when it
    /// could not be read.
    pub format: Option<String>,
    /// The character encoding of text and HTML files (`UTF-8`, `GBK`, `UTF-16LE`, …).
    pub encoding: Option<String>,
    /// The page's address, from a crawler's or a saved page's header block.
    pub source_url: Option<String>,
    /// When the portal published the report (`2023-02-20T15:07:00`; midnight where it
    /// gives the date only), from the header block.
    pub published_at: Option<String>,
    /// Who the portal says published it (发布机构, 单位, 来源), from the header block.
    pub publisher: Option<String>,
    /// Where this file is another version of a report read from another file (its web
    /// page beside its PDF, an earlier publication corrected later): the `report_id` of
    /// the version whose facts stand for both. Set by the checks across reports.
    pub duplicate_of: Option<String>,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Makes the report `partial` (or `failed` where nothing could be read).
    Error,
    /// Information for the analyst; does not change the status.
    Warning,
    /// A note on how the report was used (another version of it was kept); nothing wrong.
    Info,
}

impl Severity {
    /// The code written to the output tables.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

crate::categories::code_enum! {
    /// A diagnostic's code: what kind of problem it is. The `diagnostics` table's `code`
    /// column holds [`Code::code`]; `docs/schema.md` lists every code in this order (a
    /// test holds them in step). Severity: the one a stage gives it (some codes are
    /// errors in one place and warnings in another).
    Code {
        /// error: check 1: 本年新收 + 上年结转 ≠ （七）总计 + 结转下年度, for a column
        IdentityMismatch => "identity_mismatch",
        /// error: check 2: the six applicant columns do not sum to 总计, for a row
        RowSumMismatch => "row_sum_mismatch",
        /// error: check 3: the outcome rows do not sum to （七）总计, for a column
        OutcomeSumMismatch => "outcome_sum_mismatch",
        /// error: check 4: 维持 + 纠正 + 其他 + 尚未审结 ≠ 总计 in table 四
        ReviewSumMismatch => "review_sum_mismatch",
        /// error: table 二, 三 or 四 not found, or none of its rows readable
        MissingTable => "missing_table",
        /// error / warning: a row has more or fewer cells than columns: error if it could not
        /// be placed (no facts), warning if it was placed the one possible way
        CellCountMismatch => "cell_count_mismatch",
        /// error: run-together digits split several ways; the candidates are listed, no facts
        /// written
        AmbiguousCells => "ambiguous_cells",
        /// error: a table 二 or 三 row's label, read from lines of its own, holds the labels
        /// of two rows (a column of labels read before the column of numbers); which row its
        /// cells belong to cannot be told, so neither is read
        AmbiguousRow => "ambiguous_row",
        /// error: a table 二 row with no column header above it
        MissingHeader => "missing_header",
        /// error: a negative count (only 本年增/减 may be signed) or a fractional count; the fact
        /// is kept as written
        InvalidValue => "invalid_value",
        /// error / warning: error: bytes that are not valid in the detected encoding were
        /// replaced by U+FFFD; warning: a web page declares one charset but its bytes are in
        /// another (they are read by their bytes)
        Encoding => "encoding",
        /// error: the file is empty or white space only
        EmptyFile => "empty_file",
        /// error: the file is an OLE2 document (.doc, .wps, .xls), an image, an archive (a zip
        /// that is not a DOCX), RTF, MHT or other binary data; the message names the format and
        /// what to do
        UnsupportedFormat => "unsupported_format",
        /// error: a PDF without text (a scan, 图片版) that OCR could not read either (OCR is
        /// off, or it read nothing)
        NoTextLayer => "no_text_layer",
        /// error: a table cell of a scan read by OCR with less confidence than the threshold
        /// (`ocr-min-confidence`); the message names the row, column and what was read; no
        /// fact
        OcrUnsure => "ocr_unsure",
        /// warning: a scan has more pages than OCR reads (`ocr-max-pages`); the rest are not
        /// read
        OcrPagesSkipped => "ocr_pages_skipped",
        /// error: OCR of a scan failed (tesseract or pdftoppm missing, failed or out of
        /// time); the message says which and what to install
        OcrFailed => "ocr_failed",
        /// warning: a table 三 row's label read by OCR is no printed label (`3.危用:生安全一
        /// 稳定`); it was taken for the row whose label it clearly is nearest to (named in
        /// the message): most of that label's characters, in order, and its item number
        OcrLabel => "ocr_label",
        /// warning: the title in a crawler's header block or a saved page's metadata names
        /// another agency or year than the report's own title; the report's is used
        PortalTitleMismatch => "portal_title_mismatch",
        /// error: pdftotext failed on the PDF (damaged or encrypted); the message has its error
        /// output
        UnreadablePdf => "unreadable_pdf",
        /// error: a ruled PDF table (at least 2×2 cells, with numbers) whose words cannot be
        /// placed in its cells with certainty (a word in no cell, a word across a column
        /// border, a label among a row's numbers); the message names the page and the reason;
        /// none of that table's text is read, so it gives no facts
        PdfTableUnreadable => "pdf_table_unreadable",
        /// warning: the word boxes of a PDF's table pages (`pdftotext -tsv`) could not be read;
        /// its tables were read from the layout text as before the geometric reader
        PdfTablesByLayout => "pdf_tables_by_layout",
        /// error: a DOCX whose zip or XML is broken
        UnreadableDocx => "unreadable_docx",
        /// error: `pdftotext` is not installed (Debian: poppler-utils, poppler-data)
        ExtractorMissing => "extractor_missing",
        /// error: extracting a PDF took longer than the limit (`pdf-timeout-secs`)
        Timeout => "timeout",
        /// error: a DOCX over the decompressed-size or entry-count limits (a zip bomb), a web
        /// page nested over 2000 levels deep, or a PDF whose extraction ran out of its memory
        /// limit (`pdf-memory-mb`) or gave more text than `max-file-mb`
        ResourceLimit => "resource_limit",
        /// error: no report title and no statistics table
        NotAReport => "not_a_report",
        /// error: the file could not be read (permissions, vanished); its report_id is then the
        /// hash of its path
        UnreadableFile => "unreadable_file",
        /// error: the file is over the size limit (`max-file-mb`, default 64) and was not read;
        /// report_id is the hash of its path
        TooLarge => "too_large",
        /// error: gongkai failed on this file; please report it
        InternalError => "internal_error",
        /// warning: a report has more than 200 diagnostics of one code (a file of a
        /// million repeated rows): the first 200 are listed, and this one says how many more
        /// there were
        DiagnosticsCapped => "diagnostics_capped",
        /// warning: a table row whose label is not known; its cells are listed, not read
        UnknownRow => "unknown_row",
        /// warning: a row appears twice; the first is kept
        DuplicateRow => "duplicate_row",
        /// warning: a group subtotal row (（三）不予公开 with its own numbers), not in the national
        /// format; not read
        SubtotalRow => "subtotal_row",
        /// warning: a dash, slash or 无 in a value cell; no fact
        UnparsedCell => "unparsed_cell",
        /// warning: 采购总金额 without a unit, taken as 元
        UnitAssumed => "unit_assumed",
        /// warning: the tables mix the 2019 and 2021 formats, or the format does not fit the
        /// reporting year (2019 for 2019–2020, 2021 from 2021)
        TemplateMismatch => "template_mismatch",
        /// warning: table 二 uses the 本年项目数量 column set (neither national format)
        TemplateVariant => "template_variant",
        /// warning: a number the prose states (收到申请, 予以公开, 无法提供, 其他处理, 结转下年度, 行政复议, 行政诉讼 … N件)
        /// differs from the table's 总计, or the prose says no application was received while the
        /// table has some; both numbers are given. Also prose whose parts exceed its whole
        /// (N件，其中 a件，b件 with a + b > N)
        NarrativeMismatch => "narrative_mismatch",
        /// warning: issued after the legal deadline: 31 January of the following year for
        /// departments, 31 March for governments (an agency named …人民政府, …街道办事处, or ending in
        /// 区/县/市/镇/乡/旗; a heuristic, local rules vary)
        LatePublication => "late_publication",
        /// warning: 本年新公开数量 above 对外公开总数量
        ImplausibleValue => "implausible_value",
        /// warning: the title's year and the statistics period's year differ (the title's is
        /// used)
        YearConflict => "year_conflict",
        /// warning: the text ends inside a table, mid-line, or a web page ends in the middle of
        /// a text: it was probably cut off, and its last line (text) is not read
        Truncated => "truncated",
        /// warning: no agency or no reporting year could be read; no date at the end of the
        /// report (signature or 印发); or no statistics period (统计期限 …1月1日至12月31日) in the opening
        /// paragraphs
        MissingMetadata => "missing_metadata",
        /// warning: no heading for section 一 (总体情况), 五 (存在的主要问题及改进情况) or 六 (其他需要报告的事项)
        MissingSection => "missing_section",
        /// warning: the prose uses a word for another kind of unit: 街道 (本街道, 街道信息公开 …) in a
        /// town's (镇/乡) report, 本镇/镇政府 in a street office's, 全县 in a district's, 全区 in a
        /// county's; or (across reports) it names another agency of the same kind (town, street
        /// office, district, county) that has a report in the corpus; the phrase or name and
        /// the line are given
        CopiedText => "copied_text",
        /// warning: a 本年收费金额 (万元 column) over 100 万元: probably entered in 元
        UnitSuspect => "unit_suspect",
        /// warning: across reports: 上年结转 differs from the same agency's previous-year
        /// 结转下年度继续办理, for an applicant column; both numbers and the other report are given
        CarryMismatch => "carry_mismatch",
        /// warning: across reports (2021 format): 现行有效件数 differs from last year's plus this
        /// year's 制发 minus 废止, for 规章 or 规范性文件
        StockChainMismatch => "stock_chain_mismatch",
        /// warning: across reports: every table cell equals the same agency's previous-year
        /// report (all-zero tables excepted)
        RepeatedContent => "repeated_content",
        /// warning: the report has fewer than 200 characters of prose of its own (outside its
        /// tables and a portal's header block): too little to compare for copied text, so the
        /// absence of a `near_duplicate` finding says nothing
        NearDuplicateNotChecked => "near_duplicate_not_checked",
        /// warning: across reports: the prose is at least 80% the same (MinHash estimate of
        /// 8-character shingles) as another agency's report or the same agency's report for
        /// another year; the other report and the similarity are given
        NearDuplicate => "near_duplicate",
        /// info: across reports: this file is another version of a report read from
        /// another file (same agency and year; the tables agree wherever both were read,
        /// or the prose is near-identical where one has no tables): `reports.duplicate_of`
        /// names the version kept, and this file's cells are left out of `facts`
        DuplicateVersion => "duplicate_version",
        /// warning: across reports: two versions of one report (same agency, year and
        /// prose, no later date on either) give different numbers for some cells; the cells
        /// and both values are named, on both versions
        VersionConflict => "version_conflict",
        /// warning: across reports: a report published again with other numbers: a title
        /// that says it corrects (更正, 修正, 修订), or a later date (a correction): both are
        /// kept in `reports`, the later one's facts stand; the changed cells are named, on
        /// both
        Republished => "republished",
        /// info: across reports: a row's run-together digits, which the report's own numbers
        /// left several ways to split (`ambiguous_cells`), were split the one way the same
        /// agency's previous-year report allows (上年结转 = its 结转下年度, 现行有效件数 = its
        /// 现行有效件数 + 制发 − 废止, 上一年项目数量 = its 本年项目数量); the facts carry
        /// `provenance`, and this row replaces the `ambiguous_cells` one
        SplitByPreviousYear => "split_by_previous_year",
    }
}

/// One problem found in a report: a row of the `diagnostics` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The report the problem was found in.
    pub report_id: String,
    /// The file the problem was found in.
    pub source_path: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What kind of problem it is.
    pub code: Code,
    /// What is wrong, in words a person can act on.
    pub message: String,
    /// 1-based source line, where the problem has one.
    pub line: Option<i32>,
}

/// A problem found by a stage, before it is tied to a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// `error` or `warning`.
    pub severity: Severity,
    /// What kind of problem it is.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// 1-based source line, where the problem has one.
    pub line: Option<i32>,
}

impl Finding {
    /// An error-severity finding.
    pub fn error(code: Code, message: impl Into<String>, line: Option<i32>) -> Self {
        Finding {
            severity: Severity::Error,
            code,
            message: message.into(),
            line,
        }
    }

    /// A warning-severity finding.
    pub fn warning(code: Code, message: impl Into<String>, line: Option<i32>) -> Self {
        Finding {
            severity: Severity::Warning,
            code,
            message: message.into(),
            line,
        }
    }
}

/// Size and modification time of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    /// Bytes.
    pub size: u64,
    /// Nanoseconds since the Unix epoch (0 where the file system has no times).
    pub mtime_ns: i64,
}

impl FileStat {
    /// Reads a file's size and modification time; `None` if it cannot be read.
    pub fn of(path: &std::path::Path) -> Option<FileStat> {
        let m = std::fs::metadata(path).ok()?;
        let mtime_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Some(FileStat {
            size: m.len(),
            mtime_ns,
        })
    }
}

/// A file a report was read from besides its own: a picture of its pages that a saved
/// web page shows from beside it, as it was when the page was read. Not written to the
/// tables; the incremental state keeps it, so that a run reads the page again when only
/// one of its pictures changed, appeared or went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PictureFile {
    /// Its path relative to the page's folder (as [`crate::text::relative_src`] reads the
    /// page's `<img src>`).
    pub path: String,
    /// Its size and time; `None` where the page named a file that was not there.
    pub stat: Option<FileStat>,
}

/// Everything one input file produced.
#[derive(Debug, Clone, PartialEq)]
pub struct DocResult {
    /// The `reports` row.
    pub report: Report,
    /// The `facts` rows, in source order.
    pub facts: Vec<Fact>,
    /// The `diagnostics` rows, in the order they were found.
    pub diagnostics: Vec<Diagnostic>,
    /// What the checks across reports need of the prose (not written to the tables; kept
    /// in the incremental state).
    pub traces: ProseTraces,
    /// Rows whose digits split several ways, for the previous year's report to decide
    /// (kept in the incremental state).
    pub open_splits: Vec<OpenSplit>,
    /// The picture files beside a web page that it shows, as they were when read (kept
    /// in the incremental state); empty for any other file.
    pub pictures: Vec<PictureFile>,
}

impl Fact {
    /// A placed cell as a row of `facts`, with what every fact repeats of its report.
    pub fn of(report: &Report, cell: &PlacedCell) -> Fact {
        Fact {
            report_id: report.report_id.clone(),
            agency: report.agency.clone(),
            year: report.year,
            template: report.template,
            section: cell.section,
            category: cell.category,
            breakdown: cell.breakdown,
            value: decimal_to_f64(cell.value),
            unit: cell.unit,
            raw: cell.raw.clone(),
            line: cell.line,
            provenance: None,
            source: if cell.confidence.is_some() {
                Source::Ocr
            } else {
                Source::Text
            },
            confidence: cell.confidence,
        }
    }
}

impl Report {
    /// The row of a file with nothing read from it yet: which file it is, status `failed`
    /// until a stage says more.
    pub fn of_file(report_id: &str, source_path: &str, bytes: usize) -> Report {
        Report {
            report_id: report_id.to_string(),
            source_path: source_path.to_string(),
            bytes: bytes as i64,
            agency: None,
            year: None,
            template: Template::None,
            title: None,
            doc_number: None,
            issued_on: None,
            status: Status::Failed,
            facts: 0,
            warnings: 0,
            error: None,
            format: None,
            encoding: None,
            source_url: None,
            published_at: None,
            publisher: None,
            duplicate_of: None,
        }
    }

    /// The row of a file nothing could be read from: what is known of the file, and why.
    pub fn failed(report_id: &str, source_path: &str, bytes: usize, error: &str) -> Report {
        Report {
            error: Some(error.to_string()),
            ..Report::of_file(report_id, source_path, bytes)
        }
    }
}

impl Diagnostic {
    /// A stage's finding, tied to the report it was found in.
    pub fn of(report_id: &str, source_path: &str, finding: Finding) -> Diagnostic {
        Diagnostic {
            report_id: report_id.to_string(),
            source_path: source_path.to_string(),
            severity: finding.severity,
            code: finding.code,
            message: finding.message,
            line: finding.line,
        }
    }
}

/// Most diagnostics of one code kept for one report: a file of a million repeated rows
/// would otherwise give a million rows of `diagnostics` (and the memory to hold them).
pub const MAX_DIAGNOSTICS_PER_CODE: usize = 200;

/// The findings with at most [`MAX_DIAGNOSTICS_PER_CODE`] of each code (the first ones,
/// in order), and for each code that had more, one finding at the end saying how many
/// more there were.
fn capped(findings: Vec<Finding>) -> Vec<Finding> {
    let mut counts: Vec<(Code, usize)> = Vec::new();
    let mut kept = Vec::with_capacity(findings.len().min(4 * MAX_DIAGNOSTICS_PER_CODE));
    for finding in findings {
        let count = match counts.iter_mut().find(|(c, _)| *c == finding.code) {
            Some((_, n)) => n,
            None => {
                counts.push((finding.code, 0));
                &mut counts.last_mut().expect("just pushed").1
            }
        };
        *count += 1;
        if *count <= MAX_DIAGNOSTICS_PER_CODE {
            kept.push(finding);
        }
    }
    for (code, count) in counts {
        if count > MAX_DIAGNOSTICS_PER_CODE {
            kept.push(Finding::warning(
                Code::DiagnosticsCapped,
                format!(
                    "{} more {} diagnostics of this report are not listed: the first {} are",
                    count - MAX_DIAGNOSTICS_PER_CODE,
                    code.code(),
                    MAX_DIAGNOSTICS_PER_CODE
                ),
                None,
            ));
        }
    }
    kept
}

impl DocResult {
    /// A file nothing could be read from: its `failed` row and the finding that says why.
    pub fn failed(report_id: &str, source_path: &str, bytes: usize, finding: Finding) -> DocResult {
        DocResult {
            report: Report::failed(report_id, source_path, bytes, &finding.message),
            facts: Vec::new(),
            diagnostics: vec![Diagnostic::of(report_id, source_path, finding)],
            traces: ProseTraces::default(),
            open_splits: Vec::new(),
            pictures: Vec::new(),
        }
    }

    /// A report that was read. Its row's counts and status follow from its cells and
    /// findings: `partial` where any finding is an error (the first one's message is the
    /// row's `error`), `ok` otherwise.
    pub fn read(
        report: Report,
        cells: &[PlacedCell],
        findings: Vec<Finding>,
        traces: ProseTraces,
    ) -> DocResult {
        let facts: Vec<Fact> = cells.iter().map(|c| Fact::of(&report, c)).collect();
        let findings = capped(findings);
        let (id, path) = (&report.report_id, &report.source_path);
        let diagnostics = findings
            .into_iter()
            .map(|f| Diagnostic::of(id, path, f))
            .collect();
        let mut doc = DocResult {
            report,
            facts,
            diagnostics,
            traces,
            open_splits: Vec::new(),
            pictures: Vec::new(),
        };
        doc.recount();
        doc
    }

    /// Derives the report's status, error and counts from its facts and diagnostics
    /// (after reading, and again where the finish step adds facts).
    pub fn recount(&mut self) {
        let report = &mut self.report;
        let first_error = self
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error);
        report.status = if first_error.is_some() {
            Status::Partial
        } else {
            Status::Ok
        };
        report.error = first_error.map(|d| d.message.clone());
        report.facts = self.facts.len() as i32;
        report.warnings = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count() as i32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_keeps_its_first_diagnostics_and_says_how_many_more() {
        let many = MAX_DIAGNOSTICS_PER_CODE + 50;
        let mut findings: Vec<Finding> = (0..many)
            .map(|i| Finding::warning(Code::DuplicateRow, format!("row {i}"), Some(i as i32)))
            .collect();
        findings.insert(3, Finding::error(Code::IdentityMismatch, "sum", Some(9)));
        let kept = capped(findings);
        let codes = |code: Code| kept.iter().filter(|f| f.code == code).count();
        assert_eq!(codes(Code::DuplicateRow), MAX_DIAGNOSTICS_PER_CODE);
        assert_eq!(codes(Code::IdentityMismatch), 1);
        // The first ones, in order, and the notice last.
        assert_eq!(kept[0].message, "row 0");
        assert_eq!(kept[3].code, Code::IdentityMismatch);
        let last = kept.last().unwrap();
        assert_eq!(last.code, Code::DiagnosticsCapped);
        assert_eq!(
            last.message,
            "50 more duplicate_row diagnostics of this report are not listed: the first 200 are"
        );
        // Under the cap nothing changes.
        let few = vec![Finding::warning(Code::UnknownRow, "x", None)];
        assert_eq!(capped(few.clone()), few);
    }
}
