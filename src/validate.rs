//! validate: mapped cells → findings about the numbers and the report's structure.
//!
//! Runs the four checks of the output contract, which the format itself states, plus
//! structural checks (missing tables, template against reporting year) and value domain
//! checks. A failed check never removes a fact: it is information for the analyst. Blank
//! cells give no facts, and a check that needs a missing cell is skipped (not assessable),
//! never counted as failed.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::categories::{Breakdown, Category, Section, APPLICANT_PARTS, REVIEW_ROWS};
use crate::map::{CellFact, Evidence, Mapped};
use crate::model::{Finding, Template, Unit};

type Grid<'a> = BTreeMap<(Category, Breakdown), &'a CellFact>;

/// Runs every per-report check.
pub fn validate(mapped: &Mapped, template: Template, year: Option<i32>) -> Vec<Finding> {
    let grid: Grid = mapped
        .cells
        .iter()
        .map(|c| ((c.category, c.breakdown), c))
        .collect();
    let mut out = Vec::new();
    check_tables_present(mapped, &mut out);
    check_identity(&grid, &mut out);
    check_row_sums(&grid, &mut out);
    check_outcome_sums(&grid, &mut out);
    check_review_sums(&grid, &mut out);
    check_domain(&mapped.cells, &mut out);
    check_published(&grid, &mut out);
    check_template(mapped, template, year, &mut out);
    out
}

fn value(grid: &Grid, c: Category, b: Breakdown) -> Option<Decimal> {
    grid.get(&(c, b)).map(|f| f.value)
}

fn line(grid: &Grid, c: Category, b: Breakdown) -> Option<i32> {
    grid.get(&(c, b)).map(|f| f.line)
}

fn columns_of(grid: &Grid, section: Section) -> Vec<Breakdown> {
    let mut cols: Vec<Breakdown> = grid
        .keys()
        .filter(|(c, _)| c.section() == section)
        .map(|(_, b)| *b)
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
                "missing_table",
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
fn check_identity(grid: &Grid, out: &mut Vec<Finding>) {
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
                "identity_mismatch",
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
fn check_row_sums(grid: &Grid, out: &mut Vec<Finding>) {
    let mut rows: Vec<Category> = grid
        .keys()
        .filter(|(c, _)| c.section() == Section::Applications)
        .map(|(c, _)| *c)
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
                "row_sum_mismatch",
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
fn check_outcome_sums(grid: &Grid, out: &mut Vec<Finding>) {
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
                "outcome_sum_mismatch",
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
fn check_review_sums(grid: &Grid, out: &mut Vec<Finding>) {
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
                "review_sum_mismatch",
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
fn check_domain(cells: &[CellFact], out: &mut Vec<Finding>) {
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
                "invalid_value",
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

/// 本年新公开数量 cannot exceed 对外公开总数量, which is cumulative (2019 format).
fn check_published(grid: &Grid, out: &mut Vec<Finding>) {
    for c in [Category::ActiveRules, Category::ActiveNormativeDocs] {
        if let (Some(p), Some(t)) = (
            value(grid, c, Breakdown::Published),
            value(grid, c, Breakdown::TotalPublished),
        ) {
            if p > t {
                out.push(Finding::warning(
                    "implausible_value",
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
            "template_mismatch",
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
            "template_variant",
            "table 二 uses the 本年项目数量 column set, which is in neither national format; read as 2019",
            Some(*l),
        ));
    }
    if let Some(y) = year {
        let expected = Template::expected_for_year(y);
        if template != Template::None && expected != template {
            out.push(Finding::warning(
                "template_mismatch",
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

    /// Seed 001's table 三 and 四 with one number changed.
    fn findings_after(from: &str, to: &str) -> Vec<Finding> {
        let text = include_str!("../data/raw/001_1f7e495e6ab563f2.txt").replacen(from, to, 1);
        let seg = segment(&text);
        let mut mapped = Mapped::default();
        for r in &seg.tables {
            let rows = recover_rows(&seg.lines[r.lines.clone()], r.lines.start + 1);
            map_table(r.section, &rows, &mut mapped);
        }
        validate(&mapped, mapped.template(), Some(2021))
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.code).collect()
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
            .find(|f| f.code == "row_sum_mismatch")
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

    #[test]
    fn template_against_year() {
        let seg_text = include_str!("../data/raw/001_1f7e495e6ab563f2.txt");
        let seg = segment(seg_text);
        let mut mapped = Mapped::default();
        for r in &seg.tables {
            map_table(
                r.section,
                &recover_rows(&seg.lines[r.lines.clone()], r.lines.start + 1),
                &mut mapped,
            );
        }
        let f = validate(&mapped, mapped.template(), Some(2020));
        assert_eq!(codes(&f), ["template_mismatch"]);
    }
}
