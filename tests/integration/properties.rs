//! Properties over generated inputs (proptest; a failure prints the smallest case found):
//! any bytes give a result and never a panic; a report cut anywhere yields no fact the
//! full report lacks; renaming, moving and reordering the input files changes no row.

use std::path::{Path, PathBuf};

use gongkai::extract::process_bytes;
use gongkai::model::DocResult;
use proptest::prelude::*;
use proptest::sample::Index;

use crate::util::{fact_keys, gongkai, root, s, SEEDS};

/// The samples as text, and their HTML and DOCX renderings: real reports in each form.
fn real_files() -> Vec<(String, Vec<u8>)> {
    let mut paths: Vec<PathBuf> = SEEDS
        .iter()
        .map(|n| root().join("data/raw").join(n))
        .collect();
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        for ext in ["html", "docx"] {
            paths.push(root().join(format!("tests/fixtures/formats/{stem}.{ext}")));
        }
    }
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn assert_no_internal_error(doc: &DocResult, what: &str) {
    let codes: Vec<&str> = doc.diagnostics.iter().map(|d| d.code.code()).collect();
    assert!(!codes.contains(&"internal_error"), "{what}: {codes:?}");
}

/// One edit of a file's bytes: at a position, replace, insert or delete a byte.
#[derive(Debug, Clone)]
enum Edit {
    Replace(Index, u8),
    Insert(Index, u8),
    Delete(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<Index>().prop_map(Edit::Delete),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    match edit {
        Edit::Replace(i, b) if !bytes.is_empty() => {
            let at = i.index(bytes.len());
            bytes[at] = *b;
        }
        Edit::Insert(i, b) => {
            let at = i.index(bytes.len() + 1);
            bytes.insert(at, *b);
        }
        Edit::Delete(i) if !bytes.is_empty() => {
            let at = i.index(bytes.len());
            bytes.remove(at);
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_give_a_result_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let doc = process_bytes("random.bin", &bytes);
        assert_no_internal_error(&doc, "random bytes");
        prop_assert_eq!(doc.report.bytes as usize, bytes.len());
    }

    #[test]
    fn edited_real_reports_give_a_result_never_a_panic(
        file in any::<Index>(),
        edits in proptest::collection::vec(edit(), 1..40),
    ) {
        let files = real_files();
        let (name, original) = &files[file.index(files.len())];
        let mut bytes = original.clone();
        for e in &edits {
            apply(&mut bytes, e);
        }
        let doc = process_bytes(name, &bytes);
        assert_no_internal_error(&doc, name);
    }

    #[test]
    fn a_report_cut_anywhere_yields_only_the_full_reports_facts(
        file in any::<Index>(),
        cut in any::<Index>(),
    ) {
        let files = real_files();
        let (name, bytes) = &files[file.index(files.len())];
        // A cut page renders with other lines (html5ever moves the cut tag's text before
        // the table, as browsers do): for HTML and DOCX a fact is its cell and value; for
        // text, its line too.
        let keys = |doc: &DocResult| {
            let mut keys = fact_keys(doc);
            if !name.ends_with(".txt") {
                keys.iter_mut().for_each(|k| k.5 = 0);
            }
            keys
        };
        let full = keys(&process_bytes(name, bytes));
        let at = cut.index(bytes.len());
        let doc = process_bytes(name, &bytes[..at]);
        assert_no_internal_error(&doc, name);
        for f in keys(&doc) {
            prop_assert!(full.contains(&f), "{} cut at byte {} gave {:?}", name, at, f);
        }
    }
}

/// The rows of an output table, sorted, without the columns named in `drop`.
fn rows(out: &Path, table: &str, drop: &[&str]) -> Vec<String> {
    let mut reader = csv::Reader::from_path(out.join(format!("{table}.csv"))).unwrap();
    let header = reader.headers().unwrap().clone();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !drop.contains(&&header[i]))
        .collect();
    let mut rows: Vec<String> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            keep.iter()
                .map(|&i| &r[i])
                .collect::<Vec<_>>()
                .join("\u{1f}")
        })
        .collect();
    rows.sort();
    rows
}

fn tables(out: &Path) -> [Vec<String>; 3] {
    [
        rows(out, "facts", &[]),
        rows(out, "reports", &["source_path"]),
        rows(out, "diagnostics", &["source_path"]),
    ]
}

proptest! {
    // Each case runs the binary over ten files: few cases, each a whole run.
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn renaming_moving_and_reordering_inputs_changes_no_row(
        order in Just((0..15usize).collect::<Vec<_>>()).prop_shuffle(),
        names in proptest::collection::vec("[a-z0-9_ -]{1,12}", 15),
        depths in proptest::collection::vec(0..3usize, 15),
    ) {
        let files = real_files();
        let dir = tempfile::tempdir().unwrap();
        // The reference: the files under their own names, in one folder.
        let (reference_input, reference) = (dir.path().join("ref-in"), dir.path().join("ref"));
        std::fs::create_dir_all(&reference_input).unwrap();
        for (name, bytes) in &files {
            std::fs::write(reference_input.join(name), bytes).unwrap();
        }
        let (code, _, err) = gongkai(&["ingest", s(&reference_input), "--out", s(&reference),
            "-q", "--formats", "csv"]);
        prop_assert_eq!(code, 0, "{}", err);
        // The same files under other names, without extensions (the form is read from the
        // bytes), in other folders, in another order (a shuffled prefix sets the walk order).
        let input = dir.path().join("input");
        for (rank, &i) in order.iter().enumerate() {
            let mut folder = input.clone();
            for d in 0..depths[i] {
                folder = folder.join(format!("d{d}-{}", names[(i + d) % names.len()]));
            }
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join(format!("{rank:02}-{}", names[i])), &files[i].1).unwrap();
        }
        let out = dir.path().join("out");
        let (code, _, err) = gongkai(&["ingest", s(&input), "--out", s(&out), "-q",
            "--formats", "csv"]);
        prop_assert_eq!(code, 0, "{}", err);
        let expected = tables(&reference);
        // Each sample's three forms are versions of one report: its facts once.
        prop_assert_eq!(expected[0].len(), 985, "every sample read, once");
        prop_assert_eq!(tables(&out), expected);
    }
}

/// What the `csv` crate writes for rows, without its header line.
fn csv_crate_lines<T: serde::Serialize>(rows: &[T]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for r in rows {
        w.serialize(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The CSV lines the workers render by hand are the `csv` crate's, whatever the text
    /// holds (quotes, commas, line breaks, CJK): a real report's result with its texts
    /// replaced by generated ones.
    #[test]
    fn hand_rendered_csv_is_the_csv_crates(
        texts in proptest::collection::vec("[a-z0-9,\"\r\n 报告，“”]{0,12}", 8),
        values in proptest::collection::vec(prop_oneof![
            Just(0.0), Just(-0.5), Just(1e21), Just(f64::NAN), -1e9..1e9f64
        ], 3),
        which in 0..5usize,
    ) {
        let name = SEEDS[which];
        let bytes = std::fs::read(root().join("data/raw").join(name)).unwrap();
        let mut doc = process_bytes(name, &bytes);
        let text = |i: usize| texts[i].clone();
        doc.report.agency = Some(text(0));
        doc.report.title = Some(text(1));
        doc.report.source_path = text(2);
        doc.report.error = if texts[3].is_empty() { None } else { Some(text(3)) };
        for (i, f) in doc.facts.iter_mut().enumerate() {
            f.agency = doc.report.agency.clone();
            if i % 7 == 0 {
                f.raw = text(4 + i % 3);
                f.value = values[i % 3];
            }
        }
        for (i, d) in doc.diagnostics.iter_mut().enumerate() {
            d.message = text(4 + i % 4);
            d.source_path = text(2);
        }
        let rows = gongkai::write::CsvRows::of(&doc);
        prop_assert_eq!(
            String::from_utf8(rows.report).unwrap(),
            csv_crate_lines(std::slice::from_ref(&doc.report))
        );
        prop_assert_eq!(String::from_utf8(rows.facts).unwrap(), csv_crate_lines(&doc.facts));
        prop_assert_eq!(
            String::from_utf8(rows.diagnostics).unwrap(),
            csv_crate_lines(&doc.diagnostics)
        );
    }
}
