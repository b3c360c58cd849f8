//! Rectified linear unit `y = max(0, x)`. Derivative: 1 where `x > 0`, else 0 (the lecture's
//! convention at the kink: 0).

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Relu;

impl<'g> Var<'g> {
    /// `max(0, self)`, elementwise.
    pub fn relu(self) -> Var<'g> {
        let y = self.value().map(|v| v.max(0.0));
        self.record(y, Relu, &[])
    }
}

impl Op for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            g.zip_zip_apply(gy, x[0], |g, d, x| {
                if x > 0.0 {
                    *g += d;
                }
            });
        });
    }
}
