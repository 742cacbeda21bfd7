//! gongkai turns China's government information disclosure annual reports
//! (政府信息公开工作年度报告) into validated tables.
//!
//! One module per stage, in the order data flows; each arrow is a plain Rust type:
//!
//! ```text
//! discover ─► PathBuf ─► [per file, in parallel: extract] bytes ─► decode ─► Decoded
//!   ─► segment ─► Segmented { metadata, table regions } ─► tables ─► Vec<RawRow>
//!   ─► map ─► Mapped { cells } ─► validate ─► Vec<Finding> ─► DocResult
//!   ─► [in walk order] crossref (summaries; checks across reports at the end)
//!   ─► write (Parquet + CSV) ─► commit (the new output replaces the old at once)
//! ```
//!
//! [`extract::process_bytes`] runs every stage on one report; [`pipeline::run`] runs a
//! whole job: the walk streams files to workers on a rayon pool, one writer thread writes
//! the results in input order while helper threads ([`cpu::Helpers`]) encode its Parquet
//! row groups, and [`incremental`] keeps what the next run needs to redo nothing. Data problems are rows in `diagnostics`, never errors; only program problems
//! (no input, unwritable output) are `Err`.
//!
//! The modules are declared below from the bottom up: each uses only modules declared
//! before it (a test holds it so), and the README's module map is this list.

// Shared vocabulary and types.
pub mod cpu;
pub mod spill;
pub mod text;
pub mod categories;
pub mod prose;
pub mod model;

// The stages, in the order data flows.
pub mod discover;
pub mod decode;
pub mod segment;
pub mod tables;
pub mod map;
pub mod validate;
pub mod extract;
pub mod crossref;
pub mod write;
pub mod commit;
pub mod readback;
pub mod incremental;
pub mod finish;

// A whole run.
pub mod config;
pub mod pipeline;

// Tools over the output, and the command line.
pub mod quality;
#[cfg(feature = "query")]
pub mod query;
pub mod corpus;
pub mod cli;
