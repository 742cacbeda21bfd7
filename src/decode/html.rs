//! HTML pages → text lines, with real tables rendered as tab-separated grids.
//!
//! Parsed by html5ever (through `scraper`), which recovers CMS markup the way browsers do.
//! The article body is found as the nearest common container of the statistics tables
//! that also holds the report's title, so navigation, scripts and footers stay out.
//! `rowspan` and `colspan` are expanded into a grid ([`super::grid`]), so that merged
//! labels such as （三）不予公开 over eight rows keep every value in its column.

use std::sync::LazyLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};

use super::grid::{collapse_whitespace, Grid, SpanCell};

/// Elements whose content is never report text.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "head", "nav", "footer", "aside", "form", "select", "option",
    "button", "iframe", "svg", "object", "template",
];

/// Elements that start and end a line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "tr",
    "section",
    "article",
    "blockquote",
    "pre",
    "dt",
    "dd",
    "dl",
    "center",
    "header",
    "main",
    "caption",
    "td",
    "th",
    "hr",
    "address",
    "figure",
];

/// Words that mark a table as one of the statistics tables.
const TABLE_MARKERS: &[&str] = &["第二十条", "勾稽关系", "本年新收", "行政复议", "申请人情况"];

/// A metadata line of a saved page (`标题：…`, `单位：…`, `来源：…`): the portal's record
/// of the report, kept as lines above the article for the segment stage to read.
static PORTAL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:标题|发布时间|发布日期|文号|发布机构|发文机关|单位|来源|原文链接|网址|采集时间|栏目)\s*[:：]").unwrap()
});
/// The same field names anywhere in a text, to count the fields an element holds.
static PORTAL_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:标题|发布时间|发布日期|文号|发布机构|发文机关|单位|来源|原文链接|网址|采集时间|栏目)\s*[:：]").unwrap()
});

static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}\s*年.{0,30}?(?:政府信息公开|政务公开).{0,12}?报告").unwrap()
});

/// Deepest tag nesting an HTML page may have. Real pages stay under a hundred levels;
/// the parser's work grows with the square of the depth, so absurd nesting is refused.
pub const MAX_NESTING: usize = 2_000;

/// Elements that never have a closing tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param",
];

/// The deepest tag nesting in a page, by a linear scan of its tags (approximate: it is a
/// guard, not a parser).
pub fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = memchr_lt(&bytes[i..]) {
        i += off + 1;
        match bytes.get(i) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name_end = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |p| i + p);
                let name = html[i..name_end].to_ascii_lowercase();
                let tag_end = bytes[i..]
                    .iter()
                    .position(|b| *b == b'>')
                    .map_or(bytes.len(), |p| i + p);
                let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
                if !VOID.contains(&name.as_str()) && !self_closing {
                    depth += 1;
                    max = max.max(depth);
                }
            }
            _ => {}
        }
    }
    max
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| *b == b'<')
}

/// A web page, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The report text.
    pub text: String,
    /// Where the page has no statistics table: the `src` of every `<img>` of its body, in
    /// document order, as written (a relative path, a `data:` URI, a web address). A
    /// report published as pictures of its pages (图片版) is such a page; the decode stage
    /// decides which of them are pages.
    pub images: Vec<String>,
}

/// Renders an HTML document's report text.
pub fn html_to_text(html: &str) -> String {
    read_page(html).text
}

/// Renders an HTML document: its report text, and its images where it has no table.
pub fn read_page(html: &str) -> Page {
    let doc = Html::parse_document(html);
    let marked = marked_tables(&doc);
    let page_root = article_root(&doc, &marked);
    if marked.is_empty() {
        // Some portals deliver the article as a string in a script, drawn by the browser.
        if let Some(article) = script_article(&doc) {
            let inner = Html::parse_document(&article);
            return Page {
                text: render_page(
                    article_root(&inner, &marked_tables(&inner)),
                    &doc,
                    page_root,
                ),
                images: Vec::new(),
            };
        }
    }
    let images = if marked.is_empty() {
        image_sources(page_root)
    } else {
        Vec::new()
    };
    Page {
        text: render_page(page_root, &doc, page_root),
        images,
    }
}

/// The `src` of each `<img>` under `root`, in document order, outside the elements that
/// hold no report text (a `<noscript>` copy of an image is not a page of its own).
fn image_sources(root: ElementRef<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stack: Vec<NodeRef<'_, Node>> = root.children().rev().collect();
    while let Some(node) = stack.pop() {
        let Some(e) = ElementRef::wrap(node) else {
            continue;
        };
        let name = e.value().name();
        if SKIPPED.contains(&name) {
            continue;
        }
        if name == "img" {
            if let Some(src) = e.value().attr("src").map(str::trim) {
                if !src.is_empty() {
                    out.push(src.to_string());
                }
            }
        }
        stack.extend(node.children().rev());
    }
    out
}

/// Renders the article at `root`; `page` is the page it came from (the same document,
/// or the page whose script held it), whose article is at `page_root`: its metadata
/// lines and `<title>` are read from there.
fn render_page(root: ElementRef<'_>, page: &Html, page_root: ElementRef<'_>) -> String {
    let mut out = Renderer::default();
    for line in portal_lines(page, page_root) {
        out.push_str(&line);
        out.newline();
    }
    let body_text = text_of(root);
    if !TITLE.is_match(&collapse_whitespace(&body_text)) {
        // The title is often only in <title> (`… - 某某区人民政府`).
        if let Some(t) = select_first(page, "title") {
            let t = collapse_whitespace(&text_of(t));
            let t = t
                .split([' ', '-', '_', '|'])
                .find(|p| TITLE.is_match(p))
                .map_or(t.clone(), str::to_string);
            if TITLE.is_match(&t) {
                out.push_str(&t);
                out.newline();
            }
        }
    }
    render(*root, &mut out);
    out.finish()
}

/// The saved page's metadata lines above the article: the elements whose text is one
/// `标题：…` field with its value (the `<p>` around `<strong>标题：</strong>…`, not the
/// label alone), met before the article in document order. Fewer than two are no
/// metadata block (a stray `来源：` in a sidebar).
fn portal_lines(doc: &Html, root: ElementRef<'_>) -> Vec<String> {
    let body = select_first(doc, "body").unwrap_or_else(|| doc.root_element());
    let mut lines: Vec<String> = Vec::new();
    for node in body.descendants() {
        if node.id() == root.id() {
            break;
        }
        let Some(e) = ElementRef::wrap(node) else {
            continue;
        };
        if SKIPPED.contains(&e.value().name()) {
            continue;
        }
        let text = collapse_whitespace(&text_of(e));
        if text.chars().count() > 300 || !PORTAL_LINE.is_match(&text) {
            continue;
        }
        if PORTAL_FIELD.find_iter(&text).count() != 1 {
            continue;
        }
        // The label's own element (`<strong>标题：</strong>`) is inside the field's.
        let within_field = e.parent().and_then(ElementRef::wrap).is_some_and(|p| {
            let outer = collapse_whitespace(&text_of(p));
            PORTAL_LINE.is_match(&outer) && PORTAL_FIELD.find_iter(&outer).count() == 1
        });
        if !within_field && !lines.contains(&text) {
            lines.push(text);
        }
    }
    if lines.len() < 2 {
        lines.clear();
    }
    lines
}

fn select_first<'a>(doc: &'a Html, css: &str) -> Option<ElementRef<'a>> {
    let sel = Selector::parse(css).ok()?;
    doc.select(&sel).next()
}

fn text_of(e: ElementRef<'_>) -> String {
    e.text().collect::<Vec<_>>().join("")
}

/// The statistics tables of a page: tables that hold no tables (a layout table holds
/// the markers too, and with them the page's sidebar) and hold a marker word.
fn marked_tables(doc: &Html) -> Vec<ElementRef<'_>> {
    let Ok(tables) = Selector::parse("table") else {
        return Vec::new();
    };
    doc.select(&tables)
        .filter(|t| !has_nested_table(**t))
        .filter(|t| {
            let text = text_of(*t);
            TABLE_MARKERS.iter().any(|m| text.contains(m))
        })
        .collect()
}

/// Fewest bytes a script string must have to be taken for the article.
const MIN_SCRIPT_ARTICLE: usize = 200;

/// The article a page delivers inside a script (`var content = "<p>…<table …>"`): the
/// longest string literal (adjacent `"…" + "…"` pieces joined) that, unescaped, holds
/// a `<table` with a marker word.
fn script_article(doc: &Html) -> Option<String> {
    let scripts = Selector::parse("script").ok()?;
    let mut best: Option<String> = None;
    for script in doc.select(&scripts) {
        let code = text_of(script);
        for literal in js_strings(&code) {
            let is_article = literal.len() >= MIN_SCRIPT_ARTICLE
                && literal.contains("<table")
                && TABLE_MARKERS.iter().any(|m| literal.contains(m));
            if is_article && best.as_ref().is_none_or(|b| literal.len() > b.len()) {
                best = Some(literal);
            }
        }
    }
    best
}

/// The string literals of a script, unescaped (`\"`, `\n`, `\uXXXX`, `\xXX`, …), with
/// literals joined by `+` made one.
fn js_strings(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut joined = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '+' {
            joined = !out.is_empty();
            i += 1;
            continue;
        }
        if !matches!(c, '"' | '\'' | '`') {
            if !c.is_whitespace() {
                joined = false;
            }
            i += 1;
            continue;
        }
        let quote = c;
        let mut s = String::new();
        i += 1;
        while i < chars.len() && chars[i] != quote {
            if chars[i] == '\\' && i + 1 < chars.len() {
                i += 1;
                let hex = |from: usize, n: usize| -> Option<char> {
                    let digits: String = chars.get(from..from + n)?.iter().collect();
                    char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
                };
                match chars[i] {
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'u' => {
                        if let Some(ch) = hex(i + 1, 4) {
                            s.push(ch);
                            i += 4;
                        }
                    }
                    'x' => {
                        if let Some(ch) = hex(i + 1, 2) {
                            s.push(ch);
                            i += 2;
                        }
                    }
                    '\n' => {}
                    other => s.push(other),
                }
            } else {
                s.push(chars[i]);
            }
            i += 1;
        }
        i += 1;
        match out.last_mut() {
            Some(last) if joined => last.push_str(&s),
            _ => out.push(s),
        }
        joined = false;
    }
    out
}

/// The nearest common ancestor of the statistics tables (`marked`, from
/// [`marked_tables`]) that also contains the title; the whole body when there are none.
///
/// Climbing stops at the first ancestor whose text holds a title, so a sidebar listing
/// other years' reports, further out, stays out.
fn article_root<'a>(doc: &'a Html, marked: &[ElementRef<'a>]) -> ElementRef<'a> {
    let body = select_first(doc, "body").unwrap_or_else(|| doc.root_element());
    let Some(first) = marked.first() else {
        return body;
    };
    let chain = |e: &ElementRef| -> Vec<ego_tree::NodeId> {
        let mut ids = vec![e.id()];
        ids.extend(e.ancestors().map(|a| a.id()));
        ids
    };
    let mut common = chain(first);
    for t in &marked[1..] {
        let other = chain(t);
        common.retain(|id| other.contains(id));
    }
    let mut node = common
        .first()
        .and_then(|id| doc.tree.get(*id))
        .and_then(ElementRef::wrap)
        .unwrap_or(body);
    while node.id() != body.id() && !TITLE.is_match(&collapse_whitespace(&text_of(node))) {
        match node.parent().and_then(ElementRef::wrap) {
            Some(parent) => node = parent,
            None => break,
        }
    }
    node
}

#[derive(Default)]
struct Renderer {
    lines: Vec<String>,
    current: String,
}

impl Renderer {
    fn push_str(&mut self, s: &str) {
        let collapsed = collapse_whitespace(s);
        if collapsed.is_empty() {
            if !self.current.is_empty()
                && s.chars().any(char::is_whitespace)
                && !self.current.ends_with(' ')
            {
                self.current.push(' ');
            }
            return;
        }
        if s.starts_with(|c: char| c.is_whitespace())
            && !self.current.is_empty()
            && !self.current.ends_with(' ')
        {
            self.current.push(' ');
        }
        self.current.push_str(&collapsed);
        if s.ends_with(|c: char| c.is_whitespace()) {
            self.current.push(' ');
        }
    }

    fn newline(&mut self) {
        let line = self.current.trim().to_string();
        self.current.clear();
        if !line.is_empty() {
            self.lines.push(line);
        }
    }

    fn finish(mut self) -> String {
        self.newline();
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}

/// Renders a subtree. Iterative, with an explicit stack: a page nested 100,000 deep
/// must not overflow a worker's stack (which would abort the whole run).
fn render(root: NodeRef<'_, Node>, out: &mut Renderer) {
    enum Step<'a> {
        Enter(NodeRef<'a, Node>),
        /// Leaving a block element: end its line.
        Leave,
    }
    let mut stack = vec![Step::Enter(root)];
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Leave => {
                out.newline();
                continue;
            }
            Step::Enter(node) => node,
        };
        let block = match node.value() {
            Node::Text(t) => {
                out.push_str(t);
                continue;
            }
            Node::Element(e) => {
                let name = e.name();
                if SKIPPED.contains(&name) {
                    continue;
                }
                if name == "br" {
                    out.newline();
                    continue;
                }
                if name == "table" && !has_nested_table(node) {
                    out.newline();
                    for line in table_grid(node).to_lines() {
                        if !line.trim().is_empty() {
                            out.lines.push(line);
                        }
                    }
                    continue;
                }
                BLOCKS.contains(&name) || name == "table"
            }
            _ => false,
        };
        if block {
            out.newline();
            stack.push(Step::Leave);
        }
        let children: Vec<NodeRef<Node>> = node.children().collect();
        stack.extend(children.into_iter().rev().map(Step::Enter));
    }
}

fn has_nested_table(table: NodeRef<'_, Node>) -> bool {
    table
        .descendants()
        .skip(1)
        .any(|d| matches!(d.value(), Node::Element(e) if e.name() == "table"))
}

/// The rows of a table (not of tables nested in it) as a grid.
fn table_grid(table: NodeRef<'_, Node>) -> Grid {
    let mut rows: Vec<Vec<SpanCell>> = Vec::new();
    let mut stack: Vec<NodeRef<Node>> = table.children().collect();
    stack.reverse();
    while let Some(node) = stack.pop() {
        let Node::Element(e) = node.value() else {
            continue;
        };
        match e.name() {
            "thead" | "tbody" | "tfoot" => {
                let mut kids: Vec<_> = node.children().collect();
                kids.reverse();
                stack.extend(kids);
            }
            "tr" => rows.push(
                node.children()
                    .filter_map(|c| match c.value() {
                        Node::Element(ce) if ce.name() == "td" || ce.name() == "th" => {
                            Some(SpanCell {
                                text: cell_text(c),
                                colspan: span(ce.attr("colspan")),
                                rowspan: span(ce.attr("rowspan")),
                            })
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            _ => {}
        }
    }
    Grid::from_rows(&rows)
}

/// A cell's text: text nodes joined without separators (`本年新<br />制作数量` is one label),
/// white space collapsed, `&nbsp;` alone counting as empty.
fn cell_text(cell: NodeRef<'_, Node>) -> String {
    let mut s = String::new();
    let mut stack: Vec<NodeRef<Node>> = vec![cell];
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Text(t) => s.push_str(t),
            Node::Element(e) if SKIPPED.contains(&e.name()) => {}
            _ => stack.extend(node.children().collect::<Vec<_>>().into_iter().rev()),
        }
    }
    collapse_whitespace(&s)
}

/// A span attribute: non-numbers and 0 count as 1 (a rowspan of 0 is rare in reports and
/// clamped to the table anyway).
fn span(attr: Option<&str>) -> usize {
    attr.and_then(|a| a.trim().trim_end_matches(';').parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_body_without_chrome() {
        let html = r#"<html><head><title>x</title><script>var a = "2023年政府信息公开工作年度报告";</script></head>
        <body><nav><a>首页</a><a>2022年政府信息公开工作年度报告</a></nav>
        <div class="main"><h1>某某区2023年政府信息公开工作年度报告</h1><p>一、总体情况</p>
        <table><tr><td colspan="2">第二十条第（一）项</td></tr>
        <tr><td>信息内容</td><td>本年<br/>制发件数</td></tr><tr><td>规章</td><td>&nbsp;3</td></tr></table>
        </div><div class="footer">扫一扫在手机上查看当前页面</div></body></html>"#;
        let text = html_to_text(html);
        assert_eq!(
            text,
            "某某区2023年政府信息公开工作年度报告\n一、总体情况\n第二十条第（一）项\t\n信息内容\t本年制发件数\n规章\t3\n"
        );
    }

    #[test]
    fn script_strings_are_unescaped_and_joined() {
        let code = r#"var a = 'x'; var content = "<p class=\"t\">\u6cc9\u6e2f</p>\n" +
            "<table>\x41</table>"; f(`tpl`);"#;
        assert_eq!(
            js_strings(code),
            vec!["x", "<p class=\"t\">泉港</p>\n<table>A</table>", "tpl"]
        );
    }

    #[test]
    fn nesting_is_measured_linearly() {
        assert_eq!(
            nesting_depth(
                "<html><body><p>a<br>b</p><img src=x/><div><span>c</span></div></body></html>"
            ),
            4
        );
        let deep = format!("{}x{}", "<div>".repeat(50_000), "</div>".repeat(50_000));
        assert_eq!(nesting_depth(&deep), 50_000);
    }

    #[test]
    fn table_layout_pages_keep_their_sidebar_out() {
        // Older portals lay out the page in tables: a sidebar of other years' reports sits
        // in the same layout table as the article.
        let html = r#"<html><body><table><tr>
        <td class="side"><a>2022年政府信息公开工作年度报告</a><br><a>2020年政府信息公开工作年度报告</a></td>
        <td class="main"><p>某某镇人民政府2021年政府信息公开工作年度报告</p>
          <table><tr><td>第二十条第（一）项</td></tr><tr><td>规章</td><td>0</td></tr></table>
          <table><tr><td>行政复议</td></tr><tr><td>0</td></tr></table></td>
        </tr></table></body></html>"#;
        let text = html_to_text(html);
        assert!(
            text.starts_with("某某镇人民政府2021年政府信息公开工作年度报告\n"),
            "{text}"
        );
        assert!(!text.contains("2022年"), "{text}");
    }

    #[test]
    fn a_page_without_tables_lists_its_pictures_in_order() {
        let page = read_page(
            "<html><body><h1>某县2022年政府信息公开工作年度报告</h1><p><img src=\"a_files/1.jpg\">\
             <img src=' a_files/2.jpg '></p><noscript><img src=\"a_files/1.jpg\"></noscript>\
             <img alt=\"no source\"><img src=\"data:image/png;base64,AAAA\"></body></html>",
        );
        assert_eq!(
            page.images,
            [
                "a_files/1.jpg",
                "a_files/2.jpg",
                "data:image/png;base64,AAAA"
            ]
        );
        assert!(page.text.contains("年度报告"));
        // A page with its tables as HTML has no pictures to read.
        let with_table = read_page(
            "<html><body><img src=\"1.jpg\"><table><tr><td>本年新收政府信息公开申请数量</td>\
             <td>3</td></tr></table></body></html>",
        );
        assert!(with_table.images.is_empty());
    }

    #[test]
    fn title_from_the_head_when_the_body_has_none() {
        let html = "<html><head><title>某某街道2021年政府信息公开工作年度报告-某某区人民政府</title></head>\
                    <body><table><tr><td>行政复议</td></tr><tr><td>0</td></tr></table></body></html>";
        assert!(html_to_text(html).starts_with("某某街道2021年政府信息公开工作年度报告\n"));
    }
}
