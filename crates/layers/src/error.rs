//! The error type of the layers.

/// An error from building or running a layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A layer was configured with impossible settings (a zero size, p ≥ 1…).
    #[error("{layer}: {message}")]
    Config {
        /// The layer being built.
        layer: &'static str,
        /// What is wrong with its settings.
        message: String,
    },
    /// An op of the forward pass failed (shapes, indices).
    #[error(transparent)]
    Autodiff(#[from] neurotext_autodiff::Error),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn config(layer: &'static str, message: impl Into<String>) -> Error {
    Error::Config {
        layer,
        message: message.into(),
    }
}
