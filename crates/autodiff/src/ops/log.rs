//! Elementwise natural logarithm `y = ln x`. Derivative: `1/x`.

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct Log;

impl<'g> Var<'g> {
    /// `ln(self)`, elementwise (IEEE semantics: `ln 0 = −inf`, negative inputs give NaN).
    pub fn log(self) -> Var<'g> {
        let y = self.value().map(f32::ln);
        self.record(y, Log, &[])
    }
}

impl Op for Log {
    fn name(&self) -> &'static str {
        "log"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| g.zip_zip_apply(gy, x[0], |g, d, x| *g += d / x));
    }
}
