//! Inputs the fuzzers found crashing gongkai (`tests/fixtures/fuzz/`, see its README): each
//! must now give a result, through the whole pipeline and through the stages after
//! decoding called directly (where no panic catch would hide a crash).

use gongkai::map::{map_table, Mapped};
use gongkai::model::Code;
use gongkai::segment::segment;
use gongkai::tables::recover_rows;
use gongkai::validate::{validate, Input};

use crate::util::root;

#[test]
fn inputs_that_once_crashed_give_a_result() {
    let dir = root().join("tests/fixtures/fuzz");
    let mut found = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        found += 1;
        let bytes = std::fs::read(&path).unwrap();
        let doc = gongkai::extract::process_bytes("fuzzed", &bytes);
        assert!(
            doc.diagnostics
                .iter()
                .all(|d| d.code != Code::InternalError),
            "{}: {:?}",
            path.display(),
            doc.diagnostics
        );
        // The fuzz target's own path, uncaught.
        let text = String::from_utf8_lossy(&bytes);
        let segmented = segment(&text);
        let mut mapped = Mapped::default();
        for table in &segmented.tables {
            let rows = recover_rows(&segmented.lines[table.lines.clone()], table.lines.start + 1);
            map_table(table.section, &rows, &mut mapped);
        }
        let _ = validate(&Input {
            mapped: &mapped,
            template: mapped.template(),
            metadata: &segmented.metadata,
            prose: &[],
            prose_keys: &[],
            prose_compared: false,
        });
    }
    assert!(found >= 1, "no fuzzer findings in {}", dir.display());
}
