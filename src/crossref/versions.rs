//! Versions of one report: the same report read from several files (its web page, the
//! PDF attached to it, a text dump), or published again with corrections.
//!
//! Reports of the same agency key and year are compared cell by cell. Two are versions
//! of one report when every cell both read agrees and either their prose is near-identical
//! or enough cells agree to rule out chance (all-zero tables of two small agencies that
//! share a name agree too, so zeros alone never make versions). Two whose prose is
//! near-identical but whose numbers differ in a few cells are versions that disagree: a
//! correction where one's title says so (更正, 修正, 修订) or both carry dates and the
//! dates differ, a conflict otherwise. Anything
//! else is left alone: two different reports under one name keep their facts.
//!
//! Among versions, one is canonical: the latest where a correction is among them, then
//! the most cells read, the fewest errors, a fixed order of formats, and `report_id` and
//! path. Nothing here depends on the order the reports were read in, so shards and one
//! run choose alike.

use std::cmp::Reverse;

use super::record::{CellValues, ReportRecord, TableCell};
use crate::categories::{Breakdown, Category};
use crate::model::{Code, Diagnostic, Finding, Severity};

/// Estimated prose similarity at which two reports of one agency and year are taken for
/// versions of one text (29 of 32 signature hashes; a report and a different year's
/// report by the same writer rarely pass 0.8).
pub(super) const SAME_PROSE: f64 = 0.9;
/// Cells two versions must share (and agree on) to be taken for one report on their
/// tables alone, when their prose cannot be compared...
const MIN_COMMON_CELLS: usize = 20;
/// ...of which at least this many are not zero.
const MIN_NONZERO_AGREEING: usize = 3;
/// Most reports of one agency and year compared: a larger group is a name too generic
/// to tell agencies apart (an agency read as just 人民政府), and is left alone.
pub(super) const MAX_GROUP: usize = 16;
/// Most differing cells named in one message.
const CELLS_NAMED: usize = 8;

/// How two reports of one agency and year relate.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Relation {
    /// Versions that agree on every cell both read.
    Same { agreeing: usize, by_prose: bool },
    /// Versions that disagree on some cells: (cell, this value, the other's value).
    Differ {
        common: usize,
        cells: Vec<(TableCell, f64)>,
    },
    /// Not versions of one report.
    Unrelated,
}

/// How report `a` relates to report `b` (of the same agency and year).
pub(super) fn relate(a: &ReportRecord, b: &ReportRecord) -> Relation {
    let theirs = CellValues::of(&b.table);
    let (mut common, mut nonzero_agreeing, mut differ) = (0, 0, Vec::new());
    for cell in &a.table {
        let Some(other) = theirs.get(cell.category, cell.breakdown) else {
            continue;
        };
        common += 1;
        if other == cell.value {
            nonzero_agreeing += usize::from(other != 0.0);
        } else {
            differ.push((*cell, other));
        }
    }
    let by_prose = match (&a.sketch.signature, &b.sketch.signature) {
        (Some(x), Some(y)) => x.similarity(y) >= SAME_PROSE,
        _ => false,
    };
    if differ.is_empty() {
        if by_prose || (common >= MIN_COMMON_CELLS && nonzero_agreeing >= MIN_NONZERO_AGREEING) {
            return Relation::Same {
                agreeing: common,
                by_prose,
            };
        }
        return Relation::Unrelated;
    }
    // Most cells agree: one report with some numbers changed, not two reports.
    if by_prose && differ.len() * 4 <= common {
        return Relation::Differ {
            common,
            cells: differ,
        };
    }
    Relation::Unrelated
}

/// Whether two versions that differ carry different dates: a re-publication.
fn republished(a: &ReportRecord, b: &ReportRecord) -> bool {
    later_of(a, b).is_some()
}

/// Which of two versions that differ came later (`Greater`: `a`): one whose title says
/// it corrects (更正, 修正, 修订) over one whose title does not, else the later
/// `issued_on`; `None` where neither tells.
fn later_of(a: &ReportRecord, b: &ReportRecord) -> Option<std::cmp::Ordering> {
    if a.correction != b.correction {
        return Some(a.correction.cmp(&b.correction));
    }
    match (&a.issued_on, &b.issued_on) {
        (Some(x), Some(y)) if x != y => Some(x.cmp(y)),
        _ => None,
    }
}

/// How a version's place in time is shown in messages.
fn when(r: &ReportRecord) -> String {
    let date = r.issued_on.as_deref().unwrap_or("no date");
    if r.correction {
        format!("issued {date}, titled as a correction")
    } else {
        format!("issued {date}")
    }
}

/// The order of formats among versions otherwise equal: those that keep a table's grid
/// first.
fn format_rank(format: &str) -> u8 {
    match format {
        "docx" => 0,
        "html" => 1,
        "text" => 2,
        "pdf" => 3,
        _ => 4,
    }
}

/// The versions among a group of reports of one agency and year: for each report, the
/// position (in `group`) of the canonical version it is another version of, if any.
pub(super) fn canonical_in(group: &[ReportRecord]) -> Vec<Option<usize>> {
    let n = group.len();
    let mut canonical = vec![None; n];
    if !(2..=MAX_GROUP).contains(&n) {
        return canonical;
    }
    // Clusters of versions: connected by any relation but `Unrelated`.
    let mut cluster: Vec<usize> = (0..n).collect();
    let mut corrected = vec![false; n];
    for a in 0..n {
        for b in a + 1..n {
            let relation = relate(&group[a], &group[b]);
            if relation == Relation::Unrelated {
                continue;
            }
            if matches!(relation, Relation::Differ { .. }) && republished(&group[a], &group[b]) {
                corrected[a] = true;
                corrected[b] = true;
            }
            let (from, to) = (cluster[b], cluster[a]);
            for c in &mut cluster {
                if *c == from {
                    *c = to;
                }
            }
        }
    }
    for root in 0..n {
        let members: Vec<usize> = (0..n).filter(|&m| cluster[m] == root).collect();
        if members.len() < 2 {
            continue;
        }
        // A correction makes the latest version canonical: one titled as a correction,
        // then the latest date.
        let time = |m: usize| (group[m].correction, group[m].issued_on.clone());
        let latest = members
            .iter()
            .filter(|&&m| corrected[m])
            .map(|&m| time(m))
            .max();
        let best = members
            .iter()
            .copied()
            .filter(|&m| latest.is_none() || Some(time(m)) == latest)
            .min_by_key(|&m| {
                let r = &group[m];
                (
                    Reverse(r.table.len()),
                    r.errors,
                    format_rank(&r.format),
                    r.report_id.clone(),
                    r.root,
                    r.source_path.clone(),
                )
            })
            .expect("a cluster has members");
        for m in members {
            if m != best {
                canonical[m] = Some(best);
            }
        }
    }
    canonical
}

/// The diagnostics about versions for report `me` of `group`, given
/// [`canonical_in`]'s answer.
pub(super) fn findings_for(
    me: usize,
    group: &[ReportRecord],
    canonical: &[Option<usize>],
) -> Vec<Diagnostic> {
    let r = &group[me];
    let mut found = Vec::new();
    // Members of one cluster share their canonical version (the canonical its own).
    let cluster_of = |m: usize| canonical[m].unwrap_or(m);
    if let Some(kept) = canonical[me] {
        let k = &group[kept];
        let how = match relate(r, k) {
            Relation::Same { agreeing, by_prose } if by_prose => {
                format!("the same prose, and the {agreeing} cells both read agree")
            }
            Relation::Same { agreeing, .. } => format!("all {agreeing} cells both read agree"),
            Relation::Differ { .. } => "the same prose, with numbers that differ (below)".into(),
            Relation::Unrelated => "both are versions of a third file".into(),
        };
        found.push(r.diagnostic(Finding {
            severity: Severity::Info,
            code: Code::DuplicateVersion,
            message: format!(
                "another version of {} (its {}): {how}; this file's {} cells are left out \
                 of facts, where that version's stand",
                k.name(),
                k.format,
                r.table.len()
            ),
            line: None,
        }));
    }
    for (other, o) in group.iter().enumerate() {
        if other == me || cluster_of(other) != cluster_of(me) {
            continue;
        }
        let Relation::Differ { common, cells } = relate(r, o) else {
            continue;
        };
        let named: Vec<String> = cells
            .iter()
            .take(CELLS_NAMED)
            .map(|(cell, theirs)| {
                format!(
                    "{}/{} {} here, {theirs} there",
                    Category::ALL[cell.category as usize].code(),
                    Breakdown::ALL[cell.breakdown as usize].code(),
                    cell.value
                )
            })
            .collect();
        let more = if cells.len() > CELLS_NAMED {
            format!(" and {} more", cells.len() - CELLS_NAMED)
        } else {
            String::new()
        };
        let kept = &group[cluster_of(me)];
        let (code, what) = if republished(r, o) {
            let (earlier, later) = if later_of(r, o) == Some(std::cmp::Ordering::Greater) {
                (o, r)
            } else {
                (r, o)
            };
            (
                Code::Republished,
                format!(
                    "{} ({}) was published again as {} ({})",
                    earlier.name(),
                    when(earlier),
                    later.name(),
                    when(later),
                ),
            )
        } else {
            (
                Code::VersionConflict,
                format!(
                    "{} (its {}) is another version of this report",
                    o.name(),
                    o.format
                ),
            )
        };
        found.push(r.diagnostic(Finding::warning(
            code,
            format!(
                "{what}, with other numbers in {} of the {common} cells both read: {}{more}; \
                 the facts of {} stand",
                cells.len(),
                named.join("; "),
                kept.name()
            ),
            None,
        )));
    }
    found
}
