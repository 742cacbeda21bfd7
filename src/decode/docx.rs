//! DOCX files → text lines, with tables rendered as tab-separated grids.
//!
//! Reads `word/document.xml` straight from the zip container: `w:p` paragraphs become
//! lines, `w:tbl` tables become grids where `w:gridSpan` spreads a cell over columns and a
//! `w:vMerge` continuation cell is an empty slot under its merged label. A table that
//! holds other tables (a Word layout table) is read cell by cell as blocks of text, its
//! inner tables as grids. The decompressed size is capped, so a zip bomb costs nothing.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::grid::{collapse_whitespace, Grid, SpanCell};

/// Largest `word/document.xml` read, decompressed (real reports: well under 5 MB).
pub const MAX_DOCUMENT_XML: u64 = 64 * 1024 * 1024;
/// Most entries a DOCX container may have.
pub const MAX_ENTRIES: usize = 10_000;

/// Why a DOCX file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocxError {
    /// Not a zip container, or a broken one.
    NotZip(String),
    /// A zip without `word/document.xml`: another kind of archive or office file.
    NotDocx(String),
    /// Over the size or entry limits.
    TooLarge(String),
    /// `document.xml` is not well-formed XML.
    BadXml(String),
}

/// Whether a zip container is a Word document (has `word/document.xml`).
pub fn is_docx(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .is_ok_and(|z| z.index_for_name("word/document.xml").is_some())
}

/// Renders a DOCX file's text.
pub fn docx_to_text(bytes: &[u8]) -> Result<String, DocxError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| DocxError::NotZip(e.to_string()))?;
    if zip.len() > MAX_ENTRIES {
        return Err(DocxError::TooLarge(format!(
            "{} entries (the limit is {MAX_ENTRIES})",
            zip.len()
        )));
    }
    let names: Vec<String> = zip
        .file_names()
        .take(5)
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .collect();
    let mut entry = zip.by_name("word/document.xml").map_err(|_| {
        DocxError::NotDocx(format!(
            "a zip archive without word/document.xml (entries: {})",
            names.join(", ")
        ))
    })?;
    let mut xml = Vec::new();
    entry
        .by_ref()
        .take(MAX_DOCUMENT_XML + 1)
        .read_to_end(&mut xml)
        .map_err(|e| DocxError::NotZip(e.to_string()))?;
    if xml.len() as u64 > MAX_DOCUMENT_XML {
        return Err(DocxError::TooLarge(format!(
            "word/document.xml is over {} MB decompressed",
            MAX_DOCUMENT_XML / 1024 / 1024
        )));
    }
    render_document(&xml)
}

/// A cell being read: its paragraphs, and the blocks (paragraph lines and inner tables'
/// grid lines) in order, for when its table turns out to be a layout table.
#[derive(Default)]
struct CellState {
    paragraphs: Vec<String>,
    blocks: Vec<String>,
    colspan: usize,
    continues_merge: bool,
    has_table: bool,
}

#[derive(Default)]
struct TableState {
    rows: Vec<Vec<CellState>>,
}

impl TableState {
    /// Grid lines, or blocks of text for a layout table.
    fn render(self) -> Vec<String> {
        let layout = self.rows.iter().flatten().any(|c| c.has_table);
        if layout {
            return self
                .rows
                .into_iter()
                .flatten()
                .flat_map(|c| c.blocks)
                .collect();
        }
        let source: Vec<Vec<SpanCell>> = self
            .rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|c| SpanCell {
                        // A vMerge continuation repeats nothing: the merged label stands once.
                        text: if c.continues_merge {
                            String::new()
                        } else {
                            collapse_whitespace(&c.paragraphs.concat())
                        },
                        colspan: c.colspan.max(1),
                        rowspan: 1,
                    })
                    .collect()
            })
            .collect();
        Grid::from_rows(&source)
            .to_lines()
            .into_iter()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value.to_string())
}

/// The text of an entity or character reference (`&amp;`, `&#12288;`, `&#x3000;`).
fn resolve_reference(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"));
            let n = match code {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => name.strip_prefix('#')?.parse().ok()?,
            };
            char::from_u32(n)
        }
    }
}

fn render_document(xml: &[u8]) -> Result<String, DocxError> {
    let mut reader = Reader::from_reader(xml);
    let mut lines: Vec<String> = Vec::new();
    let mut tables: Vec<TableState> = Vec::new();
    let mut cells: Vec<CellState> = Vec::new();
    let mut paragraph = String::new();
    let mut in_text = false;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| DocxError::BadXml(e.to_string()))?;
        match event {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "w:t" => in_text = true,
                "w:tab" => paragraph.push(' '),
                // A line break outside tables ends a line; inside a cell it joins the label.
                "w:br" | "w:cr" if cells.is_empty() => lines.push(std::mem::take(&mut paragraph)),
                "w:tbl" => {
                    if let Some(cell) = cells.last_mut() {
                        cell.has_table = true;
                    }
                    tables.push(TableState::default());
                }
                "w:tr" => {
                    if let Some(t) = tables.last_mut() {
                        t.rows.push(Vec::new());
                    }
                }
                "w:tc" => cells.push(CellState {
                    colspan: 1,
                    ..CellState::default()
                }),
                "w:gridSpan" => {
                    if let (Some(c), Some(v)) = (cells.last_mut(), attr(&e, "w:val")) {
                        c.colspan = v.parse().unwrap_or(1);
                    }
                }
                "w:vMerge" => {
                    if let Some(c) = cells.last_mut() {
                        c.continues_merge = attr(&e, "w:val").is_none_or(|v| v == "continue");
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => paragraph.push_str(&t),
            Event::GeneralRef(r) if in_text => {
                if let Some(c) = resolve_reference(&r) {
                    paragraph.push(c);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" => {
                    let p = std::mem::take(&mut paragraph);
                    match cells.last_mut() {
                        Some(cell) => {
                            let line = collapse_whitespace(&p);
                            if !line.is_empty() {
                                cell.blocks.push(line.clone());
                            }
                            cell.paragraphs.push(line);
                        }
                        None => lines.push(p),
                    }
                }
                "w:tc" => {
                    if let (Some(cell), Some(table)) = (cells.pop(), tables.last_mut()) {
                        if let Some(row) = table.rows.last_mut() {
                            row.push(cell);
                        }
                    }
                }
                "w:tbl" => {
                    if let Some(table) = tables.pop() {
                        let rendered = table.render();
                        match cells.last_mut() {
                            Some(outer) => outer.blocks.extend(rendered),
                            None => lines.extend(rendered),
                        }
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let mut text: String = lines
        .iter()
        .map(|l| l.trim_end_matches(' '))
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tc(text: &str, extra: &str) -> String {
        format!("<w:tc><w:tcPr>{extra}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>")
    }

    #[test]
    fn merged_cells_become_a_grid() {
        let xml = format!(
            r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>标题</w:t></w:r></w:p><w:tbl>
            <w:tr>{}{}{}</w:tr><w:tr>{}{}{}</w:tr></w:tbl></w:body></w:document>"#,
            tc("（三）不予公开", r#"<w:vMerge w:val="restart"/>"#),
            tc("1.属于国家秘密", ""),
            tc("0", r#"<w:gridSpan w:val="2"/>"#),
            tc("", "<w:vMerge/>"),
            tc("2.其他法律行政法规禁止公开", ""),
            tc("1", ""),
        );
        let text = render_document(xml.as_bytes()).unwrap();
        assert_eq!(
            text,
            "标题\n（三）不予公开\t1.属于国家秘密\t0\t\n\t2.其他法律行政法规禁止公开\t1\t\n"
        );
    }

    #[test]
    fn tables_nested_in_a_layout_table_are_read() {
        let inner = format!(
            "<w:tbl><w:tr>{}{}</w:tr></w:tbl>",
            tc("规章", ""),
            tc("3", "")
        );
        let xml = format!(
            r#"<w:document xmlns:w="x"><w:body><w:tbl><w:tr><w:tc>
            <w:p><w:r><w:t>某某区2021年政府信息公开工作年度报告</w:t></w:r></w:p>{inner}
            <w:p><w:r><w:t>五、存在的主要问题</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#
        );
        let text = render_document(xml.as_bytes()).unwrap();
        assert_eq!(
            text,
            "某某区2021年政府信息公开工作年度报告\n规章\t3\n五、存在的主要问题\n"
        );
    }

    #[test]
    fn not_a_docx() {
        assert!(matches!(
            docx_to_text(b"PK\x03\x04garbage"),
            Err(DocxError::NotZip(_))
        ));
    }
}
