//! The lock that keeps two runs from writing one output (or one shard's part of it).

use std::fs::{self, File};
use std::path::Path;

use anyhow::{Context, Result};

use super::Layout;

/// An exclusive lock on an output folder (or on one shard's part of it) for a whole run,
/// so that two overlapping cron runs never write the same files. The operating system
/// releases it when the process ends, however it ends: a killed run leaves no stale lock.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

impl OutputLock {
    /// Takes the lock, creating the output folder if needed. Fails at once, with a message
    /// naming the other run, if the folder is locked.
    pub fn acquire(dir: &Path, layout: &Layout) -> Result<OutputLock> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        let name = match layout {
            Layout::Single => ".gongkai.lock".to_string(),
            Layout::ByYear { part } => format!(".gongkai-{part}.lock"),
        };
        let path = dir.join(name);
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot create lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = std::io::Read::read_to_string(&mut file, &mut holder);
                anyhow::bail!(
                    "another gongkai run ({}) is writing to {}; wait for it to finish, or stop it",
                    holder.trim(),
                    dir.display()
                );
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        // Who holds the lock, for the message a second run prints.
        file.set_len(0)?;
        std::io::Write::write_all(&mut file, format!("pid {}", std::process::id()).as_bytes())?;
        Ok(OutputLock { _file: file })
    }
}
