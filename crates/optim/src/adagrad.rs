//! Adagrad, in the lecture's form: `G ← G + (∇L)²`, `θ ← θ − η·∇L/√(G + ε)`.
//!
//! Each parameter's step shrinks with the sum of its squared gradients, so rarely updated
//! parameters (rare words' embeddings) keep larger steps. The lecture puts ε inside the root;
//! PyTorch computes `∇L/(√G + ε)`. Both only guard against division by zero.

use neurotext_autodiff::Module;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::Result;
use crate::optimizer::Optimizer;
use crate::slots::{Slots, decay, for_each_param};

/// Adagrad (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adagrad {
    lr: f32,
    eps: f32,
    weight_decay: f32,
    g2: Slots,
}

impl Adagrad {
    /// Adagrad with learning rate `lr` and ε = 1e-8.
    pub fn new(lr: f32) -> Self {
        Adagrad {
            lr,
            eps: 1e-8,
            weight_decay: 0.0,
            g2: Slots::default(),
        }
    }

    /// With ε (positive, checked by [`step`](Optimizer::step)).
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

impl Optimizer for Adagrad {
    fn step(&mut self, model: &mut dyn Module) -> Result<()> {
        let (lr, eps, wd) = (self.lr, self.eps, self.weight_decay);
        check::learning_rate("adagrad", lr)?;
        check::eps("adagrad", eps)?;
        check::weight_decay("adagrad", wd)?;
        let slots = &mut self.g2;
        for_each_param(model, |name, shape, spans| {
            let g2 = slots.get(name, shape)?.as_mut_slice();
            spans.for_each(|r, theta, grad| {
                decay(theta, lr, wd);
                for ((t, g), s) in theta.iter_mut().zip(grad).zip(&mut g2[r]) {
                    *s += g * g;
                    *t -= lr * g / (*s + eps).sqrt();
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
