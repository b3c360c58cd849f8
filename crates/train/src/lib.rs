//! Training neural networks: epochs of seeded minibatches, validation after each epoch,
//! early stopping that restores the best weights, classification metrics, and checkpoints
//! that are checksummed, versioned and written atomically.
//!
//! # Brief overview
//! - [`Trainer`] runs an [`Objective`] (the loss of a minibatch, and a validation) with any
//!   [`Optimizer`](neurotext_optim::Optimizer), configured by [`TrainConfig`]. Plain SGD is
//!   batch size 1, full-batch gradient descent is batch size n.
//! - [`TrainState`] and [`EpochRecord`] hold the per-epoch history (loss, metrics, seconds)
//!   and everything needed to resume.
//! - [`ConfusionMatrix`]: accuracy, precision, recall, macro-F1.
//! - [`checkpoint`]: the file format; [`save_checkpoint`] and [`Checkpoint::load`] for
//!   training runs. Training resumed from a checkpoint gives the same numbers as a run that
//!   never stopped.
//! - The library prints nothing; [`Event`]s reach a progress callback.
//!
//! # Example: logistic regression by minibatch SGD
//! ```
//! use neurotext_autodiff::{Graph, Matrix, Var};
//! use neurotext_layers::{Layer, Linear};
//! use neurotext_linalg::random::seeded_rng;
//! use neurotext_optim::Sgd;
//! use neurotext_train::{BoxError, Objective, TrainConfig, TrainState, Trainer};
//!
//! // Points on a line, labelled by their sign.
//! struct Data(Vec<(f32, f32)>);
//! impl Objective<Linear> for Data {
//!     fn train_len(&self) -> usize { self.0.len() }
//!     fn loss<'g>(&self, g: &'g Graph, model: &Linear, batch: &[usize]) -> Result<Var<'g>, BoxError> {
//!         let x = Matrix::from_fn(1, batch.len(), |_, j| self.0[batch[j]].0);
//!         let t = Matrix::from_fn(1, batch.len(), |_, j| self.0[batch[j]].1);
//!         let z = model.forward(g, g.constant(x))?;
//!         Ok(z.bce_with_logits(g.constant(t))?)
//!     }
//! }
//! let data = Data((0..20).map(|i| { let x = i as f32 - 9.5; (x, if x > 0.0 { 1.0 } else { 0.0 }) }).collect());
//! let mut model = Linear::new(1, 1, &mut seeded_rng(0))?;
//! let mut state = TrainState::new();
//! Trainer::new(TrainConfig::new(20, 4)).fit(&mut model, &mut Sgd::new(0.5), &data, &mut state)?;
//! assert!(state.history.last().unwrap().train_loss < state.history[0].train_loss);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Why these dependencies
//! **bincode** 2 with **serde** encode checkpoints (design card); **crc32fast** computes
//! their checksum with SIMD, so that verifying a large file costs little.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod checkpoint;
mod error;
mod history;
mod metrics;
mod seed;
mod trainer;

pub use checkpoint::{Checkpoint, restore_params, save_checkpoint};
pub use error::{BoxError, Error, Result};
pub use history::{Best, EpochRecord, TrainState, Validation, snapshot};
pub use metrics::{ConfusionMatrix, argmax_columns};
pub use seed::derive_seed;
pub use trainer::{Event, Objective, OnNonFinite, TrainConfig, Trainer};
