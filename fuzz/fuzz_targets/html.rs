//! Any text as HTML → rendered text (article detection, rowspan/colspan grids, nesting).
#![no_main]
use gongkai::decode::html::html_to_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    let _ = html_to_text(html);
});
