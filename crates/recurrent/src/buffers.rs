//! Recycled large buffers for the fused LSTM: the gate activations, cell states and gate
//! gradients of a training step (58 MB at 64 sequences of 100 steps and 256 units) are taken
//! from here and given back when the step is done, so the next step reuses the same memory.
//!
//! Why: freshly allocated memory is mapped by the operating system one 4 KB page at a time,
//! on first touch, and glibc's `free` hands large blocks back (`munmap`, or trimming the top
//! of the heap). A training step that allocates and frees ~90 MB then pays ~23 000 page
//! faults, and on two threads every unmapping also interrupts the other core to flush its
//! address translations. Measured here (2 threads, `lstm_train_step/uni/64x100x300x256`):
//! 1.1–1.2 s of system time in a 3 s benchmark run before, 0.36 s with this pool.
//!
//! Interleaved runs of the bench before and after (criterion medians, 2026-11-27), training
//! step: one thread, uni 64×100×300×256 451/438 → 427/441 ms, bi 64×100×300×256
//! 1033/1039 → 917/968 ms, uni 16×200×64×512 493/532 → 414/460 ms; two threads, uni
//! 64×100×300×256 372 → 316 ms and uni 16×200×64×512 356 → 313 ms (medians of two runs each).
//! One cell lost: bidirectional 64×100×300×256 on two threads, 522 → 603 ms and 508 → 516 ms
//! in two rounds, with 45 % more page faults: each direction's thread has its own glibc arena,
//! which already reused freed blocks, and memory the pool holds is memory those arenas no
//! longer reuse for the other large blocks of the step. Inference did not move beyond noise.
//!
//! At most [`MAX_KEPT`] buffers are kept (the largest step of a two-layer bidirectional
//! network needs six at once); [`release_recycled_buffers`] frees them, for a program that is
//! done training and wants its memory back.

use std::sync::{Mutex, MutexGuard};

/// Buffers shorter than this (1 MB of `f32`) are not kept: the allocator reuses small blocks
/// well by itself.
const MIN_LEN: usize = 1 << 18;

/// The most buffers kept at once.
const MAX_KEPT: usize = 12;

/// The process-wide pool of the fused LSTM.
static POOL: BufferPool = BufferPool::new();

/// Large `f32` buffers kept for reuse.
struct BufferPool {
    buffers: Mutex<Vec<Vec<f32>>>,
}

impl BufferPool {
    const fn new() -> Self {
        BufferPool {
            buffers: Mutex::new(Vec::new()),
        }
    }

    /// The buffers, even if a thread panicked while holding them (they are plain data, so a
    /// poisoned pool is still a valid one).
    fn lock(&self) -> MutexGuard<'_, Vec<Vec<f32>>> {
        self.buffers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `len` values: a recycled buffer when one is large enough (the smallest such), holding
    /// whatever its last user left in it, else a new allocation of zeros.
    fn take(&self, len: usize) -> Vec<f32> {
        if len >= MIN_LEN {
            let mut buffers = self.lock();
            let best = buffers
                .iter()
                .enumerate()
                .filter(|(_, b)| b.capacity() >= len)
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, _)| i);
            if let Some(i) = best {
                let mut buffer = buffers.swap_remove(i);
                // Stale values are kept, not cleared: clearing would be a pass over memory
                // that the caller is about to write anyway.
                buffer.resize(len, 0.0);
                return buffer;
            }
        }
        // Zeros from the allocator come as untouched pages, mapped as they are written.
        vec![0.0; len]
    }

    fn give(&self, buffer: Vec<f32>) {
        if buffer.capacity() < MIN_LEN {
            return;
        }
        let mut buffers = self.lock();
        if buffers.len() < MAX_KEPT {
            buffers.push(buffer);
        }
    }
}

/// A `rows × cols` matrix whose values are unspecified (stale values of a recycled buffer,
/// or zeros): the caller writes every value it will read.
pub(crate) fn matrix(rows: usize, cols: usize) -> neurotext_linalg::Matrix {
    neurotext_linalg::Matrix::from_vec(rows, cols, POOL.take(rows * cols))
}

/// Gives `buffer` back for reuse (or frees it, when it is small or the pool is full).
pub(crate) fn give(buffer: Vec<f32>) {
    POOL.give(buffer);
}

/// Gives the storage of `m` back for reuse.
pub(crate) fn give_matrix(m: neurotext_linalg::Matrix) {
    give(m.data.into());
}

/// Frees the buffers that the fused LSTM keeps for reuse between training steps (up to
/// twelve, each as large as a layer's gate activations). They are kept on purpose, as a deep
/// learning framework's caching allocator keeps its memory; call this when training is over
/// and the memory is wanted elsewhere.
pub fn release_recycled_buffers() {
    POOL.lock().clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_with_stale_values_and_capped() {
        let pool = BufferPool::new();
        let mut a = pool.take(MIN_LEN + 5);
        assert!(a.iter().all(|&v| v == 0.0), "a new buffer is zeros");
        a.fill(7.0);
        let ptr = a.as_ptr();
        pool.give(a);
        // The recycled buffer comes back with its stale values, at the length asked for.
        let b = pool.take(MIN_LEN);
        assert_eq!(b.as_ptr(), ptr);
        assert_eq!(b.len(), MIN_LEN);
        assert!(b.iter().all(|&v| v == 7.0));
        pool.give(b);
        // The smallest buffer that fits is chosen, and grows with zeros.
        pool.give(vec![0.0; 4 * MIN_LEN]);
        let c = pool.take(MIN_LEN + 5);
        assert_eq!(c.as_ptr(), ptr);
        assert_eq!(c[MIN_LEN + 4], 0.0);
        pool.give(c);
        // Small buffers are not kept; a full pool frees what it is given.
        pool.give(vec![1.0; 10]);
        assert_eq!(pool.lock().len(), 2);
        for _ in 0..MAX_KEPT + 3 {
            pool.give(Vec::with_capacity(MIN_LEN));
        }
        assert_eq!(pool.lock().len(), MAX_KEPT);
    }
}
