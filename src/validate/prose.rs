//! The checks of a report's prose: its numbers against the tables, its sections, its
//! words for the kind of agency it is, and its date against the legal deadline.

use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

use super::{value, CellIndex};
use crate::categories::{after_numbering, Breakdown, Category};
use crate::model::{Code, Finding};
use crate::text::{without_whitespace, Word};

/// Whether an agency is a government (人民政府, a district, county, town or street office)
/// rather than a department of one, by its name: the two have different deadlines. A
/// heuristic: local rules decide where townships and street offices fall.
pub fn is_government(agency: &str) -> bool {
    agency.ends_with("人民政府")
        || agency.ends_with("街道办事处")
        || ["区", "县", "市", "镇", "乡", "旗"]
            .iter()
            .any(|s| agency.ends_with(s))
}

pattern!(
    STREET_WORDS,
    r"(?:本|全|我|各)街道|街道(?:办事处|信息公开|政务公开|政府信息|党工委)"
);
pattern!(
    TOWN_WORDS,
    r"(?:本|全|我)(?:镇|乡)|(?:镇|乡)(?:人民政府|政府|党委)"
);
pattern!(COUNTY_WORDS, r"(?:本|全|我)县");
pattern!(DISTRICT_WORDS, r"(?:本|全|我)区");

/// Words for another kind of unit in the prose: "扎实改进街道信息公开" in a town's report
/// (seed 003, line 115), 全县 in a district's. The usual trace of a report copied from
/// another agency's and not fully edited. Only the kinds whose words cannot be meant of
/// the agency itself are compared: towns and street offices, districts and counties.
pub(super) fn check_unit_words(agency: Option<&str>, prose: &[(i32, &str)]) -> Vec<Finding> {
    let Some(agency) = agency else {
        return Vec::new();
    };
    let name = agency.replace("人民政府", "");
    let (kind, foreign): (&str, &Regex) = if name.ends_with('镇') || name.ends_with('乡') {
        ("a town (镇/乡)", &STREET_WORDS)
    } else if name.ends_with("街道办事处") || name.ends_with("街道") {
        ("a street office (街道)", &TOWN_WORDS)
    } else if name.ends_with('区') {
        ("a district (区)", &COUNTY_WORDS)
    } else if name.ends_with('县') {
        ("a county (县)", &DISTRICT_WORDS)
    } else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (line, text) in prose {
        let compact = without_whitespace(text);
        if let Some(m) = foreign.find(&compact) {
            let start = compact[..m.start()]
                .char_indices()
                .rev()
                .nth(5)
                .map_or(0, |(i, _)| i);
            let end = compact[m.end()..]
                .char_indices()
                .nth(6)
                .map_or(compact.len(), |(i, _)| m.end() + i);
            let excerpt = format!(
                "{}{}{}",
                if start > 0 { "…" } else { "" },
                &compact[start..end],
                if end < compact.len() { "…" } else { "" }
            );
            out.push(Finding::warning(
                Code::CopiedText,
                format!(
                    "the text speaks of {:?} ({excerpt}) but the report is by {kind}, {agency}: \
                     copied from another agency's report?",
                    m.as_str(),
                ),
                Some(*line),
            ));
        }
    }
    out
}

/// Timeliness: a report issued after the legal deadline (条例第四十九条): 31 January of
/// the following year for departments, 31 March for governments. A warning, with both
/// dates; nothing is said where the date, year or agency is missing. A report with no
/// date of its own is judged by the portal's publication time, where a crawler kept it.
pub(super) fn check_timeliness(
    agency: Option<&str>,
    year: Option<i32>,
    issued_on: Option<&str>,
    published_at: Option<&str>,
) -> Option<Finding> {
    let (agency, year) = (agency?, year?);
    let (issued, what) = match (issued_on, published_at) {
        (Some(d), _) => (d, "issued"),
        (None, Some(p)) => (p.get(..10)?, "published on the portal"),
        (None, None) => return None,
    };
    let (deadline, kind) = if is_government(agency) {
        (format!("{}-03-31", year + 1), "a government")
    } else {
        (format!("{}-01-31", year + 1), "a department")
    };
    // ISO dates compare as text.
    (issued > deadline.as_str()).then(|| {
        Finding::warning(
            Code::LatePublication,
            format!("{what} on {issued}, after the deadline for {kind} ({deadline}) for reporting year {year}"),
            None,
        )
    })
}

/// What a sentence of prose states, and the table cells it must agree with (their
/// `total` column, summed).
pub(super) struct Statement {
    what: &'static str,
    /// A word every match contains: lines without it skip the regex (most lines do).
    needle: Word,
    pattern: &'static LazyLock<Regex>,
    /// The rows whose `total` cells the number must equal, summed: each form the formats
    /// print the group in.
    forms: &'static [&'static [Category]],
}

// Matched on label keys (white space removed, quotes as `"`).
pattern!(
    RECEIVED,
    r#"(?:收到|受理)[^，。；,;]{0,12}?申请(?:共|数)?(\d+)(?:件|条|份)"#
);
pattern!(DISCLOSED, r#"(?:^|[^部分不])予以公开"?的?(\d+)件"#);
pattern!(UNAVAILABLE, r#"无法提供"?的?(\d+)件"#);
pattern!(OTHER, r#"其他处理"?的?(\d+)件"#);
pattern!(FORWARD, r#"结转下(?:一)?年度[^，。；,;\d]{0,8}?(\d+)件"#);
pattern!(REVIEWS, r#"行政复议(?:案件)?(\d+)件"#);
pattern!(LAWSUITS, r#"行政诉讼(?:案件)?(\d+)件"#);
pattern!(NONE_RECEIVED, r#"未收到[^，。；,;]{0,12}?申请"#);
pub(super) static NOT_RECEIVED: Word = Word::new("未收到");

pub(super) static STATEMENTS: [Statement; 7] = [
    Statement {
        what: "收到申请",
        needle: Word::new("申请"),
        pattern: &RECEIVED,
        forms: &[&[Category::New]],
    },
    Statement {
        what: "予以公开",
        needle: Word::new("予以公开"),
        pattern: &DISCLOSED,
        forms: &[&[Category::Disclosed]],
    },
    Statement {
        what: "无法提供",
        needle: Word::new("无法提供"),
        pattern: &UNAVAILABLE,
        forms: &[&[
            Category::NotHeld,
            Category::NeedsCreation,
            Category::Unclear,
        ]],
    },
    Statement {
        what: "其他处理",
        needle: Word::new("其他处理"),
        pattern: &OTHER,
        // The 2019 format's one row, or the 2021 format's three.
        forms: &[
            &[Category::OtherOutcome],
            &[
                Category::NoCorrection,
                Category::UnpaidFee,
                Category::OtherOther,
            ],
        ],
    },
    Statement {
        what: "结转下年度",
        needle: Word::new("结转下"),
        pattern: &FORWARD,
        forms: &[&[Category::CarriedForward]],
    },
    Statement {
        what: "行政复议",
        needle: Word::new("行政复议"),
        pattern: &REVIEWS,
        forms: &[&[Category::Review]],
    },
    Statement {
        what: "行政诉讼",
        needle: Word::new("行政诉讼"),
        pattern: &LAWSUITS,
        forms: &[&[Category::LitigationDirect, Category::LitigationAfterReview]],
    },
];

/// Prose against table: the numbers the prose states (收到申请N件, 无法提供N件, 结转N件,
/// 行政复议N件 …) and "未收到申请" must agree with the table's 总计 column. A warning: the
/// prose may count differently (a whole area, or new plus carried over), so both numbers
/// are given for the analyst to judge. A statement whose rows are all blank is skipped.
pub(super) fn check_narrative(grid: &CellIndex, prose: &[(i32, &str)], out: &mut Vec<Finding>) {
    // A row group's total only where every row of it was read: a sum of the rows that
    // happen to be there is not the table's number, and comparing it would accuse the
    // text of a mismatch the table does not have.
    let total_of = |rows: &[Category]| -> Option<Decimal> {
        rows.iter()
            .map(|c| value(grid, *c, Breakdown::Total))
            .sum::<Option<Decimal>>()
    };
    let total_of_any = |forms: &[&[Category]]| forms.iter().find_map(|rows| total_of(rows));
    for st in &STATEMENTS {
        let Some((line, stated)) = prose.iter().find_map(|(l, k)| {
            if !st.needle.is_in(k) {
                return None;
            }
            let c = st.pattern.captures(k)?;
            Some((*l, c[1].parse::<Decimal>().ok()?))
        }) else {
            continue;
        };
        let Some(table) = total_of_any(st.forms) else {
            continue;
        };
        // 收到申请 sometimes counts the carried-over ones too.
        let with_carried = total_of(&[Category::New, Category::CarriedOver]);
        if stated == table || (st.forms == [&[Category::New][..]] && Some(stated) == with_carried) {
            continue;
        }
        out.push(Finding::warning(
            Code::NarrativeMismatch,
            format!(
                "the text says {} {stated} but the table says {table}",
                st.what
            ),
            Some(line),
        ));
    }
    if let (Some((line, _)), Some(new)) = (
        prose
            .iter()
            .find(|(_, k)| NOT_RECEIVED.is_in(k) && NONE_RECEIVED.is_match(k)),
        total_of(&[Category::New]),
    ) {
        if !new.is_zero() {
            out.push(Finding::warning(
                Code::NarrativeMismatch,
                format!("the text says no application was received but the table has {new} new applications"),
                Some(*line),
            ));
        }
    }
}

pattern!(
    WHOLE_AND_PARTS,
    r#"(\d+)(件|份|条|个)[,，]?其中([^。；;]*)"#
);

/// The prose sections the format requires besides the tables (二, 三, 四 are checked as
/// `missing_table`): 一 overview, 五 problems and improvements, 六 other matters. A
/// heading is a short line holding one of the names the reports use.
pub(super) const SECTIONS: [(&str, &[&str]); 3] = [
    (
        "一、总体情况",
        &["总体情况", "概述", "总体概况", "基本情况"],
    ),
    (
        "五、存在的主要问题及改进情况",
        &["存在的主要问题", "主要问题及改进", "存在的问题"],
    ),
    ("六、其他需要报告的事项", &["其他需要报告", "其他事项"]),
];

/// Warns of each required prose section that has no heading. `prose`: label keys of the
/// lines outside the tables, as for [`super::validate`].
pub(super) fn check_sections(prose: &[(i32, &str)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, words) in SECTIONS {
        // A heading line, or a heading run into its paragraph on one line (a crawler's
        // flattened page): a numbered heading at the start of a long line counts too.
        let found = prose.iter().any(|(_, key)| {
            words.iter().any(|w| {
                (key.chars().count() <= 40 && key.contains(w))
                    || after_numbering(key).is_some_and(|rest| rest.starts_with(w))
            })
        });
        if !found {
            out.push(Finding::warning(
                Code::MissingSection,
                format!("the report has no section {name} (no heading naming it was found)"),
                None,
            ));
        }
    }
    out
}

/// Prose whose parts exceed its whole: "收到申请45件，其中区政府本级17件，各街道…38件"
/// (seed 004: 17 + 38 = 55). Parts may overlap or leave some out, so only a sum above the
/// whole is a finding.
pub(super) fn check_prose_parts(prose: &[(i32, &str)], out: &mut Vec<Finding>) {
    static OF_WHICH: Word = Word::new("其中");
    for (line, key) in prose.iter().filter(|(_, key)| OF_WHICH.is_in(key)) {
        for c in WHOLE_AND_PARTS.captures_iter(key) {
            let Ok(whole) = c[1].parse::<u64>() else {
                continue;
            };
            let unit = &c[2];
            let parts = list_parts(&c[3], unit);
            let sum: u64 = parts.iter().sum();
            if parts.len() >= 2 && sum > whole {
                let shown: Vec<String> = parts.iter().map(u64::to_string).collect();
                out.push(Finding::warning(
                    Code::NarrativeMismatch,
                    format!(
                        "the text says {whole}{unit}, 其中 {} = {sum}{unit}: the parts exceed the whole",
                        shown.join(" + ")
                    ),
                    Some(*line),
                ));
            }
        }
    }
}

/// The numbers of a list after 其中: items end in the unit and are separated by the mark
/// that follows the first item (`、` or a comma); the list ends where another mark follows
/// (`…0条，我机关向两馆移交…1条` is a new clause, not an item).
pub(super) fn list_parts(tail: &str, unit: &str) -> Vec<u64> {
    let mut parts = Vec::new();
    let mut separator = None;
    let mut rest = tail;
    while let Some(at) = rest.find(unit) {
        let digits: String = rest[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let Ok(n) = digits.parse() else { break };
        parts.push(n);
        rest = &rest[at + unit.len()..];
        let next = rest.chars().next();
        match (separator, next) {
            (None, Some(c @ ('、' | ',' | '，'))) => separator = Some(c),
            (Some(s), Some(c)) if c == s => {}
            _ => break,
        }
        rest = &rest[next.map_or(0, char::len_utf8)..];
    }
    parts
}
