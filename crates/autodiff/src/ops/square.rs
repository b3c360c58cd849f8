//! Elementwise square `y = x²`. Derivative: `2x`.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Square;

impl<'g> Var<'g> {
    /// `self²`, elementwise.
    pub fn square(self) -> Var<'g> {
        let y = self.value().map(|v| v * v);
        self.record(y, Square, &[])
    }
}

impl Op for Square {
    fn name(&self) -> &'static str {
        "square"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            g.zip_zip_apply(gy, x[0], |g, d, x| *g += 2.0 * x * d)
        });
    }
}
