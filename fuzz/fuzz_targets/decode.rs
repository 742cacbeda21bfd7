//! Any bytes → decoded text or a finding (sniffing, charset detection, every decoder).
#![no_main]
use gongkai::decode::{decode, DecodeOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    // No real pdftotext: a subprocess per input would make the fuzzer crawl; the PDF path
    // up to the spawn is still exercised.
    let options = DecodeOptions {
        pdftotext: "/nonexistent/pdftotext".to_string(),
        ..DecodeOptions::default()
    };
    let _ = decode(bytes, &options);
});
