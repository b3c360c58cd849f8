//! Elementwise exponential `y = eˣ`. Derivative: `eˣ = y`, taken from the saved output.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Exp;

impl<'g> Var<'g> {
    /// `e^self`, elementwise.
    pub fn exp(self) -> Var<'g> {
        let y = self.value().map(f32::exp);
        self.record(y, Exp, &[])
    }
}

impl Op for Exp {
    fn name(&self) -> &'static str {
        "exp"
    }

    fn backward(&self, _x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| g.zip_zip_apply(gy, y, |g, d, y| *g += d * y));
    }
}
