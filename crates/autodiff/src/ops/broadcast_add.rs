//! Broadcast sum `y = a + b`, where `b` is a column `[r, 1]`, a row `[1, c]` or a scalar
//! `[1, 1]` repeated to `a`'s shape `[r, c]`.
//!
//! The bias of a layer is the column case: `Y = W·X + b` adds `b` to every example (column)
//! of the batch — what row-major libraries call a row-broadcast bias add.
//!
//! Derivatives: `∂L/∂a = G`; `∂L/∂b` is `G` summed over the broadcast dimension(s).

use neurotext_linalg::{Matrix, shape_str};

use crate::error::{Result, shape_error};
use crate::graph::{InputGrads, Op, Var};

struct BroadcastAdd;

/// How `b` is repeated to `a`'s shape.
pub(crate) fn broadcast_ok(a: (usize, usize), b: (usize, usize)) -> bool {
    (b.0 == a.0 || b.0 == 1) && (b.1 == a.1 || b.1 == 1)
}

/// `G` summed down to shape `b`.
pub(crate) fn reduce_to(gy: &Matrix, b: (usize, usize)) -> Matrix {
    match (b.0 == gy.nrows(), b.1 == gy.ncols()) {
        (true, true) => gy.clone(),
        (true, false) => super::sum::sum_over(gy, crate::Axis::Cols),
        (false, true) => super::sum::sum_over(gy, crate::Axis::Rows),
        (false, false) => Matrix::from_element(1, 1, gy.sum()),
    }
}

impl<'g> Var<'g> {
    /// `self + b` with `b` a column `[r, 1]` added to every column: the bias of a layer.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) unless `b` is `[self.rows, 1]`.
    pub fn add_bias(self, b: Var<'g>) -> Result<Var<'g>> {
        let (r, _) = self.shape();
        if b.shape() != (r, 1) {
            return Err(shape_error("add_bias", shape_str(r, 1), b.shape()));
        }
        self.broadcast_add(b)
    }

    /// `self + b` with `b` of shape `[r, 1]`, `[1, c]` or `[1, 1]` repeated to `[r, c]`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when `b` cannot be broadcast to `self`'s shape.
    pub fn broadcast_add(self, b: Var<'g>) -> Result<Var<'g>> {
        let (av, bv) = (self.value(), b.value());
        if !broadcast_ok(av.shape(), bv.shape()) {
            return Err(shape_error(
                "broadcast_add",
                format!(
                    "[{0}, 1], [1, {1}] or [1, 1] to broadcast to [{0}, {1}]",
                    av.nrows(),
                    av.ncols()
                ),
                bv.shape(),
            ));
        }
        let mut y = (*av).clone();
        let (br, bc) = bv.shape();
        for (j, mut col) in y.column_iter_mut().enumerate() {
            for (i, v) in col.iter_mut().enumerate() {
                *v += bv[(if br == 1 { 0 } else { i }, if bc == 1 { 0 } else { j })];
            }
        }
        Ok(self.record(y, BroadcastAdd, &[b]))
    }
}

impl Op for BroadcastAdd {
    fn name(&self) -> &'static str {
        "broadcast_add"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| *g += gy);
        if grads.needs(1) {
            grads.add(1, reduce_to(gy, x[1].shape()));
        }
    }
}
