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
    /// [`Error::Config`](crate::Error::Config) when a hyperparameter is out of range (a
    /// negative or non-finite learning rate, a decay rate outside `[0, 1)`, ε not positive,
    /// a negative weight decay), [`Error::DuplicateName`](crate::Error::DuplicateName) when
    /// two parameters have the same name, and [`Error::StateShape`](crate::Error::StateShape)
    /// when saved state does not fit the model's parameters. The first two are found before
    /// any parameter is updated.
    fn step(&mut self, model: &mut dyn Module) -> Result<()>;

    /// The learning rate η of the next step.
    fn learning_rate(&self) -> f32;

    /// Sets η, for learning-rate schedules. A value that is negative or not finite is
    /// refused by the next [`step`](Self::step).
    fn set_learning_rate(&mut self, lr: f32);
}
