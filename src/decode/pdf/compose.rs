//! Pages with ruled tables → text: prose lines and table grids in reading order, with a
//! table continued on the next page joined into one grid.
//!
//! The grid is the one HTML and DOCX tables become ([`crate::decode::grid`]): a merged
//! cell's text in its first slot, every row as wide as the table, so the PDF path reuses
//! the mapping that reads web and Word tables exactly. A table that cannot be placed
//! cell by cell gives a finding and no text at all: its numbers are not guessed.

use super::lattice::{self, is_value, starts_numbered, Frame, Placed, Rect};
use super::words::Word;
use crate::decode::grid::Grid;
use crate::model::{Code, Finding};
use crate::text::{is_page_number, label_key, parse_number};

/// Tables on consecutive pages whose left and right edges agree within this many points
/// are one table, when only page furniture stands between them.
const SAME_EDGE: f64 = 3.0;

/// What a ruled frame on a page turned out to be.
enum Found {
    /// Every word placed in a cell. Whether it is a table is decided once the parts of a
    /// table split over pages are together: a header alone at the foot of a page and
    /// its last row alone on the next are one table.
    Placed {
        table: Placed,
        /// Its words as prose lines, for a frame that is no table after all (boxes
        /// behind prose).
        prose: Vec<String>,
    },
    /// A table (at least 2×2 cells, a number among its words) that cannot be placed.
    Unreadable {
        reason: String,
        rows: usize,
        columns: usize,
        outline: Rect,
    },
}

impl Found {
    fn outline(&self) -> Rect {
        match self {
            Found::Placed { table, .. } => table.outline,
            Found::Unreadable { outline, .. } => *outline,
        }
    }
}

/// One thing on a page, in reading order.
enum Item {
    /// A prose line (words outside every table, joined).
    Line { top: f64, text: String },
    /// A ruled frame (an index into the page's frames).
    Frame { top: f64, index: usize },
}

impl Item {
    fn top(&self) -> f64 {
        match self {
            Item::Line { top, .. } | Item::Frame { top, .. } => *top,
        }
    }
}

/// What a chain of frames (one table's parts on consecutive pages) gives.
enum Outcome {
    /// A table: its grid lines, each line's cell confidences, and the cells emptied
    /// (row, column, text read).
    Table(Vec<String>, Vec<Vec<f64>>, Vec<(usize, usize, String)>),
    /// No table: each part's words stay prose.
    Prose,
    /// A table that cannot be read: nothing.
    Unreadable,
}

/// The text of every page (`frames` and `words` by page, from the first), and findings
/// for tables that could not be read.
pub fn compose(frames: &[Vec<Frame>], words: &[Vec<Word>]) -> (Vec<String>, Vec<Finding>) {
    let (texts, _, findings) = compose_with_confidence(frames, words, false);
    (texts, findings)
}

/// The confidences of one table line's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct RowConfidence {
    /// 0-based line within its page's text.
    pub line: usize,
    /// The confidence of each cell's least sure word, in cell order.
    pub cells: Vec<f64>,
    /// Cells among the row's numbers whose OCR text is no value (`人`, `7E`): emptied,
    /// with what was read (column, text).
    pub emptied: Vec<(usize, String)>,
}

/// A [`RowConfidence`] on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRow {
    /// 0-based page.
    pub page: usize,
    /// The line and its cells' confidences.
    pub row: RowConfidence,
}

/// [`compose`], with the confidence of every table cell, for words read by OCR. With
/// `ocr`, a cell among a row's numbers that holds no value is a misreading (a speck read
/// as `人`, `元` read as `7E`), not a label out of place: the cell is emptied and listed
/// ([`RowConfidence::emptied`]) instead of refusing the whole table. Each cell was read
/// from its own crop, so no word can have strayed into it from a neighbour.
pub fn compose_with_confidence(
    frames: &[Vec<Frame>],
    words: &[Vec<Word>],
    ocr: bool,
) -> (Vec<String>, Vec<PageRow>, Vec<Finding>) {
    let none: Vec<Word> = Vec::new();
    let no_frames: Vec<Frame> = Vec::new();
    let pages: Vec<(Vec<Found>, Vec<Item>)> = (0..frames.len().max(words.len()))
        .map(|k| {
            classify(
                frames.get(k).unwrap_or(&no_frames),
                words.get(k).unwrap_or(&none),
            )
        })
        .collect();
    // Each chain's parts in page order, and each frame's chain.
    let mut chains: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut chain_of: Vec<Vec<usize>> = Vec::new();
    for k in 0..pages.len() {
        let continued = if k > 0 {
            continuation(&pages[k - 1], &pages[k])
        } else {
            None
        };
        let mut own = Vec::new();
        for index in 0..pages[k].0.len() {
            let chain = match continued {
                Some((before, here)) if here == index => chain_of[k - 1][before],
                _ => {
                    chains.push(Vec::new());
                    chains.len() - 1
                }
            };
            chains[chain].push((k, index));
            own.push(chain);
        }
        chain_of.push(own);
    }
    let mut findings = Vec::new();
    let outcomes: Vec<Outcome> = chains
        .iter()
        .map(|parts| {
            let (page, _) = parts[0];
            let mut placed: Vec<&Placed> = Vec::new();
            for &(k, index) in parts {
                match &pages[k].0[index] {
                    Found::Placed { table, .. } => placed.push(table),
                    Found::Unreadable {
                        reason,
                        rows,
                        columns,
                        ..
                    } => {
                        findings.push(unreadable(
                            k + 1,
                            &format!("{rows} rows × {columns} columns: {reason}"),
                        ));
                        return Outcome::Unreadable;
                    }
                }
            }
            match join(&placed, ocr) {
                Ok((grid, sure, emptied)) if is_table(&grid) => {
                    Outcome::Table(grid.to_lines(), sure, emptied)
                }
                Ok(_) => Outcome::Prose,
                Err(reason) => {
                    findings.push(unreadable(page + 1, &reason));
                    Outcome::Unreadable
                }
            }
        })
        .collect();
    let mut rows_sure = Vec::new();
    let texts = pages
        .iter()
        .enumerate()
        .map(|(k, (found, items))| {
            let mut lines: Vec<String> = Vec::new();
            for item in items {
                match item {
                    Item::Line { text, .. } => lines.push(text.clone()),
                    Item::Frame { index, .. } => {
                        let chain = chain_of[k][*index];
                        match (&outcomes[chain], &found[*index]) {
                            (Outcome::Table(rows, sure, emptied), _)
                                if chains[chain][0] == (k, *index) =>
                            {
                                for (n, cells) in sure.iter().enumerate() {
                                    let line = lines.len() + n;
                                    let cells = cells.clone();
                                    let emptied = emptied
                                        .iter()
                                        .filter(|(r, _, _)| *r == n)
                                        .map(|(_, c, t)| (*c, t.clone()))
                                        .collect();
                                    rows_sure.push(PageRow {
                                        page: k,
                                        row: RowConfidence {
                                            line,
                                            cells,
                                            emptied,
                                        },
                                    });
                                }
                                lines.extend(rows.iter().cloned());
                            }
                            (Outcome::Prose, Found::Placed { prose, .. }) => {
                                lines.extend(prose.iter().cloned());
                            }
                            _ => {}
                        }
                    }
                }
            }
            let mut text = lines.join("\n");
            text.push('\n');
            text
        })
        .collect();
    (texts, rows_sure, findings)
}

fn unreadable(page: usize, reason: &str) -> Finding {
    Finding::error(
        Code::PdfTableUnreadable,
        format!(
            "the ruled table on page {page} cannot be read cell by cell ({reason}); its numbers \
             are not read: check this table in the PDF"
        ),
        None,
    )
}

/// A table has at least two rows and two columns, and a number.
fn is_table(grid: &Grid) -> bool {
    grid.rows.len() >= 2
        && grid.rows.first().is_some_and(|r| r.len() >= 2)
        && grid.rows.iter().any(|r| has_number(r))
}

/// Places a page's words in its frames and lays out the rest as prose lines.
fn classify(frames: &[Frame], words: &[Word]) -> (Vec<Found>, Vec<Item>) {
    let mut found = Vec::new();
    let mut items = Vec::new();
    let mut taken = vec![false; words.len()];
    for frame in frames {
        let inside: Vec<usize> = (0..words.len())
            .filter(|&w| !taken[w] && frame.holds(&words[w]))
            .collect();
        let refs: Vec<&Word> = inside.iter().map(|&w| &words[w]).collect();
        let (rows, columns) = frame.shape();
        let result = match frame.place(&refs) {
            Ok(table) => Found::Placed {
                table,
                prose: prose_lines(&refs),
            },
            Err(reason)
                if rows >= 2
                    && columns >= 2
                    && refs.iter().any(|w| parse_number(&w.text).is_some()) =>
            {
                Found::Unreadable {
                    reason,
                    rows,
                    columns,
                    outline: frame.outline,
                }
            }
            // Boxes behind prose: its words stay prose.
            Err(_) => continue,
        };
        for &w in &inside {
            taken[w] = true;
        }
        items.push(Item::Frame {
            top: frame.outline.top,
            index: found.len(),
        });
        found.push(result);
    }
    let rest: Vec<&Word> = (0..words.len())
        .filter(|&w| !taken[w])
        .map(|w| &words[w])
        .collect();
    for line in lattice::lines(&rest) {
        let top = line.iter().map(|w| w.top).fold(f64::INFINITY, f64::min);
        items.push(Item::Line {
            top,
            text: join_words(&line),
        });
    }
    items.sort_by(|a, b| a.top().total_cmp(&b.top()));
    (found, items)
}

/// A prose line's words, spaced as the page spaces them: one space for a word gap, more
/// for a wider gap (about one per half a character), as `pdftotext -layout` keeps the
/// columns of a table without borders apart.
fn join_words(line: &[&Word]) -> String {
    let mut out = String::new();
    for (n, w) in line.iter().enumerate() {
        if n > 0 {
            let before = line[n - 1];
            let pitch = 0.5 * before.height().min(w.height()).max(1.0);
            let spaces = ((w.left - before.right) / pitch).round().clamp(1.0, 40.0);
            out.extend(std::iter::repeat_n(' ', spaces as usize));
        }
        out.push_str(&w.text);
    }
    out
}

fn prose_lines(words: &[&Word]) -> Vec<String> {
    lattice::lines(words)
        .iter()
        .map(|l| join_words(l))
        .collect()
}

/// Whether the first table on a page continues the last table of the page before: the
/// same left and right edges, and nothing but page furniture between them. Returns the
/// two tables' indices.
fn continuation(
    before: &(Vec<Found>, Vec<Item>),
    here: &(Vec<Found>, Vec<Item>),
) -> Option<(usize, usize)> {
    let last = before
        .1
        .iter()
        .rposition(|i| matches!(i, Item::Frame { .. }))?;
    let first = here
        .1
        .iter()
        .position(|i| matches!(i, Item::Frame { .. }))?;
    let furniture = |item: &Item| match item {
        Item::Line { text, .. } => is_furniture(text),
        Item::Frame { .. } => false,
    };
    if !before.1[last + 1..].iter().all(furniture) || !here.1[..first].iter().all(furniture) {
        return None;
    }
    let (Item::Frame { index: a, .. }, Item::Frame { index: b, .. }) =
        (&before.1[last], &here.1[first])
    else {
        return None;
    };
    let (above, below) = (before.0[*a].outline(), here.0[*b].outline());
    ((above.left - below.left).abs() <= SAME_EDGE && (above.right - below.right).abs() <= SAME_EDGE)
        .then_some((*a, *b))
}

/// A line that is only page furniture: a page number, or nothing readable.
fn is_furniture(line: &str) -> bool {
    let key = label_key(line);
    key.is_empty() || is_page_number(&key) || key.chars().all(|c| c.is_ascii_digit())
}

/// Whether a row holds a number.
fn has_number(row: &[String]) -> bool {
    first_number(row).is_some()
}

/// The first column of a row that holds a number.
fn first_number(row: &[String]) -> Option<usize> {
    row.iter().position(|c| parse_number(c).is_some())
}

/// Appends a piece of text cut off by a page break to the nearest cell above it in the
/// same column.
fn append_above(rows: &mut [Vec<String>], column: usize, piece: &str) {
    for row in rows.iter_mut().rev() {
        if !row[column].is_empty() {
            row[column].push_str(piece);
            return;
        }
    }
    if let Some(last) = rows.last_mut() {
        last[column] = piece.to_string();
    }
}

/// The grid of a table, each cell's confidence, and the cells emptied as misreadings
/// (row, column, text).
type Joined = (Grid, Vec<Vec<f64>>, Vec<(usize, usize, String)>);

/// One table's parts (one per page) → one grid, then the value-column guard; with the
/// confidence of each of the grid's cells. With `ocr`, a cell that fails the guard is
/// emptied and listed instead (see [`compose_with_confidence`]).
fn join(parts: &[&Placed], ocr: bool) -> Result<Joined, String> {
    let columns = lattice::cluster(
        parts
            .iter()
            .flat_map(|p| p.columns.iter().copied())
            .collect(),
        SAME_EDGE,
    );
    let width = columns.len().saturating_sub(1);
    let column_of = |x: f64| lattice::nearest(&columns, x);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut sure: Vec<Vec<f64>> = Vec::new();
    for (n, part) in parts.iter().enumerate() {
        let mut own: Vec<Vec<String>> = vec![vec![String::new(); width]; part.rows];
        let mut own_sure: Vec<Vec<f64>> = vec![vec![1.0; width]; part.rows];
        for cell in &part.cells {
            let column = column_of(part.columns[cell.column]);
            if cell.row < own.len() && column < width {
                own[cell.row][column] = cell.text.clone();
                own_sure[cell.row][column] = cell.confidence;
            }
        }
        if n > 0 {
            // Only labels move between rows; a value cell keeps its own confidence.
            let dropped = continue_rows(&mut rows, &mut own);
            own_sure.drain(..dropped);
        }
        rows.extend(own);
        sure.extend(own_sure);
    }
    let mut emptied = Vec::new();
    for (r, row) in rows.iter_mut().enumerate() {
        if let Some(f) = first_number(row) {
            for c in f..row.len() {
                if is_value(&row[c]) {
                    continue;
                }
                if !ocr {
                    return Err(format!(
                        "\"{}\" stands among the numbers of the row \"{}\"",
                        row[c],
                        row[..f].concat()
                    ));
                }
                emptied.push((r, c, std::mem::take(&mut row[c])));
                sure[r][c] = 0.0;
            }
        }
    }
    Ok((Grid { rows }, sure, emptied))
}

/// Fits the rows of a table's next part to the rows before it: drops a repeated header,
/// finishes a row the page break cut, and hands a group label's tail to its group.
/// Returns how many rows it took from the front of `own`.
fn continue_rows(above: &mut [Vec<String>], own: &mut Vec<Vec<String>>) -> usize {
    let header = own.iter().take_while(|r| !has_number(r)).count();
    let mut dropped = 0;
    if header > 0 && header <= above.len() && own[..header] == above[..header] {
        own.drain(..header);
        dropped = header;
    }
    let Some(first) = own.first() else {
        return dropped;
    };
    let Some(last) = above.last() else {
        return dropped;
    };
    match (first_number(first), first_number(last)) {
        // A row cut by the break: its label's tail has no numbers of its own.
        (None, Some(numbers)) => {
            let cells: Vec<usize> = (0..first.len()).filter(|&c| !first[c].is_empty()).collect();
            if cells.iter().all(|&c| c < numbers) {
                let row = own.remove(0);
                dropped += 1;
                for c in cells {
                    append_above(above, c, &row[c]);
                }
            }
        }
        // A group label cut by the break, left of the row's own label.
        (Some(numbers), _) => {
            let labels: Vec<usize> = (0..numbers).filter(|&c| !first[c].is_empty()).collect();
            if let Some((_, groups)) = labels.split_last() {
                for &c in groups {
                    if !starts_numbered(&own[0][c]) {
                        let piece = std::mem::take(&mut own[0][c]);
                        append_above(above, c, &piece);
                    }
                }
            }
        }
        (None, None) => {}
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_row_cut_by_the_page_break_is_finished() {
        let mut above = vec![
            row(&[
                "三、本年度办理结果",
                "（三）不予公开",
                "1.属于国家秘密",
                "0",
                "0",
            ]),
            row(&["", "", "2.其他法律行政", "1", "1"]),
        ];
        let mut own = vec![
            row(&["", "", "法规禁止公开", "", ""]),
            row(&["", "", "3.危及“三安全一稳定”", "2", "2"]),
        ];
        continue_rows(&mut above, &mut own);
        assert_eq!(above[1][2], "2.其他法律行政法规禁止公开");
        assert_eq!(own, vec![row(&["", "", "3.危及“三安全一稳定”", "2", "2"])]);
    }

    #[test]
    fn a_group_label_cut_by_the_page_break_goes_to_its_group() {
        let mut above = vec![row(&[
            "",
            "（四）无",
            "1.本机关不掌握相关政府信息",
            "15",
            "15",
        ])];
        let mut own = vec![row(&["", "法提供", "2.没有现成信息需要另行制作", "0", "0"])];
        continue_rows(&mut above, &mut own);
        assert_eq!(above[0][1], "（四）无法提供");
        assert_eq!(own[0][1], "");
        // A new group starts with its numbering mark and stays.
        let mut own = vec![row(&[
            "",
            "（五）不予处理",
            "1.信访举报投诉类申请",
            "0",
            "0",
        ])];
        continue_rows(&mut above, &mut own);
        assert_eq!(own[0][1], "（五）不予处理");
    }

    #[test]
    fn a_header_at_the_foot_never_merges_and_repeated_headers_go() {
        let header = row(&["（本列数据…）", "申请人情况", "", ""]);
        let mut above = vec![header.clone(), row(&["一、本年新收", "", "3", "3"])];
        let mut own = vec![header.clone(), row(&["二、上年结转", "", "0", "0"])];
        continue_rows(&mut above, &mut own);
        assert_eq!(own, vec![row(&["二、上年结转", "", "0", "0"])]);
        // The page before ends in a header row: the next page's first row stays its own.
        let mut above = vec![row(&["第二十条第（五）项", "", "", ""])];
        let mut own = vec![row(&["信息内容", "本年处理决定数量", "", ""])];
        continue_rows(&mut above, &mut own);
        assert_eq!(own.len(), 1);
        assert_eq!(above[0][0], "第二十条第（五）项");
    }

    #[test]
    fn a_label_among_the_numbers_refuses_the_table() {
        let placed = Placed {
            outline: lattice::Rect {
                left: 0.0,
                top: 0.0,
                right: 30.0,
                bottom: 20.0,
            },
            columns: vec![0.0, 10.0, 20.0, 30.0],
            rows: 2,
            cells: [
                (0, 0, "行政许可"),
                (0, 1, "3"),
                (0, 2, "其他"),
                (1, 0, "规章"),
            ]
            .iter()
            .map(|&(row, column, text)| lattice::PlacedCell {
                row,
                column,
                rowspan: 1,
                colspan: 1,
                text: text.into(),
                confidence: 1.0,
            })
            .collect(),
        };
        let err = join(&[&placed], false).unwrap_err();
        assert!(err.contains("\"其他\" stands among the numbers"), "{err}");
    }
}
