//! quality: the quality report, one self-contained HTML page made from an ingest output.
//!
//! Reports by year and status; requests received and the mix of outcomes by year; review
//! and litigation outcomes with the correction rate; the agencies with the most failed
//! checks, each with its diagnostics and the source line they point at. Charts are inline
//! SVG and the styles inline: the page opens from a file, with no network, and prints.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use crate::categories::{Breakdown, Category, OUTCOME_GROUPS, REVIEW_COLUMNS, REVIEW_ROWS};
use crate::decode::{decode, Content, DecodeOptions};
use crate::readback::for_each_batch;
use crate::write::Table;

/// How many agencies the "most failed checks" list shows.
pub const TOP_AGENCIES: usize = 20;
/// Most diagnostics listed per agency (all are counted).
const MAX_LISTED: usize = 100;

/// What the page shows, gathered from the three tables.
#[derive(Debug, Default)]
pub struct Quality {
    /// Reports per year (`None`: year unknown): ok, partial, failed.
    pub status_by_year: BTreeMap<Option<i32>, [u64; 3]>,
    /// Of those, per year, the other versions of a report read from another file
    /// (`duplicate_of` set): their facts are not in the figures below.
    pub versions_by_year: BTreeMap<Option<i32>, u64>,
    /// Per year: 本年新收 (总计) and the outcome groups' totals ([`OUTCOME_GROUPS`] order).
    pub requests_by_year: BTreeMap<i32, (f64, [f64; 6])>,
    /// Per year: table 四's rows ([`REVIEW_ROWS`]) × columns ([`REVIEW_COLUMNS`]).
    pub review_by_year: BTreeMap<i32, [[f64; 5]; 3]>,
    /// Diagnostics per code: severity, count.
    pub codes: BTreeMap<String, (String, u64)>,
    /// The agencies with the most error diagnostics (then warnings).
    pub agencies: Vec<AgencyFindings>,
    /// Facts by where they were read: text in the file, or a scan by OCR.
    pub ocr: OcrFigures,
}

/// How many facts were read by OCR, and how sure it was of them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OcrFigures {
    /// Facts read from text in the file.
    pub text: u64,
    /// Facts read by OCR.
    pub ocr: u64,
    /// OCR facts by confidence: below 0.7, 0.7–0.8, 0.8–0.9, 0.9 and above.
    pub by_confidence: [u64; 4],
}

/// One agency's findings, for the list.
#[derive(Debug, Default, Clone)]
pub struct AgencyFindings {
    /// The agency as named in its reports (or the file, where none was read).
    pub agency: String,
    /// Error-severity diagnostics.
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
    /// The first `MAX_LISTED` (100) diagnostics: year, code, severity, message, file, line,
    /// and the source line's text where the file could be read again.
    pub listed: Vec<Listed>,
}

/// One listed diagnostic.
#[derive(Debug, Default, Clone)]
pub struct Listed {
    /// Reporting year.
    pub year: Option<i32>,
    /// Diagnostic code.
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    /// The message.
    pub message: String,
    /// The source file.
    pub source_path: String,
    /// 1-based line, where the diagnostic has one.
    pub line: Option<i32>,
    /// That line's text, read again from the source file.
    pub text: Option<String>,
}

/// Reads an ingest output folder into the page's figures.
pub fn gather(dir: &Path) -> Result<Quality> {
    let mut q = Quality::default();
    // report_id → (agency, year).
    let mut reports: HashMap<String, (Option<String>, Option<i32>)> = HashMap::new();
    for_each_batch(dir, Table::Reports, |rows| {
        for i in 0..rows.len() {
            let year = rows.year(i)?;
            let status = match rows.str("status", i)? {
                Some("ok") => 0,
                Some("partial") => 1,
                _ => 2,
            };
            q.status_by_year.entry(year).or_default()[status] += 1;
            // Outputs of schema version 3 and before have no duplicate_of.
            if rows.has("duplicate_of") && rows.str("duplicate_of", i)?.is_some() {
                *q.versions_by_year.entry(year).or_default() += 1;
            }
            let agency = rows.str("agency", i)?.map(str::to_string);
            let id = rows.str("report_id", i)?.unwrap_or_default().to_string();
            reports.insert(id, (agency, year));
        }
        Ok(())
    })?;
    for_each_batch(dir, Table::Facts, |rows| {
        // Outputs of schema version 4 and before have no source.
        let has_confidence = rows.has("confidence");
        for i in 0..rows.len() {
            match has_confidence
                .then(|| rows.f64("confidence", i))
                .transpose()?
            {
                Some(Some(c)) => {
                    q.ocr.ocr += 1;
                    q.ocr.by_confidence[((c * 10.0).floor() as usize).clamp(6, 9) - 6] += 1;
                }
                _ => q.ocr.text += 1,
            }
            let Some(year) = rows.year(i)? else { continue };
            let category = rows.str("category", i)?.and_then(Category::from_code);
            let breakdown = rows.str("breakdown", i)?.and_then(Breakdown::from_code);
            let (Some(category), Some(breakdown)) = (category, breakdown) else {
                continue;
            };
            let value = rows.f64("value", i)?.unwrap_or(0.0);
            if let Some(r) = REVIEW_ROWS.iter().position(|c| *c == category) {
                if let Some(c) = REVIEW_COLUMNS.iter().position(|b| *b == breakdown) {
                    q.review_by_year.entry(year).or_default()[r][c] += value;
                }
                continue;
            }
            if breakdown != Breakdown::Total {
                continue;
            }
            let entry = q.requests_by_year.entry(year).or_default();
            if category == Category::New {
                entry.0 += value;
            } else if let Some(g) = OUTCOME_GROUPS
                .iter()
                .position(|(_, rows)| rows.contains(&category))
            {
                entry.1[g] += value;
            }
        }
        Ok(())
    })?;
    let agency_of = |id: &str, path: &str| -> String {
        match reports.get(id) {
            Some((Some(a), _)) => a.clone(),
            _ => format!("(no agency read) {path}"),
        }
    };
    let mut by_agency: HashMap<String, AgencyFindings> = HashMap::new();
    for_each_batch(dir, Table::Diagnostics, |rows| {
        for i in 0..rows.len() {
            let code = rows.str("code", i)?.unwrap_or_default();
            let severity = rows.str("severity", i)?.unwrap_or_default();
            let e = q
                .codes
                .entry(code.to_string())
                .or_insert_with(|| (severity.to_string(), 0));
            e.1 += 1;
            let id = rows.str("report_id", i)?.unwrap_or_default();
            let path = rows.str("source_path", i)?.unwrap_or_default();
            let name = agency_of(id, path);
            let a = by_agency.entry(name.clone()).or_default();
            a.agency = name;
            match severity {
                "error" => a.errors += 1,
                "warning" => a.warnings += 1,
                _ => {} // `info`: how a report was used, nothing wrong
            }
        }
        Ok(())
    })?;
    let mut ranked: Vec<AgencyFindings> = by_agency.into_values().collect();
    ranked.sort_by(|a, b| {
        (b.errors, b.warnings)
            .cmp(&(a.errors, a.warnings))
            .then_with(|| a.agency.cmp(&b.agency))
    });
    ranked.truncate(TOP_AGENCIES);
    // Second pass: the listed agencies' diagnostics, in output order.
    let rank: HashMap<String, usize> = ranked
        .iter()
        .enumerate()
        .map(|(i, a)| (a.agency.clone(), i))
        .collect();
    for_each_batch(dir, Table::Diagnostics, |rows| {
        for i in 0..rows.len() {
            let id = rows.str("report_id", i)?.unwrap_or_default();
            let path = rows.str("source_path", i)?.unwrap_or_default();
            let Some(&k) = rank.get(&agency_of(id, path)) else {
                continue;
            };
            if ranked[k].listed.len() < MAX_LISTED {
                ranked[k].listed.push(Listed {
                    year: reports.get(id).and_then(|r| r.1),
                    code: rows.str("code", i)?.unwrap_or_default().to_string(),
                    severity: rows.str("severity", i)?.unwrap_or_default().to_string(),
                    message: rows.str("message", i)?.unwrap_or_default().to_string(),
                    source_path: path.to_string(),
                    line: rows.i32("line", i)?,
                    text: None,
                });
            }
        }
        Ok(())
    })?;
    attach_source_lines(&mut ranked);
    q.agencies = ranked;
    Ok(q)
}

/// Reads each listed file again (once) and attaches the text of the lines diagnostics
/// point at. A file that is gone or unreadable just shows no text.
fn attach_source_lines(agencies: &mut [AgencyFindings]) {
    let options = DecodeOptions::default();
    let mut texts: HashMap<String, Option<Vec<String>>> = HashMap::new();
    for listed in agencies.iter_mut().flat_map(|a| a.listed.iter_mut()) {
        let Some(line) = listed.line else { continue };
        let lines = texts.entry(listed.source_path.clone()).or_insert_with(|| {
            let bytes = std::fs::read(&listed.source_path).ok()?;
            match decode(&bytes, &options) {
                Content::Text(d) => Some(d.text.lines().map(str::to_string).collect()),
                Content::Unreadable(_) => None,
            }
        });
        listed.text = lines
            .as_ref()
            .and_then(|l| l.get(usize::try_from(line - 1).ok()?))
            .map(|t| t.trim().to_string());
    }
}

/// Writes the page for an output folder to `out` (temporary name, then rename).
pub fn write_report(dir: &Path, out: &Path) -> Result<Quality> {
    let q = gather(dir)?;
    let html = render(&q, dir);
    let temp = out.with_extension("html.tmp");
    std::fs::write(&temp, html).with_context(|| format!("cannot write {}", temp.display()))?;
    std::fs::rename(&temp, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(q)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn year_label(y: Option<i32>) -> String {
    y.map_or_else(|| "unknown".to_string(), |y| y.to_string())
}

/// Colours of chart series, in order.
const COLOURS: [&str; 6] = [
    "#2e7d32", "#f9a825", "#c62828", "#1565c0", "#6a1b9a", "#757575",
];

/// A horizontal stacked bar chart: one bar per row, one segment per series. With
/// `percent`, each bar is scaled to 100%.
fn stacked_bars(id: &str, rows: &[(String, Vec<f64>)], series: &[&str], percent: bool) -> String {
    const LABEL: f64 = 90.0;
    const WIDTH: f64 = 560.0;
    const BAR: f64 = 22.0;
    let height = BAR * rows.len() as f64 + 34.0;
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let mut svg = format!(
        r#"<svg class="chart" id="{id}" role="img" width="{}" height="{height}" viewBox="0 0 {} {height}">"#,
        LABEL + WIDTH + 80.0,
        LABEL + WIDTH + 80.0
    );
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = i as f64 * BAR;
        let total: f64 = values.iter().sum();
        let scale = if percent {
            if total > 0.0 {
                WIDTH / total
            } else {
                0.0
            }
        } else if max > 0.0 {
            WIDTH / max
        } else {
            0.0
        };
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>"#,
            LABEL - 6.0,
            y + 15.0,
            esc(label)
        );
        let mut x = LABEL;
        for (k, v) in values.iter().enumerate() {
            let w = v * scale;
            if w > 0.0 {
                let share = if total > 0.0 { v / total * 100.0 } else { 0.0 };
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"><title>{} {}: {} ({share:.1}%)</title></rect>"#,
                    y + 3.0,
                    BAR - 6.0,
                    COLOURS[k % COLOURS.len()],
                    esc(label),
                    esc(series[k]),
                    v
                );
                x += w;
            }
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" font-size="12">{}</text>"#,
            x + 4.0,
            y + 15.0,
            total
        );
    }
    // Legend.
    let ly = rows.len() as f64 * BAR + 20.0;
    let mut lx = LABEL;
    for (k, name) in series.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{ly}" font-size="12">{}</text>"#,
            ly - 9.0,
            COLOURS[k % COLOURS.len()],
            lx + 14.0,
            esc(name)
        );
        lx += 14.0 + 13.0 * name.chars().count() as f64 + 16.0;
    }
    svg.push_str("</svg>");
    svg
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(t, "<th>{}</th>", esc(h));
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for c in r {
            // Cells are escaped by the caller where they hold text; links are markup.
            let _ = write!(t, "<td>{c}</td>");
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

fn rate(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.1}%", part / whole * 100.0)
    } else {
        "–".to_string()
    }
}

/// The page.
pub fn render(q: &Quality, dir: &Path) -> String {
    let mut body = String::new();
    let total_reports: u64 = q.status_by_year.values().flatten().sum();
    let _ = write!(
        body,
        "<h1>gongkai quality report</h1><p class=\"meta\">{} reports in <code>{}</code> \
         (gongkai {}).</p>",
        total_reports,
        esc(&dir.display().to_string()),
        env!("CARGO_PKG_VERSION")
    );
    render_status(q, &mut body);
    render_ocr(q, &mut body);
    render_requests(q, &mut body);
    render_review(q, &mut body);
    render_codes(q, &mut body);
    render_agencies(q, &mut body);
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <title>gongkai quality report</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
}

/// The reports by year and status: stacked bars and their table.
fn render_status(q: &Quality, body: &mut String) {
    body.push_str("<h2 id=\"status\">Reports by year and status</h2>");
    let rows: Vec<(String, Vec<f64>)> = q
        .status_by_year
        .iter()
        .map(|(y, s)| (year_label(*y), s.iter().map(|&n| n as f64).collect()))
        .collect();
    body.push_str(&stacked_bars(
        "chart-status",
        &rows,
        &["ok", "partial", "failed"],
        false,
    ));
    let rows: Vec<Vec<String>> = q
        .status_by_year
        .iter()
        .map(|(y, s)| {
            let all: u64 = s.iter().sum();
            vec![
                year_label(*y),
                s[0].to_string(),
                s[1].to_string(),
                s[2].to_string(),
                all.to_string(),
                q.versions_by_year.get(y).copied().unwrap_or(0).to_string(),
            ]
        })
        .collect();
    body.push_str(&table(
        &[
            "year",
            "ok",
            "partial",
            "failed",
            "all",
            "of which other versions",
        ],
        &rows,
    ));
    body.push_str(
        "<p>Other versions: files that are another version of a report read from \
         another file (its web page beside its PDF, an earlier publication corrected \
         later; <code>reports.duplicate_of</code>). They are counted here, and their \
         facts are not counted below.</p>",
    );
}

/// How many facts OCR read from scans, and how sure it was.
fn render_ocr(q: &Quality, body: &mut String) {
    body.push_str("<h2 id=\"ocr\">Facts read by OCR</h2>");
    let o = &q.ocr;
    let unsure = q.codes.get("ocr_unsure").map_or(0, |c| c.1);
    let all = o.text + o.ocr;
    body.push_str(&table(
        &["source", "facts", "share"],
        &[
            vec![
                "text in the file".into(),
                o.text.to_string(),
                rate(o.text as f64, all as f64),
            ],
            vec![
                "scan, by OCR".into(),
                o.ocr.to_string(),
                rate(o.ocr as f64, all as f64),
            ],
        ],
    ));
    let bands = ["below 0.7", "0.7–0.8", "0.8–0.9", "0.9 and above"];
    let rows: Vec<Vec<String>> = bands
        .iter()
        .zip(o.by_confidence)
        .map(|(b, n)| vec![b.to_string(), n.to_string(), rate(n as f64, o.ocr as f64)])
        .collect();
    body.push_str(&table(
        &["OCR confidence", "facts", "share of OCR facts"],
        &rows,
    ));
    let _ = write!(
        body,
        "<p>OCR facts carry <code>facts.source = 'ocr'</code> and their cell's \
         <code>confidence</code>; check them against the scan before relying on them. \
         {unsure} cells were read too unsurely to give a fact (<code>ocr_unsure</code>).</p>"
    );
}

/// Table 三's 本年新收 and outcome groups, summed per year.
fn render_requests(q: &Quality, body: &mut String) {
    body.push_str("<h2 id=\"requests\">Requests received and their outcomes</h2>");
    body.push_str(
        "<p>本年新收 and the outcome groups of table 三 (总计 column), summed over the \
         reports of each year. The bars show the mix of outcomes.</p>",
    );
    let groups: Vec<&str> = OUTCOME_GROUPS.iter().map(|(name, _)| *name).collect();
    let rows: Vec<(String, Vec<f64>)> = q
        .requests_by_year
        .iter()
        .map(|(y, (_, g))| (y.to_string(), g.to_vec()))
        .collect();
    body.push_str(&stacked_bars("chart-outcomes", &rows, &groups, true));
    let mut head = vec!["year", "本年新收"];
    head.extend(groups.iter());
    let rows: Vec<Vec<String>> = q
        .requests_by_year
        .iter()
        .map(|(y, (new, g))| {
            let mut r = vec![y.to_string(), new.to_string()];
            r.extend(g.iter().map(f64::to_string));
            r
        })
        .collect();
    body.push_str(&table(&head, &rows));
}

/// Table 四 per year, with each kind of case's correction rate.
fn render_review(q: &Quality, body: &mut String) {
    body.push_str("<h2 id=\"review\">Administrative review and litigation</h2>");
    body.push_str(
        "<p>Correction rate: 结果纠正 / (维持 + 纠正 + 其他结果), the cases decided this year.</p>",
    );
    let names = ["行政复议", "行政诉讼 (未经复议)", "行政诉讼 (复议后)"];
    let rows: Vec<(String, Vec<f64>)> = q
        .review_by_year
        .iter()
        .map(|(y, r)| (format!("{y} 复议"), r[0][..4].to_vec()))
        .collect();
    body.push_str(&stacked_bars(
        "chart-review",
        &rows,
        &["维持", "纠正", "其他结果", "尚未审结"],
        false,
    ));
    let mut rows = Vec::new();
    for (y, r) in &q.review_by_year {
        for (name, c) in names.iter().zip(r) {
            rows.push(vec![
                y.to_string(),
                name.to_string(),
                c[0].to_string(),
                c[1].to_string(),
                c[2].to_string(),
                c[3].to_string(),
                c[4].to_string(),
                rate(c[1], c[0] + c[1] + c[2]),
            ]);
        }
    }
    body.push_str(&table(
        &[
            "year",
            "",
            "维持",
            "纠正",
            "其他结果",
            "尚未审结",
            "总计",
            "correction rate",
        ],
        &rows,
    ));
}

/// How many diagnostics of each code.
fn render_codes(q: &Quality, body: &mut String) {
    body.push_str("<h2 id=\"codes\">Diagnostics by code</h2>");
    let rows: Vec<Vec<String>> = q
        .codes
        .iter()
        .map(|(code, (sev, n))| {
            vec![
                format!("<code>{}</code>", esc(code)),
                esc(sev),
                n.to_string(),
            ]
        })
        .collect();
    body.push_str(&table(&["code", "severity", "count"], &rows));
}

/// The agencies with the most failed checks, each with its diagnostics and the source lines they point at.
fn render_agencies(q: &Quality, body: &mut String) {
    let _ = write!(
        body,
        "<h2 id=\"agencies\">Agencies with the most failed checks</h2><p>The {} agencies \
         with the most error diagnostics (then warnings). Each links to its diagnostics, with \
         the source line they point at.</p>",
        q.agencies.len()
    );
    let rows: Vec<Vec<String>> = q
        .agencies
        .iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                format!("<a href=\"#agency-{i}\">{}</a>", esc(&a.agency)),
                a.errors.to_string(),
                a.warnings.to_string(),
            ]
        })
        .collect();
    body.push_str(&table(&["agency", "errors", "warnings"], &rows));
    for (i, a) in q.agencies.iter().enumerate() {
        let _ = write!(
            body,
            "<section class=\"agency\" id=\"agency-{i}\"><h3>{}</h3>",
            esc(&a.agency)
        );
        let rows: Vec<Vec<String>> = a
            .listed
            .iter()
            .map(|d| {
                vec![
                    year_label(d.year),
                    format!(
                        "<span class=\"{}\">{}</span>",
                        esc(&d.severity),
                        esc(&d.code)
                    ),
                    esc(&d.message),
                    format!(
                        "{}{}",
                        esc(&d.source_path),
                        d.line.map(|l| format!(":{l}")).unwrap_or_default()
                    ),
                    d.text
                        .as_deref()
                        .map(|t| format!("<code>{}</code>", esc(t)))
                        .unwrap_or_default(),
                ]
            })
            .collect();
        body.push_str(&table(
            &["year", "code", "message", "file:line", "source line"],
            &rows,
        ));
        body.push_str("<p><a href=\"#agencies\">back to the list</a></p></section>");
    }
}

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em auto;\
max-width:1100px;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:13px}\
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f0f0f0}.error{color:#c62828;font-weight:bold}.warning{color:#a66f00}\
code{font-size:12px}.meta{color:#666}svg.chart{display:block;margin:1em 0}";

#[cfg(test)]
mod tests {
    use super::*;

    /// The widths of a chart's bar segments, in order.
    fn widths(svg: &str) -> Vec<f64> {
        svg.split("width=\"")
            .skip(2) // the <svg> element's own width
            .filter_map(|w| w.split('"').next()?.parse().ok())
            .filter(|w: &f64| *w != 10.0) // legend swatches
            .collect()
    }

    #[test]
    fn bars_share_one_scale_or_each_fill_the_width_as_percentages() {
        let rows = vec![
            ("2020".to_string(), vec![10.0, 30.0]),
            ("2021".to_string(), vec![20.0, 0.0]),
        ];
        // One scale: the longest bar (40) fills the 560 units.
        assert_eq!(
            widths(&stacked_bars("c", &rows, &["a", "b"], false)),
            [140.0, 420.0, 280.0]
        );
        // Percentages: each bar fills them.
        assert_eq!(
            widths(&stacked_bars("c", &rows, &["a", "b"], true)),
            [140.0, 420.0, 560.0]
        );
    }

    #[test]
    fn text_is_escaped_and_rates_say_when_there_is_nothing_to_divide() {
        assert_eq!(
            esc(r#"<a href="x">&</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(rate(1.0, 4.0), "25.0%");
        assert_eq!(rate(0.0, 0.0), "–");
        assert_eq!(year_label(None), "unknown");
    }

    #[test]
    fn the_page_has_every_section_and_escapes_what_reports_say() {
        let q = Quality {
            status_by_year: [(Some(2021), [3, 1, 0]), (None, [0, 0, 2])].into(),
            versions_by_year: [(Some(2021), 2)].into(),
            requests_by_year: [(2021, (67.0, [50.0, 5.0, 3.0, 2.0, 1.0, 6.0]))].into(),
            review_by_year: [(2021, [[3.0, 1.0, 0.0, 0.0, 4.0]; 3])].into(),
            codes: [("identity_mismatch".to_string(), ("error".to_string(), 2))].into(),
            agencies: vec![AgencyFindings {
                agency: "泉港区<script>".to_string(),
                errors: 2,
                warnings: 0,
                listed: vec![Listed {
                    year: Some(2021),
                    code: "identity_mismatch".to_string(),
                    severity: "error".to_string(),
                    message: "本年新收 67 + 上年结转 0 ≠ 66".to_string(),
                    source_path: "r.txt".to_string(),
                    line: Some(40),
                    text: Some("（七）总计\t66".to_string()),
                }],
            }],
            ocr: OcrFigures {
                text: 30,
                ocr: 10,
                by_confidence: [1, 0, 2, 7],
            },
        };
        let page = render(&q, Path::new("out"));
        for id in [
            "status", "ocr", "requests", "review", "codes", "agencies", "agency-0",
        ] {
            assert!(page.contains(&format!("id=\"{id}\"")), "section {id}");
        }
        // 10 of 40 facts by OCR; 7 of those at 0.9 and above.
        assert!(
            page.contains("<td>scan, by OCR</td><td>10</td><td>25.0%</td>"),
            "{page}"
        );
        assert!(page.contains("<td>0.9 and above</td><td>7</td><td>70.0%</td>"));
        assert!(page.contains("6 reports in <code>out</code>"));
        // 结果纠正 / (维持 + 纠正 + 其他结果) = 1 / 4.
        assert!(page.contains("<td>25.0%</td>"));
        assert!(page.contains("泉港区&lt;script&gt;") && !page.contains("<script>"));
        assert!(page.contains("r.txt:40"));
        // 2021: 3 ok, 1 partial, 0 failed, 4 in all, 2 of them other versions.
        assert!(page.contains("<td>3</td><td>1</td><td>0</td><td>4</td><td>2</td>"));
    }
}
