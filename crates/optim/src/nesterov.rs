//! Nesterov's accelerated gradient. The lecture's definition evaluates the gradient at the
//! look-ahead point:
//!
//! `v ← β·v + η·∇L(θ − β·v)`, `θ ← θ − v`.
//!
//! A training loop can only give the gradient at the parameters it holds, so, as every
//! library does, the parameters held are the look-ahead point `φ = θ − β·v` itself. With
//! `g = ∇L(φ)`, the same sequence becomes
//!
//! `v ← β·v + η·g`, `φ ← φ − (η·g + β·v)`,
//!
//! which is the lecture's update, step for step, seen at `φ` (a test checks it against a
//! literal implementation). The lecture's θ is `φ + β·v`; at convergence v → 0 and they agree.

use neurotext_autodiff::Module;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::Result;
use crate::optimizer::Optimizer;
use crate::slots::{Slots, decay, for_each_param};

/// Nesterov momentum, in look-ahead form (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Nesterov {
    lr: f32,
    beta: f32,
    weight_decay: f32,
    v: Slots,
}

impl Nesterov {
    /// Nesterov momentum with learning rate `lr` and β = 0.9.
    pub fn new(lr: f32) -> Self {
        Nesterov {
            lr,
            beta: 0.9,
            weight_decay: 0.0,
            v: Slots::default(),
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

impl Optimizer for Nesterov {
    fn step(&mut self, model: &mut dyn Module) -> Result<()> {
        let (lr, beta, wd) = (self.lr, self.beta, self.weight_decay);
        check::learning_rate("nesterov", lr)?;
        check::unit("nesterov", "beta", beta)?;
        check::weight_decay("nesterov", wd)?;
        let slots = &mut self.v;
        for_each_param(model, |name, shape, spans| {
            let v = slots.get(name, shape)?.as_mut_slice();
            spans.for_each(|r, phi, grad| {
                decay(phi, lr, wd);
                for ((p, g), v) in phi.iter_mut().zip(grad).zip(&mut v[r]) {
                    *v = beta * *v + lr * g;
                    *p -= lr * g + beta * *v;
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
