//! An output written again with a few reports' rows replaced (the checks across reports
//! marked versions or split rows once every report was written): the rows of the other
//! reports are copied, not made again. A Parquet row group that holds no replaced
//! report is copied byte for byte; one that does is read back, its replaced reports'
//! rows swapped, and encoded again. A CSV file is copied but for the replaced reports'
//! lines.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use super::encode::{OldFile, ParquetFile};
use super::{header, Prepared, UTF8_BOM};
use crate::spill::RecordBlocks;

/// Where one report's rows went in an output: the year (its partition) and, for each
/// table (`reports`, `facts`, `diagnostics`), how many rows and CSV bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Placed {
    pub(super) year: Option<i32>,
    pub(super) rows: [u32; 3],
    pub(super) bytes: [u32; 3],
}

/// The size of a [`Placed`] on disk: a flag and the year, then the six counts.
const PLACED_BYTES: usize = 1 + 4 + 6 * 4;

impl Placed {
    /// Where `report`'s rows go.
    pub(super) fn of(report: &Prepared) -> Placed {
        let rows = match &report.batches {
            Some(batches) => batches.each_ref().map(|b| b.num_rows() as u32),
            None => [0; 3],
        };
        let csv = &report.csv;
        Placed {
            year: report.year,
            rows,
            bytes: [&csv.report, &csv.facts, &csv.diagnostics].map(|b| b.len() as u32),
        }
    }

    fn encoded(&self) -> [u8; PLACED_BYTES] {
        let mut out = [0u8; PLACED_BYTES];
        out[0] = u8::from(self.year.is_some());
        out[1..5].copy_from_slice(&self.year.unwrap_or(0).to_le_bytes());
        for (i, n) in self.rows.iter().chain(&self.bytes).enumerate() {
            out[5 + 4 * i..9 + 4 * i].copy_from_slice(&n.to_le_bytes());
        }
        out
    }

    fn decoded(bytes: &[u8]) -> Placed {
        let n = |i: usize| u32::from_le_bytes(bytes[5 + 4 * i..9 + 4 * i].try_into().unwrap());
        let year = i32::from_le_bytes(bytes[1..5].try_into().unwrap());
        Placed {
            year: (bytes[0] == 1).then_some(year),
            rows: [n(0), n(1), n(2)],
            bytes: [n(3), n(4), n(5)],
        }
    }
}

/// Where every report's rows went in an output, in the order they were written: what
/// [`super::OutputWriter::patch`] needs to copy all but the replaced ones. Kept in an
/// unnamed temporary file beside the output (29 bytes a report), not in memory: a run's
/// memory does not grow with its corpus.
#[derive(Debug)]
pub struct Written {
    file: BufWriter<File>,
    reports: u32,
}

impl Written {
    /// An empty record, its file in `dir` (gone when it is dropped).
    pub(super) fn create_in(dir: &Path) -> Result<Written> {
        let file = tempfile::tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        Ok(Written {
            file: BufWriter::with_capacity(1 << 16, file),
            reports: 0,
        })
    }

    /// How many reports were written.
    pub fn reports(&self) -> usize {
        self.reports as usize
    }

    /// Records where the next report's rows went.
    pub(super) fn push(&mut self, placed: &Placed) -> Result<()> {
        self.file
            .write_all(&placed.encoded())
            .context("cannot write the record of where reports' rows went")?;
        self.reports += 1;
        Ok(())
    }

    /// Calls `each` with every report's place in the order written and where its rows
    /// went, reading the record from its start (it can be read any number of times).
    pub(super) fn for_each(
        &mut self,
        mut each: impl FnMut(u32, Placed) -> Result<()>,
    ) -> Result<()> {
        self.file
            .flush()
            .context("cannot write the record of where reports' rows went")?;
        let file = self.file.get_ref();
        let mut blocks = RecordBlocks::new(file, self.reports as usize, PLACED_BYTES);
        while let Some((first, bytes)) = blocks
            .next_block()
            .context("cannot read the record of where reports' rows went")?
        {
            for (ordinal, record) in (first..).zip(bytes.chunks_exact(PLACED_BYTES)) {
                each(ordinal, Placed::decoded(record))?;
            }
        }
        Ok(())
    }
}

/// One report's rows in one table file: how many there were, and those that replace
/// them (its rows as Arrow and as CSV lines), if they are replaced.
pub(super) struct Segment<'a> {
    pub(super) rows: u64,
    pub(super) bytes: u64,
    pub(super) new: Option<(Option<&'a RecordBatch>, &'a [u8])>,
}

/// A replaced report's old rows in one table file (from its first row and CSV byte, the
/// header's not counted), and the rows that replace them.
pub(super) struct Replaced<'a> {
    row: u64,
    rows: u64,
    byte: u64,
    bytes: u64,
    batch: Option<&'a RecordBatch>,
    lines: &'a [u8],
}

impl Replaced<'_> {
    /// The old file's row after the report's last.
    fn end(&self) -> u64 {
        self.row + self.rows
    }
}

/// What a patch of one table file needs: the replaced reports, in order, and how many
/// rows and CSV bytes every report's together came to. As large as the replaced
/// reports, whatever the number of the others.
#[derive(Default)]
pub(super) struct Replacements<'a> {
    replaced: Vec<Replaced<'a>>,
    rows: u64,
    bytes: u64,
}

impl<'a> Replacements<'a> {
    /// Adds the next report's segment.
    pub(super) fn add(&mut self, segment: Segment<'a>) {
        if let Some((batch, lines)) = segment.new {
            self.replaced.push(Replaced {
                row: self.rows,
                rows: segment.rows,
                byte: self.bytes,
                bytes: segment.bytes,
                batch,
                lines,
            });
        }
        self.rows += segment.rows;
        self.bytes += segment.bytes;
    }

    #[cfg(test)]
    fn of(segments: impl IntoIterator<Item = Segment<'a>>) -> Replacements<'a> {
        let mut all = Replacements::default();
        segments.into_iter().for_each(|s| all.add(s));
        all
    }
}

/// Writes the rows of every report into `to`: the old file's row groups that hold no
/// replaced report are copied; each one that does becomes one group of its rows with the
/// replacements, encoded again. A report's new rows go where its old rows began.
pub(super) fn patch_parquet(
    to: &mut ParquetFile,
    old: &Path,
    schema: &SchemaRef,
    all: &Replacements<'_>,
) -> Result<()> {
    let (replaced, at) = (&all.replaced, all.rows);
    let old = OldFile::open(old)?;
    let mut next = 0; // The first replaced report not yet passed.
    let mut start = 0u64;
    for (g, rows) in old.group_rows().into_iter().enumerate() {
        let end = start + rows;
        let touched = replaced[next..]
            .iter()
            .take_while(|r| r.row < end)
            .any(|r| r.end() > start || r.row >= start);
        if !touched {
            to.copy_group(&old, g)?;
            start = end;
            continue;
        }
        let mut rows_of = GroupRows {
            batches: old.group_batches(g, schema)?,
            current: None,
        };
        let mut pos = start;
        while let Some(r) = replaced.get(next) {
            let (first, last) = (r.row, r.end());
            if first >= end {
                break;
            }
            if first > pos {
                rows_of.take(first - pos, |rows| to.push(rows))?;
                pos = first;
            }
            if first >= start {
                if let Some(batch) = r.batch {
                    to.push(batch.clone())?;
                }
            }
            let past = pos.max(last.min(end));
            rows_of.take(past - pos, |_| Ok(()))?;
            pos = past;
            if last > end {
                break; // Its old rows go on in the next group.
            }
            next += 1;
        }
        if pos < end {
            rows_of.take(end - pos, |rows| to.push(rows))?;
        }
        to.seal()?;
        start = end;
    }
    anyhow::ensure!(
        start == at,
        "the output's Parquet file has {start} rows where {at} were written"
    );
    // Reports that had no rows, at the very end.
    for batch in replaced[next..].iter().filter_map(|r| r.batch) {
        to.push(batch.clone())?;
    }
    to.seal()
}

/// An old row group's rows, read a batch at a time and given on in order.
struct GroupRows<I> {
    batches: I,
    /// The rest of the batch read last.
    current: Option<RecordBatch>,
}

impl<I: Iterator<Item = Result<RecordBatch>>> GroupRows<I> {
    /// Gives the next `rows` rows to `each`, in slices of the batches read.
    fn take(
        &mut self,
        mut rows: u64,
        mut each: impl FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        while rows > 0 {
            let batch = match self.current.take() {
                Some(batch) => batch,
                None => self
                    .batches
                    .next()
                    .context("a row group of the output holds fewer rows than its footer says")??,
            };
            let n = batch.num_rows().min(rows as usize);
            if n < batch.num_rows() {
                self.current = Some(batch.slice(n, batch.num_rows() - n));
            }
            each(batch.slice(0, n))?;
            rows -= n as u64;
        }
        Ok(())
    }
}

/// Writes the CSV lines of every report into `to` (already holding the byte order mark
/// and the header): copied from the old file but for the replaced reports'.
pub(super) fn patch_csv(
    to: &mut impl Write,
    old: &Path,
    schema: &SchemaRef,
    all: &Replacements<'_>,
) -> Result<()> {
    let cannot = || format!("cannot copy {}", old.display());
    let mut from = BufReader::with_capacity(1 << 20, File::open(old).with_context(cannot)?);
    let head = (UTF8_BOM.len() + header(schema).len()) as u64;
    std::io::copy(&mut (&mut from).take(head), &mut std::io::sink()).with_context(cannot)?;
    let mut at = 0u64; // The old file's bytes passed, the header's not counted.
    for replaced in &all.replaced {
        let copy = replaced.byte - at;
        let copied = std::io::copy(&mut (&mut from).take(copy), to).with_context(cannot)?;
        let skipped = std::io::copy(&mut (&mut from).take(replaced.bytes), &mut std::io::sink())
            .with_context(cannot)?;
        anyhow::ensure!(
            copied == copy && skipped == replaced.bytes,
            "{} does not hold the lines that were written",
            old.display()
        );
        to.write_all(replaced.lines).with_context(cannot)?;
        at = replaced.byte + replaced.bytes;
    }
    let copy = all.bytes - at;
    let copied = std::io::copy(&mut (&mut from).take(copy), to).with_context(cannot)?;
    anyhow::ensure!(
        copied == copy && from.read(&mut [0u8; 1])? == 0,
        "{} does not hold the lines that were written",
        old.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::Helpers;
    use arrow_array::{Array, Int32Array};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::file::properties::WriterProperties;
    use std::io::BufWriter;
    use std::sync::Arc;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, false)]))
    }

    fn batch(values: &[i32]) -> RecordBatch {
        RecordBatch::try_new(schema(), vec![Arc::new(Int32Array::from(values.to_vec()))]).unwrap()
    }

    fn parquet_file(path: &Path) -> ParquetFile {
        let file = BufWriter::new(File::create(path).unwrap());
        let props = WriterProperties::builder().build();
        ParquetFile::new(file, schema(), props, 7, Helpers::new(2).unwrap()).unwrap()
    }

    /// The values and the row group sizes of a file.
    fn read(path: &Path) -> (Vec<i32>, Vec<i64>) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
        let groups = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        let mut values = Vec::new();
        for b in reader.build().unwrap() {
            let b = b.unwrap();
            let n = b.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
            values.extend((0..n.len()).map(|i| n.value(i)));
        }
        (values, groups)
    }

    #[test]
    fn replaced_reports_rows_take_the_place_of_theirs_and_untouched_groups_are_copied() {
        // Reports of 0 to 9 rows (report r's rows are r*100 + i), in groups of 7.
        let sizes = [3u32, 0, 9, 2, 4, 0, 5, 7, 1, 6, 0];
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.parquet");
        let mut file = parquet_file(&old);
        let rows_of = |r: usize, n: u32, base: i32| -> Vec<i32> {
            (0..n as i32).map(|i| base + r as i32 * 100 + i).collect()
        };
        for (r, &n) in sizes.iter().enumerate() {
            file.push(batch(&rows_of(r, n, 0))).unwrap();
        }
        drop(file.finish().unwrap());
        let (_, old_groups) = read(&old);
        assert_eq!(old_groups, vec![7, 7, 7, 7, 7, 2]);
        // Replaced: one that straddles groups (2), one with no rows given some (5), one
        // made empty (7), and the last, empty, given rows at the very end (10).
        let new: Vec<(usize, Vec<i32>)> = vec![
            (2, rows_of(2, 4, 10_000)),
            (5, rows_of(5, 2, 10_000)),
            (7, vec![]),
            (10, rows_of(10, 3, 10_000)),
        ];
        let batches: Vec<(usize, RecordBatch)> = new.iter().map(|(r, v)| (*r, batch(v))).collect();
        let segments: Vec<Segment<'_>> = sizes
            .iter()
            .enumerate()
            .map(|(r, &n)| Segment {
                rows: u64::from(n),
                bytes: 0,
                new: batches
                    .iter()
                    .find(|(at, _)| *at == r)
                    .map(|(_, b)| (Some(b), &[][..])),
            })
            .collect();
        let patched = dir.path().join("new.parquet");
        let mut file = parquet_file(&patched);
        patch_parquet(&mut file, &old, &schema(), &Replacements::of(segments)).unwrap();
        drop(file.finish().unwrap());
        let expected: Vec<i32> = sizes
            .iter()
            .enumerate()
            .flat_map(|(r, &n)| match new.iter().find(|(at, _)| *at == r) {
                Some((_, v)) => v.clone(),
                None => rows_of(r, n, 0),
            })
            .collect();
        let (values, groups) = read(&patched);
        assert_eq!(values, expected);
        // Groups 0 (rows 0-6: reports 0 and 2's start), 1 and 2 (report 2's rest, 3, 4
        // and 5's place), 3 (6, 7) are made again; 4 (7's end, 8, 9's start) too, as
        // report 7's rows end there; 5 is copied; report 10's rows close the file.
        assert_eq!(groups.iter().sum::<i64>() as usize, expected.len());
        assert_eq!(groups.last(), Some(&3), "{groups:?}");
        // A patch that replaces nothing copies every group as it was: its pages byte for
        // byte (the footer keeps their statistics, not every legacy field of them).
        let untouched: Vec<Segment<'_>> = sizes
            .iter()
            .map(|&n| Segment {
                rows: u64::from(n),
                bytes: 0,
                new: None,
            })
            .collect();
        let copied = dir.path().join("copied.parquet");
        let mut file = parquet_file(&copied);
        patch_parquet(&mut file, &old, &schema(), &Replacements::of(untouched)).unwrap();
        drop(file.finish().unwrap());
        assert_eq!(read(&copied), read(&old));
        let pages = |path: &Path| {
            let bytes = std::fs::read(path).unwrap();
            let footer = u32::from_le_bytes(bytes[bytes.len() - 8..][..4].try_into().unwrap());
            bytes[..bytes.len() - 8 - footer as usize].to_vec()
        };
        assert_eq!(pages(&copied), pages(&old));
    }

    #[test]
    fn where_rows_went_reads_back_from_its_file_as_often_as_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut written = Written::create_in(dir.path()).unwrap();
        // More than one read's chunk, a report of no year, counts at their limits.
        let placed: Vec<Placed> = (0..5000u32)
            .map(|i| Placed {
                year: (i % 3 != 0).then_some(2000 + (i % 25) as i32 - 3000 * (i % 2) as i32),
                rows: [i, i * 7, u32::MAX - i],
                bytes: [i * 3, 0, u32::MAX],
            })
            .collect();
        for p in &placed {
            written.push(p).unwrap();
        }
        assert_eq!(written.reports(), placed.len());
        // Nothing in the folder: the file has no name.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        for _ in 0..2 {
            let mut read = Vec::new();
            written
                .for_each(|ordinal, p| {
                    assert_eq!(ordinal as usize, read.len());
                    read.push(p);
                    Ok(())
                })
                .unwrap();
            assert_eq!(read, placed);
        }
        // A report pushed after a read is read too.
        written.push(&placed[1]).unwrap();
        let mut count = 0;
        written
            .for_each(|_, _| {
                count += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(count, placed.len() + 1);
    }

    #[test]
    fn csv_lines_are_copied_but_for_the_replaced_reports() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.csv");
        let mut text = UTF8_BOM.to_vec();
        text.extend(header(&schema()));
        for line in ["1\n2\n", "3\n", "", "4\n5\n6\n"] {
            text.extend(line.as_bytes());
        }
        std::fs::write(&old, &text).unwrap();
        let lines = |s: &'static str| Segment {
            rows: s.lines().count() as u64,
            bytes: s.len() as u64,
            new: None,
        };
        let segments = || {
            let mut segments = vec![lines("1\n2\n"), lines("3\n"), lines(""), lines("4\n5\n6\n")];
            segments[1].new = Some((None, &b"30\n31\n"[..]));
            segments[2].new = Some((None, &b"40\n"[..]));
            segments
        };
        let mut to = Vec::new();
        patch_csv(&mut to, &old, &schema(), &Replacements::of(segments())).unwrap();
        assert_eq!(
            String::from_utf8(to).unwrap(),
            "1\n2\n30\n31\n40\n4\n5\n6\n"
        );
        // A file that does not hold what was written is an error, not a patched file.
        let mut longer = segments();
        longer[3].bytes += 1;
        let longer = Replacements::of(longer);
        assert!(patch_csv(&mut Vec::new(), &old, &schema(), &longer).is_err());
        let mut shorter = segments();
        shorter[0].bytes -= 1;
        let shorter = Replacements::of(shorter);
        assert!(patch_csv(&mut Vec::new(), &old, &schema(), &shorter).is_err());
    }
}
