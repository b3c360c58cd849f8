//! Binary cross-entropy on logits: `BCE(σ(z), t)` computed stably as
//! `L = (1/N)·Σ [max(zᵢ, 0) − zᵢ·tᵢ + ln(1 + e^{−|zᵢ|})]`, which never overflows.
//!
//! Derivatives: `∂L/∂zᵢ = (σ(zᵢ) − tᵢ)/N`, `∂L/∂tᵢ = −zᵢ/N`.

use neurotext_linalg::Matrix;

use crate::error::Result;
use crate::graph::{InputGrads, Op, Var};
use crate::ops::{same_shape, sigmoid_scalar};

struct BceWithLogits;

impl<'g> Var<'g> {
    /// Binary cross-entropy between `σ(self)` and targets in `[0, 1]`, from the logits `self`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes differ.
    pub fn bce_with_logits(self, target: Var<'g>) -> Result<Var<'g>> {
        let (z, t) = (self.value(), target.value());
        same_shape("bce_with_logits", &z, &t)?;
        let sum: f32 = z
            .iter()
            .zip(t.iter())
            .map(|(&z, &t)| z.max(0.0) - z * t + (-z.abs()).exp().ln_1p())
            .sum();
        let y = Matrix::from_element(1, 1, sum / z.len() as f32);
        Ok(self.record(y, BceWithLogits, &[target]))
    }
}

impl Op for BceWithLogits {
    fn name(&self) -> &'static str {
        "bce_with_logits"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let (z, t) = (x[0], x[1]);
        let scale = gy[(0, 0)] / z.len() as f32;
        grads.add_with(0, |g| {
            g.zip_zip_apply(z, t, |g, z, t| *g += scale * (sigmoid_scalar(z) - t))
        });
        grads.add_with(1, |g| g.zip_apply(z, |g, z| *g -= scale * z));
    }
}
