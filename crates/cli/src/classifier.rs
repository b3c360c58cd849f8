//! The text classifiers: a bag of words with a linear layer (logistic regression) or with a
//! hidden ReLU layer, and embedding + recurrent layer + pooling + linear layer.

use std::sync::Arc;

use anyhow::{Result, bail};
use neurotext_autodiff::{Graph, Module, Param, Var, join_name};
use neurotext_layers::{Activation, Embedding, Init, Layer, Linear};
use neurotext_linalg::CsrMatrix;
use neurotext_linalg::random::{Rng, seeded_rng};
use neurotext_recurrent::{AttentionPooling, LstmStack, Pooling, Rnn, SeqBatch};

use crate::args::{ModelKind, PoolingKind};
use crate::config::ModelConfig;

/// A minibatch of classifier inputs.
pub enum Inputs {
    /// Sparse bag-of-words rows, one per text.
    Bow(Arc<CsrMatrix>),
    /// Time-major token ids and the lengths of the padded batch.
    Ids {
        /// Ids, `t·B + b`.
        ids: Vec<usize>,
        /// The batch shape.
        batch: SeqBatch,
    },
}

impl Inputs {
    /// Pads token id sequences into a time-major batch.
    pub fn from_ids(seqs: &[&[usize]], pad: usize) -> Result<Self> {
        let batch = SeqBatch::new(seqs.iter().map(|s| s.len()).collect())?;
        let mut ids = vec![pad; batch.columns()];
        for (b, s) in seqs.iter().enumerate() {
            for (t, &id) in s.iter().enumerate() {
                ids[batch.column(t, b)] = id;
            }
        }
        Ok(Inputs::Ids { ids, batch })
    }
}

/// Simple (tanh) RNN layers, each reading the previous one's output, with dropout between
/// layers, as PyTorch's `nn.RNN(num_layers=N, dropout=p)`. Parameters carry `nn.RNN`'s layer
/// suffixes: `weight_ih_l0`, `weight_hh_l0`, `bias_l0`, then `…_l1` for the second layer.
pub struct RnnStack {
    layers: Vec<Rnn>,
    dropout: f32,
}

impl RnnStack {
    /// `layers` layers of `hidden` units over `input` features, dropout `dropout` between them.
    pub fn new(
        input: usize,
        hidden: usize,
        layers: usize,
        dropout: f32,
        rng: &mut Rng,
    ) -> Result<Self> {
        if layers == 0 {
            bail!("an RNN needs at least one layer");
        }
        let layers = (0..layers)
            .map(|k| {
                let d_in = if k == 0 { input } else { hidden };
                Rnn::new(d_in, hidden, Activation::Tanh, rng)
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(RnnStack { layers, dropout })
    }

    /// Runs every layer over the batch: `[I, T·B]` → `[H, T·B]`.
    pub fn forward<'g>(&self, g: &'g Graph, x: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
        let mut h = x;
        for (k, layer) in self.layers.iter().enumerate() {
            if k > 0 {
                h = h.dropout(self.dropout)?;
            }
            h = layer.forward(g, h, batch)?;
        }
        Ok(h)
    }
}

/// The name of a parameter of layer `k`: `Rnn` names its parameters as PyTorch's layer 0
/// (`…_l0`), so the suffix becomes `_l{k}`.
fn layer_name(name: String, k: usize) -> String {
    match name.strip_suffix("_l0") {
        Some(stem) if k > 0 => format!("{stem}_l{k}"),
        _ => name,
    }
}

impl Module for RnnStack {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        for (k, layer) in self.layers.iter().enumerate() {
            layer.visit_params(prefix, &mut |name: String, p: &'a Param| {
                f(layer_name(name, k), p)
            });
        }
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        for (k, layer) in self.layers.iter_mut().enumerate() {
            layer.visit_params_mut(prefix, &mut |name: String, p: &'a mut Param| {
                f(layer_name(name, k), p)
            });
        }
    }
}

/// The recurrent encoder of a sequence classifier.
// One value per run, built once: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Encoder {
    /// Simple RNN layers (tanh).
    Rnn(RnnStack),
    /// An LSTM stack, one or two directions.
    Lstm(LstmStack),
}

/// A text classifier.
// One value per run, built once: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Classifier {
    /// Bag of words → (hidden ReLU layer →) linear layer.
    Bow {
        /// The first layer, on sparse rows.
        first: Linear,
        /// The output layer of bow-mlp.
        second: Option<Linear>,
        /// Dropout on the hidden layer.
        dropout: f32,
    },
    /// Embedding → recurrent encoder → pooling → linear layer.
    Sequence {
        /// Word vectors.
        embedding: Embedding,
        /// The recurrent layer(s).
        encoder: Encoder,
        /// Attention pooling, when chosen.
        attention: Option<AttentionPooling>,
        /// The pooling.
        pooling: PoolingKind,
        /// Whether the encoder's rows are two directions.
        bidirectional: bool,
        /// Dropout on embeddings and on the pooled vector.
        dropout: f32,
        /// The output layer.
        output: Linear,
    },
}

/// The output of a classifier's forward pass.
pub struct Forward<'g> {
    /// Class scores, `[classes, batch]`.
    pub logits: Var<'g>,
    /// Attention weights `[1, T·B]`, for attention-pooled models.
    pub attention: Option<Var<'g>>,
}

impl Classifier {
    /// A freshly initialised classifier for `inputs` features and `classes` classes.
    pub fn new(config: &ModelConfig, inputs: usize, classes: usize, seed: u64) -> Result<Self> {
        let mut rng = seeded_rng(seed);
        Ok(match config.kind {
            ModelKind::Logreg => Classifier::Bow {
                first: Linear::with_init(inputs, classes, Init::Zeros, &mut rng)?,
                second: None,
                dropout: 0.0,
            },
            ModelKind::BowMlp => Classifier::Bow {
                first: Linear::with_init(inputs, config.hidden, Init::HeUniform, &mut rng)?
                    .with_activation(Activation::Relu),
                second: Some(Linear::new(config.hidden, classes, &mut rng)?),
                dropout: config.dropout,
            },
            kind => {
                let embedding = Embedding::new(inputs, config.embedding_dim, &mut rng)?;
                let encoder = match kind {
                    ModelKind::Rnn => Encoder::Rnn(RnnStack::new(
                        config.embedding_dim,
                        config.hidden,
                        config.layers,
                        if config.layers > 1 {
                            config.dropout
                        } else {
                            0.0
                        },
                        &mut rng,
                    )?),
                    _ => Encoder::Lstm(
                        LstmStack::new(
                            config.embedding_dim,
                            config.hidden,
                            config.layers,
                            config.is_bidirectional(),
                            &mut rng,
                        )?
                        .with_dropout(if config.layers > 1 {
                            config.dropout
                        } else {
                            0.0
                        })?,
                    ),
                };
                let width = config.hidden * if config.is_bidirectional() { 2 } else { 1 };
                let attention = if config.pooling == PoolingKind::Attention {
                    Some(AttentionPooling::new(width, width.min(128), &mut rng)?)
                } else {
                    None
                };
                Classifier::Sequence {
                    embedding,
                    encoder,
                    attention,
                    pooling: config.pooling,
                    bidirectional: config.is_bidirectional(),
                    dropout: config.dropout,
                    output: Linear::new(width, classes, &mut rng)?,
                }
            }
        })
    }

    /// Class scores for a minibatch; dropout is active on training graphs.
    pub fn forward<'g>(&self, g: &'g Graph, inputs: &Inputs) -> Result<Forward<'g>> {
        match (self, inputs) {
            (
                Classifier::Bow {
                    first,
                    second,
                    dropout,
                },
                Inputs::Bow(x),
            ) => {
                let h = first.forward_sparse(g, x)?;
                let logits = match second {
                    Some(out) => out.forward(g, h.dropout(*dropout)?)?,
                    None => h,
                };
                Ok(Forward {
                    logits,
                    attention: None,
                })
            }
            (
                Classifier::Sequence {
                    embedding,
                    encoder,
                    attention,
                    pooling,
                    bidirectional,
                    dropout,
                    output,
                },
                Inputs::Ids { ids, batch },
            ) => {
                let x = embedding.forward(g, ids)?.dropout(*dropout)?;
                let h = match encoder {
                    Encoder::Rnn(r) => r.forward(g, x, batch)?,
                    Encoder::Lstm(l) => l.forward(g, x, batch)?,
                };
                let (pooled, weights) = match (pooling, attention) {
                    (PoolingKind::Attention, Some(att)) => {
                        let a = att.forward(g, h, batch)?;
                        (a.context, Some(a.weights))
                    }
                    (PoolingKind::Last, _) => {
                        (Pooling::Last.apply(h, batch, *bidirectional)?, None)
                    }
                    (PoolingKind::Mean, _) => {
                        (Pooling::Mean.apply(h, batch, *bidirectional)?, None)
                    }
                    _ => (Pooling::Max.apply(h, batch, *bidirectional)?, None),
                };
                let logits = output.forward(g, pooled.dropout(*dropout)?)?;
                Ok(Forward {
                    logits,
                    attention: weights,
                })
            }
            _ => bail!("the inputs do not fit this model (bag of words vs token ids)"),
        }
    }
}

impl Module for Classifier {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        match self {
            Classifier::Bow { first, second, .. } => {
                first.visit_params(
                    &join_name(prefix, if second.is_some() { "hidden" } else { "output" }),
                    f,
                );
                if let Some(s) = second {
                    s.visit_params(&join_name(prefix, "output"), f);
                }
            }
            Classifier::Sequence {
                embedding,
                encoder,
                attention,
                output,
                ..
            } => {
                embedding.visit_params(&join_name(prefix, "embedding"), f);
                match encoder {
                    Encoder::Rnn(r) => r.visit_params(&join_name(prefix, "rnn"), f),
                    Encoder::Lstm(l) => l.visit_params(&join_name(prefix, "lstm"), f),
                }
                if let Some(a) = attention {
                    a.visit_params(&join_name(prefix, "attention"), f);
                }
                output.visit_params(&join_name(prefix, "output"), f);
            }
        }
    }

    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        match self {
            Classifier::Bow { first, second, .. } => {
                first.visit_params_mut(
                    &join_name(prefix, if second.is_some() { "hidden" } else { "output" }),
                    f,
                );
                if let Some(s) = second {
                    s.visit_params_mut(&join_name(prefix, "output"), f);
                }
            }
            Classifier::Sequence {
                embedding,
                encoder,
                attention,
                output,
                ..
            } => {
                embedding.visit_params_mut(&join_name(prefix, "embedding"), f);
                match encoder {
                    Encoder::Rnn(r) => r.visit_params_mut(&join_name(prefix, "rnn"), f),
                    Encoder::Lstm(l) => l.visit_params_mut(&join_name(prefix, "lstm"), f),
                }
                if let Some(a) = attention {
                    a.visit_params_mut(&join_name(prefix, "attention"), f);
                }
                output.visit_params_mut(&join_name(prefix, "output"), f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Task;

    fn rnn_config(layers: usize) -> ModelConfig {
        let mut c = ModelConfig::defaults(Task::Classify, ModelKind::Rnn, PoolingKind::Max);
        c.embedding_dim = 6;
        c.hidden = 5;
        c.layers = layers;
        c
    }

    fn shapes(model: &Classifier) -> Vec<(String, (usize, usize))> {
        model
            .named_params()
            .into_iter()
            .filter(|(n, _)| n.starts_with("rnn."))
            .map(|(n, p)| (n, p.shape()))
            .collect()
    }

    #[test]
    fn one_rnn_layer_keeps_its_parameter_names() {
        let model = Classifier::new(&rnn_config(1), 20, 2, 0).unwrap();
        let names: Vec<String> = shapes(&model).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_l0"]
        );
    }

    #[test]
    fn rnn_layers_stack_with_pytorch_layer_names() {
        let model = Classifier::new(&rnn_config(3), 20, 2, 0).unwrap();
        assert!(matches!(
            &model,
            Classifier::Sequence {
                encoder: Encoder::Rnn(_),
                ..
            }
        ));
        let expected: Vec<(String, (usize, usize))> = (0..3)
            .flat_map(|k| {
                let input = if k == 0 { 6 } else { 5 };
                [
                    (format!("rnn.weight_ih_l{k}"), (5, input)),
                    (format!("rnn.weight_hh_l{k}"), (5, 5)),
                    (format!("rnn.bias_l{k}"), (5, 1)),
                ]
            })
            .collect();
        assert_eq!(shapes(&model), expected);
        // The stack runs: two sequences through three layers to two classes.
        let g = Graph::no_grad();
        let inputs = Inputs::from_ids(&[&[1, 2, 3], &[4, 5]], 0).unwrap();
        let out = model.forward(&g, &inputs).unwrap();
        assert_eq!(out.logits.shape(), (2, 2));
    }
}
