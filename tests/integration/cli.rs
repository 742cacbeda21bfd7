//! The `gongkai` binary end to end.

use std::path::Path;

use crate::util::{gongkai, raw, root, s, SEEDS};

/// The files of an output folder, without the lock file and the `.gongkai` state folder
/// every run keeps there.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".gongkai"))
        .collect();
    names.sort();
    names
}

#[test]
fn ingest_the_samples_writes_ten_files_and_a_summary() {
    let out = tempfile::tempdir().unwrap();
    let raw = root().join("data/raw");
    let (code, stdout, stderr) = gongkai(&["ingest", s(&raw), "--out", s(out.path())]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("5 files") && stdout.contains("5 ok") && stdout.contains("985 facts"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "one-line summary: {stdout}");
    assert!(
        stderr.is_empty(),
        "no progress bar when stderr is not a terminal: {stderr:?}"
    );
    assert_eq!(
        listing(out.path()),
        [
            "breakdowns.csv",
            "breakdowns.parquet",
            "categories.csv",
            "categories.parquet",
            "diagnostics.csv",
            "diagnostics.parquet",
            "facts.csv",
            "facts.parquet",
            "reports.csv",
            "reports.parquet"
        ]
    );
    // Every CSV starts with the UTF-8 byte order mark: the bytes Excel on a Chinese
    // Windows desktop needs to read it as UTF-8 rather than GBK.
    for table in [
        "facts",
        "reports",
        "diagnostics",
        "categories",
        "breakdowns",
    ] {
        let bytes = std::fs::read(out.path().join(format!("{table}.csv"))).unwrap();
        assert!(bytes.starts_with(b"\xef\xbb\xbf"), "{table}.csv");
        assert!(
            !bytes[3..].starts_with(b"\xef\xbb\xbf"),
            "{table}.csv: one mark"
        );
    }
    let facts = std::fs::read_to_string(out.path().join("facts.csv")).unwrap();
    assert_eq!(
        facts.lines().next().unwrap(),
        "\u{feff}report_id,agency,year,template,section,category,breakdown,value,unit,raw,line,provenance,source,confidence"
    );
    assert_eq!(facts.lines().count(), 986);
    assert!(facts.contains("6cf91c24e245acb5,泉港区,2021,2021,active,active.fees,fee_amount,225981.0,yuan,22.5981,64,,text,\n"));
}

#[test]
fn thread_counts_give_byte_identical_output() {
    let raw = root().join("data/raw");
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (dir, threads) in dirs.iter().zip(["1", "2", "4"]) {
        let (code, _, err) = gongkai(&[
            "ingest",
            s(&raw),
            "--out",
            s(dir.path()),
            "--threads",
            threads,
        ]);
        assert_eq!(code, 0, "{err}");
    }
    for name in [
        "facts.csv",
        "reports.csv",
        "diagnostics.csv",
        "facts.parquet",
        "reports.parquet",
        "diagnostics.parquet",
    ] {
        let first = std::fs::read(dirs[0].path().join(name)).unwrap();
        for d in &dirs[1..] {
            assert!(
                first == std::fs::read(d.path().join(name)).unwrap(),
                "{name} differs between thread counts"
            );
        }
    }
}

#[test]
fn pipeline_file_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nightly.toml");
    std::fs::write(
        &p,
        format!(
            "version = 1\ninputs = [\"{}\"]\nout = \"out\"\nformats = [\"parquet\"]\n",
            s(&root().join("data/raw"))
        ),
    )
    .unwrap();
    let (code, _, err) = gongkai(&["ingest", "--pipeline", s(&p)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        listing(&dir.path().join("out")),
        [
            "breakdowns.parquet",
            "categories.parquet",
            "diagnostics.parquet",
            "facts.parquet",
            "reports.parquet"
        ]
    );
    // The command line overrides the file.
    let (code, _, err) = gongkai(&[
        "ingest",
        "--pipeline",
        s(&p),
        "--formats",
        "csv",
        "--out",
        s(&dir.path().join("o2")),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        listing(&dir.path().join("o2")),
        [
            "breakdowns.csv",
            "categories.csv",
            "diagnostics.csv",
            "facts.csv",
            "reports.csv"
        ]
    );
    // Every shipped pipeline parses.
    for entry in std::fs::read_dir(root().join("pipelines")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            gongkai::config::PipelineFile::load(&path)
                .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        }
    }
}

#[test]
fn usage_and_io_errors_exit_2_and_keep_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("facts.csv"), "previous run\n").unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();

    let (code, _, err) = gongkai(&["ingest", s(&empty), "--out", s(&out)]);
    assert_eq!(code, 2);
    assert!(err.contains("no input files found"), "{err}");
    let (code, _, err) = gongkai(&["ingest", s(&dir.path().join("nope")), "--out", s(&out)]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
    let (code, _, err) = gongkai(&["ingest", s(&root().join("data/raw"))]);
    assert_eq!(code, 2);
    assert!(err.contains("--out"), "{err}");
    let (code, _, err) = gongkai(&[
        "ingest",
        s(&root().join("data/raw")),
        "--out",
        s(&out),
        "--formats",
        "xlsx",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("xlsx"), "{err}");
    let (code, _, _) = gongkai(&["ingest", "--bogus-flag"]);
    assert_eq!(code, 2);
    // An output path below a regular file cannot be created.
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let (code, _, err) = gongkai(&[
        "ingest",
        s(&root().join("data/raw")),
        "--out",
        s(&blocker.join("out")),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains(s(&blocker)),
        "the message names the path: {err}"
    );

    assert_eq!(
        std::fs::read_to_string(out.join("facts.csv")).unwrap(),
        "previous run\n"
    );
    assert_eq!(
        listing(&out),
        ["facts.csv"],
        "no temporary files left behind"
    );
}

#[test]
fn help_documents_the_options_and_exit_codes() {
    let (code, stdout, _) = gongkai(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("ingest"));
    let (_, stdout, _) = gongkai(&["ingest", "--help"]);
    for word in [
        "--out",
        "--threads",
        "--pipeline",
        "--formats",
        "--progress",
        "Exit codes",
        "partial",
    ] {
        assert!(stdout.contains(word), "ingest --help lacks {word}");
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("reports");
    std::fs::create_dir(&inner).unwrap();
    std::fs::copy(
        root().join("data/raw/001_1f7e495e6ab563f2.txt"),
        inner.join("a.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&inner, inner.join("loop")).unwrap();
    let out = dir.path().join("out");
    let (code, stdout, stderr) = gongkai(&["ingest", s(&inner), "--out", s(&out)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1 files"), "{stdout}");
    assert!(stderr.contains("loop"), "the loop is reported: {stderr}");
}

#[test]
fn the_documented_pipeline_example_parses() {
    let doc = std::fs::read_to_string(root().join("pipelines/README.md")).unwrap();
    let block = doc
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("example.toml");
    std::fs::write(&p, block).unwrap();
    let file = gongkai::config::PipelineFile::load(&p).unwrap();
    assert_eq!(file.pdf_timeout_secs, Some(60));
    assert_eq!(file.pdftotext.as_deref(), Some("pdftotext"));
}

#[test]
fn a_second_run_on_a_locked_output_exits_2_and_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let raw = root().join("data/raw");
    let (code, _, err) = gongkai(&["ingest", s(&raw), "--out", s(out.path())]);
    assert_eq!(code, 0, "{err}");
    let before = std::fs::read(out.path().join("facts.csv")).unwrap();
    // Hold the lock as a running gongkai would.
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(out.path().join(".gongkai.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let (code, stdout, err) =
        gongkai(&["ingest", s(&raw), "--out", s(out.path()), "--threads", "1"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        err.contains("another gongkai run") && err.contains(s(out.path())),
        "{err}"
    );
    drop(lock);
    assert_eq!(std::fs::read(out.path().join("facts.csv")).unwrap(), before);
    // Released: the next run goes ahead. Shards lock their own part only.
    let (code, ..) = gongkai(&["ingest", s(&raw), "--out", s(out.path())]);
    assert_eq!(code, 0);
}

#[test]
fn json_log_gives_one_object_per_event() {
    let out = tempfile::tempdir().unwrap();
    let raw = root().join("data/raw");
    let (code, stdout, stderr) = gongkai(&[
        "ingest",
        s(&raw),
        "--out",
        s(out.path()),
        "--log-format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.is_empty(), "{stdout}");
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.first().unwrap()["event"], "start");
    let finish = events.last().unwrap();
    assert_eq!(finish["event"], "finish");
    assert_eq!(
        (
            finish["files"].as_u64(),
            finish["facts"].as_u64(),
            finish["exit_code"].as_u64()
        ),
        (Some(5), Some(985), Some(0))
    );
    // The CPU time by job: the workers read the files, the helpers encode Parquet and run
    // the checks across reports; the walker and the writer are the serial part, whose
    // share bounds what more cores can give.
    let cpu = |job: &str| finish["cpu_seconds"][job].as_f64().unwrap();
    let share = finish["serial_share"].as_f64().unwrap();
    if cfg!(target_os = "linux") {
        assert!(
            cpu("workers") > 0.0 && cpu("writer") > 0.0 && cpu("helpers") > 0.0,
            "{finish}"
        );
        let all = cpu("walker") + cpu("workers") + cpu("writer") + cpu("helpers");
        let expected = (cpu("walker") + cpu("writer")) / all;
        assert!(
            (share - expected).abs() < 1e-9 && share > 0.0 && share < 1.0,
            "{finish}"
        );
    }
    let (code, _, stderr) = gongkai(&[
        "ingest",
        "/nonexistent",
        "--out",
        s(out.path()),
        "--log-format",
        "json",
    ]);
    assert_eq!(code, 2);
    let e: serde_json::Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(e["event"], "error");
    assert!(e["message"].as_str().unwrap().contains("does not exist"));
}

/// The three CSV tables of an output, as bytes.
fn tables(out: &Path) -> Vec<Vec<u8>> {
    ["facts.csv", "reports.csv", "diagnostics.csv"]
        .iter()
        .map(|t| std::fs::read(out.join(t)).unwrap())
        .collect()
}

/// The walk reads each report once and never gongkai's own output: the output inside
/// the input, run twice; another run's output lying in the input; the input given twice;
/// inputs inside one another; a link to a folder already read. Each gives exactly the
/// output of a clean run over the reports alone, and says what it left out.
#[test]
fn each_file_once_and_never_our_own_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    for (i, name) in SEEDS.iter().enumerate() {
        let to = if i < 2 {
            input.join(name)
        } else {
            input.join("sub").join(name)
        };
        std::fs::copy(raw(name), to).unwrap();
    }
    let clean = dir.path().join("clean");
    assert_eq!(
        gongkai(&["ingest", s(&input), "--out", s(&clean), "-q"]).0,
        0
    );
    let want = tables(&clean);

    // The output inside the input, run twice.
    let inside = input.join("out");
    for run in 0..2 {
        let (code, _, err) = gongkai(&["ingest", s(&input), "--out", s(&inside)]);
        assert_eq!(code, 0, "run {run}: {err}");
        assert!(
            tables(&inside) == want,
            "run {run}: output inside the input"
        );
        if run == 1 {
            assert!(
                err.contains("not read"),
                "run {run} says what it skipped: {err}"
            );
        }
    }
    // Another run's output left in the input (kept), read by a run writing elsewhere.
    let other = dir.path().join("other");
    let (code, _, err) = gongkai(&["ingest", s(&input), "--out", s(&other)]);
    assert_eq!(code, 0, "{err}");
    assert!(tables(&other) == want, "another run's output in the input");
    assert!(err.contains("holds gongkai's output"), "{err}");
    std::fs::remove_dir_all(&inside).unwrap();

    // The input twice, and inputs inside one another.
    let sub = input.join("sub");
    for args in [vec![s(&input), s(&input)], vec![s(&input), s(&sub)]] {
        let out = dir.path().join("twice");
        let mut cmd = vec!["ingest"];
        cmd.extend(&args);
        cmd.extend(["--out", s(&out)]);
        let (code, _, err) = gongkai(&cmd);
        assert_eq!(code, 0, "{err}");
        assert!(tables(&out) == want, "{args:?}");
        assert!(err.contains("reached a second time"), "{err}");
        std::fs::remove_dir_all(&out).unwrap();
    }

    // A link to a folder already read (named to come after it in the walk).
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&sub, input.join("zz-link")).unwrap();
        let out = dir.path().join("linked");
        let (code, _, err) = gongkai(&["ingest", s(&input), "--out", s(&out)]);
        assert_eq!(code, 0, "{err}");
        assert!(tables(&out) == want, "a link to a folder already read");
        assert!(err.contains("3 files were reached a second time"), "{err}");
    }
}
