//! Any of the optimizers as one serialisable value, chosen by name at run time.

use neurotext_autodiff::Module;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::optimizer::Optimizer;
use crate::{Adagrad, Adam, Momentum, Nesterov, RmsProp, Sgd};

/// One of the lecture's optimizers, with its state: what a command-line flag selects and a
/// checkpoint stores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AnyOptimizer {
    /// [`Sgd`].
    Sgd(Sgd),
    /// [`Momentum`].
    Momentum(Momentum),
    /// [`Nesterov`].
    Nesterov(Nesterov),
    /// [`Adagrad`].
    Adagrad(Adagrad),
    /// [`RmsProp`].
    RmsProp(RmsProp),
    /// [`Adam`].
    Adam(Adam),
}

/// The names [`AnyOptimizer::by_name`] accepts.
pub const OPTIMIZER_NAMES: [&str; 6] =
    ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];

impl AnyOptimizer {
    /// The optimizer called `name` (see [`OPTIMIZER_NAMES`]) with learning rate `lr` and
    /// default hyperparameters.
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown name or a learning rate that is not positive and finite.
    pub fn by_name(name: &str, lr: f32) -> Result<Self> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(Error::Config {
                optimizer: "optimizer",
                message: format!("learning rate {lr} must be positive"),
            });
        }
        Ok(match name {
            "sgd" => AnyOptimizer::Sgd(Sgd::new(lr)),
            "momentum" => AnyOptimizer::Momentum(Momentum::new(lr)),
            "nesterov" => AnyOptimizer::Nesterov(Nesterov::new(lr)),
            "adagrad" => AnyOptimizer::Adagrad(Adagrad::new(lr)),
            "rmsprop" => AnyOptimizer::RmsProp(RmsProp::new(lr)),
            "adam" => AnyOptimizer::Adam(Adam::new(lr)),
            other => {
                return Err(Error::Config {
                    optimizer: "optimizer",
                    message: format!(
                        "unknown optimizer {other:?}; expected one of {}",
                        OPTIMIZER_NAMES.join(", ")
                    ),
                });
            }
        })
    }

    /// The name [`by_name`](Self::by_name) takes for this optimizer.
    pub fn name(&self) -> &'static str {
        match self {
            AnyOptimizer::Sgd(_) => "sgd",
            AnyOptimizer::Momentum(_) => "momentum",
            AnyOptimizer::Nesterov(_) => "nesterov",
            AnyOptimizer::Adagrad(_) => "adagrad",
            AnyOptimizer::RmsProp(_) => "rmsprop",
            AnyOptimizer::Adam(_) => "adam",
        }
    }

    fn inner(&mut self) -> &mut dyn Optimizer {
        match self {
            AnyOptimizer::Sgd(o) => o,
            AnyOptimizer::Momentum(o) => o,
            AnyOptimizer::Nesterov(o) => o,
            AnyOptimizer::Adagrad(o) => o,
            AnyOptimizer::RmsProp(o) => o,
            AnyOptimizer::Adam(o) => o,
        }
    }
}

impl Optimizer for AnyOptimizer {
    fn step(&mut self, model: &mut dyn Module) -> Result<()> {
        self.inner().step(model)
    }

    fn learning_rate(&self) -> f32 {
        match self {
            AnyOptimizer::Sgd(o) => o.learning_rate(),
            AnyOptimizer::Momentum(o) => o.learning_rate(),
            AnyOptimizer::Nesterov(o) => o.learning_rate(),
            AnyOptimizer::Adagrad(o) => o.learning_rate(),
            AnyOptimizer::RmsProp(o) => o.learning_rate(),
            AnyOptimizer::Adam(o) => o.learning_rate(),
        }
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.inner().set_learning_rate(lr);
    }
}
