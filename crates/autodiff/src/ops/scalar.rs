//! Ops with a constant scalar: `y = x + c` (derivative 1) and `y = c·x` (derivative c).

use neurotext_linalg::Matrix;

use crate::graph::{InputGrads, Op, Var};

struct AddScalar;

struct MulScalar(f32);

impl<'g> Var<'g> {
    /// `self + c`, elementwise.
    pub fn add_scalar(self, c: f32) -> Var<'g> {
        let y = self.value().add_scalar(c);
        self.record(y, AddScalar, &[])
    }

    /// `c · self`.
    pub fn mul_scalar(self, c: f32) -> Var<'g> {
        let y = &*self.value() * c;
        self.record(y, MulScalar(c), &[])
    }
}

impl Op for AddScalar {
    fn name(&self) -> &'static str {
        "add_scalar"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| *g += gy);
    }
}

impl Op for MulScalar {
    fn name(&self) -> &'static str {
        "mul_scalar"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let c = self.0;
        grads.add_with(0, |g| g.zip_apply(gy, |g, d| *g += c * d));
    }
}
