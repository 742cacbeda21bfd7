//! text: normalisation shared by the stages: label keys and number cells.
//!
//! Normalisation always works on a copy; `raw` values keep the text exactly as written.

use std::borrow::Cow;

use rust_decimal::Decimal;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;

/// The key a label is matched by: NFKC (full-width to ASCII, NBSP and U+3000 to space),
/// all whitespace and markdown emphasis removed, Chinese brackets and quotes unified.
///
/// ```
/// assert_eq!(gongkai::text::label_key("（四）无法 提供"), "(四)无法提供");
/// assert_eq!(gongkai::text::label_key("3. 危及 “ 三安全一稳定 ”"), "3.危及\"三安全一稳定\"");
/// ```
pub fn label_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    // Runs of characters the key keeps as they are are copied whole.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Most characters are printable ASCII or CJK ideographs (U+4E00..=U+9FFF: three
        // bytes led by E4 B8..BF or E5..E9), told from their bytes without decoding.
        let b = bytes[i];
        if b < 0x80 && !b.is_ascii_control() && !matches!(b, b' ' | b'*' | b'#') {
            i += 1;
            continue;
        }
        if matches!(b, 0xE5..=0xE9) || (b == 0xE4 && bytes[i + 1] >= 0xB8) {
            i += 3;
            continue;
        }
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        if kept_as_is(c) {
            i += c.len_utf8();
            continue;
        }
        out.push_str(&s[run..i]);
        run = i + c.len_utf8();
        i = run;
        if nfkc_keeps(c) {
            push_key_char(&mut out, c);
        } else if let Some(ascii) = fullwidth_ascii(c) {
            push_key_char(&mut out, ascii);
        } else {
            // Full-width forms, U+3000, NBSP, circled digits: normalize this character.
            for n in std::iter::once(c).nfkc() {
                push_key_char(&mut out, n);
            }
        }
    }
    out.push_str(&s[run..]);
    out
}

/// A fixed word the stages look for in many lines, with its searcher built once:
/// `str::contains` builds one on every call, which costs more than most of the searches.
///
/// ```
/// use gongkai::text::Word;
/// static TOTAL: Word = Word::new("总计");
/// assert!(TOTAL.is_in("（七）总计"));
/// assert_eq!(TOTAL.find_in("（七）总计"), Some(9));
/// assert!(!TOTAL.is_in("合计"));
/// ```
pub struct Word {
    word: &'static str,
    finder: std::sync::OnceLock<memchr::memmem::Finder<'static>>,
}

impl Word {
    /// A word to search for; its searcher is built on the first search.
    pub const fn new(word: &'static str) -> Word {
        Word {
            word,
            finder: std::sync::OnceLock::new(),
        }
    }

    /// The word itself.
    pub fn as_str(&self) -> &'static str {
        self.word
    }

    /// Whether `text` contains the word.
    pub fn is_in(&self, text: &str) -> bool {
        self.find_in(text).is_some()
    }

    /// The byte offset of the word's first occurrence in `text`.
    pub fn find_in(&self, text: &str) -> Option<usize> {
        self.finder
            .get_or_init(|| memchr::memmem::Finder::new(self.word))
            .find(text.as_bytes())
    }
}

/// `text.split(separator)` for an ASCII separator, found by memchr: std's char searcher
/// costs more than the split itself on the short lines of a report.
///
/// ```
/// let pieces: Vec<&str> = gongkai::text::split_ascii("a\tb\t\t终", b'\t').collect();
/// assert_eq!(pieces, "a\tb\t\t终".split('\t').collect::<Vec<_>>());
/// ```
pub fn split_ascii(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    assert!(
        separator.is_ascii(),
        "a separator inside a character would split it"
    );
    let mut start = 0;
    memchr::memchr_iter(separator, text.as_bytes())
        .chain([text.len()])
        .map(move |end| {
            let piece = &text[start..end];
            start = end + 1;
            piece
        })
}

/// `text` without its white space; borrowed when it has none (most lines of Chinese
/// text). The pieces between white space are copied whole.
pub fn without_whitespace(text: &str) -> Cow<'_, str> {
    if !text.contains(char::is_whitespace) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for piece in text.split(char::is_whitespace) {
        out.push_str(piece);
    }
    Cow::Owned(out)
}

/// `text` NFKC-normalized, white space removed. Most cells hold only characters NFKC
/// leaves alone ([`nfkc_keeps`]); they skip the normalizer.
fn compact_nfkc(text: &str) -> String {
    if text.chars().all(nfkc_keeps) {
        without_whitespace(text).into_owned()
    } else {
        text.nfkc().filter(|c| !c.is_whitespace()).collect()
    }
}

/// Whether a character is in the CJK Unified Ideographs block (U+4E00..=U+9FFF), where
/// nearly every character of a report's text is: NFKC leaves these alone.
pub fn is_ideograph(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Characters a label key holds unchanged: printable ASCII other than `*` and `#`, CJK
/// ideographs, and the CJK punctuation [`push_key_char`] does not map.
fn kept_as_is(c: char) -> bool {
    if c.is_ascii() {
        !c.is_ascii_control() && !matches!(c, ' ' | '*' | '#')
    } else {
        is_ideograph(c) || matches!(c, '、' | '。' | '《' | '》')
    }
}

/// What NFKC makes of a full-width ASCII form (（ ） ： ， １, U+FF01–U+FF5E) and of the
/// ideographic space: the ASCII character, without the normalizer's per-character cost.
fn fullwidth_ascii(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' => Some(' '),
        _ => None,
    }
}

/// Characters NFKC leaves as they are and that are most of every report: ASCII, CJK
/// ideographs, kana-free CJK punctuation. Checking them first makes keys cheap.
fn nfkc_keeps(c: char) -> bool {
    c.is_ascii()
        || is_ideograph(c)
        || matches!(
            c,
            '、' | '。' | '“' | '”' | '《' | '》' | '〔' | '〕' | '【' | '】' | '—'
        )
}

fn push_key_char(out: &mut String, c: char) {
    if c.is_whitespace() || c == '\u{feff}' || c == '*' || c == '#' {
        return;
    }
    out.push(match c {
        '〔' | '［' | '【' => '[',
        '〕' | '］' | '】' => ']',
        '“' | '”' | '„' | '「' | '」' => '"',
        '‘' | '’' => '\'',
        '．' => '.',
        '−' | '–' | '—' => '-',
        other => other,
    });
}

/// Whether a label key ([`label_key`]) is page furniture that PDF conversion leaves
/// inside tables: `- 3 -`, `—4—`, `第 3 页`.
pub fn is_page_number(key: &str) -> bool {
    let inner = key.trim_matches('-');
    let dashed = key.starts_with('-') && key.ends_with('-') && key.len() > inner.len();
    let paged = key.starts_with('第') && key.ends_with('页');
    (dashed || paged)
        && inner
            .trim_start_matches('第')
            .trim_end_matches('页')
            .chars()
            .all(|c| c.is_ascii_digit())
}

/// Whether a cell holds no number but a placeholder the report uses for "nothing"
/// (`-`, `—`, `/`, `无`): it takes a column's place but gives no fact.
pub fn is_placeholder(cell: &str) -> bool {
    let k = label_key(cell);
    matches!(k.as_str(), "-" | "--" | "/" | "无" | "\\" | "×")
}

/// A number read from a cell: its exact decimal value and the unit written in the cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellNumber {
    /// The value as written (sign included).
    pub value: Decimal,
    /// Whether the cell says 万元 (ten thousand yuan).
    pub wan_yuan: bool,
    /// Whether the cell says 元 or 万元 at all.
    pub has_unit: bool,
    /// Whether the number carried an explicit sign.
    pub signed: bool,
    /// Whether the number has a fractional part.
    pub fractional: bool,
}

/// Most integer digits a cell value may have. No count or yuan amount in a report comes
/// near 10^15; a longer digit run is not one number (a fuzzer found that sums of 28-digit
/// values overflow the decimal type).
pub const MAX_DIGITS: usize = 15;
/// Most fraction digits (万元 amounts have four): with both limits, sums of cell values
/// stay far inside the decimal type's 28 digits.
pub const MAX_FRACTION_DIGITS: usize = 6;

/// The value of a run of ASCII digits of at most [`MAX_DIGITS`] (leading zeros allowed),
/// without `Decimal`'s text parser: plain counts are most cells, and splitting
/// run-together digits tries many.
pub fn whole_number(digits: &str) -> Option<Decimal> {
    if digits.is_empty() || digits.len() > MAX_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n = digits
        .bytes()
        .fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
    Some(Decimal::from(n))
}

/// Parses a number cell: optional sign, digits with an optional fraction, then optionally
/// a unit (元, 万元, 件, 项, 个, 条, 笔) and a bracketed annotation (`22（其中修订 16 件）`).
/// Returns `None` for anything else, and for more than [`MAX_DIGITS`] integer digits.
pub fn parse_number(cell: &str) -> Option<CellNumber> {
    if let Some(value) = whole_number(cell) {
        // The common case, a plain count: no normalization needed.
        return Some(CellNumber {
            value,
            wan_yuan: false,
            has_unit: false,
            signed: false,
            fractional: false,
        });
    }
    if !may_start_a_number(cell) {
        return None;
    }
    parse_normalized(cell)
}

/// [`parse_number`]'s general case: the cell NFKC-normalized, then read.
fn parse_normalized(cell: &str) -> Option<CellNumber> {
    let norm = compact_nfkc(cell);
    let s = norm.as_str();
    let (signed, negative, rest) = if let Some(r) = s.strip_prefix('+') {
        (true, false, r)
    } else if let Some(r) = s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        (true, true, r)
    } else if let Some(r) = s.strip_prefix("增加") {
        (true, false, r)
    } else if let Some(r) = s.strip_prefix("减少") {
        (true, true, r)
    } else {
        (false, false, s)
    };
    let digits_end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map_or(rest.len(), |(i, _)| i);
    let (num, tail) = rest.split_at(digits_end);
    let num: String = num.chars().filter(|c| *c != ',').collect();
    if num.is_empty() || !num.as_bytes()[0].is_ascii_digit() || num.ends_with('.') {
        return None;
    }
    let mut parts = num.split('.');
    let (whole, fraction) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if whole.len() > MAX_DIGITS || fraction.len() > MAX_FRACTION_DIGITS {
        return None;
    }
    let mut value = Decimal::from_str(&num).ok()?;
    if negative {
        value = -value;
    }
    let (unit, annotation) = split_unit(tail)?;
    if !(annotation.is_empty() || annotation.starts_with('(') && annotation.ends_with(')')) {
        return None;
    }
    Some(CellNumber {
        value,
        wan_yuan: unit == "万元",
        has_unit: unit == "万元" || unit == "元",
        signed,
        fractional: num.contains('.'),
    })
}

/// Whether a cell's first character (white space aside) can start what
/// [`parse_number`] reads: a digit or a sign, as written or after NFKC. Most cells that
/// are not numbers are labels, which start with an ideograph or a bracket (（一）); they
/// skip the normalizer, which a whole line of text would otherwise go through.
fn may_start_a_number(cell: &str) -> bool {
    let Some(c) = cell.chars().find(|c| !c.is_whitespace()) else {
        return false;
    };
    let starts = |c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '−' | '增' | '减');
    if starts(c) {
        true
    } else if nfkc_keeps(c) {
        false
    } else if let Some(ascii) = fullwidth_ascii(c) {
        starts(ascii)
    } else {
        // Anything else (①, ¹, compatibility forms) is left to the normalizer.
        true
    }
}

fn split_unit(tail: &str) -> Option<(&str, &str)> {
    for unit in ["万元", "元", "件", "项", "个", "条", "笔"] {
        if let Some(rest) = tail.strip_prefix(unit) {
            return Some((unit, rest));
        }
    }
    Some(("", tail))
}

/// Converts 万元 to 元 with decimal arithmetic, rounded to 0.01, as an `f64` that prints
/// exactly (0.57 万元 gives 5700, never 5699.999999999999).
pub fn wan_to_yuan(value: Decimal) -> Decimal {
    (value * Decimal::from(10_000)).round_dp(2).normalize()
}

/// The `f64` closest to a decimal: exactly, for a whole number below 2^53 (almost every
/// cell), else via its shortest decimal text.
pub fn decimal_to_f64(value: Decimal) -> f64 {
    const EXACT: u128 = 1 << f64::MANTISSA_DIGITS;
    let whole = value.normalize();
    if whole.scale() == 0 {
        let magnitude = whole.mantissa().unsigned_abs();
        if magnitude < EXACT {
            let x = magnitude as f64;
            return if whole.is_sign_negative() { -x } else { x };
        }
    }
    f64::from_str(&whole.to_string()).unwrap_or(f64::NAN)
}

/// The FNV-1a offset basis: the hash of no bytes.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// One FNV-1a step: `h` with `x` hashed in.
pub fn fnv1a(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(0x0100_0000_01b3)
}

/// The FNV-1a hash of bytes: stable across machines and versions (shards and the
/// incremental state depend on it).
pub fn fnv1a_bytes(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(FNV_OFFSET, |h, b| fnv1a(h, u64::from(*b)))
}

/// A 64-bit finalizer (splitmix64's): spreads a hash's bits over the whole word.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Whether a character is a Chinese (CJK unified) ideograph of the basic block, as the
/// reports' text is written in.
pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// A URL path with its `%XX` escapes decoded (a saved page names `报告_files/1.png` as
/// `%E6%8A%A5…_files/1.png`).
pub fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file an `<img src>` of a saved page names, relative to the page's folder, with
/// `/` between folders (`./%E6%8A%A5…_files\1.png?v=2` → `报告_files/1.png`): the query
/// and fragment cut, `%XX` escapes decoded, backslashes (pages saved on Windows) read as
/// `/`, `.` and empty steps dropped. `None` for what names no file under the folder: a
/// web address or any other scheme (`https:`, `data:`, a drive `C:`), an absolute path,
/// a step up (`..`).
pub fn relative_src(src: &str) -> Option<String> {
    let path = src.split(['?', '#']).next().unwrap_or_default();
    let path = percent_decoded(path).replace('\\', "/");
    if path.starts_with('/') || path.split('/').next().is_some_and(|s| s.contains(':')) {
        return None;
    }
    let steps: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if steps.is_empty() || steps.contains(&"..") {
        return None;
    }
    Some(steps.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_ascii_is_str_split() {
        let samples = [
            "",
            "\n",
            "a",
            "a\n",
            "\na\n\nb",
            "表\t1\t\t2\t",
            "|a|b|",
            "||",
        ];
        for text in samples {
            for sep in [b'\n', b'\t', b'|'] {
                let ours: Vec<&str> = split_ascii(text, sep).collect();
                let std: Vec<&str> = text.split(sep as char).collect();
                assert_eq!(ours, std, "{text:?} by {:?}", sep as char);
            }
        }
    }

    /// The key by its definition, one character at a time.
    fn label_key_by_definition(s: &str) -> String {
        let mut out = String::new();
        for n in s.chars().flat_map(|c| {
            let normalized: Vec<char> = if nfkc_keeps(c) {
                vec![c]
            } else {
                std::iter::once(c).nfkc().collect()
            };
            normalized
        }) {
            push_key_char(&mut out, n);
        }
        out
    }

    #[test]
    fn whole_numbers_are_what_the_decimal_parser_reads() {
        for digits in [
            "0",
            "7",
            "007",
            "1200",
            "999999999999999",
            "000000000000001",
        ] {
            assert_eq!(
                whole_number(digits),
                Decimal::from_str(digits).ok(),
                "{digits}"
            );
            assert_eq!(whole_number(digits).map(|d| d.scale()), Some(0));
        }
        for not_whole in ["", "1234567890123456", "12a", "1.5", "-3", "１２"] {
            assert_eq!(whole_number(not_whole), None, "{not_whole}");
        }
    }

    /// Every line of the sample reports in data/raw.
    fn sample_lines() -> Vec<String> {
        let data = std::fs::read_dir("data/raw").expect("the sample reports ship in data/raw");
        let mut lines = Vec::new();
        for entry in data.flatten() {
            let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
            lines.extend(text.lines().map(String::from));
        }
        assert!(lines.len() > 100, "data/raw holds the sample reports");
        lines
    }

    #[test]
    fn label_keys_copy_plain_runs_as_the_definition_would() {
        let samples = [
            "（四）无法 提供",
            "3. 危及 “ 三安全一稳定 ”",
            "\t# **二、主动公开**\u{feff}\u{3000}第 3 页\r\n",
            "〔2021〕4号【注】——ａｂｃ１２３ ①②\u{a0}x\u{0b}y\u{7f}z",
            "",
            "|  项目  |  信息内容 |",
        ];
        for s in samples {
            assert_eq!(label_key(s), label_key_by_definition(s), "{s:?}");
        }
        for line in sample_lines() {
            assert_eq!(label_key(&line), label_key_by_definition(&line), "{line:?}");
        }
        // Around the edges of the byte-level fast paths: ASCII, the ideograph block's ends
        // (U+4DFF is led by E4 too), and the blocks next to it.
        let edges = [
            '\u{0}'..='\u{7f}',
            '\u{3400}'..='\u{3410}',
            '\u{4df0}'..='\u{4e10}',
        ]
        .into_iter()
        .chain(['\u{9ff0}'..='\u{a010}', '\u{f900}'..='\u{f910}'])
        .flatten();
        for c in edges {
            let s = format!("a{c}字{c}");
            assert_eq!(label_key(&s), label_key_by_definition(&s), "{c:?}");
        }
    }

    #[test]
    fn cells_turned_away_early_are_not_numbers() {
        let mut cells: Vec<String> = [
            "（一）予以公开 3",
            "(二)部分公开",
            "　１２",
            "\u{a0}+3",
            "－5",
            "增加 3",
            "减少2",
            "①",
            "¹2",
            "【注】1",
            "、3",
            "“1”",
            " ",
            "",
        ]
        .map(String::from)
        .to_vec();
        let lines = sample_lines();
        cells.extend(lines.iter().flat_map(|l| l.split('\t').map(String::from)));
        cells.extend(lines);
        for cell in &cells {
            if !may_start_a_number(cell) {
                assert_eq!(parse_normalized(cell), None, "{cell:?}");
            }
        }
        assert!(may_start_a_number("　１２") && may_start_a_number("－5"));
        assert!(!may_start_a_number("（一）予以公开 3"));
    }

    #[test]
    fn without_whitespace_drops_every_white_space_character() {
        let by_definition =
            |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
        let mut texts: Vec<String> = [" a b ", "\u{3000}一\t二\u{a0}", "无空白", "", "  "]
            .map(String::from)
            .to_vec();
        texts.extend(sample_lines());
        for t in &texts {
            assert_eq!(without_whitespace(t), by_definition(t), "{t:?}");
        }
        assert!(matches!(without_whitespace("无空白"), Cow::Borrowed(_)));
    }

    #[test]
    fn compact_nfkc_is_nfkc_without_white_space() {
        let by_definition =
            |s: &str| -> String { s.nfkc().filter(|c| !c.is_whitespace()).collect() };
        let samples = [
            "１２ 件",
            "12\u{3000}万元",
            "①",
            "e\u{301}",
            "增加 3",
            "（其中修订 16 件）",
            "",
        ];
        for s in samples {
            assert_eq!(compact_nfkc(s), by_definition(s), "{s:?}");
        }
        for line in sample_lines() {
            assert_eq!(compact_nfkc(&line), by_definition(&line), "{line:?}");
        }
    }

    #[test]
    fn fullwidth_forms_are_what_nfkc_makes_of_them() {
        for c in ('\u{FF01}'..='\u{FF5E}').chain(['\u{3000}']) {
            let nfkc: String = std::iter::once(c).nfkc().collect();
            assert_eq!(fullwidth_ascii(c).map(String::from), Some(nfkc), "{c:?}");
        }
        assert_eq!(fullwidth_ascii('\u{FF5F}'), None);
        assert_eq!(fullwidth_ascii('a'), None);
    }

    #[test]
    fn decimals_become_the_closest_f64() {
        for text in [
            "0",
            "42",
            "-17",
            "9007199254740991",
            "9007199254740993",
            "123456789012345",
            "0.57",
            "5700.00",
            "-0.1",
            "1234.56789",
            "100.10",
        ] {
            let d = Decimal::from_str(text).unwrap();
            assert_eq!(decimal_to_f64(d), f64::from_str(text).unwrap(), "{text}");
        }
        assert_eq!(
            decimal_to_f64(Decimal::from_str("-0").unwrap()).to_string(),
            "0"
        );
    }

    #[test]
    fn numbers_with_units_signs_and_notes() {
        let n = parse_number("25211 元").unwrap();
        assert_eq!(n.value, Decimal::from(25211));
        assert!(n.has_unit && !n.wan_yuan);
        let n = parse_number("+1036").unwrap();
        assert!(n.signed);
        assert_eq!(n.value, Decimal::from(1036));
        assert_eq!(parse_number("-3").unwrap().value, Decimal::from(-3));
        assert_eq!(
            parse_number("22（其中修订 16 件）").unwrap().value,
            Decimal::from(22)
        );
        assert_eq!(parse_number("１２").unwrap().value, Decimal::from(12));
        assert!(parse_number("22.5981").unwrap().fractional);
        assert_eq!(parse_number("属于国家秘密"), None);
        assert_eq!(parse_number("1.属于国家秘密"), None);
        assert_eq!(parse_number("12abc"), None);
    }

    #[test]
    fn numbers_too_long_to_be_a_cell_are_not_numbers() {
        assert!(parse_number("999999999999999").is_some());
        assert_eq!(parse_number("9999999999999999"), None);
        assert_eq!(parse_number("9999999999999999999999999999"), None);
        assert_eq!(parse_number("+9999999999999999 元"), None);
        assert!(parse_number("0.123456").is_some());
        assert_eq!(parse_number("0.1234567"), None);
    }

    #[test]
    fn wan_yuan_conversion_is_exact() {
        let v = wan_to_yuan(Decimal::from_str("0.57").unwrap());
        assert_eq!(decimal_to_f64(v), 5700.0);
        let v = wan_to_yuan(Decimal::from_str("2.01").unwrap());
        assert_eq!(decimal_to_f64(v), 20100.0);
        let v = wan_to_yuan(Decimal::from_str("22.5981").unwrap());
        assert_eq!(decimal_to_f64(v), 225981.0);
    }

    #[test]
    fn label_keys_match_whole_string_nfkc() {
        let samples = [
            "（三）不予公开　１．属于",
            "“三安全一稳定”",
            "①②",
            "本年增/减",
            "ＡＢＣ ｘ",
            "…—",
        ];
        for s in samples {
            let slow: String = s.nfkc().collect::<String>();
            assert_eq!(label_key(s), label_key_reference(&slow), "{s}");
        }
    }

    /// The key computed from text already NFKC-normalized as a whole.
    fn label_key_reference(nfkc: &str) -> String {
        let mut out = String::new();
        for c in nfkc.chars() {
            push_key_char(&mut out, c);
        }
        out
    }

    #[test]
    fn label_keys_ignore_spacing_and_width() {
        assert_eq!(label_key("尚 未 审 结"), "尚未审结");
        assert_eq!(label_key("（三）不予公开"), label_key("(三) 不予公开"));
        assert_eq!(label_key("第二十条第（一）项"), "第二十条第(一)项");
    }

    #[test]
    fn percent_escapes_are_decoded_and_broken_ones_kept() {
        assert_eq!(
            percent_decoded("%E6%8A%A5%E5%91%8A_files/1.png"),
            "报告_files/1.png"
        );
        assert_eq!(percent_decoded("a%2"), "a%2");
        assert_eq!(percent_decoded("100%zz"), "100%zz");
    }

    #[test]
    fn an_img_src_names_a_file_under_the_page_folder_or_none() {
        for (src, file) in [
            ("报告_files/1.png", "报告_files/1.png"),
            (
                "./%E6%8A%A5%E5%91%8A_files/1.png?v=2#top",
                "报告_files/1.png",
            ),
            // Saved on Windows: backslashes between folders.
            ("报告_files\\1.png", "报告_files/1.png"),
            (".\\a_files\\\\2.jpg", "a_files/2.jpg"),
            // A colon after the first folder is part of a file name.
            ("a_files/10:30.png", "a_files/10:30.png"),
        ] {
            assert_eq!(relative_src(src).as_deref(), Some(file), "{src}");
        }
        for elsewhere in [
            "https://example.org/1.png",
            "data:image/png;base64,AAAA",
            "C:\\Users\\a\\1.png",
            "/etc/passwd",
            "\\\\server\\share\\1.png",
            "../outside.png",
            "a_files/../../outside.png",
            "?v=1",
            "",
        ] {
            assert_eq!(relative_src(elsewhere), None, "{elsewhere}");
        }
    }
}
