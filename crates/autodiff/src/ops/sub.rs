//! Elementwise difference `y = a − b`. Derivatives: `∂y/∂a = 1`, `∂y/∂b = −1`.

use neurotext_linalg::Matrix;

use super::same_shape;
use crate::error::Result;
use crate::graph::{InputGrads, Op, Var};

struct Sub;

impl<'g> Var<'g> {
    /// `self − b`, elementwise.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes differ.
    pub fn sub(self, b: Var<'g>) -> Result<Var<'g>> {
        let (av, bv) = (self.value(), b.value());
        same_shape("sub", &av, &bv)?;
        Ok(self.record(&*av - &*bv, Sub, &[b]))
    }
}

impl Op for Sub {
    fn name(&self) -> &'static str {
        "sub"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| *g += gy);
        grads.add_with(1, |g| *g -= gy);
    }
}
