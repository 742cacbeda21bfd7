//! Table 四 (行政复议、行政诉讼): one row of fifteen cells, or the groups as rows.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::solve::{header_reference, place, slot_of, Arrangement, Placement};
use super::{ambiguous, push_cells, Mapped};
use crate::categories::{Category, Section, REVIEW_COLUMNS, REVIEW_ROWS};
use crate::model::{Code, Finding};
use crate::tables::RawRow;
use crate::text::label_key;

/// Labels of table 四's three groups, for tables printed as three separate sub-tables.
pub(super) const REVIEW_GROUP_KEYS: &[(&str, Category)] = &[
    ("行政复议", Category::Review),
    ("直接起诉", Category::LitigationDirect),
    ("复议后起诉", Category::LitigationAfterReview),
];

pub(super) fn review_fits(a: &Arrangement) -> bool {
    a.chunks(5).all(|g| {
        let v: Option<Vec<Decimal>> = g
            .iter()
            .map(|s| s.as_ref().and_then(|s| s.number))
            .collect();
        v.is_none_or(|v| v[0] + v[1] + v[2] + v[3] == v[4])
    })
}

/// A stray mark read as a row: fewer cells than a group has, every one a placeholder
/// (`\` or `/`) and none a number: OCR reads the heading's lost `四、` as `\`. It is no
/// row of the table: taken for the row of fifteen, it would hide the real one.
fn is_stray(row: &RawRow) -> bool {
    row.cells.len() < REVIEW_COLUMNS.len() && row.cells.iter().all(|c| slot_of(c).number.is_none())
}

/// A row of fewer numbers than columns, placed by the cells of its line: where the line
/// is a grid's row of exactly `width` cells and holds none of the row's label (a ruled
/// table's row of numbers, a blank cell among them), each cell's position is its column.
/// A line that lost or gained a border has another count, and is not placed so.
fn by_own_line(row: &RawRow, width: usize) -> Option<Arrangement<'_>> {
    let line = row.cells.first()?.line;
    let whole = row
        .cells
        .iter()
        .all(|c| c.line == line && c.line_cells == Some(width) && c.position.is_some());
    if !whole || row.label_cells.iter().any(|c| c.line == line) {
        return None;
    }
    let mut arr: Arrangement = vec![None; width];
    for cell in &row.cells {
        let slot = arr.get_mut(cell.position?)?;
        if slot.is_some() {
            return None;
        }
        *slot = Some(slot_of(cell));
    }
    Some(arr)
}

/// Table 四 is one row of 15 cells under a three-level header; some conversions print it
/// as three labelled sub-tables of five cells instead.
pub(super) fn map_review(rows: &[RawRow], out: &mut Mapped) {
    let with_cells: Vec<&RawRow> = rows
        .iter()
        .filter(|r| !r.cells.is_empty() && !is_stray(r))
        .collect();
    let Some(first) = with_cells.first() else {
        return;
    };
    // A group row's label names exactly one group; the one-row table's header names all.
    let groups: Vec<(Category, &RawRow)> = with_cells
        .iter()
        .filter(|r| r.cells.len() == REVIEW_COLUMNS.len())
        .filter_map(|r| {
            let key = label_key(&r.label);
            let named: BTreeSet<Category> = REVIEW_GROUP_KEYS
                .iter()
                .filter(|(k, _)| key.contains(k))
                .map(|(_, c)| *c)
                .collect();
            match named.iter().collect::<Vec<_>>().as_slice() {
                [only] => Some((**only, *r)),
                _ => None,
            }
        })
        .collect();
    let distinct: BTreeSet<Category> = groups.iter().map(|(c, _)| *c).collect();
    if first.cells.len() < REVIEW_COLUMNS.len() * 3
        && distinct.len() == groups.len()
        && !groups.is_empty()
    {
        out.tables_read.insert(Section::ReviewLitigation);
        for (category, row) in groups {
            let arr: Arrangement = row.cells.iter().map(|c| Some(slot_of(c))).collect();
            push_cells(
                out,
                Section::ReviewLitigation,
                category,
                &REVIEW_COLUMNS,
                &arr,
            );
        }
        return;
    }
    let width = REVIEW_ROWS.len() * REVIEW_COLUMNS.len();
    let line = first.cells[0].line;
    let headers = header_reference(rows, &REVIEW_COLUMNS.repeat(REVIEW_ROWS.len()));
    let placed = match place(
        &first.cells,
        width,
        &headers.iter().collect::<Vec<_>>(),
        None,
        &review_fits,
    ) {
        Placement::Unplaceable(m) => match by_own_line(first, width) {
            Some(arr) => Placement::Placed(
                arr,
                Some(format!(
                    "{} cells for {width} columns; placed by their cell positions on a line \
                     of {width} cells",
                    first.cells.len()
                )),
            ),
            None => Placement::Unplaceable(m),
        },
        other => other,
    };
    match placed {
        Placement::Placed(arr, note) => {
            out.tables_read.insert(Section::ReviewLitigation);
            if let Some(note) = note {
                out.findings.push(Finding::warning(
                    Code::CellCountMismatch,
                    format!("table 四: {note}"),
                    Some(line),
                ));
            }
            for (g, category) in REVIEW_ROWS.iter().enumerate() {
                push_cells(
                    out,
                    Section::ReviewLitigation,
                    *category,
                    &REVIEW_COLUMNS,
                    &arr[g * 5..g * 5 + 5].to_vec(),
                );
            }
        }
        Placement::Ambiguous(c) => {
            out.tables_read.insert(Section::ReviewLitigation);
            out.findings.push(ambiguous(Category::Review, &c, line));
        }
        Placement::Unplaceable(m) => out.findings.push(Finding::error(
            Code::CellCountMismatch,
            format!("table 四: {m}"),
            Some(line),
        )),
    }
}
