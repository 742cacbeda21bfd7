//! commit: a run's output becomes visible all at once, or not at all.
//!
//! Renaming each finished file into place keeps every file whole, but a run killed between
//! two renames would leave `facts` new and `reports` old. So a run writes into a staging
//! folder beside the output folder (`.OUT.gongkai-new.PID`, on the same file system), into
//! which everything of the output folder that this run does not rewrite is first carried
//! over as hard links (the lock file too: the same file, so it stays locked until this
//! run ends); at the end one `renameat2(RENAME_EXCHANGE)` swaps the two folders.
//! Whenever a run is killed, the output folder holds either the previous or the new
//! output, never a mix; the next run removes the leftover staging folder.
//!
//! The swap needs the output folder's parent to be writable and a file system that can
//! exchange folders (Linux: ext4, xfs, btrfs, tmpfs and most others). Where it cannot,
//! and for shards, which write side by side into one folder from several processes, the
//! files are renamed into place one by one: each file whole, the set of them not atomic.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::write::{Layout, Table};

/// The folder a run writes into, and how it becomes the output.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    /// The staging folder, for a swap; `None` when files are renamed in place.
    staging: Option<PathBuf>,
    layout: Layout,
    /// This run's part name (its incremental state folder).
    part: String,
    committed: bool,
}

/// The prefix of staging folders beside `out`.
fn staging_prefix(out: &Path) -> Option<(PathBuf, OsString)> {
    let parent = out.parent()?;
    let name = out.file_name()?;
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".gongkai-new.");
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    Some((parent.to_path_buf(), prefix))
}

/// Whether the file at `relative` (inside the output folder) is one this run writes or
/// owns, so it is not carried over from the previous output.
fn rewritten(relative: &Path, layout: &Layout, part: &str) -> bool {
    let parts: Vec<&str> = relative
        .components()
        .map(|c| c.as_os_str().to_str().unwrap_or(""))
        .collect();
    let tables = Table::DATA.map(Table::name);
    let vocabulary = Table::VOCABULARY.map(Table::name);
    let last = parts.last().copied().unwrap_or("");
    let file_of = |names: &[&str]| {
        names
            .iter()
            .any(|t| last == format!("{t}.csv") || last == format!("{t}.parquet"))
    };
    if last.ends_with(".tmp") {
        return true; // a killed run's leftovers
    }
    if parts.len() >= 2 && parts[0] == ".gongkai" && parts[1] == part {
        return true; // this part's incremental state, written anew
    }
    if parts.len() == 1 && file_of(&vocabulary) {
        return true; // once at the top: every run and every part writes them
    }
    match layout {
        Layout::Single => parts.len() == 1 && file_of(&tables),
        Layout::ByYear { part } => {
            parts.len() == 3
                && tables.contains(&parts[0])
                && parts[1].starts_with("year=")
                && last == format!("{part}.parquet")
        }
    }
}

/// Recreates `from` under `to` with hard links (copies where links are refused), skipping
/// what `skip` says this run rewrites.
fn carry_over(from: &Path, to: &Path, relative: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<()> {
    let entries = fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", from.display()))?;
        let rel = relative.join(entry.file_name());
        if skip(&rel) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            fs::create_dir(&target)
                .with_context(|| format!("cannot create {}", target.display()))?;
            carry_over(&source, &target, &rel, skip)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(fs::read_link(&source)?, &target)
                .with_context(|| format!("cannot create {}", target.display()))?;
        } else if fs::hard_link(&source, &target).is_err() {
            fs::copy(&source, &target).with_context(|| {
                format!("cannot copy {} to {}", source.display(), target.display())
            })?;
        }
    }
    Ok(())
}

/// Swaps two folders in one step. `Ok(false)` where the system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes());
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both pointers are NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP | libc::EXDEV) => Ok(false),
        _ => Err(err).with_context(|| format!("cannot swap {} into place", b.display())),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> Result<bool> {
    Ok(false)
}

impl Staging {
    /// Prepares the folder a run writes into. `out` must exist (the lock is in it).
    /// `swap`: whether this run may swap the whole folder (false for shards).
    pub fn begin(out: &Path, layout: &Layout, part: &str, swap: bool) -> Result<Staging> {
        let mut staging = Staging {
            out: out.to_path_buf(),
            staging: None,
            layout: layout.clone(),
            part: part.to_string(),
            committed: false,
        };
        let Some((parent, prefix)) = staging_prefix(out).filter(|_| swap) else {
            return Ok(staging);
        };
        remove_leftovers(&parent, &prefix);
        let mut name = prefix;
        name.push(std::process::id().to_string());
        let dir = parent.join(name);
        if fs::create_dir(&dir).is_err() {
            return Ok(staging); // parent not writable: rename in place
        }
        staging.staging = Some(dir.clone());
        let skip = |rel: &Path| rewritten(rel, layout, part);
        carry_over(out, &dir, Path::new(""), &skip)
            .with_context(|| format!("cannot prepare the new output beside {}", out.display()))?;
        Ok(staging)
    }

    /// The folder the run's writers write into.
    pub fn dir(&self) -> &Path {
        self.staging.as_deref().unwrap_or(&self.out)
    }

    /// Makes the written output the output folder's content.
    pub fn commit(mut self) -> Result<()> {
        let Some(staging) = self.staging.clone() else {
            self.committed = true;
            return Ok(());
        };
        if exchange(&staging, &self.out)? {
            self.committed = true;
            // `staging` now holds the previous output.
            let _ = fs::remove_dir_all(&staging);
            return Ok(());
        }
        // No folder swap here: move this run's files into place one by one.
        let is_rewritten = |rel: &Path| rewritten(rel, &self.layout, &self.part);
        remove_replaced(&self.out, &staging, Path::new(""), &is_rewritten)?;
        move_rewritten(&staging, &self.out, Path::new(""), &is_rewritten)?;
        self.committed = true;
        let _ = fs::remove_dir_all(&staging);
        Ok(())
    }
}

/// Without a folder swap: the files this run rewrote move from `from` into `to`.
fn move_rewritten(
    from: &Path,
    to: &Path,
    relative: &Path,
    rewritten: &dyn Fn(&Path) -> bool,
) -> Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let rel = relative.join(entry.file_name());
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)
                .with_context(|| format!("cannot create {}", target.display()))?;
            move_rewritten(&source, &target, &rel, rewritten)?;
        } else if rewritten(&rel) {
            fs::rename(&source, &target)
                .with_context(|| format!("cannot move {} into place", target.display()))?;
        }
    }
    Ok(())
}

/// Without a folder swap: removes the files of `out` this run rewrites but did not write
/// (a year no longer in the corpus), so they do not outlive the run.
fn remove_replaced(
    out: &Path,
    staging: &Path,
    relative: &Path,
    rewritten: &dyn Fn(&Path) -> bool,
) -> Result<()> {
    let Ok(entries) = fs::read_dir(out.join(relative)) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let rel = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            remove_replaced(out, staging, &rel, rewritten)?;
            // A partition left empty goes too.
            let _ = fs::remove_dir(entry.path());
        } else if rewritten(&rel) && !staging.join(&rel).exists() {
            fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove stale {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Removes staging folders of killed runs (their output was never committed).
fn remove_leftovers(parent: &Path, prefix: &OsString) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefix = prefix.as_encoded_bytes();
    for entry in entries.flatten() {
        if entry.file_name().as_encoded_bytes().starts_with(prefix) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Reached uncommitted only when the run failed: the previous output stays.
        if !self.committed {
            if let Some(dir) = &self.staging {
                let _ = fs::remove_dir_all(dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                (rel, fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_commit_replaces_the_run_files_and_keeps_the_rest() {
        for swap in [true, false] {
            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("out");
            fs::create_dir_all(out.join(".gongkai/all")).unwrap();
            fs::create_dir_all(out.join("notes")).unwrap();
            fs::write(out.join("facts.csv"), "old").unwrap();
            fs::write(out.join("reports.csv"), "old").unwrap();
            fs::write(out.join(".gongkai/all/meta.json"), "old").unwrap();
            fs::write(out.join("notes/readme.txt"), "mine").unwrap();
            fs::write(out.join("facts.csv.tmp"), "killed run").unwrap();
            let staging = Staging::begin(&out, &Layout::Single, "all", swap).unwrap();
            assert_eq!(staging.dir() != out, swap);
            fs::write(staging.dir().join("facts.csv"), "new").unwrap();
            fs::create_dir_all(staging.dir().join(".gongkai/all")).unwrap();
            fs::write(staging.dir().join(".gongkai/all/meta.json"), "new").unwrap();
            if swap {
                // Nothing is visible before the commit.
                assert_eq!(fs::read_to_string(out.join("facts.csv")).unwrap(), "old");
            }
            staging.commit().unwrap();
            let expected = if swap {
                // reports.csv was not rewritten by this run: it is not carried over.
                vec![
                    (".gongkai/all/meta.json", "new"),
                    ("facts.csv", "new"),
                    ("notes/readme.txt", "mine"),
                ]
            } else {
                vec![
                    (".gongkai/all/meta.json", "new"),
                    ("facts.csv", "new"),
                    ("facts.csv.tmp", "killed run"),
                    ("notes/readme.txt", "mine"),
                    ("reports.csv", "old"),
                ]
            };
            let expected: Vec<(String, String)> = expected
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            assert_eq!(files(&out), expected, "swap: {swap}");
            let beside: Vec<_> = fs::read_dir(tmp.path()).unwrap().flatten().collect();
            assert_eq!(beside.len(), 1, "staging folder left: {beside:?}");
        }
    }

    #[test]
    fn an_uncommitted_staging_folder_is_removed_and_the_output_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("facts.csv"), "old").unwrap();
        // A killed run's staging folder.
        fs::create_dir_all(tmp.path().join(".out.gongkai-new.1")).unwrap();
        let staging = Staging::begin(&out, &Layout::Single, "all", true).unwrap();
        fs::write(staging.dir().join("facts.csv"), "half").unwrap();
        drop(staging);
        assert_eq!(
            files(&out),
            vec![("facts.csv".to_string(), "old".to_string())]
        );
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn rewritten_files_by_layout() {
        let single = Layout::Single;
        let by_year = Layout::ByYear {
            part: "part-0-of-1".to_string(),
        };
        let p = |s: &str| PathBuf::from(s);
        assert!(rewritten(&p("facts.parquet"), &single, "part-0-of-1"));
        assert!(rewritten(&p("diagnostics.csv"), &single, "part-0-of-1"));
        // The lock is carried over as a hard link: the same file, still locked, so a run
        // started just after the swap still waits for this one to end.
        assert!(!rewritten(&p(".gongkai.lock"), &single, "part-0-of-1"));
        assert!(rewritten(
            &p(".gongkai/part-0-of-1/meta.json"),
            &single,
            "part-0-of-1"
        ));
        assert!(!rewritten(
            &p(".gongkai/part-1-of-4/meta.json"),
            &single,
            "part-0-of-1"
        ));
        assert!(!rewritten(&p("report.html"), &single, "part-0-of-1"));
        assert!(!rewritten(
            &p("facts/year=2021/part-0-of-1.parquet"),
            &single,
            "x"
        ));
        assert!(rewritten(
            &p("facts/year=2021/part-0-of-1.parquet"),
            &by_year,
            "part-0-of-1"
        ));
        assert!(!rewritten(
            &p("facts/year=2021/part-1-of-4.parquet"),
            &by_year,
            "part-0-of-1"
        ));
        assert!(!rewritten(&p("facts.parquet"), &by_year, "part-0-of-1"));
    }
}
