//! Bidirectional and stacked LSTMs.

use neurotext_autodiff::{Axis, Graph, Module, Param, Var, concat};
use neurotext_linalg::random::Rng;

use crate::batch::SeqBatch;
use crate::error::{Result, config};
use crate::fused::lstm_layer;
use crate::lstm::Lstm;

/// A forward and a reverse LSTM over the same input, their outputs concatenated at each
/// step: `hₜ = [h→ₜ; h←ₜ]`, `[2H, T·B]`. The reverse LSTM starts at each sequence's own last
/// token. The fused forward runs both directions concurrently when two threads are allowed.
#[derive(Clone, Debug)]
pub struct BiLstm {
    forward: Lstm,
    reverse: Lstm,
}

impl BiLstm {
    /// A BiLSTM from `input` features to `hidden` units per direction.
    ///
    /// # Errors
    /// When a size is zero.
    pub fn new(input: usize, hidden: usize, rng: &mut Rng) -> Result<Self> {
        Ok(BiLstm {
            forward: Lstm::new(input, hidden, rng)?,
            reverse: Lstm::new(input, hidden, rng)?.reversed(),
        })
    }

    /// A BiLSTM of two given directions (the second is made to run in reverse).
    ///
    /// # Errors
    /// When the two directions differ in sizes or in truncation (the fused op runs both
    /// with one).
    pub fn from_directions(forward: Lstm, reverse: Lstm) -> Result<Self> {
        if forward.input_size() != reverse.input_size()
            || forward.hidden_size() != reverse.hidden_size()
        {
            return Err(config(
                "BiLstm",
                "both directions need the same input and hidden sizes",
            ));
        }
        check_same_truncation("BiLstm", &forward, &reverse)?;
        let reverse = if reverse.is_reverse() {
            reverse
        } else {
            reverse.reversed()
        };
        let forward = if forward.is_reverse() {
            forward.reversed()
        } else {
            forward
        };
        Ok(BiLstm { forward, reverse })
    }

    /// The same BiLSTM with backpropagation through time truncated to `k` steps in both
    /// directions ([`Lstm::with_truncation`]).
    ///
    /// # Errors
    /// When `k` is 0.
    pub fn with_truncation(self, k: usize) -> Result<Self> {
        Ok(BiLstm {
            forward: self.forward.with_truncation(k)?,
            reverse: self.reverse.with_truncation(k)?,
        })
    }

    /// The forward direction.
    pub fn forward_lstm(&self) -> &Lstm {
        &self.forward
    }

    /// The reverse direction.
    pub fn reverse_lstm(&self) -> &Lstm {
        &self.reverse
    }

    /// The number of output features, 2H.
    pub fn output_size(&self) -> usize {
        2 * self.forward.hidden_size()
    }

    /// Both directions as one fused node: `[I, T·B]` → `[2H, T·B]`.
    ///
    /// # Errors
    /// When `x` does not fit the layer or the batch.
    pub fn forward<'g>(&self, g: &'g Graph, x: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
        lstm_layer(
            x,
            &[self.forward.vars(g), self.reverse.vars(g)],
            batch,
            self.forward.truncation(),
        )
    }

    /// The same, composed from autodiff ops (the twin of the fused op).
    ///
    /// # Errors
    /// When `x` does not fit the layer or the batch.
    pub fn forward_composed<'g>(
        &self,
        g: &'g Graph,
        x: Var<'g>,
        batch: &SeqBatch,
    ) -> Result<Var<'g>> {
        let f = self.forward.forward_composed(g, x, batch)?;
        let r = self.reverse.forward_composed(g, x, batch)?;
        Ok(concat(&[f, r], Axis::Rows)?)
    }
}

/// The fused op truncates both directions of a layer alike: refuses two that differ.
fn check_same_truncation(layer: &'static str, forward: &Lstm, reverse: &Lstm) -> Result<()> {
    let describe = |t: Option<usize>| t.map_or("none".to_string(), |k| format!("{k} steps"));
    if forward.truncation() != reverse.truncation() {
        return Err(config(
            layer,
            format!(
                "both directions need the same truncation; the forward one has {}, the \
                 reverse one {}",
                describe(forward.truncation()),
                describe(reverse.truncation())
            ),
        ));
    }
    Ok(())
}

impl Module for BiLstm {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        self.forward.visit_params(prefix, f);
        self.reverse.visit_params(prefix, f);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        self.forward.visit_params_mut(prefix, f);
        self.reverse.visit_params_mut(prefix, f);
    }
}

/// Several LSTM layers, each reading the previous one's output (both directions
/// concatenated when bidirectional), with dropout between layers as in PyTorch's `nn.LSTM`.
/// Parameters carry PyTorch's names: `weight_ih_l0`, `weight_hh_l1_reverse`…
#[derive(Clone, Debug)]
pub struct LstmStack {
    layers: Vec<(Lstm, Option<Lstm>)>,
    dropout: f32,
}

impl LstmStack {
    /// `layers` layers of `hidden` units (per direction) over `input` features.
    ///
    /// # Errors
    /// When a size is zero.
    pub fn new(
        input: usize,
        hidden: usize,
        layers: usize,
        bidirectional: bool,
        rng: &mut Rng,
    ) -> Result<Self> {
        if layers == 0 {
            return Err(config("LstmStack", "at least one layer is needed"));
        }
        let dirs = if bidirectional { 2 } else { 1 };
        let mut out = Vec::with_capacity(layers);
        for k in 0..layers {
            let d_in = if k == 0 { input } else { dirs * hidden };
            let fwd = Lstm::new(d_in, hidden, rng)?.with_layer_index(k);
            let rev = if bidirectional {
                Some(Lstm::new(d_in, hidden, rng)?.reversed().with_layer_index(k))
            } else {
                None
            };
            out.push((fwd, rev));
        }
        Ok(LstmStack {
            layers: out,
            dropout: 0.0,
        })
    }

    /// A stack of given layers: `(forward, Some(reverse))` for bidirectional layers.
    ///
    /// # Errors
    /// When the layers' sizes do not chain, or only some layers are bidirectional.
    pub fn from_layers(layers: Vec<(Lstm, Option<Lstm>)>) -> Result<Self> {
        let Some(first) = layers.first() else {
            return Err(config("LstmStack", "at least one layer is needed"));
        };
        let bidirectional = first.1.is_some();
        let hidden = first.0.hidden_size();
        let dirs = if bidirectional { 2 } else { 1 };
        let mut out = Vec::with_capacity(layers.len());
        for (k, (f, r)) in layers.into_iter().enumerate() {
            if r.is_some() != bidirectional || f.hidden_size() != hidden {
                return Err(config(
                    "LstmStack",
                    format!("layer {k} differs from layer 0 in direction or size"),
                ));
            }
            if let Some(r) = &r {
                check_same_truncation("LstmStack", &f, r)?;
            }
            if let Some(r) = &r
                && (r.input_size(), r.hidden_size()) != (f.input_size(), hidden)
            {
                return Err(config(
                    "LstmStack",
                    format!(
                        "the reverse direction of layer {k} reads {} features into {} units, \
                         the forward one {} into {hidden}",
                        r.input_size(),
                        r.hidden_size(),
                        f.input_size()
                    ),
                ));
            }
            if k > 0 && f.input_size() != dirs * hidden {
                return Err(config(
                    "LstmStack",
                    format!(
                        "layer {k} reads {} features, not {}",
                        f.input_size(),
                        dirs * hidden
                    ),
                ));
            }
            let f = if f.is_reverse() { f.reversed() } else { f }.with_layer_index(k);
            let r = r.map(|r| if r.is_reverse() { r } else { r.reversed() }.with_layer_index(k));
            out.push((f, r));
        }
        Ok(LstmStack {
            layers: out,
            dropout: 0.0,
        })
    }

    /// The same stack with dropout probability `p` on the outputs of every layer but the last.
    ///
    /// # Errors
    /// Unless `0 ≤ p < 1`.
    pub fn with_dropout(mut self, p: f32) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(config("LstmStack", format!("dropout {p} is not in [0, 1)")));
        }
        self.dropout = p;
        Ok(self)
    }

    /// The layers, as `(forward, reverse)` pairs.
    pub fn layers(&self) -> &[(Lstm, Option<Lstm>)] {
        &self.layers
    }

    /// Whether the layers are bidirectional.
    pub fn is_bidirectional(&self) -> bool {
        self.layers[0].1.is_some()
    }

    /// The number of output features: H, or 2H when bidirectional.
    pub fn output_size(&self) -> usize {
        self.layers[0].0.hidden_size() * if self.is_bidirectional() { 2 } else { 1 }
    }

    /// Runs every layer (each one fused node) over the batch.
    ///
    /// # Errors
    /// When `x` does not fit the first layer or the batch.
    pub fn forward<'g>(&self, g: &'g Graph, x: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
        let mut h = x;
        for (k, (f, r)) in self.layers.iter().enumerate() {
            if k > 0 {
                h = h.dropout(self.dropout)?;
            }
            let mut dirs = vec![f.vars(g)];
            if let Some(r) = r {
                dirs.push(r.vars(g));
            }
            h = lstm_layer(h, &dirs, batch, f.truncation())?;
        }
        Ok(h)
    }
}

impl Module for LstmStack {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        for (fwd, rev) in &self.layers {
            fwd.visit_params(prefix, f);
            if let Some(r) = rev {
                r.visit_params(prefix, f);
            }
        }
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        for (fwd, rev) in &mut self.layers {
            fwd.visit_params_mut(prefix, f);
            if let Some(r) = rev {
                r.visit_params_mut(prefix, f);
            }
        }
    }
}
