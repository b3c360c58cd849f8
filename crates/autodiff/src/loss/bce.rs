//! Binary cross-entropy on probabilities:
//! `L = −(1/N)·Σ [tᵢ·ln pᵢ + (1 − tᵢ)·ln(1 − pᵢ)]`, the loss of logistic regression.
//!
//! As in PyTorch, each log is clamped at −100 so that a confident wrong prediction gives a
//! large finite loss, not infinity. Derivatives: `∂L/∂pᵢ = (pᵢ − tᵢ) / (pᵢ(1 − pᵢ)) / N` (the
//! denominator kept ≥ 1e-12), `∂L/∂tᵢ = −(ln pᵢ − ln(1 − pᵢ)) / N`.
//! [`bce_with_logits`](crate::Var::bce_with_logits) is the stabler choice for training.

use neurotext_linalg::Matrix;

use crate::error::Result;
use crate::graph::{InputGrads, Op, Var};
use crate::ops::same_shape;

struct Bce;

fn clamped_ln(v: f32) -> f32 {
    v.ln().max(-100.0)
}

impl<'g> Var<'g> {
    /// Binary cross-entropy between probabilities `self` (in `[0, 1]`) and targets in `[0, 1]`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes differ.
    pub fn bce(self, target: Var<'g>) -> Result<Var<'g>> {
        let (p, t) = (self.value(), target.value());
        same_shape("bce", &p, &t)?;
        let sum: f32 = p
            .iter()
            .zip(t.iter())
            .map(|(&p, &t)| t * clamped_ln(p) + (1.0 - t) * clamped_ln(1.0 - p))
            .sum();
        let y = Matrix::from_element(1, 1, -sum / p.len() as f32);
        Ok(self.record(y, Bce, &[target]))
    }
}

impl Op for Bce {
    fn name(&self) -> &'static str {
        "bce"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let (p, t) = (x[0], x[1]);
        let scale = gy[(0, 0)] / p.len() as f32;
        grads.add_with(0, |g| {
            g.zip_zip_apply(p, t, |g, p, t| {
                *g += scale * (p - t) / (p * (1.0 - p)).max(1e-12)
            })
        });
        grads.add_with(1, |g| {
            g.zip_zip_apply(p, t, |g, p, _| {
                *g -= scale * (clamped_ln(p) - clamped_ln(1.0 - p))
            })
        });
    }
}
