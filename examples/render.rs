//! Prints the text gongkai reads from a file (HTML, DOCX and PDF rendered, tables as
//! tab-separated rows): `cargo run --example render -- FILE`.

#[allow(clippy::print_stdout, clippy::print_stderr)] // A command-line tool: printing is its job.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: render FILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).expect("read file");
    match gongkai::decode::decode(&bytes, &gongkai::decode::DecodeOptions::default()) {
        gongkai::decode::Content::Text(d) => print!("{}", d.text),
        gongkai::decode::Content::Unreadable(f) => eprintln!("{}: {}", f.code.code(), f.message),
    }
}
