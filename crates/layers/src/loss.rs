//! Loss functions as values that a training loop can hold: each is one fused autodiff op.

use neurotext_autodiff::{Graph, Var};
use neurotext_linalg::Matrix;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// What a model's output is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Real values of the output's shape (regression, binary probabilities).
    Values(Matrix),
    /// One class per column of the output (classification).
    Classes(Vec<usize>),
}

/// A loss function: the autodiff's losses, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// Mean squared error, `(1/N)·Σ(y − t)²`.
    Mse,
    /// Mean absolute error, `(1/N)·Σ|y − t|`.
    Mae,
    /// Binary cross-entropy on probabilities.
    Bce,
    /// Binary cross-entropy on logits (stable; prefer it for training).
    BceWithLogits,
    /// Softmax cross-entropy on logits, with an optional ignored class (padding).
    CrossEntropy {
        /// Targets equal to this do not count.
        ignore_index: Option<usize>,
    },
}

impl Loss {
    /// The loss of `output` against `target`, a `[1, 1]` value.
    ///
    /// # Errors
    /// When the target's kind does not fit the loss (classes for MSE, values for
    /// cross-entropy) or its shape does not fit the output.
    pub fn compute<'g>(self, g: &'g Graph, output: Var<'g>, target: &Target) -> Result<Var<'g>> {
        use neurotext_autodiff::Error as AdError;
        let values = |t: &Target| match t {
            Target::Values(m) => Ok(g.constant(m.clone())),
            Target::Classes(_) => Err(AdError::Invalid {
                op: "loss",
                message: format!("{self:?} needs real-valued targets, got classes"),
            }),
        };
        Ok(match self {
            Loss::Mse => output.mse(values(target)?)?,
            Loss::Mae => output.mae(values(target)?)?,
            Loss::Bce => output.bce(values(target)?)?,
            Loss::BceWithLogits => output.bce_with_logits(values(target)?)?,
            Loss::CrossEntropy { ignore_index } => match target {
                Target::Classes(c) => output.cross_entropy(c, ignore_index)?,
                Target::Values(_) => {
                    return Err(AdError::Invalid {
                        op: "loss",
                        message: "CrossEntropy needs class targets, got values".into(),
                    }
                    .into());
                }
            },
        })
    }
}
