//! cpu: the CPU time a thread has used, and the helper threads that count theirs, to tell serial work from parallel work.

/// The CPU time the calling thread has used so far.
#[cfg(target_os = "linux")]
pub fn thread_cpu_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let read = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if read != 0 {
        return 0;
    }
    (now.tv_sec as u64) * 1_000_000_000 + now.tv_nsec as u64
}

/// The CPU time the calling thread has used so far (unknown here).
#[cfg(not(target_os = "linux"))]
pub fn thread_cpu_ns() -> u64 {
    0
}

/// Threads that help the one writer thread: they encode Parquet row groups and run the
/// checks across reports, and count the CPU time they use (it is parallel work).
/// Cloning gives another handle to the same threads.
#[derive(Clone)]
pub struct Helpers {
    pool: std::sync::Arc<rayon::ThreadPool>,
    spent_ns: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Helpers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Helpers")
            .field("threads", &self.threads())
            .finish()
    }
}

impl Helpers {
    /// `threads` helper threads (at least one).
    pub fn new(threads: usize) -> std::io::Result<Helpers> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("gongkai-helper-{i}"))
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Helpers {
            pool: std::sync::Arc::new(pool),
            spent_ns: Default::default(),
        })
    }

    /// How many threads there are.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// The CPU time the helpers' work has used so far, in nanoseconds.
    pub fn cpu_ns(&self) -> u64 {
        self.spent_ns.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `job` on a helper thread, without waiting for it. `job` must not panic
    /// (a panic there ends the process): catch it and report it through its result.
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        let spent = std::sync::Arc::clone(&self.spent_ns);
        self.pool.spawn(move || {
            let started = thread_cpu_ns();
            job();
            spent.fetch_add(
                thread_cpu_ns().saturating_sub(started),
                std::sync::atomic::Ordering::Relaxed,
            );
        });
    }

    /// `f` of each item, made on the helper threads, in the items' order.
    pub fn map<T: Sync, R: Send>(&self, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
        use rayon::prelude::*;
        let spent = &self.spent_ns;
        self.pool.install(|| {
            items
                .par_iter()
                .map(|item| {
                    let started = thread_cpu_ns();
                    let made = f(item);
                    spent.fetch_add(
                        thread_cpu_ns().saturating_sub(started),
                        std::sync::atomic::Ordering::Relaxed,
                    );
                    made
                })
                .collect()
        })
    }
}

/// Jobs given to the [`Helpers`], whose results are taken in the order the jobs were
/// given, whatever order they finish in.
pub struct InOrder<T> {
    pending: std::collections::VecDeque<std::sync::mpsc::Receiver<T>>,
}

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        InOrder {
            pending: Default::default(),
        }
    }
}

impl<T: Send + 'static> InOrder<T> {
    /// Gives `job` to the helpers. `job` must not panic (see [`Helpers::spawn`]).
    pub fn spawn(&mut self, helpers: &Helpers, job: impl FnOnce() -> T + Send + 'static) {
        let send = self.expect();
        helpers.spawn(move || {
            // The taker may have stopped on an error elsewhere: nobody waits.
            let _ = send.send(job());
        });
    }

    /// Takes a place for a result that whoever holds the sender returned gives (a job
    /// made of several helper tasks): results are taken in the order places were taken.
    pub fn expect(&mut self) -> std::sync::mpsc::SyncSender<T> {
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        self.pending.push_back(receive);
        send
    }

    /// The oldest job's result if it is done, or, while more than `keep` jobs are not
    /// taken, once it is done; `None` when there is none to take. An error only if a
    /// helper thread stopped without a result.
    pub fn next(&mut self, keep: usize) -> Option<std::io::Result<T>> {
        let oldest = self.pending.front()?;
        let result = if self.pending.len() > keep {
            oldest.recv().ok()
        } else {
            match oldest.try_recv() {
                Ok(result) => Some(result),
                Err(std::sync::mpsc::TryRecvError::Empty) => return None,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
            }
        };
        self.pending.pop_front();
        Some(result.ok_or_else(|| std::io::Error::other("a helper thread stopped")))
    }
}
