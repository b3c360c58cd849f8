//! The text classifiers: a bag of words with a linear layer (logistic regression) or with a
//! hidden ReLU layer, and embedding + recurrent layer + pooling + linear layer.

use std::sync::Arc;

use anyhow::{Result, bail};
use neurotext_autodiff::{Graph, Module, Param, Var, join_name};
use neurotext_layers::{Activation, Embedding, Init, Layer, Linear};
use neurotext_linalg::CsrMatrix;
use neurotext_linalg::random::seeded_rng;
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

/// The recurrent encoder of a sequence classifier.
// One value per run, built once: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Encoder {
    /// A simple RNN (tanh).
    Rnn(Rnn),
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
                    ModelKind::Rnn => Encoder::Rnn(Rnn::new(
                        config.embedding_dim,
                        config.hidden,
                        Activation::Tanh,
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
