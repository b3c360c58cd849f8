//! Adam, in the lecture's form:
//!
//! `m ← β₁·m + (1 − β₁)·∇L`, `v ← β₂·v + (1 − β₂)·(∇L)²`,
//! `m̂ = m/(1 − β₁ᵗ)`, `v̂ = v/(1 − β₂ᵗ)`, `θ ← θ − η·m̂/√(v̂ + ε)`.
//!
//! **ε placement.** The lecture puts ε inside the root, and that is the default here.
//! PyTorch (and the Adam paper) compute `m̂/(√v̂ + ε)`; choose
//! [`Epsilon::OutsideRoot`] to match PyTorch's numbers. The two differ only where v̂ is tiny:
//! with ε = 1e-8 inside the root the denominator never falls below 1e-4.
//!
//! Decoupled weight decay (`with_weight_decay`) makes it AdamW: `θ ← θ − η·λ·θ` before the
//! update, not added to the gradient.

use neurotext_autodiff::Module;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::Result;
use crate::optimizer::Optimizer;
use crate::slots::{Slots, decay, for_each_param};

/// Where ε enters Adam's denominator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Epsilon {
    /// `√(v̂ + ε)`, as in the lecture.
    #[default]
    InsideRoot,
    /// `√v̂ + ε`, as in PyTorch and the Adam paper.
    OutsideRoot,
}

/// Adam (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    epsilon: Epsilon,
    weight_decay: f32,
    t: u64,
    m: Slots,
    v: Slots,
}

impl Adam {
    /// Adam with learning rate `lr`, β₁ = 0.9, β₂ = 0.999, ε = 1e-8 inside the root.
    pub fn new(lr: f32) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            epsilon: Epsilon::InsideRoot,
            weight_decay: 0.0,
            t: 0,
            m: Slots::default(),
            v: Slots::default(),
        }
    }

    /// With decay rates β₁ and β₂, each in `[0, 1)` (checked by [`step`](Optimizer::step)).
    pub fn with_betas(mut self, beta1: f32, beta2: f32) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// With ε (positive) and where it enters the denominator.
    pub fn with_eps(mut self, eps: f32, placement: Epsilon) -> Self {
        self.eps = eps;
        self.epsilon = placement;
        self
    }

    /// With decoupled weight decay λ ≥ 0 (AdamW).
    pub fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// The number of steps taken (t of the bias correction).
    pub fn steps(&self) -> u64 {
        self.t
    }
}

impl Optimizer for Adam {
    fn step(&mut self, model: &mut dyn Module) -> Result<()> {
        let (lr, b1, b2, eps, wd) = (self.lr, self.beta1, self.beta2, self.eps, self.weight_decay);
        check::learning_rate("adam", lr)?;
        check::unit("adam", "beta1", b1)?;
        check::unit("adam", "beta2", b2)?;
        check::eps("adam", eps)?;
        check::weight_decay("adam", wd)?;
        self.t += 1;
        let t = i32::try_from(self.t).unwrap_or(i32::MAX);
        let (inv_c1, inv_c2) = (1.0 / (1.0 - b1.powi(t)), 1.0 / (1.0 - b2.powi(t)));
        let inside = self.epsilon == Epsilon::InsideRoot;
        let (ms, vs) = (&mut self.m, &mut self.v);
        for_each_param(model, |name, shape, spans| {
            let m = ms.get(name, shape)?.as_mut_slice();
            let v = vs.get(name, shape)?.as_mut_slice();
            spans.for_each(|r, theta, grad| {
                decay(theta, lr, wd);
                let elements = theta
                    .iter_mut()
                    .zip(grad)
                    .zip(&mut m[r.clone()])
                    .zip(&mut v[r]);
                // Two loops, so that neither carries a branch and both vectorise; the bias
                // corrections are multiplications by precomputed reciprocals.
                if inside {
                    for (((th, g), m), v) in elements {
                        *m = b1 * *m + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        *th -= lr * (*m * inv_c1) / (*v * inv_c2 + eps).sqrt();
                    }
                } else {
                    for (((th, g), m), v) in elements {
                        *m = b1 * *m + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        *th -= lr * (*m * inv_c1) / ((*v * inv_c2).sqrt() + eps);
                    }
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
