//! The three tables' rows as CSV lines, rendered once per report by the worker that read
//! it, for the CSV files and the incremental state alike.
//!
//! Rendering used to happen on the writer thread, twice (through `csv` and serde, once for
//! the output and once for the state): a third of the writer's time. Here a report's
//! `report_id`, `agency`, `year` and `template` are rendered once for all its facts, and
//! the lines are byte for byte what the `csv` crate writes (same quoting rule, `ryu` for
//! floats, `itoa` for integers), which the tests check against it.

use arrow_schema::SchemaRef;

use crate::model::{Diagnostic, DocResult, Fact, Report};

/// One report's rows as CSV lines, each ending in `\n`, columns in `docs/schema.md` order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvRows {
    /// The `reports` line.
    pub report: Vec<u8>,
    /// The `facts` lines, in the report's order.
    pub facts: Vec<u8>,
    /// The `diagnostics` lines, in the report's order.
    pub diagnostics: Vec<u8>,
}

impl CsvRows {
    /// Renders every row of one report.
    pub fn of(doc: &DocResult) -> CsvRows {
        CsvRows::with_facts(doc, true)
    }

    /// Renders one report's rows, the facts' lines only if `facts`: they are most of the
    /// bytes, and a Parquet-only run's state does not keep them.
    pub fn with_facts(doc: &DocResult, facts: bool) -> CsvRows {
        let mut rows = CsvRows::default();
        report_line(&mut rows.report, &doc.report);
        if facts {
            facts_lines(&mut rows.facts, &doc.facts);
        }
        for d in &doc.diagnostics {
            diagnostic_line(&mut rows.diagnostics, d);
        }
        rows
    }
}

/// The header line of a table: its column names.
pub fn header(schema: &SchemaRef) -> Vec<u8> {
    let mut line = Vec::new();
    for field in schema.fields() {
        text(&mut line, field.name());
    }
    end(&mut line);
    line
}

/// Appends one `reports` line.
pub fn report_line(out: &mut Vec<u8>, r: &Report) {
    text(out, &r.report_id);
    text(out, &r.source_path);
    int(out, r.bytes);
    opt_text(out, r.agency.as_deref());
    opt_int(out, r.year);
    text(out, r.template.code());
    opt_text(out, r.title.as_deref());
    opt_text(out, r.doc_number.as_deref());
    opt_text(out, r.issued_on.as_deref());
    text(out, r.status.code());
    int(out, r.facts);
    int(out, r.warnings);
    opt_text(out, r.error.as_deref());
    opt_text(out, r.format.as_deref());
    opt_text(out, r.encoding.as_deref());
    opt_text(out, r.source_url.as_deref());
    opt_text(out, r.published_at.as_deref());
    opt_text(out, r.publisher.as_deref());
    opt_text(out, r.duplicate_of.as_deref());
    end(out);
}

/// Appends `facts` lines. The columns a report's facts share (`report_id`, `agency`,
/// `year`, `template`) are rendered once per run of equal values.
pub fn facts_lines(out: &mut Vec<u8>, facts: &[Fact]) {
    // Lines are about 130 bytes (an agency of ten characters): one allocation, not the
    // doubling steps of a report's 20 KB.
    out.reserve(facts.len() * 136);
    let mut prefix: Vec<u8> = Vec::new();
    let mut previous: Option<&Fact> = None;
    for f in facts {
        let same = previous.is_some_and(|p| {
            p.report_id == f.report_id
                && p.agency == f.agency
                && p.year == f.year
                && p.template == f.template
        });
        if !same {
            prefix.clear();
            text(&mut prefix, &f.report_id);
            opt_text(&mut prefix, f.agency.as_deref());
            opt_int(&mut prefix, f.year);
            text(&mut prefix, f.template.code());
            previous = Some(f);
        }
        out.extend_from_slice(&prefix);
        code(out, f.section.code());
        code(out, f.category.code());
        code(out, f.breakdown.code());
        float(out, f.value);
        code(out, f.unit.code());
        text(out, &f.raw);
        int(out, f.line);
        opt_text(out, f.provenance.as_deref());
        code(out, f.source.code());
        match f.confidence {
            Some(c) => float(out, c),
            None => out.push(b','),
        }
        end(out);
    }
}

/// Appends one `diagnostics` line.
pub fn diagnostic_line(out: &mut Vec<u8>, d: &Diagnostic) {
    text(out, &d.report_id);
    text(out, &d.source_path);
    text(out, d.severity.code());
    code(out, d.code.code());
    text(out, &d.message);
    opt_int(out, d.line);
    end(out);
}

/// A small table's rows as CSV lines (text and 32-bit integer columns): the vocabulary
/// tables, written once a run.
pub fn batch_lines(batch: &arrow_array::RecordBatch) -> Vec<u8> {
    use arrow_array::{Array, Int32Array, StringArray};
    let mut out = Vec::new();
    for row in 0..batch.num_rows() {
        for column in batch.columns() {
            if let Some(s) = column.as_any().downcast_ref::<StringArray>() {
                text(&mut out, if s.is_null(row) { "" } else { s.value(row) });
            } else if let Some(n) = column.as_any().downcast_ref::<Int32Array>() {
                opt_int(&mut out, (!n.is_null(row)).then(|| n.value(row)));
            }
        }
        end(&mut out);
    }
    out
}

/// A field and its delimiter; quoted (quotes doubled) when it holds a delimiter, a quote
/// or a line break, as the `csv` crate does.
fn text(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if needs_quotes(bytes) {
        out.push(b'"');
        for &b in bytes {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b',');
}

/// A code from the vocabulary (`active`, `rules`, `count` …) and its delimiter: codes
/// never need quotes, so the bytes are not scanned for them.
fn code(out: &mut Vec<u8>, code: &'static str) {
    debug_assert!(!needs_quotes(code.as_bytes()), "{code}");
    out.extend_from_slice(code.as_bytes());
    out.push(b',');
}

fn needs_quotes(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

fn opt_text(out: &mut Vec<u8>, s: Option<&str>) {
    text(out, s.unwrap_or(""));
}

fn int(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.push(b',');
}

fn opt_int(out: &mut Vec<u8>, n: Option<i32>) {
    match n {
        Some(n) => int(out, n),
        None => out.push(b','),
    }
}

fn float(out: &mut Vec<u8>, x: f64) {
    out.extend_from_slice(ryu::Buffer::new().format(x).as_bytes());
    out.push(b',');
}

/// Turns the last field's delimiter into the line's end.
fn end(out: &mut [u8]) {
    if let Some(last) = out.last_mut() {
        *last = b'\n';
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::{Breakdown, Category, Section};
    use crate::model::{Code, Severity, Source, Status, Template, Unit};

    /// What the `csv` crate writes for the same rows, header included.
    fn by_csv_crate<T: serde::Serialize>(rows: &[T]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            w.serialize(r).unwrap();
        }
        w.into_inner().unwrap()
    }

    fn fact(report_id: &str, agency: Option<&str>, value: f64, raw: &str) -> Fact {
        Fact {
            report_id: report_id.to_string(),
            agency: agency.map(str::to_string),
            year: Some(2021),
            template: Template::Y2021,
            section: Section::Applications,
            category: Category::from_code("applications.new").unwrap(),
            breakdown: Breakdown::from_code("total").unwrap(),
            value,
            unit: Unit::Count,
            raw: raw.to_string(),
            line: 7,
            provenance: Some("previous_year:0123456789abcdef".to_string()),
            source: Source::Text,
            confidence: None,
        }
    }

    #[test]
    fn facts_lines_are_rendered_only_for_a_facts_csv_or_the_state() {
        use crate::model::{DocResult, Finding};
        use crate::write::{Formats, Layout, Preparer};
        let finding = Finding::warning(Code::MissingMetadata, "no date", None);
        let mut doc = DocResult::failed("a", "a.txt", 1, finding);
        doc.facts = vec![fact("a", Some("泉州市泉港区人民政府"), 42.0, "42")];
        let parquet = Formats {
            parquet: true,
            csv: false,
        };
        let both = Formats {
            parquet: true,
            csv: true,
        };
        let by_year = Layout::ByYear {
            part: "part-0-of-1".to_string(),
        };
        // A Parquet-only run of one folder reads its facts back from `facts.parquet`:
        // neither the state nor any CSV file needs their lines.
        for (formats, layout, state_keeps_facts, lines) in [
            (parquet, &Layout::Single, false, false),
            (both, &Layout::Single, false, true),
            (parquet, &by_year, true, true),
            (both, &by_year, true, true),
        ] {
            let preparer = Preparer::new(formats, layout);
            assert_eq!(preparer.state_keeps_facts(), state_keeps_facts);
            let csv = preparer.prepare(&doc).unwrap().csv;
            let mut expected = Vec::new();
            if lines {
                facts_lines(&mut expected, &doc.facts);
            }
            assert_eq!(csv.facts, expected, "{formats:?} {layout:?}");
            // The state keeps the other tables' lines whatever the formats.
            assert_eq!(csv.report, CsvRows::of(&doc).report);
            assert_eq!(csv.diagnostics, CsvRows::of(&doc).diagnostics);
        }
    }

    #[test]
    fn vocabulary_codes_never_need_quotes() {
        use crate::categories::{Breakdown, Category};
        let codes = Category::ALL.iter().map(|c| c.code());
        for code in codes.chain(Breakdown::ALL.iter().map(|b| b.code())) {
            assert!(!needs_quotes(code.as_bytes()), "{code}");
        }
    }

    #[test]
    fn facts_match_the_csv_crate() {
        let mut odd = fact("b", None, f64::NAN, "");
        odd.year = None;
        odd.template = Template::None;
        let facts = vec![
            fact("a", Some("泉州市泉港区人民政府"), 42.0, "42"),
            fact("a", Some("泉州市泉港区人民政府"), 0.5, "0.5"),
            fact("a", Some("say \"x\", y"), 1e21, "1,000"),
            fact("a", Some("line\nbreak"), -3.25, "\"3\"\r"),
            odd,
            fact(
                "a",
                Some("泉州市泉港区人民政府"),
                12_345_678.9,
                "1234.56789万",
            ),
        ];
        let mut ours = header(&crate::write::facts_schema());
        facts_lines(&mut ours, &facts);
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(by_csv_crate(&facts)).unwrap()
        );
    }

    #[test]
    fn reports_and_diagnostics_match_the_csv_crate() {
        let report = Report {
            report_id: "0123456789abcdef".to_string(),
            source_path: "data/a, b.txt".to_string(),
            bytes: 12_345,
            agency: Some("泉州市泉港区人民政府".to_string()),
            year: Some(2021),
            template: Template::Y2021,
            title: Some("关于\"2021年\"报告".to_string()),
            doc_number: None,
            issued_on: Some("2022-01-08".to_string()),
            status: Status::Partial,
            facts: 150,
            warnings: 2,
            error: Some("a, b\nc".to_string()),
            format: Some("text".to_string()),
            encoding: None,
            source_url: None,
            published_at: None,
            publisher: None,
            duplicate_of: Some("fedcba9876543210".to_string()),
        };
        let mut ours = header(&crate::write::reports_schema());
        report_line(&mut ours, &report);
        assert_eq!(ours, by_csv_crate(&[report]));

        let diagnostics = vec![
            Diagnostic {
                report_id: "0123456789abcdef".to_string(),
                source_path: "x.txt".to_string(),
                severity: Severity::Error,
                code: Code::NarrativeMismatch,
                message: "the text says \"42\", the table 40".to_string(),
                line: Some(30),
            },
            Diagnostic {
                report_id: "0123456789abcdef".to_string(),
                source_path: "x.txt".to_string(),
                severity: Severity::Warning,
                code: Code::MissingMetadata,
                message: "no date".to_string(),
                line: None,
            },
        ];
        let mut ours = header(&crate::write::diagnostics_schema());
        for d in &diagnostics {
            diagnostic_line(&mut ours, d);
        }
        assert_eq!(ours, by_csv_crate(&diagnostics));
    }
}
