//! The process-wide thread count used by the GEMM and by every parallel kernel.
//!
//! It defaults to all cores, or to the `NEUROTEXT_THREADS` environment variable when that is
//! set to a positive integer, and [`set_threads`] overrides both at run time.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// The environment variable that sets the default thread count.
pub const THREADS_ENV: &str = "NEUROTEXT_THREADS";

/// 0 means "not decided yet": the first reader resolves the default.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// The number of threads neurotext's kernels may use (at least 1).
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => {
            let n = threads_from_env()
                .ok()
                .flatten()
                .unwrap_or_else(available_cores);
            // Another thread may have set a value meanwhile; keep the first one written.
            match THREADS.compare_exchange(0, n, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => n,
                Err(current) => current,
            }
        }
        n => n,
    }
}

/// Sets the thread count for the whole process.
///
/// # Errors
/// [`Error::Invalid`] when `n` is 0.
pub fn set_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::Invalid {
            op: "set_threads",
            message: "the thread count must be at least 1".into(),
        });
    }
    THREADS.store(n, Ordering::Relaxed);
    Ok(())
}

/// Reads `NEUROTEXT_THREADS`: `Ok(None)` when it is unset or empty.
///
/// # Errors
/// [`Error::Invalid`] naming the variable when it is set to anything but a positive integer,
/// so that a command-line tool can report the typo instead of silently using all cores.
pub fn threads_from_env() -> Result<Option<usize>> {
    let Ok(raw) = std::env::var(THREADS_ENV) else {
        return Ok(None);
    };
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<usize>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(Error::Invalid {
            op: "threads_from_env",
            message: format!("{THREADS_ENV}={raw:?} is not a positive integer"),
        }),
    }
}

/// The number of cores the operating system lets this process use.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `a` and `b`, concurrently when more than one thread is allowed.
///
/// Each closure receives the thread count it may use itself, so that nested kernels (the two
/// directions of a BiLSTM, each with its own GEMMs) do not oversubscribe the cores.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce(usize) -> RA + Send,
    B: FnOnce(usize) -> RB + Send,
    RA: Send,
    RB: Send,
{
    let n = threads();
    if n == 1 {
        return (a(1), b(1));
    }
    let for_a = n.div_ceil(2);
    let for_b = (n / 2).max(1);
    rayon::join(|| a(for_a), || b(for_b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_threads_rejects_zero() {
        let err = set_threads(0).unwrap_err();
        assert!(err.to_string().contains("at least 1"), "{err}");
    }

    #[test]
    fn threads_is_positive() {
        assert!(threads() >= 1);
    }
}
