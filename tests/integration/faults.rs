//! Faults: a run killed at any moment leaves whole files, and the next run completes.

use gongkai::model::Code;
use std::path::Path;
use std::time::Duration;

use crate::util::{gongkai, ingest_csv, root, s, BINARY};

/// Every output file of a folder, with its bytes.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = ["facts", "reports", "diagnostics"]
        .iter()
        .flat_map(|t| ["csv", "parquet"].map(|e| format!("{t}.{e}")))
        .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap_or_default()))
        .collect();
    v.sort();
    v
}

/// Fails if a temporary file was left in `dir`.
fn assert_no_temps(dir: &Path) {
    let temps: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "temporary files were left: {temps:?}");
}

#[test]
fn killed_runs_leave_whole_files_and_the_next_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let (corpus, out) = (dir.path().join("corpus"), dir.path().join("out"));
    // Large enough that a run takes a while: kills land while reading and while writing.
    assert_eq!(
        gongkai(&[
            "corpus",
            "--out",
            s(&corpus),
            "--count",
            "1500",
            "--seed",
            "4",
        ])
        .0,
        0
    );
    let reference = dir.path().join("reference");
    let done = gongkai(&["ingest", s(&corpus), "--out", s(&reference), "-q"]).0;
    assert!(done == 1 || done == 0);
    let new = outputs(&reference);

    // A previous, different output: the five samples.
    let done = gongkai(&[
        "ingest",
        s(&root().join("data/raw")),
        "--out",
        s(&out),
        "-q",
    ])
    .0;
    assert_eq!(done, 0);
    let old = outputs(&out);

    for delay_ms in [5, 30, 120, 400, 900, 1500] {
        let mut child = std::process::Command::new(BINARY)
            .args([
                "ingest",
                s(&corpus),
                "--out",
                s(&out),
                "-q",
                "--threads",
                "2",
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // All six files are the previous output, or all six the new one: never a mix.
        let now = outputs(&out);
        assert!(
            now == old || now == new,
            "after a kill at {delay_ms} ms the output is neither the previous nor the new \
             one: {:?}",
            now.iter()
                .zip(old.iter().zip(&new))
                .map(|((name, b), ((_, o), (_, n)))| (name, b == o, b == n))
                .collect::<Vec<_>>()
        );
    }
    // The next run, incremental or full, completes normally and gives the full output.
    let done = gongkai(&[
        "ingest",
        s(&corpus),
        "--out",
        s(&out),
        "-q",
        "--incremental",
    ])
    .0;
    assert!(done == 1 || done == 0);
    assert!(
        outputs(&out) == new,
        "after kills, the next run's output differs from a clean run"
    );
    // The killed runs' staging folders are gone, and no temporary file is left.
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("gongkai-new"))
        .collect();
    assert!(beside.is_empty(), "staging folders left: {beside:?}");
    assert_no_temps(&out);
}

/// A tiny tmpfs, unmounted when dropped; `None` where mounting is not allowed.
struct TinyDisk(tempfile::TempDir);

impl TinyDisk {
    fn mount(kb: u32) -> Option<TinyDisk> {
        let dir = tempfile::tempdir().ok()?;
        let ok = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kb}k"),
                "tmpfs",
                s(dir.path()),
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            Some(TinyDisk(dir))
        } else {
            eprintln!(
                "SKIPPED: cannot mount a tmpfs here (needs root); the full-disk test did not run"
            );
            None
        }
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

#[test]
fn a_full_disk_exits_2_naming_the_path_and_keeps_the_previous_output() {
    let Some(disk) = TinyDisk::mount(400) else {
        return;
    };
    let out = disk.0.path().join("out");
    let one = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("data/raw/000_ad16510ea09d0095.txt"),
        one.path().join("a.txt"),
    )
    .unwrap();
    let done = gongkai(&["ingest", s(one.path()), "--out", s(&out), "-q"]).0;
    assert_eq!(done, 0);
    let before = outputs(&out);
    // Ten times the samples: far more output than 400 KB.
    let many = tempfile::tempdir().unwrap();
    for i in 0..40 {
        for name in crate::util::SEEDS {
            std::fs::copy(
                root().join("data/raw").join(name),
                many.path().join(format!("{i}-{name}")),
            )
            .unwrap();
        }
    }
    let (code, _, stderr) = gongkai(&["ingest", s(many.path()), "--out", s(&out)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(s(&out)) && stderr.contains("No space left"),
        "the message names the path and the cause: {stderr}"
    );
    assert!(outputs(&out) == before, "the previous output changed");
    assert_no_temps(&out);
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_and_vanished_files_are_reported_not_fatal() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let odd = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"report-\xff\xfe.txt"));
    std::fs::copy(root().join("data/raw/001_1f7e495e6ab563f2.txt"), &odd).unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = ingest_csv(s(dir.path()), s(&out));
    assert_eq!(code, 0, "{stderr}");
    let reports = std::fs::read_to_string(out.join("reports.csv")).unwrap();
    assert!(
        reports.contains("report-\u{FFFD}\u{FFFD}.txt,"),
        "the name is shown lossily: {reports}"
    );
    assert!(reports.contains(",ok,"));

    // A file listed by the walk but gone when read.
    let gone = dir.path().join("gone.txt");
    let doc = gongkai::extract::process_path(&gone);
    assert_eq!(doc.report.status, gongkai::model::Status::Failed);
    assert_eq!(doc.diagnostics[0].code, Code::UnreadableFile);
    assert!(
        doc.diagnostics[0].message.contains("No such file"),
        "{}",
        doc.diagnostics[0].message
    );
}

/// Runs the binary as a user without root's right to read anything: as `nobody` (via
/// setpriv) when the tests run as root, else as the current user. `None` where neither works.
#[cfg(unix)]
fn run_unprivileged(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    use std::os::unix::fs::PermissionsExt;
    let root_user = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root_user {
        return Some(
            std::process::Command::new(BINARY)
                .args(args)
                .output()
                .unwrap(),
        );
    }
    // nobody cannot reach the build folder under /root: run a copy.
    let copy = dir.join("gongkai");
    std::fs::copy(BINARY, &copy).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&copy)
        .args(args)
        .output();
    match run {
        Ok(out) if !String::from_utf8_lossy(&out.stderr).contains("setpriv:") => Some(out),
        _ => {
            eprintln!(
                "SKIPPED: cannot run as an unprivileged user (setpriv); permissions untested"
            );
            None
        }
    }
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_reported_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    let locked = input.join("locked");
    std::fs::create_dir_all(&locked).unwrap();
    let copy =
        |seed: &str, to: &Path| std::fs::copy(root().join("data/raw").join(seed), to).unwrap();
    copy("000_ad16510ea09d0095.txt", &input.join("a.txt"));
    copy("001_1f7e495e6ab563f2.txt", &input.join("b-secret.txt"));
    copy("002_27cd43e467ef10f4.txt", &locked.join("c.txt"));
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(input.join("a.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(
        input.join("b-secret.txt"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = dir.path().join("out");
    let Some(run) = run_unprivileged(
        dir.path(),
        &["ingest", s(&input), "--out", s(&out), "--formats", "csv"],
    ) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&run.stderr);
    // One report failed: exit code 1, not a stopped run.
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("locked") && stderr.contains("Permission denied"),
        "the unreadable folder is reported: {stderr}"
    );
    let reports = std::fs::read_to_string(out.join("reports.csv")).unwrap();
    let status = |name: &str| {
        reports
            .lines()
            .find(|l| l.contains(name))
            .map(|l| l.contains(",ok,") as u8 + 2 * l.contains(",failed,") as u8)
    };
    assert_eq!(status("a.txt"), Some(1), "{reports}");
    assert_eq!(status("b-secret.txt"), Some(2), "{reports}");
    let diagnostics = std::fs::read_to_string(out.join("diagnostics.csv")).unwrap();
    assert!(
        diagnostics.contains("unreadable_file")
            && diagnostics.contains("Permission denied")
            && diagnostics.contains("check its permissions"),
        "{diagnostics}"
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}
