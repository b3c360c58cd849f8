//! Elementwise (Hadamard) product `y = a ⊙ b`. Derivatives: `∂y/∂a = b`, `∂y/∂b = a`.

use neurotext_linalg::Matrix;

use super::same_shape;
use crate::error::Result;
use crate::graph::{InputGrads, Op, Var};

struct Mul;

impl<'g> Var<'g> {
    /// `self ⊙ b`, elementwise.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes differ.
    pub fn mul(self, b: Var<'g>) -> Result<Var<'g>> {
        let (av, bv) = (self.value(), b.value());
        same_shape("mul", &av, &bv)?;
        Ok(self.record(av.component_mul(&bv), Mul, &[b]))
    }
}

impl Op for Mul {
    fn name(&self) -> &'static str {
        "mul"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| g.zip_zip_apply(gy, x[1], |g, d, b| *g += d * b));
        grads.add_with(1, |g| g.zip_zip_apply(gy, x[0], |g, d, a| *g += d * a));
    }
}
