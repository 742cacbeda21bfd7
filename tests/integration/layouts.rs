//! The same report in the other layouts real text comes in. Each variant is made from a
//! tab-separated sample by re-rendering its table lines, written to a real file, and read
//! back: it must give the sample's facts (the crawler variant: never a different number).

use gongkai::extract::{process_bytes, process_path};
use gongkai::model::Code;

use crate::util::{fact_keys, raw, FactKey};

fn sample(name: &str) -> String {
    std::fs::read_to_string(raw(name)).unwrap()
}

/// Re-renders every tab-separated line with `render(cells)`.
fn rerender(text: &str, render: impl Fn(&[&str]) -> String) -> String {
    text.split('\n')
        .map(|l| {
            if l.contains('\t') {
                render(&l.split('\t').collect::<Vec<_>>())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn read_as_file(text: &str) -> gongkai::model::DocResult {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("variant.md");
    std::fs::write(&path, text).unwrap();
    process_path(&path)
}

#[test]
fn markdown_pipe_tables() {
    for name in [
        "001_1f7e495e6ab563f2.txt",
        "000_ad16510ea09d0095.txt",
        "002_27cd43e467ef10f4.txt",
    ] {
        let original = process_path(&raw(name));
        let text = rerender(&sample(name), |cells| format!("| {} |", cells.join(" | ")));
        let variant = read_as_file(&text);
        assert_eq!(fact_keys(&variant), fact_keys(&original), "{name}");
        assert_eq!(variant.report.status, original.report.status);
    }
}

#[test]
fn space_aligned_columns() {
    let name = "001_1f7e495e6ab563f2.txt";
    let original = process_path(&raw(name));
    let text = rerender(&sample(name), |cells| {
        cells
            .iter()
            .filter(|c| !c.trim().is_empty())
            .map(|c| format!("{c:<12}"))
            .collect::<Vec<_>>()
            .join("  ")
    });
    let variant = read_as_file(&text);
    assert_eq!(fact_keys(&variant), fact_keys(&original));
}

#[test]
fn labels_broken_over_lines_with_stray_spaces() {
    // Every label cell of table 三 split in the middle onto its own line, with a space
    // inside: the numbers stay on the second line, as PDF conversion leaves them.
    let name = "001_1f7e495e6ab563f2.txt";
    let original = process_path(&raw(name));
    let text = sample(name);
    let mut out = Vec::new();
    let mut moved = 0;
    for line in text.split('\n') {
        let cells: Vec<&str> = line.split('\t').collect();
        let label_at = cells
            .iter()
            .rposition(|c| c.chars().count() > 6 && c.parse::<f64>().is_err());
        match label_at {
            Some(i) if line.contains('\t') && cells.iter().any(|c| c.parse::<u32>().is_ok()) => {
                let label: Vec<char> = cells[i].chars().collect();
                let (a, b) = label.split_at(label.len() / 2);
                out.push(format!(
                    "{} {}",
                    cells[..i].join("\t"),
                    a.iter().collect::<String>()
                ));
                let mut rest = vec![format!(" {}", b.iter().collect::<String>())];
                rest.extend(cells[i + 1..].iter().map(|c| c.to_string()));
                out.push(rest.join("\t"));
                moved += 1;
            }
            _ => out.push(line.to_string()),
        }
    }
    assert!(moved > 20);
    let variant = process_bytes("variant", out.join("\n").as_bytes());
    let strip = |v: Vec<FactKey>| {
        v.into_iter()
            .map(|f| (f.0, f.1, f.2, f.4))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(fact_keys(&variant)), strip(fact_keys(&original)));
}

/// Web crawlers drop cell boundaries: each table becomes one line, labels and digits run
/// together, only some cells keep a space.
fn crawled(text: &str) -> String {
    let mut out = Vec::new();
    let mut table = String::new();
    for line in text.split('\n') {
        if line.contains('\t') {
            let cells: Vec<&str> = line.split('\t').filter(|c| !c.is_empty()).collect();
            let n = cells.len();
            for (i, c) in cells.iter().enumerate() {
                // A space before each row's last cell, as in `…申请数量3100003 34二、…`.
                if i + 1 == n && n > 2 && c.parse::<u32>().is_ok() {
                    table.push(' ');
                }
                table.push_str(c);
            }
        } else {
            if !table.is_empty() {
                out.push(std::mem::take(&mut table));
            }
            out.push(line.to_string());
        }
    }
    out.push(table);
    out.join("\n")
}

#[test]
fn run_together_crawler_text_never_gives_a_wrong_number() {
    let name = "001_1f7e495e6ab563f2.txt";
    let original = process_path(&raw(name));
    let variant = process_bytes("crawled", crawled(&sample(name)).as_bytes());
    let key = |f: &FactKey| (f.0.clone(), f.1.clone());
    let want: std::collections::BTreeMap<_, _> = fact_keys(&original)
        .into_iter()
        .map(|f| (key(&f), f.2))
        .collect();
    let got = fact_keys(&variant);
    for f in &got {
        assert_eq!(
            Some(&f.2),
            want.get(&key(f)),
            "crawled text gave a different number: {f:?}"
        );
    }
    // Rows whose digits split only one way are read; the rest are flagged, not guessed.
    let read: std::collections::BTreeSet<&str> = got.iter().map(|f| f.0.as_str()).collect();
    for row in [
        "applications.new",
        "applications.outcome.disclosed",
        "applications.outcome.total",
        "review",
    ] {
        assert!(
            read.contains(row),
            "{row} not read from crawled text; diagnostics: {:#?}",
            variant.diagnostics
        );
    }
    let flagged = variant
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::AmbiguousCells)
        .count();
    let expected_cells = original.facts.len();
    assert_eq!(
        got.len() + flagged_cells(&variant),
        expected_cells,
        "every cell is either read or flagged ({flagged} rows flagged)"
    );
}

/// Cells of the rows flagged `ambiguous_cells`, from the candidate lists in the messages.
fn flagged_cells(doc: &gongkai::model::DocResult) -> usize {
    doc.diagnostics
        .iter()
        .filter(|d| d.code == Code::AmbiguousCells)
        .map(|d| {
            let first = d.message.split('[').nth(1).unwrap_or("");
            first
                .split(']')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .count()
        })
        .sum()
}
