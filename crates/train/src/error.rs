//! The error type of the training loop and checkpoints.

use std::path::PathBuf;

/// A boxed error from the caller's model or data code.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An error from training or from a checkpoint file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The training settings are impossible (zero epochs, zero batch size, a negative
    /// learning rate or clipping norm, duplicate parameter names…).
    #[error("training configuration: {0}")]
    Config(String),
    /// The caller's loss or validation code failed.
    #[error("epoch {epoch}, step {step}: {source}")]
    Objective {
        /// The epoch (from 1).
        epoch: usize,
        /// The step within the run (from 1).
        step: usize,
        /// What failed.
        source: BoxError,
    },
    /// A NaN or an infinity appeared in the loss, in a gradient or in a validation score.
    #[error("epoch {epoch}, step {step}: non-finite {what}")]
    NonFinite {
        /// The epoch (from 1).
        epoch: usize,
        /// The step within the run (from 1).
        step: usize,
        /// Where it appeared (the loss and the op that first produced it, a parameter's
        /// gradient, or the validation score) and what became of the weights.
        what: String,
    },
    /// An optimizer step failed.
    #[error(transparent)]
    Optim(#[from] neurotext_optim::Error),
    /// The backward pass failed.
    #[error(transparent)]
    Autodiff(#[from] neurotext_autodiff::Error),
    /// A checkpoint file is unreadable, corrupt, or does not fit the model.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
