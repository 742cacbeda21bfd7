//! Parquet row groups encoded on a pool of threads, so that the one writer thread only
//! gathers rows in order and appends finished column chunks.
//!
//! A row group's rows are fixed by the order of the rows alone (every group but the last
//! holds exactly its table's row group size), and they reach the group's column writers
//! in the same chunks, in order, one task at a time, so the file is the same byte for
//! byte whatever the number of threads or the order the tasks finish in. The rows are
//! encoded as they come: only those not yet encoded are held as Arrow arrays.

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufWriter;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory,
};
use parquet::arrow::ArrowWriter;
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use crate::cpu::{Helpers, InOrder};

/// A Parquet file written before, whose row groups are copied or read again.
pub(super) struct OldFile {
    file: File,
    metadata: ArrowReaderMetadata,
}

impl OldFile {
    /// Opens the file at `path`.
    pub(super) fn open(path: &std::path::Path) -> Result<OldFile> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
        let metadata = ArrowReaderMetadata::load(&file, options)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(OldFile { file, metadata })
    }

    /// The rows of each row group.
    pub(super) fn group_rows(&self) -> Vec<u64> {
        self.metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows() as u64)
            .collect()
    }

    /// The rows of row group `g` as batches of `schema`, [`ENCODE_ROWS`] at a time: a
    /// whole group read at once would hold its strings decoded from their dictionaries,
    /// several times the memory of the group being written.
    pub(super) fn group_batches(
        &self,
        g: usize,
        schema: &SchemaRef,
    ) -> Result<impl Iterator<Item = Result<RecordBatch>>> {
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
            self.file.try_clone()?,
            self.metadata.clone(),
        )
        .with_row_groups(vec![g])
        .with_batch_size(ENCODE_ROWS)
        .build()?;
        let schema = schema.clone();
        Ok(reader.map(move |batch| {
            Ok(RecordBatch::try_new(
                schema.clone(),
                batch?.columns().to_vec(),
            )?)
        }))
    }
}

/// Rows given to the column writers at a time.
const ENCODE_ROWS: usize = 8192;
/// A batch of fewer rows than this is short: see [`ParquetFile::gather`].
const SHORT_ROWS: usize = 16;
/// Short batches joined into one at a time.
const SHORT_BATCHES: usize = 64;

/// Encodes `chunk` (the next rows of a row group) with the group's column `writers`.
fn write_chunk(
    writers: &mut [ArrowColumnWriter],
    schema: &SchemaRef,
    chunk: &[RecordBatch],
) -> Result<()> {
    // Many reports' rows at a time: the column writers' cost is per call.
    let chunk = arrow_select::concat::concat_batches(schema, chunk)?;
    let mut next_writer = writers.iter_mut();
    for (field, column) in schema.fields().iter().zip(chunk.columns()) {
        for leaf in compute_leaves(field, column)? {
            next_writer
                .next()
                .context("more Parquet leaf columns than column writers")?
                .write(&leaf)?;
        }
    }
    Ok(())
}

/// An encoded row group, or why it could not be.
type Encoded = Result<Vec<ArrowColumnChunk>>;

/// One row group encoded as its rows come, [`ENCODE_ROWS`] at a time, on the helpers:
/// only the rows not yet encoded are held as Arrow arrays, not the whole group (the
/// encoded pages are a small part of that). A group's chunks are encoded one after the
/// other, in order, so the file is the same whatever the threads; several groups' are
/// encoded at once when the rows come faster than one thread encodes them.
struct Lane {
    state: Mutex<LaneState>,
}

/// Rows given to a row group: a part of the chunk being given, to be encoded once the
/// chunk is whole.
struct Part {
    /// The rows, in order. Those from `join_from` on are short batches, joined into one
    /// by the helper before the chunk is whole: each holds an allocation per column, far
    /// more than its values, and joining them costs as much as freeing them, work the
    /// writer thread is spared.
    batches: Vec<RecordBatch>,
    join_from: usize,
    /// The chunk is whole with this part: encode it.
    ends_chunk: bool,
}

struct LaneState {
    /// The group's column writers and the chunk's parts so far (short batches joined);
    /// out while a task works with them.
    writers: Option<(Vec<ArrowColumnWriter>, Vec<RecordBatch>)>,
    /// Parts given and not yet taken, in order.
    queue: VecDeque<Part>,
    /// Whether a helper task is encoding this group's chunks (at most one is).
    busy: bool,
    /// Once the group is sealed (no more chunks), where its encoded columns go.
    sealed: Option<SyncSender<Encoded>>,
    /// The first error met, given when the group is sealed.
    failed: Option<anyhow::Error>,
}

impl Lane {
    fn new(writers: Vec<ArrowColumnWriter>) -> Arc<Lane> {
        Arc::new(Lane {
            state: Mutex::new(LaneState {
                writers: Some((writers, Vec::new())),
                queue: VecDeque::new(),
                busy: false,
                sealed: None,
                failed: None,
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LaneState> {
        // Encoding runs outside the lock and catches its panics: a poisoned lock
        // holds a consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the group its next rows (`part`), and seals it if `sealed` (where its
    /// columns go once encoded) is given; sets a helper to work if none is.
    fn give(
        self: &Arc<Self>,
        part: Part,
        sealed: Option<SyncSender<Encoded>>,
        schema: &SchemaRef,
        helpers: &Helpers,
    ) {
        let mut state = self.state();
        state.queue.push_back(part);
        if sealed.is_some() {
            state.sealed = sealed;
        }
        if !state.busy {
            state.busy = true;
            let (lane, schema) = (Arc::clone(self), schema.clone());
            helpers.spawn(move || lane.encode(&schema));
        }
    }

    /// Takes the parts given until there are none, encoding each chunk once it is whole;
    /// closes the columns if the group is sealed.
    fn encode(&self, schema: &SchemaRef) {
        loop {
            let (part, mut writers) = {
                let mut state = self.state();
                let Some(part) = state.queue.pop_front() else {
                    state.busy = false;
                    if let Some(done) = state.sealed.take() {
                        let result = match (state.failed.take(), state.writers.take()) {
                            (Some(error), _) => Err(error),
                            (None, Some((writers, _))) => catch_unwind(AssertUnwindSafe(|| {
                                writers
                                    .into_iter()
                                    .map(|w| w.close().map_err(anyhow::Error::from))
                                    .collect()
                            }))
                            .unwrap_or_else(|_| Err(encoding_panicked())),
                            (None, None) => Err(encoding_panicked()),
                        };
                        // The writer may have stopped on an error elsewhere: nobody waits.
                        let _ = done.send(result);
                    }
                    return;
                };
                (part, state.writers.take())
            };
            let outcome = match writers.as_mut() {
                Some((writers, chunk)) => {
                    catch_unwind(AssertUnwindSafe(|| take_part(writers, chunk, schema, part)))
                        .unwrap_or_else(|_| Err(encoding_panicked()))
                }
                None => Ok(()), // An earlier chunk failed; its error is kept.
            };
            let mut state = self.state();
            if let Err(error) = outcome {
                state.failed.get_or_insert(error);
                writers = None;
            }
            state.writers = writers;
        }
    }
}

/// Adds `part` to the `chunk` being given (its short batches joined), and encodes the
/// chunk with the group's column `writers` if it is whole.
fn take_part(
    writers: &mut [ArrowColumnWriter],
    chunk: &mut Vec<RecordBatch>,
    schema: &SchemaRef,
    part: Part,
) -> Result<()> {
    let Part {
        mut batches,
        join_from,
        ends_chunk,
    } = part;
    let short = batches.split_off(join_from.min(batches.len()));
    chunk.append(&mut batches);
    if short.len() > 1 {
        chunk.push(arrow_select::concat::concat_batches(schema, &short)?);
    } else {
        chunk.extend(short);
    }
    if ends_chunk && !chunk.is_empty() {
        write_chunk(writers, schema, chunk)?;
        chunk.clear();
    }
    Ok(())
}

fn encoding_panicked() -> anyhow::Error {
    anyhow::anyhow!("gongkai failed while encoding a Parquet row group; please report it")
}

/// A Parquet file written from rows in order: rows gather into row groups of
/// `group_rows`, encoded on helper threads as they come (a [`Lane`] a group), and
/// appended in order.
pub(super) struct ParquetFile {
    file: SerializedFileWriter<BufWriter<File>>,
    factory: Arc<ArrowRowGroupWriterFactory>,
    schema: SchemaRef,
    group_rows: usize,
    /// Rows of the open row group so far.
    gathered_rows: usize,
    /// The open row group's next rows, as they came (short batches joined), until they
    /// are [`ENCODE_ROWS`] or the group ends.
    gathering: Vec<RecordBatch>,
    gathering_rows: usize,
    /// Rows given to the open row group at a time ([`ENCODE_ROWS`]; fewer in tests).
    chunk_rows: usize,
    /// How many of the last batches of `gathering` are short ones not yet joined.
    short: usize,
    /// The open row group, once rows were given to it.
    lane: Option<Arc<Lane>>,
    /// Row groups sealed and not yet appended.
    encoding: InOrder<Encoded>,
    /// Row groups begun so far (sealed or copied).
    groups: usize,
    helpers: Helpers,
}

impl ParquetFile {
    /// A file written into `file`, with the schema and writer properties given.
    pub(super) fn new(
        file: BufWriter<File>,
        schema: SchemaRef,
        props: WriterProperties,
        group_rows: usize,
        helpers: Helpers,
    ) -> Result<ParquetFile> {
        // The Arrow writer makes the file's Parquet schema and stamps the Arrow schema
        // into its metadata, as readers expect; its parts then encode groups apart.
        let (file, factory) =
            ArrowWriter::try_new(file, schema.clone(), Some(props))?.into_serialized_writer()?;
        Ok(ParquetFile {
            file,
            factory: Arc::new(factory),
            schema,
            group_rows: group_rows.max(1),
            gathered_rows: 0,
            gathering: Vec::new(),
            gathering_rows: 0,
            chunk_rows: ENCODE_ROWS,
            short: 0,
            lane: None,
            encoding: InOrder::default(),
            groups: 0,
            helpers,
        })
    }

    /// Appends rows (the next ones of the file).
    pub(super) fn push(&mut self, batch: RecordBatch) -> Result<()> {
        let mut rest = Some(batch);
        while let Some(batch) = rest.take() {
            let (rows, room) = (batch.num_rows(), self.group_rows - self.gathered_rows);
            let head = if rows > room {
                rest = Some(batch.slice(room, rows - room));
                batch.slice(0, room)
            } else {
                batch
            };
            self.gathered_rows += head.num_rows();
            self.gather(head)?;
            if self.gathered_rows == self.group_rows {
                self.seal()?;
            } else if self.gathering_rows >= self.chunk_rows {
                self.give(None)?;
            }
        }
        Ok(())
    }

    /// Keeps rows for the next chunk. A batch of a few rows (a report's one row of
    /// `reports`) holds an allocation per column, far more than its values: every
    /// [`SHORT_BATCHES`] of them go to the row group as they come, for a helper to join
    /// them into one ([`Part`]).
    fn gather(&mut self, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.gathering_rows += batch.num_rows();
        if batch.num_rows() >= SHORT_ROWS {
            self.short = 0;
            self.gathering.push(batch);
            return Ok(());
        }
        self.gathering.push(batch);
        self.short += 1;
        if self.short == SHORT_BATCHES {
            let part = Part {
                join_from: self.gathering.len() - SHORT_BATCHES,
                batches: std::mem::take(&mut self.gathering),
                ends_chunk: false,
            };
            self.hand(part, None)?;
            self.short = 0;
        }
        Ok(())
    }

    /// Hands `part` to the open row group, opened if need be, and seals the group if
    /// `sealed` (where its encoded columns go) is given.
    fn hand(&mut self, part: Part, sealed: Option<SyncSender<Encoded>>) -> Result<()> {
        let lane = match &self.lane {
            Some(lane) => lane,
            None => {
                let writers = self.factory.create_column_writers(self.groups)?;
                self.lane.insert(Lane::new(writers))
            }
        };
        lane.give(part, sealed, &self.schema, &self.helpers);
        Ok(())
    }

    /// Gives the rows gathered to the open row group as the end of a chunk, and seals
    /// the group if `sealed` (where its encoded columns go) is given.
    fn give(&mut self, sealed: Option<SyncSender<Encoded>>) -> Result<()> {
        let part = Part {
            join_from: self.gathering.len(),
            batches: std::mem::take(&mut self.gathering),
            ends_chunk: true,
        };
        self.hand(part, sealed)?;
        self.gathering_rows = 0;
        self.short = 0;
        Ok(())
    }

    /// Ends the open row group: its last rows go to the helpers, and what is encoded
    /// is appended, waiting only when too many groups are in flight.
    pub(super) fn seal(&mut self) -> Result<()> {
        if self.gathered_rows == 0 {
            return Ok(());
        }
        let sealed = self.encoding.expect();
        self.give(Some(sealed))?;
        self.lane = None;
        self.gathered_rows = 0;
        self.groups += 1;
        // One group per thread in flight keeps them busy when rows come faster than
        // one thread encodes them; each holds its rows not yet encoded.
        self.append_encoded(self.helpers.threads())
    }

    /// Appends the oldest encoded row groups in order: those that are done, and then,
    /// waiting for them, as many as leave at most `keep` in flight.
    fn append_encoded(&mut self, keep: usize) -> Result<()> {
        while let Some(encoded) = self.encoding.next(keep) {
            let mut group = self.file.next_row_group()?;
            for chunk in encoded?? {
                chunk.append_to_row_group(&mut group)?;
            }
            group.close()?;
        }
        Ok(())
    }

    /// Appends row group `g` of `old` as it is, after the rows gathered so far: its
    /// column chunks (and page indexes) are copied byte for byte, not encoded again.
    pub(super) fn copy_group(&mut self, old: &OldFile, g: usize) -> Result<()> {
        self.seal()?;
        self.append_encoded(0)?;
        let metadata = old.metadata.metadata();
        let rows = metadata.row_group(g);
        let page_index = metadata.page_index();
        let mut group = self.file.next_row_group()?;
        for (c, column) in rows.columns().iter().enumerate() {
            group.append_column(
                &old.file,
                ColumnCloseResult {
                    bytes_written: column.compressed_size() as u64,
                    rows_written: rows.num_rows() as u64,
                    metadata: column.clone(),
                    bloom_filter: None,
                    column_index: page_index.and_then(|p| p.column_index(g, c)).cloned(),
                    offset_index: page_index.and_then(|p| p.offset_index(g, c)).cloned(),
                },
            )?;
        }
        group.close()?;
        self.groups += 1;
        Ok(())
    }

    /// Encodes the last rows, appends every group and the footer; returns the file.
    pub(super) fn finish(mut self) -> Result<BufWriter<File>> {
        self.seal()?;
        self.append_encoded(0)?;
        Ok(self.file.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int32Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    /// Batches of 0 to 40 rows (many short ones, some crossing a row group's end), then
    /// a long run of batches of one or two rows (joined [`SHORT_BATCHES`] at a time).
    fn batches(schema: &SchemaRef) -> Vec<RecordBatch> {
        let mut next = 0i32;
        (0..500usize)
            .map(|i| {
                let rows = match i {
                    300.. => 1 + i % 2,
                    _ if i % 7 == 0 => 40,
                    _ => i % 3,
                };
                let values: Vec<i32> = (next..next + rows as i32).collect();
                next += rows as i32;
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int32Array::from(values.clone())),
                        Arc::new(StringArray::from_iter_values(
                            values.iter().map(|v| format!("行{v}")),
                        )),
                    ],
                )
                .unwrap()
            })
            .collect()
    }

    fn written(
        threads: usize,
        schema: &SchemaRef,
        group_rows: usize,
        chunk_rows: usize,
    ) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut file = ParquetFile::new(
            BufWriter::new(File::create(&path).unwrap()),
            schema.clone(),
            WriterProperties::builder().build(),
            group_rows,
            Helpers::new(threads).unwrap(),
        )
        .unwrap();
        file.chunk_rows = chunk_rows;
        for batch in batches(schema) {
            file.push(batch).unwrap();
        }
        drop(file.finish().unwrap());
        std::fs::read(&path).unwrap()
    }

    /// A file's row group sizes, and its rows with their labels checked.
    fn read_back(bytes: &[u8]) -> (Vec<i64>, Vec<i32>) {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, bytes).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let groups = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        let mut read = Vec::new();
        for batch in reader.build().unwrap() {
            let batch = batch.unwrap();
            let n = batch
                .column(0)
                .as_any()
                .downcast_ref::<Int32Array>()
                .unwrap();
            let label = batch
                .column(1)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap();
            for i in 0..batch.num_rows() {
                assert_eq!(label.value(i), format!("行{}", n.value(i)));
                read.push(n.value(i));
            }
        }
        (groups, read)
    }

    #[test]
    fn row_groups_encoded_on_any_number_of_threads_give_the_same_file_and_rows() {
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int32, false),
            Field::new("label", DataType::Utf8, false),
        ]));
        let expected: Vec<i32> =
            (0..batches(&schema).iter().map(|b| b.num_rows()).sum::<usize>() as i32).collect();
        let rows = expected.len() as i64;
        // Each group given to its helper whole (chunks larger than a group), as its rows
        // come, a few at a time, and in groups large enough that short batches are
        // joined before their chunk is whole.
        for (group_rows, chunk_rows) in [(97, ENCODE_ROWS), (97, 5), (1000, ENCODE_ROWS)] {
            let one = written(1, &schema, group_rows, chunk_rows);
            for threads in [3, 4] {
                assert_eq!(
                    one,
                    written(threads, &schema, group_rows, chunk_rows),
                    "1 and {threads} threads, groups of {group_rows}, chunks of {chunk_rows}"
                );
            }
            let (groups, read) = read_back(&one);
            let full = group_rows as i64;
            assert_eq!(groups.len() as i64, (rows + full - 1) / full);
            assert!(groups[..groups.len() - 1].iter().all(|&g| g == full));
            assert_eq!(groups.iter().sum::<i64>(), rows);
            assert_eq!(read, expected);
        }
    }
}
