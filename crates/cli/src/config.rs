//! A model's configuration: everything needed to rebuild it before its weights are loaded.

use serde::{Deserialize, Serialize};

use crate::args::{ModelKind, PoolingKind, Task};

/// The architecture and sizes of a model, saved in its model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Classification or tagging.
    pub task: Task,
    /// The architecture.
    pub kind: ModelKind,
    /// The pooling of recurrent classifiers.
    pub pooling: PoolingKind,
    /// The word embedding size (recurrent models).
    pub embedding_dim: usize,
    /// Hidden units (bow-mlp's hidden layer; per direction for recurrent layers).
    pub hidden: usize,
    /// Recurrent layers.
    pub layers: usize,
    /// Dropout probability.
    pub dropout: f32,
    /// Longest sequence kept, in tokens.
    pub max_len: usize,
    /// Character n-gram embedding size of the tagger (0: none).
    pub char_dim: usize,
    /// Hash buckets of the tagger's character n-grams.
    pub char_buckets: usize,
    /// Casing-feature embedding size of the tagger (0: none).
    pub case_dim: usize,
}

impl ModelConfig {
    /// The defaults for `task` and `kind`: the settings that did best on the real data in
    /// this project's experiments (see README.md).
    pub fn defaults(task: Task, kind: ModelKind, pooling: PoolingKind) -> Self {
        let recurrent = !matches!(kind, ModelKind::Logreg | ModelKind::BowMlp);
        ModelConfig {
            task,
            kind,
            pooling,
            embedding_dim: 100,
            hidden: match (task, recurrent) {
                (Task::Tag, _) => 128,
                (Task::Classify, true) => 128,
                (Task::Classify, false) => 256,
            },
            layers: 1,
            dropout: match task {
                Task::Tag => 0.5,
                Task::Classify => 0.3,
            },
            max_len: 256,
            char_dim: if task == Task::Tag { 50 } else { 0 },
            char_buckets: 1 << 17,
            case_dim: if task == Task::Tag { 8 } else { 0 },
        }
    }

    /// Whether the model reads token sequences (not a bag of words).
    pub fn is_recurrent(&self) -> bool {
        !matches!(self.kind, ModelKind::Logreg | ModelKind::BowMlp)
    }

    /// Whether the recurrent layer is bidirectional.
    pub fn is_bidirectional(&self) -> bool {
        self.kind == ModelKind::Bilstm
    }

    /// A one-line description for logs.
    pub fn describe(&self) -> String {
        match self.kind {
            ModelKind::Logreg => "logistic regression on a bag of words".into(),
            ModelKind::BowMlp => format!("bag of words → ReLU({}) → linear", self.hidden),
            _ => {
                let rnn = match self.kind {
                    ModelKind::Rnn => "RNN",
                    ModelKind::Lstm => "LSTM",
                    _ => "BiLSTM",
                };
                let pooling = match (self.task, self.pooling) {
                    (Task::Tag, _) => "per token".to_string(),
                    (_, p) => format!("{p:?} pooling").to_lowercase(),
                };
                format!(
                    "embedding({}) → {}×{rnn}({}) → {pooling} → linear, dropout {}",
                    self.embedding_dim, self.layers, self.hidden, self.dropout
                )
            }
        }
    }
}
