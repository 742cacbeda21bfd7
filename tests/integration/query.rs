//! `gongkai query`: the README's example queries give the documented answers on the
//! samples, in both output layouts. Runs with the `query` feature (`make test` does:
//! `cargo test --profile query --features query`); without it, the command says how to
//! get it.

use crate::util::{gongkai, root};

/// The SQL of the README's `gongkai query data/out "…"` lines.
fn readme_queries() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("gongkai query data/out \""))
        .map(|l| l.strip_suffix('"').unwrap().to_string())
        .collect()
}

#[test]
fn the_readme_shows_the_three_first_questions() {
    let queries = readme_queries();
    assert_eq!(queries.len(), 3, "{queries:?}");
    assert!(queries[0].contains("applications.new"));
    assert!(queries[1].contains("withheld"));
    assert!(queries[2].contains("correction_rate"));
}

#[cfg(not(feature = "query"))]
#[test]
fn without_the_feature_query_says_how_to_get_it() {
    let (code, _, err) = gongkai(&["query", "data/out", "SELECT 1"]);
    assert_eq!(code, 2);
    assert!(err.contains("make query"), "{err}");
}

#[cfg(feature = "query")]
#[test]
fn the_readme_queries_give_the_documented_answers() {
    use crate::util::s;
    let dir = tempfile::tempdir().unwrap();
    let raw = root().join("data/raw");
    for (name, extra) in [("single", None), ("partitioned", Some("--partition-by"))] {
        let out = dir.path().join(name);
        let mut args = vec!["ingest", s(&raw), "--out", s(&out), "-q"];
        if let Some(flag) = extra {
            args.extend([flag, "year"]);
        }
        let (code, _, err) = gongkai(&args);
        assert_eq!(code, 0, "{err}");
        let answers: Vec<Vec<Vec<String>>> = readme_queries()
            .iter()
            .map(|sql| {
                let (code, stdout, err) = gongkai(&["query", s(&out), sql, "--format", "csv"]);
                assert_eq!(code, 0, "{name}: {sql}: {err}");
                stdout
                    .lines()
                    .skip(1)
                    .map(|l| l.split(',').map(str::to_string).collect())
                    .collect()
            })
            .collect();
        let rows = |i: usize| -> Vec<String> { answers[i].iter().map(|r| r.join(" ")).collect() };
        assert_eq!(rows(0), ["2019 42.0", "2020 0.0", "2021 67.0"], "{name}");
        assert_eq!(
            rows(1)[..3],
            [
                "applications.outcome.withheld.third_party 2.0",
                "applications.outcome.withheld.process_info 1.0",
                "applications.outcome.withheld.enforcement_file 0.0",
            ],
            "{name}"
        );
        assert_eq!(rows(1).len(), 8, "{name}");
        assert_eq!(
            rows(2),
            ["泉州市丰泽区 1.0 4.0 0.25", "泉港区 0.0 3.0 0.0"],
            "{name}"
        );
    }
    // The table form, and a bad query.
    let out = dir.path().join("single");
    let (code, stdout, _) = gongkai(&[
        "query",
        s(&out),
        "SELECT agency, year FROM reports ORDER BY agency",
    ]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("泉州市丰泽区") && stdout.contains("shape: (5, 2)"),
        "{stdout}"
    );
    let (code, _, err) = gongkai(&["query", s(&out), "SELECT nothing FROM nowhere"]);
    assert_eq!(code, 2);
    assert!(err.contains("nowhere"), "{err}");
}
