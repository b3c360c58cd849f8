//! The error type of the recurrent layers.

/// An error from building or running a recurrent layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A layer was configured with impossible settings.
    #[error("{layer}: {message}")]
    Config {
        /// The layer being built.
        layer: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A batch of sequences does not fit: lengths, padding, or input shape.
    #[error("{op}: {message}")]
    Batch {
        /// The op or layer that refused the batch.
        op: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Weights imported from another library do not fit.
    #[error("{source_name}: {message}")]
    Import {
        /// The file or source of the weights.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// An op of the forward pass failed.
    #[error(transparent)]
    Autodiff(#[from] neurotext_autodiff::Error),
    /// A layer failed.
    #[error(transparent)]
    Layers(#[from] neurotext_layers::Error),
    /// A kernel of the linear-algebra layer failed.
    #[error(transparent)]
    Linalg(#[from] neurotext_linalg::Error),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn batch_error(op: &'static str, message: impl Into<String>) -> Error {
    Error::Batch {
        op,
        message: message.into(),
    }
}

pub(crate) fn config(layer: &'static str, message: impl Into<String>) -> Error {
    Error::Config {
        layer,
        message: message.into(),
    }
}
