//! The `gongkai` binary: parses arguments, runs the library, maps the outcome to an exit
//! code (0 all ok, 1 some reports partial or failed, 2 usage or I/O error).

use std::process::ExitCode;

// mimalloc instead of glibc malloc: on large corpora glibc's heap fragmented (peak memory
// grew with the corpus; see README, "Scale"), and the many small allocations per cell
// run faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's option enum (`mimalloc.h`; the Rust bindings
/// name no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Give freed memory back to the system at once. With mimalloc's default delay, pages
    // freed by the writer thread for the worker threads were kept, and peak memory grew
    // with the corpus (592 MB at 100k reports, against 73 MB with no delay; same speed).
    // SAFETY: sets an option value; mimalloc allows it at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    gongkai::cli::main()
}
