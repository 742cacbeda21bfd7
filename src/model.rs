//! The output contract (`docs/schema.md`) as Rust types: one struct per output table.
//!
//! Codes that analysts filter on (`section`, `unit`, `status`, `severity`, `template`) are
//! enums serialised in snake_case, so no stage passes free strings to another.

use serde::{Deserialize, Serialize};

use crate::categories::{Breakdown, Category, Section};

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
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Makes the report `partial` (or `failed` where nothing could be read).
    Error,
    /// Information for the analyst; does not change the status.
    Warning,
}

impl Severity {
    /// The code written to the output tables.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
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
    /// A stable code, listed in `docs/schema.md`.
    pub code: String,
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
    /// A stable code, listed in `docs/schema.md`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// 1-based source line, where the problem has one.
    pub line: Option<i32>,
}

impl Finding {
    /// An error-severity finding.
    pub fn error(code: &'static str, message: impl Into<String>, line: Option<i32>) -> Self {
        Finding {
            severity: Severity::Error,
            code,
            message: message.into(),
            line,
        }
    }

    /// A warning-severity finding.
    pub fn warning(code: &'static str, message: impl Into<String>, line: Option<i32>) -> Self {
        Finding {
            severity: Severity::Warning,
            code,
            message: message.into(),
            line,
        }
    }
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
    pub traces: crate::crossref::ProseTraces,
}
