//! Reports as collectors save them: each sample wrapped in a crawler's header block, as a
//! saved web page with the portal's metadata above the article, and under a covering
//! letter's title. Each gives the clean sample's facts, agency and year, and the portal's
//! record lands in `reports` (`source_url`, `published_at`, `publisher`).

use gongkai::model::Code;
use std::path::Path;

use gongkai::extract::process_path;
use gongkai::model::DocResult;

use gongkai::text::label_key;

use crate::util::{raw, root, SEEDS};

fn read_text(dir: &Path, name: &str, text: &str) -> DocResult {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    process_path(&path)
}

/// Facts without their line numbers (a header block moves every line).
fn cells(doc: &DocResult) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = doc
        .facts
        .iter()
        .map(|f| {
            (
                f.category.code().to_string(),
                f.breakdown.code().to_string(),
                f.raw.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn assert_same_facts(doc: &DocResult, clean: &DocResult, what: &str) {
    let (got, want) = (cells(doc), cells(clean));
    let differ: Vec<_> = got.iter().filter(|c| !want.contains(c)).take(5).collect();
    let lost: Vec<_> = want.iter().filter(|c| !got.contains(c)).take(5).collect();
    assert!(
        differ.is_empty() && lost.is_empty() && got.len() == want.len(),
        "{what}: {} facts for {}; not in the clean report: {differ:?}; lost: {lost:?}",
        got.len(),
        want.len()
    );
    assert_eq!(
        (&doc.report.agency, doc.report.year),
        (&clean.report.agency, clean.report.year),
        "{what}: agency and year"
    );
}

/// A crawler's dump: its header block, a separator, then the report.
fn crawler_dump(title: &str, body: &str) -> String {
    format!(
        "标题: {title}\n发布时间: 2022-01-20 09:05\n文号: \n发布机构: \n栏目: 政府信息公开年报\n\
         原文链接: https://www.example.gov.cn/zwgk/ndbg/202201/t20220120_1.htm\n\
         本地目录: zwgk/ndbg/202201/1_{title}\n页面链接与图片详见 links.tsv(同目录)\n\
         ==================== 正文 ====================\n{body}"
    )
}

#[test]
fn crawler_dumps_read_as_the_clean_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut untitled_tried = 0;
    for name in SEEDS {
        let clean = process_path(&raw(name));
        let body = std::fs::read_to_string(raw(name)).unwrap();
        let title = clean.report.title.clone().unwrap();
        let doc = read_text(dir.path(), name, &crawler_dump(&title, &body));
        assert_same_facts(&doc, &clean, name);
        assert_eq!(
            doc.report.source_url.as_deref(),
            Some("https://www.example.gov.cn/zwgk/ndbg/202201/t20220120_1.htm")
        );
        assert_eq!(
            doc.report.published_at.as_deref(),
            Some("2022-01-20T09:05:00")
        );
        assert_eq!(doc.report.publisher, None, "发布机构 is empty");
        assert!(
            doc.diagnostics
                .iter()
                .all(|d| d.code != Code::PortalTitleMismatch),
            "{name}"
        );

        // Without a title of its own, the report is named by the block's.
        let untitled: String = body
            .lines()
            .filter(|l| label_key(l).trim_start_matches('#') != label_key(&title))
            .collect::<Vec<_>>()
            .join("\n");
        if untitled.len() < body.len() {
            let doc = read_text(
                dir.path(),
                "untitled.txt",
                &crawler_dump(&format!("{title}-某某县人民政府网"), &untitled),
            );
            assert_eq!(
                (&doc.report.agency, doc.report.year),
                (&clean.report.agency, clean.report.year),
                "{name}: from the block's title"
            );
            untitled_tried += 1;
        }
    }
    assert!(
        untitled_tried >= 3,
        "only {untitled_tried} samples had a one-line title"
    );
}

#[test]
fn a_block_that_disagrees_with_the_report_loses_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let name = SEEDS[1];
    let clean = process_path(&raw(name));
    let body = std::fs::read_to_string(raw(name)).unwrap();
    let doc = read_text(
        dir.path(),
        name,
        &crawler_dump("某某局2019年政府信息公开工作年度报告", &body),
    );
    assert_same_facts(&doc, &clean, "disagreeing block");
    let d = doc
        .diagnostics
        .iter()
        .find(|d| d.code == Code::PortalTitleMismatch)
        .expect("a portal_title_mismatch diagnostic");
    assert!(d.message.contains("某某局2019年"), "{}", d.message);
}

#[test]
fn saved_pages_with_metadata_above_the_article() {
    let dir = tempfile::tempdir().unwrap();
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        let clean = process_path(&raw(name));
        let page =
            std::fs::read(root().join(format!("tests/fixtures/formats/{stem}.html"))).unwrap();
        let (page, _, _) = encoding_rs::GBK.decode(&page);
        let title = clean.report.title.clone().unwrap();
        let meta = format!(
            "<div class=\"meta\"><p><strong>标题：</strong>{title}-某某县人民政府</p>\
             <p><strong>单位：</strong>某某县人民政府办公室</p>\
             <p><strong>来源：</strong>https://www.example.gov.cn/art/2022/1/20/art_1.html</p>\
             <p><strong>采集时间：</strong>2024-05-02 10:11:12</p></div>"
        );
        let saved = page.replace(
            "<div class=\"article\">",
            &format!("{meta}\n<div class=\"article\">"),
        );
        assert_ne!(saved, page, "{stem}: the page has its article div");
        let path = dir.path().join(format!("{stem}.html"));
        std::fs::write(&path, saved.as_bytes()).unwrap();
        let doc = process_path(&path);
        assert_same_facts(&doc, &clean, stem);
        assert_eq!(
            doc.report.publisher.as_deref(),
            Some("某某县人民政府办公室")
        );
        assert_eq!(
            doc.report.source_url.as_deref(),
            Some("https://www.example.gov.cn/art/2022/1/20/art_1.html")
        );
        assert_eq!(doc.report.published_at, None, "采集时间 is not publication");
    }
}

#[test]
fn covering_letter_titles_name_the_agency() {
    let dir = tempfile::tempdir().unwrap();
    let mut tried = 0;
    for name in SEEDS {
        let clean = process_path(&raw(name));
        let (Some(agency), Some(year)) = (clean.report.agency.clone(), clean.report.year) else {
            continue;
        };
        let body = std::fs::read_to_string(raw(name)).unwrap();
        let title = clean.report.title.clone().unwrap();
        let Some(title_line) = body
            .lines()
            .find(|l| label_key(l).trim_start_matches('#') == label_key(&title))
        else {
            continue; // a title over two lines
        };
        let letter = body.replacen(
            title_line,
            &format!("{agency}关于报送{year}年度政府信息公开工作年度报告的报告"),
            1,
        );
        let doc = read_text(dir.path(), name, &letter);
        assert_same_facts(&doc, &clean, name);
        tried += 1;
    }
    assert!(tried >= 3, "only {tried} samples had a one-line title");
}

/// A page whose article is a string in a script (`var content = "…"`), with escaped
/// quotes, line breaks and `\uXXXX` characters, drawn into an empty `<div>` by the
/// browser: read as the page the browser shows.
#[test]
fn an_article_inside_a_javascript_string() {
    let dir = tempfile::tempdir().unwrap();
    for name in SEEDS {
        let stem = name.trim_end_matches(".txt");
        let clean = process_path(&raw(name));
        let page =
            std::fs::read(root().join(format!("tests/fixtures/formats/{stem}.html"))).unwrap();
        let (page, _, _) = encoding_rs::GBK.decode(&page);
        let start = page.find("<div class=\"article\">").unwrap();
        let end = page[start..].find("<div class=\"footer\">").unwrap() + start;
        let article = &page[start..end];
        // As portals escape it: quotes and line breaks, and every other character outside
        // ASCII as \uXXXX.
        let mut escaped = String::new();
        for (i, c) in article.chars().enumerate() {
            match c {
                '"' => escaped.push_str("\\\""),
                '\n' => escaped.push_str("\\n"),
                c if !c.is_ascii() && i % 2 == 0 => {
                    escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                c => escaped.push(c),
            }
        }
        // Split into two literals joined by `+`, after a tag.
        let mid = (escaped.len() / 2..)
            .find(|&i| escaped.is_char_boundary(i))
            .unwrap();
        let cut = mid + escaped[mid..].find('>').unwrap() + 1;
        let script = format!(
            "<div id=\"content\"></div><script type=\"text/javascript\">var content = \"{}\" +\n \"{}\";\n\
             document.getElementById(\"content\").innerHTML = content;</script>",
            &escaped[..cut],
            &escaped[cut..]
        );
        let scripted = format!("{}{}{}", &page[..start], script, &page[end..]);
        let path = dir.path().join(format!("{stem}.html"));
        std::fs::write(&path, scripted.as_bytes()).unwrap();
        let doc = process_path(&path);
        assert_same_facts(&doc, &clean, stem);
    }
}

/// A report flattened by a crawler: the title on a line, then prose and every table on
/// one line, cells apart by single spaces. Every sample gives its facts, except where
/// a row's blank cells leave several places for its numbers (then none).
#[test]
fn a_report_flattened_onto_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut read = (0, 0);
    for name in SEEDS {
        let clean = process_path(&raw(name));
        let text = std::fs::read_to_string(raw(name)).unwrap();
        // The title on its own line (some samples break it over two), the rest flat.
        let title = clean.report.title.clone().unwrap();
        let title_key = label_key(&title);
        let body = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .skip_while(|l| title_key.contains(label_key(l).trim_start_matches('#')))
            .map(|l| l.replace(['\t', '|'], " "))
            .collect::<Vec<_>>()
            .join(" ");
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(body.len() > 3_000, "{name}: one long line");
        let doc = read_text(dir.path(), name, &format!("{title}\n{body}\n"));
        let (got, want) = (cells(&doc), cells(&clean));
        let wrong: Vec<_> = got.iter().filter(|c| !want.contains(c)).collect();
        assert!(wrong.is_empty(), "{name}: {wrong:?}");
        assert_eq!(
            (&doc.report.agency, doc.report.year),
            (&clean.report.agency, clean.report.year)
        );
        read.0 += got.len();
        read.1 += want.len();
    }
    // 980 of 985 today: seed 002's carried_forward row has two blank cells.
    assert!(read.0 >= 980, "{} of {} facts", read.0, read.1);
}

/// The portal's header block is the site's, not the agency's: what the cross-report
/// checks compare (the prose signature for `near_duplicate`, the place names for
/// `copied_text`) is the same with and without it, however much chrome it holds.
#[test]
fn the_portal_block_is_not_compared_across_reports() {
    let dir = tempfile::tempdir().unwrap();
    let chrome =
        "本站栏目政府信息公开年报，本页面由某某市某某镇人民政府门户网站信息公开平台统一发布，\
        转载请注明来源，页面链接与图片详见同目录下的链接清单文件，如有疑问请联系网站管理员。";
    for name in SEEDS {
        let clean = process_path(&raw(name));
        let text = std::fs::read_to_string(raw(name)).unwrap();
        let title = clean.report.title.clone().unwrap();
        let dump = format!(
            "标题: {title}\n发布时间: 2022-01-20 09:05\n栏目: {chrome}\n发布机构: {chrome}\n\
             ==================== 正文 ====================\n{text}"
        );
        let doc = read_text(dir.path(), name, &dump);
        assert!(clean.traces.sketch.signature.is_some(), "{name}");
        assert_eq!(
            doc.traces.sketch.signature, clean.traces.sketch.signature,
            "{name}"
        );
        let places = |d: &DocResult| {
            d.traces
                .places
                .iter()
                .map(|(p, _)| p.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(places(&doc), places(&clean), "{name}");
    }
}

/// A report with almost no prose of its own (its title and its tables) is not compared
/// for copied text, and says so; a whole report is compared and says nothing.
#[test]
fn too_little_prose_is_said_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    for name in SEEDS {
        let clean = process_path(&raw(name));
        assert!(
            clean
                .diagnostics
                .iter()
                .all(|d| d.code != Code::NearDuplicateNotChecked),
            "{name}"
        );
        let text = std::fs::read_to_string(raw(name)).unwrap();
        let tables = &text[text.find("二、主动公开").unwrap()..text.find("五、").unwrap()];
        let title = clean.report.title.clone().unwrap();
        let doc = read_text(dir.path(), name, &format!("{title}\n{tables}"));
        assert!(
            doc.diagnostics
                .iter()
                .any(|d| d.code == Code::NearDuplicateNotChecked),
            "{name}: {:#?}",
            doc.diagnostics
        );
        assert_eq!(cells(&doc), cells(&clean), "{name}: the tables still read");
    }
}
