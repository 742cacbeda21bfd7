//! The names agencies are matched by across reports: an agency's key, its short form,
//! and the places a place agency goes by.

use crate::text::{fnv1a_bytes, mix};

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
pub(super) enum PlaceKind {
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
pub(super) fn place_kind(key: &str) -> Option<PlaceKind> {
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
pub(super) fn place_names(key: &str) -> Vec<&str> {
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
pub(super) fn hash_text(text: &str) -> u64 {
    mix(fnv1a_bytes(text.as_bytes()))
}
