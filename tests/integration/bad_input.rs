//! Broken and foreign files in a folder next to good reports: each gets its own `reports`
//! row and diagnostic, and the good reports' results do not change.

use std::path::Path;

use gongkai::extract::process_path;
use gongkai::model::{DocResult, Status};

use crate::util::{fact_keys, ingest_csv, raw, root, s, SEEDS};

fn seed_bytes(name: &str) -> Vec<u8> {
    std::fs::read(raw(name)).unwrap()
}

fn codes(doc: &DocResult) -> Vec<&str> {
    doc.diagnostics.iter().map(|d| d.code.code()).collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn each_bad_file_gets_a_status_and_an_actionable_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = seed_bytes("001_1f7e495e6ab563f2.txt");
    let text = String::from_utf8(seed.clone()).unwrap();

    let cases: Vec<(&str, Vec<u8>, Status, &str)> = vec![
        ("empty.txt", Vec::new(), Status::Failed, "empty_file"),
        ("blank.txt", b"\n\n   \n".to_vec(), Status::Failed, "empty_file"),
        ("binary.txt", (0u8..=255).cycle().take(4096).collect(), Status::Failed, "unsupported_format"),
        ("broken.txt", b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec(), Status::Failed, "unreadable_pdf"),
        ("archive.docx", zip_without_document(), Status::Failed, "unsupported_format"),
        ("old.doc", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00".to_vec(), Status::Failed, "unsupported_format"),
        (
            "minutes.txt",
            "关于召开2021年第一季度工作会议的通知\n各科室：定于3月5日上午9时在三楼会议室召开工作会议。\n".as_bytes().to_vec(),
            Status::Failed,
            "not_a_report",
        ),
        (
            "corrupt.txt",
            {
                let mut b = seed.clone();
                let at = text.find("一、总体情况").unwrap();
                b.splice(at..at, [0xFFu8, 0xFE, 0xC3]);
                b
            },
            Status::Partial,
            "encoding",
        ),
        (
            "truncated.txt",
            text.as_bytes()[..text.find("3. 要求提供公开出版物").unwrap()].to_vec(),
            Status::Partial,
            "missing_table",
        ),
    ];
    for (name, bytes, status, code) in &cases {
        let doc = process_path(&write(d, name, bytes));
        assert_eq!(doc.report.status, *status, "{name}: {:?}", doc.diagnostics);
        assert!(codes(&doc).contains(code), "{name}: {:?}", doc.diagnostics);
        let msg = &doc
            .diagnostics
            .iter()
            .find(|x| x.code.code() == *code)
            .unwrap()
            .message;
        assert!(msg.len() > 30, "{name}: message too terse to act on: {msg}");
        assert_eq!(doc.report.error.is_some(), *status != Status::Ok);
    }

    // The corrupt copy still gives the facts its tables hold; the truncated one gives
    // the rows before the cut and never a number the full report does not have.
    let full = fact_keys(&process_path(&raw("001_1f7e495e6ab563f2.txt")));
    let corrupt = process_path(&d.join("corrupt.txt"));
    assert_eq!(fact_keys(&corrupt), full);
    let truncated = fact_keys(&process_path(&d.join("truncated.txt")));
    assert!(!truncated.is_empty() && truncated.len() < full.len());
    for f in &truncated {
        assert!(full.contains(f), "truncation invented {f:?}");
    }
}

#[test]
fn gb18030_and_utf16_copies_give_the_same_facts() {
    let dir = tempfile::tempdir().unwrap();
    for name in SEEDS {
        let text = String::from_utf8(seed_bytes(name)).unwrap();
        let original = fact_keys(&process_path(&raw(name)));
        let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&text);
        assert!(!unmappable);
        let mut utf16 = vec![0xFF, 0xFE];
        text.encode_utf16()
            .for_each(|u| utf16.extend_from_slice(&u.to_le_bytes()));
        for (label, bytes) in [("gb18030", gbk.to_vec()), ("utf16", utf16)] {
            let doc = process_path(&write(dir.path(), &format!("{label}-{name}"), &bytes));
            assert_eq!(fact_keys(&doc), original, "{label} {name}");
            assert_eq!(
                doc.report.status,
                Status::Ok,
                "{label} {name}: {:?}",
                doc.diagnostics
            );
        }
    }
}

#[test]
fn bad_files_do_not_change_the_good_reports_results() {
    let clean = tempfile::tempdir().unwrap();
    let mixed = tempfile::tempdir().unwrap();
    for name in SEEDS {
        std::fs::copy(raw(name), clean.path().join(name)).unwrap();
        std::fs::copy(raw(name), mixed.path().join(name)).unwrap();
    }
    write(mixed.path(), "000_empty.txt", b"");
    write(mixed.path(), "zz_binary.bin", &[0, 159, 146, 150, 0, 1, 2]);
    write(
        mixed.path(),
        "002_not_a_report.txt",
        "这是一份会议纪要，与年报无关。".as_bytes(),
    );
    write(mixed.path(), ".hidden.txt", b"hidden files are skipped");
    let out_clean = clean.path().join("out");
    let out_mixed = mixed.path().join("out");
    let (code, ..) = ingest_csv(s(clean.path()), s(&out_clean));
    assert_eq!(code, 0);
    let (code, stdout, _) = ingest_csv(s(mixed.path()), s(&out_mixed));
    assert_eq!(code, 1, "some reports failed: exit code 1");
    assert!(
        stdout.contains("8 files") && stdout.contains("3 failed") && stdout.contains("diagnostics"),
        "{stdout}"
    );
    // The facts table is the same: bad files add no facts and move none.
    let facts = |dir: &Path| std::fs::read_to_string(dir.join("facts.csv")).unwrap();
    assert_eq!(facts(&out_clean), facts(&out_mixed));
    let reports = std::fs::read_to_string(out_mixed.join("reports.csv")).unwrap();
    assert_eq!(reports.lines().count(), 1 + 8);
    assert!(!reports.contains(".hidden"));
}

#[test]
fn truncating_a_report_anywhere_never_changes_a_fact() {
    for name in SEEDS {
        let text = String::from_utf8(seed_bytes(name)).unwrap();
        let full = fact_keys(&process_path(&raw(name)));
        let mut cuts = 0;
        for (at, _) in text.char_indices().step_by(23) {
            let doc = gongkai::extract::process_bytes(name, &text.as_bytes()[..at]);
            assert!(
                !codes(&doc).contains(&"internal_error"),
                "{name} cut at {at}: {:?}",
                doc.diagnostics
            );
            for f in fact_keys(&doc) {
                assert!(
                    full.contains(&f),
                    "{name} cut at byte {at} gave {f:?}, which the full report does not have"
                );
            }
            cuts += 1;
        }
        assert!(cuts > 100, "{name}: {cuts} cuts");
    }
}

#[test]
fn a_web_page_cut_anywhere_never_gives_half_a_number() {
    // Found by the property test: a page cut inside `152` rendered a cell `1`.
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        let path = root().join(format!("tests/fixtures/formats/{stem}.html"));
        let bytes = std::fs::read(&path).unwrap();
        // Lines move in a cut page (the parser moves stray text before a table).
        let keys = |doc: &DocResult| {
            let mut k = fact_keys(doc);
            k.iter_mut().for_each(|f| f.5 = 0);
            k
        };
        let full = keys(&process_path(&path));
        for at in (0..bytes.len()).step_by(101) {
            let doc = gongkai::extract::process_bytes(stem, &bytes[..at]);
            for f in keys(&doc) {
                assert!(full.contains(&f), "{stem}.html cut at byte {at} gave {f:?}");
            }
        }
    }
}

/// A valid zip holding no `word/document.xml`: an archive named like a Word file.
fn zip_without_document() -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    z.start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut z, b"not a report").unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

#[test]
fn a_page_nested_100000_deep_costs_only_itself() {
    // Once aborted the whole process with a stack overflow (recursive rendering), then
    // took 44 s in the parser (quadratic in depth): now refused at once.
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let page = format!(
        "<html><body>{}2021年政府信息公开工作年度报告{}</body></html>",
        "<div>".repeat(n),
        "</div>".repeat(n)
    );
    write(dir.path(), "deep.html", page.as_bytes());
    std::fs::copy(raw("001_1f7e495e6ab563f2.txt"), dir.path().join("good.txt")).unwrap();
    let started = std::time::Instant::now();
    let deep = process_path(&dir.path().join("deep.html"));
    assert!(
        started.elapsed().as_secs() < 5,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(deep.report.status, Status::Failed);
    assert_eq!(codes(&deep), ["resource_limit"]);
    let out = dir.path().join("out");
    let (code, stdout, stderr) = ingest_csv(s(dir.path()), s(&out));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("2 files") && stdout.contains("1 ok") && stdout.contains("1 failed"),
        "{stdout}"
    );
}

#[test]
fn a_file_over_the_size_limit_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.txt");
    // A sparse 3 GB file: reading it would exhaust memory; its size alone refuses it.
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(3_000_000_000).unwrap();
    let started = std::time::Instant::now();
    let doc = process_path(&big);
    assert!(started.elapsed().as_secs() < 2);
    assert_eq!(doc.report.status, Status::Failed);
    assert_eq!(codes(&doc), ["too_large"]);
    assert!(
        doc.diagnostics[0].message.contains("3000 MB"),
        "{}",
        doc.diagnostics[0].message
    );
    // The limit is a setting: a small one refuses a sample report too.
    let options = gongkai::decode::DecodeOptions {
        max_file_bytes: 1000,
        ..Default::default()
    };
    let doc = gongkai::extract::process_path_with(&raw("001_1f7e495e6ab563f2.txt"), &options);
    assert_eq!(codes(&doc), ["too_large"]);
}

#[test]
fn zip_bombs_shaped_like_word_files_are_refused() {
    // 80 KB that inflate to 80 MiB: stopped at the 64 MiB limit, not inflated whole.
    let bomb = root().join("tests/fixtures/hostile/bomb.docx");
    let doc = process_path(&bomb);
    assert_eq!(doc.report.status, Status::Failed);
    assert_eq!(codes(&doc), ["resource_limit"], "{:?}", doc.diagnostics);
    assert!(
        doc.diagnostics[0].message.contains("64"),
        "{}",
        doc.diagnostics[0].message
    );
    // More entries than any Word file has.
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("word/document.xml", stored).unwrap();
    for i in 0..10_001 {
        z.start_file(format!("media/{i}"), stored).unwrap();
    }
    z.finish().unwrap();
    let doc = gongkai::extract::process_bytes("many.docx", &buf.into_inner());
    assert_eq!(codes(&doc), ["resource_limit"], "{:?}", doc.diagnostics);
    assert!(
        doc.diagnostics[0].message.contains("10000"),
        "{}",
        doc.diagnostics[0].message
    );
}
