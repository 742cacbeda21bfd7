//! The checks across reports: one agency's consecutive years, other agencies named in
//! a report's prose, and near-duplicate prose.

use std::io;

use super::names::{hash_text, place_kind, place_names};
use super::record::{PlaceEntry, ReportRecord};
use super::similar::Near;
use super::Records;
use crate::categories::APPLICANT_COLUMNS;
use crate::model::{Code, Diagnostic, Finding};
use crate::prose::SIGNATURE_LEN;

pub(super) fn compare_years(r: &ReportRecord, prev: &ReportRecord, found: &mut Vec<Diagnostic>) {
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
pub(super) fn other_agencies_named_in(
    r: &ReportRecord,
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
        // The agency's own name, shorter or longer: 洪泽区's report naming 淮安市洪泽区
        // names itself (the reports of one agency do not always agree on its name).
        let is_own = own.iter().any(|o| o.ends_with(name) || name.ends_with(o));
        if is_own || named.contains(&name) {
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

/// Report `r`'s `near_duplicate` row for one of its most similar others: how similar,
/// how much of each was compared, and a passage both contain, so that a reader can judge
/// the finding at a glance.
pub(super) fn near_duplicate(
    r: &ReportRecord,
    near: &Near,
    other: &ReportRecord,
    found: &mut Vec<Diagnostic>,
) {
    let whose = if other.key == r.key {
        "the same agency's report for another year"
    } else {
        "another agency's report"
    };
    let s = f64::from(near.same) / SIGNATURE_LEN as f64;
    let shared = r
        .sketch
        .shared_passage(&other.sketch)
        .map(|p| format!("; both say “{p}”"))
        .unwrap_or_default();
    found.push(r.diagnostic(Finding::warning(
        Code::NearDuplicate,
        format!(
            "the prose is about {:.0}% the same as {whose}: {} ({}); compared {} and {} \
             characters of their own words (numbers, the national format's fixed sentences \
             and headings, and web page furniture left out){shared}",
            s * 100.0,
            other.name(),
            other.source_path,
            r.sketch.chars,
            other.sketch.chars,
        ),
        None,
    )));
}
