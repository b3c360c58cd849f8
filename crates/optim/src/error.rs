//! The error type of the optimizers.

/// An error from an optimizer step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Saved optimizer state does not fit the model (another model, or a changed layer).
    #[error(
        "optimizer state for parameter {name:?} has shape {state}, but the parameter is {param}"
    )]
    StateShape {
        /// The parameter's name.
        name: String,
        /// The shape of the saved state.
        state: String,
        /// The shape of the parameter.
        param: String,
    },
    /// A hyperparameter is out of range.
    #[error("{optimizer}: {message}")]
    Config {
        /// The optimizer being configured.
        optimizer: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
