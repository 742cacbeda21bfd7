//! The `gongkai` binary: parses arguments, runs the library, maps the outcome to an exit
//! code (0 all ok, 1 some reports partial or failed, 2 usage or I/O error).

use std::process::ExitCode;

// mimalloc instead of glibc malloc: on large corpora glibc's heap fragments (peak memory
// grows with the corpus), and the many small allocations per cell run faster. Its default
// purge delay is kept: purging at once costs CPU and saves no peak memory, since each
// worker frees what it allocates.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    gongkai::cli::main()
}
