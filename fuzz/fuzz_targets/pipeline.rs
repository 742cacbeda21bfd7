//! Any bytes → one report's result. `process_bytes` turns a panic into an
//! `internal_error` row; libFuzzer's panic hook aborts first, so a panic is still a crash.
#![no_main]
use gongkai::decode::DecodeOptions;
use gongkai::extract::process_bytes_with;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let options = DecodeOptions {
        pdftotext: "/nonexistent/pdftotext".to_string(),
        ..DecodeOptions::default()
    };
    let doc = process_bytes_with("fuzz.txt", bytes, &options);
    assert!(doc.diagnostics.iter().all(|d| d.code != "internal_error"));
});
