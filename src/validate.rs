//! validate: mapped cells → findings about the numbers and the report's structure.
//!
//! Runs the four checks of the output contract, which the format itself states, plus
//! structural checks (missing tables, template against reporting year) and value domain
//! checks. A failed check never removes a fact: it is information for the analyst. Blank
//! cells give no facts, and a check that needs a missing cell is skipped (not assessable),
//! never counted as failed.

use std::sync::LazyLock;

use regex::Regex;

use rust_decimal::Decimal;

use crate::categories::{Breakdown, Category, Section, APPLICANT_PARTS, REVIEW_ROWS};
use crate::map::{Evidence, Mapped};
use crate::model::{Code, Finding, PlacedCell, Template, Unit};
use crate::segment::Metadata;
use crate::text::{without_whitespace, Word};

macro_rules! pattern {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).unwrap());
    };
}

/// A report's cells by row and column: one slot per (category, breakdown) pair, so a
/// lookup is an index (the checks make hundreds per report). A later cell for the same
/// pair replaces an earlier one, as in a map.
struct CellIndex<'a> {
    cells: Vec<Option<&'a PlacedCell>>,
}

impl<'a> CellIndex<'a> {
    fn slot(c: Category, b: Breakdown) -> usize {
        c as usize * Breakdown::ALL.len() + b as usize
    }

    fn get(&self, c: Category, b: Breakdown) -> Option<&'a PlacedCell> {
        self.cells[Self::slot(c, b)]
    }

    /// The pairs that have a cell, by category and then breakdown.
    fn keys(&self) -> impl Iterator<Item = (Category, Breakdown)> + '_ {
        self.cells
            .iter()
            .filter_map(|cell| cell.map(|f| (f.category, f.breakdown)))
    }
}

impl<'a> FromIterator<&'a PlacedCell> for CellIndex<'a> {
    fn from_iter<I: IntoIterator<Item = &'a PlacedCell>>(cells: I) -> Self {
        let mut grid = CellIndex {
            cells: vec![None; Category::ALL.len() * Breakdown::ALL.len()],
        };
        for cell in cells {
            grid.cells[Self::slot(cell.category, cell.breakdown)] = Some(cell);
        }
        grid
    }
}

/// A report as the per-report checks see it: its cells, and what was read around them.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The cells the tables gave, and what mapping them found.
    pub mapped: &'a Mapped,
    /// The national format the tables follow.
    pub template: Template,
    /// Title, agency, year, dates and the portal's record.
    pub metadata: &'a Metadata,
    /// The lines outside the tables and a portal's header block, as written, with their
    /// 1-based line numbers.
    pub prose: &'a [(i32, &'a str)],
    /// The same lines as [`label_key`](crate::text::label_key)s, for word matching.
    pub prose_keys: &'a [(i32, &'a str)],
    /// Whether the prose was long enough to compare across reports (it has a signature).
    pub prose_compared: bool,
}

/// Runs every per-report check, in a fixed order: the tables' own identities and
/// domains, the prose against the tables, then the report as a whole (its sections,
/// dates and metadata).
pub fn validate(input: &Input) -> Vec<Finding> {
    let meta = input.metadata;
    let mut out = check_cells(input.mapped, input.template, meta.year, input.prose_keys);
    if !input.prose_compared {
        // Said, so that no finding is not read as "not copied".
        out.push(Finding::warning(
            Code::NearDuplicateNotChecked,
            format!(
                "the report has fewer than {} characters of prose of its own (outside its \
                 tables and a portal's header block), too little to compare with other \
                 reports for copied text",
                crate::prose::MIN_PROSE_CHARS
            ),
            None,
        ));
    }
    out.extend(check_timeliness(
        meta.agency.as_deref(),
        meta.year,
        meta.issued_on.as_deref(),
        meta.portal.published_at.as_deref(),
    ));
    out.extend(check_sections(input.prose_keys));
    out.extend(check_unit_words(meta.agency.as_deref(), input.prose));
    check_metadata(meta, &mut out);
    out
}

/// The checks of the cells: the four identities of the output contract, the tables'
/// presence, value domains, the template, and the prose's numbers against the tables.
/// `prose` holds the label keys of the lines outside the tables.
fn check_cells(
    mapped: &Mapped,
    template: Template,
    year: Option<i32>,
    prose: &[(i32, &str)],
) -> Vec<Finding> {
    let grid: CellIndex = mapped.cells.iter().collect();
    let mut out = Vec::new();
    check_tables_present(mapped, &mut out);
    check_identity(&grid, &mut out);
    check_row_sums(&grid, &mut out);
    check_outcome_sums(&grid, &mut out);
    check_review_sums(&grid, &mut out);
    check_domain(&mapped.cells, &mut out);
    check_fee_unit(&mapped.cells, &mut out);
    check_published(&grid, &mut out);
    check_template(mapped, template, year, &mut out);
    check_narrative(&grid, prose, &mut out);
    check_prose_parts(prose, &mut out);
    out
}

/// What the report does not say about itself: its date, its statistics period, its
/// agency or year.
fn check_metadata(meta: &Metadata, out: &mut Vec<Finding>) {
    if meta.issued_on.is_none() {
        out.push(Finding::warning(
            Code::MissingMetadata,
            "no date at the end of the report (a signature or 印发 date): when it was issued \
             cannot be told",
            None,
        ));
    }
    if !meta.period_stated {
        out.push(Finding::warning(
            Code::MissingMetadata,
            "the opening paragraphs state no statistics period (统计期限 …年1月1日至12月31日)",
            meta.title_line,
        ));
    }
    if meta.agency.is_none() || meta.year.is_none() {
        out.push(Finding::warning(
            Code::MissingMetadata,
            format!(
                "could not read the {} from the title or the statistics period",
                match (meta.agency.is_none(), meta.year.is_none()) {
                    (true, true) => "agency or the reporting year",
                    (true, false) => "agency",
                    _ => "reporting year",
                }
            ),
            meta.title_line,
        ));
    }
}

/// Whether an agency is a government (人民政府, a district, county, town or street office)
/// rather than a department of one, by its name: the two have different deadlines. A
/// heuristic: local rules decide where townships and street offices fall.
pub fn is_government(agency: &str) -> bool {
    agency.ends_with("人民政府")
        || agency.ends_with("街道办事处")
        || ["区", "县", "市", "镇", "乡", "旗"]
            .iter()
            .any(|s| agency.ends_with(s))
}

pattern!(
    STREET_WORDS,
    r"(?:本|全|我|各)街道|街道(?:办事处|信息公开|政务公开|政府信息|党工委)"
);
pattern!(
    TOWN_WORDS,
    r"(?:本|全|我)(?:镇|乡)|(?:镇|乡)(?:人民政府|政府|党委)"
);
pattern!(COUNTY_WORDS, r"(?:本|全|我)县");
pattern!(DISTRICT_WORDS, r"(?:本|全|我)区");

/// Words for another kind of unit in the prose: "扎实改进街道信息公开" in a town's report
/// (seed 003, line 115), 全县 in a district's. The usual trace of a report copied from
/// another agency's and not fully edited. Only the kinds whose words cannot be meant of
/// the agency itself are compared: towns and street offices, districts and counties.
fn check_unit_words(agency: Option<&str>, prose: &[(i32, &str)]) -> Vec<Finding> {
    let Some(agency) = agency else {
        return Vec::new();
    };
    let name = agency.replace("人民政府", "");
    let (kind, foreign): (&str, &Regex) = if name.ends_with('镇') || name.ends_with('乡') {
        ("a town (镇/乡)", &STREET_WORDS)
    } else if name.ends_with("街道办事处") || name.ends_with("街道") {
        ("a street office (街道)", &TOWN_WORDS)
    } else if name.ends_with('区') {
        ("a district (区)", &COUNTY_WORDS)
    } else if name.ends_with('县') {
        ("a county (县)", &DISTRICT_WORDS)
    } else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (line, text) in prose {
        let compact = without_whitespace(text);
        if let Some(m) = foreign.find(&compact) {
            let start = compact[..m.start()]
                .char_indices()
                .rev()
                .nth(5)
                .map_or(0, |(i, _)| i);
            let end = compact[m.end()..]
                .char_indices()
                .nth(6)
                .map_or(compact.len(), |(i, _)| m.end() + i);
            let excerpt = format!(
                "{}{}{}",
                if start > 0 { "…" } else { "" },
                &compact[start..end],
                if end < compact.len() { "…" } else { "" }
            );
            out.push(Finding::warning(
                Code::CopiedText,
                format!(
                    "the text speaks of {:?} ({excerpt}) but the report is by {kind}, {agency}: \
                     copied from another agency's report?",
                    m.as_str(),
                ),
                Some(*line),
            ));
        }
    }
    out
}

/// Timeliness: a report issued after the legal deadline (条例第四十九条): 31 January of
/// the following year for departments, 31 March for governments. A warning, with both
/// dates; nothing is said where the date, year or agency is missing. A report with no
/// date of its own is judged by the portal's publication time, where a crawler kept it.
fn check_timeliness(
    agency: Option<&str>,
    year: Option<i32>,
    issued_on: Option<&str>,
    published_at: Option<&str>,
) -> Option<Finding> {
    let (agency, year) = (agency?, year?);
    let (issued, what) = match (issued_on, published_at) {
        (Some(d), _) => (d, "issued"),
        (None, Some(p)) => (p.get(..10)?, "published on the portal"),
        (None, None) => return None,
    };
    let (deadline, kind) = if is_government(agency) {
        (format!("{}-03-31", year + 1), "a government")
    } else {
        (format!("{}-01-31", year + 1), "a department")
    };
    // ISO dates compare as text.
    (issued > deadline.as_str()).then(|| {
        Finding::warning(
            Code::LatePublication,
            format!("{what} on {issued}, after the deadline for {kind} ({deadline}) for reporting year {year}"),
            None,
        )
    })
}

/// What a sentence of prose states, and the table cells it must agree with (their
/// `total` column, summed).
struct Statement {
    what: &'static str,
    /// A word every match contains: lines without it skip the regex (most lines do).
    needle: Word,
    pattern: &'static LazyLock<Regex>,
    rows: &'static [Category],
}

// Matched on label keys (white space removed, quotes as `"`).
pattern!(
    RECEIVED,
    r#"(?:收到|受理)[^，。；,;]{0,12}?申请(?:共|数)?(\d+)(?:件|条|份)"#
);
pattern!(DISCLOSED, r#"(?:^|[^部分不])予以公开"?的?(\d+)件"#);
pattern!(UNAVAILABLE, r#"无法提供"?的?(\d+)件"#);
pattern!(OTHER, r#"其他处理"?的?(\d+)件"#);
pattern!(FORWARD, r#"结转下(?:一)?年度[^，。；,;\d]{0,8}?(\d+)件"#);
pattern!(REVIEWS, r#"行政复议(?:案件)?(\d+)件"#);
pattern!(LAWSUITS, r#"行政诉讼(?:案件)?(\d+)件"#);
pattern!(NONE_RECEIVED, r#"未收到[^，。；,;]{0,12}?申请"#);
static NOT_RECEIVED: Word = Word::new("未收到");

static STATEMENTS: [Statement; 7] = [
    Statement {
        what: "收到申请",
        needle: Word::new("申请"),
        pattern: &RECEIVED,
        rows: &[Category::New],
    },
    Statement {
        what: "予以公开",
        needle: Word::new("予以公开"),
        pattern: &DISCLOSED,
        rows: &[Category::Disclosed],
    },
    Statement {
        what: "无法提供",
        needle: Word::new("无法提供"),
        pattern: &UNAVAILABLE,
        rows: &[
            Category::NotHeld,
            Category::NeedsCreation,
            Category::Unclear,
        ],
    },
    Statement {
        what: "其他处理",
        needle: Word::new("其他处理"),
        pattern: &OTHER,
        rows: &[
            Category::OtherOutcome,
            Category::NoCorrection,
            Category::UnpaidFee,
            Category::OtherOther,
        ],
    },
    Statement {
        what: "结转下年度",
        needle: Word::new("结转下"),
        pattern: &FORWARD,
        rows: &[Category::CarriedForward],
    },
    Statement {
        what: "行政复议",
        needle: Word::new("行政复议"),
        pattern: &REVIEWS,
        rows: &[Category::Review],
    },
    Statement {
        what: "行政诉讼",
        needle: Word::new("行政诉讼"),
        pattern: &LAWSUITS,
        rows: &[Category::LitigationDirect, Category::LitigationAfterReview],
    },
];

/// Prose against table: the numbers the prose states (收到申请N件, 无法提供N件, 结转N件,
/// 行政复议N件 …) and "未收到申请" must agree with the table's 总计 column. A warning: the
/// prose may count differently (a whole area, or new plus carried over), so both numbers
/// are given for the analyst to judge. A statement whose rows are all blank is skipped.
fn check_narrative(grid: &CellIndex, prose: &[(i32, &str)], out: &mut Vec<Finding>) {
    let total_of = |rows: &[Category]| -> Option<Decimal> {
        let values: Vec<Decimal> = rows
            .iter()
            .filter_map(|c| value(grid, *c, Breakdown::Total))
            .collect();
        (!values.is_empty()).then(|| values.iter().copied().sum())
    };
    for st in &STATEMENTS {
        let Some((line, stated)) = prose.iter().find_map(|(l, k)| {
            if !st.needle.is_in(k) {
                return None;
            }
            let c = st.pattern.captures(k)?;
            Some((*l, c[1].parse::<Decimal>().ok()?))
        }) else {
            continue;
        };
        let Some(table) = total_of(st.rows) else {
            continue;
        };
        // 收到申请 sometimes counts the carried-over ones too.
        let with_carried = total_of(&[Category::New, Category::CarriedOver]);
        if stated == table || (st.rows == [Category::New] && Some(stated) == with_carried) {
            continue;
        }
        out.push(Finding::warning(
            Code::NarrativeMismatch,
            format!(
                "the text says {} {stated} but the table says {table}",
                st.what
            ),
            Some(line),
        ));
    }
    if let (Some((line, _)), Some(new)) = (
        prose
            .iter()
            .find(|(_, k)| NOT_RECEIVED.is_in(k) && NONE_RECEIVED.is_match(k)),
        total_of(&[Category::New]),
    ) {
        if !new.is_zero() {
            out.push(Finding::warning(
                Code::NarrativeMismatch,
                format!("the text says no application was received but the table has {new} new applications"),
                Some(*line),
            ));
        }
    }
}

pattern!(
    WHOLE_AND_PARTS,
    r#"(\d+)(件|份|条|个)[,，]?其中([^。；;]*)"#
);

/// The prose sections the format requires besides the tables (二, 三, 四 are checked as
/// `missing_table`): 一 overview, 五 problems and improvements, 六 other matters. A
/// heading is a short line holding one of the names the reports use.
const SECTIONS: [(&str, &[&str]); 3] = [
    (
        "一、总体情况",
        &["总体情况", "概述", "总体概况", "基本情况"],
    ),
    (
        "五、存在的主要问题及改进情况",
        &["存在的主要问题", "主要问题及改进", "存在的问题"],
    ),
    ("六、其他需要报告的事项", &["其他需要报告", "其他事项"]),
];

/// Warns of each required prose section that has no heading. `prose`: label keys of the
/// lines outside the tables, as for [`validate`].
fn check_sections(prose: &[(i32, &str)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, words) in SECTIONS {
        let found = prose
            .iter()
            .any(|(_, key)| key.chars().count() <= 40 && words.iter().any(|w| key.contains(w)));
        if !found {
            out.push(Finding::warning(
                Code::MissingSection,
                format!("the report has no section {name} (no heading naming it was found)"),
                None,
            ));
        }
    }
    out
}

/// Prose whose parts exceed its whole: "收到申请45件，其中区政府本级17件，各街道…38件"
/// (seed 004: 17 + 38 = 55). Parts may overlap or leave some out, so only a sum above the
/// whole is a finding.
fn check_prose_parts(prose: &[(i32, &str)], out: &mut Vec<Finding>) {
    static OF_WHICH: Word = Word::new("其中");
    for (line, key) in prose.iter().filter(|(_, key)| OF_WHICH.is_in(key)) {
        for c in WHOLE_AND_PARTS.captures_iter(key) {
            let Ok(whole) = c[1].parse::<u64>() else {
                continue;
            };
            let unit = &c[2];
            let parts = list_parts(&c[3], unit);
            let sum: u64 = parts.iter().sum();
            if parts.len() >= 2 && sum > whole {
                let shown: Vec<String> = parts.iter().map(u64::to_string).collect();
                out.push(Finding::warning(
                    Code::NarrativeMismatch,
                    format!(
                        "the text says {whole}{unit}, 其中 {} = {sum}{unit}: the parts exceed the whole",
                        shown.join(" + ")
                    ),
                    Some(*line),
                ));
            }
        }
    }
}

/// The numbers of a list after 其中: items end in the unit and are separated by the mark
/// that follows the first item (`、` or a comma); the list ends where another mark follows
/// (`…0条，我机关向两馆移交…1条` is a new clause, not an item).
fn list_parts(tail: &str, unit: &str) -> Vec<u64> {
    let mut parts = Vec::new();
    let mut separator = None;
    let mut rest = tail;
    while let Some(at) = rest.find(unit) {
        let digits: String = rest[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let Ok(n) = digits.parse() else { break };
        parts.push(n);
        rest = &rest[at + unit.len()..];
        let next = rest.chars().next();
        match (separator, next) {
            (None, Some(c @ ('、' | ',' | '，'))) => separator = Some(c),
            (Some(s), Some(c)) if c == s => {}
            _ => break,
        }
        rest = &rest[next.map_or(0, char::len_utf8)..];
    }
    parts
}

fn value(grid: &CellIndex, c: Category, b: Breakdown) -> Option<Decimal> {
    grid.get(c, b).map(|f| f.value)
}

fn line(grid: &CellIndex, c: Category, b: Breakdown) -> Option<i32> {
    grid.get(c, b).map(|f| f.line)
}

fn columns_of(grid: &CellIndex, section: Section) -> Vec<Breakdown> {
    let mut cols: Vec<Breakdown> = grid
        .keys()
        .filter(|(c, _)| c.section() == section)
        .map(|(_, b)| b)
        .collect();
    cols.sort();
    cols.dedup();
    cols
}

fn check_tables_present(mapped: &Mapped, out: &mut Vec<Finding>) {
    for section in [
        Section::Active,
        Section::Applications,
        Section::ReviewLitigation,
    ] {
        if !mapped.tables_read.contains(&section) {
            out.push(Finding::error(
                Code::MissingTable,
                format!(
                    "table {} was not found or no row of it could be read",
                    section.name_zh()
                ),
                None,
            ));
        }
    }
}

/// Check 1: 新收 + 上年结转 = （七）总计 + 结转下年度, per column.
fn check_identity(grid: &CellIndex, out: &mut Vec<Finding>) {
    for b in columns_of(grid, Section::Applications) {
        let (Some(n), Some(o), Some(t), Some(f)) = (
            value(grid, Category::New, b),
            value(grid, Category::CarriedOver, b),
            value(grid, Category::OutcomeTotal, b),
            value(grid, Category::CarriedForward, b),
        ) else {
            continue;
        };
        if n + o != t + f {
            out.push(Finding::error(
                Code::IdentityMismatch,
                format!(
                    "{}: 本年新收 {n} + 上年结转 {o} = {} but （七）总计 {t} + 结转下年度 {f} = {}",
                    b.code(),
                    n + o,
                    t + f
                ),
                line(grid, Category::OutcomeTotal, b),
            ));
        }
    }
}

/// Check 2: the six applicant columns sum to 总计, per row.
fn check_row_sums(grid: &CellIndex, out: &mut Vec<Finding>) {
    let mut rows: Vec<Category> = grid
        .keys()
        .filter(|(c, _)| c.section() == Section::Applications)
        .map(|(c, _)| c)
        .collect();
    rows.dedup();
    for c in rows {
        let parts: Option<Vec<Decimal>> =
            APPLICANT_PARTS.iter().map(|b| value(grid, c, *b)).collect();
        let (Some(parts), Some(total)) = (parts, value(grid, c, Breakdown::Total)) else {
            continue;
        };
        let sum: Decimal = parts.iter().copied().sum();
        if sum != total {
            let shown: Vec<String> = parts.iter().map(Decimal::to_string).collect();
            out.push(Finding::error(
                Code::RowSumMismatch,
                format!(
                    "{}: applicant columns {} sum to {sum} but 总计 is {total}",
                    c.code(),
                    shown.join(" + ")
                ),
                line(grid, c, Breakdown::Total),
            ));
        }
    }
}

/// Check 3: （七）总计 is the sum of the outcome rows, per column. The single 2019 （六）
/// row and the three 2021 rows are alternatives; whichever the report has is counted once.
fn check_outcome_sums(grid: &CellIndex, out: &mut Vec<Finding>) {
    let common: Vec<Category> = Category::ALL
        .iter()
        .copied()
        .filter(|c| c.is_outcome_part())
        .filter(|c| {
            !matches!(
                c,
                Category::OtherOutcome
                    | Category::NoCorrection
                    | Category::UnpaidFee
                    | Category::OtherOther
            )
        })
        .collect();
    let six_2021 = [
        Category::NoCorrection,
        Category::UnpaidFee,
        Category::OtherOther,
    ];
    for b in columns_of(grid, Section::Applications) {
        let Some(total) = value(grid, Category::OutcomeTotal, b) else {
            continue;
        };
        let Some(common_sum) = common
            .iter()
            .map(|c| value(grid, *c, b))
            .sum::<Option<Decimal>>()
        else {
            continue;
        };
        let six = match value(grid, Category::OtherOutcome, b) {
            Some(v) => Some(v),
            None => six_2021
                .iter()
                .map(|c| value(grid, *c, b))
                .sum::<Option<Decimal>>(),
        };
        let Some(six) = six else { continue };
        let sum = common_sum + six;
        if sum != total {
            out.push(Finding::error(
                Code::OutcomeSumMismatch,
                format!(
                    "{}: the outcome rows （一）–（六） sum to {sum} but （七）总计 is {total}",
                    b.code()
                ),
                line(grid, Category::OutcomeTotal, b),
            ));
        }
    }
}

/// Check 4: 维持 + 纠正 + 其他 + 尚未审结 = 总计, for 复议 and both kinds of 诉讼.
fn check_review_sums(grid: &CellIndex, out: &mut Vec<Finding>) {
    for c in REVIEW_ROWS {
        let parts: Option<Vec<Decimal>> = [
            Breakdown::Upheld,
            Breakdown::Corrected,
            Breakdown::Other,
            Breakdown::Pending,
        ]
        .iter()
        .map(|b| value(grid, c, *b))
        .collect();
        let (Some(parts), Some(total)) = (parts, value(grid, c, Breakdown::Total)) else {
            continue;
        };
        let sum: Decimal = parts.iter().copied().sum();
        if sum != total {
            out.push(Finding::error(
                Code::ReviewSumMismatch,
                format!(
                    "{}: 维持 {} + 纠正 {} + 其他 {} + 尚未审结 {} = {sum} but 总计 is {total}",
                    c.code(),
                    parts[0],
                    parts[1],
                    parts[2],
                    parts[3]
                ),
                line(grid, c, Breakdown::Total),
            ));
        }
    }
}

/// Counts are whole and non-negative; only 本年增/减 may carry a sign; money is ≥ 0.
fn check_domain(cells: &[PlacedCell], out: &mut Vec<Finding>) {
    for f in cells {
        let negative_ok = f.breakdown == Breakdown::ItemsChange;
        let problem = if f.value.is_sign_negative() && !f.value.is_zero() && !negative_ok {
            Some("is negative")
        } else if f.unit == Unit::Count && !f.value.fract().is_zero() {
            Some("is not a whole number")
        } else {
            None
        };
        if let Some(p) = problem {
            out.push(Finding::error(
                Code::InvalidValue,
                format!(
                    "{} / {}: {:?} {p}; the fact is kept as written",
                    f.category.code(),
                    f.breakdown.code(),
                    f.raw
                ),
                Some(f.line),
            ));
        }
    }
}

/// Above this a fee total (收费金额, printed in 万元) is implausible: fees for information
/// are a few yuan per request; 1 000 000 元 (100 万元) means the column was filled in 元.
const FEE_PLAUSIBLE_YUAN: i64 = 1_000_000;

/// 本年收费金额 is printed in 万元; a value entered in 元 comes out 10 000 times too large.
fn check_fee_unit(cells: &[PlacedCell], out: &mut Vec<Finding>) {
    for f in cells {
        if f.breakdown == Breakdown::FeeAmount && f.value > Decimal::from(FEE_PLAUSIBLE_YUAN) {
            out.push(Finding::warning(
                Code::UnitSuspect,
                format!(
                    "{} / fee_amount: {:?} in a 万元 column is {} 元, far more than information \
                     fees come to; it was probably entered in 元 (then it is {} 元)",
                    f.category.code(),
                    f.raw,
                    f.value.normalize(),
                    (f.value / Decimal::from(10_000)).normalize()
                ),
                Some(f.line),
            ));
        }
    }
}

/// 本年新公开数量 cannot exceed 对外公开总数量, which is cumulative (2019 format).
fn check_published(grid: &CellIndex, out: &mut Vec<Finding>) {
    for c in [Category::ActiveRules, Category::ActiveNormativeDocs] {
        if let (Some(p), Some(t)) = (
            value(grid, c, Breakdown::Published),
            value(grid, c, Breakdown::TotalPublished),
        ) {
            if p > t {
                out.push(Finding::warning(
                    Code::ImplausibleValue,
                    format!(
                        "{}: 本年新公开数量 {p} exceeds 对外公开总数量 {t}",
                        c.code()
                    ),
                    line(grid, c, Breakdown::Published),
                ));
            }
        }
    }
}

fn check_template(mapped: &Mapped, template: Template, year: Option<i32>, out: &mut Vec<Finding>) {
    if !mapped.signals_2019.is_empty() && !mapped.signals_2021.is_empty() {
        let a: Vec<&str> = mapped.signals_2019.iter().map(|(e, _)| e.code()).collect();
        let b: Vec<&str> = mapped.signals_2021.iter().map(|(e, _)| e.code()).collect();
        out.push(Finding::warning(
            Code::TemplateMismatch,
            format!("the tables mix formats: 2019 parts {a:?} and 2021 parts {b:?}; template {} is used", template.code()),
            mapped.signals_2019.first().map(|(_, l)| *l),
        ));
    }
    if let Some((_, l)) = mapped
        .signals_2019
        .iter()
        .find(|(e, _)| *e == Evidence::Column(Breakdown::Items))
    {
        out.push(Finding::warning(
            Code::TemplateVariant,
            "table 二 uses the 本年项目数量 column set, which is in neither national format; read as 2019",
            Some(*l),
        ));
    }
    if let Some(y) = year {
        let expected = Template::expected_for_year(y);
        if template != Template::None && expected != template {
            out.push(Finding::warning(
                Code::TemplateMismatch,
                format!(
                    "the tables follow the {} format but reporting year {y} calls for {}",
                    template.code(),
                    expected.code()
                ),
                None,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::map_table;
    use crate::segment::segment;
    use crate::tables::recover_rows;

    const SEED_001: &str = include_str!("../data/raw/001_1f7e495e6ab563f2.txt");

    /// The tables of a report's text, mapped.
    fn mapped(text: &str) -> Mapped {
        let seg = segment(text);
        let mut mapped = Mapped::default();
        for r in &seg.tables {
            map_table(
                r.section,
                &recover_rows(&seg.lines[r.lines.clone()], r.lines.start + 1),
                &mut mapped,
            );
        }
        mapped
    }

    /// Seed 001's table 三 and 四 with one number changed.
    fn findings_after(from: &str, to: &str) -> Vec<Finding> {
        let mapped = mapped(&SEED_001.replacen(from, to, 1));
        check_cells(&mapped, mapped.template(), Some(2021), &[])
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.code.code()).collect()
    }

    #[test]
    fn the_sample_passes_every_check() {
        assert_eq!(codes(&findings_after("", "")), Vec::<&str>::new());
    }

    #[test]
    fn check_1_and_3_name_the_column_and_both_sides() {
        // （七）总计 自然人 61 → 62: the balance and the outcome sum both break.
        let f = findings_after("(七) 总计\t61", "(七) 总计\t62");
        assert_eq!(
            codes(&f),
            [
                "identity_mismatch",
                "row_sum_mismatch",
                "outcome_sum_mismatch"
            ]
        );
        assert!(
            f[0].message.contains("natural_person")
                && f[0].message.contains("67")
                && f[0].message.contains("68"),
            "{}",
            f[0].message
        );
        assert!(
            f[2].message.contains("sum to 61 but （七）总计 is 62"),
            "{}",
            f[2].message
        );
        assert_eq!(f[0].line, Some(95));
    }

    #[test]
    fn check_2_names_the_row_and_both_sides() {
        let f = findings_after("(一) 予以公开\t36\t0", "(一) 予以公开\t36\t1");
        assert!(codes(&f).contains(&"row_sum_mismatch"));
        let m = &f
            .iter()
            .find(|f| f.code == Code::RowSumMismatch)
            .unwrap()
            .message;
        assert!(
            m.contains("applications.outcome.disclosed") && m.contains("sum to 37 but 总计 is 36"),
            "{m}"
        );
    }

    #[test]
    fn check_4_names_the_group_and_both_sides() {
        let f = findings_after("3\t0\t0\t0\t3\t0", "3\t0\t0\t0\t4\t0");
        assert_eq!(codes(&f), ["review_sum_mismatch"]);
        assert!(
            f[0].message.starts_with("review:") && f[0].message.contains("= 3 but 总计 is 4"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn negative_and_fractional_counts_are_invalid() {
        let f = findings_after("行政许可\t643", "行政许可\t-643");
        assert_eq!(codes(&f), ["invalid_value"]);
        let f = findings_after("行政许可\t643", "行政许可\t64.3");
        assert_eq!(codes(&f), ["invalid_value"]);
    }

    /// Seed 001's tables with a given line of prose.
    fn narrative_findings(prose: &str) -> Vec<Finding> {
        let mapped = mapped(SEED_001);
        let key = crate::text::label_key(prose);
        check_cells(&mapped, mapped.template(), Some(2021), &[(5, &key)])
            .into_iter()
            .filter(|f| f.code == Code::NarrativeMismatch)
            .collect()
    }

    #[test]
    fn grid_keys_come_in_category_then_breakdown_order_and_the_last_cell_wins() {
        let cell = |category, breakdown, value: i64| PlacedCell {
            section: Section::Applications,
            category,
            breakdown,
            value: Decimal::from(value),
            unit: Unit::Count,
            raw: value.to_string(),
            line: 1,
        };
        let cells = [
            cell(Category::CarriedOver, Breakdown::Total, 1),
            cell(Category::New, Breakdown::Total, 2),
            cell(Category::New, Breakdown::NaturalPerson, 3),
            cell(Category::CarriedOver, Breakdown::Total, 4),
        ];
        let grid: CellIndex = cells.iter().collect();
        let mut expected = vec![
            (Category::CarriedOver, Breakdown::Total),
            (Category::New, Breakdown::Total),
            (Category::New, Breakdown::NaturalPerson),
        ];
        expected.sort();
        assert_eq!(grid.keys().collect::<Vec<_>>(), expected);
        assert_eq!(
            value(&grid, Category::CarriedOver, Breakdown::Total),
            Some(Decimal::from(4))
        );
        assert_eq!(value(&grid, Category::New, Breakdown::Commercial), None);
        // Slots are numbered by the variants' places in `ALL`.
        assert!(Category::ALL
            .iter()
            .enumerate()
            .all(|(i, c)| *c as usize == i));
        assert!(Breakdown::ALL
            .iter()
            .enumerate()
            .all(|(i, b)| *b as usize == i));
    }

    #[test]
    fn new_publications_above_the_cumulative_total_both_ways() {
        let cell = |breakdown, value: i64| PlacedCell {
            section: Section::Active,
            category: Category::ActiveRules,
            breakdown,
            value: Decimal::from(value),
            unit: Unit::Count,
            raw: value.to_string(),
            line: 20,
        };
        let findings = |published: i64, total: i64| {
            let cells = [
                cell(Breakdown::Published, published),
                cell(Breakdown::TotalPublished, total),
            ];
            let grid: CellIndex = cells.iter().collect();
            let mut out = Vec::new();
            check_published(&grid, &mut out);
            out.into_iter().map(|f| f.message).collect::<Vec<_>>()
        };
        assert_eq!(findings(3, 5), Vec::<String>::new());
        assert_eq!(findings(5, 5), Vec::<String>::new());
        assert_eq!(
            findings(7, 5),
            ["active.rules: 本年新公开数量 7 exceeds 对外公开总数量 5"]
        );
    }

    #[test]
    fn words_for_another_kind_of_unit_both_ways() {
        let found = |agency: &str, text: &str| -> Vec<String> {
            check_unit_words(Some(agency), &[(115, text)])
                .into_iter()
                .map(|f| f.message)
                .collect()
        };
        // Seed 003, line 115.
        assert_eq!(
            found("灵秀镇人民政府", "2021 年度，扎实改进街道信息公开各项工作。"),
            ["the text speaks of \"街道信息公开\" (…度，扎实改进街道信息公开各项工作。) but the report is \
              by a town (镇/乡), 灵秀镇人民政府: copied from another agency's report?"]
        );
        assert_eq!(found("泉港区", "全县政府信息公开工作").len(), 1);
        assert_eq!(
            found("鲤城区人民政府开元街道办事处", "我镇认真贯彻").len(),
            1
        );
        // A town's own words, a street (not a street office), a district's 全区: nothing.
        assert!(found("灵秀镇人民政府", "我镇认真贯彻，完成街道两旁绿化").is_empty());
        assert!(found("泉港区", "全区共收到申请").is_empty());
        assert!(found("泉州市行政服务中心管委会", "全县全区").is_empty());
    }

    #[test]
    fn fee_amounts_too_large_for_wanyuan_both_ways() {
        let fee = |raw: &str, yuan: i64| PlacedCell {
            section: Section::Active,
            category: Category::ActiveFees,
            breakdown: Breakdown::FeeAmount,
            value: Decimal::from(yuan),
            unit: Unit::Yuan,
            raw: raw.to_string(),
            line: 40,
        };
        let mut out = Vec::new();
        check_fee_unit(&[fee("22.5981", 225_981), fee("100", 1_000_000)], &mut out);
        assert_eq!(out, vec![]);
        check_fee_unit(&[fee("3940", 39_400_000)], &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].code, Code::UnitSuspect);
        assert_eq!(
            out[0].message,
            "active.fees / fee_amount: \"3940\" in a 万元 column is 39400000 元, far more than \
             information fees come to; it was probably entered in 元 (then it is 3940 元)"
        );
    }

    #[test]
    fn required_sections_both_ways() {
        let codes = |prose: &[(i32, &str)]| {
            let keys: Vec<(i32, String)> = prose
                .iter()
                .map(|(l, t)| (*l, crate::text::label_key(t)))
                .collect();
            let keys: Vec<(i32, &str)> = keys.iter().map(|(l, k)| (*l, k.as_str())).collect();
            check_sections(&keys)
                .into_iter()
                .map(|f| f.message)
                .collect::<Vec<_>>()
        };
        let all = [
            (7, "一、总体情况"),
            (
                9,
                "2021 年，泉港区以习近平新时代中国特色社会主义思想为指导……",
            ),
            (105, "## 五、存在的主要问题及改进情况"),
            (119, "六、其他需要报告的事项"),
        ];
        assert_eq!(codes(&all), Vec::<String>::new());
        // The section's words inside a long paragraph are not its heading.
        let none = [(
            9,
            "针对上年度存在的主要问题，我区认真整改，进一步完善政府信息公开工作机制，其他需要报告的事项另行报告，确保各项工作落到实处。",
        )];
        assert_eq!(
            codes(&none),
            [
                "the report has no section 一、总体情况 (no heading naming it was found)",
                "the report has no section 五、存在的主要问题及改进情况 (no heading naming it was found)",
                "the report has no section 六、其他需要报告的事项 (no heading naming it was found)",
            ]
        );
    }

    #[test]
    fn prose_whose_parts_exceed_the_whole() {
        let messages = |prose: &str| -> Vec<String> {
            let mut out = Vec::new();
            check_prose_parts(&[(30, &crate::text::label_key(prose))], &mut out);
            out.into_iter().map(|f| f.message).collect()
        };
        // Seed 004, line 30.
        assert_eq!(
            messages("区政府各级各部门共收到政府信息公开申请45件,其中区政府本级17件,各街道办事处、区直各单位共38件。"),
            ["the text says 45件, 其中 17 + 38 = 55件: the parts exceed the whole"]
        );
        // Seed 003, line 11: the list ends at the comma; 移交 is another clause.
        assert_eq!(
            messages("我镇共制作、获取政府信息 1 条，其中主动公开政府信息数 1 条、作为依申请公开信息数 0 条、不予公开信息数 0 条，我机关向两馆移交主动公开政府信息 1 条。"),
            Vec::<String>::new()
        );
        // Seed 000, line 8: parts that add up.
        assert_eq!(
            messages("主动政府信息公开文件总数 15 份，其中机构职能类信息 10 份，安全生产、应急管理类信息 1 份，应主动公开的其他政府信息类信息 4 份。"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn prose_against_table_both_ways() {
        // Table: 67 new, 36 disclosed, 15 unavailable, 8 other, 6 carried forward, 3 reviews,
        // no lawsuits.
        let agree = "全区共收到政府信息公开申请 67 件，“予以公开”的 36 件，“无法提供”的 15 件，\
                     “其他处理”的 8 件，结转下一年度办理 6 件。行政复议案件 3 件，行政诉讼 0 件。";
        assert_eq!(narrative_findings(agree), vec![]);
        let differ = "共收到政府信息公开申请 70 件，“无法提供”的 16 件，结转下年度继续办理的 3 件，行政复议 4 件，行政诉讼案件 2 件。";
        let f = narrative_findings(differ);
        let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the text says 收到申请 70 but the table says 67",
                "the text says 无法提供 16 but the table says 15",
                "the text says 结转下年度 3 but the table says 6",
                "the text says 行政复议 4 but the table says 3",
                "the text says 行政诉讼 2 but the table says 0",
            ]
        );
        assert_eq!(f[0].line, Some(5));
        // "None received" against a table with requests, and 收到 counting new + carried.
        assert_eq!(
            narrative_findings("本年度未收到政府信息公开申请。").len(),
            1
        );
        assert_eq!(narrative_findings("共收到申请 67 件。"), vec![]);
    }

    #[test]
    fn timeliness_both_ways() {
        // Seed 000 (a department) issued 2021-01-08 for 2020: on time.
        let dept = Some("泉州市行政服务中心管委会");
        assert_eq!(
            check_timeliness(dept, Some(2020), Some("2021-01-08"), None),
            None
        );
        let late = check_timeliness(dept, Some(2020), Some("2021-02-03"), None).unwrap();
        assert_eq!(late.code, Code::LatePublication);
        assert!(
            late.message.contains("a department (2021-01-31)"),
            "{}",
            late.message
        );
        // A government has until 31 March.
        assert_eq!(
            check_timeliness(Some("泉港区"), Some(2021), Some("2022-03-31"), None),
            None
        );
        assert!(check_timeliness(
            Some("鲤城区人民政府开元街道办事处"),
            Some(2020),
            Some("2021-04-01"),
            None
        )
        .is_some());
        assert_eq!(
            check_timeliness(Some("泉港区"), Some(2021), None, None),
            None,
            "no date, nothing said"
        );
        // No date of its own: the portal's publication time decides, and says so.
        let late = check_timeliness(dept, Some(2020), None, Some("2021-02-20T15:07:00")).unwrap();
        assert!(
            late.message
                .starts_with("published on the portal on 2021-02-20"),
            "{}",
            late.message
        );
        // The report's own date wins over the portal's.
        assert_eq!(
            check_timeliness(
                dept,
                Some(2020),
                Some("2021-01-08"),
                Some("2021-02-20T15:07:00")
            ),
            None
        );
    }

    #[test]
    fn template_against_year() {
        let mapped = mapped(SEED_001);
        let f = check_cells(&mapped, mapped.template(), Some(2020), &[]);
        assert_eq!(codes(&f), ["template_mismatch"]);
    }
}
