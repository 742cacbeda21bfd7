//! The placement solver: every way a row's cells can stand in its columns, and the one
//! the format's constraints leave.

use rust_decimal::Decimal;

use crate::categories::Breakdown;
use crate::tables::{RawRow, ValueCell};
use crate::text::{parse_number, whole_number};

/// A value slot: the cell (or the part of a run-together cell) a column gets.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Slot<'a> {
    /// The cell text, or the part of a run-together cell; borrowed from the row, since
    /// most candidate arrangements are dropped.
    pub(super) raw: &'a str,
    pub(super) line: i32,
    /// The cell's index on its line ([`ValueCell::position`]); `None` for digits split
    /// from a cell.
    pub(super) position: Option<usize>,
    /// `None` for a placeholder (`-`, `无`): the column is taken, no fact.
    pub(super) number: Option<Decimal>,
    pub(super) wan_yuan: bool,
    pub(super) has_unit: bool,
}

/// One way of giving a row's columns their slots; `None` is a blank cell.
pub(super) type Arrangement<'a> = Vec<Option<Slot<'a>>>;

/// Most arrangements tried for one row before it is called ambiguous.
pub(super) const MAX_ARRANGEMENTS: usize = 20_000;
/// Most combinations of ambiguous rows tried against the column identities.
pub(super) const MAX_COMBINATIONS: usize = 200_000;

pub(super) fn numbers(arr: &Arrangement) -> Vec<Option<Option<Decimal>>> {
    arr.iter().map(|s| s.as_ref().map(|s| s.number)).collect()
}

pub(super) fn slot_of(cell: &ValueCell) -> Slot<'_> {
    let parsed = if cell.placeholder {
        None
    } else {
        parse_number(&cell.raw)
    };
    Slot {
        raw: &cell.raw,
        line: cell.line,
        position: cell.position,
        number: parsed.as_ref().map(|n| n.value),
        wan_yuan: parsed.as_ref().is_some_and(|n| n.wan_yuan),
        has_unit: parsed.as_ref().is_some_and(|n| n.has_unit),
    }
}

pub(super) fn describe(arr: &Arrangement) -> String {
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
pub(super) fn arrangements<'a>(
    cells: &'a [ValueCell],
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
pub(super) fn count_splits(cells: &[ValueCell], width: usize) -> u128 {
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

/// `ways[k]`: the number of ways to cut `digits` into k numbers with no leading zero.
pub(super) fn ways_to_split(digits: &[u8], max_parts: usize) -> Vec<u128> {
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

pub(super) fn choose(
    n: usize,
    k: usize,
    from: usize,
    kept: &mut Vec<usize>,
    f: &mut dyn FnMut(&[usize]),
) {
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

pub(super) fn digit_len(raw: &str) -> usize {
    if raw.chars().all(|c| c.is_ascii_digit()) {
        raw.len()
    } else {
        0
    }
}

/// Depth-first over the ways to split each run-together cell; only arrangements that
/// satisfy `fits` are kept (checked before copying, as most candidates fail the sums).
pub(super) fn split_cells<'a>(
    cells: &'a [ValueCell],
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
                    position: None,
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
pub(super) fn split_digits<'a>(
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
pub(super) struct Reference {
    pub(super) positions: Vec<usize>,
    pub(super) line_cells: usize,
    /// Read from the table's column headers in a grid (an HTML, DOCX or ruled PDF
    /// table): a position there names its column with certainty, before any guess.
    pub(super) from_headers: bool,
}

/// The columns of a grid table, from its header cells: each column's header (in
/// `columns` order) must stand in a cell of its own, the headers at increasing
/// positions on lines of one width (a grid's rows all have as many cells). `None`
/// where the headers are not all there so: then no position is trusted.
pub(super) fn header_reference(rows: &[RawRow], columns: &[Breakdown]) -> Option<Reference> {
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
pub(super) fn by_position<'a>(
    cells: &'a [ValueCell],
    reference: &Reference,
) -> Option<Arrangement<'a>> {
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
pub(super) struct Columns {
    pub(super) centres: Vec<f64>,
}

impl Columns {
    /// The columns of a row whose cells all stand on one space-aligned line.
    pub(super) fn of(cells: &[ValueCell]) -> Option<Columns> {
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
pub(super) fn by_columns<'a>(
    cells: &'a [ValueCell],
    reference: &Columns,
) -> Option<Arrangement<'a>> {
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
pub(super) enum Placement<'a> {
    /// One arrangement; the note says how it was repaired, if it was.
    Placed(Arrangement<'a>, Option<String>),
    /// Several arrangements satisfy every row-level constraint.
    Ambiguous(Vec<Arrangement<'a>>),
    /// Nothing fits.
    Unplaceable(String),
}

pub(super) fn place<'a>(
    cells: &'a [ValueCell],
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
pub(super) fn with_blanks(note: String, arr: &Arrangement, columns: &[Breakdown]) -> String {
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
