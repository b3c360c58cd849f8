//! Negation `y = −x`. Derivative: `−1`.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Neg;

impl<'g> Var<'g> {
    /// `−self`.
    pub fn neg(self) -> Var<'g> {
        let y = -&*self.value();
        self.record(y, Neg, &[])
    }
}

impl Op for Neg {
    fn name(&self) -> &'static str {
        "neg"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| *g -= gy);
    }
}
