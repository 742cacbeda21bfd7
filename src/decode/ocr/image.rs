//! Grey page images: decoding, straightening a scan's skew, cropping, and the dark runs
//! that are a ruled table's borders.
//!
//! A scanner feeds a page in a little crooked (0.5–1.5° is common), which turns a table's
//! borders into staircases that no run of pixels follows. The skew is measured by the
//! projection profile: sheared by the right angle, the page's text lines and borders
//! pile up into a few rows, which the sum of squared row counts rewards.

use super::super::pdf::rulings::Segment;

/// Pixels darker than this are ink when looking for borders: a thin border scanned at
/// 150 dpi is grey, not black.
const BORDER_INK: u8 = 170;
/// Pixels darker than this are ink when deciding whether a cell holds anything.
const TEXT_INK: u8 = 128;
/// Pixels at least this light are paper once the borders are taken out
/// ([`Gray::whiten_paper`]); text is darker than [`TEXT_INK`].
const PAPER: u8 = 160;

/// An 8-bit grey image, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width × height` bytes, 0 black, 255 white.
    pub pixels: Vec<u8>,
}

impl Gray {
    /// A white image.
    pub fn white(width: usize, height: usize) -> Gray {
        Gray {
            width,
            height,
            pixels: vec![255; width * height],
        }
    }

    /// The pixel at (x, y).
    pub fn at(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }

    /// Decodes a PNG, JPEG or binary PNM (P5 grey, P6 colour) image to grey.
    pub fn decode(bytes: &[u8]) -> Result<Gray, String> {
        if bytes.starts_with(b"P5") || bytes.starts_with(b"P6") {
            return Gray::from_pnm(bytes);
        }
        let image = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
        let grey = image.into_luma8();
        let (width, height) = (grey.width() as usize, grey.height() as usize);
        Ok(Gray {
            width,
            height,
            pixels: grey.into_raw(),
        })
    }

    /// Reads a binary PNM with 8-bit samples, as `pdftoppm -gray` writes it.
    pub fn from_pnm(bytes: &[u8]) -> Result<Gray, String> {
        let mut fields: Vec<usize> = Vec::new();
        let mut at = 2;
        while fields.len() < 3 {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if bytes.get(at) == Some(&b'#') {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
                continue;
            }
            let start = at;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                at += 1;
            }
            let field = std::str::from_utf8(&bytes[start..at])
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or("a PNM header that is not three numbers")?;
            fields.push(field);
        }
        let (width, height, max) = (fields[0], fields[1], fields[2]);
        if max != 255 {
            return Err(format!("a PNM with {max} as its largest sample"));
        }
        let channels = if bytes.starts_with(b"P6") { 3 } else { 1 };
        let data = &bytes[(at + 1).min(bytes.len())..];
        let need = width
            .checked_mul(height)
            .and_then(|n| n.checked_mul(channels))
            .ok_or("a PNM too large to hold")?;
        if data.len() < need {
            return Err(format!("a PNM cut short ({} of {need} bytes)", data.len()));
        }
        let pixels = if channels == 1 {
            data[..need].to_vec()
        } else {
            data[..need]
                .chunks_exact(3)
                .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
                .collect()
        };
        Ok(Gray {
            width,
            height,
            pixels,
        })
    }

    /// The image as a binary PGM file, which tesseract (leptonica) reads.
    pub fn to_pgm(&self) -> Vec<u8> {
        let mut out = format!("P5\n{} {}\n255\n", self.width, self.height).into_bytes();
        out.extend_from_slice(&self.pixels);
        out
    }

    /// The pixels from (x0, y0) up to (x1, y1), clamped to the image, inside a white
    /// margin of `pad` pixels (tesseract reads text that touches the edge badly).
    pub fn crop_padded(&self, x0: usize, y0: usize, x1: usize, y1: usize, pad: usize) -> Gray {
        let (x1, y1) = (x1.min(self.width), y1.min(self.height));
        let (w, h) = (x1.saturating_sub(x0), y1.saturating_sub(y0));
        let mut out = Gray::white(w + 2 * pad, h + 2 * pad);
        for y in 0..h {
            let from = (y0 + y) * self.width + x0;
            let to = (y + pad) * out.width + pad;
            out.pixels[to..to + w].copy_from_slice(&self.pixels[from..from + w]);
        }
        out
    }

    /// The image enlarged `factor` times (bilinear): tesseract reads some small digits
    /// only when they are larger, and others only as they are.
    pub fn enlarged(&self, factor: f64) -> Gray {
        let width = ((self.width as f64 * factor).round() as usize).max(1);
        let height = ((self.height as f64 * factor).round() as usize).max(1);
        let mut out = Gray::white(width, height);
        if self.width == 0 || self.height == 0 {
            return out;
        }
        let source = |v: usize, size: usize| -> (usize, usize, f64) {
            let s = ((v as f64 + 0.5) / factor - 0.5).clamp(0.0, (size - 1) as f64);
            let low = s.floor() as usize;
            (low, (low + 1).min(size - 1), s - low as f64)
        };
        for y in 0..height {
            let (y0, y1, fy) = source(y, self.height);
            for x in 0..width {
                let (x0, x1, fx) = source(x, self.width);
                let top = self.at(x0, y0) as f64 * (1.0 - fx) + self.at(x1, y0) as f64 * fx;
                let bottom = self.at(x0, y1) as f64 * (1.0 - fx) + self.at(x1, y1) as f64 * fx;
                out.pixels[y * width + x] = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
        }
        out
    }

    /// Paints a rectangle white.
    pub fn clear(&mut self, x0: usize, y0: usize, x1: usize, y1: usize) {
        let (x1, y1) = (x1.min(self.width), y1.min(self.height));
        for y in y0.min(y1)..y1 {
            self.pixels[y * self.width + x0.min(x1)..y * self.width + x1].fill(255);
        }
    }

    /// Paints white every pixel at least `PAPER` (160) light: scanner noise, JPEG ringing,
    /// the faint fringe a border leaves where it was taken out. Left grey, tesseract's
    /// own binarisation of a cell that is nearly all paper takes them for ink: a `0`
    /// beside a border's fringe was read as `四`, a cell of noise as `人`. Measured on
    /// the scanned samples (`bench/ocr.sh`), a level of 160 read the most facts; 140
    /// thins the strokes of light digits, 180 and above keeps the noise.
    pub fn whiten_paper(&mut self) {
        for p in &mut self.pixels {
            if *p >= PAPER {
                *p = 255;
            }
        }
    }

    /// How many ink pixels the image holds that touch another ink pixel: an isolated
    /// speck of scanner noise is not ink.
    pub fn ink(&self) -> usize {
        let dark = |x: usize, y: usize| self.at(x, y) < TEXT_INK;
        let mut n = 0;
        for y in 0..self.height {
            for x in 0..self.width {
                if dark(x, y)
                    && ((x > 0 && dark(x - 1, y))
                        || (x + 1 < self.width && dark(x + 1, y))
                        || (y > 0 && dark(x, y - 1))
                        || (y + 1 < self.height && dark(x, y + 1)))
                {
                    n += 1;
                }
            }
        }
        n
    }

    /// How many bands of ink, one above the other, the image holds: rows with ink
    /// separated by at least `gap` blank rows, each at least half as tall as the tallest
    /// (a speck of noise or the stub of a border is no band). A cell of digits printed on
    /// one line has one band; a cell that two rows share, where the border between them
    /// was not found, has two.
    pub fn ink_bands(&self, gap: usize) -> usize {
        let inked = (0..self.height).map(|y| {
            let row = &self.pixels[y * self.width..(y + 1) * self.width];
            row.windows(2).any(|w| w[0] < TEXT_INK && w[1] < TEXT_INK)
        });
        // Heights of the bands, top to bottom.
        let mut heights: Vec<usize> = Vec::new();
        let mut blank = gap;
        let mut top = 0;
        for (y, ink) in inked.enumerate() {
            if !ink {
                blank += 1;
                continue;
            }
            if blank >= gap {
                heights.push(1);
                top = y;
            } else if let Some(h) = heights.last_mut() {
                *h = y - top + 1;
            }
            blank = 0;
        }
        let tallest = heights.iter().copied().max().unwrap_or(0);
        heights.iter().filter(|&&h| 2 * h >= tallest).count()
    }

    /// The page's skew in degrees: the angle `a` at which lines of ink run at slope
    /// `tan a` (positive: falling to the right). Searched within ±3°.
    pub fn skew(&self) -> f64 {
        // A page reduced to at most 1000 pixels across is plenty to measure by.
        let step = (self.width / 1000).max(1);
        let mut ink: Vec<(f64, f64)> = Vec::new();
        for y in (0..self.height).step_by(step) {
            for x in (0..self.width).step_by(step) {
                if self.at(x, y) < TEXT_INK {
                    ink.push(((x / step) as f64, (y / step) as f64));
                }
            }
        }
        if ink.is_empty() {
            return 0.0;
        }
        let rows = self.height / step + 1;
        let cols = (self.width / step) as f64;
        let score = |degrees: f64| -> f64 {
            let slope = degrees.to_radians().tan();
            let offset = (cols * slope.abs()).ceil() as usize + 1;
            let mut counts = vec![0u32; rows + 2 * offset];
            for &(x, y) in &ink {
                let row = (y - x * slope).round() as isize + offset as isize;
                if let Some(c) = counts.get_mut(row.max(0) as usize) {
                    *c += 1;
                }
            }
            counts.iter().map(|&c| (c as f64) * (c as f64)).sum()
        };
        let best = |from: f64, to: f64, by: f64| {
            let mut best = (f64::NEG_INFINITY, 0.0);
            let mut a = from;
            while a <= to + 1e-9 {
                let s = score(a);
                if s > best.0 {
                    best = (s, a);
                }
                a += by;
            }
            best.1
        };
        let coarse = best(-3.0, 3.0, 0.2);
        best(coarse - 0.2, coarse + 0.2, 0.02)
    }

    /// The image turned so that lines at `degrees` of skew (as [`Gray::skew`] measures
    /// it) run level; corners brought in are white.
    pub fn straightened(&self, degrees: f64) -> Gray {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (cx, cy) = (self.width as f64 / 2.0, self.height as f64 / 2.0);
        let mut out = Gray::white(self.width, self.height);
        for y in 0..self.height {
            let dy = y as f64 - cy;
            for x in 0..self.width {
                let dx = x as f64 - cx;
                let sx = cx + dx * cos - dy * sin;
                let sy = cy + dx * sin + dy * cos;
                if sx < 0.0 || sy < 0.0 {
                    continue;
                }
                let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
                if x0 + 1 >= self.width || y0 + 1 >= self.height {
                    continue;
                }
                let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
                let p = |x: usize, y: usize| self.at(x, y) as f64;
                let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
                let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
                out.pixels[y * self.width + x] = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
        }
        out
    }

    /// The long straight runs of ink, horizontal and vertical, at least `min_run` pixels
    /// long with gaps of at most `gap` pixels: the borders of ruled tables. Segments are
    /// in pixels; the runs are painted white in the image, so that no border is read as
    /// a `1` or an `l` in the cell beside it.
    pub fn take_rulings(&mut self, min_run: usize, gap: usize) -> Vec<Segment> {
        let mut segments = Vec::new();
        let mut erase: Vec<(bool, usize, usize, usize)> = Vec::new();
        for horizontal in [true, false] {
            let (lines, along) = if horizontal {
                (self.height, self.width)
            } else {
                (self.width, self.height)
            };
            for line in 0..lines {
                let dark = |k: usize| {
                    let (x, y) = if horizontal { (k, line) } else { (line, k) };
                    self.at(x, y) < BORDER_INK
                };
                let mut k = 0;
                while k < along {
                    if !dark(k) {
                        k += 1;
                        continue;
                    }
                    let start = k;
                    let mut end = k + 1;
                    let mut probe = end;
                    while probe < along && probe <= end + gap {
                        if dark(probe) {
                            end = probe + 1;
                        }
                        probe += 1;
                    }
                    if end - start >= min_run {
                        segments.push(Segment {
                            horizontal,
                            at: line as f64 + 0.5,
                            from: start as f64,
                            to: end as f64,
                        });
                        erase.push((horizontal, line, start, end));
                    }
                    k = end.max(k + 1);
                }
            }
        }
        for (horizontal, line, start, end) in erase {
            // The anti-aliased fringe beside the run goes too.
            let lo = line.saturating_sub(1);
            if horizontal {
                self.clear(start, lo, end, line + 2);
            } else {
                self.clear(lo, start, line + 2, end);
            }
        }
        segments
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white page with a grid of black lines 2 px thick and a block of "text" strokes.
    fn page() -> Gray {
        let mut g = Gray::white(600, 400);
        for y in [100usize, 150, 200] {
            for x in 100..500 {
                for t in 0..2 {
                    g.pixels[(y + t) * 600 + x] = 0;
                }
            }
        }
        for x in [100usize, 300, 500] {
            for y in 100..202 {
                for t in 0..2 {
                    g.pixels[y * 600 + x + t] = 0;
                }
            }
        }
        // Short strokes, as characters make: no ruling.
        for x in (320..480).step_by(12) {
            for y in 120..130 {
                g.pixels[y * 600 + x] = 0;
            }
        }
        g
    }

    #[test]
    fn pnm_round_trip_and_colour_to_grey() {
        let g = page();
        assert_eq!(Gray::from_pnm(&g.to_pgm()).unwrap(), g);
        let ppm = b"P6\n# a comment\n2 1\n255\n\xff\x00\x00\x00\x00\xff";
        let c = Gray::from_pnm(ppm).unwrap();
        assert_eq!((c.width, c.height, c.pixels.clone()), (2, 1, vec![76, 29]));
        assert!(Gray::from_pnm(b"P5\n2 2\n255\n\x00").is_err());
    }

    #[test]
    fn light_grey_becomes_paper_and_ink_stays_as_it_was() {
        let mut g = Gray {
            width: 6,
            height: 1,
            pixels: vec![0, 127, 159, 160, 200, 255],
        };
        g.whiten_paper();
        assert_eq!(g.pixels, [0, 127, 159, 255, 255, 255]);
    }

    #[test]
    fn rulings_are_found_and_erased() {
        let mut g = page();
        let segments = g.take_rulings(40, 1);
        let h: Vec<_> = segments.iter().filter(|s| s.horizontal).collect();
        let v: Vec<_> = segments.iter().filter(|s| !s.horizontal).collect();
        assert_eq!(h.len(), 6, "{h:?}");
        assert_eq!(v.len(), 6, "{v:?}");
        assert!(h.iter().all(|s| s.from == 100.0 && s.to == 502.0));
        // The borders are gone; the strokes stay.
        assert_eq!(g.at(200, 150), 255);
        assert_eq!(g.at(320, 125), 0);
    }

    #[test]
    fn skew_is_measured_and_straightened() {
        let level = page();
        assert!(level.skew().abs() < 0.05, "{}", level.skew());
        // Turned the other way by 1.2°, the lines fall to the right at 1.2°.
        let skewed = level.straightened(-1.2);
        let measured = skewed.skew();
        assert!((measured - 1.2).abs() < 0.1, "{measured}");
        let mut back = skewed.straightened(measured);
        let segments = back.take_rulings(300, 1);
        assert!(
            segments.iter().filter(|s| s.horizontal).count() >= 3,
            "{segments:?}"
        );
    }

    #[test]
    fn ink_ignores_specks_and_crops_are_padded() {
        let mut g = Gray::white(20, 20);
        g.pixels[5 * 20 + 5] = 0;
        assert_eq!(g.ink(), 0);
        g.pixels[5 * 20 + 6] = 0;
        assert_eq!(g.ink(), 2);
        let c = g.crop_padded(4, 4, 8, 8, 3);
        assert_eq!((c.width, c.height), (10, 10));
        assert_eq!(c.at(4, 4), 0);
        assert_eq!(c.at(0, 0), 255);
        g.clear(0, 0, 20, 20);
        assert_eq!(g.ink(), 0);
    }

    #[test]
    fn an_enlarged_image_keeps_its_ink_where_it_was() {
        let mut image = Gray::white(10, 4);
        image.pixels[2 * 10 + 4] = 0;
        image.pixels[2 * 10 + 5] = 0;
        let big = image.enlarged(2.0);
        assert_eq!((big.width, big.height), (20, 8));
        assert!(big.at(9, 4) < 128 && big.at(10, 5) < 128);
        assert_eq!(big.at(0, 0), 255);
        assert_eq!(big.at(19, 7), 255);
    }

    #[test]
    fn bands_of_ink_are_counted() {
        let mut g = Gray::white(20, 30);
        assert_eq!(g.ink_bands(3), 0);
        for y in [4usize, 5, 6, 8, 20, 21] {
            g.pixels[y * 20 + 3] = 0;
            g.pixels[y * 20 + 4] = 0;
        }
        // Rows 4–8 are one band (a gap of one row); rows 20–21, under half its height,
        // are a speck, not a band.
        assert_eq!(g.ink_bands(3), 1);
        for y in [22usize, 23] {
            g.pixels[y * 20 + 3] = 0;
            g.pixels[y * 20 + 4] = 0;
        }
        // Rows 20–23 are as tall as a line of digits: a second band.
        assert_eq!(g.ink_bands(3), 2);
        assert_eq!(g.ink_bands(20), 1);
    }
}
