//! Rows whose run-together digits a report leaves several ways to split, decided by the
//! same agency's previous-year report in the same run (tests/fixtures/splits/README.md).

use std::path::Path;

use crate::util::{csv_table, gongkai, raw, root, s};

const FIXTURE: &str = "tests/fixtures/splits/quangang-2022-run-together.txt";
const PREVIOUS: &str = "001_1f7e495e6ab563f2.txt";

/// Runs an ingest; returns its closing summary line.
fn ingest(input: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["ingest", s(input), "--out", s(out)];
    args.extend(extra);
    let (code, said, err) = gongkai(&args);
    assert!(code <= 1, "{err}");
    said
}

/// The facts of the 2022 report's 行政规范性文件 row: (breakdown, value, provenance).
fn normative_docs_2022(out: &Path) -> Vec<(String, String, String)> {
    csv_table(out, "facts")
        .into_iter()
        .filter(|f| f["year"] == "2022" && f["category"] == "active.normative_docs")
        .map(|f| {
            (
                f["breakdown"].clone(),
                f["value"].clone(),
                f["provenance"].clone(),
            )
        })
        .collect()
}

#[test]
fn the_previous_year_decides_how_run_together_digits_split() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(raw(PREVIOUS), input.join("2021.txt")).unwrap();
    std::fs::copy(root().join(FIXTURE), input.join("2022.txt")).unwrap();
    let out = dir.path().join("out");
    let said = ingest(&input, &out, &[]);
    // The summary counts what the output holds: both reports ok, 400 facts; and so does
    // the next run's, which finds nothing changed and exits 0 as this one did.
    assert!(
        said.contains("2 ok, 0 partial, 0 failed; 400 facts"),
        "{said}"
    );
    let (code, again, err) = gongkai(&["ingest", s(&input), "--out", s(&out), "--incremental"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        again.contains("2 ok, 0 partial, 0 failed; 400 facts"),
        "{again}"
    );
    let reports = csv_table(&out, "reports");
    let previous_id = reports
        .iter()
        .find(|r| r["source_path"].ends_with("2021.txt"))
        .unwrap()["report_id"]
        .clone();
    let provenance = format!("previous_year:{previous_id}");
    assert_eq!(
        normative_docs_2022(&out),
        [
            ("issued".to_string(), "5.0".to_string(), provenance.clone()),
            (
                "repealed".to_string(),
                "0.0".to_string(),
                provenance.clone()
            ),
            ("in_force".to_string(), "247.0".to_string(), provenance),
        ]
    );
    // The error that the row could not be split is gone: the report is `ok`.
    let report = reports
        .iter()
        .find(|r| r["source_path"].ends_with("2022.txt"))
        .unwrap();
    assert_eq!(
        (report["status"].as_str(), report["facts"].as_str()),
        ("ok", "200")
    );
    let notes: Vec<_> = csv_table(&out, "diagnostics")
        .into_iter()
        .filter(|d| d["source_path"].ends_with("2022.txt"))
        .filter(|d| d["code"] == "ambiguous_cells" || d["code"] == "split_by_previous_year")
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(
        (notes[0]["severity"].as_str(), notes[0]["code"].as_str()),
        ("info", "split_by_previous_year")
    );
    assert!(
        notes[0]["message"].contains("fit 4 splits")
            && notes[0]["message"].contains(&format!("泉港区 2021 (report {previous_id})"))
            && notes[0]["message"].contains("issued 5, repealed 0, in_force 247"),
        "{}",
        &notes[0]["message"]
    );
}

#[test]
fn without_a_previous_year_that_decides_the_row_gives_no_facts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(root().join(FIXTURE), input.join("2022.txt")).unwrap();
    // Another agency's 2021 report decides nothing for 泉港区.
    std::fs::copy(raw("002_27cd43e467ef10f4.txt"), input.join("other.txt")).unwrap();
    let out = dir.path().join("out");
    ingest(&input, &out, &[]);
    assert!(normative_docs_2022(&out).is_empty());
    let codes: Vec<String> = csv_table(&out, "diagnostics")
        .iter()
        .filter(|d| d["source_path"].ends_with("2022.txt"))
        .map(|d| d["code"].clone())
        .collect();
    assert!(codes.contains(&"ambiguous_cells".to_string()), "{codes:?}");
    assert!(!codes.contains(&"split_by_previous_year".to_string()));

    let previous = std::fs::read_to_string(raw(PREVIOUS)).unwrap();
    for (k, (row, replaced_by)) in [
        // The same agency's previous year without that row decides nothing.
        ("行政规范性文件\t21\t40\t242\n", ""),
        // An agency whose other stock row breaks the chain (规章: 3 in force last year,
        // 2 0 2 this year) counts differently: its chain decides nothing, though one way
        // fits it.
        ("规章\t0\t0\t0\n", "规章\t0\t0\t3\n"),
    ]
    .into_iter()
    .enumerate()
    {
        let changed = previous.replace(row, replaced_by);
        assert_ne!(changed, previous);
        std::fs::write(input.join("2021.txt"), changed).unwrap();
        let out = dir.path().join(format!("out{}", k + 2));
        ingest(&input, &out, &[]);
        assert!(normative_docs_2022(&out).is_empty(), "{row:?}");
    }
}

#[test]
fn shards_and_incremental_runs_split_as_one_full_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(raw(PREVIOUS), input.join("2021.txt")).unwrap();
    std::fs::copy(root().join(FIXTURE), input.join("2022.txt")).unwrap();
    std::fs::copy(raw("000_ad16510ea09d0095.txt"), input.join("x.txt")).unwrap();
    let (nightly, full) = (dir.path().join("nightly"), dir.path().join("full"));
    ingest(&input, &nightly, &[]);
    // Another file changes: the split report is read again, its facts not taken from
    // the output (which holds more of them than the file gave).
    std::fs::write(input.join("x.txt"), "not a report").unwrap();
    ingest(&input, &nightly, &["--incremental"]);
    ingest(&input, &full, &[]);
    for t in [
        "facts.csv",
        "reports.csv",
        "diagnostics.csv",
        "facts.parquet",
    ] {
        assert!(
            std::fs::read(nightly.join(t)).unwrap() == std::fs::read(full.join(t)).unwrap(),
            "{t} differs"
        );
    }
    assert_eq!(normative_docs_2022(&full).len(), 3);
    // Two shards and finish: the same rows as one partitioned run.
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    ingest(&input, &one, &["--partition-by", "year"]);
    for k in ["0/2", "1/2"] {
        ingest(&input, &two, &["--shard", k]);
    }
    let (code, out, err) = gongkai(&["finish", s(&two)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 rows split by the previous year's report"),
        "{out}"
    );
    let rows = |dir: &Path, table: &str| {
        let mut all: Vec<String> = Vec::new();
        for entry in walkdir::WalkDir::new(dir.join(table)) {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "parquet") {
                use parquet::file::reader::{FileReader, SerializedFileReader};
                let file = std::fs::File::open(entry.path()).unwrap();
                let reader = SerializedFileReader::new(file).unwrap();
                let year = entry.path().parent().unwrap().file_name().unwrap();
                for row in reader.get_row_iter(None).unwrap() {
                    all.push(format!("{} {}", year.to_string_lossy(), row.unwrap()));
                }
            }
        }
        all.sort();
        all
    };
    for table in ["facts", "reports", "diagnostics"] {
        let a = rows(&one, table);
        assert!(!a.is_empty());
        assert_eq!(a, rows(&two, table), "{table}");
    }
    // `finish` again changes no byte.
    let files = |dir: &Path| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut all: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect();
        all.sort();
        all
    };
    let before = files(&two);
    let (code, _, err) = gongkai(&["finish", s(&two)]);
    assert_eq!(code, 0, "{err}");
    assert!(files(&two) == before, "a second finish changed the output");
}
