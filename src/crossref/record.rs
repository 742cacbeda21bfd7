//! The records the index keeps per report in its temporary files: a hand-written
//! little-endian format (a few hundred bytes a report, read back by offset), not a
//! serde format, because the index reads one field of millions of records at a time.

use super::names::PlaceKind;
use crate::model::{Diagnostic, Finding};
use crate::prose::{Signature, Sketch, SIGNATURE_LEN};

/// A cell value with its source line.
pub(super) type NumberAt = Option<(f64, i32)>;

/// The part of a summary the index keeps in its record file, read back for the checks.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ReportRecord {
    /// Which output part the report was written to (its shard; 0 for a run on one
    /// machine), and its place among that part's files in walk order: where its rows are.
    pub(super) part: u32,
    pub(super) ordinal: u32,
    /// The index of the input folder it was found under (with `source_path`, its place in
    /// the walk: shards' summaries merged by it are in the order one run reads them).
    pub(super) root: u32,
    pub(super) report_id: String,
    pub(super) source_path: String,
    pub(super) agency: String,
    /// [`super::agency_key`] of the agency.
    pub(super) key: String,
    pub(super) year: i32,
    /// Whether the report has the 2021 tables (the stock rows are compared only then).
    pub(super) y2021: bool,
    pub(super) carried_over: [NumberAt; 7],
    pub(super) carried_forward: [NumberAt; 7],
    /// 规章, 规范性文件: (本年制发, 本年废止, 现行有效).
    pub(super) stock: [[NumberAt; 3]; 2],
    /// A hash of every cell (category, breakdown, value), in a fixed order.
    pub(super) cells: u64,
    /// How many cells, and whether all are zero (small agencies report all-zero tables
    /// every year, which is no sign of copying).
    pub(super) cell_count: u32,
    pub(super) all_zero: bool,
    pub(super) places: Vec<(String, i32)>,
    /// The prose's signature, length and passages, to say what a near duplicate shares.
    pub(super) sketch: Sketch,
    /// The signature or 印发 date (ISO 8601), to tell a later re-publication.
    pub(super) issued_on: Option<String>,
    /// Whether the title says the report corrects an earlier one (更正, 修正, 修订).
    pub(super) correction: bool,
    /// The form the file was read as (`text`, `html`, `docx`, `pdf`).
    pub(super) format: String,
    /// Error diagnostics of the report (failed checks, rows not placed).
    pub(super) errors: u32,
    /// Every table cell: (category, breakdown) by their place in the vocabulary, and
    /// value; in source order. Versions of one report are compared cell by cell.
    pub(super) table: Vec<TableCell>,
    /// Rows whose digits split several ways: the row (category index) and each way's
    /// cells as (breakdown index, value).
    pub(super) splits: Vec<SplitRecord>,
}

/// A row whose digits split several ways, as the record keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SplitRecord {
    pub(super) category: u8,
    pub(super) candidates: Vec<Vec<(u8, f64)>>,
}

/// One table cell of a report: category and breakdown as their index in
/// [`crate::categories::Category::ALL`] and [`crate::categories::Breakdown::ALL`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TableCell {
    pub(super) category: u8,
    pub(super) breakdown: u8,
    pub(super) value: f64,
}

/// A table's values looked up by cell: its cells sorted by (category, breakdown), a cell
/// read twice keeping its last value, as a map collected from the table in order would.
/// Comparing versions looks up every cell of one report in another's table: a search in
/// a sorted slice, not a hash per cell.
pub(super) struct CellValues(Vec<((u8, u8), f64)>);

impl CellValues {
    /// The values of `table`.
    pub(super) fn of(table: &[TableCell]) -> CellValues {
        let mut values: Vec<((u8, u8), f64)> = table
            .iter()
            .map(|c| ((c.category, c.breakdown), c.value))
            .collect();
        // Stable: a cell read twice keeps its readings in table order, the last kept.
        values.sort_by_key(|v| v.0);
        values.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 = later.1;
            }
            same
        });
        CellValues(values)
    }

    /// The value of the cell at `category` and `breakdown` (indexes, as in [`TableCell`]).
    pub(super) fn get(&self, category: u8, breakdown: u8) -> Option<f64> {
        let at = self.0.binary_search_by_key(&(category, breakdown), |v| v.0);
        at.ok().map(|i| self.0[i].1)
    }
}

/// The numbers a record keeps with their lines: carried over and forward (7 each), and
/// the stock rows (2 × 3), as [`ReportRecord::cells`] gives them.
const NUMBERS_AT: usize = 7 + 7 + 2 * 3;

/// How a table cell's value is stored: most are small counts (two bytes), zeros take
/// none.
const ZERO: u8 = 0;
const SMALL: u8 = 1;
const ANY: u8 = 2;

impl ReportRecord {
    /// A finding about this report, as its diagnostic.
    pub(super) fn diagnostic(&self, f: Finding) -> Diagnostic {
        Diagnostic::of(&self.report_id, &self.source_path, f)
    }

    /// The report's file.
    pub(super) fn file(&self) -> super::ReportFile {
        super::ReportFile {
            path: self.source_path.clone(),
            report_id: self.report_id.clone(),
        }
    }

    /// Where the report's rows are.
    pub(super) fn rows_at(&self) -> super::RowsAt {
        super::RowsAt {
            part: self.part,
            ordinal: self.ordinal,
        }
    }

    /// How the report is named in messages about another one.
    pub(super) fn name(&self) -> String {
        format!("{} {} (report {})", self.agency, self.year, self.report_id)
    }

    pub(super) fn cells(&self) -> impl Iterator<Item = &NumberAt> {
        let stock = self.stock.iter().flatten();
        self.carried_over
            .iter()
            .chain(&self.carried_forward)
            .chain(stock)
    }

    /// Appends the record: texts with their length before them, numbers little-endian.
    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        let text = |out: &mut Vec<u8>, text: &str| {
            out.extend((text.len() as u32).to_le_bytes());
            out.extend(text.as_bytes());
        };
        for n in [self.part, self.ordinal, self.root] {
            out.extend(n.to_le_bytes());
        }
        for field in [&self.report_id, &self.source_path, &self.agency, &self.key] {
            text(out, field);
        }
        out.extend(self.year.to_le_bytes());
        out.push(u8::from(self.y2021));
        for cell in self.cells() {
            match cell {
                Some((value, line)) => {
                    out.push(1);
                    out.extend(value.to_le_bytes());
                    out.extend(line.to_le_bytes());
                }
                None => out.push(0),
            }
        }
        out.extend(self.cells.to_le_bytes());
        out.extend(self.cell_count.to_le_bytes());
        out.push(u8::from(self.all_zero));
        out.extend((self.places.len() as u32).to_le_bytes());
        for (name, line) in &self.places {
            text(out, name);
            out.extend(line.to_le_bytes());
        }
        let sketch = &self.sketch;
        out.push(u8::from(sketch.signature.is_some()));
        for h in sketch.signature.map_or([0; SIGNATURE_LEN], |s| s.0) {
            out.extend(h.to_le_bytes());
        }
        out.extend(sketch.chars.to_le_bytes());
        out.extend((sketch.passages.len() as u32).to_le_bytes());
        for passage in &sketch.passages {
            text(out, passage);
        }
        text(out, self.issued_on.as_deref().unwrap_or(""));
        out.push(u8::from(self.correction));
        text(out, &self.format);
        out.extend(self.errors.to_le_bytes());
        out.extend((self.table.len() as u32).to_le_bytes());
        for cell in &self.table {
            out.extend([cell.category, cell.breakdown]);
            let v = cell.value;
            if v.to_bits() == 0 {
                out.push(ZERO);
            } else if v.fract() == 0.0 && (1.0..=65535.0).contains(&v) {
                out.push(SMALL);
                out.extend((v as u16).to_le_bytes());
            } else {
                out.push(ANY);
                out.extend(v.to_le_bytes());
            }
        }
        out.extend((self.splits.len() as u32).to_le_bytes());
        for split in &self.splits {
            out.push(split.category);
            out.extend((split.candidates.len() as u32).to_le_bytes());
            for cells in &split.candidates {
                out.extend((cells.len() as u32).to_le_bytes());
                for (breakdown, value) in cells {
                    out.push(*breakdown);
                    out.extend(value.to_le_bytes());
                }
            }
        }
    }

    /// What the index's first pass over every record needs ([`Skimmed`]), read without
    /// decoding the rest: no text but the key is copied or checked, no cell kept. `None`
    /// where the record is cut short, runs on, or holds a wrong value tag; texts it skips
    /// are checked when the record is read whole ([`ReportRecord::decode`]).
    pub(super) fn skim(record: &[u8]) -> Option<Skimmed<'_>> {
        let mut r = RecordReader(record);
        r.take(3 * 4)?; // part, ordinal, root
        for _ in 0..3 {
            r.skip_text()?; // report_id, source_path, agency
        }
        let key = std::str::from_utf8(r.text_bytes()?).ok()?;
        let year = i32::from_le_bytes(r.array()?);
        r.byte()?; // y2021
        for _ in 0..NUMBERS_AT {
            if r.byte()? == 1 {
                r.take(8 + 4)?;
            }
        }
        r.take(8 + 4 + 1)?; // cells, cell_count, all_zero
        for _ in 0..r.count()? {
            r.skip_text()?;
            r.take(4)?; // a place's line
        }
        r.take(1 + 4 * SIGNATURE_LEN + 4)?; // signature, chars
        for _ in 0..r.count()? {
            r.skip_text()?; // passages
        }
        r.skip_text()?; // issued_on
        r.byte()?; // correction
        r.skip_text()?; // format
        r.take(4)?; // errors
        for _ in 0..r.count()? {
            r.take(2)?;
            match r.byte()? {
                ZERO => {}
                SMALL => _ = r.take(2)?,
                ANY => _ = r.take(8)?,
                _ => return None,
            }
        }
        let splits = r.count()?;
        for _ in 0..splits {
            r.byte()?; // category
            for _ in 0..r.count()? {
                let cells = r.count()? as usize;
                r.take(cells * (1 + 8))?;
            }
        }
        r.0.is_empty().then_some(Skimmed {
            key,
            year,
            has_splits: splits > 0,
        })
    }

    /// Reads [`ReportRecord::encode`]'s record; `None` if it is cut short or not one.
    pub(super) fn decode(record: &[u8]) -> Option<ReportRecord> {
        let mut r = RecordReader(record);
        let mut s = ReportRecord {
            part: u32::from_le_bytes(r.array()?),
            ordinal: u32::from_le_bytes(r.array()?),
            root: u32::from_le_bytes(r.array()?),
            report_id: r.text()?,
            source_path: r.text()?,
            agency: r.text()?,
            key: r.text()?,
            year: i32::from_le_bytes(r.array()?),
            y2021: r.byte()? == 1,
            carried_over: [None; 7],
            carried_forward: [None; 7],
            stock: [[None; 3]; 2],
            cells: 0,
            cell_count: 0,
            all_zero: false,
            places: Vec::new(),
            sketch: Sketch::default(),
            issued_on: None,
            correction: false,
            format: String::new(),
            errors: 0,
            table: Vec::new(),
            splits: Vec::new(),
        };
        let stock = s.stock.iter_mut().flatten();
        for cell in s
            .carried_over
            .iter_mut()
            .chain(&mut s.carried_forward)
            .chain(stock)
        {
            if r.byte()? == 1 {
                *cell = Some((
                    f64::from_le_bytes(r.array()?),
                    i32::from_le_bytes(r.array()?),
                ));
            }
        }
        s.cells = u64::from_le_bytes(r.array()?);
        s.cell_count = u32::from_le_bytes(r.array()?);
        s.all_zero = r.byte()? == 1;
        for _ in 0..r.count()? {
            s.places.push((r.text()?, i32::from_le_bytes(r.array()?)));
        }
        let signed = r.byte()? == 1;
        let mut hashes = [0u32; SIGNATURE_LEN];
        for h in &mut hashes {
            *h = u32::from_le_bytes(r.array()?);
        }
        s.sketch.signature = signed.then_some(Signature(hashes));
        s.sketch.chars = u32::from_le_bytes(r.array()?);
        for _ in 0..r.count()? {
            s.sketch.passages.push(r.text()?);
        }
        s.issued_on = Some(r.text()?).filter(|d| !d.is_empty());
        s.correction = r.byte()? == 1;
        s.format = r.text()?;
        s.errors = u32::from_le_bytes(r.array()?);
        for _ in 0..r.count()? {
            let [category, breakdown] = r.array()?;
            let value = match r.byte()? {
                ZERO => 0.0,
                SMALL => f64::from(u16::from_le_bytes(r.array()?)),
                ANY => f64::from_le_bytes(r.array()?),
                _ => return None,
            };
            s.table.push(TableCell {
                category,
                breakdown,
                value,
            });
        }
        for _ in 0..r.count()? {
            let category = r.byte()?;
            let mut candidates = Vec::new();
            for _ in 0..r.count()? {
                let mut cells = Vec::new();
                for _ in 0..r.count()? {
                    cells.push((r.byte()?, f64::from_le_bytes(r.array()?)));
                }
                candidates.push(cells);
            }
            s.splits.push(SplitRecord {
                category,
                candidates,
            });
        }
        r.0.is_empty().then_some(s)
    }
}

/// What [`ReportRecord::skim`] reads of a record.
pub(super) struct Skimmed<'a> {
    pub(super) key: &'a str,
    pub(super) year: i32,
    /// Whether rows of the report wait on the previous year's report to be split.
    pub(super) has_splits: bool,
}

/// The fields of a record, read in order.
pub(super) struct RecordReader<'a>(&'a [u8]);

impl<'a> RecordReader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.0.get(..n)?;
        self.0 = &self.0[n..];
        Some(head)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(super) fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    pub(super) fn text(&mut self) -> Option<String> {
        String::from_utf8(self.text_bytes()?.to_vec()).ok()
    }

    /// A text's bytes, not checked.
    fn text_bytes(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        self.take(len)
    }

    fn skip_text(&mut self) -> Option<()> {
        self.text_bytes().map(|_| ())
    }

    /// A count of the items that follow.
    fn count(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }
}

/// Bytes per report in the signature file: a signature or not, the agency key's hash,
/// the year, the signature (zeros for none).
pub(super) const SIGNED_RECORD: usize = 1 + 8 + 4 + 4 * SIGNATURE_LEN;

/// What the near-duplicate search reads of a report: fixed-size, so that report `i`'s
/// is at `i * SIGNED_RECORD`.
pub(super) struct SignatureRecord {
    pub(super) key: u64,
    pub(super) year: i32,
    pub(super) signature: Option<Signature>,
}

impl SignatureRecord {
    pub(super) fn encode(&self) -> [u8; SIGNED_RECORD] {
        let mut record = [0u8; SIGNED_RECORD];
        record[0] = u8::from(self.signature.is_some());
        record[1..9].copy_from_slice(&self.key.to_le_bytes());
        record[9..13].copy_from_slice(&self.year.to_le_bytes());
        let hashes = self.signature.map_or([0; SIGNATURE_LEN], |s| s.0);
        for (bytes, h) in record[13..].chunks_exact_mut(4).zip(hashes) {
            bytes.copy_from_slice(&h.to_le_bytes());
        }
        record
    }

    pub(super) fn decode(record: &[u8; SIGNED_RECORD]) -> SignatureRecord {
        let mut hashes = [0u32; SIGNATURE_LEN];
        for (h, bytes) in hashes.iter_mut().zip(record[13..].chunks_exact(4)) {
            *h = u32::from_le_bytes(bytes.try_into().expect("four bytes"));
        }
        SignatureRecord {
            key: u64::from_le_bytes(record[1..9].try_into().expect("eight bytes")),
            year: i32::from_le_bytes(record[9..13].try_into().expect("four bytes")),
            signature: (record[0] == 1).then_some(Signature(hashes)),
        }
    }
}

/// A report's agency key and year, as the index sorts them to find the same agency's
/// year before: by short key, year, key, then report (field order is sort order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct KeyEntry {
    pub(super) short: u64,
    pub(super) year: i32,
    pub(super) key: u64,
    pub(super) report: u32,
}

/// One name of a place agency with a report, sorted by name, then report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct PlaceEntry {
    pub(super) name: u64,
    pub(super) report: u32,
    pub(super) key: u64,
    pub(super) kind: PlaceKind,
}
