//! prose: what the checks across reports keep of a report's prose (signature, places).
//!
//! A MinHash signature (to find copied reports) and the place names the prose mentions.
//!
//! Made by the worker that reads a report (it needs the prose lines, which are gone once
//! the report is read), kept in [`crate::model::DocResult`] and the incremental state, and
//! compared in [`crate::crossref`].

use crate::text::{fnv1a, mix, Word, FNV_OFFSET};

/// Hashes in a prose signature.
pub const SIGNATURE_LEN: usize = 32;
/// Shingle length, in characters of the normalised prose (Han characters and letters).
const SHINGLE: usize = 8;
/// Prose shorter than this (normalised characters of the agency's own words) gets no
/// signature: too little to tell a copy from two reports on the same subject.
pub const MIN_PROSE_CHARS: usize = 300;
/// Signature bins whose shingle's text is kept, to quote a passage two reports share.
pub const PASSAGE_BINS: usize = 6;
/// Characters kept from each such shingle on (the shingle and what follows it).
const PASSAGE_CHARS: usize = 24;

/// A MinHash signature of a report's prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u32; SIGNATURE_LEN]);

impl Signature {
    /// The signature of prose lines; `None` when there is too little prose.
    pub fn of<'a, I>(lines: I) -> Option<Signature>
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: 'a,
    {
        Sketch::of(lines).signature
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

/// What a report's prose is compared by: its signature, how many characters it has, and
/// the text at some of the signature's shingles (to quote what two reports share).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sketch {
    /// MinHash signature; `None` for fewer than [`MIN_PROSE_CHARS`] characters.
    pub signature: Option<Signature>,
    /// Characters of prose counted (Han characters and letters).
    pub chars: u32,
    /// For the first [`PASSAGE_BINS`] bins, the prose from the shingle that set the bin's
    /// minimum on (empty where no shingle did): two signatures equal in a bin share it.
    pub passages: Vec<String>,
}

impl Sketch {
    /// The sketch of prose lines.
    ///
    /// One-permutation MinHash: each shingle is hashed once, and the hash's top bits pick
    /// which of the [`SIGNATURE_LEN`] minimums it competes for (one hash per shingle, not
    /// one per minimum). A bin no shingle fell into borrows from the next non-empty one,
    /// so equal texts still have equal signatures.
    pub fn of<'a, I>(lines: I) -> Sketch
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: 'a,
    {
        const _: () = assert!(SIGNATURE_LEN.is_power_of_two());
        let mut window = [0u64; SHINGLE];
        let mut seen = 0usize;
        let mut mins = [u32::MAX; SIGNATURE_LEN];
        // For the first bins, the text from the shingle that set the bin's minimum on,
        // and how much of it is still to come.
        let mut passages = vec![String::new(); PASSAGE_BINS];
        let mut to_come = [0usize; PASSAGE_BINS];
        for c in prose_chars(lines) {
            window[seen % SHINGLE] = c as u64;
            seen += 1;
            for (passage, left) in passages.iter_mut().zip(&mut to_come) {
                if *left > 0 {
                    passage.push(c);
                    *left -= 1;
                }
            }
            if seen < SHINGLE {
                continue;
            }
            // The window's characters in text order start at the oldest one.
            let h =
                mix((0..SHINGLE).fold(FNV_OFFSET, |h, k| fnv1a(h, window[(seen + k) % SHINGLE])));
            let bin = (h >> 32) as usize & (SIGNATURE_LEN - 1);
            if (h as u32) < mins[bin] {
                mins[bin] = h as u32;
                if let Some(passage) = passages.get_mut(bin) {
                    passage.clear();
                    passage.extend(
                        (0..SHINGLE)
                            .filter_map(|k| char::from_u32(window[(seen + k) % SHINGLE] as u32)),
                    );
                    to_come[bin] = PASSAGE_CHARS - SHINGLE;
                }
            }
        }
        let mut sketch = Sketch {
            signature: None,
            chars: u32::try_from(seen).unwrap_or(u32::MAX),
            passages: Vec::new(),
        };
        if seen < MIN_PROSE_CHARS {
            return sketch;
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
        sketch.signature = Some(Signature(mins));
        sketch.passages = passages;
        sketch
    }

    /// The longest passage both sketches hold at a bin where their signatures agree: text
    /// both reports contain.
    pub fn shared_passage(&self, other: &Sketch) -> Option<String> {
        let (Some(a), Some(b)) = (&self.signature, &other.signature) else {
            return None;
        };
        (0..PASSAGE_BINS)
            .filter(|&bin| a.0[bin] == b.0[bin])
            .filter_map(|bin| {
                let (x, y) = (self.passages.get(bin)?, other.passages.get(bin)?);
                let common: String = x
                    .chars()
                    .zip(y.chars())
                    .take_while(|(p, q)| p == q)
                    .map(|(p, _)| p)
                    .collect();
                (common.chars().count() >= SHINGLE).then_some(common)
            })
            .max_by_key(|p| p.chars().count())
    }
}

/// Most place names kept per report.
const MAX_PLACES: usize = 16;

/// What the checks across reports keep of a report's own prose (its words without the
/// national format's fixed wording and a web page's furniture, see [`own_words`]): its
/// sketch, and the names of places of the kinds compared (towns, street offices,
/// districts, counties) it mentions, with a line each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProseTraces {
    /// Signature, length and passages of the prose.
    pub sketch: Sketch,
    /// Runs of Han characters ending in 镇, 乡, 街道, 区 or 县 (the name is a suffix of the
    /// run: "全区各镇和仙都镇" holds 仙都镇), first line each.
    pub places: Vec<(String, i32)>,
}

static PLACE_RUN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\p{Han}{1,7}?(?:镇|乡|街道|区|县)").expect("valid pattern")
});

impl ProseTraces {
    /// The traces of a report's prose lines (1-based line, text as written).
    pub fn of(prose: &[(i32, &str)]) -> ProseTraces {
        let own: Vec<(i32, std::borrow::Cow<'_, str>)> = prose
            .iter()
            .map(|(l, text)| (*l, own_words(text)))
            .collect();
        let mut places: Vec<(String, i32)> = Vec::new();
        // Only lines holding a place suffix can match (most hold none).
        let suffix = |c: char| matches!(c, '镇' | '乡' | '道' | '区' | '县');
        for (line, text) in own.iter().filter(|(_, text)| text.contains(suffix)) {
            let compact = crate::text::without_whitespace(text);
            for m in PLACE_RUN.find_iter(&compact) {
                if places.len() < MAX_PLACES && !places.iter().any(|(p, _)| p == m.as_str()) {
                    places.push((m.as_str().to_string(), *line));
                }
            }
        }
        ProseTraces {
            sketch: Sketch::of(own.iter().map(|(_, l)| l.as_ref())),
            places,
        }
    }

    /// One text field for the incremental manifest: the signature's hex, the character
    /// count and the passages (`;` between them: prose characters are letters only), then
    /// `|name:line` per place.
    pub fn to_field(&self) -> String {
        let s = &self.sketch;
        let mut field = s.signature.map(|s| s.to_hex()).unwrap_or_default();
        field.push_str(&format!(";{}", s.chars));
        for passage in &s.passages {
            field.push(';');
            field.push_str(passage);
        }
        for (name, line) in &self.places {
            field.push_str(&format!("|{name}:{line}"));
        }
        field
    }

    /// Reads [`ProseTraces::to_field`]'s text.
    pub fn from_field(field: &str) -> ProseTraces {
        let mut parts = field.split('|');
        let mut sketch_parts = parts.next().unwrap_or_default().split(';');
        let signature = sketch_parts.next().and_then(Signature::from_hex);
        let chars = sketch_parts
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let passages = sketch_parts.map(str::to_string).collect();
        let places = parts
            .filter_map(|p| {
                let (name, line) = p.rsplit_once(':')?;
                Some((name.to_string(), line.parse().ok()?))
            })
            .collect();
        ProseTraces {
            sketch: Sketch {
                signature,
                chars,
                passages,
            },
            places,
        }
    }
}

/// Sentences the national format gives every report, each known by one or two words it
/// holds: the opening that cites the 条例 and the 年度报告格式, the statistics period,
/// where the report is published, whom to ask, and the outline of the six sections.
static FORMAT_SENTENCES: [(Word, Option<Word>); 8] = [
    (Word::new("条例"), Some(Word::new("编制"))),
    (Word::new("条例"), Some(Word::new("年度报告格式"))),
    (Word::new("统计期限"), None),
    (Word::new("统计时限"), None),
    (Word::new("电子版"), None),
    (Word::new("如对本报告"), None),
    (Word::new("有任何疑问"), None),
    (
        Word::new("总体情况"),
        Some(Word::new("主动公开政府信息情况")),
    ),
];

/// The format's section headings, which every report prints.
static FORMAT_HEADINGS: [Word; 6] = [
    Word::new("总体情况"),
    Word::new("主动公开政府信息情况"),
    Word::new("收到和处理政府信息公开申请情况"),
    Word::new("政府信息公开行政复议、行政诉讼情况"),
    Word::new("存在的主要问题及改进情况"),
    Word::new("其他需要报告的事项"),
];

/// Words of a web page's furniture: a short line holding one is the site's, not the
/// report's (扫一扫在手机上查看当前页面, 【打印本页】【关闭窗口】, 当前位置：首页 > …).
static PAGE_FURNITURE: [Word; 15] = [
    Word::new("扫一扫"),
    Word::new("手机上查看"),
    Word::new("打印本页"),
    Word::new("关闭窗口"),
    Word::new("【打印】"),
    Word::new("【关闭】"),
    Word::new("字体："),
    Word::new("字号："),
    Word::new("当前位置"),
    Word::new("分享到"),
    Word::new("网站地图"),
    Word::new("浏览次数"),
    Word::new("访问次数"),
    Word::new("上一篇"),
    Word::new("下一篇"),
];

/// Longest line (in characters) taken for a web page's furniture when it holds one of its
/// words: a sentence of the report that mentions 网站地图 stays.
const FURNITURE_LINE_CHARS: usize = 80;

/// Whether a sentence is one the national format gives every report.
fn is_format_sentence(sentence: &str) -> bool {
    FORMAT_SENTENCES.iter().any(|(first, second)| {
        first.is_in(sentence) && second.as_ref().is_none_or(|w| w.is_in(sentence))
    })
}

/// What an agency wrote in a prose line: the line without the national format's fixed
/// sentences and headings, or nothing for a line of a web page's furniture. Numbers need
/// no removing: signatures are made of letters and Han characters only.
pub fn own_words(line: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    // Bytes first: a line of more than 80 characters has more than 80 bytes.
    let short = line.len() <= FURNITURE_LINE_CHARS || line.chars().count() <= FURNITURE_LINE_CHARS;
    if short && PAGE_FURNITURE.iter().any(|w| w.is_in(line)) {
        return Cow::Borrowed("");
    }
    let has_fixed = is_format_sentence(line) || FORMAT_HEADINGS.iter().any(|h| h.is_in(line));
    if !has_fixed {
        return Cow::Borrowed(line);
    }
    let mut own = String::with_capacity(line.len());
    for sentence in line.split_inclusive(['。', '；', '！', '？']) {
        if !is_format_sentence(sentence) {
            own.push_str(sentence);
        }
    }
    for heading in &FORMAT_HEADINGS {
        if heading.is_in(&own) {
            own = own.replace(heading.as_str(), "");
        }
    }
    Cow::Owned(own)
}

/// The characters of prose lines that count for signatures, in order.
fn prose_chars<'a, I>(lines: I) -> impl Iterator<Item = char> + 'a
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: 'a,
{
    lines
        .into_iter()
        .flat_map(str::chars)
        .filter(|&c| is_prose_char(c))
}

/// Whether a character counts as prose for signatures: letters, Han characters above all
/// (checked first, without the Unicode table lookup).
fn is_prose_char(c: char) -> bool {
    crate::text::is_ideograph(c) || c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
