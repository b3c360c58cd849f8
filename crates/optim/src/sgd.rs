//! Stochastic gradient descent, the lecture's plain update: `θ ← θ − η·∇L`.

use neurotext_autodiff::Module;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::Result;
use crate::optimizer::Optimizer;
use crate::slots::{decay, for_each_param};

/// Plain gradient descent: `θ ← θ − η·∇L`. With the whole training set per step it is
/// gradient descent, with one example stochastic gradient descent, in between minibatch SGD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sgd {
    lr: f32,
    weight_decay: f32,
}

impl Sgd {
    /// SGD with learning rate `lr`.
    pub fn new(lr: f32) -> Self {
        Sgd {
            lr,
            weight_decay: 0.0,
        }
    }

    /// With decoupled weight decay λ: `θ ← θ − η·λ·θ` before each step.
    pub fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, model: &mut dyn Module) -> Result<()> {
        let (lr, wd) = (self.lr, self.weight_decay);
        check::learning_rate("sgd", lr)?;
        check::weight_decay("sgd", wd)?;
        for_each_param(model, |_, _, spans| {
            spans.for_each(|_, theta, grad| {
                decay(theta, lr, wd);
                for (t, g) in theta.iter_mut().zip(grad) {
                    *t -= lr * g;
                }
            });
            Ok(())
        })
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
}
