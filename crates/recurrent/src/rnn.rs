//! The simple (Elman) recurrent network: `hₜ = f(Wₓ·xₜ + Wₕ·hₜ₋₁ + b)`, `h₀ = 0`, any
//! activation f. Unfolded over time it is a deep network with shared weights; the autodiff
//! backpropagates through the unfolded graph (backpropagation through time).

use neurotext_autodiff::{Axis, Graph, Module, Param, Var, concat, join_name};
use neurotext_layers::Activation;
use neurotext_linalg::Matrix;
use neurotext_linalg::random::{Rng, uniform};

use crate::batch::SeqBatch;
use crate::error::{Result, config};

/// An Elman RNN layer: `Wₓ` `[H, I]`, `Wₕ` `[H, H]`, `b` `[H, 1]`, activation f.
#[derive(Clone, Debug)]
pub struct Rnn {
    w_x: Param,
    w_h: Param,
    b: Param,
    activation: Activation,
    truncate: Option<usize>,
}

impl Rnn {
    /// An RNN from `input` features to `hidden` units, weights from U(−1/√H, 1/√H) as in
    /// PyTorch, zero bias.
    ///
    /// # Errors
    /// When a size is zero.
    pub fn new(input: usize, hidden: usize, activation: Activation, rng: &mut Rng) -> Result<Self> {
        if input == 0 || hidden == 0 {
            return Err(config(
                "Rnn",
                format!("sizes must be positive, got input {input}, hidden {hidden}"),
            ));
        }
        let k = 1.0 / (hidden as f32).sqrt();
        Self::from_weights(
            uniform(hidden, input, -k, k, rng),
            uniform(hidden, hidden, -k, k, rng),
            Matrix::zeros(hidden, 1),
            activation,
        )
    }

    /// An RNN with the given weights.
    ///
    /// # Errors
    /// When the shapes are not `[H, I]`, `[H, H]`, `[H, 1]`.
    pub fn from_weights(
        w_x: Matrix,
        w_h: Matrix,
        b: Matrix,
        activation: Activation,
    ) -> Result<Self> {
        let h = w_h.nrows();
        if w_h.ncols() != h || w_x.nrows() != h || b.shape() != (h, 1) || h == 0 {
            return Err(config(
                "Rnn",
                format!(
                    "weights must be Wx [H, I], Wh [H, H], b [H, 1]; got {:?}, {:?}, {:?}",
                    w_x.shape(),
                    w_h.shape(),
                    b.shape()
                ),
            ));
        }
        Ok(Rnn {
            w_x: Param::new(w_x),
            w_h: Param::new(w_h),
            b: Param::new(b),
            activation,
            truncate: None,
        })
    }

    /// The same RNN with backpropagation through time truncated to `k` steps: the gradient
    /// of the recurrence is cut every `k` steps (the forward pass is unchanged).
    ///
    /// # Errors
    /// When `k` is 0.
    pub fn with_truncation(mut self, k: usize) -> Result<Self> {
        if k == 0 {
            return Err(config("Rnn", "truncation must be at least 1 step, got 0"));
        }
        self.truncate = Some(k);
        Ok(self)
    }

    /// The number of units H.
    pub fn hidden_size(&self) -> usize {
        self.w_h.shape().0
    }

    /// One step: `hₜ = f(Wₓ·xₜ + Wₕ·hₜ₋₁ + b)` for a batch `xₜ` (`[I, B]`).
    ///
    /// # Errors
    /// When shapes do not fit.
    pub fn step<'g>(&self, g: &'g Graph, x: Var<'g>, h: Var<'g>) -> Result<Var<'g>> {
        let z = g
            .param(&self.w_x)
            .matmul(x)?
            .add(g.param(&self.w_h).matmul(h)?)?
            .add_bias(g.param(&self.b))?;
        Ok(self.activation.apply(z))
    }

    /// The whole batch: `[I, T·B]` → `[H, T·B]`, zeros at padded steps, the state held over
    /// padding so that each sequence's last real output is its final state.
    ///
    /// # Errors
    /// When `x` does not fit the layer or the batch.
    pub fn forward<'g>(&self, g: &'g Graph, x: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
        batch.check("Rnn::forward", x.shape())?;
        let (b, t_len) = (batch.batch(), batch.max_len());
        let mut h = g.constant(Matrix::zeros(self.hidden_size(), b));
        let mut outputs = Vec::with_capacity(t_len);
        for t in 0..t_len {
            if self.truncate.is_some_and(|k| t > 0 && t % k == 0) {
                h = h.detach();
            }
            let next = self.step(g, x.slice(Axis::Cols, t * b, b)?, h)?;
            let mask = batch.step_mask(t);
            if mask.iter().all(|&m| m == 1.0) {
                h = next;
                outputs.push(next);
            } else {
                let m = g.constant(mask.clone());
                let keep = g.constant(mask.map(|m| 1.0 - m));
                outputs.push(next.broadcast_mul(m)?);
                h = next.broadcast_mul(m)?.add(h.broadcast_mul(keep)?)?;
            }
        }
        Ok(concat(&outputs, Axis::Cols)?)
    }
}

impl Module for Rnn {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        f(join_name(prefix, "weight_ih_l0"), &self.w_x);
        f(join_name(prefix, "weight_hh_l0"), &self.w_h);
        f(join_name(prefix, "bias_l0"), &self.b);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        f(join_name(prefix, "weight_ih_l0"), &mut self.w_x);
        f(join_name(prefix, "weight_hh_l0"), &mut self.w_h);
        f(join_name(prefix, "bias_l0"), &mut self.b);
    }
}
