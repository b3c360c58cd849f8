//! neurotext: neural networks for text, from first principles, fast on a CPU.
//!
//! This facade re-exports the workspace's crates, so that one dependency gives everything;
//! each crate can also be used on its own.
//!
//! # Brief overview
//! - [`linalg`]: the matrix type, shape-checked kernels, the GEMM, sparse rows, seeded random.
//! - [`autodiff`]: the computation graph, its ops and losses, parameters and `gradcheck`.
//! - [`layers`]: `Linear`, activations, `Sequential`, `Residual`, `Embedding`, `Dropout`,
//!   initialisers and losses.
//! - [`optim`]: SGD, momentum, Nesterov, Adagrad, RMSprop, Adam; clipping and schedules.
//! - [`recurrent`]: RNN, LSTM, BiLSTM, stacked LSTMs, pooling and attention over padded
//!   batches, and the fused LSTM.
//! - [`train`]: the training loop, early stopping, metrics and checkpoints.
//! - [`text`]: tokenizer, vocabulary, one-hot and bag-of-words rows, padded sequences, corpus
//!   readers.
//! - [`prelude`]: the names most programs need.
//!
//! # Example: one neuron, as in the lecture
//! ```
//! use neurotext::prelude::*;
//! // y = ReLU(w·x + b) with x = (0.8, −0.3, 0.1), w = (0.15, 0.7, −0.5), b = 0.42.
//! let g = Graph::new();
//! let w = g.constant(from_rows(&[&[0.15, 0.7, -0.5]])?);
//! let x = g.constant(column(&[0.8, -0.3, 0.1]));
//! let b = g.constant(column(&[0.42]));
//! let y = w.matmul(x)?.add(b)?.relu();
//! assert!((y.scalar() - 0.28).abs() < 1e-6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use neurotext_autodiff as autodiff;
pub use neurotext_layers as layers;
pub use neurotext_linalg as linalg;
pub use neurotext_optim as optim;
pub use neurotext_recurrent as recurrent;
pub use neurotext_text as text;
pub use neurotext_train as train;

/// The names most programs need: `use neurotext::prelude::*;`.
pub mod prelude {
    pub use neurotext_autodiff::{
        Axis, Gradients, Graph, Module, Param, Var, concat, gradcheck, gradcheck_params, join_name,
    };
    pub use neurotext_layers::{
        Activation, Dropout, Embedding, Init, Layer, Linear, Loss, Residual, Sequential, Target,
    };
    pub use neurotext_linalg::{
        CsrMatrix, Matrix, Trans, column, from_rows, matmul, random, set_threads, threads,
    };
    pub use neurotext_optim::{
        Adagrad, Adam, AnyOptimizer, Momentum, Nesterov, Optimizer, RmsProp, Schedule, Sgd,
    };
    pub use neurotext_recurrent::{
        AttentionPooling, BiLstm, Lstm, LstmStack, Pooling, Rnn, SeqBatch,
    };
    pub use neurotext_train::{
        ConfusionMatrix, Objective, TrainConfig, TrainState, Trainer, Validation,
    };
}
