//! Mean squared error `L = (1/N)·Σ (pᵢ − tᵢ)²`.
//! Derivatives: `∂L/∂pᵢ = 2(pᵢ − tᵢ)/N`, `∂L/∂tᵢ = −∂L/∂pᵢ`.

use neurotext_linalg::{Matrix, reduce};

use crate::error::Result;
use crate::graph::{InputGrads, Op, Var};
use crate::ops::same_shape;

struct Mse;

impl<'g> Var<'g> {
    /// The mean squared error between `self` (predictions) and `target`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes differ.
    pub fn mse(self, target: Var<'g>) -> Result<Var<'g>> {
        let (p, t) = (self.value(), target.value());
        same_shape("mse", &p, &t)?;
        let sum = reduce::sum_zip(p.as_slice(), t.as_slice(), |p, t| (p - t) * (p - t))?;
        let y = Matrix::from_element(1, 1, sum / p.len() as f32);
        Ok(self.record(y, Mse, &[target]))
    }
}

impl Op for Mse {
    fn name(&self) -> &'static str {
        "mse"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let (p, t) = (x[0], x[1]);
        let scale = 2.0 * gy[(0, 0)] / p.len() as f32;
        grads.add_with(0, |g| {
            g.zip_zip_apply(p, t, |g, p, t| *g += scale * (p - t))
        });
        grads.add_with(1, |g| {
            g.zip_zip_apply(p, t, |g, p, t| *g -= scale * (p - t))
        });
    }
}
