//! Mean absolute error `L = (1/N)·Σ |pᵢ − tᵢ|`.
//! Derivatives: `∂L/∂pᵢ = sign(pᵢ − tᵢ)/N` (0 where they are equal), `∂L/∂tᵢ = −∂L/∂pᵢ`.

use neurotext_linalg::{Matrix, reduce};

use crate::error::Result;
use crate::graph::{InputGrads, Op, Var};
use crate::ops::same_shape;

struct Mae;

fn sign(v: f32) -> f32 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl<'g> Var<'g> {
    /// The mean absolute error between `self` (predictions) and `target`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes differ.
    pub fn mae(self, target: Var<'g>) -> Result<Var<'g>> {
        let (p, t) = (self.value(), target.value());
        same_shape("mae", &p, &t)?;
        let sum = reduce::sum_zip(p.as_slice(), t.as_slice(), |p, t| (p - t).abs())?;
        let y = Matrix::from_element(1, 1, sum / p.len() as f32);
        Ok(self.record(y, Mae, &[target]))
    }
}

impl Op for Mae {
    fn name(&self) -> &'static str {
        "mae"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let (p, t) = (x[0], x[1]);
        let scale = gy[(0, 0)] / p.len() as f32;
        grads.add_with(0, |g| {
            g.zip_zip_apply(p, t, |g, p, t| *g += scale * sign(p - t))
        });
        grads.add_with(1, |g| {
            g.zip_zip_apply(p, t, |g, p, t| *g -= scale * sign(p - t))
        });
    }
}
