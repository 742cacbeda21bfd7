//! corpus: a synthetic corpus of reports, for measuring speed and scale only.
//!
//! Real reports (`data/raw`, the shared corpus) are the truth for extraction; this module
//! makes many realistic ones: prose from the sample reports, tables in the national
//! formats with numbers that keep the format's identities, agencies, years, layouts (tab,
//! one cell per line, markdown pipes, space-aligned, web-crawled run-together) and
//! encodings (UTF-8, GBK, UTF-16) varied. The same seed gives the same files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::segment::segment;

/// SplitMix64: a small, fast, reproducible generator (no dependency needed).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one report: the corpus seed mixed with the report's number.
    pub fn new(seed: u64, index: u64) -> Rng {
        Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A small count, mostly zero, sometimes large: the shape of real tables.
    fn count(&mut self) -> u64 {
        match self.below(10) {
            0..=5 => 0,
            6..=8 => self.below(20),
            _ => self.below(2000),
        }
    }
}

const CITIES: &[&str] = &[
    "泉州",
    "厦门",
    "福州",
    "淮安",
    "宿迁",
    "石狮",
    "晋江",
    "南安",
    "杭州",
    "宁波",
    "衢州",
    "佳木斯",
];
const DISTRICTS: &[&str] = &[
    "丰泽",
    "鲤城",
    "洛江",
    "泉港",
    "思明",
    "湖里",
    "洪泽",
    "淮阴",
    "清江浦",
    "鼓楼",
    "台江",
    "仓山",
];
const UNITS: &[&str] = &[
    "区人民政府",
    "区人民政府办公室",
    "区发展和改革局",
    "区教育局",
    "区民政局",
    "区财政局",
    "区自然资源局",
    "区住房和城乡建设局",
    "区市场监督管理局",
    "区卫生健康局",
    "区人民政府开元街道办事处",
    "区灵秀镇人民政府",
];

/// The layout a report's tables are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableLayout {
    Tabs,
    CellPerLine,
    Pipes,
    Spaces,
    Crawled,
}

/// One table row: label cells, then value cells.
struct Row {
    labels: Vec<String>,
    values: Vec<String>,
}

impl Row {
    fn new(labels: &[&str], values: Vec<String>) -> Row {
        Row {
            labels: labels.iter().map(|s| s.to_string()).collect(),
            values,
        }
    }
}

/// Prose paragraphs from the sample reports (outside their tables).
fn prose() -> Vec<String> {
    const SAMPLES: [&str; 5] = [
        include_str!("../data/raw/000_ad16510ea09d0095.txt"),
        include_str!("../data/raw/001_1f7e495e6ab563f2.txt"),
        include_str!("../data/raw/002_27cd43e467ef10f4.txt"),
        include_str!("../data/raw/003_94d5af374346e30f.txt"),
        include_str!("../data/raw/004_ed1ff81cc4d3de7d.txt"),
    ];
    let mut out = Vec::new();
    for text in SAMPLES {
        let seg = segment(text);
        let first = seg.tables.first().map_or(0, |t| t.lines.start);
        for (i, line) in seg
            .lines
            .iter()
            .enumerate()
            .skip(seg.metadata.title_line.unwrap_or(0) as usize)
        {
            let in_table = seg.tables.iter().any(|t| t.lines.contains(&i));
            let l = line.trim();
            if !in_table && i < first && l.chars().count() > 40 && !l.contains('\t') {
                out.push(l.to_string());
            }
        }
    }
    out
}

fn applications_rows(rng: &mut Rng, y2021: bool) -> Vec<Row> {
    // Per applicant column: new and carried over; outcomes split what is not carried on.
    let cols = 6;
    let mut new = vec![0u64; cols];
    let mut carried = vec![0u64; cols];
    let mut forward = vec![0u64; cols];
    for c in 0..cols {
        new[c] = if c == 0 {
            rng.count() * 3
        } else {
            rng.count() / 4
        };
        carried[c] = rng.below(new[c] / 10 + 1);
        forward[c] = rng.below((new[c] + carried[c]) / 10 + 1);
    }
    let mut outcome_labels: Vec<(Vec<&str>, usize)> = vec![
        (vec!["三、本年度办理结果", "（一）予以公开"], 0),
        (
            vec![
                "",
                "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            ],
            0,
        ),
    ];
    let groups: [(&str, &[&str]); 3] = [
        (
            "（三）不予公开",
            &[
                "1.属于国家秘密",
                "2.其他法律行政法规禁止公开",
                "3.危及“三安全一稳定”",
                "4.保护第三方合法权益",
                "5.属于三类内部事务信息",
                "6.属于四类过程性信息",
                "7.属于行政执法案卷",
                "8.属于行政查询事项",
            ],
        ),
        (
            "（四）无法提供",
            &[
                "1.本机关不掌握相关政府信息",
                "2.没有现成信息需要另行制作",
                "3.补正后申请内容仍不明确",
            ],
        ),
        (
            "（五）不予处理",
            &[
                "1.信访举报投诉类申请",
                "2.重复申请",
                "3.要求提供公开出版物",
                "4.无正当理由大量反复申请",
                "5.要求行政机关确认或重新出具已获取信息",
            ],
        ),
    ];
    for (group, subs) in groups {
        for (i, sub) in subs.iter().enumerate() {
            outcome_labels.push((vec![if i == 0 { group } else { "" }, sub], 0));
        }
    }
    if y2021 {
        for (i, sub) in [
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "3.其他",
        ]
        .iter()
        .enumerate()
        {
            outcome_labels.push((vec![if i == 0 { "（六）其他处理" } else { "" }, sub], 0));
        }
    } else {
        outcome_labels.push((vec!["", "（六）其他处理"], 0));
    }
    let n_out = outcome_labels.len();
    let mut outcomes = vec![vec![0u64; cols]; n_out];
    for c in 0..cols {
        let mut left = new[c] + carried[c] - forward[c];
        // Most go to 予以公开 and 无法提供; the rest spread thin.
        while left > 0 {
            let r = match rng.below(10) {
                0..=4 => 0,
                5..=6 => 12,
                _ => rng.below(n_out as u64) as usize,
            };
            let take = 1 + rng.below(left.min(50));
            outcomes[r][c] += take;
            left -= take;
        }
    }
    let with_total = |v: &[u64]| -> Vec<String> {
        let mut out: Vec<String> = v.iter().map(u64::to_string).collect();
        out.push(v.iter().sum::<u64>().to_string());
        out
    };
    let mut rows = vec![
        Row::new(&["一、本年新收政府信息公开申请数量", ""], with_total(&new)),
        Row::new(
            &["二、上年结转政府信息公开申请数量", ""],
            with_total(&carried),
        ),
    ];
    for ((labels, _), values) in outcome_labels.iter().zip(&outcomes) {
        rows.push(Row::new(labels, with_total(values)));
    }
    let totals: Vec<u64> = (0..cols)
        .map(|c| outcomes.iter().map(|o| o[c]).sum())
        .collect();
    rows.push(Row::new(&["", "（七）总计"], with_total(&totals)));
    rows.push(Row::new(
        &["四、结转下年度继续办理", ""],
        with_total(&forward),
    ));
    rows
}

fn review_values(rng: &mut Rng) -> Vec<String> {
    let mut v = Vec::new();
    for _ in 0..3 {
        let parts: Vec<u64> = (0..4).map(|_| rng.count() / 20).collect();
        v.extend(parts.iter().map(u64::to_string));
        v.push(parts.iter().sum::<u64>().to_string());
    }
    v
}

/// Table 二: (sub-table header, column headers, rows).
fn active_tables(rng: &mut Rng, y2021: bool) -> Vec<(String, Vec<&'static str>, Vec<Row>)> {
    let mut n = || rng.count().to_string();
    if y2021 {
        vec![
            (
                "第二十条第（一）项".into(),
                vec!["本年制发件数", "本年废止件数", "现行有效件数"],
                vec![
                    Row::new(&["规章"], vec![n(), n(), n()]),
                    Row::new(&["行政规范性文件"], vec![n(), n(), n()]),
                ],
            ),
            (
                "第二十条第（五）项".into(),
                vec!["本年处理决定数量"],
                vec![Row::new(&["行政许可"], vec![n()])],
            ),
            (
                "第二十条第（六）项".into(),
                vec!["本年处理决定数量"],
                vec![
                    Row::new(&["行政处罚"], vec![n()]),
                    Row::new(&["行政强制"], vec![n()]),
                ],
            ),
            (
                "第二十条第（八）项".into(),
                vec!["本年收费金额（单位：万元）"],
                vec![Row::new(
                    &["行政事业性收费"],
                    vec![format!("{}.{:04}", rng.below(500), rng.below(10_000))],
                )],
            ),
        ]
    } else {
        vec![
            (
                "第二十条第（一）项".into(),
                vec!["本年新制作数量", "本年新公开数量", "对外公开总数量"],
                vec![
                    Row::new(&["规章"], vec![n(), n(), n()]),
                    Row::new(&["规范性文件"], vec![n(), n(), n()]),
                ],
            ),
            (
                "第二十条第（五）项".into(),
                vec!["上一年项目数量", "本年增/减", "处理决定数量"],
                vec![
                    Row::new(&["行政许可"], vec![n(), n(), n()]),
                    Row::new(&["其他对外管理服务事项"], vec![n(), n(), n()]),
                ],
            ),
            (
                "第二十条第（六）项".into(),
                vec!["上一年项目数量", "本年增/减", "处理决定数量"],
                vec![
                    Row::new(&["行政处罚"], vec![n(), n(), n()]),
                    Row::new(&["行政强制"], vec![n(), n(), n()]),
                ],
            ),
            (
                "第二十条第（八）项".into(),
                vec!["上一年项目数量", "本年增/减"],
                vec![Row::new(&["行政事业性收费"], vec![n(), n()])],
            ),
            (
                "第二十条第（九）项".into(),
                vec!["采购项目数量", "采购总金额"],
                vec![Row::new(
                    &["政府集中采购"],
                    vec![n(), format!("{} 元", rng.below(10_000_000))],
                )],
            ),
        ]
    }
}

fn render_rows(rows: &[Row], layout: TableLayout, out: &mut Vec<String>) {
    match layout {
        TableLayout::Tabs => out.extend(
            rows.iter()
                .map(|r| [r.labels.clone(), r.values.clone()].concat().join("\t")),
        ),
        TableLayout::Pipes => out.extend(rows.iter().map(|r| {
            format!(
                "| {} |",
                [r.labels.clone(), r.values.clone()].concat().join(" | ")
            )
        })),
        TableLayout::Spaces => out.extend(rows.iter().map(|r| {
            let labels: Vec<&str> = r
                .labels
                .iter()
                .map(String::as_str)
                .filter(|l| !l.is_empty())
                .collect();
            format!(
                "{:<40}{}",
                labels.join(" "),
                r.values
                    .iter()
                    .map(|v| format!("{v:>8}"))
                    .collect::<String>()
            )
        })),
        TableLayout::CellPerLine => {
            for r in rows {
                for cell in r.labels.iter().chain(&r.values).filter(|c| !c.is_empty()) {
                    out.push(format!("      {cell}"));
                    out.push(String::new());
                }
            }
        }
        TableLayout::Crawled => {
            let mut line = String::new();
            for r in rows {
                line.push_str(&r.labels.concat());
                let n = r.values.len();
                for (i, v) in r.values.iter().enumerate() {
                    if i + 1 == n && n > 2 {
                        line.push(' ');
                    }
                    line.push_str(v);
                }
            }
            out.push(line);
        }
    }
}

/// Writes one report's text.
fn report_text(rng: &mut Rng, prose: &[String]) -> (String, u32) {
    let year = 2019 + rng.below(6) as u32;
    let y2021 = year >= 2021;
    let agency = format!(
        "{}市{}{}",
        rng.pick(CITIES),
        rng.pick(DISTRICTS),
        rng.pick(UNITS)
    );
    let layout = *rng.pick(&[
        TableLayout::Tabs,
        TableLayout::Tabs,
        TableLayout::Tabs,
        TableLayout::CellPerLine,
        TableLayout::Pipes,
        TableLayout::Spaces,
        TableLayout::Crawled,
    ]);
    let mut out = vec![
        format!(
            "{}〔{}〕{}号",
            &agency[..agency.char_indices().nth(2).map_or(0, |(i, _)| i)],
            year + 1,
            1 + rng.below(30)
        ),
        String::new(),
        format!("{agency} {year} 年政府信息公开工作年度报告"),
        String::new(),
        format!("本报告所列数据的统计期限自 {year} 年 1 月 1 日起至 {year} 年 12 月 31 日止。"),
        String::new(),
        "一、总体情况".to_string(),
    ];
    for _ in 0..(3 + rng.below(8)) {
        out.push(String::new());
        out.push(rng.pick(prose).clone());
    }
    out.push(String::new());
    out.push("二、主动公开政府信息情况".to_string());
    out.push(String::new());
    let mut active_rows = Vec::new();
    for (header, columns, rows) in active_tables(rng, y2021) {
        active_rows.push(Row::new(&[header.as_str()], vec![]));
        let header_row: Vec<&str> = std::iter::once("信息内容").chain(columns).collect();
        active_rows.push(Row::new(&header_row, vec![]));
        active_rows.extend(rows);
    }
    render_rows(&active_rows, layout, &mut out);
    out.push(String::new());
    out.push("三、收到和处理政府信息公开申请情况".to_string());
    out.push(String::new());
    let mut three = vec![
        Row::new(
            &[
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                "",
                "申请人情况",
            ],
            vec![],
        ),
        Row::new(&["", "", "自然人", "法人或其他组织", "总计"], vec![]),
        Row::new(
            &[
                "",
                "",
                "",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
            ],
            vec![],
        ),
    ];
    three.extend(applications_rows(rng, y2021));
    render_rows(&three, layout, &mut out);
    out.push(String::new());
    out.push("四、政府信息公开行政复议、行政诉讼情况".to_string());
    out.push(String::new());
    let four = vec![
        Row::new(&["行政复议", "行政诉讼"], vec![]),
        Row::new(
            &[
                "结果维持",
                "结果纠正",
                "其他结果",
                "尚未审结",
                "总计",
                "未经复议直接起诉",
                "复议后起诉",
            ],
            vec![],
        ),
        Row::new(
            &["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
            vec![],
        ),
        Row::new(&[], review_values(rng)),
    ];
    render_rows(&four, layout, &mut out);
    out.push(String::new());
    out.push("五、存在的主要问题及改进情况".to_string());
    out.push(String::new());
    out.push(rng.pick(prose).clone());
    out.push(String::new());
    out.push("六、其他需要报告的事项".to_string());
    out.push(String::new());
    out.push("无。".to_string());
    out.push(String::new());
    out.push(agency);
    out.push(String::new());
    out.push(format!(
        "{} 年 {} 月 {} 日",
        year + 1,
        1 + rng.below(3),
        1 + rng.below(28)
    ));
    out.push(String::new());
    (out.join("\n"), year)
}

/// Encodes a report's text as UTF-8 (most), GBK or UTF-16LE with BOM.
fn encode(rng: &mut Rng, text: &str) -> (Vec<u8>, &'static str) {
    match rng.below(20) {
        0..=15 => (text.as_bytes().to_vec(), "txt"),
        16..=18 => (encoding_rs::GBK.encode(text).0.into_owned(), "txt"),
        _ => {
            let mut b = vec![0xFF, 0xFE];
            text.encode_utf16()
                .for_each(|u| b.extend_from_slice(&u.to_le_bytes()));
            (b, "txt")
        }
    }
}

/// Writes `count` reports under `dir` (`dir/YEAR/rNNNNNNN.txt`); returns the bytes written.
pub fn generate(dir: &Path, count: u64, seed: u64) -> Result<u64> {
    let prose = prose();
    (0..count)
        .into_par_iter()
        .map(|i| -> Result<u64> {
            let mut rng = Rng::new(seed, i);
            let (text, year) = report_text(&mut rng, &prose);
            let (bytes, ext) = encode(&mut rng, &text);
            let path: PathBuf = dir.join(year.to_string()).join(format!("r{i:07}.{ext}"));
            std::fs::create_dir_all(path.parent().unwrap_or(dir))
                .with_context(|| format!("cannot create {}", dir.display()))?;
            std::fs::write(&path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(bytes.len() as u64)
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::process_bytes;
    use crate::model::Status;

    #[test]
    fn generated_reports_are_read_with_their_identities_intact() {
        let prose = prose();
        assert!(prose.len() > 20);
        let mut layouts_ok = 0;
        for i in 0..60 {
            let mut rng = Rng::new(7, i);
            let (text, year) = report_text(&mut rng, &prose);
            let doc = process_bytes("generated", text.as_bytes());
            assert_eq!(doc.report.year, Some(year as i32));
            let checks = [
                "identity_mismatch",
                "row_sum_mismatch",
                "outcome_sum_mismatch",
                "review_sum_mismatch",
            ];
            let failed_check = doc
                .diagnostics
                .iter()
                .any(|d| checks.contains(&d.code.code()));
            assert!(!failed_check, "report {i}: {:#?}", doc.diagnostics);
            if doc.report.status == Status::Ok {
                layouts_ok += 1;
            }
        }
        // Crawled layouts may leave ambiguous cells; the others read cleanly.
        assert!(layouts_ok >= 40, "{layouts_ok} of 60 ok");
    }

    #[test]
    fn the_same_seed_gives_the_same_report() {
        let prose = prose();
        let a = report_text(&mut Rng::new(1, 5), &prose);
        let b = report_text(&mut Rng::new(1, 5), &prose);
        assert_eq!(a, b);
        assert_ne!(a, report_text(&mut Rng::new(2, 5), &prose));
    }
}
