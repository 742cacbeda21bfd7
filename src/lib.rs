//! gongkai turns China's government information disclosure annual reports
//! (政府信息公开工作年度报告) into validated tables.
//!
//! One module per stage, in the order data flows; each arrow is a plain Rust type:
//!
//! ```text
//! discover ─► Vec<PathBuf> ─► [per file, in parallel] bytes ─► decode ─► Decoded
//!   ─► segment ─► Segmented { metadata, table regions } ─► tables ─► Vec<RawRow>
//!   ─► map ─► Mapped { cells } ─► validate ─► Vec<Finding> ─► DocResult
//!   ─► write::Preparer (Arrow batches, CSV lines; in the worker) ─► OutputWriter (Parquet
//!   + CSV, in input order) ─► commit (the new output replaces the old at once)
//! ```
//!
//! [`extract::process_bytes`] runs every stage on one report; [`pipeline::run`] runs a
//! whole job: the walk streams files to workers on a rayon pool, one writer thread writes
//! the results in input order, and [`incremental`] keeps what the next run needs to redo
//! nothing. [`corpus`] makes synthetic reports for benchmarks. Data problems are rows in
//! `diagnostics`, never errors; only program problems (no input, unwritable output) are
//! `Err`.

pub mod categories;
pub mod cli;
pub mod commit;
pub mod config;
pub mod corpus;
pub mod crossref;
pub mod decode;
pub mod discover;
pub mod extract;
pub mod incremental;
pub mod map;
pub mod model;
pub mod pipeline;
pub mod prose;
pub mod quality;
#[cfg(feature = "query")]
pub mod query;
pub mod readback;
pub mod segment;
pub mod tables;
pub mod text;
pub mod validate;
pub mod write;
