//! segment: text → lines, report metadata, and the line ranges of tables 二, 三 and 四.
//!
//! Tables are found by their content (the 第二十条 sub-table headers, the 勾稽关系 note or the
//! 本年新收 row, the 行政复议 header), never by heading numbers: some reports put their
//! tables under 一、二、三 after six prose sections. The year comes from the title, or from
//! the statistics-period sentence where the title has none; never from the 文号.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::categories::Section;
use crate::model::{Code, Finding};
use crate::text::{label_key, split_ascii, without_whitespace, Word};

/// Metadata read from a report's text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// The title, whitespace collapsed to single spaces.
    pub title: Option<String>,
    /// 1-based line of the title.
    pub title_line: Option<i32>,
    /// The agency named in the title, whitespace removed.
    pub agency: Option<String>,
    /// The reporting year.
    pub year: Option<i32>,
    /// 文号.
    pub doc_number: Option<String>,
    /// The date at the end of the report, ISO 8601.
    pub issued_on: Option<String>,
    /// 1-based line of that date: where the report's own text ends.
    pub issued_line: Option<i32>,
    /// Whether the opening paragraphs state the statistics period (统计期限 …, or
    /// 2020年1月1日至12月31日).
    pub period_stated: bool,
    /// What the portal said of the report, where a crawler or a saved page kept it.
    pub portal: Portal,
}

/// The portal's record of a report: the header block a crawler writes above the text
/// (`标题: …`, `发布时间: …`, then `==== 正文 ====`) or a saved page's metadata lines
/// (`标题：…`, `单位：…`, `来源：…`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Portal {
    /// The title the portal gave the page (`标题`), site suffix removed.
    pub title: Option<String>,
    /// When the portal published it (`发布时间`, `发布日期`): ISO 8601,
    /// `2023-02-20T15:07:00` (midnight where only the date is given).
    pub published_at: Option<String>,
    /// Who the portal says published it (`发布机构`, `发文机关`, `单位`, `来源`).
    pub publisher: Option<String>,
    /// The page's address (`原文链接`, `链接`, `网址`, `URL`).
    pub source_url: Option<String>,
    /// 文号, where the block gives one.
    pub doc_number: Option<String>,
    /// The lines the block takes (0-based, end exclusive): they are not the report's.
    pub lines: Range<usize>,
}

/// Where one statistics table lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRegion {
    /// Which table.
    pub section: Section,
    /// 0-based line indices, end exclusive.
    pub lines: Range<usize>,
}

/// A report cut into the parts later stages read.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmented<'a> {
    /// The text's lines (line `i + 1` in messages), `\r` removed.
    pub lines: Vec<&'a str>,
    /// Each line's [`label_key`] (white space removed, NFKC), computed once for every
    /// stage that matches words in the text.
    pub keys: Vec<String>,
    /// Title, agency, year, 文号, date.
    pub metadata: Metadata,
    /// The tables found, in section order.
    pub tables: Vec<TableRegion>,
    /// Problems found while segmenting.
    pub findings: Vec<Finding>,
}

/// How many lines from the top the title and period sentence are looked for in.
const HEAD_LINES: usize = 60;

static YEAR_IN_TITLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d{4})年").unwrap());
/// The agency before the year; a covering letter's `关于报送` (印发, 公布, …) is not part
/// of it: `XX关于报送2020年度…年度报告的报告`.
static AGENCY_BEFORE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.*?)(?:关于(?:报送|印发|公布|发布|公开|上报|提交)?)?(?:\d{4})年").unwrap()
});
/// A year in Chinese numerals, digit by digit: 二〇二三年.
static HAN_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([〇零一二三四五六七八九]{4})年").unwrap());
/// A line of a portal's header block: a known field name, a colon, its value.
static PORTAL_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(标题|题名|发布时间|发布日期|成文日期|文号|发文字号|发布机构|发文机关|单位|来源|栏目|原文链接|原文地址|链接|网址|URL|url|本地目录|采集时间|索引号|主题分类|页面链接与图片详见)\s*[:：]?\s*(.*)$").unwrap()
});
/// The line a crawler ends its header block with: `==== 正文 ====`, `-----`.
static PORTAL_SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[=\-—*#~_]{3,}\s*(正文)?\s*[=\-—*#~_]*$").unwrap());
static PORTAL_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2}))?").unwrap()
});
static AGENCY_AFTER_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}年度?(.+?)(?:政府信息公开|政务公开)").unwrap());
static PERIOD_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:统计期限|统计时限|统计周期|统计期间|统计时间|内容涵盖|数据统计)[^。]{0,60}?(\d{4})年1月1日")
        .unwrap()
});
static PERIOD_SPAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}年1月1日(?:起)?至(?:\d{4}年)?12月31日").unwrap());
static DOC_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{Han}]{1,16}[〔\[［(（]\d{4}[〕\]］)）]\d+号").unwrap());
static DATE_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(印发)?$").unwrap());
static HAN_DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日(印发)?$")
        .unwrap()
});

/// A line longer than this (in bytes; a long prose paragraph is a few hundred) may be a
/// whole report flattened by a crawler.
const FLATTENED_LINE: usize = 1800;

/// Where a flattened report's parts begin: the section headings of the national format
/// (typos such as 行政法复议 included) and table 二's sub-table headers.
static PART_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[一二三四五六七八]、\s*(?:总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况|政府信息公开行政法?复议|存在的主要问题|其他需要报告)|第二十条第[（(][一二三四五六七八九十]+[)）]项",
    )
    .unwrap()
});

/// Some crawlers flatten a page: title, prose and all three tables arrive as one line.
/// Such a line (see [`Segmented::has_flattened_line`]) is cut before each section
/// heading and each of table 二's sub-table headers, so that the tables are found by
/// their content as in any report. Lines of ordinary length are left alone.
pub fn unflatten(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        if line.len() <= FLATTENED_LINE {
            out.push_str(line);
            continue;
        }
        let mut from = 0;
        for m in PART_START.find_iter(line) {
            if m.start() > from {
                out.push_str(line[from..m.start()].trim_end_matches(' '));
                out.push('\n');
                from = m.start();
            }
        }
        out.push_str(&line[from..]);
    }
    out
}

impl Segmented<'_> {
    /// Whether a line is long enough to be a whole report flattened by a crawler.
    pub fn has_flattened_line(&self) -> bool {
        self.lines.iter().any(|l| l.len() > FLATTENED_LINE)
    }
}

/// Cuts decoded text into lines, metadata and table regions.
pub fn segment(text: &str) -> Segmented<'_> {
    let lines: Vec<&str> = split_ascii(text, b'\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let keys: Vec<String> = lines.iter().map(|l| label_key(l)).collect();
    let mut findings = Vec::new();
    let tables = find_tables(&keys);
    let portal = read_portal(&lines);
    let mut metadata = read_metadata(&lines, &keys, &tables, portal.lines.end, &mut findings);
    adopt_portal(&mut metadata, portal, &mut findings);
    Segmented {
        lines,
        keys,
        metadata,
        tables,
        findings,
    }
}

fn find_tables(keys: &[String]) -> Vec<TableRegion> {
    static ARTICLE_20: Word = Word::new("第二十条");
    static APPLICATIONS: [Word; 3] = [
        Word::new("勾稽关系"),
        Word::new("申请人情况"),
        Word::new("本年新收政府信息公开申请"),
    ];
    static REVIEW: Word = Word::new("行政复议");
    static PROBLEMS: Word = Word::new("存在的主要问题");
    let find_from =
        |start: usize, pred: &dyn Fn(&str) -> bool| (start..keys.len()).find(|&i| pred(&keys[i]));
    let active = find_from(0, &|k| {
        ARTICLE_20.is_in(k)
            && (k.contains("第二十条第(") || k.contains("第二十条(") || k.contains("项"))
    });
    let applications = find_from(active.unwrap_or(0), &|k| {
        APPLICATIONS.iter().any(|w| w.is_in(k))
    });
    let review = applications
        .and_then(|a| find_from(a + 1, &|k| REVIEW.is_in(k) && !k.contains("本年新收")));
    let review_end = review.map(|r| {
        find_from(r + 1, &|k| {
            k.starts_with("五、")
                || k.starts_with("五.")
                || PROBLEMS.is_in(k)
                || k.starts_with("(一)主要问题")
                || k.starts_with("六、")
        })
        .unwrap_or(keys.len())
    });
    let mut regions = Vec::new();
    if let Some(a) = active {
        let end = applications.or(review).unwrap_or(keys.len());
        regions.push(TableRegion {
            section: Section::Active,
            lines: a..end,
        });
    }
    if let Some(a) = applications {
        regions.push(TableRegion {
            section: Section::Applications,
            lines: a..review.unwrap_or(keys.len()),
        });
    }
    if let (Some(r), Some(e)) = (review, review_end) {
        regions.push(TableRegion {
            section: Section::ReviewLitigation,
            lines: r..e,
        });
    }
    regions
}

fn read_metadata(
    lines: &[&str],
    keys: &[String],
    tables: &[TableRegion],
    body: usize,
    findings: &mut Vec<Finding>,
) -> Metadata {
    let mut meta = Metadata::default();
    let head = keys.len().min(HEAD_LINES + body);
    let first_table = tables.first().map_or(keys.len(), |t| t.lines.start);
    if let Some(found) = find_title(lines, keys, body, head.min(first_table)) {
        meta.title_line = Some(found.line as i32 + 1);
        (meta.agency, meta.year) = (found.agency, found.year);
        meta.title = Some(found.title);
    }
    let head_text: String = keys[..head.min(first_table)].concat();
    let period_year: Option<i32> = PERIOD_YEAR
        .captures(&head_text)
        .and_then(|c| c[1].parse().ok());
    meta.period_stated = period_year.is_some() || PERIOD_SPAN.is_match(&head_text);
    match (meta.year, period_year) {
        (None, Some(p)) => meta.year = Some(p),
        (Some(t), Some(p)) if t != p => findings.push(Finding::warning(
            Code::YearConflict,
            format!("the title says {t} but the statistics period starts in {p}; {t} is used"),
            meta.title_line,
        )),
        _ => {}
    }
    meta.doc_number = find_doc_number(lines, keys, meta.title_line.map(|l| l as usize));
    let after_tables = tables.last().map_or(0, |t| t.lines.end);
    if let Some((date, line)) = find_issue_date(keys, after_tables) {
        meta.issued_on = Some(date);
        meta.issued_line = Some(line as i32 + 1);
    }
    meta
}

/// The agency and the year a title names (`二〇二三年` read as 2023).
fn title_agency_and_year(title: &str) -> (Option<String>, Option<i32>) {
    let key = arabic_years(&label_key(title));
    (
        agency_from_title(&key),
        YEAR_IN_TITLE.captures(&key).and_then(|c| c[1].parse().ok()),
    )
}

/// A title key with Chinese-numeral years (二〇二三年) written in digits.
fn arabic_years(key: &str) -> String {
    HAN_YEAR
        .replace_all(key, |c: &regex::Captures| {
            han_number(&c[1]).map_or_else(|| c[0].to_string(), |y| format!("{y}年"))
        })
        .into_owned()
}

/// A title without the site's name that portals append after a dash
/// (`…年度报告-某某局`, `…年度报告_某某网`).
fn without_site_suffix(title: &str) -> &str {
    match title.rfind("报告") {
        Some(i) => {
            let rest = &title[i + "报告".len()..];
            let cut = rest
                .trim_start()
                .starts_with(['-', '_', '—', '–', '|', '－']);
            if cut {
                title[..i + "报告".len()].trim_end()
            } else {
                title
            }
        }
        None => title,
    }
}

/// Reads the portal's header block at the top of the text, if there is one: at least two
/// known fields, each on a line of its own, before the report.
fn read_portal(lines: &[&str]) -> Portal {
    let mut portal = Portal::default();
    let mut fields = 0;
    let mut end = 0;
    for (i, line) in lines.iter().enumerate().take(40) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if fields >= 2 && PORTAL_SEPARATOR.is_match(line) {
            end = i + 1;
            break;
        }
        let Some(c) = PORTAL_FIELD.captures(line) else {
            break;
        };
        let value = c[2].trim();
        let value = (!value.is_empty()).then(|| value.to_string());
        match &c[1] {
            "标题" | "题名" => {
                portal.title = value.map(|v| without_site_suffix(&v).to_string())
            }
            "发布时间" | "发布日期" | "成文日期" => {
                portal.published_at = value.as_deref().and_then(portal_time);
            }
            "文号" | "发文字号" => portal.doc_number = value,
            "发布机构" | "发文机关" => portal.publisher = value.or(portal.publisher.take()),
            // Saved pages put the address under 来源 as often as the publisher.
            _ if value.as_deref().is_some_and(|v| v.starts_with("http")) => {
                portal.source_url = portal.source_url.take().or(value);
            }
            "单位" | "来源" => portal.publisher = portal.publisher.take().or(value),
            "原文链接" | "原文地址" | "链接" | "网址" | "URL" | "url" => {
                portal.source_url = value
            }
            _ => {}
        }
        fields += 1;
        end = i + 1;
    }
    if fields < 2 {
        return Portal::default();
    }
    portal.lines = 0..end;
    portal
}

/// `2023-02-20 15:07`, `2023年02月20日` → ISO 8601.
fn portal_time(value: &str) -> Option<String> {
    let c = PORTAL_TIME.captures(value)?;
    let (y, m, d): (u32, u32, u32) = (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(match (c.get(4), c.get(5)) {
        (Some(h), Some(min)) => format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{}:00",
            h.as_str().parse::<u32>().ok()?,
            min.as_str()
        ),
        _ => format!("{y:04}-{m:02}-{d:02}T00:00:00"),
    })
}

/// Takes what the portal said: its title where the report has none of its own (the
/// report's own title wins where both name an agency or year, with a diagnostic where
/// they differ), its 文号 where the report gives none.
fn adopt_portal(meta: &mut Metadata, portal: Portal, findings: &mut Vec<Finding>) {
    if let Some(title) = &portal.title {
        let (agency, year) = title_agency_and_year(title);
        if meta.title.is_none() {
            meta.title = Some(title.clone());
            meta.agency = agency;
            meta.year = meta.year.or(year);
        } else if (agency.is_some() && agency != meta.agency)
            || (year.is_some() && year != meta.year)
        {
            findings.push(Finding::warning(
                Code::PortalTitleMismatch,
                format!(
                    "the portal's title \"{title}\" disagrees with the report's own title \"{}\"; \
                     the report's is used",
                    meta.title.as_deref().unwrap_or_default()
                ),
                meta.title_line,
            ));
        }
    }
    if meta.doc_number.is_none() {
        meta.doc_number = portal.doc_number.clone();
    }
    meta.portal = portal;
}

/// A title found in the text, with what it names.
struct Title {
    /// 0-based line.
    line: usize,
    title: String,
    agency: Option<String>,
    year: Option<i32>,
}

/// The title: a short line near the top naming an annual disclosure report, possibly
/// continued on the next line (`…政府信息公开工作` / `年度报告`), looked for from line
/// `from` (after a portal's header block) to `head`.
fn find_title(lines: &[&str], keys: &[String], from: usize, head: usize) -> Option<Title> {
    let is_topic = |k: &str| k.contains("信息公开") || k.contains("政务公开");
    let clean = |s: &str| {
        let s = s.trim().trim_start_matches(['#', '•', '*', ' ']).trim();
        without_site_suffix(&s.split_whitespace().collect::<Vec<_>>().join(" ")).to_string()
    };
    let candidate = |i: usize| -> Option<(usize, String)> {
        let k = &keys[i];
        if k.chars().count() > 60 || !is_topic(k) {
            return None;
        }
        let years = k.contains("报告").then(|| arabic_years(k));
        if let Some(k) = years.filter(|k| k.contains("年度") || YEAR_IN_TITLE.is_match(k)) {
            // `洪泽区人民政府` / `2023 年政府信息公开工作年度报告`: the agency on the line above,
            // unless that line is a site's navigation (`政府信息公开`, `首页`).
            if agency_from_title(&k).is_none() {
                if let Some(j) = (from..i).rev().find(|&j| !keys[j].is_empty()) {
                    let above = &keys[j];
                    let plain = above
                        .chars()
                        .all(|c| !c.is_ascii_punctuation() && !"，。：；、〔〕".contains(c));
                    let navigation = is_topic(above) || above.contains("首页");
                    if plain && !navigation && (2..=20).contains(&above.chars().count()) {
                        return Some((j, format!("{} {}", clean(lines[j]), clean(lines[i]))));
                    }
                }
            }
            return Some((i, clean(lines[i])));
        }
        let next = (i + 1..head).find(|&j| !keys[j].is_empty());
        if let Some(j) = next {
            if keys[j].chars().count() <= 12 && keys[j].contains("报告") {
                return Some((i, format!("{}{}", clean(lines[i]), clean(lines[j]))));
            }
        }
        None
    };
    // A title that names no agency (a printed page's navigation link to
    // `2018年政府信息公开工作年度报告`) gives way to a later one that does.
    let mut first = None;
    for i in from..head {
        if let Some((line, title)) = candidate(i) {
            let (agency, year) = title_agency_and_year(&title);
            let found = Title {
                line,
                title,
                agency,
                year,
            };
            if found.agency.is_some() {
                return Some(found);
            }
            first.get_or_insert(found);
        }
    }
    first
}

fn agency_from_title(key: &str) -> Option<String> {
    let key = key.trim_start_matches(['#', '•', '*']);
    let before = AGENCY_BEFORE_YEAR
        .captures(key)
        .map(|c| c[1].to_string())
        .filter(|s| !s.is_empty());
    let agency = before.or_else(|| AGENCY_AFTER_YEAR.captures(key).map(|c| c[1].to_string()))?;
    let agency = agency.strip_suffix("关于").unwrap_or(&agency).to_string();
    (!agency.is_empty()).then_some(agency)
}

/// 文号: on a line before the title, or on a line that says 文号 (CMS metadata). Never from
/// prose, which cites other documents' numbers.
fn find_doc_number(lines: &[&str], keys: &[String], title_line: Option<usize>) -> Option<String> {
    let before_title = title_line.map_or(0, |t| t.saturating_sub(1));
    (0..keys.len().min(HEAD_LINES))
        .filter(|&i| i < before_title || keys[i].contains("文号"))
        .find_map(|i| {
            let squeezed = without_whitespace(lines[i]);
            DOC_NUMBER.find(&squeezed).map(|m| {
                let s = m.as_str();
                s.rsplit_once(':').map_or(s, |(_, r)| r).to_string()
            })
        })
}

/// The date at the end: the signature date, else the 印发 date, after the last table.
fn find_issue_date(keys: &[String], after: usize) -> Option<(String, usize)> {
    let mut printed = None;
    // Both patterns end in 日 or 日印发: most lines are turned away without them.
    let may_be_a_date = |k: &&String| k.ends_with('日') || k.ends_with("日印发");
    for (i, k) in keys
        .iter()
        .enumerate()
        .skip(after)
        .filter(|(_, k)| may_be_a_date(k))
    {
        let (y, m, d, is_print) = if let Some(c) = DATE_LINE.captures(k) {
            (
                c[1].parse().ok()?,
                c[2].parse().ok()?,
                c[3].parse().ok()?,
                c.get(4).is_some(),
            )
        } else if let Some(c) = HAN_DATE_LINE.captures(k) {
            (
                han_number(&c[1])?,
                han_number(&c[2])?,
                han_number(&c[3])?,
                c.get(4).is_some(),
            )
        } else {
            continue;
        };
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            continue;
        }
        let iso = format!("{y:04}-{m:02}-{d:02}");
        if !is_print {
            return Some((iso, i));
        }
        printed.get_or_insert((iso, i));
    }
    printed
}

/// Reads 二〇二一 (digit by digit) and 十二, 二十三 (positional) numerals.
fn han_number(s: &str) -> Option<u32> {
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .find(c)
            .map(|i| (i / 3) as u32)
            .or((c == '零').then_some(0))
    };
    if s.chars().count() == 4 {
        return s.chars().try_fold(0, |acc, c| Some(acc * 10 + digit(c)?));
    }
    match s.chars().collect::<Vec<_>>().as_slice() {
        ['十'] => Some(10),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        [u] => digit(*u),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The agency and year of every title shape met in real reports.
    #[test]
    fn agency_and_year_from_title_shapes() {
        let cases: &[(&str, &str, Option<&str>, Option<i32>)] = &[
            // (text, what it is, agency, year)
            (
                "泉港区2021年政府信息公开工作年度报告",
                "plain",
                Some("泉港区"),
                Some(2021),
            ),
            (
                "泉港区2021年度政府信息公开工作年度报告",
                "年度",
                Some("泉港区"),
                Some(2021),
            ),
            (
                "2021年泉港区政府信息公开工作年度报告",
                "year first",
                Some("泉港区"),
                Some(2021),
            ),
            (
                "泉港区二〇二三年政府信息公开工作年度报告",
                "Chinese-numeral year",
                Some("泉港区"),
                Some(2023),
            ),
            (
                "平潭综合实验区财政金融局关于报送2020年度政府信息公开工作年度报告的报告",
                "covering letter",
                Some("平潭综合实验区财政金融局"),
                Some(2020),
            ),
            (
                "某某县人民政府关于2022年度政府信息公开工作年度报告的函",
                "covering letter without 报送",
                Some("某某县人民政府"),
                Some(2022),
            ),
            (
                "福州市人民政府办公室2021年政府信息公开工作年度报告",
                "a government's office",
                Some("福州市人民政府办公室"),
                Some(2021),
            ),
            (
                "泉港区2021年政府信息公开工作年度报告-泉州市泉港区人民政府",
                "site suffix",
                Some("泉港区"),
                Some(2021),
            ),
            (
                "泉政办〔2022〕3号\n泉港区2021年政府信息公开工作年度报告",
                "文号 before the title",
                Some("泉港区"),
                Some(2021),
            ),
            (
                "泉港区2021年政府信息公开工作\n年度报告",
                "title over two lines",
                Some("泉港区"),
                Some(2021),
            ),
            (
                "洪泽区人民政府\n2023 年政府信息公开工作年度报告",
                "agency on the line above",
                Some("洪泽区人民政府"),
                Some(2023),
            ),
            (
                "首页\n政府信息公开\n2018年政府信息公开工作年度报告\n当前位置：首页 > 政府信息公开\n\
                 泉州市行政服务中心管委会关于2020年政府信息公开年度工作报告",
                "a printed page's navigation above the title",
                Some("泉州市行政服务中心管委会"),
                Some(2020),
            ),
        ];
        for (text, what, agency, year) in cases {
            let meta = segment(&format!("{text}\n一、总体情况\n")).metadata;
            assert_eq!(
                (meta.agency.as_deref(), meta.year),
                (*agency, *year),
                "{what}: {text}"
            );
        }
        let title = segment("泉港区2021年政府信息公开工作年度报告-泉州市泉港区人民政府\n")
            .metadata
            .title;
        assert_eq!(
            title.as_deref(),
            Some("泉港区2021年政府信息公开工作年度报告")
        );
    }

    #[test]
    fn a_crawler_header_block_is_the_portal_record() {
        let text = "标题: 平潭综合实验区2022年度政府信息公开工作年度报告\n\
            发布时间: 2023-02-20 15:07\n\
            文号: \n\
            发布机构: 平潭综合实验区管委会办公室\n\
            栏目: 政府信息公开年报\n\
            原文链接: https://www.pingtan.gov.cn/zwgk/t20230220_80629.htm\n\
            本地目录: zwgk/zfxxgknb/202302/80629\n\
            ==================== 正文 ====================\n\
            本报告根据《条例》编制，统计期限为2022年1月1日至2022年12月31日。\n";
        let seg = segment(text);
        let meta = &seg.metadata;
        assert_eq!(meta.agency.as_deref(), Some("平潭综合实验区"));
        assert_eq!(meta.year, Some(2022));
        assert_eq!(
            meta.portal.published_at.as_deref(),
            Some("2023-02-20T15:07:00")
        );
        assert_eq!(
            meta.portal.publisher.as_deref(),
            Some("平潭综合实验区管委会办公室")
        );
        assert_eq!(
            meta.portal.source_url.as_deref(),
            Some("https://www.pingtan.gov.cn/zwgk/t20230220_80629.htm")
        );
        assert_eq!(meta.portal.lines, 0..8);
        assert!(seg.findings.is_empty(), "{:?}", seg.findings);
        // The report's own title wins, with a diagnostic.
        let own = text.replace(
            "本报告根据",
            "平潭综合实验区2021年度政府信息公开工作年度报告\n本报告根据",
        );
        let seg = segment(&own);
        assert_eq!(seg.metadata.year, Some(2021));
        assert!(
            seg.findings
                .iter()
                .any(|f| f.code == Code::PortalTitleMismatch),
            "{:?}",
            seg.findings
        );
        // Two lines that merely start like fields are no block.
        let prose = segment("来源：本局\n泉港区2021年政府信息公开工作年度报告\n");
        assert_eq!(prose.metadata.portal, Portal::default());
    }

    #[test]
    fn a_flattened_report_is_cut_at_its_parts() {
        let prose = "本报告根据《条例》编制。".repeat(200);
        let flat = format!(
            "某某局2021年政府信息公开工作年度报告\n{prose} 一、总体情况 本年度… 二、主动公开政府信息情况第二十条第（一）项 信息内容 规章000 \
             第二十条第（五）项信息内容 三、收到和处理政府信息公开申请情况 申请人情况 四、政府信息公开行政法复议、行政诉讼情况 行政复议\n"
        );
        assert!(segment(&flat).has_flattened_line());
        let cut = unflatten(&flat);
        let starts: Vec<&str> = cut
            .lines()
            .skip(2)
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            starts,
            [
                "一、总体情况",
                "二、主动公开政府信息情况",
                "第二十条第（一）项",
                "第二十条第（五）项信息内容",
                "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政法复议、行政诉讼情况",
            ]
        );
        // Ordinary lines are left alone.
        let plain = "一、总体情况 二、主动公开政府信息情况\n";
        assert!(!segment(plain).has_flattened_line());
        assert_eq!(unflatten(plain), plain);
    }

    #[test]
    fn the_statistics_period_is_stated_or_not() {
        let stated = |head: &str| {
            segment(&format!(
                "泉港区 2021 年度政府信息公开工作年度报告\n{head}\n"
            ))
            .metadata
            .period_stated
        };
        assert!(stated(
            "所列数据统计期限自 2021 年 1 月 1 日至 2021 年 12 月 31 日。"
        ));
        // Seed 000: no keyword, only the span.
        assert!(stated("本报告内容涵盖泉州市行政服务中心管委会 2020 年 1 月 1 日至 12 月 31 日期间的政府信息公开工作情况。"));
        assert!(!stated("本报告由区政府办公室编制。"));
    }

    #[test]
    fn agency_forms() {
        assert_eq!(
            agency_from_title("泉州市行政服务中心管委会关于2020年政府信息公开年度工作报告")
                .as_deref(),
            Some("泉州市行政服务中心管委会")
        );
        assert_eq!(
            agency_from_title("2024年上海市科委政府信息公开工作年度报告").as_deref(),
            Some("上海市科委")
        );
        assert_eq!(
            agency_from_title("泉港区2021年度政府信息公开工作年度报告").as_deref(),
            Some("泉港区")
        );
    }

    #[test]
    fn agency_on_the_line_above_the_title() {
        let seg = segment(
            "            洪泽区人民政府\n      2023 年政府信息公开工作年度报告\n\n   本报告由…",
        );
        assert_eq!(seg.metadata.agency.as_deref(), Some("洪泽区人民政府"));
        assert_eq!(
            seg.metadata.title.as_deref(),
            Some("洪泽区人民政府 2023 年政府信息公开工作年度报告")
        );
        assert_eq!(seg.metadata.title_line, Some(1));
        let seg = segment("正文\n2024 年上海市科委政府信息公开工作\n年度报告\n");
        assert_eq!(seg.metadata.agency.as_deref(), Some("上海市科委"));
    }

    #[test]
    fn han_dates() {
        assert_eq!(han_number("二〇二一"), Some(2021));
        assert_eq!(han_number("十二"), Some(12));
        assert_eq!(han_number("二十三"), Some(23));
        let keys = vec!["二〇二一年一月八日".to_string()];
        assert_eq!(
            find_issue_date(&keys, 0).map(|(d, _)| d).as_deref(),
            Some("2021-01-08")
        );
    }
}
