//! Range checks of hyperparameters, run at the start of every step, before any parameter
//! or state is touched, so that a bad setting (also one a schedule or
//! [`set_learning_rate`](crate::Optimizer::set_learning_rate) put there) is refused with its
//! name and value instead of turning the weights into NaN.

use crate::error::{Error, Result};

fn refuse(optimizer: &'static str, message: String) -> Result<()> {
    Err(Error::Config { optimizer, message })
}

/// The learning rate η: finite and at least 0 (0 is allowed, as in PyTorch: a schedule may
/// anneal down to it).
pub(crate) fn learning_rate(optimizer: &'static str, lr: f32) -> Result<()> {
    if lr.is_finite() && lr >= 0.0 {
        Ok(())
    } else {
        refuse(
            optimizer,
            format!("learning rate must be finite and at least 0, got {lr}"),
        )
    }
}

/// A decay rate (β, γ) in `[0, 1)`: at 1 or above the averages never forget, or grow.
pub(crate) fn unit(optimizer: &'static str, name: &str, value: f32) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        refuse(optimizer, format!("{name} must be in [0, 1), got {value}"))
    }
}

/// ε: positive and finite (0 divides 0 by 0 wherever a gradient is 0).
pub(crate) fn eps(optimizer: &'static str, eps: f32) -> Result<()> {
    if eps.is_finite() && eps > 0.0 {
        Ok(())
    } else {
        refuse(
            optimizer,
            format!(
                "eps must be positive and finite (at 0, a zero gradient divides 0 by 0), got {eps}"
            ),
        )
    }
}

/// The weight decay λ: finite and at least 0.
pub(crate) fn weight_decay(optimizer: &'static str, wd: f32) -> Result<()> {
    if wd.is_finite() && wd >= 0.0 {
        Ok(())
    } else {
        refuse(
            optimizer,
            format!("weight_decay must be finite and at least 0, got {wd}"),
        )
    }
}
