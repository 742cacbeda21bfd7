//! Mapping rows to cells, on rows as the seed reports and their renderings give them.

use super::solve::{count_splits, split_cells, split_digits, ways_to_split};
use super::*;
use crate::categories::ACTIVE_COLUMN_KEYS;
use crate::tables::{recover_rows, ValueCell};

fn map(section: Section, text: &str) -> Mapped {
    let lines: Vec<&str> = text.lines().collect();
    let rows = recover_rows(&lines, 1);
    let mut m = Mapped::default();
    map_table(section, &rows, &mut m);
    m
}

fn values(m: &Mapped, c: Category) -> Vec<String> {
    m.cells
        .iter()
        .filter(|f| f.category == c)
        .map(|f| f.value.to_string())
        .collect()
}

#[test]
fn digit_splits_respect_leading_zeros() {
    let mut all = Vec::new();
    split_digits("3100003", 6, &mut Vec::new(), &mut |s| {
        all.push(s.join(","))
    });
    assert_eq!(all, vec!["3,10,0,0,0,3", "31,0,0,0,0,3"]);
}

#[test]
fn split_counts_match_enumeration() {
    let mut n = 0;
    split_digits("3100003", 6, &mut Vec::new(), &mut |_| n += 1);
    assert_eq!(ways_to_split(b"3100003", 7)[6], n as u128);
    assert_eq!(ways_to_split(b"000", 3), vec![0, 0, 0, 1]);
}

/// The search skips part counts the later cells cannot make up; it must still find
/// every split the count says there is.
#[test]
fn split_search_finds_every_split_it_counts() {
    let cell = |raw: &str, splittable: bool| ValueCell {
        raw: raw.to_string(),
        line: 1,
        position: None,
        line_cells: None,
        span: None,
        splittable,
        placeholder: false,
    };
    let rows = [
        vec![cell("001000", true), cell("1", true)],
        vec![cell("3100003", true), cell("34", true)],
        vec![cell("12", true), cell("5", false), cell("1203", true)],
        vec![
            cell("7", false),
            cell("105", true),
            cell("2", false),
            cell("99", true),
        ],
    ];
    for cells in &rows {
        for width in 2..=8 {
            let mut found = Vec::new();
            split_cells(cells, 0, width, &mut Vec::new(), &|_| true, &mut found);
            let raws: Vec<&str> = cells.iter().map(|c| c.raw.as_str()).collect();
            assert_eq!(
                found.len() as u128,
                count_splits(cells, width),
                "{raws:?} into {width}"
            );
        }
    }
}

#[test]
fn run_together_row_splits_one_way() {
    let m = map(
        Section::Applications,
        "一、本年新收政府信息公开申请数量3100003 34二、上年结转政府信息公开申请数量0000000",
    );
    assert_eq!(
        values(&m, Category::New),
        vec!["31", "0", "0", "0", "0", "3", "34"]
    );
    assert_eq!(values(&m, Category::CarriedOver), vec!["0"; 7]);
}

#[test]
fn ambiguous_split_writes_nothing() {
    // 1|10|0|0|0|0 and 11|0|0|0|0|0 both sum to 11: neither is written.
    let m = map(Section::Applications, "(一)予以公开1100000 11");
    assert!(values(&m, Category::Disclosed).is_empty(), "{:?}", m.cells);
    let f = m
        .findings
        .iter()
        .find(|f| f.code == Code::AmbiguousCells)
        .unwrap();
    assert!(
        f.message.contains("[1 10 0 0 0 0 11]") && f.message.contains("[11 0 0 0 0 0 11]"),
        "{}",
        f.message
    );
    // 1|2|12, 1|21|2 and 12|1|2 all fit table 二's three columns.
    let m = map(
        Section::Active,
        "信息内容本年新制作数量本年新公开数量对外公开总数量规章1212",
    );
    assert!(
        values(&m, Category::ActiveRules).is_empty(),
        "{:?}",
        m.cells
    );
    assert!(m.findings.iter().any(|f| f.code == Code::AmbiguousCells));
}

#[test]
fn too_many_splits_is_never_a_choice() {
    // 45 digits into 7 numbers: far more splits than are enumerated.
    let digits = "1".repeat(45);
    let m = map(Section::Applications, &format!("(一)予以公开{digits}"));
    assert!(m.cells.is_empty());
    assert!(m
        .findings
        .iter()
        .any(|f| f.code == Code::CellCountMismatch && f.message.contains("too many")));
}

#[test]
fn a_short_row_reports_its_blank_columns() {
    let t = "→(七)总计→→0→0→0→0→0→0→0\n四、结转下年度继续办理→→→→→0→0→0→0→0\n".replace('→', "\t");
    let m = map(Section::Applications, &t);
    assert_eq!(values(&m, Category::CarriedForward), vec!["0"; 5]);
    let f = m
        .findings
        .iter()
        .find(|f| f.code == Code::CellCountMismatch)
        .unwrap();
    assert!(
        f.message
            .ends_with("no fact for the blank columns natural_person, commercial"),
        "{}",
        f.message
    );
}

#[test]
fn every_column_header_has_a_character_the_header_search_looks_for_first() {
    for (key, _) in ACTIVE_COLUMN_KEYS {
        assert!(key.contains(['数', '增', '额']), "{key}");
    }
}

#[test]
fn active_header_decides_columns_and_units() {
    let m = map(Section::Active, "第二十条第（八）项\t\t\t\n信息内容\t本年收费金额（单位：万元）\t\t\n行政事业性收费\t22.5981\t\t\n");
    assert_eq!(m.cells.len(), 1);
    assert_eq!(m.cells[0].breakdown, Breakdown::FeeAmount);
    assert_eq!(m.cells[0].value.to_string(), "225981");
    assert_eq!(m.template(), Template::Y2021);
}

/// Two numbered labels before one row of numbers: from lines of their own (a column of
/// labels converted before its numbers), either may own the numbers, so neither gets
/// them; with the second label beside the numbers (a grid row whose first row was left
/// blank), the numbers are the second's.
#[test]
fn numbers_after_two_labels_go_to_neither_unless_one_stands_beside_them() {
    let column_first = "（四）无法提供\n1.本机关不掌握相关政府信息\n2.没有现成信息需要另行制作\n\
                        | 4 | 0 | 0 | 0 | 0 | 0 | 4 |\n";
    let m = map(Section::Applications, column_first);
    assert!(values(&m, Category::NotHeld).is_empty());
    assert!(values(&m, Category::NeedsCreation).is_empty());
    let codes: Vec<Code> = m.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, [Code::AmbiguousRow]);

    let blank_first = "1.本机关不掌握相关政府信息\t\t\t\t\t\t\t\n\
                       2.没有现成信息需要另行制作\t4\t0\t0\t0\t0\t0\t4\n";
    let m = map(Section::Applications, blank_first);
    assert!(values(&m, Category::NotHeld).is_empty());
    assert_eq!(
        values(&m, Category::NeedsCreation),
        ["4", "0", "0", "0", "0", "0", "4"]
    );
    assert!(m.findings.iter().all(|f| f.code != Code::AmbiguousRow));

    let one_cell = "1.本机关不掌握相关政府信息2.没有现成信息需要另行制作\t4\t0\t0\t0\t0\t0\t4\n";
    let m = map(Section::Applications, one_cell);
    assert!(values(&m, Category::NotHeld).is_empty());
    assert!(values(&m, Category::NeedsCreation).is_empty());
    assert!(m.findings.iter().any(|f| f.code == Code::AmbiguousRow));

    // A group heading and its item are one row, not two.
    let heading = "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t1\t0\t0\t0\t0\t0\t1\n";
    let m = map(Section::Applications, heading);
    assert_eq!(values(&m, Category::NoCorrection).len(), 7);
}

/// The same in table 二: `规章` and `行政规范性文件` on lines of their own before one row
/// of numbers give neither row; with 规章's row left blank in a grid, the numbers beside
/// 行政规范性文件 are its own.
#[test]
fn table_two_numbers_after_two_labels_go_to_neither_unless_one_stands_beside_them() {
    let head = "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n";
    let column_first = format!("{head}规章\n行政规范性文件\n21\t40\t242\n");
    let m = map(Section::Active, &column_first);
    assert!(values(&m, Category::ActiveRules).is_empty());
    assert!(values(&m, Category::ActiveNormativeDocs).is_empty());
    let codes: Vec<Code> = m.findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&Code::AmbiguousRow), "{codes:?}");

    // One grid cell holding both labels beside the numbers: a merged cell, or a border a
    // scan lost (the next row's numbers, without a label, follow).
    let one_cell = format!("{head}规章行政规范性文件\t0\t0\t0\n\t21\t40\t242\n");
    let m = map(Section::Active, &one_cell);
    assert!(values(&m, Category::ActiveRules).is_empty());
    assert!(values(&m, Category::ActiveNormativeDocs).is_empty());
    let codes: Vec<Code> = m.findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&Code::AmbiguousRow), "{codes:?}");

    let blank_first = format!("{head}规章\t\t\t\n行政规范性文件\t21\t40\t242\n");
    let m = map(Section::Active, &blank_first);
    assert_eq!(
        values(&m, Category::ActiveNormativeDocs),
        ["21", "40", "242"]
    );
    assert!(m.findings.iter().all(|f| f.code != Code::AmbiguousRow));
}

#[test]
fn a_stray_mark_before_table_four_is_no_row_of_it() {
    // OCR read the heading's `四、` as `\`: a row of one placeholder, before the real row.
    let text = "\\   政府信息公开行政 复议   、     行 政 诉讼情况\n\
                行政复议\t\t\t\t\t行政诉讼\n\
                结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t复议后起诉\n\
                3\t0\t0\t0\t3\t0\t0\t0\t0\t0\t1\t0\t0\t0\t1\n";
    let m = map(Section::ReviewLitigation, text);
    assert_eq!(values(&m, Category::Review), ["3", "0", "0", "0", "3"]);
    assert_eq!(
        values(&m, Category::LitigationAfterReview),
        ["1", "0", "0", "0", "1"]
    );
    assert!(m.findings.is_empty(), "{:?}", m.findings);
}

#[test]
fn table_four_short_of_a_cell_is_placed_by_its_line_of_fifteen_cells() {
    // A ruled grid's row of numbers, one cell read as nothing; the headers misread, so
    // they name no column.
    let text = "行政复议\t\t\t\t\t行政诉讼\n\
                结果维持\t结果纠正\t其他结果\t尚未审结\t总大\n\
                \t1\t0\t0\t4\t0\t0\t1\t2\t3\t0\t0\t1\t4\t5\n";
    let m = map(Section::ReviewLitigation, text);
    assert_eq!(values(&m, Category::Review), ["1", "0", "0", "4"]);
    assert_eq!(
        values(&m, Category::LitigationAfterReview),
        ["0", "0", "1", "4", "5"]
    );
    // The same numbers with the row's label on their line: positions name no column.
    let labelled = map(
        Section::ReviewLitigation,
        "行政复议\t\t1\t0\t0\t4\t0\t0\t1\t2\t3\t0\t0\t1\t4\n",
    );
    assert!(labelled.cells.is_empty(), "{:?}", labelled.cells);
}

#[test]
fn a_label_misread_by_ocr_is_taken_for_its_nearest_row_only_when_read_by_ocr() {
    let text = "(三)不予公开\t3.危用:生安全一稳定”\t0\t1\t0\t0\t0\t0\t1\n";
    let lines: Vec<&str> = text.lines().collect();
    let rows = recover_rows(&lines, 1);
    let mut printed = Mapped::default();
    map_table_with(
        Section::Applications,
        &rows,
        Labels::AsPrinted,
        &mut printed,
    );
    assert!(printed.cells.is_empty());
    assert_eq!(printed.findings[0].code, Code::UnknownRow);
    let mut read = Mapped::default();
    map_table_with(Section::Applications, &rows, Labels::ReadByOcr, &mut read);
    assert_eq!(
        values(&read, Category::SecurityStability),
        ["0", "1", "0", "0", "0", "0", "1"]
    );
    assert_eq!(read.findings[0].code, Code::OcrLabel);
}

#[test]
fn a_table_two_label_misread_by_ocr_is_taken_for_its_nearest_row_only_when_read_by_ocr() {
    // 管理 read as 宫埋: a label as printed with that typo is the agency's, and stays unread.
    let text = "第二十条第(八)项\t\t\n\
                信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n\
                其他对外宫埋服务事项\t0\t152\t20470\n";
    let lines: Vec<&str> = text.lines().collect();
    let rows = recover_rows(&lines, 1);
    let mut printed = Mapped::default();
    map_table_with(Section::Active, &rows, Labels::AsPrinted, &mut printed);
    assert!(printed.cells.is_empty(), "{:?}", printed.cells);
    assert!(printed.findings.iter().any(|f| f.code == Code::UnknownRow));
    let mut read = Mapped::default();
    map_table_with(Section::Active, &rows, Labels::ReadByOcr, &mut read);
    assert_eq!(
        values(&read, Category::ActiveOtherServices),
        ["0", "152", "20470"]
    );
    assert!(read
        .findings
        .iter()
        .any(|f| f.code == Code::OcrLabel && f.message.contains("其他对外宫埋服务事项")));
}

#[test]
fn a_full_row_read_by_ocr_under_a_header_that_names_no_column_gives_no_facts() {
    // The grid's first header misread (`止一年` for `上一年`): two headers name columns, and
    // 行政强制's two numbers (its 本年增/减 read as nothing) stand under the unknown one and
    // 处理决定数量. Taken in order, the first would be 本年增/减.
    let text = "第二十条第(六)项\t\t\t\t\t\t\t\t\n\
                信息内容\t止一年项目数量\t\t\t\t本年增/减\t\t\t处理决定数量\n\
                行政强制\t0\t\t\t\t\t\t\t0\n\
                行政许可\t\t\t\t\t3\t\t\t7\n";
    let lines: Vec<&str> = text.lines().collect();
    let rows = recover_rows(&lines, 1);
    let mut m = Mapped::default();
    map_table_with(Section::Active, &rows, Labels::ReadByOcr, &mut m);
    assert!(
        values(&m, Category::ActiveEnforcement).is_empty(),
        "{:?}",
        m.cells
    );
    assert_eq!(values(&m, Category::ActiveLicensing), ["3", "7"]);
    assert!(m
        .findings
        .iter()
        .any(|f| f.code == Code::CellCountMismatch && f.message.contains("not all under")));
}
