//! `pdftotext -tsv` output → words with their boxes, page by page.
//!
//! poppler decodes the text (Chinese fonts without ToUnicode maps included, through
//! poppler-data); this module only reads its table of words. Boxes are in page space:
//! points, origin at the top left, the page's rotation applied, as in [`super::rulings`].

/// One word as poppler placed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub right: f64,
    /// Bottom edge.
    pub bottom: f64,
    /// The word's text (no white space).
    pub text: String,
    /// How sure the reader is of the text, 0 to 1: 1 for a text layer; tesseract's
    /// confidence for a word read by OCR.
    pub confidence: f64,
}

impl Word {
    /// The horizontal centre.
    pub fn centre_x(&self) -> f64 {
        (self.left + self.right) / 2.0
    }

    /// The vertical centre.
    pub fn centre_y(&self) -> f64 {
        (self.top + self.bottom) / 2.0
    }

    /// Its height.
    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }
}

/// Parses `pdftotext -tsv` output (or tesseract's TSV, the same table) into words per
/// page. `first_page` is the number of the
/// first page asked for (`-f`); the result has one entry per page from there to the last
/// page that holds a word or a page marker.
pub fn parse_tsv(tsv: &str, first_page: usize) -> Vec<Vec<Word>> {
    let mut pages: Vec<Vec<Word>> = Vec::new();
    for line in tsv.lines().skip(1) {
        let fields: Vec<&str> = line.splitn(12, '\t').collect();
        if fields.len() < 12 {
            continue;
        }
        let (Ok(level), Ok(page)) = (fields[0].parse::<u8>(), fields[1].parse::<usize>()) else {
            continue;
        };
        let Some(index) = page.checked_sub(first_page) else {
            continue;
        };
        if pages.len() <= index {
            pages.resize(index + 1, Vec::new());
        }
        if level != 5 {
            continue;
        }
        let number = |i: usize| fields[i].parse::<f64>().ok().filter(|v| v.is_finite());
        let (Some(left), Some(top), Some(width), Some(height)) =
            (number(6), number(7), number(8), number(9))
        else {
            continue;
        };
        let text = fields[11].trim();
        if text.is_empty() {
            continue;
        }
        let confidence = number(10).map_or(1.0, |c| (c / 100.0).clamp(0.0, 1.0));
        pages[index].push(Word {
            left,
            top,
            right: left + width,
            bottom: top + height,
            text: text.to_string(),
            confidence,
        });
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_by_page() {
        let tsv = "level\tpage_num\tpar_num\tblock_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            1\t3\t0\t0\t0\t0\t0\t0\t595\t842\t-1\t###PAGE###\n\
            5\t3\t0\t0\t0\t0\t116.30\t230.13\t31.50\t13.65\t100\t（四）\n\
            1\t4\t0\t0\t0\t0\t0\t0\t595\t842\t-1\t###PAGE###\n\
            5\t4\t0\t0\t0\t0\t10\t20\t5\t10\t87.5\t12\n\
            5\t4\t0\t0\t0\t0\tx\t20\t5\t10\t100\tbroken\n";
        let pages = parse_tsv(tsv, 3);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0][0].text, "（四）");
        assert!((pages[0][0].right - 147.8).abs() < 1e-9);
        assert_eq!(pages[1].len(), 1);
        assert_eq!(pages[0][0].confidence, 1.0);
        assert_eq!(pages[1][0].confidence, 0.875);
        assert_eq!(
            (pages[1][0].centre_x(), pages[1][0].centre_y()),
            (12.5, 25.0)
        );
    }
}
