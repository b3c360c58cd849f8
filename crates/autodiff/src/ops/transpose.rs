//! Transpose `y = xᵀ`. Derivative: the gradient, transposed back.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Transpose;

impl<'g> Var<'g> {
    /// `selfᵀ` (a copy; [`matmul_t`](Var::matmul_t) transposes without one).
    pub fn transpose(self) -> Var<'g> {
        let y = self.value().transpose();
        self.record(y, Transpose, &[])
    }
}

impl Op for Transpose {
    fn name(&self) -> &'static str {
        "transpose"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| *g += gy.transpose());
    }
}
