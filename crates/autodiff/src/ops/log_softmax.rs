//! Log-softmax over each column: `yᵢ = xᵢ − log Σⱼ e^{xⱼ}`, computed with the max subtracted
//! so that it never overflows or takes the log of zero.
//!
//! Derivative (per column): `∂L/∂xᵢ = gᵢ − softmax(x)ᵢ·Σⱼ gⱼ`.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct LogSoftmax;

/// Column-wise log-softmax of a matrix.
pub(crate) fn log_softmax_cols(x: &Matrix) -> Matrix {
    let mut y = x.clone();
    for mut col in y.column_iter_mut() {
        let max = col.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        // (x − max) − ln Σ e^{x − max}: subtracting max first keeps the small terms exact.
        let log_sum = col.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
        col.apply(|v| *v = (*v - max) - log_sum);
    }
    y
}

impl<'g> Var<'g> {
    /// Log-softmax of each column (log-probabilities per example).
    pub fn log_softmax(self) -> Var<'g> {
        let y = log_softmax_cols(&self.value());
        self.record(y, LogSoftmax, &[])
    }
}

impl Op for LogSoftmax {
    fn name(&self) -> &'static str {
        "log_softmax"
    }

    fn backward(&self, _x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            for j in 0..y.ncols() {
                let total: f32 = gy.column(j).sum();
                for i in 0..y.nrows() {
                    g[(i, j)] += gy[(i, j)] - y[(i, j)].exp() * total;
                }
            }
        });
    }
}
