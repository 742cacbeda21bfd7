//! Prints how alike the prose of two reports is, as the `near_duplicate` check sees it:
//! `cargo run --example similarity -- A B`.
#![allow(clippy::print_stdout, clippy::print_stderr)] // A command-line tool: printing is its job.

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let [a, b] = paths.as_slice() else {
        eprintln!("usage: similarity A B");
        std::process::exit(2);
    };
    let (a, b) = (
        gongkai::extract::process_path(std::path::Path::new(a)),
        gongkai::extract::process_path(std::path::Path::new(b)),
    );
    let (sa, sb) = (&a.traces.sketch, &b.traces.sketch);
    let similarity = match (sa.signature, sb.signature) {
        (Some(x), Some(y)) => format!("{:.2}", x.similarity(&y)),
        _ => "not compared (too little prose)".to_string(),
    };
    println!(
        "characters of own prose: {} and {}; estimated similarity: {similarity}; shared: {:?}",
        sa.chars,
        sb.chars,
        sa.shared_passage(sb)
    );
}
