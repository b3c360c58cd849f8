//! Per-parameter optimizer state (velocities, squared-gradient sums), keyed by the
//! parameter's name so that it can be saved, loaded and matched to the model again.

use std::collections::BTreeMap;

use std::ops::Range;

use neurotext_autodiff::{GradSupport, Module, duplicate_name};
use neurotext_linalg::{Matrix, shape_str};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One state matrix per parameter, created as zeros on first use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Slots(
    #[serde(deserialize_with = "neurotext_linalg::serde_matrix::deserialize_map")]
    BTreeMap<String, Matrix>,
);

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

/// The stretches of one parameter that an update must touch: the whole matrix when its
/// gradient is dense, one column per touched column when it is sparse (lazy updates).
pub(crate) struct Spans<'a> {
    theta: &'a mut Matrix,
    grad: &'a Matrix,
    support: &'a GradSupport,
}

impl Spans<'_> {
    /// Calls `f(range, θ[range], ∇L[range])` for each stretch; `range` indexes the
    /// column-major data, so optimizer state slices line up with it.
    pub(crate) fn for_each(&mut self, mut f: impl FnMut(Range<usize>, &mut [f32], &[f32])) {
        let rows = self.theta.nrows();
        let (theta, grad) = (self.theta.as_mut_slice(), self.grad.as_slice());
        match self.support {
            GradSupport::Zero => {}
            GradSupport::Dense => f(0..theta.len(), theta, grad),
            GradSupport::Columns(cols) => {
                for &c in cols {
                    let r = c * rows..(c + 1) * rows;
                    f(r.clone(), &mut theta[r.clone()], &grad[r]);
                }
            }
        }
    }
}

/// Calls `f(name, shape, spans)` for every parameter of `model` that has a gradient.
///
/// # Errors
/// [`Error::DuplicateName`] before any call when two parameters have the same name, and
/// `f`'s errors.
pub(crate) fn for_each_param(
    model: &mut dyn Module,
    mut f: impl FnMut(&str, (usize, usize), &mut Spans<'_>) -> Result<()>,
) -> Result<()> {
    let params = model.named_params_mut();
    if let Some(name) = duplicate_name(&params) {
        return Err(Error::DuplicateName {
            name: name.to_string(),
        });
    }
    for (name, p) in params {
        let shape = p.shape();
        let (theta, grad, support) = p.update_parts();
        f(
            &name,
            shape,
            &mut Spans {
                theta,
                grad,
                support,
            },
        )?;
    }
    Ok(())
}

/// Decoupled weight decay (AdamW style): θ ← θ − η·λ·θ, applied before the update itself.
pub(crate) fn decay(theta: &mut [f32], lr: f32, weight_decay: f32) {
    if weight_decay != 0.0 {
        let keep = 1.0 - lr * weight_decay;
        theta.iter_mut().for_each(|t| *t *= keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_refuse_a_saved_shape_whose_size_overflows() {
        // nalgebra's layout of a matrix, (values, nrows, ncols), with 2³² × 2³² claimed for
        // no values: the product wraps to 0 in 64 bits.
        let config = bincode::config::standard();
        let crafted: BTreeMap<String, (Vec<f32>, u64, u64)> =
            [("w".to_string(), (Vec::new(), 1 << 32, 1 << 32))].into();
        let bytes = bincode::serde::encode_to_vec(&crafted, config).unwrap();
        let err = bincode::serde::decode_from_slice::<Slots, _>(&bytes, config).unwrap_err();
        assert!(err.to_string().contains("cannot hold 0 values"), "{err}");

        let fine: BTreeMap<String, (Vec<f32>, u64, u64)> =
            [("w".to_string(), (vec![1.0, 2.0], 2, 1))].into();
        let bytes = bincode::serde::encode_to_vec(&fine, config).unwrap();
        let (mut slots, _): (Slots, _) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(slots.get("w", (2, 1)).unwrap().as_slice(), [1.0, 2.0]);
    }
}
