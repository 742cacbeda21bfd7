//! spill: fixed-size records in temporary files, read back by position, a block at a time.
//!
//! What a run keeps per report until its end (where each report's rows went, the
//! signatures the near-duplicate search compares) goes to an unnamed temporary file
//! instead of memory. These files are read back here: a record by its index, or all of
//! them in order, at their own offsets, so that several threads can read one file at
//! once.

use std::fs::File;
use std::io;

/// Bytes read at a time when every record is read in order.
const BLOCK_BYTES: usize = 1 << 16;

/// Reads `buf.len()` bytes at `offset`, leaving the file's position alone: threads read
/// one file at once.
#[cfg(unix)]
pub fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Reads `buf.len()` bytes at `offset`, each read at its own offset: threads read one
/// file at once.
#[cfg(windows)]
pub fn read_at(file: &File, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// The first `count` records of `size` bytes in a file, read in order from its start a
/// block of whole records at a time ([`RecordBlocks::next_block`]).
pub struct RecordBlocks<'f> {
    file: &'f File,
    count: usize,
    size: usize,
    /// The index of the next record to read.
    next: usize,
    block: Vec<u8>,
}

impl<'f> RecordBlocks<'f> {
    /// The records of `file`, none read yet (`size` is not 0).
    pub fn new(file: &'f File, count: usize, size: usize) -> RecordBlocks<'f> {
        assert!(size > 0, "records of no bytes are never read");
        let per_block = (BLOCK_BYTES / size).max(1);
        RecordBlocks {
            file,
            count,
            size,
            next: 0,
            block: vec![0u8; per_block * size],
        }
    }

    /// The index of the next block's first record and the block's bytes (whole
    /// records), or `None` once all `count` are read. A file shorter than `count`
    /// records is an error.
    pub fn next_block(&mut self) -> io::Result<Option<(u32, &[u8])>> {
        if self.next >= self.count {
            return Ok(None);
        }
        let first = self.next;
        let records = (self.count - first).min(self.block.len() / self.size);
        let bytes = &mut self.block[..records * self.size];
        read_at(self.file, (first * self.size) as u64, bytes)?;
        self.next += records;
        Ok(Some((first as u32, bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn records_are_read_in_order_a_block_at_a_time_and_a_short_file_is_an_error() {
        // Records of 7 bytes, more than a block holds, the last block not full.
        let size = 7;
        let count = 3 * (BLOCK_BYTES / size) + 5;
        let mut file = tempfile::tempfile().unwrap();
        for i in 0..count as u32 {
            let mut record = [0u8; 7];
            record[..4].copy_from_slice(&i.to_le_bytes());
            record[4..].copy_from_slice(&[i as u8; 3]);
            file.write_all(&record).unwrap();
        }
        let mut blocks = RecordBlocks::new(&file, count, size);
        let (mut seen, mut block_sizes) = (0u32, Vec::new());
        while let Some((first, bytes)) = blocks.next_block().unwrap() {
            assert_eq!(first, seen);
            block_sizes.push(bytes.len() / size);
            for (index, record) in (first..).zip(bytes.chunks_exact(size)) {
                assert_eq!(record[..4], index.to_le_bytes());
                assert_eq!(record[4..], [index as u8; 3]);
                seen += 1;
            }
        }
        assert_eq!(seen as usize, count);
        let per_block = BLOCK_BYTES / size;
        assert_eq!(block_sizes, [per_block, per_block, per_block, 5]);
        // Fewer records than asked for: an error, not a short read taken for records.
        let mut blocks = RecordBlocks::new(&file, count + 1, size);
        let error = loop {
            match blocks.next_block() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("a file one record short was read whole"),
                Err(error) => break error,
            }
        };
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}
