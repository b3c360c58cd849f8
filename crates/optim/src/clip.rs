//! Gradient clipping by global norm.

use neurotext_autodiff::Module;

use crate::error::{Error, Result};

/// The global L2 norm of all gradients of `model`, `√(Σ g²)` over every parameter (only the
/// columns a sparse gradient touched are read).
pub fn grad_norm(model: &mut dyn Module) -> f32 {
    let mut sum = 0.0f64;
    model.visit_params_mut("", &mut |_, p| {
        p.for_each_grad_column(|_, col| {
            sum += col
                .iter()
                .map(|&g| f64::from(g) * f64::from(g))
                .sum::<f64>();
        });
    });
    sum.sqrt() as f32
}

/// Scales all gradients of `model` by one factor so that their global norm is at most
/// `max_norm`, and returns the norm before clipping. Directions are kept; only the step
/// length shrinks, which tames the exploding gradients of recurrent networks.
///
/// A non-finite norm is returned as is and nothing is scaled: the training loop reports it.
///
/// # Errors
/// [`Error::Config`] when `max_norm` is not positive and finite (a negative one would flip
/// the gradients, NaN would silently disable clipping); nothing is scaled then.
pub fn clip_grad_norm(model: &mut dyn Module, max_norm: f32) -> Result<f32> {
    if !(max_norm.is_finite() && max_norm > 0.0) {
        return Err(Error::Config {
            optimizer: "clip_grad_norm",
            message: format!("max_norm must be positive and finite, got {max_norm}"),
        });
    }
    let norm = grad_norm(model);
    if norm.is_finite() && norm > max_norm && norm > 0.0 {
        let scale = max_norm / norm;
        model.visit_params_mut("", &mut |_, p| p.scale_grad(scale));
    }
    Ok(norm)
}
