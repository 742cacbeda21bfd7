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
    /// Pictures that are parts of saved web pages, and what is known of the pages.
    pictures: PagePictures,
    said_pictures: bool,
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
        pictures: PagePictures::default(),
        said_pictures: false,
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
                if self.pictures.left > 0 && !self.said_pictures {
                    self.said_pictures = true;
                    return Some(Found::Skipped(format!(
                        "pictures of saved web pages left to their pages: {} (a page's \
                         `NAME_files` folder, or a picture an `<img>` of a page beside it \
                         shows); each is read with its page (by OCR, where the page's report \
                         is pictures of its pages), not as a report of its own",
                        self.pictures.left
                    )));
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
                if entry.depth() > 0 && is_page_folder(entry.path()) {
                    self.pictures.left += 1;
                    if let Some((_, _, walker)) = &mut self.current {
                        walker.skip_current_dir();
                    }
                }
                continue;
            }
            if !entry.file_type().is_file() {
                continue;
            }
            if entry.depth() > 0 && self.pictures.shown_by_a_page(entry.path()) {
                self.pictures.left += 1;
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

/// The extensions of saved web pages.
const PAGE_EXTENSIONS: &[&str] = &["html", "htm", "shtml", "xhtml"];

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Whether a folder is where a browser saved a page's pictures and styles ("save page,
/// complete": `NAME_files`, or `NAME.files`, beside `NAME.html`).
fn is_page_folder(dir: &Path) -> bool {
    let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Some(stem) = name
        .strip_suffix("_files")
        .or_else(|| name.strip_suffix(".files"))
    else {
        return false;
    };
    let parent = dir.parent().unwrap_or(Path::new(""));
    !stem.is_empty()
        && PAGE_EXTENSIONS
            .iter()
            .any(|x| parent.join(format!("{stem}.{x}")).is_file())
}

/// The picture files that a saved web page beside them shows (a crawler that saves
/// `page.html` beside `1.jpg`, or `images/1.jpg`): the page reads them
/// ([`crate::decode::decode_in`]), so they are not reports of their own.
#[derive(Default)]
struct PagePictures {
    /// For folders met: the relative paths the `src` of the pages in it name.
    shown: std::collections::HashMap<PathBuf, HashSet<String>>,
    /// Pictures and page folders left to their pages.
    left: usize,
}

/// Largest page read for the pictures it names: a page is tens of kilobytes.
const MAX_PAGE_BYTES: u64 = 16 * 1024 * 1024;

/// Folders whose pages' pictures are remembered at once: the walk is depth first, so a
/// folder's files are met together.
const FOLDERS_REMEMBERED: usize = 64;

impl PagePictures {
    /// Whether `file` is a picture (PNG, JPEG) that a page in its folder, or in the folder
    /// above, names.
    fn shown_by_a_page(&mut self, file: &Path) -> bool {
        if !has_extension(file, &["png", "jpg", "jpeg"]) {
            return false;
        }
        let (Some(folder), Some(name)) = (file.parent(), file.file_name()) else {
            return false;
        };
        let name = name.to_string_lossy();
        if self.named_in(folder).contains(name.as_ref()) {
            return true;
        }
        match (folder.parent(), folder.file_name()) {
            (Some(above), Some(sub)) => {
                let path = format!("{}/{name}", sub.to_string_lossy());
                self.named_in(above).contains(&path)
            }
            _ => false,
        }
    }

    fn named_in(&mut self, folder: &Path) -> &HashSet<String> {
        if !self.shown.contains_key(folder) {
            if self.shown.len() >= FOLDERS_REMEMBERED {
                self.shown.clear();
            }
            self.shown
                .insert(folder.to_path_buf(), pictures_named_in(folder));
        }
        &self.shown[folder]
    }
}

/// The relative paths (`1.jpg`, `images/1.jpg`) that the `<img src>` of the saved pages
/// in `folder` name (the pictures the decoder reads: a `<script src>` is none).
fn pictures_named_in(folder: &Path) -> HashSet<String> {
    static SRC: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r#"(?i)<img\b[^>]*?\ssrc\s*=\s*["']?([^"'\s>]+)"#).unwrap()
    });
    let mut names = HashSet::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return names;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let small = entry
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() <= MAX_PAGE_BYTES);
        if !small || !has_extension(&path, PAGE_EXTENSIONS) {
            continue;
        }
        let Ok(page) = std::fs::read(&path) else {
            continue;
        };
        for src in SRC.captures_iter(&page) {
            names.extend(crate::text::relative_src(&String::from_utf8_lossy(&src[1])));
        }
    }
    names
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
    fn pictures_of_saved_pages_are_left_to_their_pages() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (p, body) in [
            ("a.html", "<img src=\"a_files/1.png\">"),
            ("a_files/1.png", ""),
            ("a_files/style.css", ""),
            // No page `b.html`: a folder like any other.
            ("b_files/2.png", ""),
            (
                "c/page.htm",
                "<IMG class=p SRC='./3.jpg'><img src=\"img/4.JPG?x=1\"><img src=\"img\\7.png\">\
                 <script src=\"8.png\"></script>",
            ),
            ("c/3.jpg", ""),
            ("c/img/4.JPG", ""),
            // Named with a backslash (a page saved on Windows), read by the page.
            ("c/img/7.png", ""),
            ("c/5.jpg", ""),
            // Named by a script, not by an `<img>`: the page does not read it.
            ("c/8.png", ""),
            ("d.files/6.png", ""),
            ("d.htm", ""),
        ] {
            let p = d.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let found: Vec<Found> = walk(&[d.to_path_buf()], &d.join("out"), Shard::ALL).collect();
        let files: Vec<String> = found
            .iter()
            .filter_map(|f| match f {
                Found::File { relative, .. } => Some(relative.display().to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(
            files,
            [
                "a.html",
                "b_files/2.png",
                "c/5.jpg",
                "c/8.png",
                "c/page.htm",
                "d.htm"
            ]
        );
        let said: Vec<&String> = found
            .iter()
            .filter_map(|f| match f {
                Found::Skipped(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(said.len(), 1);
        assert!(
            said[0].starts_with("pictures of saved web pages left to their pages: 5 ("),
            "{}",
            said[0]
        );
    }

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
