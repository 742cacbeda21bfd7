//! map: raw rows → cells with a category, a breakdown, a value and a unit.
//!
//! Rows are named by their label text alone ([`crate::categories`] holds the words), never
//! by position. Cells go to columns in order where a row has as many cells as columns.
//! Where it has more or fewer, or where digits ran together, every arrangement the format
//! allows is tried (no leading zeros, the six applicant columns sum to 总计, table 四's
//! sums, and then the column identities across rows). Only an arrangement that is the one
//! possibility becomes facts; otherwise the row gives no facts and a diagnostic lists the
//! candidates, so no analyst reads a guessed number.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::categories::{
    anchored_label, application_row_order, Breakdown, Category, RowLabels, Section,
    ACTIVE_COLUMN_KEYS, ACTIVE_LABELS, APPLICANT_COLUMNS, APPLICATION_ROW_KEYS, REVIEW_COLUMNS,
    REVIEW_ROWS,
};
use crate::model::{Code, Finding, PlacedCell, Template, Unit};
use crate::tables::{RawCell, RawRow};
use crate::text::{label_key, parse_number, wan_to_yuan, whole_number, Word};

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

/// A value slot: the cell (or the part of a run-together cell) a column gets.
#[derive(Debug, Clone, PartialEq)]
struct Slot<'a> {
    /// The cell text, or the part of a run-together cell; borrowed from the row, since
    /// most candidate arrangements are dropped.
    raw: &'a str,
    line: i32,
    /// `None` for a placeholder (`-`, `无`): the column is taken, no fact.
    number: Option<Decimal>,
    wan_yuan: bool,
    has_unit: bool,
}

/// One way of giving a row's columns their slots; `None` is a blank cell.
type Arrangement<'a> = Vec<Option<Slot<'a>>>;

/// Most arrangements tried for one row before it is called ambiguous.
const MAX_ARRANGEMENTS: usize = 20_000;
/// Most combinations of ambiguous rows tried against the column identities.
const MAX_COMBINATIONS: usize = 200_000;

/// Maps the raw rows of one table.
pub fn map_table(section: Section, rows: &[RawRow], out: &mut Mapped) {
    match section {
        Section::Active => map_active(rows, out),
        Section::Applications => map_applications(rows, out),
        Section::ReviewLitigation => map_review(rows, out),
    }
}

fn numbers(arr: &Arrangement) -> Vec<Option<Option<Decimal>>> {
    arr.iter().map(|s| s.as_ref().map(|s| s.number)).collect()
}

fn slot_of(cell: &RawCell) -> Slot<'_> {
    let parsed = if cell.placeholder {
        None
    } else {
        parse_number(&cell.raw)
    };
    Slot {
        raw: &cell.raw,
        line: cell.line,
        number: parsed.as_ref().map(|n| n.value),
        wan_yuan: parsed.as_ref().is_some_and(|n| n.wan_yuan),
        has_unit: parsed.as_ref().is_some_and(|n| n.has_unit),
    }
}

fn describe(arr: &Arrangement) -> String {
    arr.iter()
        .map(|s| match s {
            Some(Slot {
                number: Some(n), ..
            }) => n.to_string(),
            Some(Slot { raw, .. }) => raw.to_string(),
            None => "·".to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// All ways to fill `width` columns from `cells`: in order when the counts agree; dropping
/// surplus cells; or splitting run-together digit runs. Empty when none applies; `None`
/// when there are more than [`MAX_ARRANGEMENTS`].
fn arrangements<'a>(
    cells: &'a [RawCell],
    width: usize,
    fits: &dyn Fn(&Arrangement) -> bool,
) -> Option<Vec<Arrangement<'a>>> {
    let n = cells.len();
    if n == width {
        return Some(vec![cells.iter().map(|c| Some(slot_of(c))).collect()]);
    }
    if n > width {
        if n - width > 3 {
            return Some(Vec::new());
        }
        let mut out = Vec::new();
        let mut keep = Vec::new();
        choose(n, width, 0, &mut keep, &mut |kept| {
            out.push(kept.iter().map(|&i| Some(slot_of(&cells[i]))).collect());
        });
        return Some(out);
    }
    let mut out = Vec::new();
    if cells.iter().any(|c| c.splittable && digit_len(&c.raw) > 1) {
        if count_splits(cells, width) > MAX_ARRANGEMENTS as u128 {
            return None;
        }
        let mut acc = Vec::new();
        split_cells(cells, 0, width, &mut acc, fits, &mut out);
    }
    Some(out)
}

/// How many ways the cells split into exactly `width` numbers (no leading zeros), counted
/// without enumerating them, so that a pathological digit run costs no time.
fn count_splits(cells: &[RawCell], width: usize) -> u128 {
    // total[j]: ways for the cells so far to give j numbers.
    let mut total = vec![0u128; width + 1];
    total[0] = 1;
    for cell in cells {
        let len = digit_len(&cell.raw);
        let ways: Vec<u128> = if cell.splittable && len > 1 {
            ways_to_split(cell.raw.as_bytes(), width)
        } else {
            vec![0, 1]
        };
        let mut next = vec![0u128; width + 1];
        for (j, t) in total.iter().enumerate().filter(|(_, t)| **t > 0) {
            for (k, w) in ways.iter().enumerate().filter(|(_, w)| **w > 0) {
                if j + k <= width {
                    next[j + k] = next[j + k].saturating_add(t.saturating_mul(*w));
                }
            }
        }
        total = next;
    }
    total[width]
}

/// ways[k]: the number of ways to cut `digits` into k numbers with no leading zero.
fn ways_to_split(digits: &[u8], max_parts: usize) -> Vec<u128> {
    let len = digits.len();
    // f[pos][k]: ways to cut digits[pos..] into k numbers.
    let mut f = vec![vec![0u128; max_parts + 1]; len + 1];
    f[len][0] = 1;
    for pos in (0..len).rev() {
        let last_end = if digits[pos] == b'0' { pos + 1 } else { len };
        for end in pos + 1..=last_end {
            for k in 1..=max_parts {
                f[pos][k] = f[pos][k].saturating_add(f[end][k - 1]);
            }
        }
    }
    f[0].clone()
}

fn choose(n: usize, k: usize, from: usize, kept: &mut Vec<usize>, f: &mut dyn FnMut(&[usize])) {
    if kept.len() == k {
        f(kept);
        return;
    }
    for i in from..n {
        if n - i < k - kept.len() {
            break;
        }
        kept.push(i);
        choose(n, k, i + 1, kept, f);
        kept.pop();
    }
}

fn digit_len(raw: &str) -> usize {
    if raw.chars().all(|c| c.is_ascii_digit()) {
        raw.len()
    } else {
        0
    }
}

/// Depth-first over the ways to split each run-together cell; only arrangements that
/// satisfy `fits` are kept (checked before copying, as most candidates fail the sums).
fn split_cells<'a>(
    cells: &'a [RawCell],
    i: usize,
    width: usize,
    acc: &mut Arrangement<'a>,
    fits: &dyn Fn(&Arrangement) -> bool,
    out: &mut Vec<Arrangement<'a>>,
) {
    if i == cells.len() {
        if acc.len() == width && fits(acc) {
            out.push(acc.clone());
        }
        return;
    }
    let remaining_cells = cells.len() - i - 1;
    let cell = &cells[i];
    let len = digit_len(&cell.raw);
    if !cell.splittable || len <= 1 {
        acc.push(Some(slot_of(cell)));
        if acc.len() + remaining_cells <= width {
            split_cells(cells, i + 1, width, acc, fits, out);
        }
        acc.pop();
        return;
    }
    let max_parts = (width - acc.len()).saturating_sub(remaining_cells).min(len);
    // The cells after this one give at most one number per digit (or one, unsplit): this
    // cell must give the rest, so fewer parts lead nowhere and are not enumerated.
    let most_after: usize = cells[i + 1..]
        .iter()
        .map(|c| match digit_len(&c.raw) {
            n if c.splittable && n > 1 => n,
            _ => 1,
        })
        .sum();
    let min_parts = (width - acc.len()).saturating_sub(most_after).max(1);
    for parts in min_parts..=max_parts {
        let mut pieces = Vec::new();
        split_digits(&cell.raw, parts, &mut pieces, &mut |split| {
            let before = acc.len();
            for p in split {
                acc.push(Some(Slot {
                    raw: p,
                    line: cell.line,
                    number: whole_number(p),
                    wan_yuan: false,
                    has_unit: false,
                }));
            }
            split_cells(cells, i + 1, width, acc, fits, out);
            acc.truncate(before);
        });
    }
}

/// Every way to cut a digit run into `parts` numbers, none with a leading zero.
fn split_digits<'a>(
    s: &'a str,
    parts: usize,
    acc: &mut Vec<&'a str>,
    f: &mut dyn FnMut(&[&'a str]),
) {
    if parts == 1 {
        if s.len() == 1 || !s.starts_with('0') {
            acc.push(s);
            f(acc);
            acc.pop();
        }
        return;
    }
    let max_first = if s.starts_with('0') {
        1
    } else {
        s.len() + 1 - parts
    };
    for cut in 1..=max_first.min(s.len().saturating_sub(parts - 1)) {
        acc.push(&s[..cut]);
        split_digits(&s[cut..], parts - 1, acc, f);
        acc.pop();
    }
}

/// Where each column's cell sits on a tab or pipe line, and how many cells that line has.
#[derive(Debug, Clone, PartialEq)]
struct Reference {
    positions: Vec<usize>,
    line_cells: usize,
    /// Read from the table's column headers in a grid (an HTML, DOCX or ruled PDF
    /// table): a position there names its column with certainty, before any guess.
    from_headers: bool,
}

/// The columns of a grid table, from its header cells: each column's header (in
/// `columns` order) must stand in a cell of its own, the headers at increasing
/// positions on lines of one width (a grid's rows all have as many cells). `None`
/// where the headers are not all there so: then no position is trusted.
fn header_reference(rows: &[RawRow], columns: &[Breakdown]) -> Option<Reference> {
    let names: Vec<&str> = columns
        .iter()
        .map(|b| b.column_header())
        .collect::<Option<_>>()?;
    // Header cells hold the bare words (a grid's renderer collapsed their white space).
    let mut cells: Vec<(&str, &crate::tables::LabelCell)> = rows
        .iter()
        .flat_map(|r| {
            r.label_cells
                .iter()
                .map(move |c| (&r.label[c.text.clone()], c))
        })
        .filter(|(text, _)| names.contains(text))
        .collect();
    cells.sort_by_key(|(_, c)| c.position);
    cells.dedup_by_key(|(_, c)| c.position);
    let found: Vec<&str> = cells.iter().map(|(text, _)| *text).collect();
    let cells: Vec<&crate::tables::LabelCell> = cells.into_iter().map(|(_, c)| c).collect();
    let line_cells = cells.first()?.line_cells;
    (found == names && cells.iter().all(|c| c.line_cells == line_cells)).then(|| Reference {
        positions: cells.iter().map(|c| c.position).collect(),
        line_cells,
        from_headers: true,
    })
}

/// Places a short row's cells by their cell positions, when those are a subset of the
/// reference's and the row's line kept as many cells (empty ones included) as the
/// reference line: only then does a position name a column. A markdown row that lost a
/// cell (`| 规章 | 22 | 235 |` under four headers) is not placed.
fn by_position<'a>(cells: &'a [RawCell], reference: &Reference) -> Option<Arrangement<'a>> {
    let mut arr: Arrangement = vec![None; reference.positions.len()];
    for cell in cells {
        if cell.line_cells? < reference.line_cells {
            return None;
        }
        let reference = &reference.positions;
        let col = reference.iter().position(|p| Some(*p) == cell.position)?;
        if arr[col].is_some() {
            return None;
        }
        arr[col] = Some(slot_of(cell));
    }
    Some(arr)
}

/// The character columns of a complete row's cells on a space-aligned line.
#[derive(Debug, Clone, PartialEq)]
struct Columns {
    centres: Vec<f64>,
}

impl Columns {
    /// The columns of a row whose cells all stand on one space-aligned line.
    fn of(cells: &[RawCell]) -> Option<Columns> {
        let line = cells.first()?.line;
        let centres: Option<Vec<f64>> = cells
            .iter()
            .map(|c| {
                c.span
                    .filter(|_| c.line == line)
                    .map(|(a, b)| (a + b) as f64 / 2.0)
            })
            .collect();
        let centres = centres?;
        (centres.len() >= 2 && centres.windows(2).all(|w| w[0] < w[1]))
            .then_some(Columns { centres })
    }
}

/// Places a short row's cells under the columns of the complete row above, by where
/// they stand on a space-aligned line: each cell goes to the nearest column, within a
/// third of the gap between columns, one cell per column, in order.
fn by_columns<'a>(cells: &'a [RawCell], reference: &Columns) -> Option<Arrangement<'a>> {
    let centres = &reference.centres;
    let min_gap = centres
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let mut arr: Arrangement = vec![None; centres.len()];
    let mut last: Option<usize> = None;
    for cell in cells {
        let (a, b) = cell.span?;
        let centre = (a + b) as f64 / 2.0;
        let (col, dist) = centres
            .iter()
            .enumerate()
            .map(|(i, c)| (i, (c - centre).abs()))
            .min_by(|x, y| x.1.total_cmp(&y.1))?;
        if dist > min_gap / 3.0 || last.is_some_and(|l| col <= l) {
            return None;
        }
        arr[col] = Some(slot_of(cell));
        last = Some(col);
    }
    Some(arr)
}

/// Outcome of placing one row.
enum Placement<'a> {
    /// One arrangement; the note says how it was repaired, if it was.
    Placed(Arrangement<'a>, Option<String>),
    /// Several arrangements satisfy every row-level constraint.
    Ambiguous(Vec<Arrangement<'a>>),
    /// Nothing fits.
    Unplaceable(String),
}

fn place<'a>(
    cells: &'a [RawCell],
    width: usize,
    references: &[&Reference],
    columns: Option<&Columns>,
    fits: &dyn Fn(&Arrangement) -> bool,
) -> Placement<'a> {
    let n = cells.len();
    if n == width {
        return Placement::Placed(cells.iter().map(|c| Some(slot_of(c))).collect(), None);
    }
    // In a grid, the header cells name the columns: blank cells are just blank.
    if n < width {
        if let Some(arr) = references
            .iter()
            .filter(|r| r.from_headers)
            .find_map(|r| by_position(cells, r))
        {
            let note = format!(
                "{n} cells for {width} columns; placed by the column headers of the table's grid"
            );
            return Placement::Placed(arr, Some(note));
        }
    }
    let Some(all) = arrangements(cells, width, fits) else {
        return Placement::Unplaceable(format!(
            "{n} cells for {width} columns; the digits allow more than {MAX_ARRANGEMENTS} splits, \
             too many to tell one from another; the row gives no facts"
        ));
    };
    // Arrangements that give the same numbers are one placement. A set, not a scan of
    // those kept: up to MAX_ARRANGEMENTS candidates (a fuzzer found the scan quadratic).
    let mut distinct: Vec<Arrangement> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for a in all.into_iter().filter(|a| fits(a)) {
        if seen.insert(numbers(&a)) {
            distinct.push(a);
        }
    }
    let raw: Vec<&str> = cells.iter().map(|c| c.raw.as_str()).collect();
    let how = |chosen: &Arrangement| {
        let what = if n > width {
            "surplus cells dropped"
        } else {
            "digits run together, split"
        };
        format!(
            "{n} cells {raw:?} for {width} columns; {what} the only way the format allows: [{}]",
            describe(chosen)
        )
    };
    match distinct.len() {
        1 => {
            let chosen = distinct.pop().unwrap_or_default();
            let note = how(&chosen);
            return Placement::Placed(chosen, Some(note));
        }
        0 => {}
        _ => return Placement::Ambiguous(distinct),
    }
    if n < width {
        if let Some(arr) = columns
            .filter(|c| c.centres.len() == width)
            .and_then(|c| by_columns(cells, c))
        {
            let note = format!(
                "{n} cells for {width} columns; placed by the columns they stand in on the line"
            );
            return Placement::Placed(arr, Some(note));
        }
        if let Some(arr) = references
            .iter()
            .filter(|r| !r.from_headers)
            .find_map(|r| by_position(cells, r))
        {
            let note = format!(
                "{n} cells for {width} columns; placed by their cell positions on the line"
            );
            return Placement::Placed(arr, Some(note));
        }
    }
    Placement::Unplaceable(format!(
        "{n} cells for {width} columns and no single way to place them; the row gives no facts"
    ))
}

/// Adds the names of the columns a placement left blank to its note: the gap is reported,
/// never filled, even where an identity would determine it.
fn with_blanks(note: String, arr: &Arrangement, columns: &[Breakdown]) -> String {
    let blank: Vec<&str> = columns
        .iter()
        .zip(arr)
        .filter(|(_, s)| s.is_none())
        .map(|(c, _)| c.code())
        .collect();
    if blank.is_empty() {
        note
    } else {
        format!("{note}; no fact for the blank columns {}", blank.join(", "))
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

/// A grid's header line of table 二 (`信息内容 | 本年制发件数 | …`): the last line among a
/// row's label cells whose cells are column headers, each whole; its columns in order
/// and where they stand.
fn active_grid_header(row: &RawRow) -> Option<(Vec<Breakdown>, Reference)> {
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

fn map_active(rows: &[RawRow], out: &mut Mapped) {
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
            .or_else(|| last_match(label, ACTIVE_LABELS).map(|(c, _)| c));
        let Some(category) = found else {
            out.findings.push(unknown_row(row, Section::Active));
            continue;
        };
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
        match place(&row.cells, width, &references, None, &|_| true) {
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
            Placement::Ambiguous(c) => out.findings.push(ambiguous(category, &c, row.line)),
            Placement::Unplaceable(m) => out.findings.push(Finding::error(
                Code::CellCountMismatch,
                format!("{}: {m}", category.code()),
                Some(row.line),
            )),
        }
    }
}

fn header_columns(key: &str) -> Vec<(Breakdown, usize)> {
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

fn note_active_signal(b: Breakdown, line: i32, out: &mut Mapped) {
    use Breakdown::*;
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

/// Names a table 三 row from its label key, with the previous row for （六）3.其他.
fn application_category(key: &str, previous: Option<Category>) -> Option<Category> {
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

/// Whether a label is only a group heading (（三）不予公开 …) that a non-standard table
/// gives its own subtotal row.
fn is_group_subtotal(key: &str) -> bool {
    ["不予公开", "无法提供", "不予处理"]
        .iter()
        .any(|g| key.ends_with(g))
}

fn map_applications(rows: &[RawRow], out: &mut Mapped) {
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
        let Some(category) = application_category(key, previous) else {
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
fn applicant_sum_holds(a: &Arrangement) -> bool {
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
fn resolve_jointly<'a>(
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
        }
    }
}

fn column_identities_hold(grid: &BTreeMap<Category, &Arrangement>, width: usize) -> bool {
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

/// Labels of table 四's three groups, for tables printed as three separate sub-tables.
const REVIEW_GROUP_KEYS: &[(&str, Category)] = &[
    ("行政复议", Category::Review),
    ("直接起诉", Category::LitigationDirect),
    ("复议后起诉", Category::LitigationAfterReview),
];

fn review_fits(a: &Arrangement) -> bool {
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
fn map_review(rows: &[RawRow], out: &mut Mapped) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::recover_rows;

    fn map(section: Section, text: &str) -> Mapped {
        let lines: Vec<&str> = text.lines().collect();
        let rows = recover_rows(&lines, 1);
        let mut m = Mapped::default();
        map_table(section, &rows, &mut m);
        m
    }

    fn values(m: &Mapped, c: Category) -> Vec<String> {
        m.cells
            .iter()
            .filter(|f| f.category == c)
            .map(|f| f.value.to_string())
            .collect()
    }

    #[test]
    fn digit_splits_respect_leading_zeros() {
        let mut all = Vec::new();
        split_digits("3100003", 6, &mut Vec::new(), &mut |s| {
            all.push(s.join(","))
        });
        assert_eq!(all, vec!["3,10,0,0,0,3", "31,0,0,0,0,3"]);
    }

    #[test]
    fn split_counts_match_enumeration() {
        let mut n = 0;
        split_digits("3100003", 6, &mut Vec::new(), &mut |_| n += 1);
        assert_eq!(ways_to_split(b"3100003", 7)[6], n as u128);
        assert_eq!(ways_to_split(b"000", 3), vec![0, 0, 0, 1]);
    }

    /// The search skips part counts the later cells cannot make up; it must still find
    /// every split the count says there is.
    #[test]
    fn split_search_finds_every_split_it_counts() {
        let cell = |raw: &str, splittable: bool| RawCell {
            raw: raw.to_string(),
            line: 1,
            position: None,
            line_cells: None,
            span: None,
            splittable,
            placeholder: false,
        };
        let rows = [
            vec![cell("001000", true), cell("1", true)],
            vec![cell("3100003", true), cell("34", true)],
            vec![cell("12", true), cell("5", false), cell("1203", true)],
            vec![
                cell("7", false),
                cell("105", true),
                cell("2", false),
                cell("99", true),
            ],
        ];
        for cells in &rows {
            for width in 2..=8 {
                let mut found = Vec::new();
                split_cells(cells, 0, width, &mut Vec::new(), &|_| true, &mut found);
                let raws: Vec<&str> = cells.iter().map(|c| c.raw.as_str()).collect();
                assert_eq!(
                    found.len() as u128,
                    count_splits(cells, width),
                    "{raws:?} into {width}"
                );
            }
        }
    }

    #[test]
    fn run_together_row_splits_one_way() {
        let m = map(
            Section::Applications,
            "一、本年新收政府信息公开申请数量3100003 34二、上年结转政府信息公开申请数量0000000",
        );
        assert_eq!(
            values(&m, Category::New),
            vec!["31", "0", "0", "0", "0", "3", "34"]
        );
        assert_eq!(values(&m, Category::CarriedOver), vec!["0"; 7]);
    }

    #[test]
    fn ambiguous_split_writes_nothing() {
        // 1|10|0|0|0|0 and 11|0|0|0|0|0 both sum to 11: neither is written.
        let m = map(Section::Applications, "(一)予以公开1100000 11");
        assert!(values(&m, Category::Disclosed).is_empty(), "{:?}", m.cells);
        let f = m
            .findings
            .iter()
            .find(|f| f.code == Code::AmbiguousCells)
            .unwrap();
        assert!(
            f.message.contains("[1 10 0 0 0 0 11]") && f.message.contains("[11 0 0 0 0 0 11]"),
            "{}",
            f.message
        );
        // 1|2|12, 1|21|2 and 12|1|2 all fit table 二's three columns.
        let m = map(
            Section::Active,
            "信息内容本年新制作数量本年新公开数量对外公开总数量规章1212",
        );
        assert!(
            values(&m, Category::ActiveRules).is_empty(),
            "{:?}",
            m.cells
        );
        assert!(m.findings.iter().any(|f| f.code == Code::AmbiguousCells));
    }

    #[test]
    fn too_many_splits_is_never_a_choice() {
        // 45 digits into 7 numbers: far more splits than are enumerated.
        let digits = "1".repeat(45);
        let m = map(Section::Applications, &format!("(一)予以公开{digits}"));
        assert!(m.cells.is_empty());
        assert!(m
            .findings
            .iter()
            .any(|f| f.code == Code::CellCountMismatch && f.message.contains("too many")));
    }

    #[test]
    fn a_short_row_reports_its_blank_columns() {
        let t =
            "→(七)总计→→0→0→0→0→0→0→0\n四、结转下年度继续办理→→→→→0→0→0→0→0\n".replace('→', "\t");
        let m = map(Section::Applications, &t);
        assert_eq!(values(&m, Category::CarriedForward), vec!["0"; 5]);
        let f = m
            .findings
            .iter()
            .find(|f| f.code == Code::CellCountMismatch)
            .unwrap();
        assert!(
            f.message
                .ends_with("no fact for the blank columns natural_person, commercial"),
            "{}",
            f.message
        );
    }

    #[test]
    fn every_column_header_has_a_character_the_header_search_looks_for_first() {
        for (key, _) in ACTIVE_COLUMN_KEYS {
            assert!(key.contains(['数', '增', '额']), "{key}");
        }
    }

    #[test]
    fn active_header_decides_columns_and_units() {
        let m = map(Section::Active, "第二十条第（八）项\t\t\t\n信息内容\t本年收费金额（单位：万元）\t\t\n行政事业性收费\t22.5981\t\t\n");
        assert_eq!(m.cells.len(), 1);
        assert_eq!(m.cells[0].breakdown, Breakdown::FeeAmount);
        assert_eq!(m.cells[0].value.to_string(), "225981");
        assert_eq!(m.template(), Template::Y2021);
    }
}
