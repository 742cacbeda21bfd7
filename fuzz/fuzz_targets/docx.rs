//! Any bytes as a DOCX → text or an error (zip container, document.xml, merged cells).
#![no_main]
use gongkai::decode::docx::docx_to_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = docx_to_text(bytes);
});
