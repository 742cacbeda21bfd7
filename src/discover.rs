//! discover: paths given by the user → a sorted, de-duplicated list of files to read.
//!
//! Folders are walked recursively, following symbolic links (walkdir detects loops and
//! reports them instead of walking forever). Hidden files and folders (name starting with
//! `.`) are skipped. Problems met on the way are returned, not fatal: one unreadable
//! folder never stops the run.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// What the walk found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files to read, sorted by path, each once.
    pub files: Vec<PathBuf>,
    /// Problems met while walking (loops, permissions, vanished entries).
    pub problems: Vec<String>,
    /// Paths given that do not exist.
    pub missing: Vec<PathBuf>,
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
}

/// Walks the given paths.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut found = Discovered::default();
    for root in paths {
        if !root.exists() {
            found.missing.push(root.clone());
            continue;
        }
        if root.is_file() {
            found.files.push(root.clone());
            continue;
        }
        let walk = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
        for entry in walk {
            match entry {
                Ok(e) if e.file_type().is_file() => found.files.push(e.into_path()),
                Ok(_) => {}
                Err(err) => found.problems.push(describe(&err)),
            }
        }
    }
    found.files.sort();
    found.files.dedup();
    found
}

fn describe(err: &walkdir::Error) -> String {
    let path = err.path().map_or_else(
        || Path::new("?").display().to_string(),
        |p| p.display().to_string(),
    );
    if let Some(ancestor) = err.loop_ancestor() {
        format!(
            "{path}: symbolic link loop back to {}; not followed",
            ancestor.display()
        )
    } else {
        format!(
            "{path}: {}",
            err.io_error()
                .map_or_else(|| err.to_string(), ToString::to_string)
        )
    }
}
