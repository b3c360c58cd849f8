//! Gather by index along an axis: an embedding lookup. With one word vector per column of
//! the table `E` (`[dim, vocab]`), `E.gather(Axis::Cols, ids)` is `[E[:, id₀] E[:, id₁] …]`,
//! a `[dim, n]` batch of word vectors (row-major libraries call this gathering rows).
//!
//! Derivative: a scatter-add. The gradient of each output column is added to the table
//! column it came from; a word used twice receives both. Only used columns are touched, so
//! the backward costs `dim × n`, not `dim × vocab`.

use neurotext_linalg::Matrix;

use crate::axis::Axis;
use crate::error::{Result, invalid};
use crate::graph::{InputGrads, Op, Var};

struct Gather {
    axis: Axis,
    ids: Vec<usize>,
}

impl<'g> Var<'g> {
    /// The columns (for [`Axis::Cols`]) or rows (for [`Axis::Rows`]) of `self` at `ids`, in
    /// that order, repeats allowed.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) naming the first id out of range.
    pub fn gather(self, axis: Axis, ids: &[usize]) -> Result<Var<'g>> {
        let v = self.value();
        let n = axis.len(v.shape());
        if let Some((pos, &id)) = ids.iter().enumerate().find(|(_, id)| **id >= n) {
            return Err(invalid(
                "gather",
                format!(
                    "index {id} at position {pos} is out of range for {n} {}",
                    axis.name()
                ),
            ));
        }
        let y = match axis {
            Axis::Cols => {
                let r = v.nrows();
                let src = v.as_slice();
                let mut data = Vec::with_capacity(r * ids.len());
                for &id in ids {
                    data.extend_from_slice(&src[id * r..(id + 1) * r]);
                }
                Matrix::from_vec(r, ids.len(), data)
            }
            Axis::Rows => Matrix::from_fn(ids.len(), v.ncols(), |i, j| v[(ids[i], j)]),
        };
        Ok(self.record(
            y,
            Gather {
                axis,
                ids: ids.to_vec(),
            },
            &[],
        ))
    }
}

impl Op for Gather {
    fn name(&self) -> &'static str {
        "gather"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        if self.axis == Axis::Cols {
            // Only the gathered columns receive a gradient: tell the parameter which.
            grads.add_columns_with(0, self.ids.iter().copied(), |g| {
                let r = g.nrows();
                let dst = g.as_mut_slice();
                for (col, &id) in gy.as_slice().chunks_exact(r.max(1)).zip(&self.ids) {
                    for (d, s) in dst[id * r..(id + 1) * r].iter_mut().zip(col) {
                        *d += s;
                    }
                }
            });
            return;
        }
        grads.add_with(0, |g| match self.axis {
            Axis::Cols => {
                let r = g.nrows();
                let dst = g.as_mut_slice();
                for (col, &id) in gy.as_slice().chunks_exact(r.max(1)).zip(&self.ids) {
                    for (d, s) in dst[id * r..(id + 1) * r].iter_mut().zip(col) {
                        *d += s;
                    }
                }
            }
            Axis::Rows => {
                for (i, &id) in self.ids.iter().enumerate() {
                    for j in 0..g.ncols() {
                        g[(id, j)] += gy[(i, j)];
                    }
                }
            }
        });
    }
}
