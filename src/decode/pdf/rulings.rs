//! PDF bytes → the ruling lines drawn on each page, from the page content streams (lopdf).
//!
//! A table's borders are vector paint: stroked lines and rectangles (LibreOffice, Word),
//! thin filled rectangles (Chromium's CSS borders) and the edges of cell background
//! fills (WPS closes a table at a page break only with the edge of a white fill). This
//! walk follows the graphics state (`q`, `Q`, `cm`) into Form XObjects and reports every
//! axis-aligned piece of painted path as a [`Segment`] in poppler's page space: points,
//! origin at the top left of the crop box, after the page's `/Rotate`, so that the
//! segments and `pdftotext -tsv`'s word boxes share one coordinate system.
//!
//! Colours are ignored on purpose: a white fill's edge is still a cell's edge, and fake
//! tables (a white box behind every prose line) are dropped later by their shape.

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

/// Most content-stream operators read on one page (its Form XObjects included); a page
/// past this is not read for rulings (a report page has a few thousand).
const MAX_OPERATIONS: usize = 400_000;
/// Most segments kept for one page.
const MAX_SEGMENTS: usize = 20_000;
/// Deepest nesting of Form XObjects followed.
const MAX_FORM_DEPTH: usize = 8;
/// Largest decompressed content stream read, in bytes.
const MAX_STREAM_BYTES: usize = 64 << 20;
/// A filled rectangle thinner than this (in points) is drawn as one line.
const THIN: f64 = 2.0;
/// How far from horizontal or vertical (in points over the segment) a line may lean.
const SKEW: f64 = 0.5;

/// One horizontal or vertical ruling, in page space (points, origin top left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Whether it runs left to right (else top to bottom).
    pub horizontal: bool,
    /// Its y (horizontal) or x (vertical).
    pub at: f64,
    /// Where it starts along its direction (the smaller coordinate).
    pub from: f64,
    /// Where it ends (the larger coordinate).
    pub to: f64,
}

/// The rulings of one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRulings {
    /// Page width in page space, in points.
    pub width: f64,
    /// Page height in page space, in points.
    pub height: f64,
    /// Every axis-aligned painted segment.
    pub segments: Vec<Segment>,
}

/// Reads the rulings of every page, in page order. `Err` says why the file could not be
/// parsed; a page whose content cannot be read has no segments.
pub fn read(bytes: &[u8]) -> Result<Vec<PageRulings>, String> {
    // A parser bug on a strange file must not cost the file its text: poppler reads it.
    std::panic::catch_unwind(|| {
        let doc = Document::load_mem(bytes).map_err(|e| e.to_string())?;
        Ok(doc
            .get_pages()
            .into_values()
            .map(|id| page_rulings(&doc, id))
            .collect())
    })
    .unwrap_or_else(|_| Err("the PDF parser failed on this file".to_string()))
}

/// A 2-D affine transform `[a b c d e f]`, as PDF writes matrices.
type Matrix = [f64; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m` then `n`: a point goes through `m` first.
fn multiply(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn numbers(doc: &Document, object: Option<&Object>) -> Vec<f64> {
    let object = match object {
        Some(o) => doc.dereference(o).map(|(_, o)| o).ok(),
        None => None,
    };
    object
        .and_then(|o| o.as_array().ok())
        .map(|a| {
            a.iter()
                .filter_map(|o| doc.dereference(o).ok()?.1.as_float().ok())
                .map(f64::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A page attribute that may be inherited from the page tree (`/CropBox`, `/Rotate`, …).
fn inherited<'a>(doc: &'a Document, page: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..32 {
        if let Ok(value) = node.get(key) {
            return Some(value);
        }
        node = doc
            .get_dictionary(node.get(b"Parent").ok()?.as_reference().ok()?)
            .ok()?;
    }
    None
}

/// The matrix from user space to poppler's page space, and the page's size there.
fn page_space(doc: &Document, page: ObjectId) -> (Matrix, f64, f64) {
    let media = numbers(doc, inherited(doc, page, b"MediaBox"));
    let crop = numbers(doc, inherited(doc, page, b"CropBox"));
    let bx = if crop.len() == 4 { crop } else { media };
    let (x0, y0, x1, y1) = if bx.len() == 4 {
        (
            bx[0].min(bx[2]),
            bx[1].min(bx[3]),
            bx[0].max(bx[2]),
            bx[1].max(bx[3]),
        )
    } else {
        (0.0, 0.0, 612.0, 792.0)
    };
    let rotate = inherited(doc, page, b"Rotate")
        .and_then(|o| doc.dereference(o).ok()?.1.as_i64().ok())
        .unwrap_or(0)
        .rem_euclid(360);
    let (w, h) = (x1 - x0, y1 - y0);
    // Each maps the crop box's user space to a top-left origin, turned clockwise by
    // `/Rotate` as viewers (and poppler's text output) show the page.
    match rotate {
        90 => ([0.0, 1.0, 1.0, 0.0, -y0, -x0], h, w),
        180 => ([-1.0, 0.0, 0.0, 1.0, x1, -y0], w, h),
        270 => ([0.0, -1.0, -1.0, 0.0, y1, x1], h, w),
        _ => ([1.0, 0.0, 0.0, -1.0, -x0, y1], w, h),
    }
}

fn page_rulings(doc: &Document, page: ObjectId) -> PageRulings {
    let (base, width, height) = page_space(doc, page);
    let mut walk = Walk {
        doc,
        segments: Vec::new(),
        operations: 0,
    };
    let resources = page_resources(doc, page);
    if let Ok(content) = doc.get_page_content_with_limit(page, MAX_STREAM_BYTES) {
        walk.run(&content, resources, base, 0);
    }
    PageRulings {
        width,
        height,
        segments: walk.segments,
    }
}

/// The page's resource dictionary (its own or the nearest ancestor's).
fn page_resources(doc: &Document, page: ObjectId) -> Option<&Dictionary> {
    let (direct, ids) = doc.get_page_resources(page).ok()?;
    direct.or_else(|| ids.first().and_then(|id| doc.get_dictionary(*id).ok()))
}

/// One subpath: its points in page space, and whether it is a `re` rectangle or holds a
/// curve (a curve is never a ruling).
#[derive(Default)]
struct Subpath {
    points: Vec<(f64, f64)>,
    rectangle: bool,
    curved: bool,
}

struct Walk<'a> {
    doc: &'a Document,
    segments: Vec<Segment>,
    operations: usize,
}

impl Walk<'_> {
    fn run(&mut self, content: &[u8], resources: Option<&Dictionary>, start: Matrix, depth: usize) {
        let mut ctm = start;
        let mut stack: Vec<Matrix> = Vec::new();
        let mut path: Vec<Subpath> = Vec::new();
        // Operations are decoded one at a time, so the cap bounds the memory too; a
        // broken stream keeps the rulings read before the break.
        for op in Content::decode_iter(content).map_while(Result::ok) {
            let op = &op;
            self.operations += 1;
            if self.operations > MAX_OPERATIONS || self.segments.len() > MAX_SEGMENTS {
                return;
            }
            let n: Vec<f64> = op
                .operands
                .iter()
                .filter_map(|o| o.as_float().ok().map(f64::from))
                .collect();
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(start),
                "cm" if n.len() == 6 => {
                    ctm = multiply(&[n[0], n[1], n[2], n[3], n[4], n[5]], &ctm);
                }
                "m" if n.len() == 2 => path.push(Subpath {
                    points: vec![apply(&ctm, n[0], n[1])],
                    ..Subpath::default()
                }),
                "l" if n.len() == 2 => {
                    let p = apply(&ctm, n[0], n[1]);
                    match path.last_mut() {
                        Some(s) if !s.rectangle => s.points.push(p),
                        _ => path.push(Subpath {
                            points: vec![p],
                            ..Subpath::default()
                        }),
                    }
                }
                "c" | "v" | "y" => {
                    if let Some(s) = path.last_mut() {
                        s.curved = true;
                    }
                }
                "h" => {
                    if let Some(s) = path.last_mut() {
                        if let Some(first) = s.points.first().copied() {
                            s.points.push(first);
                        }
                    }
                }
                "re" if n.len() == 4 => {
                    let (x, y, w, h) = (n[0], n[1], n[2], n[3]);
                    let points = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
                        .iter()
                        .map(|(a, b)| apply(&ctm, *a, *b))
                        .collect();
                    path.push(Subpath {
                        points,
                        rectangle: true,
                        curved: false,
                    });
                }
                "S" | "s" => {
                    for s in path.drain(..) {
                        self.stroke(&s);
                    }
                }
                "f" | "F" | "f*" => {
                    for s in path.drain(..) {
                        self.fill(&s);
                    }
                }
                "B" | "B*" | "b" | "b*" => {
                    for s in path.drain(..) {
                        self.fill(&s);
                        self.stroke(&s);
                    }
                }
                "n" => path.clear(),
                "Do" if depth < MAX_FORM_DEPTH => {
                    if let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) {
                        self.form(name, resources, ctm, depth);
                    }
                }
                _ => {}
            }
        }
    }

    /// Walks a Form XObject painted with `Do`.
    fn form(&mut self, name: &[u8], resources: Option<&Dictionary>, ctm: Matrix, depth: usize) {
        let doc = self.doc;
        let Some(stream) = resources
            .and_then(|r| r.get_deref(b"XObject", doc).ok())
            .and_then(|x| x.as_dict().ok())
            .and_then(|x| x.get_deref(name, doc).ok())
            .and_then(|o| o.as_stream().ok())
        else {
            return;
        };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form") {
            return;
        }
        let m = numbers(doc, stream.dict.get(b"Matrix").ok());
        let matrix = if m.len() == 6 {
            [m[0], m[1], m[2], m[3], m[4], m[5]]
        } else {
            IDENTITY
        };
        let own = stream
            .dict
            .get_deref(b"Resources", doc)
            .ok()
            .and_then(|r| r.as_dict().ok());
        let Ok(content) = stream.decompressed_content_with_limit(MAX_STREAM_BYTES) else {
            // An uncompressed form's content is its raw bytes.
            if stream.dict.get(b"Filter").is_err() {
                let content = stream.content.clone();
                self.run(
                    &content,
                    own.or(resources),
                    multiply(&matrix, &ctm),
                    depth + 1,
                );
            }
            return;
        };
        self.run(
            &content,
            own.or(resources),
            multiply(&matrix, &ctm),
            depth + 1,
        );
    }

    fn stroke(&mut self, s: &Subpath) {
        if s.curved {
            return;
        }
        for pair in s.points.windows(2) {
            self.line(pair[0], pair[1]);
        }
    }

    /// A filled axis-aligned rectangle: a line if it is thin, else its four sides.
    fn fill(&mut self, s: &Subpath) {
        if s.curved {
            return;
        }
        let Some((x0, y0, x1, y1)) = axis_rectangle(&s.points) else {
            return;
        };
        let (w, h) = (x1 - x0, y1 - y0);
        if h < THIN && w >= THIN {
            self.push(true, (y0 + y1) / 2.0, x0, x1);
        } else if w < THIN && h >= THIN {
            self.push(false, (x0 + x1) / 2.0, y0, y1);
        } else if w >= THIN && h >= THIN {
            self.push(true, y0, x0, x1);
            self.push(true, y1, x0, x1);
            self.push(false, x0, y0, y1);
            self.push(false, x1, y0, y1);
        }
    }

    fn line(&mut self, (ax, ay): (f64, f64), (bx, by): (f64, f64)) {
        if (ay - by).abs() <= SKEW && (ax - bx).abs() > SKEW {
            self.push(true, (ay + by) / 2.0, ax.min(bx), ax.max(bx));
        } else if (ax - bx).abs() <= SKEW && (ay - by).abs() > SKEW {
            self.push(false, (ax + bx) / 2.0, ay.min(by), ay.max(by));
        }
    }

    fn push(&mut self, horizontal: bool, at: f64, from: f64, to: f64) {
        if at.is_finite() && from.is_finite() && to.is_finite() {
            self.segments.push(Segment {
                horizontal,
                at,
                from,
                to,
            });
        }
    }
}

/// The bounds of a closed path that is an axis-aligned rectangle (4 corners, closed).
fn axis_rectangle(points: &[(f64, f64)]) -> Option<(f64, f64, f64, f64)> {
    let corners = match points {
        [a, .., z] if (a.0 - z.0).abs() <= SKEW && (a.1 - z.1).abs() <= SKEW => {
            &points[..points.len() - 1]
        }
        _ => points,
    };
    if corners.len() != 4 {
        return None;
    }
    for i in 0..4 {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        let flat = (a.0 - b.0).abs() <= SKEW || (a.1 - b.1).abs() <= SKEW;
        if !flat {
            return None;
        }
    }
    let xs = corners.iter().map(|p| p.0);
    let ys = corners.iter().map(|p| p.1);
    Some((
        xs.clone().fold(f64::INFINITY, f64::min),
        ys.clone().fold(f64::INFINITY, f64::min),
        xs.fold(f64::NEG_INFINITY, f64::max),
        ys.fold(f64::NEG_INFINITY, f64::max),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF with the given page attributes and content stream.
    fn one_page(attributes: &str, content: &str) -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            format!("<< /Type /Page /Parent 2 0 R {attributes} /Contents 4 0 R >>"),
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len() + 1
            ),
        ];
        pdf_of(&objects)
    }

    include!("../../../tests/support/pdf_of.rs");

    fn segments(attributes: &str, content: &str) -> Vec<Segment> {
        let pages = read(&one_page(attributes, content)).unwrap();
        assert_eq!(pages.len(), 1);
        pages[0].segments.clone()
    }

    fn seg(horizontal: bool, at: f64, from: f64, to: f64) -> Segment {
        Segment {
            horizontal,
            at,
            from,
            to,
        }
    }

    #[test]
    fn strokes_and_rectangles_in_page_space() {
        let s = segments(
            "/MediaBox [0 0 600 800]",
            "0.5 w 100 700 m 300 700 l S 100 600 200 50 re S",
        );
        assert_eq!(
            s,
            vec![
                seg(true, 100.0, 100.0, 300.0),
                seg(true, 200.0, 100.0, 300.0),
                seg(false, 300.0, 150.0, 200.0),
                seg(true, 150.0, 100.0, 300.0),
                seg(false, 100.0, 150.0, 200.0),
            ]
        );
    }

    #[test]
    fn thin_fills_are_lines_and_fills_are_four_sides() {
        let s = segments(
            "/MediaBox [0 0 600 800]",
            "100 700 200 0.75 re f 100 500 0.75 100 re f 300 300 20 10 re f",
        );
        assert_eq!(s.len(), 6);
        assert_eq!(s[0], seg(true, 99.625, 100.0, 300.0));
        assert_eq!(s[1], seg(false, 100.375, 200.0, 300.0));
        assert!(s[2..].iter().filter(|s| s.horizontal).count() == 2);
    }

    #[test]
    fn graphics_state_and_flipped_ctm() {
        // WPS writes its pages upside down: `1 0 0 -1 0 842 cm` puts the origin at the top.
        let s = segments(
            "/MediaBox [0 0 595 842]",
            "q 1 0 0 -1 0 842 cm 10 20 m 110 20 l S Q 10 20 m 110 20 l S",
        );
        assert_eq!(
            s,
            vec![seg(true, 20.0, 10.0, 110.0), seg(true, 822.0, 10.0, 110.0)]
        );
    }

    #[test]
    fn rotated_pages_turn_clockwise() {
        // A portrait page shown turned a quarter clockwise: user (x, y) → (y, x).
        let s = segments("/MediaBox [0 0 600 800] /Rotate 90", "100 50 m 100 150 l S");
        assert_eq!(s, vec![seg(true, 100.0, 50.0, 150.0)]);
        let pages = read(&one_page("/MediaBox [0 0 600 800] /Rotate 90", "")).unwrap();
        assert_eq!((pages[0].width, pages[0].height), (800.0, 600.0));
        let s = segments(
            "/MediaBox [0 0 600 800] /Rotate 270",
            "100 50 m 100 150 l S",
        );
        assert_eq!(s, vec![seg(true, 500.0, 650.0, 750.0)]);
    }

    #[test]
    fn curves_clips_and_diagonals_are_not_rulings() {
        let s = segments(
            "/MediaBox [0 0 600 800]",
            "10 10 m 50 50 l S 10 10 m 20 30 40 50 60 10 c S 0 0 600 800 re W n",
        );
        assert!(s.is_empty(), "{s:?}");
    }

    #[test]
    fn not_a_pdf_is_an_error() {
        assert!(read(b"%PDF-1.4 garbage").is_err());
    }
}
