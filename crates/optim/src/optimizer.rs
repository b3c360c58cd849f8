//! The trait every optimizer implements.

use neurotext_autodiff::Module;

use crate::error::Result;

/// An update rule: reads each parameter's gradient and moves its value.
///
/// Call [`step`](Self::step) after the backward pass and then zero the gradients
/// ([`Module::zero_grad`]); the optimizer never zeroes them itself, so gradients can be
/// accumulated over several backward passes first.
pub trait Optimizer {
    /// Applies one update to every parameter of `model`.
    ///
    /// # Errors
    /// When saved state does not fit the model's parameters.
    fn step(&mut self, model: &mut dyn Module) -> Result<()>;

    /// The learning rate η of the next step.
    fn learning_rate(&self) -> f32;

    /// Sets η, for learning-rate schedules.
    fn set_learning_rate(&mut self, lr: f32);
}
