//! Rulings and words → the ruled tables of a page, as cells with their text.
//!
//! In the spirit of pdfplumber's line strategy and Camelot's lattice mode: ruling
//! segments are snapped and joined into edges, edges cross at intersections, the
//! smallest rectangle whose four sides are all drawn is a cell (a merged cell is the
//! rectangle an inner border is missing from), and cells that share a corner are one
//! table. Each word goes to the cell holding its centre. A table is only used when it
//! can be placed with certainty ([`Frame::place`] says why not): a wrong number is worse
//! than a missing one.

use std::collections::{HashMap, HashSet};

use super::rulings::Segment;
use super::words::Word;
use crate::text::{is_ideograph, is_placeholder, parse_number};

/// Parallel rulings closer than this (points) are one line.
const SNAP: f64 = 2.0;
/// Collinear pieces with a gap up to this are one edge.
const JOIN: f64 = 3.0;
/// How far an edge may stop short of another and still meet it.
const MEET: f64 = 2.0;
/// How far a word may stick out of its cell before it is taken to cross a border.
const OVERHANG: f64 = 1.5;

/// A cell's rectangle in page space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub right: f64,
    /// Bottom edge.
    pub bottom: f64,
}

impl Rect {
    fn holds(&self, x: f64, y: f64) -> bool {
        self.left <= x && x <= self.right && self.top <= y && y <= self.bottom
    }
}

/// A ruled table found on a page: its cells, before any text is placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The cells, top to bottom, then left to right.
    pub cells: Vec<Rect>,
    /// The table's outline.
    pub outline: Rect,
}

/// A frame with its words placed: each cell's text, and where the cell sits in the
/// table's own rows and columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The table's outline on its page.
    pub outline: Rect,
    /// The x of every column border, left to right.
    pub columns: Vec<f64>,
    /// Cells: (first row, first column, rows covered, columns covered, text).
    pub cells: Vec<PlacedCell>,
    /// Number of rows.
    pub rows: usize,
}

/// One cell of a [`Placed`] table.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedCell {
    /// First row.
    pub row: usize,
    /// First column.
    pub column: usize,
    /// Rows covered (≥ 1).
    pub rowspan: usize,
    /// Columns covered (≥ 1).
    pub colspan: usize,
    /// The words in the cell, lines joined.
    pub text: String,
    /// The confidence of its least sure word (1 for an empty cell).
    pub confidence: f64,
}

/// An edge: a snapped, joined ruling.
#[derive(Debug, Clone, Copy)]
struct Edge {
    at: f64,
    from: f64,
    to: f64,
}

/// Snaps parallel segments to shared positions and joins collinear pieces.
fn edges(segments: impl Iterator<Item = Segment>) -> Vec<Edge> {
    let mut pieces: Vec<Edge> = segments
        .map(|s| Edge {
            at: s.at,
            from: s.from,
            to: s.to,
        })
        .collect();
    pieces.sort_by(|a, b| a.at.total_cmp(&b.at));
    // Clusters of positions each within SNAP of the previous one take their mean.
    let mut start = 0;
    while start < pieces.len() {
        let mut end = start + 1;
        while end < pieces.len() && pieces[end].at - pieces[end - 1].at <= SNAP {
            end += 1;
        }
        let mean = pieces[start..end].iter().map(|e| e.at).sum::<f64>() / (end - start) as f64;
        for e in &mut pieces[start..end] {
            e.at = mean;
        }
        start = end;
    }
    pieces.sort_by(|a, b| a.at.total_cmp(&b.at).then(a.from.total_cmp(&b.from)));
    let mut joined: Vec<Edge> = Vec::new();
    for e in pieces {
        match joined.last_mut() {
            Some(last) if last.at == e.at && e.from <= last.to + JOIN => {
                last.to = last.to.max(e.to);
            }
            _ => joined.push(e),
        }
    }
    joined
}

/// Finds the ruled tables on a page (frames of at least two cells).
pub fn find_frames(segments: &[Segment], width: f64, height: f64) -> Vec<Frame> {
    // A border around the whole page is no table's.
    let framing = |s: &Segment| {
        let (extent, across) = if s.horizontal {
            (width, height)
        } else {
            (height, width)
        };
        (s.at < 1.0 || s.at > across - 1.0) && s.to - s.from > 0.9 * extent
    };
    let kept = segments.iter().filter(|s| !framing(s));
    let mut horizontal = edges(kept.clone().filter(|s| s.horizontal).copied());
    let vertical = edges(kept.filter(|s| !s.horizontal).copied());
    let closing = closures(&horizontal, &vertical);
    if !closing.is_empty() {
        let all = horizontal.iter().map(|e| Segment {
            horizontal: true,
            at: e.at,
            from: e.from,
            to: e.to,
        });
        horizontal = edges(all.chain(closing).collect::<Vec<_>>().into_iter());
    }
    let xs = positions(&vertical);
    let ys = positions(&horizontal);
    let index = |values: &[f64], v: f64| values.partition_point(|x| *x < v);
    let mut points: HashSet<(usize, usize)> = HashSet::new();
    for h in &horizontal {
        for v in &vertical {
            if v.at >= h.from - MEET
                && v.at <= h.to + MEET
                && h.at >= v.from - MEET
                && h.at <= v.to + MEET
            {
                points.insert((index(&xs, v.at), index(&ys, h.at)));
            }
        }
    }
    let covered = |edges: &[Edge], at: f64, from: f64, to: f64| {
        edges
            .iter()
            .any(|e| e.at == at && e.from <= from + MEET && e.to >= to - MEET)
    };
    let h_covers = |j: usize, i0: usize, i1: usize| covered(&horizontal, ys[j], xs[i0], xs[i1]);
    let v_covers = |i: usize, j0: usize, j1: usize| covered(&vertical, xs[i], ys[j0], ys[j1]);
    let mut sorted: Vec<(usize, usize)> = points.iter().copied().collect();
    sorted.sort_by_key(|&(i, j)| (j, i));
    // The cells, as (left, top, right, bottom) indices into xs and ys.
    let mut cells: Vec<(usize, usize, usize, usize)> = Vec::new();
    for &(i, j) in &sorted {
        'search: for j2 in j + 1..ys.len() {
            if !points.contains(&(i, j2)) {
                continue;
            }
            if !v_covers(i, j, j2) {
                break;
            }
            for i2 in i + 1..xs.len() {
                if !points.contains(&(i2, j)) {
                    continue;
                }
                if !h_covers(j, i, i2) {
                    break;
                }
                if points.contains(&(i2, j2)) && h_covers(j2, i, i2) && v_covers(i2, j, j2) {
                    cells.push((i, j, i2, j2));
                    break 'search;
                }
            }
        }
    }
    group(&cells)
        .into_iter()
        .filter(|members| members.len() >= 2)
        .map(|members| {
            let rects: Vec<Rect> = members
                .iter()
                .map(|&k| {
                    let (i, j, i2, j2) = cells[k];
                    Rect {
                        left: xs[i],
                        top: ys[j],
                        right: xs[i2],
                        bottom: ys[j2],
                    }
                })
                .collect();
            let outline = Rect {
                left: rects.iter().map(|r| r.left).fold(f64::INFINITY, f64::min),
                top: rects.iter().map(|r| r.top).fold(f64::INFINITY, f64::min),
                right: rects
                    .iter()
                    .map(|r| r.right)
                    .fold(f64::NEG_INFINITY, f64::max),
                bottom: rects
                    .iter()
                    .map(|r| r.bottom)
                    .fold(f64::NEG_INFINITY, f64::max),
            };
            Frame {
                cells: rects,
                outline,
            }
        })
        .collect()
}

/// The borders a page break leaves undrawn. A cell cut by the break (a merged group
/// label, a tall row) has no bottom border at the foot of the page and no top border
/// on the next, where producers (Chromium, WPS) draw none; its words would lie in no
/// cell. Where three or more vertical edges end at one height and one of those ends
/// meets no horizontal edge, a horizontal edge is drawn across them there.
fn closures(horizontal: &[Edge], vertical: &[Edge]) -> Vec<Segment> {
    let mut out = Vec::new();
    for top in [true, false] {
        let end = |e: &Edge| if top { e.from } else { e.to };
        let mut ends: Vec<&Edge> = vertical.iter().collect();
        ends.sort_by(|a, b| end(a).total_cmp(&end(b)));
        let mut start = 0;
        while start < ends.len() {
            let mut stop = start + 1;
            while stop < ends.len() && end(ends[stop]) - end(ends[stop - 1]) <= SNAP {
                stop += 1;
            }
            let group = &ends[start..stop];
            start = stop;
            if group.len() < 3 {
                continue;
            }
            let y = group.iter().map(|e| end(e)).sum::<f64>() / group.len() as f64;
            let dangling = group.iter().any(|v| {
                !horizontal.iter().any(|h| {
                    (h.at - y).abs() <= SNAP && h.from <= v.at + MEET && h.to >= v.at - MEET
                })
            });
            if dangling {
                out.push(Segment {
                    horizontal: true,
                    at: y,
                    from: group.iter().map(|e| e.at).fold(f64::INFINITY, f64::min),
                    to: group.iter().map(|e| e.at).fold(f64::NEG_INFINITY, f64::max),
                });
            }
        }
    }
    out
}

fn positions(edges: &[Edge]) -> Vec<f64> {
    let mut v: Vec<f64> = edges.iter().map(|e| e.at).collect();
    v.dedup();
    v
}

/// Groups cells that share a corner (union-find), each group in cell order, groups
/// ordered by their first cell.
fn group(cells: &[(usize, usize, usize, usize)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..cells.len()).collect();
    fn root(parent: &mut [usize], mut k: usize) -> usize {
        while parent[k] != k {
            parent[k] = parent[parent[k]];
            k = parent[k];
        }
        k
    }
    let mut corner_owner: HashMap<(usize, usize), usize> = HashMap::new();
    for (k, &(i, j, i2, j2)) in cells.iter().enumerate() {
        for corner in [(i, j), (i2, j), (i, j2), (i2, j2)] {
            match corner_owner.get(&corner) {
                Some(&other) => {
                    let (a, b) = (root(&mut parent, k), root(&mut parent, other));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    corner_owner.insert(corner, k);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for k in 0..cells.len() {
        let r = root(&mut parent, k);
        let g = *slot.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(k);
    }
    groups
}

/// Clusters sorted values within `tolerance` of their neighbour to one value each.
pub(super) fn cluster(mut values: Vec<f64>, tolerance: f64) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::new();
    for v in values {
        match out.last() {
            Some(last) if v - last <= tolerance => {}
            _ => out.push(v),
        }
    }
    out
}

/// The index of the value in `values` nearest to `v`.
pub(super) fn nearest(values: &[f64], v: f64) -> usize {
    (0..values.len())
        .min_by(|&a, &b| (values[a] - v).abs().total_cmp(&(values[b] - v).abs()))
        .unwrap_or(0)
}

impl Frame {
    /// The table's rows and columns, counted from its cells' borders.
    pub fn shape(&self) -> (usize, usize) {
        let rows = cluster(self.cells.iter().map(|c| c.top).collect(), SNAP).len();
        let columns = cluster(self.cells.iter().map(|c| c.left).collect(), SNAP).len();
        (rows, columns)
    }

    /// Whether a word's centre lies in the table's outline.
    pub fn holds(&self, word: &Word) -> bool {
        self.outline.holds(word.centre_x(), word.centre_y())
    }

    /// Places the page's words in the cells. `Err` says why the table cannot be read
    /// with certainty: a word in the outline but in no cell, or one that crosses a
    /// vertical border (two cells' text run together).
    pub fn place(&self, words: &[&Word]) -> Result<Placed, String> {
        let columns = cluster(
            self.cells.iter().flat_map(|c| [c.left, c.right]).collect(),
            SNAP,
        );
        let rows = cluster(
            self.cells.iter().flat_map(|c| [c.top, c.bottom]).collect(),
            SNAP,
        );
        let mut texts: Vec<Vec<&Word>> = vec![Vec::new(); self.cells.len()];
        for word in words {
            let (x, y) = (word.centre_x(), word.centre_y());
            let Some(k) = self.cells.iter().position(|c| c.holds(x, y)) else {
                return Err(format!(
                    "the word \"{}\" lies inside the table but in no cell",
                    word.text
                ));
            };
            let cell = self.cells[k];
            if word.left < cell.left - OVERHANG || word.right > cell.right + OVERHANG {
                return Err(format!(
                    "the word \"{}\" crosses a column border",
                    word.text
                ));
            }
            texts[k].push(word);
        }
        let cells = self
            .cells
            .iter()
            .zip(texts)
            .map(|(c, words)| {
                let (row, column) = (nearest(&rows, c.top), nearest(&columns, c.left));
                PlacedCell {
                    row,
                    column,
                    rowspan: nearest(&rows, c.bottom).saturating_sub(row).max(1),
                    colspan: nearest(&columns, c.right).saturating_sub(column).max(1),
                    confidence: words.iter().map(|w| w.confidence).fold(1.0, f64::min),
                    text: cell_text(words),
                }
            })
            .collect();
        Ok(Placed {
            outline: self.outline,
            columns,
            cells,
            rows: rows.len().saturating_sub(1),
        })
    }
}

/// Groups words into lines by vertical overlap (Latin digits sit lower than CJK glyphs
/// on the same line, so a rounded y would split them), each line left to right.
pub fn lines<'a>(words: &[&'a Word]) -> Vec<Vec<&'a Word>> {
    let mut sorted: Vec<&Word> = words.to_vec();
    sorted.sort_by(|a, b| a.top.total_cmp(&b.top).then(a.left.total_cmp(&b.left)));
    let mut lines: Vec<(f64, f64, Vec<&Word>)> = Vec::new();
    for w in sorted {
        let joins = lines.last().is_some_and(|(top, bottom, _)| {
            let overlap = bottom.min(w.bottom) - top.max(w.top);
            overlap >= 0.5 * (bottom - top).min(w.height())
        });
        if joins {
            let last = lines.last_mut().expect("a line was just checked");
            last.0 = last.0.min(w.top);
            last.1 = last.1.max(w.bottom);
            last.2.push(w);
        } else {
            lines.push((w.top, w.bottom, vec![w]));
        }
    }
    lines
        .into_iter()
        .map(|(_, _, mut words)| {
            words.sort_by(|a, b| a.left.total_cmp(&b.left));
            words
        })
        .collect()
}

/// Whether two pieces of text join without a space: only Latin letters or digits on
/// both sides keep one (`Word 2019`); CJK text wraps anywhere, and a number wrapped in a
/// narrow cell (`7895550` / `3.00`) is one number.
fn joins_tight(before: &str, after: &str) -> bool {
    let (Some(a), Some(b)) = (before.chars().last(), after.chars().next()) else {
        return true;
    };
    let latin = |c: char| c.is_ascii_alphabetic();
    !(latin(a) && latin(b) || latin(a) && b.is_ascii_digit() || a.is_ascii_digit() && latin(b))
        || is_ideograph(a)
        || is_ideograph(b)
}

/// A cell's text: its lines top to bottom, joined as the cell shows them. Words on one
/// line keep the space poppler split them at (`25211 元` stays as written).
fn cell_text(words: Vec<&Word>) -> String {
    let mut out = String::new();
    for line in lines(&words) {
        for (n, w) in line.iter().enumerate() {
            if n > 0 || !out.is_empty() && !joins_tight(&out, &w.text) {
                out.push(' ');
            }
            out.push_str(&w.text);
        }
    }
    out
}

/// Whether a label starts with a numbering mark (`一、`, `（一）`, `1.`): the start of a
/// row's own label, never the tail of one cut by a page break.
pub fn starts_numbered(label: &str) -> bool {
    let mut chars = label.trim_start().chars();
    match chars.next() {
        Some('（' | '(') => true,
        Some(c) if c.is_ascii_digit() || ('０'..='９').contains(&c) => {
            let rest: String = chars.collect();
            let rest =
                rest.trim_start_matches(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c));
            rest.starts_with(['.', '．', '、', '。'])
        }
        Some(c) if "一二三四五六七八九十".contains(c) => {
            let rest = chars
                .as_str()
                .trim_start_matches(|c| "一二三四五六七八九十".contains(c));
            rest.starts_with('、')
        }
        _ => false,
    }
}

/// Whether a value cell holds what value cells may: a number, a placeholder or nothing.
pub fn is_value(text: &str) -> bool {
    text.trim().is_empty() || parse_number(text).is_some() || is_placeholder(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(at: f64, from: f64, to: f64) -> Segment {
        Segment {
            horizontal: true,
            at,
            from,
            to,
        }
    }

    fn v(at: f64, from: f64, to: f64) -> Segment {
        Segment {
            horizontal: false,
            at,
            from,
            to,
        }
    }

    fn word(left: f64, top: f64, right: f64, bottom: f64, text: &str) -> Word {
        Word {
            left,
            top,
            right,
            bottom,
            text: text.into(),
            confidence: 1.0,
        }
    }

    /// A 3×3 grid over x 0..300 and y 0..90, whose left column's lower two cells are
    /// merged (no border between them), drawn in pieces with small gaps and offsets.
    fn merged_grid() -> Vec<Segment> {
        vec![
            h(100.0, 100.0, 250.0),
            h(100.4, 249.0, 400.0),
            h(130.0, 100.0, 400.0),
            h(160.0, 200.0, 400.0),
            h(190.2, 100.0, 400.0),
            v(100.0, 100.0, 190.0),
            v(200.0, 100.0, 190.0),
            v(300.0, 99.0, 191.0),
            v(400.0, 100.0, 190.0),
        ]
    }

    #[test]
    fn cells_from_rulings_with_a_merged_cell() {
        let frames = find_frames(&merged_grid(), 595.0, 842.0);
        assert_eq!(frames.len(), 1);
        let f = &frames[0];
        assert_eq!(f.cells.len(), 8, "{:?}", f.cells);
        let merged = f
            .cells
            .iter()
            .find(|c| c.left == 100.0 && c.top > 129.0 && c.top < 131.0)
            .unwrap();
        assert!((merged.bottom - 190.1).abs() < 0.2, "{merged:?}");
        let words = [
            word(105.0, 135.0, 135.0, 147.0, "（三）"),
            word(105.0, 148.0, 130.0, 160.0, "不予"),
            word(205.0, 135.0, 240.0, 147.0, "1.属于"),
            word(205.0, 148.0, 240.0, 158.0, "国家"),
            word(305.0, 135.0, 315.0, 147.0, "2"),
            word(305.0, 165.0, 315.0, 177.0, "7"),
        ];
        let refs: Vec<&Word> = words.iter().collect();
        let placed = f.place(&refs).unwrap();
        assert_eq!((placed.rows, placed.columns.len() - 1), (3, 3));
        let at = |r: usize, c: usize| {
            placed
                .cells
                .iter()
                .find(|p| p.row == r && p.column == c)
                .map(|p| (p.text.as_str(), p.rowspan, p.colspan))
        };
        assert_eq!(at(1, 0), Some(("（三）不予", 2, 1)));
        assert_eq!(at(1, 1), Some(("1.属于国家", 1, 1)));
        assert_eq!(at(1, 2), Some(("2", 1, 1)));
        assert_eq!(at(2, 2), Some(("7", 1, 1)));
        assert!(placed.cells.iter().any(|c| parse_number(&c.text).is_some()));
    }

    #[test]
    fn a_cell_cut_by_the_page_break_is_closed() {
        // The grid above, cut at y 175: the merged cell and the rows end there undrawn.
        let cut: Vec<Segment> = merged_grid()
            .into_iter()
            .filter(|s| !(s.horizontal && s.at > 180.0))
            .map(|s| {
                if s.horizontal {
                    s
                } else {
                    v(s.at, s.from, 175.0)
                }
            })
            .collect();
        let frames = find_frames(&cut, 595.0, 842.0);
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].cells.len(), 8, "{:?}", frames[0].cells);
        assert_eq!(frames[0].outline.bottom, 175.0);
    }

    #[test]
    fn words_that_cannot_be_placed_refuse_the_table() {
        let frames = find_frames(&merged_grid(), 595.0, 842.0);
        let across = word(280.0, 135.0, 320.0, 147.0, "12");
        let err = frames[0].place(&[&across]).unwrap_err();
        assert!(err.contains("crosses a column border"), "{err}");
    }

    #[test]
    fn boxes_alone_and_lone_lines_are_not_tables() {
        // One box (a white fill behind a prose line) and an underline.
        let frames = find_frames(
            &[
                h(100.0, 100.0, 400.0),
                h(112.0, 100.0, 400.0),
                v(100.0, 100.0, 112.0),
                v(400.0, 100.0, 112.0),
                h(200.0, 100.0, 300.0),
            ],
            595.0,
            842.0,
        );
        assert!(frames.is_empty(), "{frames:?}");
    }

    #[test]
    fn text_joins_and_numbering_marks() {
        let w = [
            word(0.0, 0.0, 20.0, 10.0, "7895550"),
            word(0.0, 11.0, 15.0, 21.0, "3.00"),
        ];
        assert_eq!(cell_text(w.iter().collect()), "78955503.00");
        assert!(joins_tight("危及", "“三安"));
        assert!(!joins_tight("Word", "2019"));
        for label in [
            "一、本年新收",
            "（三）不予公开",
            "3.危及",
            "12、其他",
            "(一)",
        ] {
            assert!(starts_numbered(label), "{label}");
        }
        for label in ["法提供", "三安全一稳定", "2021年", "十分"] {
            assert!(!starts_numbered(label), "{label}");
        }
        for value in ["", "12", "-", "无", "22.5981", "1,234"] {
            assert!(is_value(value), "{value}");
        }
        assert!(!is_value("行政许可"));
    }
}
