//! Checks across reports, on small made-up corpora and the seed reports' prose.

use super::similar::{offer, Near, Nearest, MAX_NEAR_DUPLICATES, NEAR_DUPLICATE};
use super::*;
use crate::categories::Section;
use crate::model::Code;
use crate::model::{Fact, Report, Source, Unit};
use crate::prose::{ProseTraces, Signature};

const PROSE_A: &str = include_str!("../../data/raw/001_1f7e495e6ab563f2.txt");
const PROSE_B: &str = include_str!("../../data/raw/004_ed1ff81cc4d3de7d.txt");

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
            provenance: None,
            source: Source::Text,
            confidence: None,
        })
        .collect();
    DocResult {
        report: Report {
            agency: Some(agency.to_string()),
            year: Some(year),
            template,
            status: Status::Ok,
            facts: cells.len() as i32,
            ..Report::of_file(id, &format!("{id}.txt"), 1)
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
        open_splits: Vec::new(),
        pictures: Vec::new(),
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
    let summary = ReportSummary::of(
        &doc("a", "灵秀镇人民政府", 2021, Template::Y2021, &cells, prose),
        3,
    )
    .expect("a summary");
    let mut stored = summary.stored;
    // Every kind of cell value survives the record: zero, small count, other.
    stored.table.push(TableCell {
        category: 1,
        breakdown: 2,
        value: 0.0,
    });
    stored.table.push(TableCell {
        category: 1,
        breakdown: 3,
        value: 65535.0,
    });
    stored.table.push(TableCell {
        category: 1,
        breakdown: 4,
        value: -0.0,
    });
    stored.table.push(TableCell {
        category: 1,
        breakdown: 5,
        value: 1e9 + 0.5,
    });
    stored.issued_on = Some("2022-01-20".to_string());
    stored.correction = true;
    assert_eq!(stored.root, 3);
    assert_eq!(stored.places.len(), 3, "{:?}", stored.places);
    assert_eq!(stored.carried_over[0], Some((2.5, 100)));
    let mut record = Vec::new();
    stored.encode(&mut record);
    assert_eq!(ReportRecord::decode(&record).as_ref(), Some(&stored));
    let skimmed = ReportRecord::skim(&record).expect("a skimmed record");
    assert_eq!(
        (skimmed.key, skimmed.year, skimmed.has_splits),
        (stored.key.as_str(), 2021, false)
    );
    // A record cut short, or with bytes after it, is not read as one.
    assert_eq!(ReportRecord::decode(&record[..record.len() - 1]), None);
    assert!(ReportRecord::skim(&record[..record.len() - 1]).is_none());
    record.push(0);
    assert_eq!(ReportRecord::decode(&record), None);
    assert!(ReportRecord::skim(&record).is_none());
    // Rows waiting on the previous year's report, after everything else.
    stored.splits.push(SplitRecord {
        category: 3,
        candidates: vec![vec![(1, 2.0), (2, 30.0)], vec![]],
    });
    let mut record = Vec::new();
    stored.encode(&mut record);
    assert_eq!(ReportRecord::decode(&record).as_ref(), Some(&stored));
    assert!(
        ReportRecord::skim(&record)
            .expect("a skimmed record")
            .has_splits
    );
    assert!(ReportRecord::skim(&record[..record.len() - 1]).is_none());
    let signed = SignatureRecord {
        key: 7,
        year: 2021,
        signature: Signature::of(PROSE_A.lines()),
    };
    let back = SignatureRecord::decode(&signed.encode());
    assert_eq!(
        (back.key, back.year, back.signature),
        (7, 2021, signed.signature)
    );
    assert!(SignatureRecord::decode(
        &SignatureRecord {
            signature: None,
            ..signed
        }
        .encode()
    )
    .signature
    .is_none());
}
#[test]
fn a_tables_values_are_found_by_cell_the_last_reading_of_a_cell_kept() {
    let cell = |category, breakdown, value| TableCell {
        category,
        breakdown,
        value,
    };
    let table = [
        cell(9, 2, 5.0),
        cell(3, 0, 1.0),
        cell(9, 1, 4.0),
        cell(3, 0, 7.0),
        cell(0, 6, 2.0),
        cell(3, 0, 8.0),
    ];
    let values = super::record::CellValues::of(&table);
    let map: HashMap<(u8, u8), f64> = table
        .iter()
        .map(|c| ((c.category, c.breakdown), c.value))
        .collect();
    for category in 0..12 {
        for breakdown in 0..8 {
            let expected = map.get(&(category, breakdown)).copied();
            assert_eq!(values.get(category, breakdown), expected);
        }
    }
    assert_eq!(values.get(3, 0), Some(8.0));
    assert_eq!(values.get(9, 0), None);
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
fn near_duplicates_are_the_same_whatever_the_number_of_helpers() {
    // The bands are searched at once, on as many helpers as there are, and each offers
    // its pairs when it finds them: the three nearest must not depend on which band
    // came first. Each report leaves out a different few lines of one prose, so that
    // the similarities differ and every band's pairs count.
    let index = || {
        let mut index = empty_index();
        let lines: Vec<&str> = PROSE_A.lines().collect();
        for i in 0..24 {
            let prose: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(n, _)| n % 9 != i % 9 && n % 11 != i % 11)
                .map(|(_, l)| *l)
                .collect();
            let agency = format!("第{i}街道办事处");
            let id = format!("r{i:02}");
            index.add(&doc(
                &id,
                &agency,
                2021,
                Template::Y2021,
                &[],
                &prose.join("\n"),
            ));
        }
        index
    };
    let one = index().findings_with(1);
    // More pairs than reports, at several similarities: there is something to order.
    let near: Vec<&String> = one
        .iter()
        .filter(|(_, d)| d.code == Code::NearDuplicate)
        .map(|(_, d)| &d.message)
        .collect();
    let similarities: std::collections::BTreeSet<&str> =
        near.iter().filter_map(|m| m.split('%').next()).collect();
    assert!(near.len() > 24, "{near:?}");
    assert!(similarities.len() >= 3, "{similarities:?}");
    for threads in [2, 4, 8, 8] {
        assert_eq!(index().findings_with(threads), one, "{threads} helpers");
    }
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
    let prose = "我镇认真贯彻落实。\n学习借鉴仙都镇的做法，在鲤城区开元街道办事处和泉港区的指导下";
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
    // ...but one report in two files: the second is marked as another version.
    assert_eq!(
        got,
        [
            ("a", "near_duplicate"),
            ("b", "near_duplicate"),
            ("d", "duplicate_version")
        ]
    );
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

/// An agency named with its city in one year and without it in another is one agency:
/// 洪泽区's report naming 淮安市洪泽区 names itself.
#[test]
fn an_agency_naming_itself_by_a_longer_name_is_not_another_agency() {
    let t = Template::Y2021;
    let mut index = empty_index();
    index.add(&doc(
        "a",
        "洪泽区人民政府",
        2023,
        t,
        &[],
        "淮安市洪泽区人民政府认真贯彻落实",
    ));
    index.add(&doc("b", "淮安市洪泽区人民政府", 2024, t, &[], "洪泽区"));
    assert_eq!(index.findings(), []);
}

/// A report whose 上年结转 row split several ways, as `candidates` (applicant columns).
fn with_open_carry(mut d: DocResult, candidates: &[[f64; 7]]) -> DocResult {
    d.open_splits.push(crate::model::OpenSplit {
        category: Category::CarriedOver,
        line: 80,
        candidates: candidates
            .iter()
            .map(|values| {
                APPLICANT_COLUMNS
                    .iter()
                    .zip(values)
                    .map(|(b, v)| Fact {
                        category: Category::CarriedOver,
                        breakdown: *b,
                        value: *v,
                        ..d.facts[0].clone()
                    })
                    .collect()
            })
            .collect(),
    });
    d
}

#[test]
fn the_previous_year_decides_a_split_only_where_exactly_one_way_agrees_with_it() {
    let t = Template::Y2021;
    let forward: Vec<(Category, Breakdown, f64)> = APPLICANT_COLUMNS
        .iter()
        .zip([0.0, 16.0, 0.0, 0.0, 0.0, 0.0, 16.0])
        .map(|(b, v)| (Category::CarriedForward, *b, v))
        .collect();
    let filler = [(Category::New, Breakdown::Total, 3.0)];
    let ways = [
        [0.0, 1.0, 6.0, 0.0, 0.0, 0.0, 7.0],
        [0.0, 16.0, 0.0, 0.0, 0.0, 0.0, 16.0],
    ];
    let decide = |previous: &[(Category, Breakdown, f64)], ways: &[[f64; 7]]| {
        let mut index = empty_index();
        index.add(&doc("a", "丰泽区", 2021, t, previous, ""));
        index.add(&with_open_carry(
            doc("b", "丰泽区", 2022, t, &filler, ""),
            ways,
        ));
        // Another agency's report of 2021 decides nothing for 丰泽区.
        index.add(&with_open_carry(
            doc("c", "鲤城区", 2022, t, &filler, ""),
            ways,
        ));
        let decided = index
            .decide(&crate::cpu::Helpers::new(2).expect("two threads"))
            .expect("a temporary file");
        decided
            .splits()
            .iter()
            .map(|s| (s.at.ordinal, s.category, s.candidate, s.previous.clone()))
            .collect::<Vec<_>>()
    };
    // 上年结转 = last year's 结转下年度 for the second way only.
    assert_eq!(
        decide(&forward, &ways),
        [(1, Category::CarriedOver, 1, "a".to_string())]
    );
    // Two ways that agree with it: none is taken.
    assert!(decide(&forward, &[ways[1], ways[1]]).is_empty());
    // Last year without its 结转下年度 row: nothing to check against.
    assert!(decide(&filler, &ways).is_empty());
    // A way that agrees in one column and not another is no match.
    let mut half = forward.clone();
    half[1].2 = 15.0;
    assert!(decide(&half, &ways).is_empty());
}
