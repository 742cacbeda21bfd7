//! The `gongkai` binary: parses arguments, runs the library, maps the outcome to an exit
//! code (0 all ok, 1 some reports partial or failed, 2 usage or I/O error).

use std::process::ExitCode;

// mimalloc instead of glibc malloc: on large corpora glibc's heap fragments (peak memory
// grows with the corpus), and the many small allocations per cell run faster. It is
// tuned in `give_back_freed_memory`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's option `purge_delay` (`mi_option_purge_delay` in its `mimalloc.h`; the
/// test below checks it by its default of 1000 ms).
const MI_OPTION_PURGE_DELAY: i32 = 15;

extern "C" {
    #[cfg(test)]
    fn mi_option_get(option: i32) -> std::ffi::c_long;
    fn mi_option_set(option: i32, value: std::ffi::c_long);
}

/// A run holds what it works on for milliseconds at a time (a report, a row group), and
/// its peak memory should not grow with the corpus (issue 18). With mimalloc's defaults
/// it did: freed memory went back to the system a second later, and transparent huge
/// pages kept whole 2 MB pages for a few live bytes. Both are changed here (measured in
/// the README, "Scale"); `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn give_back_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: the option exists in the mimalloc linked (see the test); setting it
        // before any other thread is started is what mimalloc asks.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes no pointers; failure leaves THP on.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    give_back_freed_memory();
    gongkai::cli::main()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // A mimalloc whose option 15 is another would fail here, not tune the wrong one.
        let expected = std::env::var("MIMALLOC_PURGE_DELAY").map_or(1000, |v| v.parse().unwrap());
        assert_eq!(unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }, expected);
    }
}
