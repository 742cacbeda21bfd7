//! validate: mapped cells → findings about the numbers and the report's structure.
//!
//! Runs the four checks of the output contract, which the format itself states, plus
//! structural checks (missing tables, template against reporting year) and value domain
//! checks. A failed check never removes a fact: it is information for the analyst. Blank
//! cells give no facts, and a check that needs a missing cell is skipped (not assessable),
//! never counted as failed.

use rust_decimal::Decimal;

use crate::categories::{Breakdown, Category, Section, APPLICANT_PARTS, REVIEW_ROWS};
use crate::map::{Evidence, Mapped};
use crate::model::{Code, Finding, PlacedCell, Template, Unit};
use crate::segment::Metadata;

macro_rules! pattern {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).unwrap());
    };
}

mod prose;
#[cfg(test)]
mod tests;

pub use prose::is_government;
use prose::{
    check_narrative, check_prose_parts, check_sections, check_timeliness, check_unit_words,
};

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
                "the report has fewer than {} characters of prose of its own (between its \
                 title and its signature, outside its tables, without the national format's \
                 fixed sentences and headings and without web page furniture), too little \
                 to compare with other reports for copied text",
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

/// Above this a fee total (本年收费金额, printed in 万元, of 行政事业性收费: every
/// administrative fee the agency collected, not only information fees) is more than any
/// one agency collects: 1 000 亿元. A city's fees come to several 亿元, so a lower bound
/// would accuse real reports; this one only catches a column filled in 元.
const FEE_PLAUSIBLE_YUAN: i64 = 100_000_000_000;

/// 本年收费金额 is printed in 万元; a value entered in 元 comes out 10 000 times too large.
fn check_fee_unit(cells: &[PlacedCell], out: &mut Vec<Finding>) {
    for f in cells {
        if f.breakdown == Breakdown::FeeAmount && f.value > Decimal::from(FEE_PLAUSIBLE_YUAN) {
            out.push(Finding::warning(
                Code::UnitSuspect,
                format!(
                    "{} / fee_amount: {:?} in a 万元 column is {} 元, over 1 000 亿元, more than \
                     any one agency collects; it was probably entered in 元 (then it is {} 元)",
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
