//! Table 三 (政府信息公开申请): rows named by label (the outcome groups by the row
//! before), placed jointly where the column identities decide.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::solve::{
    describe, header_reference, place, with_blanks, Arrangement, Columns, Placement, Reference,
    MAX_COMBINATIONS,
};
use super::{
    ambiguous, duplicate_row, keep_open, last_match, nearest_read_label, push_cells,
    two_rows_in_label, unknown_row, Evidence, Labels, Mapped,
};
use crate::categories::APPLICATION_ITEM_STARTS;
use crate::categories::{
    anchored_label, application_row_order, Breakdown, Category, RowLabels, Section,
    APPLICANT_COLUMNS, APPLICATION_ROW_KEYS,
};
use crate::model::{Code, Finding};
use crate::tables::RawRow;
use crate::text::label_key;

/// Names a table 三 row from its label key, with the previous row for （六）3.其他.
pub(super) fn application_category(key: &str, previous: Option<Category>) -> Option<Category> {
    if let Some(c) = anchored_label(key, RowLabels::Applications) {
        return Some(c);
    }
    let found = last_match(key, APPLICATION_ROW_KEYS);
    let tail = found.map_or(key, |(_, end)| &key[end..]);
    let other_tail = tail.ends_with("3.其他") || tail.ends_with("3、其他") || tail == "其他";
    let in_group_six = matches!(previous, Some(Category::NoCorrection | Category::UnpaidFee));
    if other_tail && (in_group_six || tail.contains("3")) {
        return Some(Category::OtherOther);
    }
    found.map(|(c, _)| c)
}

/// The first two rows whose numbered labels both stand in one row's label key
/// (`5.属于三类内部事务信息1.本机关不掌握相关政府信息` before one row of numbers: a
/// conversion that put a column of labels before a column of numbers), in text order.
pub(super) fn two_rows_named(key: &str) -> Option<(Category, Category)> {
    let mut named: Vec<(usize, Category)> = APPLICATION_ITEM_STARTS
        .iter()
        .filter_map(|(start, c)| start.find(key.as_bytes()).map(|at| (at, *c)))
        .collect();
    named.sort_unstable_by_key(|(at, _)| *at);
    named.dedup_by_key(|(_, c)| *c);
    match named.as_slice() {
        [(_, first), (_, second), ..] => Some((*first, *second)),
        _ => None,
    }
}

/// Whether a label is only a group heading (（三）不予公开 …) that a non-standard table
/// gives its own subtotal row.
pub(super) fn is_group_subtotal(key: &str) -> bool {
    ["不予公开", "无法提供", "不予处理"]
        .iter()
        .any(|g| key.ends_with(g))
}

pub(super) fn map_applications(rows: &[RawRow], labels: Labels, out: &mut Mapped) {
    let keys: Vec<String> = rows.iter().map(|r| label_key(&r.label)).collect();
    let has_subtotal = keys.iter().any(|k| k.contains("小计"));
    let columns: Vec<Breakdown> = if has_subtotal {
        let mut c = APPLICANT_COLUMNS.to_vec();
        c.insert(6, Breakdown::OrgSubtotal);
        c
    } else {
        APPLICANT_COLUMNS.to_vec()
    };
    let width = columns.len();
    let mut previous: Option<Category> = None;
    let headers: Option<Reference> = header_reference(rows, &columns);
    let mut reference: Option<Reference> = None;
    let mut line_columns: Option<Columns> = None;
    let mut placed: Vec<(Category, Arrangement, i32)> = Vec::new();
    let mut pending: Vec<(Category, Vec<Arrangement>, i32)> = Vec::new();
    let mut seen = BTreeSet::new();
    for (row, key) in rows.iter().zip(&keys).filter(|(r, _)| !r.cells.is_empty()) {
        let found = application_category(key, previous).or_else(|| {
            (!is_group_subtotal(key))
                .then(|| nearest_read_label(row, key, RowLabels::Applications, labels, &seen, out))
                .flatten()
        });
        let Some(category) = found else {
            if is_group_subtotal(key) {
                out.findings.push(Finding::warning(
                    Code::SubtotalRow,
                    format!("{:?} is a group subtotal row, which the national format does not have; not read", row.label),
                    Some(row.line),
                ));
            } else {
                out.findings.push(unknown_row(row, Section::Applications));
            }
            continue;
        };
        if let Some(finding) = two_rows_in_label(row, key, two_rows_named) {
            out.findings.push(finding);
            continue;
        }
        if !seen.insert(category) {
            out.findings.push(duplicate_row(row, category));
            continue;
        }
        previous = Some(category);
        out.tables_read.insert(Section::Applications);
        match category {
            Category::OtherOutcome => out.signals_2019.push((Evidence::Row(category), row.line)),
            Category::NoCorrection | Category::UnpaidFee | Category::OtherOther => {
                out.signals_2021.push((Evidence::Row(category), row.line));
            }
            _ => {}
        }
        let fits = |a: &Arrangement| applicant_sum_holds(a);
        let references: Vec<&Reference> = headers.iter().chain(reference.iter()).collect();
        match place(&row.cells, width, &references, line_columns.as_ref(), &fits) {
            Placement::Placed(arr, note) => {
                if note.is_none() {
                    line_columns = Columns::of(&row.cells).or(line_columns);
                }
                if note.is_none() && row.cells.iter().all(|c| c.position.is_some()) {
                    reference = Some(Reference {
                        positions: row.cells.iter().filter_map(|c| c.position).collect(),
                        line_cells: row
                            .cells
                            .iter()
                            .filter_map(|c| c.line_cells)
                            .min()
                            .unwrap_or(0),
                        from_headers: false,
                    });
                }
                if let Some(note) = note {
                    out.findings.push(Finding::warning(
                        Code::CellCountMismatch,
                        format!("{}: {}", category.code(), with_blanks(note, &arr, &columns)),
                        Some(row.line),
                    ));
                }
                placed.push((category, arr, row.line));
            }
            Placement::Ambiguous(c) => pending.push((category, c, row.line)),
            Placement::Unplaceable(m) => out.findings.push(Finding::error(
                Code::CellCountMismatch,
                format!("{}: {m}", category.code()),
                Some(row.line),
            )),
        }
    }
    resolve_jointly(&mut placed, pending, &columns, out);
    placed.sort_by_key(|(c, _, line)| (*line, application_row_order(*c)));
    for (category, arr, _) in &placed {
        push_cells(out, Section::Applications, *category, &columns, arr);
    }
}

/// Check 2 on a candidate row: the six applicant columns (always first) sum to 总计
/// (always last, after an `org_subtotal` column where there is one).
pub(super) fn applicant_sum_holds(a: &Arrangement) -> bool {
    let parts: Option<Decimal> = (0..6).map(|i| a[i].as_ref().and_then(|s| s.number)).sum();
    let total = a[a.len() - 1].as_ref().and_then(|s| s.number);
    match (parts, total) {
        (Some(p), Some(t)) => p == t,
        _ => true,
    }
}

/// Tries every combination of the ambiguous rows' candidates against the column
/// identities (check 1 and check 3); keeps a row's arrangement where all surviving
/// combinations agree on it.
pub(super) fn resolve_jointly<'a>(
    placed: &mut Vec<(Category, Arrangement<'a>, i32)>,
    pending: Vec<(Category, Vec<Arrangement<'a>>, i32)>,
    columns: &[Breakdown],
    out: &mut Mapped,
) {
    if pending.is_empty() {
        return;
    }
    let combos: usize = pending
        .iter()
        .map(|(_, c, _)| c.len())
        .try_fold(1usize, |a, n| a.checked_mul(n))
        .unwrap_or(usize::MAX);
    let mut survivors: Vec<Vec<usize>> = Vec::new();
    if combos <= MAX_COMBINATIONS {
        let mut index = vec![0usize; pending.len()];
        loop {
            let mut grid: BTreeMap<Category, &Arrangement> =
                placed.iter().map(|(c, a, _)| (*c, a)).collect();
            for (k, (cat, cands, _)) in pending.iter().enumerate() {
                grid.insert(*cat, &cands[index[k]]);
            }
            if column_identities_hold(&grid, columns.len()) {
                survivors.push(index.clone());
            }
            let mut k = 0;
            loop {
                if k == index.len() {
                    break;
                }
                index[k] += 1;
                if index[k] < pending[k].1.len() {
                    break;
                }
                index[k] = 0;
                k += 1;
            }
            if k == index.len() {
                break;
            }
        }
    }
    for (k, (category, cands, line)) in pending.into_iter().enumerate() {
        let chosen: BTreeSet<usize> = survivors.iter().map(|s| s[k]).collect();
        if chosen.len() == 1 && combos <= MAX_COMBINATIONS {
            let pick = *chosen.iter().next().unwrap_or(&0);
            out.findings.push(Finding::warning(
                Code::CellCountMismatch,
                format!(
                    "{}: run-together digits fit {} splits; only [{}] keeps the table's column identities",
                    category.code(),
                    cands.len(),
                    describe(&cands[pick])
                ),
                Some(line),
            ));
            placed.push((category, cands[pick].clone(), line));
        } else {
            let keep: Vec<Arrangement> = if chosen.is_empty() {
                cands
            } else {
                chosen.iter().map(|i| cands[*i].clone()).collect()
            };
            out.findings.push(ambiguous(category, &keep, line));
            keep_open(out, Section::Applications, category, columns, &keep, line);
        }
    }
}

pub(super) fn column_identities_hold(
    grid: &BTreeMap<Category, &Arrangement>,
    width: usize,
) -> bool {
    let get =
        |c: Category, col: usize| -> Option<Decimal> { grid.get(&c)?.get(col)?.as_ref()?.number };
    for col in 0..width {
        if let (Some(n), Some(o), Some(t), Some(f)) = (
            get(Category::New, col),
            get(Category::CarriedOver, col),
            get(Category::OutcomeTotal, col),
            get(Category::CarriedForward, col),
        ) {
            if n + o != t + f {
                return false;
            }
        }
        if let Some(total) = get(Category::OutcomeTotal, col) {
            let parts: Vec<Decimal> = grid
                .iter()
                .filter(|(c, _)| c.is_outcome_part())
                .filter_map(|(c, _)| get(*c, col))
                .collect();
            let all_present = grid.keys().filter(|c| c.is_outcome_part()).count() == parts.len();
            if all_present && parts.iter().copied().sum::<Decimal>() != total {
                return false;
            }
        }
    }
    true
}

// ---------------------------------------------------------------- table 四
