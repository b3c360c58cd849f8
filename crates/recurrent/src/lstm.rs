//! The LSTM of the lecture, one direction: input activation `a` and gates `i`, `f`, `o`,
//!
//! ```text
//! aₜ = tanh(W_a·xₜ + U_a·hₜ₋₁ + b_a)      iₜ = σ(W_i·xₜ + U_i·hₜ₋₁ + b_i)
//! fₜ = σ(W_f·xₜ + U_f·hₜ₋₁ + b_f)         oₜ = σ(W_o·xₜ + U_o·hₜ₋₁ + b_o)
//! stateₜ = aₜ ⊙ iₜ + fₜ ⊙ stateₜ₋₁         hₜ = tanh(stateₜ) ⊙ oₜ
//! ```
//!
//! The weights are stored as PyTorch stores them, so that its models load without
//! reshuffling: `W_ih = [W_i; W_f; W_a; W_o]` (`[4H, I]`, gate order i, f, g, o, where
//! PyTorch's g is the lecture's a), `W_hh` (`[4H, H]`, the lecture's U), and two biases
//! `b_ih`, `b_hh` whose sum is the lecture's b.

use neurotext_autodiff::{Axis, Graph, Module, Param, Var, concat, join_name};
use neurotext_linalg::Matrix;
use neurotext_linalg::random::{Rng, uniform};

use crate::batch::SeqBatch;
use crate::error::{Result, config};
use crate::fused::{DirectionVars, lstm_layer};

/// The state carried from step to step: the output `h` and the cell state.
#[derive(Clone, Copy, Debug)]
pub struct LstmState<'g> {
    /// `hₜ`, `[H, B]`.
    pub h: Var<'g>,
    /// `stateₜ` (often written `cₜ`), `[H, B]`.
    pub c: Var<'g>,
}

impl<'g> LstmState<'g> {
    /// The zero state `h₀ = state₀ = 0` for `batch` sequences.
    pub fn zeros(g: &'g Graph, hidden: usize, batch: usize) -> Self {
        LstmState {
            h: g.constant(Matrix::zeros(hidden, batch)),
            c: g.constant(Matrix::zeros(hidden, batch)),
        }
    }
}

/// The activations of one step, named as in the lecture.
#[derive(Clone, Copy, Debug)]
pub struct StepGates<'g> {
    /// The input activation `a` (PyTorch's `g`).
    pub a: Var<'g>,
    /// The input gate.
    pub i: Var<'g>,
    /// The forget gate.
    pub f: Var<'g>,
    /// The output gate.
    pub o: Var<'g>,
}

/// One direction of one LSTM layer.
#[derive(Clone, Debug)]
pub struct Lstm {
    w_ih: Param,
    w_hh: Param,
    b_ih: Param,
    b_hh: Param,
    reverse: bool,
    truncate: Option<usize>,
    layer: usize,
}

impl Lstm {
    /// An LSTM from `input` features to `hidden` units, initialised as PyTorch does: every
    /// weight and bias from U(−1/√H, 1/√H).
    ///
    /// # Errors
    /// When a size is zero.
    pub fn new(input: usize, hidden: usize, rng: &mut Rng) -> Result<Self> {
        if input == 0 || hidden == 0 {
            return Err(config(
                "Lstm",
                format!("sizes must be positive, got input {input}, hidden {hidden}"),
            ));
        }
        let k = 1.0 / (hidden as f32).sqrt();
        let w_ih = uniform(4 * hidden, input, -k, k, rng);
        let w_hh = uniform(4 * hidden, hidden, -k, k, rng);
        let b_ih = uniform(4 * hidden, 1, -k, k, rng);
        let b_hh = uniform(4 * hidden, 1, -k, k, rng);
        Self::from_weights(w_ih, w_hh, b_ih, b_hh)
    }

    /// An LSTM with the given weights in PyTorch's layout (see the module docs).
    ///
    /// # Errors
    /// When the shapes are not `[4H, I]`, `[4H, H]`, `[4H, 1]`, `[4H, 1]`.
    pub fn from_weights(w_ih: Matrix, w_hh: Matrix, b_ih: Matrix, b_hh: Matrix) -> Result<Self> {
        let h4 = w_hh.nrows();
        let hidden = h4 / 4;
        let ok = h4.is_multiple_of(4)
            && hidden > 0
            && w_hh.ncols() == hidden
            && w_ih.nrows() == h4
            && w_ih.ncols() > 0
            && b_ih.shape() == (h4, 1)
            && b_hh.shape() == (h4, 1);
        if !ok {
            return Err(config(
                "Lstm",
                format!(
                    "weights must be W_ih [4H, I], W_hh [4H, H], b_ih and b_hh [4H, 1]; got {:?}, {:?}, {:?}, {:?}",
                    w_ih.shape(),
                    w_hh.shape(),
                    b_ih.shape(),
                    b_hh.shape()
                ),
            ));
        }
        Ok(Lstm {
            w_ih: Param::new(w_ih),
            w_hh: Param::new(w_hh),
            b_ih: Param::new(b_ih),
            b_hh: Param::new(b_hh),
            reverse: false,
            truncate: None,
            layer: 0,
        })
    }

    /// The lecture's notation: for each of `a, i, f, o`, the input weights W (`[H, I]`),
    /// recurrent weights U (`[H, H]`) and bias b (`[H, 1]`).
    ///
    /// # Errors
    /// When the shapes do not fit together.
    pub fn from_lecture(w: [&Matrix; 4], u: [&Matrix; 4], b: [&Matrix; 4]) -> Result<Self> {
        // The lecture lists a, i, f, o; PyTorch's order is i, f, g(=a), o.
        let order = [1, 2, 0, 3];
        let stack = |m: [&Matrix; 4]| -> Result<Matrix> {
            let (r, c) = m[0].shape();
            if m.iter().any(|x| x.shape() != (r, c)) {
                return Err(config(
                    "Lstm",
                    "the four gates' matrices must have the same shape",
                ));
            }
            Ok(Matrix::from_fn(4 * r, c, |i, j| {
                m[order[i / r]][(i % r, j)]
            }))
        };
        let b = stack(b)?;
        let zeros = Matrix::zeros(b.nrows(), 1);
        Self::from_weights(stack(w)?, stack(u)?, b, zeros)
    }

    /// The same LSTM with the forget gate's bias set to `value` (in `b_ih`, with `b_hh`'s
    /// share zeroed). A positive value opens the gate at the start of training, so that the
    /// cell state and its gradient carry across many steps from the beginning (Gers et al.
    /// 2000; Jozefowicz et al. 2015 recommend 1, Keras's default).
    pub fn with_forget_bias(mut self, value: f32) -> Self {
        let h = self.hidden_size();
        self.b_ih.value_mut().rows_mut(h, h).fill(value);
        self.b_hh.value_mut().rows_mut(h, h).fill(0.0);
        self
    }

    /// The same LSTM running from each sequence's last step to its first.
    pub fn reversed(mut self) -> Self {
        self.reverse = !self.reverse;
        self
    }

    /// The same LSTM with backpropagation through time truncated to `k` steps: the
    /// gradient of the recurrence is cut every `k` steps of each sequence, counted from its
    /// own first step (its last token in the reverse direction). The forward pass is
    /// unchanged.
    ///
    /// # Errors
    /// When `k` is 0.
    pub fn with_truncation(mut self, k: usize) -> Result<Self> {
        if k == 0 {
            return Err(config("Lstm", "truncation must be at least 1 step, got 0"));
        }
        self.truncate = Some(k);
        Ok(self)
    }

    pub(crate) fn with_layer_index(mut self, layer: usize) -> Self {
        self.layer = layer;
        self
    }

    /// The number of input features I.
    pub fn input_size(&self) -> usize {
        self.w_ih.shape().1
    }

    /// The number of units H.
    pub fn hidden_size(&self) -> usize {
        self.w_hh.shape().1
    }

    /// Whether this direction runs backwards in time.
    pub fn is_reverse(&self) -> bool {
        self.reverse
    }

    /// The truncation of backpropagation through time, if any.
    pub fn truncation(&self) -> Option<usize> {
        self.truncate
    }

    /// PyTorch's name suffix of this direction: `_l0`, `_l1_reverse`…
    pub fn name_suffix(&self) -> String {
        format!(
            "_l{}{}",
            self.layer,
            if self.reverse { "_reverse" } else { "" }
        )
    }

    pub(crate) fn vars<'g>(&self, g: &'g Graph) -> DirectionVars<'g> {
        DirectionVars {
            w_ih: g.param(&self.w_ih),
            w_hh: g.param(&self.w_hh),
            b_ih: g.param(&self.b_ih),
            b_hh: g.param(&self.b_hh),
            reverse: self.reverse,
        }
    }

    /// One step of the cell, composed from autodiff ops: `(hₜ₋₁, stateₜ₋₁)` and `xₜ`
    /// (`[I, B]`) give `(hₜ, stateₜ)` and the gate activations.
    ///
    /// # Errors
    /// When `x` or the state has the wrong shape.
    pub fn step<'g>(
        &self,
        g: &'g Graph,
        x: Var<'g>,
        state: LstmState<'g>,
    ) -> Result<(LstmState<'g>, StepGates<'g>)> {
        let v = self.vars(g);
        step_vars(&v, self.hidden_size(), x, state)
    }

    /// The whole sequence batch through the fused op: `x` is `[I, T·B]`, the result
    /// `[H, T·B]` with zeros at padded steps.
    ///
    /// # Errors
    /// When `x` does not fit the layer or the batch.
    pub fn forward<'g>(&self, g: &'g Graph, x: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
        lstm_layer(x, &[self.vars(g)], batch, self.truncate)
    }

    /// The same as [`forward`](Self::forward), composed step by step from autodiff ops: the
    /// plain twin the fused op is tested against.
    ///
    /// # Errors
    /// When `x` does not fit the layer or the batch.
    pub fn forward_composed<'g>(
        &self,
        g: &'g Graph,
        x: Var<'g>,
        batch: &SeqBatch,
    ) -> Result<Var<'g>> {
        batch.check("Lstm::forward_composed", x.shape())?;
        let v = self.vars(g);
        let (hidden, b, t_len) = (self.hidden_size(), batch.batch(), batch.max_len());
        let mut state = LstmState::zeros(g, hidden, b);
        let mut outputs: Vec<Option<Var<'g>>> = vec![None; t_len];
        for s in 0..t_len {
            let t = if self.reverse { t_len - 1 - s } else { s };
            if let Some(k) = self.truncate
                && s > 0
            {
                state = truncate_state(g, state, batch, t, self.reverse, k)?;
            }
            let x_t = x.slice(Axis::Cols, t * b, b)?;
            let (next, _) = step_vars(&v, hidden, x_t, state)?;
            let mask = batch.step_mask(t);
            if mask.iter().all(|&m| m == 1.0) {
                state = next;
                outputs[t] = Some(next.h);
            } else {
                let m = g.constant(mask.clone());
                let keep = g.constant(mask.map(|m| 1.0 - m));
                let blend = |new: Var<'g>, old: Var<'g>| -> Result<Var<'g>> {
                    Ok(new.broadcast_mul(m)?.add(old.broadcast_mul(keep)?)?)
                };
                outputs[t] = Some(next.h.broadcast_mul(m)?);
                state = LstmState {
                    h: blend(next.h, state.h)?,
                    c: blend(next.c, state.c)?,
                };
            }
        }
        let outputs: Vec<Var<'g>> = outputs
            .into_iter()
            .map(|o| o.expect("every step ran"))
            .collect();
        Ok(concat(&outputs, Axis::Cols)?)
    }
}

/// Truncated backpropagation through time before step `t`: the state entering it is
/// detached in the columns of the sequences whose own step `t` is a multiple of `k`,
/// counted from each one's first step ([`SeqBatch::own_step`]), so that padding never
/// moves a cut.
fn truncate_state<'g>(
    g: &'g Graph,
    state: LstmState<'g>,
    batch: &SeqBatch,
    t: usize,
    reverse: bool,
    k: usize,
) -> Result<LstmState<'g>> {
    let cut = |b: usize| batch.own_step(t, b, reverse).is_some_and(|i| i % k == 0);
    let real = |b: usize| batch.own_step(t, b, reverse).is_some();
    let columns = 0..batch.batch();
    if columns.clone().all(|b| !real(b) || cut(b)) {
        // Every sequence that has this step is cut; detaching the state of the others
        // (padding) changes nothing, since no output reads it.
        return Ok(LstmState {
            h: state.h.detach(),
            c: state.c.detach(),
        });
    }
    if !columns.clone().any(cut) {
        return Ok(state);
    }
    let mask = Matrix::from_fn(1, batch.batch(), |_, b| if cut(b) { 1.0 } else { 0.0 });
    let (m, keep) = (g.constant(mask.clone()), g.constant(mask.map(|m| 1.0 - m)));
    let blend = |v: Var<'g>| -> Result<Var<'g>> {
        Ok(v.detach().broadcast_mul(m)?.add(v.broadcast_mul(keep)?)?)
    };
    Ok(LstmState {
        h: blend(state.h)?,
        c: blend(state.c)?,
    })
}

/// The composed cell step on graph values.
pub(crate) fn step_vars<'g>(
    v: &DirectionVars<'g>,
    hidden: usize,
    x: Var<'g>,
    state: LstmState<'g>,
) -> Result<(LstmState<'g>, StepGates<'g>)> {
    let z = v
        .w_ih
        .matmul(x)?
        .add_bias(v.b_ih)?
        .add(v.w_hh.matmul(state.h)?)?
        .add_bias(v.b_hh)?;
    let i = z.slice(Axis::Rows, 0, hidden)?.sigmoid();
    let f = z.slice(Axis::Rows, hidden, hidden)?.sigmoid();
    let a = z.slice(Axis::Rows, 2 * hidden, hidden)?.tanh();
    let o = z.slice(Axis::Rows, 3 * hidden, hidden)?.sigmoid();
    let c = a.mul(i)?.add(f.mul(state.c)?)?;
    let h = c.tanh().mul(o)?;
    Ok((LstmState { h, c }, StepGates { a, i, f, o }))
}

impl Module for Lstm {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        let s = self.name_suffix();
        f(join_name(prefix, &format!("weight_ih{s}")), &self.w_ih);
        f(join_name(prefix, &format!("weight_hh{s}")), &self.w_hh);
        f(join_name(prefix, &format!("bias_ih{s}")), &self.b_ih);
        f(join_name(prefix, &format!("bias_hh{s}")), &self.b_hh);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        let s = self.name_suffix();
        f(join_name(prefix, &format!("weight_ih{s}")), &mut self.w_ih);
        f(join_name(prefix, &format!("weight_hh{s}")), &mut self.w_hh);
        f(join_name(prefix, &format!("bias_ih{s}")), &mut self.b_ih);
        f(join_name(prefix, &format!("bias_hh{s}")), &mut self.b_hh);
    }
}
