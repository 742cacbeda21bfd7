//! Table 二 (主动公开): rows named by label, columns by the header rows above them.

use std::collections::BTreeSet;

use super::solve::{by_position, place, with_blanks, Placement, Reference};
use super::{
    ambiguous, duplicate_row, keep_open, last_match, nearest_read_label, push_cells,
    two_rows_in_label, unknown_row, Evidence, Labels, Mapped,
};
use crate::categories::{
    anchored_label, nearest_column_header, Breakdown, Category, RowLabels, Section,
    ACTIVE_COLUMN_KEYS, ACTIVE_LABELS,
};
use crate::model::{Code, Finding};
use crate::tables::RawRow;
use crate::text::{label_key, Word};

/// A grid's header line of table 二 (`信息内容 | 本年制发件数 | …`): the last line among a
/// row's label cells whose cells are column headers, each whole; its columns in order
/// and where they stand.
pub(super) fn active_grid_header(row: &RawRow) -> Option<(Vec<Breakdown>, Reference)> {
    let headers: Vec<(&crate::tables::LabelCell, Breakdown)> = row
        .label_cells
        .iter()
        .filter_map(|c| {
            let key = label_key(&row.label[c.text.clone()]);
            match header_columns(&key).as_slice() {
                [(b, end)] if *end == key.len() => Some((c, *b)),
                _ => None,
            }
        })
        .collect();
    let line = headers.iter().map(|(c, _)| c.line).max()?;
    let mut on_line: Vec<_> = headers
        .into_iter()
        .filter(|(c, _)| c.line == line)
        .collect();
    on_line.sort_by_key(|(c, _)| c.position);
    let line_cells = on_line.first()?.0.line_cells;
    Some((
        on_line.iter().map(|(_, b)| *b).collect(),
        Reference {
            positions: on_line.iter().map(|(c, _)| c.position).collect(),
            line_cells,
            from_headers: true,
        },
    ))
}

/// A row with each label cell that OCR misread from a column header (`本年增/碱`)
/// written as that header ([`nearest_column_header`]), so that the header names its
/// column; other cells as read.
fn with_headers_repaired(row: &RawRow) -> RawRow {
    let mut repaired = RawRow {
        label: String::new(),
        label_cells: Vec::with_capacity(row.label_cells.len()),
        ..row.clone()
    };
    let mut cells: Vec<&crate::tables::LabelCell> = row.label_cells.iter().collect();
    cells.sort_by_key(|c| c.text.start);
    let mut at = 0;
    for cell in cells {
        if cell.text.start < at {
            return row.clone();
        }
        repaired.label.push_str(&row.label[at..cell.text.start]);
        let text = &row.label[cell.text.clone()];
        let key = label_key(text);
        let header = if header_columns(&key).is_empty() {
            nearest_column_header(&key)
        } else {
            None
        };
        let start = repaired.label.len();
        repaired.label.push_str(header.unwrap_or(text));
        repaired.label_cells.push(crate::tables::LabelCell {
            text: start..repaired.label.len(),
            ..cell.clone()
        });
        at = cell.text.end;
    }
    repaired.label.push_str(&row.label[at..]);
    repaired
}

pub(super) fn map_active(rows: &[RawRow], labels: Labels, out: &mut Mapped) {
    let repaired: Vec<RawRow>;
    let rows = match labels {
        Labels::AsPrinted => rows,
        Labels::ReadByOcr => {
            repaired = rows.iter().map(with_headers_repaired).collect();
            &repaired
        }
    };
    let mut columns: Vec<Breakdown> = Vec::new();
    // The header line's cells, where the table is a grid.
    let mut grid: Option<Reference> = None;
    let mut seen = BTreeSet::new();
    for row in rows {
        let key = label_key(&row.label);
        let header = header_columns(&key);
        let mut label_from = 0;
        if !header.is_empty() {
            label_from = header.last().map_or(0, |(_, end)| *end);
            columns = header.iter().map(|(b, _)| *b).collect();
            grid = None;
            // In a grid, the last header line names the columns, even where blank rows
            // before it left an earlier sub-table's headers in the same label.
            if let Some((grid_columns, reference)) = active_grid_header(row) {
                if columns.ends_with(&grid_columns) {
                    columns = grid_columns;
                    grid = Some(reference);
                }
            }
            for b in &columns {
                note_active_signal(*b, row.line, out);
            }
        }
        if row.cells.is_empty() {
            continue;
        }
        let label = &key[label_from..];
        let found = anchored_label(label, RowLabels::Active)
            .or_else(|| last_match(label, ACTIVE_LABELS).map(|(c, _)| c))
            .or_else(|| nearest_read_label(row, label, RowLabels::Active, labels, &seen, out));
        let Some(category) = found else {
            out.findings.push(unknown_row(row, Section::Active));
            continue;
        };
        if let Some(finding) = two_rows_in_label(row, label, two_rows_named) {
            out.findings.push(finding);
            continue;
        }
        if columns.is_empty() {
            out.findings.push(Finding::error(
                Code::MissingHeader,
                format!(
                    "row {:?} of table 二 has no column header above it; its cells are not read",
                    row.label
                ),
                Some(row.line),
            ));
            continue;
        }
        if !seen.insert(category) {
            out.findings.push(duplicate_row(row, category));
            continue;
        }
        out.tables_read.insert(Section::Active);
        if matches!(
            category,
            Category::ActiveOtherServices | Category::ActiveProcurement
        ) {
            out.signals_2019.push((Evidence::Row(category), row.line));
        }
        let width = columns.len();
        // Cells sit right of the label cell, one column each, where the line kept them all.
        let relative = row.label_position.map(|lp| Reference {
            positions: (lp + 1..lp + 1 + width).collect(),
            line_cells: lp + 1 + width,
            from_headers: false,
        });
        let references: Vec<&Reference> = grid.iter().chain(relative.iter()).collect();
        match placed_under_headers(row, width, grid.as_ref(), labels)
            .unwrap_or_else(|| place(&row.cells, width, &references, None, &|_| true))
        {
            Placement::Placed(arr, note) => {
                if let Some(note) = note {
                    out.findings.push(Finding::warning(
                        Code::CellCountMismatch,
                        format!("{}: {}", category.code(), with_blanks(note, &arr, &columns)),
                        Some(row.line),
                    ));
                }
                push_cells(out, Section::Active, category, &columns, &arr);
            }
            Placement::Ambiguous(c) => {
                out.findings.push(ambiguous(category, &c, row.line));
                keep_open(out, Section::Active, category, &columns, &c, row.line);
            }
            Placement::Unplaceable(m) => out.findings.push(Finding::error(
                Code::CellCountMismatch,
                format!("{}: {m}", category.code()),
                Some(row.line),
            )),
        }
    }
}

/// For a grid read by OCR, a row with a cell for every column placed by the header cells
/// above them: a header OCR misread (`止一年项目数量`) names no column, and the cell
/// under it must not take the place of the one under a header that was read (`本年增/减`,
/// its number read as nothing). `None` where this does not apply: the row is placed as
/// any other. (A text layer's grids are placed as before: their header lines may stand
/// in cells other than their numbers' without being misread.)
fn placed_under_headers<'a>(
    row: &'a RawRow,
    width: usize,
    grid: Option<&Reference>,
    labels: Labels,
) -> Option<Placement<'a>> {
    let grid = grid.filter(|_| labels == Labels::ReadByOcr)?;
    let whole_line = row
        .cells
        .iter()
        .all(|c| c.position.is_some() && c.line_cells == Some(grid.line_cells));
    if row.cells.len() != width || !whole_line {
        return None;
    }
    Some(match by_position(&row.cells, grid) {
        Some(arr) => Placement::Placed(arr, None),
        None => Placement::Unplaceable(format!(
            "{width} cells for {width} columns, but not all under the columns' headers (a \
             cell stands under a header that names none of the columns); the row gives no \
             facts"
        )),
    })
}

pub(super) fn header_columns(key: &str) -> Vec<(Breakdown, usize)> {
    // Every column header has 数, 增 or 额; most rows have none, and skip 14 searches.
    if !key.contains(['数', '增', '额']) {
        return Vec::new();
    }
    static HEADERS: std::sync::LazyLock<Vec<(Word, Breakdown)>> = std::sync::LazyLock::new(|| {
        ACTIVE_COLUMN_KEYS
            .iter()
            .map(|&(k, b)| (Word::new(k), b))
            .collect()
    });
    let mut found: Vec<(usize, usize, Breakdown)> = Vec::new();
    for (word, b) in HEADERS.iter() {
        let k = word.as_str();
        let mut from = 0;
        while let Some(p) = word.find_in(&key[from..]) {
            found.push((from + p, from + p + k.len(), *b));
            from += p + k.len();
        }
    }
    found.sort();
    let mut out: Vec<(Breakdown, usize)> = Vec::new();
    let mut last_end = 0;
    for (start, end, b) in found {
        if start >= last_end {
            out.push((b, end));
            last_end = end;
        }
    }
    out
}

pub(super) fn note_active_signal(b: Breakdown, line: i32, out: &mut Mapped) {
    use crate::categories::Breakdown::*;
    match b {
        Made | Published | TotalPublished | ItemsPrevYear | ItemsChange | Items
        | ProcurementItems | ProcurementAmount => {
            out.signals_2019.push((Evidence::Column(b), line))
        }
        Issued | Repealed | InForce | FeeAmount => {
            out.signals_2021.push((Evidence::Column(b), line))
        }
        _ => {}
    }
}

/// The first two table 二 rows whose labels both stand in one row's label key
/// (`规章行政规范性文件` before one row of numbers), in text order; a label inside a longer
/// one (规范性文件 in 行政规范性文件) is the longer one's.
pub(super) fn two_rows_named(label: &str) -> Option<(Category, Category)> {
    let mut named: Vec<(usize, usize, Category)> = ACTIVE_LABELS
        .iter()
        .filter_map(|(l, c)| label.find(l).map(|at| (at, at + l.len(), *c)))
        .collect();
    named.sort_unstable_by_key(|(at, end, _)| (*at, std::cmp::Reverse(*end)));
    let mut rows: Vec<Category> = Vec::new();
    let mut covered = 0;
    for (at, end, category) in named {
        if at >= covered && rows.last() != Some(&category) {
            rows.push(category);
        }
        covered = covered.max(end);
    }
    match rows.as_slice() {
        [first, second, ..] => Some((*first, *second)),
        _ => None,
    }
}
