//! The five sample reports, cell by cell, against `tests/fixtures/seeds/*.expected`
//! (transcribed by hand from the samples; format in that folder's README).

use std::collections::BTreeMap;

use gongkai::extract::process_path;

use crate::util::{fact_keys, format_value, raw, root, FactKey, SEEDS};

/// Splits a fixture line on spaces, keeping "quoted text" together.
fn tokens(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn expected_facts(stem: &str) -> Vec<FactKey> {
    let path = root()
        .join("tests/fixtures/seeds")
        .join(format!("{stem}.expected"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut columns: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some(cols) = line.strip_prefix("[columns ") {
            columns = cols
                .trim_end_matches(']')
                .split_whitespace()
                .map(String::from)
                .collect();
            continue;
        }
        let t = tokens(line);
        let category = &t[0];
        let (start, step) = match t[1].split_once('+') {
            Some((l, s)) => (l.parse::<i32>().unwrap(), s.parse::<i32>().unwrap()),
            None => (t[1].parse::<i32>().unwrap(), 0),
        };
        let cells = &t[2..];
        assert_eq!(cells.len(), columns.len(), "{stem}: {line}");
        let mut k = 0;
        for (col, cell) in columns.iter().zip(cells) {
            if cell == "." {
                continue;
            }
            let (raw_text, value) = match cell.split_once('=') {
                Some((r, v)) => (r.to_string(), v.to_string()),
                None => (cell.clone(), format_value(cell.parse::<f64>().unwrap())),
            };
            let unit = if col == "fee_amount" || col == "procurement_amount" {
                "yuan"
            } else {
                "count"
            };
            out.push((
                category.clone(),
                col.clone(),
                value,
                unit.to_string(),
                raw_text,
                start + step * k,
            ));
            k += 1;
        }
    }
    out
}

fn by_cell(facts: &[FactKey]) -> BTreeMap<(String, String), FactKey> {
    facts
        .iter()
        .map(|f| ((f.0.clone(), f.1.clone()), f.clone()))
        .collect()
}

#[test]
fn every_seed_gives_exactly_its_hand_verified_facts() {
    let mut total = 0;
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        let expected = expected_facts(stem);
        let doc = process_path(&raw(name));
        let got = fact_keys(&doc);
        assert_eq!(
            got.len(),
            by_cell(&got).len(),
            "{stem}: a cell was written twice"
        );
        let (want, have) = (by_cell(&expected), by_cell(&got));
        let mut problems = Vec::new();
        for (k, w) in &want {
            match have.get(k) {
                None => problems.push(format!("missing {w:?}")),
                Some(h) if h != w => problems.push(format!("expected {w:?}\n     got {h:?}")),
                _ => {}
            }
        }
        for (k, h) in &have {
            if !want.contains_key(k) {
                problems.push(format!("unexpected {h:?}"));
            }
        }
        assert!(problems.is_empty(), "{stem}:\n{}", problems.join("\n"));
        total += got.len();
    }
    assert_eq!(
        total, 985,
        "198 + 200 + 196 + 198 + 193 cells over the five samples"
    );
}

#[test]
fn every_seed_gives_its_expected_report_row() {
    let csv = std::fs::read_to_string(root().join("tests/fixtures/seeds/reports.csv")).unwrap();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let doc = process_path(&raw(f[0]));
        let r = &doc.report;
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        assert_eq!(r.agency, opt(f[1]), "{}", f[0]);
        assert_eq!(r.year, f[2].parse().ok(), "{}", f[0]);
        assert_eq!(r.template.code(), f[3], "{}", f[0]);
        assert_eq!(r.doc_number, opt(f[4]), "{}", f[0]);
        assert_eq!(r.issued_on, opt(f[5]), "{}", f[0]);
        assert_eq!(r.status.code(), f[6], "{}: {:?}", f[0], doc.diagnostics);
        assert_eq!(r.facts.to_string(), f[7], "{}", f[0]);
        let codes: Vec<&str> = doc.diagnostics.iter().map(|d| d.code.code()).collect();
        let want: Vec<&str> = f[8].split_whitespace().collect();
        assert_eq!(codes, want, "{}: {:?}", f[0], doc.diagnostics);
    }
}

#[test]
fn report_ids_are_the_sha256_prefix_of_the_bytes() {
    for name in SEEDS {
        let doc = process_path(&raw(name));
        // coreutils' sha256sum as an independent implementation.
        let out = std::process::Command::new("sha256sum")
            .arg(raw(name))
            .output()
            .unwrap();
        let hex = String::from_utf8_lossy(&out.stdout);
        assert_eq!(doc.report.report_id, hex[..16], "{name}");
        assert_eq!(
            doc.report.bytes as u64,
            std::fs::metadata(raw(name)).unwrap().len()
        );
    }
}
