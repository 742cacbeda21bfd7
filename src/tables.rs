//! tables: a table region's lines → raw rows (label text followed by its value cells).
//!
//! Works the same on every layout the samples show: tab-separated cells, markdown pipe
//! tables, space-aligned columns, one cell per line, and text whose cell boundaries were
//! lost (`…申请数量3100003 34二、上年结转…`). Lines are cut into cells, cells into text
//! and number tokens, and the token stream into rows: a run of text is a row's label, the
//! numbers after it are its values. Labels split over lines or cells therefore join up by
//! themselves, and a label in the wrong cell stays a label.
//!
//! This stage knows nothing of categories; [`crate::map`] names the rows.

use crate::text::{
    is_ideograph, is_page_number, is_placeholder, label_key, parse_number, split_ascii,
};

/// One value cell of a raw row (a cell after the row's label), as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueCell {
    /// The cell text exactly as written (number, unit, annotation).
    pub raw: String,
    /// 1-based source line.
    pub line: i32,
    /// Index of the cell on its line, where the line has real cell boundaries
    /// (tabs or pipes); `None` otherwise.
    pub position: Option<usize>,
    /// How many cells (empty ones included) the cell's line has, for tab or pipe lines.
    /// Positions say which column a cell is in only when the line kept all its cells.
    pub line_cells: Option<usize>,
    /// Character columns `[start, end)` of the cell on its line, for lines without real
    /// cell boundaries (space-aligned columns, PDF layout text): there a blank cell is
    /// only visible as a gap, and a number's column is where it stands.
    pub span: Option<(usize, usize)>,
    /// Whether the digits may hold several cells run together: true where the text lost
    /// its cell boundaries (a number glued to a label, or among single-space separated
    /// numbers), false for a cell that stands alone.
    pub splittable: bool,
    /// A dash, slash or 无 standing in a cell: it takes the column's place, gives no fact.
    pub placeholder: bool,
}

/// A piece of label text that filled a cell of its own on a tab or pipe line: where a
/// table's column headers (自然人 … 总计) stand, which names the columns of a grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelCell {
    /// Where its text stands in the row's `label`.
    pub text: std::ops::Range<usize>,
    /// 1-based source line.
    pub line: i32,
    /// Index of the cell on its line.
    pub position: usize,
    /// How many cells (empty ones included) its line has.
    pub line_cells: usize,
}

/// A row as recovered from the text: label text, then value cells.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawRow {
    /// All text since the previous row's values, pieces joined by a space.
    pub label: String,
    /// 1-based line where the label text starts (or of the first value, with no label).
    pub line: i32,
    /// Cell index of the label's last piece on its line, for tab or pipe lines.
    pub label_position: Option<usize>,
    /// The value cells in reading order.
    pub cells: Vec<ValueCell>,
    /// The label's pieces that stood in cells of their own, in reading order.
    pub label_cells: Vec<LabelCell>,
    /// 1-based line of the label's last piece (0 without a label): where it is the line of
    /// the first value, the label stands beside its numbers; where it is earlier, the
    /// label was read from lines of its own.
    pub label_last_line: i32,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Text {
        text: String,
        line: i32,
        position: Option<usize>,
        /// The line's cell count, where the text is a whole cell of a tab or pipe line.
        whole_cell: Option<usize>,
    },
    Value(ValueCell),
}

/// Recovers raw rows from a table's lines. `first_line` is the 1-based number of
/// `lines[0]`.
pub fn recover_rows(lines: &[&str], first_line: usize) -> Vec<RawRow> {
    let mut rows: Vec<RawRow> = Vec::new();
    let mut current = RawRow::default();
    // One line's tokens at a time: a table of a million lines is never held as tokens.
    let mut tokens = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        tokenize_line(line, (first_line + i) as i32, &mut tokens);
        for token in tokens.drain(..) {
            push_token(token, &mut current, &mut rows);
        }
    }
    if !current.cells.is_empty() || !current.label.is_empty() {
        rows.push(current);
    }
    rows
}

/// Adds one token to the row being recovered, or ends that row and starts the next.
fn push_token(token: Token, current: &mut RawRow, rows: &mut Vec<RawRow>) {
    match token {
        Token::Text {
            text,
            line,
            position,
            whole_cell,
        } => {
            if !current.cells.is_empty() {
                rows.push(std::mem::take(current));
            }
            if current.label.is_empty() {
                current.line = line;
            } else {
                current.label.push(' ');
            }
            let start = current.label.len();
            current.label.push_str(&text);
            current.label_last_line = line;
            current.label_position = position;
            if let (Some(position), Some(line_cells)) = (position, whole_cell) {
                current.label_cells.push(LabelCell {
                    text: start..current.label.len(),
                    line,
                    position,
                    line_cells,
                });
            }
        }
        Token::Value(cell) => {
            // A new tab or pipe line that starts with numbers is a row of its own, even
            // without a label: it never continues the row above.
            let new_line = current.cells.last().is_some_and(|c| c.line != cell.line);
            if new_line && cell.position.is_some() {
                rows.push(std::mem::take(current));
            }
            if current.label.is_empty() && current.cells.is_empty() {
                current.line = cell.line;
            }
            current.cells.push(cell);
        }
    }
}

fn is_markdown_rule(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Whether a line is only layout: blank, a page number or a markdown rule.
fn is_furniture(line: &str) -> bool {
    // Label keys keep ideographs, and page numbers have none but 第 and 页: a line with
    // another ideograph is text, and most table lines need no key.
    let has_text = line
        .chars()
        .any(|c| is_ideograph(c) && !matches!(c, '第' | '页'));
    if has_text {
        return false;
    }
    let key = label_key(line);
    key.is_empty() || is_page_number(&key) || is_markdown_rule(line)
}

fn tokenize_line(line: &str, line_no: i32, out: &mut Vec<Token>) {
    if is_furniture(line) {
        return;
    }
    let trimmed = line.trim();
    let (cells, structured): (Vec<&str>, bool) = if line.contains('\t') {
        (split_ascii(line, b'\t').collect(), true)
    } else if trimmed.starts_with('|') {
        let inner = trimmed.trim_start_matches('|');
        let inner = inner.strip_suffix('|').unwrap_or(inner);
        (split_ascii(inner, b'|').collect(), true)
    } else {
        (split_wide_spaces(trimmed), false)
    };
    let line_cells = structured.then_some(cells.len());
    let first_token = out.len();
    for (index, cell) in cells.iter().enumerate() {
        let position = structured.then_some(index);
        let cell = cell.trim();
        if cell.is_empty() || cell.chars().all(|c| c.is_whitespace() || c == '\u{a0}') {
            continue;
        }
        if parse_number(cell).is_some() {
            out.push(value(cell, line_no, position, line_cells, false));
        } else if structured && !cell.chars().any(char::is_whitespace) {
            // A real cell that is not a number is a label, digits and all (`数据1`).
            out.push(Token::Text {
                text: cell.to_string(),
                line: line_no,
                position,
                whole_cell: line_cells,
            });
        } else if is_placeholder(cell) {
            out.push(Token::Value(ValueCell {
                raw: cell.to_string(),
                line: line_no,
                position,
                line_cells,
                span: None,
                splittable: false,
                placeholder: true,
            }));
        } else {
            tokenize_mixed(cell, line_no, position, line_cells, out);
        }
    }
    if !structured {
        locate_columns(line, &mut out[first_token..]);
    }
}

/// Sets each value cell's character columns on its line (cells are found in order).
/// Linear in the line: characters are counted once, as the search moves on.
fn locate_columns(line: &str, tokens: &mut [Token]) {
    let (mut cursor, mut chars_before) = (0usize, 0usize);
    for token in tokens {
        let Token::Value(cell) = token else { continue };
        // memmem: `str::find` builds a two-way searcher per call, costly for short cells.
        if let Some(found) = memchr::memmem::find(&line.as_bytes()[cursor..], cell.raw.as_bytes()) {
            let start = cursor + found;
            let end = start + cell.raw.len();
            let start_chars = chars_before + line[cursor..start].chars().count();
            let end_chars = start_chars + cell.raw.chars().count();
            cell.span = Some((start_chars, end_chars));
            cursor = end;
            chars_before = end_chars;
        }
    }
}

/// Splits on runs of two or more spaces (space-aligned columns); single spaces stay,
/// because labels carry stray single spaces (`无法 提供`).
fn split_wide_spaces(s: &str) -> Vec<&str> {
    let mut cells = Vec::new();
    let mut start = 0;
    let mut run_start = None;
    for (i, c) in s.char_indices() {
        if c == ' ' || c == '\u{3000}' || c == '\u{a0}' {
            run_start.get_or_insert(i);
        } else if let Some(r) = run_start.take() {
            let width = s[r..i].chars().count();
            if width >= 2 || s[r..i].contains('\u{3000}') {
                cells.push(&s[start..r]);
                start = i;
            }
        }
    }
    cells.push(&s[start..]);
    cells
}

fn value(
    raw: &str,
    line: i32,
    position: Option<usize>,
    line_cells: Option<usize>,
    splittable: bool,
) -> Token {
    Token::Value(ValueCell {
        raw: raw.to_string(),
        line,
        position,
        line_cells,
        span: None,
        splittable,
        placeholder: false,
    })
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Cuts a cell that mixes text and numbers into tokens. Digits followed by `.` or `、`
/// and text are row numbering (`1.属于国家秘密`), digits followed by 年/月/日/号/页 are
/// dates and document numbers: both stay text.
fn tokenize_mixed(
    cell: &str,
    line: i32,
    position: Option<usize>,
    line_cells: Option<usize>,
    out: &mut Vec<Token>,
) {
    let chars: Vec<(usize, char)> = cell.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(cell.len(), |(b, _)| *b);
    let push_text = |out: &mut Vec<Token>, from: usize, to: usize| {
        let t = cell[from..to].trim();
        if !t.is_empty() {
            out.push(Token::Text {
                text: t.to_string(),
                line,
                position,
                whole_cell: None,
            });
        }
    };
    let mut text_start: Option<usize> = None;
    let mut i = 0;
    while i < chars.len() {
        let (byte, c) = chars[i];
        if !is_digit(c) {
            text_start.get_or_insert(byte);
            i += 1;
            continue;
        }
        let j = number_end(&chars, i);
        let next = chars.get(j).map(|(_, c)| *c);
        let after_space = chars[j..]
            .iter()
            .map(|(_, c)| *c)
            .find(|c| !c.is_whitespace());
        let is_numbering = matches!(next, Some('.' | '、' | '．'))
            && chars.get(j + 1).is_some_and(|(_, c)| !is_digit(*c));
        let is_date_or_ref = matches!(
            after_space,
            Some('年' | '月' | '日' | '号' | '页' | '〕' | ']')
        );
        if is_date_or_ref || (is_numbering && j - i == 1) {
            text_start.get_or_insert(byte);
            i = j;
            continue;
        }
        // Run-together digits ending in a row number: `00000001.属于…`.
        let (num_end, mut k) = if is_numbering {
            (chars[j - 1].0, j - 1)
        } else {
            (byte_at(j), j)
        };
        let sign_start = with_sign(cell, byte);
        if let Some(t) = text_start.take() {
            push_text(out, t, sign_start);
        }
        let mut raw_end = num_end;
        if let Some(unit_end) = unit_after(cell, num_end).filter(|_| !is_numbering) {
            raw_end = unit_end;
            k = chars
                .iter()
                .position(|(b, _)| *b >= raw_end)
                .unwrap_or(chars.len());
        }
        out.push(value(
            cell[sign_start..raw_end].trim(),
            line,
            position,
            line_cells,
            true,
        ));
        i = k;
        if is_numbering {
            text_start = Some(chars[j - 1].0);
            i = j;
        }
    }
    if let Some(t) = text_start {
        push_text(out, t, cell.len());
    }
}

/// The end (a char index) of the number whose first digit is at `i`: its digits, and a
/// fraction's (digits `.` digits).
fn number_end(chars: &[(usize, char)], i: usize) -> usize {
    let digits_from = |mut j: usize| {
        while j < chars.len() && is_digit(chars[j].1) {
            j += 1;
        }
        j
    };
    let j = digits_from(i);
    if j + 1 < chars.len() && matches!(chars[j].1, '.' | '．') && is_digit(chars[j + 1].1) {
        return digits_from(j + 1);
    }
    j
}

/// Where a number whose first digit is at byte `at` starts: a sign standing alone before
/// the digits (`+12`, `-3`) belongs to the number.
fn with_sign(cell: &str, at: usize) -> usize {
    let mut before = cell[..at].chars().rev();
    match (before.next(), before.next()) {
        (Some(c @ ('+' | '-' | '−')), prev) if prev.is_none_or(char::is_whitespace) => {
            at - c.len_utf8()
        }
        _ => at,
    }
}

/// The end (a byte) of a unit written after a number that ends at byte `end`
/// (`25211 元`, `2笔`): the unit belongs to the number's cell. A counting word (笔, 件 …)
/// is a unit only where nothing but white space follows it (`3件事` is text).
fn unit_after(cell: &str, end: usize) -> Option<usize> {
    let rest = &cell[end..];
    let trimmed = rest.trim_start();
    let at = end + (rest.len() - trimmed.len());
    if let Some(unit) = ["万元", "元"].iter().find(|u| trimmed.starts_with(*u)) {
        return Some(at + unit.len());
    }
    ["笔", "件", "项", "个", "条"]
        .iter()
        .find(|u| {
            trimmed
                .strip_prefix(*u)
                .is_some_and(|after| after.chars().next().is_none_or(char::is_whitespace))
        })
        .map(|unit| at + unit.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(String, Vec<String>)> {
        let lines: Vec<&str> = text.lines().collect();
        recover_rows(&lines, 1)
            .into_iter()
            .map(|r| {
                (
                    label_key(&r.label),
                    r.cells.into_iter().map(|c| c.raw).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn tab_rows_with_labels_in_any_cell() {
        let t = "\t\t7.属于行政执法案卷\t0\t1\n8. 属于行政查询事项\t\t2\t3\t\n";
        assert_eq!(
            rows(t),
            vec![
                ("7.属于行政执法案卷".into(), vec!["0".into(), "1".into()]),
                ("8.属于行政查询事项".into(), vec!["2".into(), "3".into()]),
            ]
        );
    }

    #[test]
    fn one_cell_per_line_and_split_labels() {
        let t = "本年新\n\n制作数量\n规章\n0\n\n26\n";
        assert_eq!(
            rows(t),
            vec![("本年新制作数量规章".into(), vec!["0".into(), "26".into()])]
        );
    }

    #[test]
    fn run_together_text() {
        let t = "一、本年新收政府信息公开申请数量3100003 34二、上年结转政府信息公开申请数量0000000";
        let r = rows(t);
        assert_eq!(r[0].1, vec!["3100003", "34"]);
        assert_eq!(r[1].0, "二、上年结转政府信息公开申请数量");
        let t = "7.属于行政执法案卷000000008.属于行政查询事项1";
        let r = rows(t);
        assert_eq!(r[0].1, vec!["00000000"]);
        assert_eq!(r[1], ("8.属于行政查询事项".into(), vec!["1".into()]));
    }

    #[test]
    fn structured_lines_of_numbers_start_their_own_row() {
        let t = "| 类别 | 数据1 | 总计 |\n| 予以公开 | 9 | 9 |\n| 0 | 0 |\n";
        assert_eq!(
            rows(t),
            vec![
                ("类别数据1总计予以公开".into(), vec!["9".into(), "9".into()]),
                (String::new(), vec!["0".into(), "0".into()]),
            ]
        );
    }

    #[test]
    fn furniture_lines_are_blank_page_numbers_and_rules() {
        for line in ["", " \t ", "- 3 -", "—4—", "第 3 页", "|---|:--:|", "**"] {
            assert!(is_furniture(line), "{line:?}");
        }
        for line in ["规章", "第3条", "第 页 1", "12", "\t0\t1", "| 规章 | 3 |"] {
            assert!(!is_furniture(line), "{line:?}");
        }
    }

    #[test]
    fn pipes_units_signs_and_page_numbers() {
        let t = "| 规章 | 3 | 0 | 15 |\n|---|---|---|---|\n- 3 -\n政府集中采购\t9\t25211 元\t\n行政许可 +12 -3 5\n";
        let r = rows(t);
        assert_eq!(r[0].1, vec!["3", "0", "15"]);
        assert_eq!(r[1].1, vec!["9", "25211 元"]);
        assert_eq!(r[2].1, vec!["+12", "-3", "5"]);
    }

    /// A counting word after a number, in a line a crawler ran together, stays with the
    /// number; one that goes on into text does not.
    #[test]
    fn counting_words_after_numbers() {
        let r = rows(
            "政府集中采购 2笔 984361元
",
        );
        assert_eq!(r[0].1, vec!["2笔", "984361元"]);
        assert_eq!(r.len(), 1, "{r:?}");
        let r = rows(
            "办理了3件事 4
",
        );
        assert_eq!(r[0].1, vec!["3"]);
    }
}
