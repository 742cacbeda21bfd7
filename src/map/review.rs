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

/// Table 四 is one row of 15 cells under a three-level header; some conversions print it
/// as three labelled sub-tables of five cells instead.
pub(super) fn map_review(rows: &[RawRow], out: &mut Mapped) {
    let with_cells: Vec<&RawRow> = rows.iter().filter(|r| !r.cells.is_empty()).collect();
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
    match place(
        &first.cells,
        width,
        &headers.iter().collect::<Vec<_>>(),
        None,
        &review_fits,
    ) {
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
