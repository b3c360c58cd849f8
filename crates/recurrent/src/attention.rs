//! Attention pooling: a learned score for every step, a softmax over the real steps of each
//! sequence, and the weighted sum of the outputs.
//!
//! `sₜ = vᵀ·tanh(W·hₜ + b)`, `αₜ = softmax over the real steps of sₜ`, `context = Σₜ αₜ·hₜ`.
//! The weights α are returned too, so that a user can see which tokens mattered.

use neurotext_autodiff::{Graph, Module, Param, Var, join_name};
use neurotext_layers::Init;
use neurotext_linalg::Matrix;
use neurotext_linalg::random::Rng;

use crate::batch::SeqBatch;
use crate::error::{Result, batch_error, config};
use crate::over_time::{softmax_over_time, sum_over_time};

/// Additive attention pooling over `dim`-sized outputs, with an `attention`-sized hidden layer.
#[derive(Clone, Debug)]
pub struct AttentionPooling {
    w: Param,
    b: Param,
    v: Param,
}

/// The result of attention pooling.
#[derive(Clone, Copy, Debug)]
pub struct Attended<'g> {
    /// The weighted sums, `[D, B]`.
    pub context: Var<'g>,
    /// The weights α, `[1, T·B]` (time-major, 0 at padding); each sequence's sum to 1.
    pub weights: Var<'g>,
}

impl Attended<'_> {
    /// The weights of sequence `b` over its real steps.
    ///
    /// # Errors
    /// When `batch` is not the batch these weights were computed for (another number of
    /// columns), or has no sequence `b`.
    pub fn weights_of(&self, batch: &SeqBatch, b: usize) -> Result<Vec<f32>> {
        let w = self.weights.value();
        batch.check("Attended::weights_of", w.shape())?;
        if b >= batch.batch() {
            return Err(batch_error(
                "Attended::weights_of",
                format!("no sequence {b} in a batch of {}", batch.batch()),
            ));
        }
        Ok((0..batch.lengths()[b])
            .map(|t| w[batch.column(t, b)])
            .collect())
    }
}

impl AttentionPooling {
    /// Attention over `dim` features with `attention` hidden units (Xavier-initialised).
    ///
    /// # Errors
    /// When a size is zero.
    pub fn new(dim: usize, attention: usize, rng: &mut Rng) -> Result<Self> {
        if dim == 0 || attention == 0 {
            return Err(config("AttentionPooling", "sizes must be positive"));
        }
        Ok(AttentionPooling {
            w: Param::new(Init::XavierUniform.matrix(attention, dim, rng)),
            b: Param::new(Matrix::zeros(attention, 1)),
            v: Param::new(Init::XavierUniform.matrix(1, attention, rng)),
        })
    }

    /// Pools `h` (`[D, T·B]`) into `[D, B]` and returns the weights.
    ///
    /// # Errors
    /// When `h` does not fit the layer or the batch.
    pub fn forward<'g>(&self, g: &'g Graph, h: Var<'g>, batch: &SeqBatch) -> Result<Attended<'g>> {
        batch.check("AttentionPooling", h.shape())?;
        let scores = g.param(&self.v).matmul(
            g.param(&self.w)
                .matmul(h)?
                .add_bias(g.param(&self.b))?
                .tanh(),
        )?;
        let weights = softmax_over_time(scores, batch)?;
        let context = sum_over_time(h.broadcast_mul(weights)?, batch)?;
        Ok(Attended { context, weights })
    }
}

impl Module for AttentionPooling {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        f(join_name(prefix, "w"), &self.w);
        f(join_name(prefix, "b"), &self.b);
        f(join_name(prefix, "v"), &self.v);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        f(join_name(prefix, "w"), &mut self.w);
        f(join_name(prefix, "b"), &mut self.b);
        f(join_name(prefix, "v"), &mut self.v);
    }
}
