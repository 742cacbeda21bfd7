//! Rows whose run-together digits a report leaves several ways to split, decided by the
//! same agency's previous-year report where one relation between the two years holds for
//! exactly one way: 上年结转 = last year's 结转下年度 (per applicant column), 现行有效件数 =
//! last year's 现行有效件数 + 本年制发 − 本年废止 (2021 format, both years), 上一年项目数量 =
//! last year's 本年项目数量. A way is confirmed when every relation its cells take part in
//! holds and at least one could be checked; anything but one confirmed way decides
//! nothing.

use std::collections::HashMap;

use super::record::ReportRecord;
use crate::categories::{Breakdown, Category};

/// A report's cells by row and column.
fn cells_of(r: &ReportRecord) -> HashMap<(Category, Breakdown), f64> {
    r.table
        .iter()
        .map(|c| {
            let category = Category::ALL[c.category as usize];
            ((category, Breakdown::ALL[c.breakdown as usize]), c.value)
        })
        .collect()
}

/// For each of `r`'s open rows that `prev` (the same agency's report for the year before)
/// decides: the row, the way chosen, and the relation that chose it.
pub(super) fn decide(r: &ReportRecord, prev: &ReportRecord) -> Vec<(Category, u32, &'static str)> {
    let last = cells_of(prev);
    let this = cells_of(r);
    let both_2021 = r.y2021 && prev.y2021;
    let mut decided = Vec::new();
    for split in &r.splits {
        let category = Category::ALL[split.category as usize];
        if !kept_by_agency(category, split, &this, &last, both_2021) {
            continue;
        }
        let mut rule = "";
        let confirmed: Vec<usize> = split
            .candidates
            .iter()
            .enumerate()
            .filter(|(_, cells)| {
                confirms(category, cells, &last, both_2021).is_some_and(|why| {
                    rule = why;
                    true
                })
            })
            .map(|(k, _)| k)
            .collect();
        if let [only] = confirmed[..] {
            decided.push((category, only as u32, rule));
        }
    }
    decided
}

/// Whether the relation that would decide `split` is one this agency keeps: 上年结转 needs
/// last year's 结转下年度 in all seven columns; 现行有效件数 and 上一年项目数量 need another
/// row of this report, read whole, that keeps the relation with last year, and none
/// that breaks it.
fn kept_by_agency(
    category: Category,
    split: &super::record::SplitRecord,
    this: &HashMap<(Category, Breakdown), f64>,
    last: &HashMap<(Category, Breakdown), f64>,
    both_2021: bool,
) -> bool {
    if category == Category::CarriedOver {
        return crate::categories::APPLICANT_COLUMNS
            .iter()
            .all(|b| last.contains_key(&(Category::CarriedForward, *b)));
    }
    let of = |b: Breakdown| Breakdown::ALL.iter().position(|x| *x == b).map(|i| i as u8);
    let has = |b: Breakdown| {
        split
            .candidates
            .iter()
            .all(|cells| cells.iter().any(|(bd, _)| Some(*bd) == of(b)))
    };
    // Every other row of this report with the relation's cells, read whole.
    let others = this
        .keys()
        .map(|(c, _)| *c)
        .filter(|c| *c != category)
        .collect::<std::collections::BTreeSet<_>>();
    let mut kept = 0;
    for other in others {
        let get = |m: &HashMap<(Category, Breakdown), f64>, b| m.get(&(other, b)).copied();
        let holds = if has(Breakdown::InForce) && both_2021 {
            match (
                get(this, Breakdown::InForce),
                get(this, Breakdown::Issued),
                get(this, Breakdown::Repealed),
                get(last, Breakdown::InForce),
            ) {
                // A row where nothing was issued or repealed shows nothing of how the
                // agency counts (0 0 0 after 0 keeps any chain).
                (Some(now), Some(issued), Some(repealed), Some(before))
                    if issued + repealed > 0.0 =>
                {
                    Some(now == before + issued - repealed)
                }
                _ => None,
            }
        } else if has(Breakdown::ItemsPrevYear) {
            match (
                get(this, Breakdown::ItemsPrevYear),
                get(last, Breakdown::Items),
            ) {
                (Some(now), Some(before)) if now > 0.0 || before > 0.0 => Some(now == before),
                _ => None,
            }
        } else {
            None
        };
        match holds {
            Some(true) => kept += 1,
            Some(false) => return false,
            None => {}
        }
    }
    kept > 0
}

/// Whether a way to split a row agrees with last year's cells: `Some(relation)` when every
/// relation its cells take part in holds and one was checked, `None` otherwise.
fn confirms(
    category: Category,
    cells: &[(u8, f64)],
    last: &HashMap<(Category, Breakdown), f64>,
    both_2021: bool,
) -> Option<&'static str> {
    let value_of = |b: Breakdown| {
        cells
            .iter()
            .find(|(bd, _)| Breakdown::ALL[*bd as usize] == b)
            .map(|(_, v)| *v)
    };
    let mut rule = None;
    for &(bd, value) in cells {
        let breakdown = Breakdown::ALL[bd as usize];
        let (expected, why) = match (category, breakdown) {
            (Category::CarriedOver, b) => (
                last.get(&(Category::CarriedForward, b)).copied(),
                "上年结转 equals its 结转下年度",
            ),
            (c, Breakdown::InForce) if both_2021 => {
                let before = last.get(&(c, Breakdown::InForce)).copied();
                let issued = value_of(Breakdown::Issued);
                let repealed = value_of(Breakdown::Repealed);
                match (before, issued, repealed) {
                    (Some(b), Some(i), Some(r)) => (
                        Some(b + i - r),
                        "现行有效件数 is its 现行有效件数 + 制发 − 废止",
                    ),
                    _ => (None, ""),
                }
            }
            (c, Breakdown::ItemsPrevYear) => (
                last.get(&(c, Breakdown::Items)).copied(),
                "上一年项目数量 equals its 本年项目数量",
            ),
            _ => (None, ""),
        };
        if let Some(expected) = expected {
            if expected != value {
                return None;
            }
            rule = Some(why);
        }
    }
    rule
}
