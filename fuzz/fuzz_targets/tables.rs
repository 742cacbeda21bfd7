//! Any text → segments → raw rows → mapped facts (the stages after decoding).
#![no_main]
use gongkai::map::{map_table, Mapped};
use gongkai::segment::segment;
use gongkai::tables::recover_rows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let segmented = segment(text);
    let mut mapped = Mapped::default();
    for table in &segmented.tables {
        let lines = &segmented.lines[table.lines.clone()];
        let rows = recover_rows(lines, table.lines.start + 1);
        map_table(table.section, &rows, &mut mapped);
    }
});
