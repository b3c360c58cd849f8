//! The shape of a batch of padded sequences.
//!
//! A batch of `B` sequences padded to `T` steps is a matrix of `T·B` columns in **time-major**
//! order: column `t·B + b` is step `t` of sequence `b`. The `B` columns of one step are
//! adjacent, so one GEMM serves a whole step, and the input projection of all steps is one
//! GEMM over all `T·B` columns. Padding goes at the end of each sequence; every sequence has
//! at least one real step.

use neurotext_linalg::Matrix;

use crate::error::{Result, batch_error};

/// The lengths of the sequences of a padded, time-major batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqBatch {
    lengths: Vec<usize>,
    max_len: usize,
}

impl SeqBatch {
    /// A batch whose sequences have the given lengths, padded to the longest.
    ///
    /// # Errors
    /// When the batch is empty or a sequence is empty (the message names it).
    pub fn new(lengths: Vec<usize>) -> Result<Self> {
        let max_len = lengths.iter().copied().max().unwrap_or(0);
        Self::padded_to(lengths, max_len)
    }

    /// A batch padded to `max_len` steps (at least the longest sequence).
    ///
    /// # Errors
    /// When the batch is empty, a sequence is empty, one is longer than `max_len`, or
    /// `max_len · B` columns would not fit in a `usize`.
    pub fn padded_to(lengths: Vec<usize>, max_len: usize) -> Result<Self> {
        if lengths.is_empty() {
            return Err(batch_error("SeqBatch", "the batch has no sequences"));
        }
        if let Some(b) = lengths.iter().position(|&l| l == 0) {
            return Err(batch_error(
                "SeqBatch",
                format!("sequence {b} is empty; every sequence needs a step"),
            ));
        }
        if let Some(b) = lengths.iter().position(|&l| l > max_len) {
            return Err(batch_error(
                "SeqBatch",
                format!(
                    "sequence {b} has {} steps, more than the padded length {max_len}",
                    lengths[b]
                ),
            ));
        }
        if max_len.checked_mul(lengths.len()).is_none() {
            return Err(batch_error(
                "SeqBatch",
                format!(
                    "{} sequences padded to {max_len} steps are too many columns to address",
                    lengths.len()
                ),
            ));
        }
        Ok(SeqBatch { lengths, max_len })
    }

    /// `batch` sequences of `len` steps each, without padding.
    ///
    /// # Errors
    /// When `batch` or `len` is 0.
    pub fn full(batch: usize, len: usize) -> Result<Self> {
        Self::new(vec![len; batch])
    }

    /// The number of sequences `B`.
    pub fn batch(&self) -> usize {
        self.lengths.len()
    }

    /// The padded length `T`.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The real length of each sequence.
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// The number of columns `T·B` of a batch matrix.
    pub fn columns(&self) -> usize {
        self.max_len * self.batch()
    }

    /// The column of step `t` of sequence `b`.
    pub fn column(&self, t: usize, b: usize) -> usize {
        t * self.batch() + b
    }

    /// Whether step `t` of sequence `b` is real (not padding).
    pub fn is_real(&self, t: usize, b: usize) -> bool {
        t < self.lengths[b]
    }

    /// Whether no sequence is padded.
    pub fn is_full(&self) -> bool {
        self.lengths.iter().all(|&l| l == self.max_len)
    }

    /// Where step `t` falls in sequence `b`'s own order of processing: its index counted
    /// from the sequence's first step (from its last token when `reverse`), or `None` at
    /// padding. Truncated backpropagation through time cuts each sequence every `k` of its
    /// own steps, so that padding never moves a cut.
    pub fn own_step(&self, t: usize, b: usize, reverse: bool) -> Option<usize> {
        own_step(t, self.lengths[b], reverse)
    }

    /// The mask of step `t` as a `[1, B]` row: 1 for real steps, 0 for padding.
    pub fn step_mask(&self, t: usize) -> Matrix {
        Matrix::from_fn(
            1,
            self.batch(),
            |_, b| if self.is_real(t, b) { 1.0 } else { 0.0 },
        )
    }

    /// The mask of the whole batch as a `[1, T·B]` row.
    pub fn mask(&self) -> Matrix {
        let b = self.batch();
        Matrix::from_fn(1, self.columns(), |_, col| {
            if self.is_real(col / b, col % b) {
                1.0
            } else {
                0.0
            }
        })
    }

    /// The column of each sequence's real last step.
    pub fn last_columns(&self) -> Vec<usize> {
        self.lengths
            .iter()
            .enumerate()
            .map(|(b, &l)| self.column(l - 1, b))
            .collect()
    }

    /// Checks that `x` (`[features, T·B]`) is a batch of this shape.
    ///
    /// # Errors
    /// When the number of columns is not `T·B`.
    pub fn check(&self, op: &'static str, x: (usize, usize)) -> Result<()> {
        if x.1 != self.columns() {
            return Err(batch_error(
                op,
                format!(
                    "input has {} columns, but {} sequences padded to {} steps need {}",
                    x.1,
                    self.batch(),
                    self.max_len,
                    self.columns()
                ),
            ));
        }
        Ok(())
    }
}

/// [`SeqBatch::own_step`] for a sequence of `len` steps.
pub(crate) fn own_step(t: usize, len: usize, reverse: bool) -> Option<usize> {
    (t < len).then(|| if reverse { len - 1 - t } else { t })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_batch_rejects_empty_sequences_and_batches() {
        assert!(SeqBatch::new(vec![]).is_err());
        let err = SeqBatch::new(vec![3, 0]).unwrap_err().to_string();
        assert!(err.contains("sequence 1 is empty"), "{err}");
        assert!(SeqBatch::padded_to(vec![3, 5], 4).is_err());
        let err = SeqBatch::padded_to(vec![3, 5], usize::MAX / 2 + 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("too many columns"), "{err}");
    }

    #[test]
    fn seq_batch_is_time_major() {
        let s = SeqBatch::new(vec![2, 3]).unwrap();
        assert_eq!((s.batch(), s.max_len(), s.columns()), (2, 3, 6));
        assert_eq!(s.column(2, 1), 5);
        assert_eq!(s.mask().as_slice(), &[1.0, 1.0, 1.0, 1.0, 0.0, 1.0]);
        assert_eq!(s.last_columns(), vec![2, 5]);
        // Sequence 0 has 2 steps of 3: its reverse order starts at t = 1.
        let own = |b, reverse| {
            (0..3)
                .map(|t| s.own_step(t, b, reverse))
                .collect::<Vec<_>>()
        };
        assert_eq!(own(0, false), [Some(0), Some(1), None]);
        assert_eq!(own(0, true), [Some(1), Some(0), None]);
        assert_eq!(own(1, true), [Some(2), Some(1), Some(0)]);
        assert!(s.check("test", (4, 5)).is_err());
    }
}
