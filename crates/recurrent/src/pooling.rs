//! Aggregating a sequence into one vector (the lecture's list): the last output, mean
//! pooling and max pooling, each counting only the real steps of each sequence. Attention
//! pooling, which has parameters, is [`AttentionPooling`](crate::AttentionPooling).

use neurotext_autodiff::{Axis, Var, concat};
use neurotext_linalg::Matrix;
use serde::{Deserialize, Serialize};

use crate::batch::SeqBatch;
use crate::error::{Result, batch_error};
use crate::over_time::{max_over_time, sum_over_time};

/// A parameter-free way to turn `[D, T·B]` outputs into `[D, B]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pooling {
    /// The output at each sequence's real last step. For a bidirectional output (`D = 2H`)
    /// the reverse half is taken at step 0, where the reverse direction has read the whole
    /// sequence: both halves are then final states.
    Last,
    /// The mean over the real steps.
    Mean,
    /// The elementwise maximum over the real steps.
    Max,
}

impl Pooling {
    /// Pools `h` (`[D, T·B]`); `bidirectional` says that its rows are two directions
    /// stacked (only [`Pooling::Last`] needs to know).
    ///
    /// # Errors
    /// When `h` is not a batch of this shape.
    pub fn apply<'g>(self, h: Var<'g>, batch: &SeqBatch, bidirectional: bool) -> Result<Var<'g>> {
        match self {
            Pooling::Last => last(h, batch, bidirectional),
            Pooling::Mean => mean(h, batch),
            Pooling::Max => max_over_time(h, batch),
        }
    }
}

/// The output at each sequence's real last step (see [`Pooling::Last`]).
///
/// # Errors
/// When `h` is not a batch of this shape, or is `bidirectional` with an odd number of rows.
pub fn last<'g>(h: Var<'g>, batch: &SeqBatch, bidirectional: bool) -> Result<Var<'g>> {
    batch.check("last", h.shape())?;
    let last_cols = batch.last_columns();
    if !bidirectional {
        return Ok(h.gather(Axis::Cols, &last_cols)?);
    }
    if !h.shape().0.is_multiple_of(2) {
        return Err(batch_error(
            "last",
            format!(
                "a bidirectional output has 2·H rows, one half per direction; this one has {}",
                h.shape().0
            ),
        ));
    }
    let half = h.shape().0 / 2;
    let forward = h
        .slice(Axis::Rows, 0, half)?
        .gather(Axis::Cols, &last_cols)?;
    let first_cols: Vec<usize> = (0..batch.batch()).collect();
    let reverse = h
        .slice(Axis::Rows, half, h.shape().0 - half)?
        .gather(Axis::Cols, &first_cols)?;
    Ok(concat(&[forward, reverse], Axis::Rows)?)
}

/// The mean over each sequence's real steps.
///
/// # Errors
/// When `h` is not a batch of this shape.
pub fn mean<'g>(h: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
    let sum = sum_over_time(h, batch)?;
    let inv = Matrix::from_fn(1, batch.batch(), |_, b| 1.0 / batch.lengths()[b] as f32);
    Ok(sum.broadcast_mul(h.graph().constant(inv))?)
}
