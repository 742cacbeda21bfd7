//! crossref: checks across reports, run once the whole corpus has been read.
//!
//! Each report leaves a small summary here (its carry-over and stock cells, a hash of all
//! its cells, a MinHash signature of its prose); after the last file, the summaries of
//! the same agency's consecutive years are compared, reports whose prose is nearly the
//! same are found by locality-sensitive hashing, in time linear in the corpus, and the
//! place names each report's prose mentions are looked up among the corpus's agencies.
//!
//! The same agency across years: names are compared after [`agency_key`] (white space
//! and 关于 removed, 人民政府 dropped: 丰泽区人民政府 = 丰泽区); where a year has no report
//! under that key, a key without its leading province and city (泉州市丰泽区 → 丰泽区) is
//! tried, but only if just one report of that year has it (every city has a 行政服务中心).

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::categories::{Breakdown, Category, APPLICANT_COLUMNS};
use crate::model::{Code, Diagnostic, DocResult, Finding, Status, Template};

/// Hashes in a prose signature.
pub const SIGNATURE_LEN: usize = 32;
/// Signature hashes per LSH band: 8 bands of 4. Two texts of similarity 0.8 share a band
/// with probability 0.985, of similarity 0.3 with 0.06.
const BAND_ROWS: usize = 4;
/// Shingle length, in characters of the normalised prose (Han characters and letters).
const SHINGLE: usize = 8;
/// Prose shorter than this (normalised characters) gets no signature: too little to tell
/// a copy from the format's own fixed sentences.
pub const MIN_PROSE_CHARS: usize = 200;
/// Estimated similarity at which two reports' prose is called a near duplicate.
pub const NEAR_DUPLICATE: f64 = 0.8;
/// Most other reports one report is compared with per LSH bucket: a bucket of thousands
/// (one template filled in by every township) costs linear time, not quadratic.
const MAX_BUCKET_PEERS: usize = 16;
/// Most `near_duplicate` rows per report (the most similar first).
const MAX_NEAR_DUPLICATES: usize = 3;

/// A MinHash signature of a report's prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u32; SIGNATURE_LEN]);

impl Signature {
    /// The signature of prose lines; `None` when there is too little prose.
    ///
    /// One-permutation MinHash: each shingle is hashed once, and the hash's top bits pick
    /// which of the [`SIGNATURE_LEN`] minimums it competes for (32 hash functions per
    /// shingle cost 11% of a run). A bin no shingle fell into borrows from the next
    /// non-empty one, so equal texts still have equal signatures.
    pub fn of<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<Signature> {
        const _: () = assert!(SIGNATURE_LEN.is_power_of_two());
        let mut window = [0u64; SHINGLE];
        let mut seen = 0usize;
        let mut mins = [u32::MAX; SIGNATURE_LEN];
        let prose = lines
            .into_iter()
            .flat_map(str::chars)
            .filter(|&c| is_prose_char(c));
        for c in prose {
            window[seen % SHINGLE] = c as u64;
            seen += 1;
            if seen < SHINGLE {
                continue;
            }
            // The window's characters in text order start at the oldest one.
            let h =
                mix((0..SHINGLE).fold(FNV_OFFSET, |h, k| fnv1a(h, window[(seen + k) % SHINGLE])));
            let bin = (h >> 32) as usize & (SIGNATURE_LEN - 1);
            mins[bin] = mins[bin].min(h as u32);
        }
        if seen < MIN_PROSE_CHARS {
            return None;
        }
        let filled = mins;
        for (i, min) in mins.iter_mut().enumerate() {
            if *min == u32::MAX {
                if let Some(k) =
                    (1..SIGNATURE_LEN).find(|k| filled[(i + k) % SIGNATURE_LEN] != u32::MAX)
                {
                    *min = mix(u64::from(filled[(i + k) % SIGNATURE_LEN]) + k as u64) as u32;
                }
            }
        }
        Some(Signature(mins))
    }

    /// The estimated Jaccard similarity of the two texts' shingle sets.
    pub fn similarity(&self, other: &Signature) -> f64 {
        let same = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        same as f64 / SIGNATURE_LEN as f64
    }

    /// Hex text, for the incremental manifest.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|h| format!("{h:08x}")).collect()
    }

    /// Reads [`Signature::to_hex`]'s text; `None` for anything else (an empty field).
    pub fn from_hex(hex: &str) -> Option<Signature> {
        if hex.len() != SIGNATURE_LEN * 8 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u32; SIGNATURE_LEN];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).ok()?;
        }
        Some(Signature(out))
    }
}

/// Most place names kept per report.
const MAX_PLACES: usize = 16;

/// What the checks across reports keep of a report's prose: its signature, and the names
/// of places of the kinds compared (towns, street offices, districts, counties) it
/// mentions, with a line each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProseTraces {
    /// MinHash signature; `None` for too little prose.
    pub signature: Option<Signature>,
    /// Runs of Han characters ending in 镇, 乡, 街道, 区 or 县 (the name is a suffix of the
    /// run: "全区各镇和仙都镇" holds 仙都镇), first line each.
    pub places: Vec<(String, i32)>,
}

static PLACE_RUN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\p{Han}{1,7}?(?:镇|乡|街道|区|县)").expect("valid pattern")
});

impl ProseTraces {
    /// The traces of prose lines (1-based line, text).
    pub fn of(prose: &[(i32, &str)]) -> ProseTraces {
        let mut places: Vec<(String, i32)> = Vec::new();
        // Only lines holding a place suffix can match (most hold none).
        let suffix = |c: char| matches!(c, '镇' | '乡' | '道' | '区' | '县');
        for (line, text) in prose.iter().filter(|(_, text)| text.contains(suffix)) {
            let compact = crate::text::without_whitespace(text);
            for m in PLACE_RUN.find_iter(&compact) {
                if places.len() < MAX_PLACES && !places.iter().any(|(p, _)| p == m.as_str()) {
                    places.push((m.as_str().to_string(), *line));
                }
            }
        }
        ProseTraces {
            signature: Signature::of(prose.iter().map(|(_, l)| *l)),
            places,
        }
    }

    /// One text field for the incremental manifest: the signature's hex, then
    /// `|name:line` per place.
    pub fn to_field(&self) -> String {
        let mut field = self.signature.map(|s| s.to_hex()).unwrap_or_default();
        for (name, line) in &self.places {
            field.push_str(&format!("|{name}:{line}"));
        }
        field
    }

    /// Reads [`ProseTraces::to_field`]'s text.
    pub fn from_field(field: &str) -> ProseTraces {
        let mut parts = field.split('|');
        let signature = parts.next().and_then(Signature::from_hex);
        let places = parts
            .filter_map(|p| {
                let (name, line) = p.rsplit_once(':')?;
                Some((name.to_string(), line.parse().ok()?))
            })
            .collect();
        ProseTraces { signature, places }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Whether a character counts as prose for signatures: letters, Han characters above all
/// (checked first, without the Unicode table lookup).
fn is_prose_char(c: char) -> bool {
    crate::text::is_ideograph(c) || c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

/// One FNV-1a step.
fn fnv1a(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(0x0100_0000_01b3)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The name an agency is matched by across years: white space and a leading 关于
/// removed, 人民政府 dropped (丰泽区人民政府 and 丰泽区 are one agency; so are
/// 鲤城区人民政府开元街道办事处 and 鲤城区开元街道办事处).
pub fn agency_key(agency: &str) -> String {
    let compact = crate::text::without_whitespace(agency);
    let compact = compact.strip_prefix("关于").unwrap_or(&compact);
    compact.replace("人民政府", "")
}

/// The key without a leading province and city (泉州市丰泽区 → 丰泽区), where something
/// is left: the short form reports use for themselves.
pub fn short_key(key: &str) -> Option<&str> {
    let mut rest = key;
    for marker in ["省", "自治区", "市", "自治州", "州", "盟"] {
        if let Some(i) = rest.find(marker) {
            let after = &rest[i + marker.len()..];
            // Only a prefix: 泉州市 in 泉州市丰泽区, not 市 in 市场监督管理局.
            if i > 0 && i <= 12 && after.chars().count() >= 2 {
                rest = after;
            }
        }
    }
    (rest != key).then_some(rest)
}

/// The kinds of place agency whose reports are checked for other places' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PlaceKind {
    /// 镇 or 乡.
    Town,
    /// 街道.
    Street,
    /// 区.
    District,
    /// 县.
    County,
}

/// The kind of place an agency key names, by its ending; `None` for departments and cities.
fn place_kind(key: &str) -> Option<PlaceKind> {
    let key = key.strip_suffix("办事处").unwrap_or(key);
    [
        ("镇", PlaceKind::Town),
        ("乡", PlaceKind::Town),
        ("街道", PlaceKind::Street),
        ("区", PlaceKind::District),
        ("县", PlaceKind::County),
    ]
    .into_iter()
    .find(|(end, _)| key.ends_with(end))
    .map(|(_, kind)| kind)
}

/// The names a place agency goes by in prose: its key without 办事处, and that without
/// the larger places before it (鲤城区开元街道 → 开元街道, 泉州市丰泽区 → 丰泽区).
fn place_names(key: &str) -> Vec<&str> {
    if place_kind(key).is_none() {
        return Vec::new();
    }
    let full = key.strip_suffix("办事处").unwrap_or(key);
    let mut names = vec![full];
    for (i, c) in full.char_indices() {
        if matches!(c, '省' | '市' | '区' | '县') {
            let rest = &full[i + c.len_utf8()..];
            if rest.chars().count() >= 3 {
                names.push(rest);
            }
        }
    }
    names
}

/// The 64-bit hash agency keys and place names are matched by in the index: two of the
/// few hundred thousand distinct names in a decade of reports share one with odds of
/// about one in a billion.
fn hash_text(text: &str) -> u64 {
    mix(text.bytes().fold(FNV_OFFSET, |h, b| fnv1a(h, u64::from(b))))
}

/// A cell value with its source line.
type Cell = Option<(f64, i32)>;

/// What the cross-report checks need of one report: made by the worker that read it
/// ([`ReportSummary::of`]), handed to [`CrossIndex::push`].
#[derive(Debug, Clone)]
pub struct ReportSummary {
    stored: Stored,
    signature: Option<Signature>,
}

/// The part of a summary the index keeps in its record file, read back for the checks.
#[derive(Debug, Clone, PartialEq)]
struct Stored {
    report_id: String,
    source_path: String,
    agency: String,
    /// [`agency_key`] of the agency.
    key: String,
    year: i32,
    /// Whether the report has the 2021 tables (the stock rows are compared only then).
    y2021: bool,
    carried_over: [Cell; 7],
    carried_forward: [Cell; 7],
    /// 规章, 规范性文件: (本年制发, 本年废止, 现行有效).
    stock: [[Cell; 3]; 2],
    /// A hash of every cell (category, breakdown, value), in a fixed order.
    cells: u64,
    /// How many cells, and whether all are zero (small agencies report all-zero tables
    /// every year, which is no sign of copying).
    cell_count: u32,
    all_zero: bool,
    places: Vec<(String, i32)>,
}

impl ReportSummary {
    /// The summary of a report; `None` for a report that could not be read.
    pub fn of(doc: &DocResult) -> Option<ReportSummary> {
        let r = &doc.report;
        if r.status == Status::Failed {
            return None;
        }
        let (agency, year) = (r.agency.as_deref()?, r.year?);
        let key = agency_key(agency);
        let mut s = Stored {
            report_id: r.report_id.clone(),
            source_path: r.source_path.clone(),
            agency: agency.to_string(),
            year,
            y2021: r.template == Template::Y2021,
            carried_over: [None; 7],
            carried_forward: [None; 7],
            stock: [[None; 3]; 2],
            cells: 0,
            cell_count: doc.facts.len() as u32,
            all_zero: doc.facts.iter().all(|f| f.value == 0.0),
            // Only a place agency's report is checked for other places' names: a
            // department's places are not kept (most reports, and most of this space).
            places: if place_kind(&key).is_some() {
                doc.traces.places.clone()
            } else {
                Vec::new()
            },
            key,
        };
        for f in &doc.facts {
            // Order-independent (a sum of cell hashes): the same cells in any order match.
            let cell_hash = (f.category as u64) << 40 | (f.breakdown as u64) << 32;
            s.cells = s
                .cells
                .wrapping_add(mix(fnv1a(cell_hash, f.value.to_bits())));
            let cell = Some((f.value, f.line));
            let applicant = APPLICANT_COLUMNS.iter().position(|b| *b == f.breakdown);
            let stock_row = match f.category {
                Category::ActiveRules => Some(0),
                Category::ActiveNormativeDocs => Some(1),
                _ => None,
            };
            let stock_col = match f.breakdown {
                Breakdown::Issued => Some(0),
                Breakdown::Repealed => Some(1),
                Breakdown::InForce => Some(2),
                _ => None,
            };
            match (f.category, applicant, stock_row, stock_col) {
                (Category::CarriedOver, Some(i), ..) => s.carried_over[i] = cell,
                (Category::CarriedForward, Some(i), ..) => s.carried_forward[i] = cell,
                (_, _, Some(row), Some(col)) => s.stock[row][col] = cell,
                _ => {}
            }
        }
        Some(ReportSummary {
            stored: s,
            signature: doc.traces.signature,
        })
    }
}

impl Stored {
    fn diagnostic(&self, f: Finding) -> Diagnostic {
        Diagnostic {
            report_id: self.report_id.clone(),
            source_path: self.source_path.clone(),
            severity: f.severity,
            code: f.code,
            message: f.message,
            line: f.line,
        }
    }

    fn name(&self) -> String {
        format!("{} {} (report {})", self.agency, self.year, self.report_id)
    }

    fn cells(&self) -> impl Iterator<Item = &Cell> {
        let stock = self.stock.iter().flatten();
        self.carried_over
            .iter()
            .chain(&self.carried_forward)
            .chain(stock)
    }

    /// Appends the record: texts with their length before them, numbers little-endian.
    fn encode(&self, out: &mut Vec<u8>) {
        let text = |out: &mut Vec<u8>, text: &str| {
            out.extend((text.len() as u32).to_le_bytes());
            out.extend(text.as_bytes());
        };
        for field in [&self.report_id, &self.source_path, &self.agency, &self.key] {
            text(out, field);
        }
        out.extend(self.year.to_le_bytes());
        out.push(u8::from(self.y2021));
        for cell in self.cells() {
            match cell {
                Some((value, line)) => {
                    out.push(1);
                    out.extend(value.to_le_bytes());
                    out.extend(line.to_le_bytes());
                }
                None => out.push(0),
            }
        }
        out.extend(self.cells.to_le_bytes());
        out.extend(self.cell_count.to_le_bytes());
        out.push(u8::from(self.all_zero));
        out.extend((self.places.len() as u32).to_le_bytes());
        for (name, line) in &self.places {
            text(out, name);
            out.extend(line.to_le_bytes());
        }
    }

    /// Reads [`Stored::encode`]'s record; `None` if it is cut short or not one.
    fn decode(record: &[u8]) -> Option<Stored> {
        let mut r = Fields(record);
        let mut s = Stored {
            report_id: r.text()?,
            source_path: r.text()?,
            agency: r.text()?,
            key: r.text()?,
            year: i32::from_le_bytes(r.array()?),
            y2021: r.byte()? == 1,
            carried_over: [None; 7],
            carried_forward: [None; 7],
            stock: [[None; 3]; 2],
            cells: 0,
            cell_count: 0,
            all_zero: false,
            places: Vec::new(),
        };
        let stock = s.stock.iter_mut().flatten();
        for cell in s
            .carried_over
            .iter_mut()
            .chain(&mut s.carried_forward)
            .chain(stock)
        {
            if r.byte()? == 1 {
                *cell = Some((
                    f64::from_le_bytes(r.array()?),
                    i32::from_le_bytes(r.array()?),
                ));
            }
        }
        s.cells = u64::from_le_bytes(r.array()?);
        s.cell_count = u32::from_le_bytes(r.array()?);
        s.all_zero = r.byte()? == 1;
        for _ in 0..u32::from_le_bytes(r.array()?) {
            s.places.push((r.text()?, i32::from_le_bytes(r.array()?)));
        }
        r.0.is_empty().then_some(s)
    }
}

/// The fields of a record, read in order.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.0.get(..n)?;
        self.0 = &self.0[n..];
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn text(&mut self) -> Option<String> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

/// Bytes per report in the signature file: a signature or not, the agency key's hash,
/// the year, the signature (zeros for none).
const SIGNED_RECORD: usize = 1 + 8 + 4 + 4 * SIGNATURE_LEN;

/// What the near-duplicate search reads of a report: fixed-size, so that report `i`'s
/// is at `i * SIGNED_RECORD`.
struct Signed {
    key: u64,
    year: i32,
    signature: Option<Signature>,
}

impl Signed {
    fn encode(&self) -> [u8; SIGNED_RECORD] {
        let mut record = [0u8; SIGNED_RECORD];
        record[0] = u8::from(self.signature.is_some());
        record[1..9].copy_from_slice(&self.key.to_le_bytes());
        record[9..13].copy_from_slice(&self.year.to_le_bytes());
        let hashes = self.signature.map_or([0; SIGNATURE_LEN], |s| s.0);
        for (bytes, h) in record[13..].chunks_exact_mut(4).zip(hashes) {
            bytes.copy_from_slice(&h.to_le_bytes());
        }
        record
    }

    fn decode(record: &[u8; SIGNED_RECORD]) -> Signed {
        let mut hashes = [0u32; SIGNATURE_LEN];
        for (h, bytes) in hashes.iter_mut().zip(record[13..].chunks_exact(4)) {
            *h = u32::from_le_bytes(bytes.try_into().expect("four bytes"));
        }
        Signed {
            key: u64::from_le_bytes(record[1..9].try_into().expect("eight bytes")),
            year: i32::from_le_bytes(record[9..13].try_into().expect("four bytes")),
            signature: (record[0] == 1).then_some(Signature(hashes)),
        }
    }
}

/// Reads `buf.len()` bytes at `offset` (a seek and a read: the file is the index's own).
fn read_at(mut file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Flushes a temporary file's buffer and hands the file back for reading.
fn finish(file: BufWriter<File>) -> io::Result<File> {
    file.into_inner().map_err(io::IntoInnerError::into_error)
}

/// A report's agency key and year, as the index sorts them to find the same agency's
/// year before: by short key, year, key, then report (field order is sort order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct KeyEntry {
    short: u64,
    year: i32,
    key: u64,
    report: u32,
}

/// One name of a place agency with a report, sorted by name, then report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PlaceEntry {
    name: u64,
    report: u32,
    key: u64,
    kind: PlaceKind,
}

/// One of a report's most similar others: how many signature hashes they share, and
/// which report it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Near {
    same: u8,
    other: u32,
}

/// A report's [`MAX_NEAR_DUPLICATES`] most similar others, best first (`None` when fewer).
type Nearest = [Option<Near>; MAX_NEAR_DUPLICATES];

/// Keeps `candidate` among `nearest` if it is one of the best: more hashes shared first,
/// then the earlier report. The same pair found again (through another band) changes
/// nothing.
fn offer(nearest: &mut Nearest, candidate: Near) {
    let rank = |n: &Near| (std::cmp::Reverse(n.same), n.other);
    if nearest.iter().flatten().any(|n| n.other == candidate.other) {
        return;
    }
    let Some(at) = nearest
        .iter()
        .position(|n| n.is_none_or(|n| rank(&candidate) < rank(&n)))
    else {
        return;
    };
    nearest[at..].rotate_right(1);
    nearest[at] = Some(candidate);
}

/// Collects report summaries as the run writes them, and compares them once all are in
/// ([`CrossIndex::for_each_finding`]).
///
/// The summaries go to two unnamed temporary files (beside the output: the same disk,
/// and gone when the run ends however it ends), not to memory: while the corpus is read,
/// the index holds nothing per report. The comparisons at the end read the files back
/// and hold arrays of 8 to 36 bytes a report (where each summary is, its keys' and place
/// names' hashes, its nearest others), made when the workers' memory is free again.
#[derive(Debug)]
pub struct CrossIndex {
    /// Each report's [`Stored`] record, its length (`u32`) before it.
    records: BufWriter<File>,
    /// Each report's [`Signed`] record.
    signed: BufWriter<File>,
    reports: u32,
    /// A record being encoded (kept to reuse its allocation).
    scratch: Vec<u8>,
}

impl CrossIndex {
    /// An empty index whose temporary files are made in `dir`.
    pub fn create_in(dir: &Path) -> io::Result<CrossIndex> {
        Ok(CrossIndex {
            records: BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir)?),
            signed: BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir)?),
            reports: 0,
            scratch: Vec::new(),
        })
    }

    /// Records one report (failed reports and those without agency or year are skipped);
    /// the pipeline pushes summaries its workers made instead.
    #[cfg(test)]
    fn add(&mut self, doc: &DocResult) {
        self.push(ReportSummary::of(doc))
            .expect("writing a temporary file");
    }

    /// Adds a report's summary, made beforehand ([`ReportSummary::of`]).
    pub fn push(&mut self, summary: Option<ReportSummary>) -> io::Result<()> {
        let Some(ReportSummary { stored, signature }) = summary else {
            return Ok(());
        };
        self.scratch.clear();
        self.scratch.extend([0; 4]);
        stored.encode(&mut self.scratch);
        let len = (self.scratch.len() - 4) as u32;
        self.scratch[..4].copy_from_slice(&len.to_le_bytes());
        self.records.write_all(&self.scratch)?;
        let signed = Signed {
            key: hash_text(&stored.key),
            year: stored.year,
            signature,
        };
        self.signed.write_all(&signed.encode())?;
        self.reports += 1;
        Ok(())
    }

    /// The cross-report diagnostics, in the order their reports were added, each with its
    /// report's year (for the partitioned layout), handed to `emit` one by one: a large
    /// corpus has hundreds of thousands, which are not held at once.
    pub fn for_each_finding(
        self,
        mut emit: impl FnMut(Option<i32>, Diagnostic) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let reports = self.reports as usize;
        let signed = finish(self.signed)?;
        let (records, keys, mut places) = Records::scan(finish(self.records)?, reports)?;
        let previous = previous_years(keys);
        let nearest = similar_reports(&signed, reports)?;
        drop(signed);
        places.sort_unstable();
        let mut found: Vec<Diagnostic> = Vec::new();
        for i in 0..reports {
            let r = records.get(i as u32)?;
            if let Some(p) = previous[i] {
                compare_years(&r, &records.get(p)?, &mut found);
            }
            for near in nearest[i].iter().flatten() {
                near_duplicate(&r, near, &records.get(near.other)?, &mut found);
            }
            other_agencies_named_in(&r, &places, &records, &mut found)?;
            for d in found.drain(..) {
                emit(Some(r.year), d)?;
            }
        }
        Ok(())
    }

    /// All of [`CrossIndex::for_each_finding`]'s diagnostics at once.
    #[cfg(test)]
    fn findings(self) -> Vec<(Option<i32>, Diagnostic)> {
        let mut all = Vec::new();
        self.for_each_finding(|year, d| {
            all.push((year, d));
            Ok(())
        })
        .expect("collecting into a Vec cannot fail");
        all
    }
}

/// The index's record file, read back report by report.
struct Records {
    file: File,
    /// Where each report's record (its length first) starts, and where the last ends.
    offsets: Vec<u64>,
}

impl Records {
    /// Reads the record file through once: where each record is, and each report's keys
    /// and place names (hashed) to sort.
    fn scan(file: File, reports: usize) -> io::Result<(Records, Vec<KeyEntry>, Vec<PlaceEntry>)> {
        let (mut offsets, mut keys, mut places) = (
            Vec::with_capacity(reports + 1),
            Vec::with_capacity(reports),
            Vec::new(),
        );
        let mut reader = io::BufReader::with_capacity(1 << 16, &file);
        reader.seek(SeekFrom::Start(0))?;
        let mut at = 0u64;
        let mut record = Vec::new();
        for report in 0..reports as u32 {
            let mut len = [0u8; 4];
            reader.read_exact(&mut len)?;
            let len = u32::from_le_bytes(len);
            record.resize(len as usize, 0);
            reader.read_exact(&mut record)?;
            offsets.push(at);
            at += 4 + u64::from(len);
            let stored = Stored::decode(&record).ok_or_else(damaged)?;
            let key = hash_text(&stored.key);
            let short = short_key(&stored.key).map_or(key, hash_text);
            keys.push(KeyEntry {
                short,
                year: stored.year,
                key,
                report,
            });
            if let Some(kind) = place_kind(&stored.key) {
                for name in place_names(&stored.key) {
                    let name = hash_text(name);
                    places.push(PlaceEntry {
                        name,
                        report,
                        key,
                        kind,
                    });
                }
            }
        }
        offsets.push(at);
        drop(reader);
        Ok((Records { file, offsets }, keys, places))
    }

    fn get(&self, report: u32) -> io::Result<Stored> {
        let i = report as usize;
        let (start, end) = (self.offsets[i] + 4, self.offsets[i + 1]);
        let mut record = vec![0u8; (end - start) as usize];
        read_at(&self.file, start, &mut record)?;
        Stored::decode(&record).ok_or_else(damaged)
    }
}

/// The error for a temporary file that does not read back as written.
fn damaged() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the cross-report index's temporary file was changed while the run read it",
    )
}

/// For each report, the report of the same agency for the year before, if one: the
/// first one with its key, or else the only agency of that year with its short key.
fn previous_years(mut keys: Vec<KeyEntry>) -> Vec<Option<u32>> {
    let mut previous = vec![None; keys.len()];
    keys.sort_unstable();
    for e in &keys {
        let year = e.year - 1;
        let from = keys.partition_point(|k| (k.short, k.year) < (e.short, year));
        let to = keys.partition_point(|k| (k.short, k.year) <= (e.short, year));
        let group = &keys[from..to];
        // The first report met is the one compared with (a report published twice, as
        // PDF and as a web page, is one report).
        let same_key = group.iter().find(|k| k.key == e.key);
        let only_key = match group {
            [first, .., last] if first.key != last.key => None,
            [first, ..] => Some(first),
            [] => None,
        };
        previous[e.report as usize] = same_key.or(only_key).map(|k| k.report);
    }
    previous
}

fn compare_years(r: &Stored, prev: &Stored, found: &mut Vec<Diagnostic>) {
    let mut warn = |f: Finding| found.push(r.diagnostic(f));
    for (b, (now, before)) in APPLICANT_COLUMNS
        .iter()
        .zip(r.carried_over.iter().zip(&prev.carried_forward))
    {
        if let (Some((now, line)), Some((before, _))) = (now, before) {
            if now != before {
                warn(Finding::warning(
                    Code::CarryMismatch,
                    format!(
                        "{}: 上年结转 is {now}, but {} carried {before} forward \
                         (结转下年度继续办理)",
                        b.code(),
                        prev.name()
                    ),
                    Some(*line),
                ));
            }
        }
    }
    if r.y2021 && prev.y2021 {
        for (row, name) in ["规章", "规范性文件"].iter().enumerate() {
            let [Some((issued, _)), Some((repealed, _)), Some((in_force, line))] = r.stock[row]
            else {
                continue;
            };
            let Some((before, _)) = prev.stock[row][2] else {
                continue;
            };
            let expected = before + issued - repealed;
            if in_force != expected {
                warn(Finding::warning(
                    Code::StockChainMismatch,
                    format!(
                        "{name}: 现行有效件数 is {in_force}, but {} had {before} in force, \
                         plus {issued} 制发 minus {repealed} 废止 this year makes {expected} \
                         (agencies count revisions and expiries differently: check the notes)",
                        prev.name()
                    ),
                    Some(line),
                ));
            }
        }
    }
    if r.cells == prev.cells && !r.all_zero && r.cell_count >= 10 {
        warn(Finding::warning(
            Code::RepeatedContent,
            format!(
                "all {} table cells are the same as in {}: the tables may have been \
                 copied from last year's report",
                r.cell_count,
                prev.name()
            ),
            None,
        ));
    }
}

/// Report `r`'s rows for another agency of the same kind named in its prose: 仙都镇 in
/// 灵秀镇's report, where 仙都镇 has a report in the corpus too. Only kinds whose names a
/// report has little reason to use for a peer are compared (towns, street offices,
/// districts, counties).
fn other_agencies_named_in(
    r: &Stored,
    places: &[PlaceEntry],
    records: &Records,
    found: &mut Vec<Diagnostic>,
) -> io::Result<()> {
    let Some(kind) = place_kind(&r.key) else {
        return Ok(());
    };
    let key = hash_text(&r.key);
    let own = place_names(&r.key);
    // The agencies with reports going by a name, in report order.
    let named_by = |name: &str| {
        let name = hash_text(name);
        let from = places.partition_point(|p| p.name < name);
        let to = places.partition_point(|p| p.name <= name);
        &places[from..to]
    };
    let mut named: Vec<&str> = Vec::new();
    for (run, line) in &r.places {
        // Longest suffix first: 仙都镇 before 都镇.
        let Some((name, peers)) = run.char_indices().find_map(|(b, _)| {
            let suffix = &run[b..];
            let peers = named_by(suffix);
            (suffix.chars().count() >= 3 && !peers.is_empty()).then_some((suffix, peers))
        }) else {
            continue;
        };
        if own.iter().any(|o| o.ends_with(name)) || named.contains(&name) {
            continue;
        }
        if let Some(other) = peers.iter().find(|p| p.key != key && p.kind == kind) {
            named.push(name);
            found.push(r.diagnostic(Finding::warning(
                Code::CopiedText,
                format!(
                    "the text names {name}, another agency with a report in this \
                     corpus ({}), in {}'s report: copied from its report?",
                    records.get(other.report)?.name(),
                    r.agency
                ),
                Some(*line),
            )));
        }
    }
    Ok(())
}

/// For each report, its [`MAX_NEAR_DUPLICATES`] most similar others of those whose prose
/// is at least [`NEAR_DUPLICATE`] the same, found band by band: the (band hash, report)
/// pairs of one band at a time are sorted, so that a bucket is a run of equal hashes.
fn similar_reports(signed: &File, reports: usize) -> io::Result<Vec<Nearest>> {
    const BANDS: usize = SIGNATURE_LEN / BAND_ROWS;
    let mut nearest: Vec<Nearest> = vec![[None; MAX_NEAR_DUPLICATES]; reports];
    let mut record = [0u8; SIGNED_RECORD];
    for band in 0..BANDS {
        let mut entries: Vec<(u64, u32)> = Vec::new();
        let mut file = signed;
        file.seek(SeekFrom::Start(0))?;
        let mut reader = io::BufReader::with_capacity(1 << 16, file);
        for report in 0..reports {
            reader.read_exact(&mut record)?;
            if let Some(sig) = Signed::decode(&record).signature {
                let rows = &sig.0[band * BAND_ROWS..(band + 1) * BAND_ROWS];
                let h = rows.iter().fold(band as u64, |h, &x| mix(h ^ x as u64));
                entries.push((h, report as u32));
            }
        }
        drop(reader);
        entries.sort_unstable();
        // Each report is compared with the next few members of its bucket (a window of
        // the last ones read): a bucket of thousands (one template filled in by every
        // township) costs linear time, not quadratic.
        let mut window: std::collections::VecDeque<(u32, Signed)> = Default::default();
        for (k, &(h, b)) in entries.iter().enumerate() {
            let first = k == 0 || entries[k - 1].0 != h;
            if first {
                window.clear();
                // A bucket of one has nothing to compare.
                if entries.get(k + 1).is_none_or(|next| next.0 != h) {
                    continue;
                }
            }
            read_at(signed, b as u64 * SIGNED_RECORD as u64, &mut record)?;
            let rb = Signed::decode(&record);
            for (a, ra) in &window {
                // One report in two forms (PDF and web page) is not a copy.
                if ra.key == rb.key && ra.year == rb.year {
                    continue;
                }
                let (Some(sa), Some(sb)) = (&ra.signature, &rb.signature) else {
                    continue;
                };
                let s = sa.similarity(sb);
                if s >= NEAR_DUPLICATE {
                    let same = (s * SIGNATURE_LEN as f64) as u8;
                    offer(&mut nearest[*a as usize], Near { same, other: b });
                    offer(&mut nearest[b as usize], Near { same, other: *a });
                }
            }
            if window.len() == MAX_BUCKET_PEERS {
                window.pop_front();
            }
            window.push_back((b, rb));
        }
    }
    Ok(nearest)
}

/// Report `r`'s `near_duplicate` row for one of its most similar others.
fn near_duplicate(r: &Stored, near: &Near, other: &Stored, found: &mut Vec<Diagnostic>) {
    let whose = if other.key == r.key {
        "the same agency's report for another year"
    } else {
        "another agency's report"
    };
    let s = f64::from(near.same) / SIGNATURE_LEN as f64;
    found.push(r.diagnostic(Finding::warning(
        Code::NearDuplicate,
        format!(
            "the prose is about {:.0}% the same as {whose}: {} ({})",
            s * 100.0,
            other.name(),
            other.source_path
        ),
        None,
    )));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::Section;
    use crate::model::{Fact, Report, Unit};

    const PROSE_A: &str = include_str!("../data/raw/001_1f7e495e6ab563f2.txt");
    const PROSE_B: &str = include_str!("../data/raw/004_ed1ff81cc4d3de7d.txt");

    fn doc(
        id: &str,
        agency: &str,
        year: i32,
        template: Template,
        cells: &[(Category, Breakdown, f64)],
        prose: &str,
    ) -> DocResult {
        let facts = cells
            .iter()
            .enumerate()
            .map(|(i, &(category, breakdown, value))| Fact {
                report_id: id.to_string(),
                agency: Some(agency.to_string()),
                year: Some(year),
                template,
                section: Section::Applications,
                category,
                breakdown,
                value,
                unit: Unit::Count,
                raw: value.to_string(),
                line: 100 + i as i32,
            })
            .collect();
        DocResult {
            report: Report {
                report_id: id.to_string(),
                source_path: format!("{id}.txt"),
                bytes: 1,
                agency: Some(agency.to_string()),
                year: Some(year),
                template,
                title: None,
                doc_number: None,
                issued_on: None,
                status: Status::Ok,
                facts: cells.len() as i32,
                warnings: 0,
                error: None,
                format: None,
                encoding: None,
                source_url: None,
                published_at: None,
                publisher: None,
            },
            facts,
            diagnostics: Vec::new(),
            traces: ProseTraces::of(
                &prose
                    .lines()
                    .enumerate()
                    .map(|(i, l)| (i as i32 + 1, l))
                    .collect::<Vec<_>>(),
            ),
        }
    }

    /// An empty index with its files in the system's temporary folder.
    fn empty_index() -> CrossIndex {
        CrossIndex::create_in(&std::env::temp_dir()).expect("a temporary file")
    }

    fn codes(index: CrossIndex) -> Vec<(String, String)> {
        index
            .findings()
            .into_iter()
            .map(|(_, d)| (d.report_id, d.code.code().to_string()))
            .collect()
    }

    use Category::{CarriedForward as FORWARD, CarriedOver as OVER};

    /// An index of reports with only a carry row (上年结转 or 结转下年度): each
    /// (id, agency, year, row, 自然人, 总计).
    fn carrying(reports: &[(&str, &str, i32, Category, f64, f64)]) -> CrossIndex {
        let mut index = empty_index();
        for &(id, agency, year, category, natural, total) in reports {
            let cells = [
                (category, Breakdown::NaturalPerson, natural),
                (category, Breakdown::Total, total),
            ];
            index.add(&doc(id, agency, year, Template::Y2021, &cells, ""));
        }
        index
    }

    #[test]
    fn a_summary_reads_back_from_its_record_as_written() {
        let prose = "学习借鉴仙都镇的做法，在鲤城区开元街道办事处的指导下";
        let cells = [
            (OVER, Breakdown::NaturalPerson, 2.5),
            (FORWARD, Breakdown::Total, 7.0),
            (Category::ActiveRules, Breakdown::InForce, 50.0),
        ];
        let summary = ReportSummary::of(&doc(
            "a",
            "灵秀镇人民政府",
            2021,
            Template::Y2021,
            &cells,
            prose,
        ))
        .expect("a summary");
        let stored = summary.stored;
        assert_eq!(stored.places.len(), 3, "{:?}", stored.places);
        assert_eq!(stored.carried_over[0], Some((2.5, 100)));
        let mut record = Vec::new();
        stored.encode(&mut record);
        assert_eq!(Stored::decode(&record), Some(stored));
        // A record cut short, or with bytes after it, is not read as one.
        assert_eq!(Stored::decode(&record[..record.len() - 1]), None);
        record.push(0);
        assert_eq!(Stored::decode(&record), None);
        let signed = Signed {
            key: 7,
            year: 2021,
            signature: Signature::of(PROSE_A.lines()),
        };
        let back = Signed::decode(&signed.encode());
        assert_eq!(
            (back.key, back.year, back.signature),
            (7, 2021, signed.signature)
        );
        assert!(Signed::decode(
            &Signed {
                signature: None,
                ..signed
            }
            .encode()
        )
        .signature
        .is_none());
    }

    /// Pairs of Han texts sharing a growing part, and the exact Jaccard similarity of
    /// their shingle sets: the signature's estimate must track it (32 bins give a standard
    /// error of at most 0.09).
    #[test]
    fn signature_similarity_estimates_shingle_overlap() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut han = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from_u32(0x4E00 + (state % 3000) as u32).unwrap()
                })
                .collect()
        };
        let shingles = |t: &str| -> std::collections::HashSet<Vec<char>> {
            let chars: Vec<char> = t.chars().collect();
            chars.windows(SHINGLE).map(<[char]>::to_vec).collect()
        };
        let (mut squared_error, mut pairs) = (0.0, 0);
        for shared in (0..=600).step_by(15) {
            let common = han(shared);
            let a = format!("{common}{}", han(600 - shared));
            let b = format!("{common}{}", han(600 - shared));
            let (sa, sb) = (shingles(&a), shingles(&b));
            let exact = sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64;
            let estimate = Signature::of([a.as_str()])
                .unwrap()
                .similarity(&Signature::of([b.as_str()]).unwrap());
            assert!(
                (estimate - exact).abs() < 0.35,
                "{shared}: {estimate} vs {exact}"
            );
            squared_error += (estimate - exact).powi(2);
            pairs += 1;
        }
        let rmse = (squared_error / pairs as f64).sqrt();
        assert!(rmse < 0.12, "RMSE {rmse} over {pairs} pairs");
    }

    #[test]
    fn the_nearest_three_are_kept_best_first_each_once() {
        let mut nearest: Nearest = [None; MAX_NEAR_DUPLICATES];
        let near = |same, other| Near { same, other };
        for n in [
            near(26, 9),
            near(30, 5),
            near(26, 3),
            near(30, 5),
            near(26, 1),
            near(27, 8),
        ] {
            offer(&mut nearest, n);
        }
        assert_eq!(
            nearest,
            [Some(near(30, 5)), Some(near(27, 8)), Some(near(26, 1))]
        );
        let mut two: Nearest = [None; MAX_NEAR_DUPLICATES];
        offer(&mut two, near(28, 4));
        offer(&mut two, near(28, 4));
        offer(&mut two, near(29, 6));
        assert_eq!(two, [Some(near(29, 6)), Some(near(28, 4)), None]);
    }

    #[test]
    fn one_text_copied_by_many_agencies_gives_each_its_three_nearest() {
        // 40 agencies with one prose: one LSH bucket per band, larger than the window
        // each report is compared within.
        let mut index = empty_index();
        for i in 0..40 {
            let agency = format!("第{i}街道办事处");
            index.add(&doc(
                &format!("r{i:02}"),
                &agency,
                2021,
                Template::Y2021,
                &[],
                PROSE_A,
            ));
        }
        let found = index.findings();
        assert_eq!(found.len(), 40 * MAX_NEAR_DUPLICATES);
        for (k, (_, d)) in found.iter().enumerate() {
            assert_eq!(d.code, Code::NearDuplicate);
            assert_eq!(d.report_id, format!("r{:02}", k / MAX_NEAR_DUPLICATES));
        }
        // All equally similar: the earliest others each report was compared with are
        // named: r01's are r00, r02, r03; r39 was compared with the 16 before it only.
        let named = |k: usize| found[k].1.message.clone();
        assert!(named(0).contains("(report r01)"), "{}", named(0));
        assert!(named(3).contains("(report r00)"), "{}", named(3));
        assert!(named(5).contains("(report r03)"), "{}", named(5));
        assert!(named(119).contains("(report r25)"), "{}", named(119));
    }

    #[test]
    fn agency_names_match_across_years_after_normalising() {
        assert_eq!(agency_key("丰泽区人民政府"), "丰泽区");
        assert_eq!(agency_key("关于 泉州市 丰泽区"), "泉州市丰泽区");
        assert_eq!(
            agency_key("鲤城区人民政府开元街道办事处"),
            "鲤城区开元街道办事处"
        );
        assert_eq!(short_key("泉州市丰泽区"), Some("丰泽区"));
        assert_eq!(short_key("福建省泉州市丰泽区"), Some("丰泽区"));
        assert_eq!(short_key("市场监督管理局"), None);
        assert_eq!(short_key("丰泽区"), None);
        // 泉州市丰泽区 (2019) and 丰泽区人民政府 (2020) are one agency.
        let index = carrying(&[
            ("a", "泉州市丰泽区", 2019, FORWARD, 3.0, 3.0),
            ("b", "丰泽区人民政府", 2020, OVER, 0.0, 0.0),
        ]);
        let mismatch = ("b".to_string(), "carry_mismatch".to_string());
        assert_eq!(codes(index), [mismatch.clone(), mismatch]);
        // A short form two agencies share is no match.
        let index = carrying(&[
            ("a", "泉州市行政服务中心管委会", 2019, FORWARD, 3.0, 3.0),
            ("b", "厦门市行政服务中心管委会", 2019, FORWARD, 3.0, 3.0),
            ("c", "行政服务中心管委会", 2020, OVER, 0.0, 0.0),
        ]);
        assert!(codes(index).is_empty());
    }

    #[test]
    fn carry_over_is_checked_against_last_years_carry_forward() {
        let index = carrying(&[
            ("a", "泉港区", 2021, FORWARD, 2.0, 5.0),
            ("b", "泉港区", 2022, OVER, 2.0, 4.0),
            // A year with no report before it has nothing to compare with.
            ("c", "泉港区", 2024, OVER, 9.0, 9.0),
        ]);
        let found = index.findings();
        assert_eq!(found.len(), 1);
        let (year, d) = &found[0];
        assert_eq!(
            (*year, d.code.code(), d.line),
            (Some(2022), "carry_mismatch", Some(101))
        );
        assert!(
            d.message
                .contains("total: 上年结转 is 4, but 泉港区 2021 (report a) carried 5"),
            "{}",
            d.message
        );
        // Both sides equal: nothing.
        let index = carrying(&[
            ("a", "泉港区", 2021, FORWARD, 2.0, 5.0),
            ("b", "泉港区", 2022, OVER, 2.0, 5.0),
        ]);
        assert!(codes(index).is_empty());
    }

    #[test]
    fn stock_in_force_follows_last_years_plus_issued_minus_repealed() {
        let t = Template::Y2021;
        let stock = |issued, repealed, in_force| {
            vec![
                (Category::ActiveRules, Breakdown::Issued, issued),
                (Category::ActiveRules, Breakdown::Repealed, repealed),
                (Category::ActiveRules, Breakdown::InForce, in_force),
            ]
        };
        let mut index = empty_index();
        index.add(&doc(
            "a",
            "上海市人民政府办公厅",
            2021,
            t,
            &stock(3.0, 1.0, 50.0),
            "",
        ));
        index.add(&doc(
            "b",
            "上海市人民政府办公厅",
            2022,
            t,
            &stock(4.0, 2.0, 52.0),
            "",
        ));
        index.add(&doc(
            "c",
            "上海市人民政府办公厅",
            2023,
            t,
            &stock(4.0, 2.0, 60.0),
            "",
        ));
        let found = index.findings();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1.report_id, "c");
        assert!(
            found[0].1.message.contains("现行有效件数 is 60, but"),
            "{}",
            found[0].1.message
        );
        assert!(
            found[0].1.message.contains("makes 54"),
            "{}",
            found[0].1.message
        );
    }

    #[test]
    fn tables_identical_to_last_year_are_flagged_unless_all_zero() {
        let t = Template::Y2019;
        let cells: Vec<_> = (0..12)
            .map(|i| (Category::New, Breakdown::Total, f64::from(i)))
            .collect();
        let mut index = empty_index();
        index.add(&doc("a", "开元街道", 2019, t, &cells, ""));
        index.add(&doc("b", "开元街道", 2020, t, &cells, ""));
        assert_eq!(codes(index), [("b".into(), "repeated_content".into())]);
        let zeros: Vec<_> = (0..12)
            .map(|_| (Category::New, Breakdown::Total, 0.0))
            .collect();
        let mut index = empty_index();
        index.add(&doc("a", "开元街道", 2019, t, &zeros, ""));
        index.add(&doc("b", "开元街道", 2020, t, &zeros, ""));
        assert!(codes(index).is_empty());
    }

    #[test]
    fn another_agency_of_the_same_kind_named_in_the_prose() {
        let t = Template::Y2019;
        let mut index = empty_index();
        let prose =
            "我镇认真贯彻落实。\n学习借鉴仙都镇的做法，在鲤城区开元街道办事处和泉港区的指导下";
        index.add(&doc("a", "灵秀镇人民政府", 2020, t, &[], prose));
        index.add(&doc("b", "仙都镇人民政府", 2020, t, &[], "仙都镇"));
        index.add(&doc(
            "c",
            "鲤城区人民政府开元街道办事处",
            2020,
            t,
            &[],
            "开元街道",
        ));
        index.add(&doc("d", "泉港区", 2020, t, &[], "全区各镇、灵秀镇"));
        let found = index.findings();
        let got: Vec<(&str, &str, Option<i32>)> = found
            .iter()
            .map(|(_, d)| (d.report_id.as_str(), d.code.code(), d.line))
            .collect();
        // 仙都镇 is a town like 灵秀镇; 开元街道 and 泉港区 are other kinds; 泉港区 names a
        // town, not a district.
        assert_eq!(got, [("a", "copied_text", Some(2))], "{found:?}");
        assert!(found[0]
            .1
            .message
            .starts_with("the text names 仙都镇, another agency"));
        let traces = ProseTraces::of(&[(2, "学习借鉴仙都镇的做法")]);
        assert_eq!(ProseTraces::from_field(&traces.to_field()), traces);
        assert_eq!(
            place_names("鲤城区开元街道办事处"),
            ["鲤城区开元街道", "开元街道"]
        );
        assert_eq!(place_names("泉州市丰泽区"), ["泉州市丰泽区", "丰泽区"]);
        assert!(place_names("市场监督管理局").is_empty());
    }

    #[test]
    fn near_duplicate_prose_is_found_and_names_the_other_report() {
        let t = Template::Y2021;
        let mut index = empty_index();
        index.add(&doc("a", "泉港区", 2021, t, &[], PROSE_A));
        // Another agency's report with the same prose, a few words changed.
        let copied = PROSE_A.replace("泉港区", "惠安县");
        index.add(&doc("b", "惠安县", 2021, t, &[], &copied));
        index.add(&doc("c", "丰泽区", 2019, Template::Y2019, &[], PROSE_B));
        // The same report as a web page and as a PDF is no copy.
        index.add(&doc("d", "丰泽区", 2019, Template::Y2019, &[], PROSE_B));
        let found = index.findings();
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|(_, d)| (d.report_id.as_str(), d.code.code()))
            .collect();
        assert_eq!(got, [("a", "near_duplicate"), ("b", "near_duplicate")]);
        assert!(
            found[1]
                .1
                .message
                .contains("another agency's report: 泉港区 2021 (report a) (a.txt)"),
            "{}",
            found[1].1.message
        );
        let a = Signature::of(PROSE_A.lines()).unwrap();
        let b = Signature::of(copied.lines()).unwrap();
        let c = Signature::of(PROSE_B.lines()).unwrap();
        assert!(a.similarity(&b) >= NEAR_DUPLICATE, "{}", a.similarity(&b));
        assert!(a.similarity(&c) < 0.2, "{}", a.similarity(&c));
        assert_eq!(Signature::from_hex(&a.to_hex()), Some(a));
        assert_eq!(Signature::from_hex(""), None);
        assert_eq!(Signature::of(["太短了"]), None);
    }
}
