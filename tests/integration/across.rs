//! Checks across reports: the same agency's consecutive years, and shared prose. Both
//! ways: the five samples (five agencies, no two years of one) give none; next-year and
//! other-agency copies of them give exactly the expected findings.

use std::path::Path;

use crate::util::{gongkai, raw, s, SEEDS};

const CROSS_CODES: [&str; 4] = [
    "carry_mismatch",
    "stock_chain_mismatch",
    "repeated_content",
    "near_duplicate",
];

/// (file name, code, message) of the cross-report diagnostics of a run over `input`.
fn cross_findings(input: &Path, out: &Path) -> Vec<(String, String, String)> {
    let (code, _, err) = gongkai(&["ingest", s(input), "--out", s(out), "-q"]);
    assert_eq!(code, 0, "{err}");
    let mut reader = csv::Reader::from_path(out.join("diagnostics.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| CROSS_CODES.contains(&&r[3]))
        .map(|r| {
            let name = Path::new(&r[1])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, r[3].to_string(), r[4].to_string())
        })
        .collect()
}

fn copy_with(dir: &Path, seed: &str, name: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(raw(seed)).unwrap();
    assert!(text.contains(from));
    std::fs::write(dir.join(name), text.replace(from, to)).unwrap();
}

#[test]
fn the_samples_have_no_cross_report_findings() {
    let dir = tempfile::tempdir().unwrap();
    for seed in SEEDS {
        std::fs::copy(raw(seed), dir.path().join(seed)).unwrap();
    }
    assert_eq!(cross_findings(dir.path(), &dir.path().join("out")), []);
}

#[test]
fn next_year_and_other_agency_copies_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let quangang = "001_1f7e495e6ab563f2.txt";
    std::fs::copy(raw(quangang), input.join("a-quangang-2021.txt")).unwrap();
    // 泉港区 "2022": its tables are 2021's, so 上年结转 (0) is not 2021's 结转下年度 (6), and
    // 行政规范性文件 in force (242) is not 242 + 21 issued − 40 repealed.
    copy_with(&input, quangang, "b-quangang-2022.txt", "2021", "2022");
    // 惠安县 2021: 泉港区's report with the name changed.
    copy_with(&input, quangang, "c-huian-2021.txt", "泉港区", "惠安县");
    let found = cross_findings(&input, &dir.path().join("out"));
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|(f, c, _)| (f.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("a-quangang-2021.txt", "near_duplicate"),
            ("a-quangang-2021.txt", "near_duplicate"),
            ("b-quangang-2022.txt", "carry_mismatch"),
            ("b-quangang-2022.txt", "carry_mismatch"),
            ("b-quangang-2022.txt", "stock_chain_mismatch"),
            ("b-quangang-2022.txt", "repeated_content"),
            ("b-quangang-2022.txt", "near_duplicate"),
            ("b-quangang-2022.txt", "near_duplicate"),
            ("c-huian-2021.txt", "near_duplicate"),
            ("c-huian-2021.txt", "near_duplicate"),
        ],
        "{found:#?}"
    );
    let message = |file: &str, code: &str| {
        found
            .iter()
            .find(|(f, c, _)| f == file && c == code)
            .map(|(_, _, m)| m.clone())
            .unwrap()
    };
    assert!(message("b-quangang-2022.txt", "carry_mismatch")
        .starts_with("natural_person: 上年结转 is 0, but 泉港区 2021 (report "));
    assert!(message("b-quangang-2022.txt", "carry_mismatch")
        .ends_with("carried 6 forward (结转下年度继续办理)"));
    assert!(message("b-quangang-2022.txt", "stock_chain_mismatch")
        .contains("规范性文件: 现行有效件数 is 242, but 泉港区 2021"));
    assert!(message("b-quangang-2022.txt", "stock_chain_mismatch").contains("makes 223"));
    assert!(message("c-huian-2021.txt", "near_duplicate")
        .contains("% the same as another agency's report: 泉港区 2021"));
}
