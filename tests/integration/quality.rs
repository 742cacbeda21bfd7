//! The quality report (`gongkai report`): its figures from the sample output, in both
//! output layouts, and the page as headless Chromium renders it.

use std::path::Path;

use crate::util::{gongkai, root, s};

/// Ingests the samples into `out` (with `extra` arguments) and writes the report.
fn report_of_samples(out: &Path, extra: &[&str]) -> String {
    let raw = root().join("data/raw");
    let mut args = vec!["ingest", s(&raw), "--out", s(out), "-q"];
    args.extend(extra);
    let (code, _, err) = gongkai(&args);
    assert_eq!(code, 0, "{err}");
    let page = out.join("report.html");
    let (code, stdout, err) = gongkai(&["report", s(out), "--out", s(&page)]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("5 reports, 5 agencies"), "{stdout}");
    std::fs::read_to_string(page).unwrap()
}

/// The figures the page must show for the five samples, checked in its HTML.
fn assert_sample_figures(html: &str) {
    for needle in [
        // Reports by year: 004 is 2019; 000, 002, 003 are 2020; 001 is 2021. All ok.
        "<td>2019</td><td>1</td><td>0</td><td>0</td><td>1</td>",
        "<td>2020</td><td>3</td><td>0</td><td>0</td><td>3</td>",
        // Requests: 004 received 42 (11 disclosed, 6 partly, 3 withheld, 22 unavailable).
        "<td>2019</td><td>42</td><td>11</td><td>6</td><td>3</td><td>22</td><td>0</td><td>0</td>",
        "<td>2021</td><td>67</td><td>36</td><td>2</td><td>0</td><td>15</td><td>0</td><td>8</td>",
        // Review 2019: 3 upheld, 1 corrected: a 25% correction rate.
        "<td>2019</td><td>行政复议</td><td>3</td><td>1</td><td>0</td><td>0</td><td>4</td><td>25.0%</td>",
        // The agencies, linked to their diagnostics, with the source line of 004's prose.
        "<a href=\"#agency-0\">泉州市丰泽区</a>",
        "id=\"agency-4\"",
        "the text says 收到申请 45 but the table says 42",
        "data/raw/004_ed1ff81cc4d3de7d.txt:30",
        "2019年度,区政府各级各部门共收到政府信息公开申请45件",
        "<code>copied_text</code>",
    ] {
        assert!(html.contains(needle), "the page lacks {needle:?}");
    }
    for chart in ["chart-status", "chart-outcomes", "chart-review"] {
        assert!(html.contains(&format!("id=\"{chart}\"")), "no {chart}");
    }
    // Self-contained: nothing is fetched.
    for outside in ["src=", "href=\"http", "<script", "<link", "url(", "@import"] {
        assert!(!html.contains(outside), "the page refers to {outside}");
    }
}

#[test]
fn the_report_shows_the_samples_figures_in_either_layout() {
    let dir = tempfile::tempdir().unwrap();
    let single = report_of_samples(&dir.path().join("single"), &[]);
    assert_sample_figures(&single);
    let partitioned =
        report_of_samples(&dir.path().join("partitioned"), &["--partition-by", "year"]);
    assert_sample_figures(&partitioned);
    // Not an output folder: a clear message, exit code 2.
    let (code, _, err) = gongkai(&["report", s(dir.path())]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is it the output folder of `gongkai ingest`"),
        "{err}"
    );
}

/// The Chromium binary, if installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Measures, inside the browser, what was laid out: each chart's size and drawn bars,
/// and the tables and agency sections. Injected into a copy of the page (which has no
/// script of its own); the result is written into the DOM that `--dump-dom` prints.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
    const box = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll('rect')].filter(r => r.getBBox().width > 0).length;
    return svg.id + ':' + Math.round(box.width) + 'x' + Math.round(box.height) + ':' + bars;
  });
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({
    charts,
    tables: document.querySelectorAll('table').length,
    agencies: document.querySelectorAll('section.agency').length,
    title: document.title,
  });
  document.body.appendChild(out);
});
</script>"#;

#[test]
fn the_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Chromium: `make test` installs Debian's chromium package"
        );
        eprintln!(
            "SKIPPED: chromium not installed (apt-get install chromium); the page was not rendered"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = report_of_samples(&dir.path().join("out"), &[]);
    let probed = dir.path().join("probed.html");
    std::fs::write(&probed, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let profile = dir.path().join("profile");
    let run = |extra: &[String]| {
        std::process::Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1200,2000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .output()
            .unwrap()
    };
    let url = format!("file://{}", probed.display());
    let dom = run(&["--dump-dom".to_string(), url.clone()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let probe = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|p| p.split("</pre>").next())
        .unwrap_or_else(|| panic!("the probe did not run: {dom}"))
        .replace("&quot;", "\"");
    let probe: serde_json::Value = serde_json::from_str(&probe).unwrap();
    assert_eq!(probe["title"], "gongkai quality report");
    assert_eq!(probe["agencies"], 5);
    assert!(probe["tables"].as_u64().unwrap() >= 10, "{probe}");
    let charts: Vec<&str> = probe["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(charts.len(), 3, "{charts:?}");
    for chart in charts {
        let parts: Vec<&str> = chart.split(':').collect();
        let (w, h) = parts[1].split_once('x').unwrap();
        let bars: usize = parts[2].parse().unwrap();
        assert!(
            w.parse::<u32>().unwrap() > 300 && h.parse::<u32>().unwrap() > 50 && bars >= 4,
            "chart not drawn: {chart}"
        );
    }
    // And a screenshot of the page as a reader sees it.
    let png = dir.path().join("report.png");
    run(&[
        format!("--screenshot={}", png.display()),
        format!("file://{}", dir.path().join("out/report.html").display()),
    ]);
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
        "{} bytes",
        bytes.len()
    );
}
