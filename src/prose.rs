//! prose: what the checks across reports keep of a report's prose (signature, places).
//!
//! A MinHash signature (to find copied reports) and the place names the prose mentions.
//!
//! Made by the worker that reads a report (it needs the prose lines, which are gone once
//! the report is read), kept in [`crate::model::DocResult`] and the incremental state, and
//! compared in [`crate::crossref`].

/// Hashes in a prose signature.
pub const SIGNATURE_LEN: usize = 32;
/// Shingle length, in characters of the normalised prose (Han characters and letters).
const SHINGLE: usize = 8;
/// Prose shorter than this (normalised characters) gets no signature: too little to tell
/// a copy from the format's own fixed sentences.
pub const MIN_PROSE_CHARS: usize = 200;

/// A MinHash signature of a report's prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u32; SIGNATURE_LEN]);

impl Signature {
    /// The signature of prose lines; `None` when there is too little prose.
    ///
    /// One-permutation MinHash: each shingle is hashed once, and the hash's top bits pick
    /// which of the [`SIGNATURE_LEN`] minimums it competes for (one hash per shingle, not
    /// one per minimum). A bin no shingle fell into borrows from the next
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

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Whether a character counts as prose for signatures: letters, Han characters above all
/// (checked first, without the Unicode table lookup).
fn is_prose_char(c: char) -> bool {
    crate::text::is_ideograph(c) || c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

/// One FNV-1a step.
pub(crate) fn fnv1a(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(0x0100_0000_01b3)
}

pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
