// Scanned reports made from the PDFs in tests/fixtures/pdf-styles, as a scanner makes
// them: each page rendered grey at a resolution, turned by a small skew, with scanner
// noise and specks, saved as JPEG, and the JPEG pages wrapped in a PDF with no text.
// Shared by the OCR tests and `make bench` (through the test binary).

/// How a page is scanned.
#[derive(Debug, Clone, Copy)]
pub struct Scanner {
    /// Resolution, dots per inch.
    pub dpi: u32,
    /// Skew in degrees (lines fall to the right for a positive skew).
    pub skew: f64,
    /// Standard deviation of the grey noise added to every pixel.
    pub noise: f64,
    /// JPEG quality (1–100).
    pub quality: u8,
}

/// A small deterministic random number generator (the same scan on every machine).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
    }

    /// About normal, mean 0, deviation 1 (sum of four uniforms).
    fn normal(&mut self) -> f64 {
        ((0..4).map(|_| self.next()).sum::<f64>() - 2.0) * (3.0f64).sqrt()
    }
}

/// The pages of a PDF rendered grey at `dpi` by poppler's pdftoppm.
pub fn render_pages(pdf: &std::path::Path, dpi: u32) -> Vec<gongkai::decode::ocr::image::Gray> {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("p");
    let status = std::process::Command::new("pdftoppm")
        .args(["-gray", "-r", &dpi.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort_by_key(|p| {
        let stem = p.file_stem().unwrap().to_str().unwrap().to_string();
        stem.rsplit('-').next().unwrap().parse::<usize>().unwrap()
    });
    files
        .iter()
        .map(|f| gongkai::decode::ocr::image::Gray::from_pnm(&std::fs::read(f).unwrap()).unwrap())
        .collect()
}

/// A page as the scanner gives it: skewed, noisy, JPEG-compressed.
pub fn scan_page(page: &gongkai::decode::ocr::image::Gray, scanner: Scanner, seed: u64) -> Vec<u8> {
    let mut turned = page.straightened(-scanner.skew);
    let mut noise = Noise(seed);
    for p in &mut turned.pixels {
        let mut v = *p as f64 + scanner.noise * noise.normal();
        // Specks of dust: one pixel in 5,000.
        if noise.next() < 0.0002 {
            v = 40.0;
        }
        *p = v.round().clamp(0.0, 255.0) as u8;
    }
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, scanner.quality)
        .encode(
            &turned.pixels,
            turned.width as u32,
            turned.height as u32,
            image::ExtendedColorType::L8,
        )
        .unwrap();
    jpeg
}

/// A PDF whose pages are only the JPEG images given (`dpi` sets the page size).
pub fn image_pdf(pages: &[(Vec<u8>, usize, usize)], dpi: u32) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let n = pages.len();
    let kids: Vec<String> = (0..n).map(|k| format!("{} 0 R", 3 + 3 * k)).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    for (k, (jpeg, width, height)) in pages.iter().enumerate() {
        let (w, h) = (
            *width as f64 * 72.0 / dpi as f64,
            *height as f64 * 72.0 / dpi as f64,
        );
        let (page, content, image) = (3 + 3 * k, 4 + 3 * k, 5 + 3 * k);
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w:.2} {h:.2}] /Contents {content} 0 R \
                 /Resources << /XObject << /Im0 {image} 0 R >> >> >>"
            )
            .into_bytes(),
        );
        let draw = format!("q {w:.2} 0 0 {h:.2} 0 0 cm /Im0 Do Q");
        objects.push(format!("<< /Length {} >>\nstream\n{draw}\nendstream", draw.len()).into_bytes());
        let _ = page;
        let mut object = format!(
            "<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace \
             /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
            jpeg.len()
        )
        .into_bytes();
        object.extend_from_slice(jpeg);
        object.extend_from_slice(b"\nendstream");
        objects.push(object);
    }
    crate::util::pdf_of_bytes(&objects)
}

/// A scanned PDF of a text PDF: every page scanned with `scanner` (the skew alternating
/// in sign from page to page, as hand-fed pages lean).
pub fn scanned_pdf(pdf: &std::path::Path, scanner: Scanner) -> Vec<u8> {
    let pages: Vec<(Vec<u8>, usize, usize)> = render_pages(pdf, scanner.dpi)
        .iter()
        .enumerate()
        .map(|(k, page)| {
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            let turned = Scanner {
                skew: sign * scanner.skew,
                ..scanner
            };
            (scan_page(page, turned, 7 + k as u64), page.width, page.height)
        })
        .collect();
    image_pdf(&pages, scanner.dpi)
}
