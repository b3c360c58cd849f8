//! Softmax over each column: `yᵢ = e^{xᵢ} / Σⱼ e^{xⱼ}`, one distribution per example.
//!
//! Computed as `e^{xᵢ − max x}` so that large inputs do not overflow. Derivative (per column):
//! `∂L/∂xᵢ = yᵢ·(gᵢ − Σⱼ gⱼ yⱼ)`.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Softmax;

/// Column-wise softmax of a matrix.
fn softmax_cols(x: &Matrix) -> Matrix {
    let mut y = x.clone();
    for mut col in y.column_iter_mut() {
        let max = col.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in col.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        col /= sum;
    }
    y
}

impl<'g> Var<'g> {
    /// Softmax of each column (each example's scores become probabilities).
    pub fn softmax(self) -> Var<'g> {
        let y = softmax_cols(&self.value());
        self.record(y, Softmax, &[])
    }
}

impl Op for Softmax {
    fn name(&self) -> &'static str {
        "softmax"
    }

    fn backward(&self, _x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            for j in 0..y.ncols() {
                let dot: f32 = y.column(j).dot(&gy.column(j));
                for i in 0..y.nrows() {
                    g[(i, j)] += y[(i, j)] * (gy[(i, j)] - dot);
                }
            }
        });
    }
}
