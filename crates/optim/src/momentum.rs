//! Gradient descent with momentum, in the lecture's form:
//! `m ← β·m + η·∇L`, `θ ← θ − m`.
//!
//! PyTorch writes `m ← β·m + ∇L`, `θ ← θ − η·m`; the two agree while η is constant and
//! differ by when a changed η takes effect.

use neurotext_autodiff::Module;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::Result;
use crate::optimizer::Optimizer;
use crate::slots::{Slots, decay, for_each_param};

/// Momentum: the update keeps a fraction β of the previous one, so consistent gradient
/// directions accelerate and oscillating ones cancel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Momentum {
    lr: f32,
    beta: f32,
    weight_decay: f32,
    m: Slots,
}

impl Momentum {
    /// Momentum with learning rate `lr` and β = 0.9.
    pub fn new(lr: f32) -> Self {
        Momentum {
            lr,
            beta: 0.9,
            weight_decay: 0.0,
            m: Slots::default(),
        }
    }

    /// With momentum coefficient β in `[0, 1)` (checked by [`step`](Optimizer::step)).
    pub fn with_beta(mut self, beta: f32) -> Self {
        self.beta = beta;
        self
    }

    /// With decoupled weight decay λ.
    pub fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl Optimizer for Momentum {
    fn step(&mut self, model: &mut dyn Module) -> Result<()> {
        let (lr, beta, wd) = (self.lr, self.beta, self.weight_decay);
        check::learning_rate("momentum", lr)?;
        check::unit("momentum", "beta", beta)?;
        check::weight_decay("momentum", wd)?;
        let slots = &mut self.m;
        for_each_param(model, |name, shape, spans| {
            let m = slots.get(name, shape)?.as_mut_slice();
            spans.for_each(|r, theta, grad| {
                decay(theta, lr, wd);
                for ((t, g), m) in theta.iter_mut().zip(grad).zip(&mut m[r]) {
                    *m = beta * *m + lr * g;
                    *t -= *m;
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
