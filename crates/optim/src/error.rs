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
    /// Two parameters of the model have the same name: their state, kept by name, would be
    /// shared.
    #[error(
        "two parameters of the model are named {name:?}; optimizer state is kept by name, so \
         every parameter needs its own"
    )]
    DuplicateName {
        /// The name that appears twice.
        name: String,
    },
    /// A hyperparameter is out of range (named, with its value, in the message).
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
