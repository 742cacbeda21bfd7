//! The `gongkai` binary: parses arguments, runs the library, maps the outcome to an exit
//! code (0 all ok, 1 some reports partial or failed, 2 usage or I/O error).

use std::process::ExitCode;

fn main() -> ExitCode {
    gongkai::cli::main()
}
