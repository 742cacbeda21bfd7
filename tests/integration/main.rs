//! Integration tests, one binary. Modules:
//! - `findings`: every finding code against a case that must fire it and a real one that must not.
//! - `seeds`: the five sample reports against their hand-verified expected facts.
//! - `cli`: the `gongkai` binary end to end: exit codes, output files, help, threads.
//! - `bad_input`: broken and foreign files next to good ones.
//! - `layouts`: the same table in the other layouts real text comes in.
//! - `docs`: docs/schema.md and docs/categories.csv against the code.
//! - `faults`: runs killed at any moment.
//! - `fuzzed`: inputs the fuzzers found crashing, kept as regression tests.
//! - `formats`: HTML, DOCX and PDF versions of the samples, and forms that are refused.
//! - `pdf_tables`: PDF tables read by their rulings, on PDFs written byte by byte.
//! - `portal`: reports as collectors save them (crawler header blocks, saved pages, covering letters).
//! - `properties`: generated inputs (proptest): no panic, cuts, renames and reordering.
//! - `quality`: the quality report, and the page in headless Chromium.
//! - `query`: `gongkai query` (feature `query`) and the README's example queries.
//! - `scale`: incremental runs, partitions, shards and the synthetic corpus.
//! - `splits`: run-together digits split by the same agency's previous-year report.
//! - `versions`: one report in several files, corrections and conflicting versions.
//! - `corpus`: real reports from `../shared/corpus/` where that folder exists.

// Tests say on stderr when they skip for want of a tool or the shared corpus.
#![allow(clippy::print_stderr)]

mod bad_input;
mod cli;
mod corpus;
mod docs;
mod faults;
mod findings;
mod formats;
mod fuzzed;
mod layouts;
mod ocr;
mod pdf_tables;
mod portal;
mod properties;
mod quality;
mod query;
mod scale;
mod seeds;
mod splits;
mod util;
mod versions;
