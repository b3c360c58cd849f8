//! The logistic function `σ(x) = 1 / (1 + e⁻ˣ)`. Derivative: `σ(x)·(1 − σ(x))`, taken from
//! the saved output.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Sigmoid;

/// `σ(x)`, computed without overflow for large `|x|`.
pub fn sigmoid_scalar(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl<'g> Var<'g> {
    /// `σ(self)`, elementwise.
    pub fn sigmoid(self) -> Var<'g> {
        let y = self.value().map(sigmoid_scalar);
        self.record(y, Sigmoid, &[])
    }
}

impl Op for Sigmoid {
    fn name(&self) -> &'static str {
        "sigmoid"
    }

    fn backward(&self, _x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            g.zip_zip_apply(gy, y, |g, d, s| *g += d * s * (1.0 - s))
        });
    }
}
