//! discover: paths given by the user → the files to read, one at a time, in a fixed order.
//!
//! The walk streams: no list of the whole corpus is ever built, so memory does not grow
//! with the archive. Its order is deterministic (inputs in the order given; inside a
//! folder, entries sorted by name, depth first), which is the order rows are written in
//! and the order an incremental run meets the previous run's state in. Folders are walked
//! recursively, following symbolic links (walkdir detects loops and reports them instead
//! of walking forever). Hidden files and folders (name starting with `.`) are skipped,
//! and so is gongkai's own output; a file reached twice is read once.
//! Problems met on the way are reported, not fatal: one unreadable folder never stops
//! the run.

use std::collections::HashSet;
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
    /// Something the walk left out on purpose, said once: a folder of gongkai's own
    /// output, or files reached a second time.
    Skipped(String),
}

/// Checks that every input exists; the first missing one is returned.
pub fn first_missing(inputs: &[PathBuf]) -> Option<&Path> {
    inputs.iter().find(|p| !p.exists()).map(PathBuf::as_path)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
}

/// The folder every gongkai output holds (its run state): a folder that has one is an
/// output, another shard's or an older run's, never reports.
pub const OUTPUT_MARKER: &str = ".gongkai";

/// What identifies a file whatever path reaches it: device and inode on Unix, the
/// canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

fn file_id(entry: &walkdir::DirEntry) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = entry.metadata().ok()?;
        Some(FileId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(entry.path()).ok().map(FileId::Path)
    }
}

/// The walk over the inputs: see [`walk`].
pub struct Walk<'a> {
    inputs: &'a [PathBuf],
    next_input: usize,
    /// The input being walked: its index, whether it is a single file, its walker.
    current: Option<(usize, bool, walkdir::IntoIter)>,
    /// This run's output folder, canonical (when it exists).
    out: Option<PathBuf>,
    /// The part of the corpus yielded.
    shard: Shard,
    /// Files found so far, in every shard.
    files_found: usize,
    /// Every file yielded so far (a few bytes each: the walk stays light).
    seen: HashSet<FileId>,
    /// Files met again.
    twice: usize,
    said_twice: bool,
}

/// Which part of the corpus a run reads: shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u32,
    /// How many shards the corpus is cut into.
    pub count: u32,
}

impl Shard {
    /// The whole corpus.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// The name of this shard's part of a partitioned output (its files, its state
    /// folder, its lock): `part-K-of-N`.
    pub fn part_name(self) -> String {
        format!("part-{}-of-{}", self.index, self.count)
    }

    /// The shard a part name ([`Shard::part_name`]) names; `None` for another name.
    pub fn of_part_name(name: &str) -> Option<Shard> {
        let (index, count) = name.strip_prefix("part-")?.split_once("-of-")?;
        Some(Shard {
            index: index.parse().ok()?,
            count: count.parse().ok()?,
        })
    }

    /// Whether a file belongs to this shard: by a stable hash (FNV-1a) of its path
    /// relative to its input root, so every machine cuts the archive the same way
    /// wherever it is mounted.
    pub fn contains(self, relative: &Path) -> bool {
        if self.count <= 1 {
            return true;
        }
        let hash = crate::text::fnv1a_bytes(relative.to_string_lossy().as_bytes());
        hash % u64::from(self.count) == u64::from(self.index)
    }
}

/// Walks the inputs, yielding the files of one shard and problems in walk order. Each file is yielded
/// once, at the first place it is reached (an input given twice, inputs inside one
/// another, a link to a file already met). Folders of gongkai's output are not entered:
/// `out` (this run's output folder) and any folder holding [`OUTPUT_MARKER`] (another
/// shard's or an older run's output); each is said once, as [`Found::Skipped`], and so
/// are the files met twice, at the end. Files of other shards are counted
/// ([`Walk::files_found`]), not yielded.
pub fn walk<'a>(inputs: &'a [PathBuf], out: &Path, shard: Shard) -> Walk<'a> {
    Walk {
        inputs,
        shard,
        files_found: 0,
        next_input: 0,
        current: None,
        out: std::fs::canonicalize(out).ok(),
        seen: HashSet::new(),
        twice: 0,
        said_twice: false,
    }
}

impl Walk<'_> {
    /// How many input files the walk has found so far, in every shard (a shard may hold
    /// none of a small corpus's files: that is no reason to say there was no input).
    pub fn files_found(&self) -> usize {
        self.files_found
    }

    /// Why a folder is gongkai's output, if it is.
    fn output_folder(&self, dir: &Path) -> Option<&'static str> {
        if dir.join(OUTPUT_MARKER).is_dir() {
            return Some("it holds gongkai's output (a .gongkai folder)");
        }
        let own = self.out.as_ref().is_some_and(|o| {
            dir.file_name() == o.file_name() && std::fs::canonicalize(dir).is_ok_and(|p| &p == o)
        });
        own.then_some("it is this run's output folder")
    }
}

impl Iterator for Walk<'_> {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        loop {
            let Some((index, single, walker)) = &mut self.current else {
                if let Some(root) = self.inputs.get(self.next_input) {
                    let walker = WalkDir::new(root)
                        .follow_links(true)
                        .sort_by_file_name()
                        .into_iter();
                    self.current = Some((self.next_input, root.is_file(), walker));
                    self.next_input += 1;
                    continue;
                }
                if self.twice > 0 && !self.said_twice {
                    self.said_twice = true;
                    return Some(Found::Skipped(format!(
                        "{} files were reached a second time (an input given twice, inputs \
                         inside one another, or a link to a file already read): each was read \
                         once, where it was first reached",
                        self.twice
                    )));
                }
                return None;
            };
            let (index, single) = (*index, *single);
            let entry = match walker.next() {
                None => {
                    self.current = None;
                    continue;
                }
                Some(Err(err)) => return Some(Found::Problem(describe(&err))),
                Some(Ok(entry)) => entry,
            };
            let is_dir = entry.file_type().is_dir();
            if entry.depth() > 0 && is_hidden(entry.file_name()) {
                if is_dir {
                    walker.skip_current_dir();
                }
                continue;
            }
            if is_dir {
                if let Some(why) = self.output_folder(entry.path()) {
                    if let Some((_, _, walker)) = &mut self.current {
                        walker.skip_current_dir();
                    }
                    return Some(Found::Skipped(format!(
                        "{}: not read, {why}",
                        entry.path().display()
                    )));
                }
                continue;
            }
            if !entry.file_type().is_file() {
                continue;
            }
            if let Some(id) = file_id(&entry) {
                if !self.seen.insert(id) {
                    self.twice += 1;
                    continue;
                }
            }
            let root = &self.inputs[index];
            let relative = if single {
                PathBuf::from(entry.file_name())
            } else {
                entry
                    .path()
                    .strip_prefix(root)
                    .map_or_else(|_| entry.path().to_path_buf(), Path::to_path_buf)
            };
            self.files_found += 1;
            if !self.shard.contains(&relative) {
                continue;
            }
            return Some(Found::File {
                root: index,
                path: entry.into_path(),
                relative,
            });
        }
    }
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
        let found: Vec<String> = walk(&[d.to_path_buf()], &d.join("out"), Shard::ALL)
            .map(|f| match f {
                Found::File { relative, .. } => relative.display().to_string(),
                Found::Problem(p) | Found::Skipped(p) => panic!("{p}"),
            })
            .collect();
        assert_eq!(found, ["a/b/c.txt", "a/z.txt", "a.txt", "b.txt"]);
        // The walk order is the order of `Path`'s comparison: the incremental state relies on it.
        let mut sorted = found.clone();
        sorted.sort_by(|x, y| Path::new(x).cmp(Path::new(y)));
        assert_eq!(found, sorted);
    }
}
