//! Recycled large buffers: the memory of one training step, kept for the next.
//!
//! A training step allocates the same large matrices every time (activations, saved gate
//! values, gradients) and frees them at its end. Freshly allocated memory is mapped by the
//! operating system one 4 KB page at a time, on first touch, and glibc's `free` hands large
//! blocks back (`munmap`, or trimming the top of the heap), so without reuse every step pays
//! a page fault per 4 KB it allocates, and on two threads each unmapping also interrupts the
//! other core to flush its address translations. Measured here on the LSTM benchmark (2
//! threads, `lstm_train_step/uni/64x100x300x256`): 1.1–1.2 s of system time in a 3 s run
//! without a pool, 0.36 s with one for the LSTM's gate and state buffers (2026-11-27).
//!
//! Users: the fused LSTM takes its outputs, gate activations, cell states and gate gradients
//! from here; the autodiff graph gives back the values of its nodes when it is dropped and
//! the gradients of its intermediate nodes once they have been used, and takes new gradient
//! buffers from here. That is what a deep-learning framework's caching allocator does.
//!
//! Only buffers of at least [`MIN_LEN`] values are kept (the allocator reuses small blocks
//! well by itself), at most [`MAX_KEPT`] at once (a full pool frees the buffer it got back
//! longest ago), and a request takes the smallest kept buffer that fits and is at most twice
//! its size. [`release`] frees them all, for a program that is done training and wants its
//! memory back.

use std::sync::{Mutex, MutexGuard};

use crate::Matrix;

/// Buffers shorter than this (256 KB of `f32`) are not kept.
pub const MIN_LEN: usize = 1 << 16;

/// The most buffers kept at once: a bidirectional LSTM layer's training step uses more than
/// 16 large buffers (outputs, gates, states and their gradients, the packed weights, the
/// weight gradients and ∂X of both directions), and with 16 it missed two 8–26 MB buffers at
/// every step (counted at `lstm_train_step/bi/64x100x300x256`); with 32, none.
pub const MAX_KEPT: usize = 32;

/// The process-wide pool.
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

    fn take(&self, len: usize) -> Vec<f32> {
        if len >= MIN_LEN {
            let mut buffers = self.lock();
            // A buffer more than twice too large would hold memory that a later, larger
            // request of the same step then allocates afresh.
            let best = buffers
                .iter()
                .enumerate()
                .filter(|(_, b)| (len..=2 * len).contains(&b.capacity()))
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, _)| i);
            if let Some(i) = best {
                // `remove`, not `swap_remove`: the list stays in the order the buffers were
                // given back, oldest first.
                let mut buffer = buffers.remove(i);
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
        // A full pool frees its oldest buffer, not the one given back: buffers of a shape
        // no longer used (a training step's, once evaluation runs with other shapes) would
        // otherwise fill the pool for good, and every later large matrix would be freshly
        // mapped and freed again.
        let oldest = (buffers.len() == MAX_KEPT).then(|| buffers.remove(0));
        buffers.push(buffer);
        // Freed after the lock is let go: unmapping a large block takes a while, and other
        // threads may be waiting to take or give.
        drop(buffers);
        drop(oldest);
    }
}

/// `len` values: a recycled buffer when one fits, holding whatever its last user left in it,
/// else a new allocation (of zeros). The caller writes every value it will read.
pub fn take(len: usize) -> Vec<f32> {
    POOL.take(len)
}

/// A `rows × cols` matrix with unspecified values (see [`take`]).
pub fn take_matrix(rows: usize, cols: usize) -> Matrix {
    Matrix::from_vec(rows, cols, take(rows * cols))
}

/// A `rows × cols` matrix of zeros, in recycled memory when there is some.
pub fn zeros(rows: usize, cols: usize) -> Matrix {
    let mut m = take_matrix(rows, cols);
    // Through the slice: nalgebra's `fill` walks the matrix element by element and took
    // 15 times as long here (2.2 against 0.14 ms for 1.6 million values).
    m.as_mut_slice().fill(0.0);
    m
}

/// Gives `buffer` back for reuse (or frees it, when it is small); a full pool frees its
/// oldest buffer to keep this one.
pub fn give(buffer: Vec<f32>) {
    POOL.give(buffer);
}

/// Gives the storage of `m` back for reuse.
pub fn give_matrix(m: Matrix) {
    give(m.data.into());
}

/// Frees every kept buffer (up to [`MAX_KEPT`], each as large as a layer's activations).
/// They are kept on purpose, as a framework's caching allocator keeps its memory; call this
/// when training is over and the memory is wanted elsewhere.
pub fn release() {
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
        pool.give(vec![0.0; 2 * MIN_LEN]);
        let c = pool.take(MIN_LEN + 5);
        assert_eq!(c.as_ptr(), ptr);
        assert_eq!(c[MIN_LEN + 4], 0.0);
        pool.give(c);
        // A buffer more than twice the request is left for a larger one.
        let wide = BufferPool::new();
        wide.give(vec![1.0; 3 * MIN_LEN]);
        let fresh = wide.take(MIN_LEN);
        assert!(fresh.capacity() < 3 * MIN_LEN && fresh.iter().all(|&v| v == 0.0));
        assert_eq!(wide.take(2 * MIN_LEN).capacity(), 3 * MIN_LEN);
        // Small buffers are not kept; a full pool frees what it is given.
        pool.give(vec![1.0; 10]);
        assert_eq!(pool.lock().len(), 2);
        for _ in 0..MAX_KEPT + 3 {
            pool.give(Vec::with_capacity(MIN_LEN));
        }
        assert_eq!(pool.lock().len(), MAX_KEPT);
    }

    #[test]
    fn a_full_pool_of_unused_shapes_makes_room_for_the_shapes_in_use() {
        let pool = BufferPool::new();
        // A pool filled by one workload (buffers too large for what follows)...
        for _ in 0..MAX_KEPT {
            pool.give(vec![0.0; 4 * MIN_LEN]);
        }
        // ...and another that takes and gives back buffers of its own size.
        let first = pool.take(MIN_LEN);
        let ptr = first.as_ptr();
        pool.give(first);
        let again = pool.take(MIN_LEN);
        assert_eq!(
            again.as_ptr(),
            ptr,
            "the buffer given back is kept and reused"
        );
        pool.give(again);
        let buffers = pool.lock();
        assert_eq!(buffers.len(), MAX_KEPT);
        assert_eq!(
            buffers.last().map(|b| b.as_ptr()),
            Some(ptr),
            "kept as the newest"
        );
        assert_eq!(
            buffers
                .iter()
                .filter(|b| b.capacity() == 4 * MIN_LEN)
                .count(),
            MAX_KEPT - 1,
            "the oldest buffer made room"
        );
    }

    #[test]
    fn zeros_are_zeros_even_in_recycled_memory() {
        give(vec![f32::NAN; MIN_LEN]);
        let m = zeros(MIN_LEN / 4, 4);
        assert!(m.iter().all(|&v| v == 0.0));
        give_matrix(m);
    }
}
