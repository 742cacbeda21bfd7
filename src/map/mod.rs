//! map: raw rows → cells with a category, a breakdown, a value and a unit.
//!
//! Rows are named by their label text alone ([`crate::categories`] holds the words), never
//! by position. Cells go to columns in order where a row has as many cells as columns.
//! Where it has more or fewer, or where digits ran together, every arrangement the format
//! allows is tried (no leading zeros, the six applicant columns sum to 总计, table 四's
//! sums, and then the column identities across rows). Only an arrangement that is the one
//! possibility becomes facts; otherwise the row gives no facts and a diagnostic lists the
//! candidates, so no analyst reads a guessed number.

mod active;
mod applications;
mod review;
mod solve;
#[cfg(test)]
mod tests;

use active::map_active;
use applications::map_applications;
use review::map_review;
use solve::{describe, Arrangement, Slot};

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::categories::{Breakdown, Category, Section};
use crate::model::{Code, Finding, PlacedCell, Template, Unit};
use crate::tables::RawRow;
use crate::text::{label_key, wan_to_yuan};

/// What the mapping of one report's tables produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapped {
    /// Cells in source order.
    pub cells: Vec<PlacedCell>,
    /// Problems found while mapping.
    pub findings: Vec<Finding>,
    /// Evidence for the 2019 format (columns or rows only it has), with a line.
    pub signals_2019: Vec<(Evidence, i32)>,
    /// Evidence for the 2021 format.
    pub signals_2021: Vec<(Evidence, i32)>,
    /// Tables from which at least one row was recognised.
    pub tables_read: BTreeSet<Section>,
    /// Rows whose digits split several ways, where a previous-year report could decide.
    pub open_splits: Vec<PendingSplit>,
}

/// A row whose run-together digits split several ways, with each way's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingSplit {
    /// The row.
    pub category: Category,
    /// Its line.
    pub line: i32,
    /// Each way the digits split, as the row's cells.
    pub candidates: Vec<Vec<PlacedCell>>,
}

/// Most ways to split one row that are kept for a previous-year report to decide among.
const MAX_OPEN_CANDIDATES: usize = 32;

/// Keeps an ambiguous row's candidates where the same agency's previous-year report can
/// tell them apart: 上年结转 (= last year's 结转下年度), and table 二's 现行有效件数 (= last
/// year's plus 制发 minus 废止) and 上一年项目数量 (= last year's 本年项目数量).
fn keep_open(
    out: &mut Mapped,
    section: Section,
    category: Category,
    columns: &[Breakdown],
    candidates: &[Arrangement],
    line: i32,
) {
    let decidable = match section {
        Section::Applications => category == Category::CarriedOver,
        Section::Active => {
            columns.contains(&Breakdown::InForce) || columns.contains(&Breakdown::ItemsPrevYear)
        }
        Section::ReviewLitigation => false,
    };
    if !decidable || candidates.len() > MAX_OPEN_CANDIDATES {
        return;
    }
    let mut ways = Vec::with_capacity(candidates.len());
    for arrangement in candidates {
        let mut scratch = Mapped::default();
        push_cells(&mut scratch, section, category, columns, arrangement);
        // A placeholder or a unit assumed: not a plain split of digits.
        if !scratch.findings.is_empty() || scratch.cells.is_empty() {
            return;
        }
        ways.push(scratch.cells);
    }
    out.open_splits.push(PendingSplit {
        category,
        line,
        candidates: ways,
    });
}

/// A part of a table that only one national format has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A table 二 column header (本年新制作数量 is 2019, 本年制发件数 is 2021, …).
    Column(Breakdown),
    /// A row: 其他对外管理服务事项 and 政府集中采购 (2019), the （六） rows of table 三.
    Row(Category),
}

impl Evidence {
    /// Whether the evidence comes from table 二, where the formats differ most.
    fn in_active_table(self) -> bool {
        match self {
            Evidence::Column(_) => true,
            Evidence::Row(c) => c.section() == Section::Active,
        }
    }

    /// The code of the column or row, for messages.
    pub fn code(self) -> &'static str {
        match self {
            Evidence::Column(b) => b.code(),
            Evidence::Row(c) => c.code(),
        }
    }
}

impl Mapped {
    /// The format the tables follow: table 二's columns decide where present (they differ
    /// most), else table 三's （六） rows, else `none`.
    pub fn template(&self) -> Template {
        let active_2019 = self.signals_2019.iter().any(|(e, _)| e.in_active_table());
        let active_2021 = self.signals_2021.iter().any(|(e, _)| e.in_active_table());
        match (active_2019, active_2021) {
            (true, false) => Template::Y2019,
            (false, true) => Template::Y2021,
            _ if !self.signals_2021.is_empty() && self.signals_2019.is_empty() => Template::Y2021,
            _ if !self.signals_2019.is_empty() => Template::Y2019,
            _ => Template::None,
        }
    }
}

/// Maps the raw rows of one table.
pub fn map_table(section: Section, rows: &[RawRow], out: &mut Mapped) {
    map_table_with(section, rows, Labels::AsPrinted, out);
}

/// How row labels are matched to rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// As printed, typos and wrapping allowed for ([`crate::categories::anchored_label`]).
    AsPrinted,
    /// As read by OCR: a table 三 label that is no printed label is also taken for the
    /// one it is clearly nearest to ([`crate::categories::nearest_label`]), with an
    /// `ocr_label` warning; a table 二 header cell that is no printed header, for the
    /// header it clearly is ([`crate::categories::nearest_column_header`]).
    ReadByOcr,
}

/// Maps the raw rows of one table, matching labels as `labels` says.
pub fn map_table_with(section: Section, rows: &[RawRow], labels: Labels, out: &mut Mapped) {
    match section {
        Section::Active => map_active(rows, labels, out),
        Section::Applications => map_applications(rows, labels, out),
        Section::ReviewLitigation => map_review(rows, out),
    }
}

fn push_cells(
    out: &mut Mapped,
    section: Section,
    category: Category,
    columns: &[Breakdown],
    arr: &Arrangement,
) {
    for (col, slot) in columns.iter().zip(arr) {
        let Some(slot) = slot else { continue };
        let Some(number) = slot.number else {
            out.findings.push(Finding::warning(
                Code::UnparsedCell,
                format!(
                    "{} / {}: cell {:?} is not a number; no fact is written (a dash or 无 is \
                     not taken as 0)",
                    category.code(),
                    col.code(),
                    slot.raw
                ),
                Some(slot.line),
            ));
            continue;
        };
        let (value, unit) = money(*col, number, slot, out);
        out.cells.push(PlacedCell {
            section,
            category,
            breakdown: *col,
            value,
            unit,
            raw: slot.raw.to_string(),
            line: slot.line,
            position: slot.position,
            confidence: None,
        });
    }
}

/// Converts money to 元: 本年收费金额 is printed in 万元; 采购总金额 has no printed unit, so a
/// bare number is taken as 元 and flagged, and a cell that says 万元 is converted.
fn money(col: Breakdown, number: Decimal, slot: &Slot, out: &mut Mapped) -> (Decimal, Unit) {
    match col {
        Breakdown::FeeAmount if slot.has_unit && !slot.wan_yuan => (number, Unit::Yuan),
        Breakdown::FeeAmount => (wan_to_yuan(number), Unit::Yuan),
        Breakdown::ProcurementAmount if slot.wan_yuan => (wan_to_yuan(number), Unit::Yuan),
        Breakdown::ProcurementAmount => {
            if !slot.has_unit {
                out.findings.push(Finding::warning(
                    Code::UnitAssumed,
                    format!("采购总金额 {:?} has no unit; it is taken as 元", slot.raw),
                    Some(slot.line),
                ));
            }
            (number, Unit::Yuan)
        }
        _ => (number, Unit::Count),
    }
}

/// Finds the key whose match ends last in `key` (longest on ties).
fn last_match<T: Copy>(key: &str, table: &[(&str, T)]) -> Option<(T, usize)> {
    let mut best: Option<(T, usize, usize)> = None;
    for (k, v) in table {
        if let Some(pos) = key.rfind(k) {
            let end = pos + k.len();
            if best.is_none_or(|(_, e, l)| end > e || (end == e && k.len() > l)) {
                best = Some((*v, end, k.len()));
            }
        }
    }
    best.map(|(v, e, _)| (v, e))
}

// ---------------------------------------------------------------- table 二

/// For a row label read by OCR that names no row as printed (`其他对外宫埋服务事项`): the
/// row of `table` it is clearly nearest to ([`crate::categories::nearest_label`]), if no
/// earlier row of the table was taken for it, with an `ocr_label` warning that says so.
/// `None` for a label as printed: a typo there is the agency's, not a misreading.
fn nearest_read_label(
    row: &RawRow,
    key: &str,
    table: crate::categories::RowLabels,
    labels: Labels,
    seen: &BTreeSet<Category>,
    out: &mut Mapped,
) -> Option<Category> {
    if labels != Labels::ReadByOcr {
        return None;
    }
    let category = crate::categories::nearest_label(key, table).filter(|c| !seen.contains(c))?;
    out.findings.push(Finding::warning(
        Code::OcrLabel,
        format!(
            "row label {:?}, read by OCR, is no printed label; it is taken for {}, whose label \
             it is clearly nearest to",
            row.label,
            category.code()
        ),
        Some(row.line),
    ));
    Some(category)
}

fn unknown_row(row: &RawRow, section: Section) -> Finding {
    let cells: Vec<&str> = row.cells.iter().map(|c| c.raw.as_str()).collect();
    if row.label.trim().is_empty() {
        return Finding::warning(
            Code::UnknownRow,
            format!(
                "{}: a row of cells {cells:?} has no label (the conversion separated it from its \
                 label); rows are never named by position, so it is not read",
                section.name_zh()
            ),
            Some(row.line),
        );
    }
    Finding::warning(
        Code::UnknownRow,
        format!(
            "{}: row label {:?} is not a known row; its cells {:?} are not read",
            section.name_zh(),
            row.label,
            cells
        ),
        Some(row.line),
    )
}

fn duplicate_row(row: &RawRow, category: Category) -> Finding {
    Finding::warning(
        Code::DuplicateRow,
        format!(
            "{} appears a second time ({:?}); the first is kept",
            category.code(),
            row.label
        ),
        Some(row.line),
    )
}

/// The finding for a row whose label holds the labels of two rows (`named` finds them in
/// `label`), so that either row may own the numbers, and neither is read:
/// - the label was read from lines of its own (a column of labels read before the column
///   of numbers);
/// - or one cell of a grid holds both labels: a cell merged over two rows, or two cells
///   whose border a scan lost, beside numbers that may be either row's.
///
/// A label beside its numbers whose pieces name one row each owns them, whatever text
/// from rows without numbers stands before it: `None` then.
fn two_rows_in_label(
    row: &RawRow,
    label: &str,
    named: impl Fn(&str) -> Option<(Category, Category)>,
) -> Option<Finding> {
    let beside = row
        .cells
        .first()
        .is_some_and(|c| c.line == row.label_last_line);
    let one_cell = row.label_cells.iter().find_map(|cell| {
        let text = row.label.get(cell.text.clone())?;
        named(&label_key(text)).map(|rows| (text, rows))
    });
    let cells: Vec<&str> = row.cells.iter().map(|c| c.raw.as_str()).collect();
    let message = match one_cell {
        Some((text, (first, second))) => format!(
            "one cell, {text:?}, holds the labels of two rows, {} and {} (a cell merged over \
             two rows, or a border lost in a scan): which one the cells {cells:?} belong to \
             cannot be told, so neither is read",
            first.code(),
            second.code()
        ),
        None if beside => return None,
        None => {
            let (first, second) = named(label)?;
            format!(
                "{:?} holds the labels of two rows, {} and {}: which one the cells {cells:?} \
                 belong to cannot be told, so neither is read",
                row.label,
                first.code(),
                second.code()
            )
        }
    };
    Some(Finding::error(Code::AmbiguousRow, message, Some(row.line)))
}

fn ambiguous(category: Category, candidates: &[Arrangement], line: i32) -> Finding {
    let shown: Vec<String> = candidates
        .iter()
        .take(6)
        .map(|a| format!("[{}]", describe(a)))
        .collect();
    let more = candidates.len().saturating_sub(6);
    Finding::error(
        Code::AmbiguousCells,
        format!(
            "{}: the digits fit {} different cell splits, so none is written: {}{}",
            category.code(),
            candidates.len(),
            shown.join(" or "),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        ),
        Some(line),
    )
}

// ---------------------------------------------------------------- table 三
