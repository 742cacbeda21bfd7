//! Integration tests, one binary. Modules:
//! - `seeds`: the five sample reports against their hand-verified expected facts.
//! - `cli`: the `gongkai` binary end to end: exit codes, output files, help, threads.
//! - `bad_input`: broken and foreign files next to good ones.
//! - `layouts`: the same table in the other layouts real text comes in.
//! - `docs`: docs/schema.md and docs/categories.csv against the code.
//! - `corpus`: real reports from `../shared/corpus/` where that folder exists.

mod bad_input;
mod cli;
mod corpus;
mod docs;
mod layouts;
mod seeds;
mod util;
