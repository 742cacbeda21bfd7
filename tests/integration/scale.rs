//! Nightly runs over a growing archive: incremental runs, partitions, shards, the
//! synthetic corpus.

use std::path::{Path, PathBuf};

use crate::util::{gongkai, root, s, SEEDS};

fn copy_samples(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for name in SEEDS {
        std::fs::copy(root().join("data/raw").join(name), dir.join(name)).unwrap();
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && !e.path().to_string_lossy().contains("/."))
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A temporary folder with the seed reports in `in/`, and the paths of two output
/// folders beside it (not made).
fn samples_and_two_outputs(a: &str, b: &str) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (input, first, second) = (
        dir.path().join("in"),
        dir.path().join(a),
        dir.path().join(b),
    );
    copy_samples(&input);
    (dir, input, first, second)
}

/// Adds a report, changes one, removes one.
fn change_corpus(input: &Path) {
    std::fs::copy(
        root().join("tests/fixtures/formats/001_1f7e495e6ab563f2.html"),
        input.join("0015_new.html"),
    )
    .unwrap();
    std::fs::remove_file(input.join("003_94d5af374346e30f.txt")).unwrap();
    let changed = input.join("002_27cd43e467ef10f4.txt");
    let text = std::fs::read_to_string(&changed)
        .unwrap()
        .replace("规章\t0\t0\t0", "规章\t1\t1\t1");
    std::fs::write(&changed, text).unwrap();
}

#[test]
fn incremental_output_equals_a_full_run() {
    for extra in [
        &[][..],
        &["--partition-by", "year"][..],
        &["--formats", "parquet"][..],
    ] {
        let (_dir, input, inc, full) = samples_and_two_outputs("inc", "full");
        let run = |out: &Path, incremental: bool| {
            let mut args = vec!["ingest", s(&input), "--out", s(out)];
            args.extend_from_slice(extra);
            if incremental {
                args.push("--incremental");
            }
            gongkai(&args)
        };
        let (code, ..) = run(&inc, false);
        assert_eq!(code, 0);
        change_corpus(&input);
        let (code, stdout, stderr) = run(&inc, true);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains("incremental: 2 read, 3 reused, 1 removed"),
            "{stdout}"
        );
        let (code, ..) = run(&full, false);
        assert_eq!(code, 0);
        assert_eq!(
            files(&inc),
            files(&full),
            "incremental differs from full ({extra:?})"
        );
    }
}

/// The walk compares files with the previous run's manifest before reading anything:
/// a change at the very start or end of the walk, or only a removal, must still give the
/// full run's output.
#[test]
fn incremental_runs_equal_full_runs_whatever_changed_where() {
    let last = SEEDS[SEEDS.len() - 1];
    type Change<'a> = (&'a str, &'a dyn Fn(&Path));
    let changes: [Change; 3] = [
        ("last file removed", &|input: &Path| {
            std::fs::remove_file(input.join(last)).unwrap()
        }),
        ("file added at the end", &|input: &Path| {
            std::fs::copy(
                root().join("tests/fixtures/formats/001_1f7e495e6ab563f2.html"),
                input.join("999_new.html"),
            )
            .unwrap();
        }),
        ("first file changed", &|input: &Path| {
            let first = input.join(SEEDS[0]);
            let text = std::fs::read_to_string(&first).unwrap() + "\n";
            std::fs::write(&first, text).unwrap();
        }),
    ];
    for (what, change) in changes {
        let (_dir, input, inc, full) = samples_and_two_outputs("inc", "full");
        assert_eq!(gongkai(&["ingest", s(&input), "--out", s(&inc)]).0, 0);
        change(&input);
        let (code, stdout, stderr) =
            gongkai(&["ingest", s(&input), "--out", s(&inc), "--incremental"]);
        assert_eq!(code, 0, "{what}: {stderr}");
        assert!(!stdout.contains("nothing changed"), "{what}: {stdout}");
        assert_eq!(gongkai(&["ingest", s(&input), "--out", s(&full)]).0, 0);
        assert_eq!(
            files(&inc),
            files(&full),
            "{what}: incremental differs from full"
        );
    }
}

/// A web page of pictures of its report's pages (图片版) is read again when only its
/// pictures change: one appears, one is replaced by a picture too small to be a page,
/// one only gets a new time. With OCR off, the page's diagnostic counts its pictures.
#[test]
fn a_page_is_read_again_when_only_its_pictures_change() {
    let (_dir, input, inc, full) = samples_and_two_outputs("inc", "full");
    let page = "<html><head><title>某区司法局2023年政府信息公开工作年度报告</title></head>\
                <body><img src=\"scan_files/1.png\"><img src=\"scan_files/2.png\"></body></html>";
    std::fs::write(input.join("scan.html"), page).unwrap();
    let pictures = input.join("scan_files");
    std::fs::create_dir_all(&pictures).unwrap();
    let picture = |name: &str, side: u32| {
        image::GrayImage::from_pixel(side, side * 3 / 2, image::Luma([255]))
            .save(pictures.join(name))
            .unwrap();
    };
    picture("1.png", 600);
    let said = |out: &Path| {
        let diagnostics = std::fs::read_to_string(out.join("diagnostics.csv")).unwrap();
        diagnostics
            .lines()
            .find(|l| l.contains("scan.html") && l.contains("no_text_layer"))
            .map(|l| l.to_string())
            .unwrap_or_default()
    };
    assert_eq!(gongkai(&["ingest", s(&input), "--out", s(&inc)]).0, 1);
    assert!(
        said(&inc).contains("as 1 picture of its pages"),
        "{}",
        said(&inc)
    );
    type Change<'a> = (&'a str, &'a dyn Fn(), &'a str);
    let changes: [Change; 3] = [
        (
            "a picture appeared",
            &|| picture("2.png", 600),
            "as 2 pictures",
        ),
        (
            "a picture replaced by an icon",
            &|| picture("1.png", 64),
            "as 1 picture",
        ),
        (
            "a picture touched",
            &|| {
                let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
                let file = std::fs::File::options()
                    .write(true)
                    .open(pictures.join("2.png"))
                    .unwrap();
                file.set_modified(later).unwrap();
            },
            "as 1 picture",
        ),
    ];
    for (what, change, now) in changes {
        change();
        let (code, stdout, stderr) =
            gongkai(&["ingest", s(&input), "--out", s(&inc), "--incremental"]);
        assert_eq!(code, 1, "{what}: {stderr}");
        assert!(
            stdout.contains("incremental: 1 read, 5 reused"),
            "{what}: {stdout}"
        );
        assert!(said(&inc).contains(now), "{what}: {}", said(&inc));
        let _ = std::fs::remove_dir_all(&full);
        assert_eq!(gongkai(&["ingest", s(&input), "--out", s(&full)]).0, 1);
        assert_eq!(
            files(&inc),
            files(&full),
            "{what}: incremental differs from full"
        );
    }
    // Nothing changed: nothing is read.
    let (_, stdout, _) = gongkai(&["ingest", s(&input), "--out", s(&inc), "--incremental"]);
    assert!(stdout.contains("nothing changed"), "{stdout}");
}

#[test]
fn an_unchanged_corpus_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("in"), dir.path().join("out"));
    copy_samples(&input);
    assert_eq!(gongkai(&["ingest", s(&input), "--out", s(&out)]).0, 0);
    let before = std::fs::metadata(out.join("facts.parquet"))
        .unwrap()
        .modified()
        .unwrap();
    let (code, stdout, _) = gongkai(&["ingest", s(&input), "--out", s(&out), "--incremental"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("5 files")
            && stdout.contains("985 facts")
            && stdout.contains("nothing changed"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::metadata(out.join("facts.parquet"))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
}

/// The state keeps no facts where the output has `facts.csv`: the next run reads them
/// back from it, and only if it is still the file that run wrote.
#[test]
fn facts_come_back_from_the_output_only_while_it_is_unchanged() {
    for (formats, file) in [("parquet,csv", "facts.csv"), ("parquet", "facts.parquet")] {
        let (_dir, input, out, full) = samples_and_two_outputs("out", "full");
        let run = |out: &Path, incremental: bool| {
            let mut args = vec!["ingest", s(&input), "--out", s(out), "--formats", formats];
            if incremental {
                args.push("--incremental");
            }
            gongkai(&args)
        };
        assert_eq!(run(&out, false).0, 0);
        let state_facts = out.join(".gongkai/all/facts.csv.zst");
        let written = std::fs::read(out.join(file)).unwrap();
        assert!(
            std::fs::metadata(&state_facts).unwrap().len() < 200 && written.len() > 5_000,
            "{file}: the state holds a header, no facts"
        );
        // Read back from the output: an incremental run after a change equals a full run.
        change_corpus(&input);
        let (code, stdout, stderr) = run(&out, true);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("incremental: 2 read, 3 reused"), "{stdout}");
        assert_eq!(run(&full, false).0, 0);
        assert_eq!(files(&out), files(&full), "{file}");
        // An analyst's edit: the file is no longer what the run wrote.
        let written = std::fs::read(out.join(file)).unwrap();
        std::fs::write(out.join(file), &written[..written.len() / 2]).unwrap();
        let extra = input.join("0016_new.html");
        std::fs::copy(
            root().join("tests/fixtures/formats/002_27cd43e467ef10f4.html"),
            &extra,
        )
        .unwrap();
        let (code, stdout, stderr) = run(&out, true);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains(&format!("{file} is not the file the previous run wrote"))
                && !stdout.contains("reused"),
            "{stderr}{stdout}"
        );
        assert_eq!(run(&full, false).0, 0);
        assert_eq!(files(&out), files(&full), "{file}");
    }
}

#[test]
fn a_new_version_changed_settings_or_lost_output_read_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("in"), dir.path().join("out"));
    copy_samples(&input);
    assert_eq!(gongkai(&["ingest", s(&input), "--out", s(&out)]).0, 0);
    let inc = |extra: &[&str]| {
        let mut args = vec!["ingest", s(&input), "--out", s(&out), "--incremental"];
        args.extend_from_slice(extra);
        gongkai(&args)
    };
    // Other settings.
    let (code, stdout, stderr) = inc(&["--formats", "csv"]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains("settings changed") && !stdout.contains("reused"),
        "{stderr}{stdout}"
    );
    // Another gongkai version made the state.
    let meta = out.join(".gongkai/all/meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    std::fs::write(&meta, text.replace(&version, "\"version\": \"0.0.0-old\"")).unwrap();
    let (_, _, stderr) = inc(&["--formats", "csv"]);
    assert!(
        stderr.contains("the previous run was gongkai 0.0.0-old"),
        "{stderr}"
    );
    // The output was deleted, the state kept.
    std::fs::remove_file(out.join("facts.csv")).unwrap();
    let (_, _, stderr) = inc(&["--formats", "csv"]);
    assert!(stderr.contains("output files are missing"), "{stderr}");
    assert!(out.join("facts.csv").exists());
    let (_, stdout, _) = inc(&["--formats", "csv"]);
    assert!(stdout.contains("nothing changed"), "{stdout}");
}

#[test]
fn generated_corpus_is_reproducible_and_readable() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        let (code, stdout, _) =
            gongkai(&["corpus", "--out", s(d), "--count", "300", "--seed", "9"]);
        assert_eq!(code, 0, "{stdout}");
    }
    assert_eq!(files(&a), files(&b), "the same seed gives the same corpus");
    let out = dir.path().join("out");
    let (code, stdout, _) = gongkai(&["ingest", s(&a), "--out", s(&out), "-q", "--formats", "csv"]);
    assert!(code == 0 || code == 1);
    assert!(stdout.is_empty());
    let reports = std::fs::read_to_string(out.join("reports.csv")).unwrap();
    let ok = reports.lines().filter(|l| l.contains(",ok,")).count();
    assert!(
        ok * 10 >= 300 * 7,
        "most generated reports read cleanly: {ok} of 300"
    );
}

/// Files finish out of order on many threads (a slow DOCX among quick text reports, more
/// files than the window of files in flight); the writer still writes them in walk order.
#[test]
fn many_threads_over_hundreds_of_reports_give_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let (code, stdout, _) = gongkai(&[
        "corpus",
        "--out",
        s(&input),
        "--count",
        "400",
        "--seed",
        "5",
    ]);
    assert_eq!(code, 0, "{stdout}");
    for (i, name) in ["001_1f7e495e6ab563f2.docx", "003_94d5af374346e30f.html"]
        .iter()
        .enumerate()
    {
        let to = input.join(format!("2021/r{:07}_{name}", 100 * i + 7));
        std::fs::copy(root().join("tests/fixtures/formats").join(name), to).unwrap();
    }
    let outputs: Vec<_> = ["1", "6"]
        .iter()
        .map(|threads| {
            let out = dir.path().join(format!("out{threads}"));
            let (code, _, err) = gongkai(&[
                "ingest",
                s(&input),
                "--out",
                s(&out),
                "-q",
                "--threads",
                threads,
            ]);
            assert!(code == 0 || code == 1, "{err}");
            out
        })
        .collect();
    let reports = std::fs::read_to_string(outputs[0].join("reports.csv")).unwrap();
    assert_eq!(reports.lines().count(), 1 + 402);
    assert!(reports.contains(",docx,") && reports.contains(",html,"));
    for table in ["facts", "reports", "diagnostics"] {
        for ext in ["csv", "parquet"] {
            let name = format!("{table}.{ext}");
            assert!(
                std::fs::read(outputs[0].join(&name)).unwrap()
                    == std::fs::read(outputs[1].join(&name)).unwrap(),
                "{name} differs between 1 and 6 threads"
            );
        }
    }
}
