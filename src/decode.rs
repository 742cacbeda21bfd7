//! decode: bytes → UTF-8 text.
//!
//! Recognises what the bytes are from their content (magic numbers), never only from the
//! file name. Text is decoded by BOM, then strict UTF-8, then a statistical guess
//! (chardetng, GB18030 family for Chinese). Undecodable bytes become U+FFFD plus an
//! `encoding` error (the report is then `partial`: lost bytes may be lost numbers); formats this stage cannot read give a finding and no text.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

use crate::model::Finding;

/// Text decoded from a file, with the decision that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The text, BOM removed, line endings as in the file.
    pub text: String,
    /// The encoding used (WHATWG name, e.g. `UTF-8`, `gb18030`).
    pub encoding: &'static str,
    /// A warning, when some bytes could not be decoded.
    pub warning: Option<Finding>,
}

/// What a file's bytes turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Readable text.
    Text(Decoded),
    /// Not readable by this stage; the finding says why and what to do.
    Unreadable(Finding),
}

/// Formats recognised by magic number that are not text.
fn sniff_binary(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF-", "PDF"),
        (b"PK\x03\x04", "ZIP container (DOCX, WPS or archive)"),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "OLE2 document (.doc, .wps, .xls)",
        ),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"Rar!", "RAR archive"),
        (b"7z\xBC\xAF\x27\x1C", "7z archive"),
        (b"\x1F\x8B", "gzip archive"),
        (b"{\\rtf", "RTF document"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, name)| *name)
}

/// Decodes a file's bytes. Never fails: problems are findings.
pub fn decode(bytes: &[u8]) -> Content {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Content::Unreadable(Finding::error(
            "empty_file",
            "the file is empty (or holds only white space); re-download the report",
            None,
        ));
    }
    if let Some(format) = sniff_binary(bytes) {
        return Content::Unreadable(Finding::error(
            "unsupported_format",
            format!("the file is a {format}, which gongkai does not read yet; convert it to text"),
            None,
        ));
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return Content::Text(decode_with(encoding, &bytes[bom_len..]));
    }
    if let Some(encoding) = bomless_utf16(bytes) {
        return Content::Text(decode_with(encoding, bytes));
    }
    let nuls = bytes.iter().filter(|b| **b == 0).count();
    if nuls > 0 {
        return Content::Unreadable(Finding::error(
            "unsupported_format",
            format!("the file holds binary data ({nuls} NUL bytes), not text"),
            None,
        ));
    }
    if std::str::from_utf8(bytes).is_ok() || mostly_utf8(bytes) {
        return Content::Text(decode_with(UTF_8, bytes));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    Content::Text(decode_with(guess, bytes))
}

/// A UTF-8 file with a few corrupt bytes (a bad download, a truncated character) must stay
/// UTF-8: a statistical guess on it would turn all its Chinese into the wrong characters.
/// It is UTF-8 when valid multi-byte characters outnumber invalid sequences twenty to one.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    valid >= 20 && valid > invalid * 20
}

/// UTF-16 without a BOM: Chinese text in UTF-16 has NUL bytes in the high or low half of
/// ASCII characters (line breaks, digits), on one parity only.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let even = bytes.iter().step_by(2).filter(|b| **b == 0).count();
    let odd = bytes.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let half = bytes.len() / 2;
    if odd * 10 > half && even == 0 {
        Some(UTF_16LE)
    } else if even * 10 > half && odd == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> Decoded {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let text = text.into_owned();
    let warning = had_errors.then(|| {
        let bad = text.chars().filter(|c| *c == '\u{FFFD}').count();
        Finding::error(
            "encoding",
            format!(
                "{bad} byte sequences are not valid {}; they were replaced by U+FFFD and any \
                 number in them is lost: check the file against its source",
                encoding.name()
            ),
            None,
        )
    });
    Decoded {
        text,
        encoding: encoding.name(),
        warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: Content) -> Decoded {
        match c {
            Content::Text(d) => d,
            Content::Unreadable(f) => panic!("unreadable: {f:?}"),
        }
    }

    #[test]
    fn gb18030_is_detected() {
        let s =
            "泉港区 2021 年度政府信息公开工作年度报告\n一、总体情况\n本年新收政府信息公开申请数量";
        let (bytes, _, _) = encoding_rs::GB18030.encode(s);
        let d = text(decode(&bytes));
        assert_eq!(d.text, s);
        assert_eq!(
            d.encoding, "GBK",
            "GBK is decoded as GB18030 by encoding_rs"
        );
        assert!(d.warning.is_none());
    }

    #[test]
    fn utf16_and_bom() {
        let s = "泉港区 2021 年度报告\n";
        let mut le = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(text(decode(&le)).text, s);
        let mut bom8 = b"\xEF\xBB\xBF".to_vec();
        bom8.extend_from_slice(s.as_bytes());
        let d = text(decode(&bom8));
        assert_eq!((d.text.as_str(), d.encoding), (s, "UTF-8"));
    }

    #[test]
    fn utf8_with_a_few_bad_bytes_stays_utf8() {
        let mut bytes = "泉港区 2021 年度政府信息公开工作年度报告，本年新收政府信息公开申请数量"
            .as_bytes()
            .to_vec();
        bytes.insert(10, 0xFF);
        let d = text(decode(&bytes));
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains("政府信息公开工作年度报告"));
        assert_eq!(d.warning.unwrap().code, "encoding");
    }

    #[test]
    fn binary_and_empty_are_unreadable() {
        for (bytes, code) in [
            (&b"%PDF-1.7 ..."[..], "unsupported_format"),
            (&b"PK\x03\x04...."[..], "unsupported_format"),
            (&b"\x00\x01\x02\x03\x00\x00\x07"[..], "unsupported_format"),
            (&b"  \n\n"[..], "empty_file"),
        ] {
            match decode(bytes) {
                Content::Unreadable(f) => assert_eq!(f.code, code),
                Content::Text(_) => panic!("decoded {bytes:?}"),
            }
        }
    }
}
