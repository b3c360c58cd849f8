//! RMSprop: Adagrad with a forgetting sum. `E ← γ·E + (1 − γ)·(∇L)²`,
//! `θ ← θ − η·∇L/√(E + ε)`.
//!
//! The squared-gradient average forgets old steps, so the step size does not decay to zero
//! as Adagrad's does. ε sits inside the root, as in the lecture's Adagrad and Adam; PyTorch
//! (with its `alpha` = γ = 0.99 by default) puts it outside.

use neurotext_autodiff::Module;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::Result;
use crate::optimizer::Optimizer;
use crate::slots::{Slots, decay, for_each_param};

/// RMSprop (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RmsProp {
    lr: f32,
    gamma: f32,
    eps: f32,
    weight_decay: f32,
    e: Slots,
}

impl RmsProp {
    /// RMSprop with learning rate `lr`, γ = 0.9 and ε = 1e-8.
    pub fn new(lr: f32) -> Self {
        RmsProp {
            lr,
            gamma: 0.9,
            eps: 1e-8,
            weight_decay: 0.0,
            e: Slots::default(),
        }
    }

    /// With decay γ of the squared-gradient average, in `[0, 1)` (checked by
    /// [`step`](Optimizer::step)).
    pub fn with_gamma(mut self, gamma: f32) -> Self {
        self.gamma = gamma;
        self
    }

    /// With ε (positive).
    pub fn with_eps(mut self, eps: f32) -> Self {
        self.eps = eps;
        self
    }

    /// With decoupled weight decay λ.
    pub fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl Optimizer for RmsProp {
    fn step(&mut self, model: &mut dyn Module) -> Result<()> {
        let (lr, gamma, eps, wd) = (self.lr, self.gamma, self.eps, self.weight_decay);
        check::learning_rate("rmsprop", lr)?;
        check::unit("rmsprop", "gamma", gamma)?;
        check::eps("rmsprop", eps)?;
        check::weight_decay("rmsprop", wd)?;
        let slots = &mut self.e;
        for_each_param(model, |name, shape, spans| {
            let e = slots.get(name, shape)?.as_mut_slice();
            spans.for_each(|r, theta, grad| {
                decay(theta, lr, wd);
                for ((t, g), e) in theta.iter_mut().zip(grad).zip(&mut e[r]) {
                    *e = gamma * *e + (1.0 - gamma) * g * g;
                    *t -= lr * g / (*e + eps).sqrt();
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
