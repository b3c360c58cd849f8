//! Hyperbolic tangent. Derivative: `1 − tanh(x)²`, taken from the saved output.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Tanh;

impl<'g> Var<'g> {
    /// `tanh(self)`, elementwise.
    pub fn tanh(self) -> Var<'g> {
        let y = self.value().map(f32::tanh);
        self.record(y, Tanh, &[])
    }
}

impl Op for Tanh {
    fn name(&self) -> &'static str {
        "tanh"
    }

    fn backward(&self, _x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            g.zip_zip_apply(gy, y, |g, d, t| *g += d * (1.0 - t * t))
        });
    }
}
