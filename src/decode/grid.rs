//! A table as a rectangular grid, with merged cells expanded, rendered as tab-separated
//! lines: the form the `tables` stage reads best.
//!
//! HTML (`rowspan`, `colspan`) and DOCX (`w:vMerge`, `w:gridSpan`) tables both become a
//! [`Grid`]. A merged cell's text stands in its first slot only; the slots it covers are
//! empty, so nothing is read twice, and every row has the same number of cells, so a
//! cell's position is its column.

/// Largest `colspan` honoured (the HTML standard's cap).
const MAX_COLSPAN: usize = 1000;
/// Largest grid width built; wider tables are cut (no report table has 100 columns).
const MAX_COLUMNS: usize = 200;

/// One cell as written in the source table, with the rows and columns it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanCell {
    /// Text with runs of white space collapsed.
    pub text: String,
    /// Columns covered (≥ 1).
    pub colspan: usize,
    /// Rows covered (≥ 1).
    pub rowspan: usize,
}

/// Rows of cells with every merge expanded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    /// `rows[r][c]`: the text in slot (r, c); covered slots are empty.
    pub rows: Vec<Vec<String>>,
}

impl Grid {
    /// Builds the grid from rows of source cells. Spans are clamped to the table's size.
    pub fn from_rows(source: &[Vec<SpanCell>]) -> Grid {
        let n_rows = source.len();
        let mut rows: Vec<Vec<Option<String>>> = vec![Vec::new(); n_rows];
        for (r, cells) in source.iter().enumerate() {
            let mut c = 0;
            for cell in cells {
                while rows[r].get(c).is_some_and(Option::is_some) {
                    c += 1;
                }
                if c >= MAX_COLUMNS {
                    break;
                }
                let colspan = cell.colspan.clamp(1, MAX_COLSPAN).min(MAX_COLUMNS - c);
                let rowspan = cell.rowspan.max(1).min(n_rows - r);
                for dr in 0..rowspan {
                    let row = &mut rows[r + dr];
                    if row.len() < c + colspan {
                        row.resize(c + colspan, None);
                    }
                    for dc in 0..colspan {
                        let text = if dr == 0 && dc == 0 {
                            cell.text.clone()
                        } else {
                            String::new()
                        };
                        row[c + dc] = Some(text);
                    }
                }
                c += colspan;
            }
        }
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        Grid {
            rows: rows
                .into_iter()
                .map(|row| {
                    let mut row: Vec<String> =
                        row.into_iter().map(Option::unwrap_or_default).collect();
                    row.resize(width, String::new());
                    row
                })
                .collect(),
        }
    }

    /// One line per row, cells separated by tabs (tabs inside cells become spaces).
    pub fn to_lines(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| c.replace('\t', " "))
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect()
    }
}

/// Collapses runs of white space (NBSP included) to one space and trims.
pub fn collapse_whitespace(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str, colspan: usize, rowspan: usize) -> SpanCell {
        SpanCell {
            text: text.into(),
            colspan,
            rowspan,
        }
    }

    #[test]
    fn spans_expand_into_a_rectangle() {
        let g = Grid::from_rows(&[
            vec![
                cell("三、本年度办理结果", 1, 3),
                cell("（一）予以公开", 2, 1),
                cell("1", 1, 1),
            ],
            vec![
                cell("（三）不予公开", 1, 2),
                cell("1.属于国家秘密", 1, 1),
                cell("2", 1, 1),
            ],
            vec![cell("2.其他法律行政法规禁止公开", 1, 1), cell("3", 1, 1)],
        ]);
        assert_eq!(
            g.to_lines(),
            vec![
                "三、本年度办理结果\t（一）予以公开\t\t1",
                "\t（三）不予公开\t1.属于国家秘密\t2",
                "\t\t2.其他法律行政法规禁止公开\t3",
            ]
        );
    }

    #[test]
    fn absurd_spans_are_clamped() {
        let g = Grid::from_rows(&[vec![cell("a", 1_000_000, 65_534)], vec![cell("b", 1, 1)]]);
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[0].len(), MAX_COLUMNS);
    }
}
