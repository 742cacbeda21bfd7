//! One report in several files: its text, web page and PDF give its facts once; a
//! re-publication with other numbers and a later date is flagged and the later one kept;
//! two versions that disagree without a later date are flagged; the next incremental
//! run, after the version kept is removed, equals a full run.

use std::path::Path;

use crate::util::{csv_table as table, gongkai, raw, root, s};

const SEED: &str = "001_1f7e495e6ab563f2";

/// The output's `diagnostics` rows of one code.
fn diagnostics_coded(out: &Path, code: &str) -> Vec<std::collections::HashMap<String, String>> {
    table(out, "diagnostics")
        .into_iter()
        .filter(|d| d["code"] == code)
        .collect()
}

/// A temporary folder holding an input folder `in` with seed 001's text as `name`.
fn seed_in_folder(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(raw(&format!("{SEED}.txt")), input.join(name)).unwrap();
    (dir, input)
}

fn ingest(input: &Path, out: &Path) {
    let (code, _, err) = gongkai(&["ingest", s(input), "--out", s(out), "-q"]);
    assert!(code <= 1, "{err}");
}

/// Seed 001 with its 本年新收 row changed (自然人 and 总计 one more), and its 印发 date
/// replaced by `date`.
fn changed_seed(date: &str) -> String {
    let text = std::fs::read_to_string(raw(&format!("{SEED}.txt"))).unwrap();
    let row = "一、本年新收政府信息公开申请数量\t\t67\t0\t0\t0\t0\t0\t67";
    assert!(text.contains(row), "seed 001's 本年新收 row moved");
    assert!(text.contains("2022 年 1 月 10 日印发"));
    text.replace(
        row,
        "一、本年新收政府信息公开申请数量\t\t68\t0\t0\t0\t0\t0\t68",
    )
    .replace("2022 年 1 月 10 日印发", date)
}

#[test]
fn text_web_page_and_pdf_of_one_report_give_its_facts_once() {
    let (dir, input) = seed_in_folder("a.txt");
    for ext in ["html", "pdf"] {
        let from = root().join(format!("tests/fixtures/formats/{SEED}.{ext}"));
        std::fs::copy(from, input.join(format!("b.{ext}"))).unwrap();
    }
    let out = dir.path().join("out");
    ingest(&input, &out);
    let reports = table(&out, "reports");
    assert_eq!(reports.len(), 3);
    let kept: Vec<_> = reports
        .iter()
        .filter(|r| r["duplicate_of"].is_empty())
        .collect();
    assert_eq!(kept.len(), 1, "one version kept: {reports:?}");
    let kept_id = &kept[0]["report_id"];
    // The web page keeps a table's grid: it is kept where all read the same cells.
    assert_eq!(kept[0]["format"], "html");
    for r in reports.iter().filter(|r| !r["duplicate_of"].is_empty()) {
        assert_eq!(&r["duplicate_of"], kept_id);
        assert_eq!(
            r["facts"], kept[0]["facts"],
            "every version read every cell"
        );
    }
    let facts = table(&out, "facts");
    assert_eq!(facts.len(), 200, "the report's 200 cells, once");
    assert!(facts.iter().all(|f| &f["report_id"] == kept_id));
    let notes: Vec<_> = diagnostics_coded(&out, "duplicate_version");
    assert_eq!(notes.len(), 2);
    for d in &notes {
        assert_eq!(d["severity"], "info");
        assert!(
            d["message"].contains(&format!("(report {kept_id}) (its html)")),
            "{}",
            d["message"]
        );
    }
}

#[test]
fn a_correction_published_later_is_kept_and_both_are_flagged() {
    let (dir, input) = seed_in_folder("first.txt");
    std::fs::write(
        input.join("second.txt"),
        changed_seed("2022 年 2 月 15 日印发"),
    )
    .unwrap();
    let out = dir.path().join("out");
    ingest(&input, &out);
    let reports = table(&out, "reports");
    let by_path = |p: &str| {
        reports
            .iter()
            .find(|r| r["source_path"].ends_with(p))
            .unwrap()
    };
    let (first, second) = (by_path("first.txt"), by_path("second.txt"));
    assert_eq!(second["issued_on"], "2022-02-15");
    // The later one is kept, though its changed row breaks check 1 and the first's
    // does not.
    assert_eq!(second["duplicate_of"], "");
    assert_eq!(first["duplicate_of"], second["report_id"]);
    let facts = table(&out, "facts");
    assert!(facts.iter().all(|f| f["report_id"] == second["report_id"]));
    let new = facts
        .iter()
        .find(|f| f["category"] == "applications.new" && f["breakdown"] == "total")
        .unwrap();
    assert_eq!(new["value"], "68.0");
    let flagged: Vec<_> = diagnostics_coded(&out, "republished");
    assert_eq!(flagged.len(), 2, "on both: {flagged:?}");
    for d in &flagged {
        assert_eq!(d["severity"], "warning");
        assert!(
            d["message"].contains("with other numbers in 2 of the 200 cells both read")
                && d["message"].contains("applications.new/natural_person")
                && d["message"].contains("(issued 2022-01-10) was published again as")
                && d["message"].contains("(issued 2022-02-15)"),
            "{}",
            d["message"]
        );
    }
    assert!(diagnostics_coded(&out, "version_conflict").is_empty());
}

#[test]
fn a_correction_titled_as_one_is_kept_though_its_date_is_the_same() {
    let (dir, input) = seed_in_folder("a-first.txt");
    let title = "泉港区 2021 年度政府信息公开工作年度报告";
    let corrected =
        changed_seed("2022 年 1 月 10 日印发").replacen(title, &format!("{title}（更正）"), 1);
    std::fs::write(input.join("b-corrected.txt"), corrected).unwrap();
    let out = dir.path().join("out");
    ingest(&input, &out);
    let reports = table(&out, "reports");
    let corrected = reports
        .iter()
        .find(|r| r["source_path"].ends_with("b-corrected.txt"))
        .unwrap();
    assert_eq!(corrected["agency"], "泉港区");
    assert_eq!(corrected["duplicate_of"], "", "the correction is kept");
    let flagged: Vec<_> = diagnostics_coded(&out, "republished");
    assert_eq!(flagged.len(), 2);
    assert!(
        flagged[0]["message"].contains("(issued 2022-01-10, titled as a correction)"),
        "{}",
        flagged[0]["message"]
    );
    let new = table(&out, "facts")
        .into_iter()
        .find(|f| f["category"] == "applications.new" && f["breakdown"] == "total")
        .unwrap();
    assert_eq!(new["value"], "68.0");
}

#[test]
fn versions_that_disagree_without_a_later_date_are_flagged() {
    let (dir, input) = seed_in_folder("page.txt");
    std::fs::write(
        input.join("pdf-dump.txt"),
        changed_seed("2022 年 1 月 10 日印发"),
    )
    .unwrap();
    let out = dir.path().join("out");
    ingest(&input, &out);
    let reports = table(&out, "reports");
    let original = reports
        .iter()
        .find(|r| r["source_path"].ends_with("page.txt"))
        .unwrap();
    // Same cells read; the changed one fails check 1: the original is kept.
    assert_eq!(original["duplicate_of"], "");
    let conflicts: Vec<_> = diagnostics_coded(&out, "version_conflict");
    assert_eq!(conflicts.len(), 2, "on both versions");
    assert!(conflicts
        .iter()
        .any(|d| d["message"].contains("applications.new/total 68 here, 67 there")));
    assert!(table(&out, "facts")
        .iter()
        .all(|f| f["report_id"] == original["report_id"]));
}

#[test]
fn two_reports_of_one_name_and_year_that_differ_are_both_kept() {
    // Seed 001's tables under seed 000's prose would be a forgery; two different
    // reports of one agency and year is what a wrongly named file looks like: the same
    // agency and year, other prose, other numbers.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let text = std::fs::read_to_string(raw(&format!("{SEED}.txt"))).unwrap();
    std::fs::write(input.join("a.txt"), &text).unwrap();
    // Other prose: every prose line but the title replaced; the tables kept but with
    // many numbers changed.
    let other: String = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i > 3 && line.chars().count() > 60 && !line.contains('\t') {
                format!("本机关坚持以人民为中心，第{i}项工作按计划推进，情况良好。\n")
            } else {
                format!("{}\n", line.replace("\t0\t", "\t1\t"))
            }
        })
        .collect();
    std::fs::write(input.join("b.txt"), other).unwrap();
    let out = dir.path().join("out");
    ingest(&input, &out);
    let reports = table(&out, "reports");
    assert_eq!(reports[0]["agency"], reports[1]["agency"]);
    assert!(reports.iter().all(|r| r["duplicate_of"].is_empty()));
    assert!(table(&out, "diagnostics").iter().all(|d| !matches!(
        d["code"].as_str(),
        "duplicate_version" | "version_conflict" | "republished"
    )));
}

#[test]
fn incremental_runs_equal_full_runs_as_versions_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for name in ["000_ad16510ea09d0095", SEED] {
        std::fs::copy(
            raw(&format!("{name}.txt")),
            input.join(format!("{name}.txt")),
        )
        .unwrap();
        for ext in ["html", "pdf"] {
            let from = root().join(format!("tests/fixtures/formats/{name}.{ext}"));
            std::fs::copy(from, input.join(format!("{name}.{ext}"))).unwrap();
        }
    }
    let (nightly, full) = (dir.path().join("nightly"), dir.path().join("full"));
    let run = |out: &Path, incremental: bool| {
        let mut args = vec!["ingest", s(&input), "--out", s(out), "-q"];
        if incremental {
            args.push("--incremental");
        }
        let (code, _, err) = gongkai(&args);
        assert!(code <= 1, "{err}");
    };
    run(&nightly, false);
    // The version kept goes away: another takes its place, and its facts (left out of
    // the output, so not kept by it) come back; then a version comes back.
    for change in [
        Box::new(|| std::fs::remove_file(input.join(format!("{SEED}.html"))).unwrap())
            as Box<dyn Fn()>,
        Box::new(|| {
            let from = root().join(format!("tests/fixtures/formats/{SEED}.html"));
            std::fs::copy(from, input.join(format!("{SEED}.html"))).unwrap();
        }),
    ] {
        change();
        run(&nightly, true);
        let _ = std::fs::remove_dir_all(&full);
        run(&full, false);
        for t in ["facts", "reports", "diagnostics"] {
            for ext in ["csv", "parquet"] {
                let name = format!("{t}.{ext}");
                assert!(
                    std::fs::read(nightly.join(&name)).unwrap()
                        == std::fs::read(full.join(&name)).unwrap(),
                    "{name} differs"
                );
            }
        }
        // Each report once: the facts of the versions kept.
        let kept: usize = table(&nightly, "reports")
            .iter()
            .filter(|r| r["duplicate_of"].is_empty())
            .map(|r| r["facts"].parse::<usize>().unwrap())
            .sum();
        assert_eq!(table(&nightly, "facts").len(), kept);
        assert_eq!(
            table(&nightly, "reports")
                .iter()
                .filter(|r| r["duplicate_of"].is_empty())
                .count(),
            2
        );
    }
}

#[test]
fn finish_says_which_shard_is_missing_and_refuses_a_folder_of_no_shards() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for k in ["0/3", "2/3"] {
        let (code, _, err) = gongkai(&[
            "ingest",
            s(&root().join("data/raw")),
            "--out",
            s(&out),
            "--shard",
            k,
            "-q",
        ]);
        assert!(code <= 1, "{err}");
    }
    let (code, _, err) = gongkai(&["finish", s(&out)]);
    assert_eq!(code, 2);
    assert!(err.contains("shard 1/3 has not finished its run"), "{err}");
    let single = dir.path().join("single");
    let (code, _, err) = gongkai(&[
        "ingest",
        s(&raw(&format!("{SEED}.txt"))),
        "--out",
        s(&single),
        "-q",
    ]);
    assert!(code <= 1, "{err}");
    let (code, _, err) = gongkai(&["finish", s(&single)]);
    assert_eq!(code, 2);
    assert!(err.contains("holds no shard's output"), "{err}");
}

/// Every row of a Parquet file, as one batch, and how many row groups it has.
fn parquet_rows(path: &Path) -> (arrow_array::RecordBatch, usize) {
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(path).unwrap(),
    )
    .unwrap();
    let groups = reader.metadata().num_row_groups();
    let schema = reader.schema().clone();
    let batches: Vec<_> = reader.build().unwrap().map(Result::unwrap).collect();
    (
        arrow_select::concat::concat_batches(&schema, &batches).unwrap(),
        groups,
    )
}

/// Versions found among many reports change only their own rows: the output written
/// again copies the rest (Parquet row groups, CSV lines), and holds what a run without
/// the other versions holds, whichever formats are written.
#[test]
fn versions_among_many_reports_change_only_their_own_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (input, extra) = (dir.path().join("in"), dir.path().join("extra"));
    let (code, out, _) = gongkai(&["corpus", "--out", s(&input), "--count", "800"]);
    assert_eq!(code, 0, "{out}");
    // Copies of an early and a late report, in a folder walked after: other versions.
    std::fs::create_dir(&extra).unwrap();
    let mut files: Vec<_> = walkdir::WalkDir::new(&input)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for (i, at) in [3, files.len() - 5].into_iter().enumerate() {
        std::fs::copy(&files[at], extra.join(format!("copy{i}.txt"))).unwrap();
    }
    let run = |inputs: &[&Path], out: &Path, parquet_only: bool| {
        let mut args = vec!["ingest"];
        args.extend(inputs.iter().map(|p| s(p)));
        args.extend(["--out", s(out), "-q"]);
        if parquet_only {
            args.extend(["--formats", "parquet"]);
        }
        let (code, _, err) = gongkai(&args);
        assert!(code <= 1, "{err}");
    };
    let (alone, both, parquet) = (
        dir.path().join("alone"),
        dir.path().join("both"),
        dir.path().join("parquet"),
    );
    run(&[&input], &alone, false);
    run(&[&input, &extra], &both, false);
    run(&[&input, &extra], &parquet, true);
    let (expected, groups) = parquet_rows(&alone.join("facts.parquet"));
    assert!(groups >= 2, "the facts span several row groups: {groups}");
    assert_eq!(
        std::fs::read(alone.join("facts.csv")).unwrap(),
        std::fs::read(both.join("facts.csv")).unwrap(),
        "facts.csv: the other versions' facts are left out, the rest copied"
    );
    for out in [&both, &parquet] {
        assert!(
            parquet_rows(&out.join("facts.parquet")).0 == expected,
            "facts.parquet of {} differs",
            out.display()
        );
        let reports = parquet_rows(&out.join("reports.parquet")).0;
        assert_eq!(reports.num_rows(), files.len() + 2);
    }
    let marked = table(&both, "reports")
        .into_iter()
        .filter(|r| !r["duplicate_of"].is_empty())
        .count();
    assert_eq!(marked, 2);
}
