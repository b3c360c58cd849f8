//! Per-parameter optimizer state (velocities, squared-gradient sums), keyed by the
//! parameter's name so that it can be saved, loaded and matched to the model again.

use std::collections::BTreeMap;

use neurotext_autodiff::Module;
use neurotext_linalg::{Matrix, shape_str};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One state matrix per parameter, created as zeros on first use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Slots(BTreeMap<String, Matrix>);

impl Slots {
    /// The state of parameter `name`, zeros of `shape` if it has none yet.
    ///
    /// # Errors
    /// [`Error::StateShape`] when saved state of another shape exists under that name.
    pub fn get(&mut self, name: &str, shape: (usize, usize)) -> Result<&mut Matrix> {
        let m = self
            .0
            .entry(name.to_string())
            .or_insert_with(|| Matrix::zeros(shape.0, shape.1));
        if m.shape() != shape {
            return Err(Error::StateShape {
                name: name.into(),
                state: shape_str(m.nrows(), m.ncols()),
                param: shape_str(shape.0, shape.1),
            });
        }
        Ok(m)
    }

    /// The number of parameters with state.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no parameter has state yet.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Calls `f(name, θ, ∇L)` for every parameter of `model`.
pub(crate) fn for_each_param(
    model: &mut dyn Module,
    mut f: impl FnMut(&str, &mut Matrix, &Matrix) -> Result<()>,
) -> Result<()> {
    for (name, p) in model.named_params_mut() {
        let (value, grad) = p.value_and_grad_mut();
        f(&name, value, grad)?;
    }
    Ok(())
}

/// Decoupled weight decay (AdamW style): θ ← θ − η·λ·θ, applied before the update itself.
pub(crate) fn decay(value: &mut Matrix, lr: f32, weight_decay: f32) {
    if weight_decay != 0.0 {
        *value *= 1.0 - lr * weight_decay;
    }
}
