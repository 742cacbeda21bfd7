// The tests' PDF writer, shared by the integration tests (`tests/integration/util.rs`) and
// the unit tests of `src/decode/pdf/`, which take it in with `include!`.

/// A PDF file of the given objects (numbered from 1, the first the catalog), with its
/// cross-reference table: the tests' way to write PDFs byte by byte.
pub fn pdf_of(objects: &[String]) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = objects.iter().map(|o| o.clone().into_bytes()).collect();
    pdf_of_bytes(&bytes)
}

/// [`pdf_of`] for objects that hold binary streams (a JPEG image).
#[allow(dead_code)]
pub fn pdf_of_bytes(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
