//! discover: paths given by the user → the files to read, one at a time, in a fixed order.
//!
//! The walk streams: no list of the whole corpus is ever built, so memory does not grow
//! with the archive. Its order is deterministic (inputs in the order given; inside a
//! folder, entries sorted by name, depth first), which is the order rows are written in
//! and the order an incremental run meets the previous run's state in. Folders are walked
//! recursively, following symbolic links (walkdir detects loops and reports them instead
//! of walking forever). Hidden files and folders (name starting with `.`) are skipped.
//! Problems met on the way are reported, not fatal: one unreadable folder never stops
//! the run.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// One item of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A file to read, and the path it is known by inside its input root (used to shard
    /// the corpus the same way on every machine, wherever the archive is mounted).
    File {
        /// Index of the input root it was found under (inputs are walked in order).
        root: usize,
        /// The path to open.
        path: PathBuf,
        /// The path relative to the input root it was found under.
        relative: PathBuf,
    },
    /// A problem met while walking (a loop, a permission error, a vanished entry).
    Problem(String),
}

/// Checks that every input exists; the first missing one is returned.
pub fn first_missing(inputs: &[PathBuf]) -> Option<&Path> {
    inputs.iter().find(|p| !p.exists()).map(PathBuf::as_path)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
}

/// Walks the inputs, yielding files and problems in walk order.
pub fn walk(inputs: &[PathBuf]) -> impl Iterator<Item = Found> + '_ {
    inputs.iter().enumerate().flat_map(|(index, root)| {
        let single = root.is_file();
        WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()))
            .filter_map(move |entry| match entry {
                Ok(e) if e.file_type().is_file() => {
                    let relative = if single {
                        PathBuf::from(e.file_name())
                    } else {
                        e.path()
                            .strip_prefix(root)
                            .map_or_else(|_| e.path().to_path_buf(), Path::to_path_buf)
                    };
                    Some(Found::File {
                        root: index,
                        path: e.into_path(),
                        relative,
                    })
                }
                Ok(_) => None,
                Err(err) => Some(Found::Problem(describe(&err))),
            })
    })
}

fn describe(err: &walkdir::Error) -> String {
    let path = err
        .path()
        .map_or_else(|| "?".to_string(), |p| p.display().to_string());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_order_is_by_name_depth_first_and_hidden_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for p in [
            "b.txt",
            "a/z.txt",
            "a/b/c.txt",
            "a.txt",
            ".hidden/x.txt",
            "a/.y.txt",
        ] {
            let p = d.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let found: Vec<String> = walk(&[d.to_path_buf()])
            .map(|f| match f {
                Found::File { relative, .. } => relative.display().to_string(),
                Found::Problem(p) => panic!("{p}"),
            })
            .collect();
        assert_eq!(found, ["a/b/c.txt", "a/z.txt", "a.txt", "b.txt"]);
        // The walk order is the order of `Path`'s comparison: the incremental state relies on it.
        let mut sorted = found.clone();
        sorted.sort_by(|x, y| Path::new(x).cmp(Path::new(y)));
        assert_eq!(found, sorted);
    }
}
