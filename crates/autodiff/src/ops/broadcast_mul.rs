//! Broadcast product `y = a ⊙ b`, where `b` is a column `[r, 1]`, a row `[1, c]` or a scalar
//! `[1, 1]` repeated to `a`'s shape: weighting every step of a sequence by its attention
//! weight, or zeroing padded steps with a mask.
//!
//! Derivatives: `∂L/∂a = G ⊙ b`; `∂L/∂b` is `G ⊙ a` summed over the broadcast dimension(s).

use neurotext_linalg::Matrix;

use super::broadcast_add::{broadcast_ok, reduce_to};
use crate::error::{Result, shape_error};
use crate::graph::{InputGrads, Op, Var};

struct BroadcastMul;

fn at(b: &Matrix, i: usize, j: usize) -> f32 {
    b[(
        if b.nrows() == 1 { 0 } else { i },
        if b.ncols() == 1 { 0 } else { j },
    )]
}

impl<'g> Var<'g> {
    /// `self ⊙ b` with `b` of shape `[r, 1]`, `[1, c]` or `[1, 1]` repeated to `[r, c]`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when `b` cannot be broadcast to `self`'s shape.
    pub fn broadcast_mul(self, b: Var<'g>) -> Result<Var<'g>> {
        let (av, bv) = (self.value(), b.value());
        if !broadcast_ok(av.shape(), bv.shape()) {
            return Err(shape_error(
                "broadcast_mul",
                format!(
                    "[{0}, 1], [1, {1}] or [1, 1] to broadcast to [{0}, {1}]",
                    av.nrows(),
                    av.ncols()
                ),
                bv.shape(),
            ));
        }
        let y = Matrix::from_fn(av.nrows(), av.ncols(), |i, j| av[(i, j)] * at(&bv, i, j));
        Ok(self.record(y, BroadcastMul, &[b]))
    }
}

impl Op for BroadcastMul {
    fn name(&self) -> &'static str {
        "broadcast_mul"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let (a, b) = (x[0], x[1]);
        grads.add_with(0, |g| {
            for j in 0..g.ncols() {
                for i in 0..g.nrows() {
                    g[(i, j)] += gy[(i, j)] * at(b, i, j);
                }
            }
        });
        if grads.needs(1) {
            grads.add(1, reduce_to(&gy.component_mul(a), b.shape()));
        }
    }
}
