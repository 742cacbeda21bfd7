//! The `gongkai` binary: parses arguments, runs the library, maps the outcome to an exit
//! code (0 all ok, 1 some reports partial or failed, 2 usage or I/O error).

use std::process::ExitCode;

// mimalloc instead of glibc malloc: on large corpora glibc's heap fragmented (peak memory
// grew with the corpus; see README, "Scale"), and the many small allocations per cell
// run faster. Its default purge delay is kept: purging at once (delay 0) cost 18% more
// CPU for the same peak memory (100k reports, 2 threads: 87 s against 72 s of CPU, 217
// against 220 MB), since each worker frees what it allocates.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    gongkai::cli::main()
}
