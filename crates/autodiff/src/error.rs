//! The error type of the autodiff.

/// An error from building or differentiating a computation graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The inputs of an op do not have shapes that fit together.
    #[error("{op}: shape mismatch: expected {expected}, got {got}")]
    Shape {
        /// The op that refused its inputs.
        op: &'static str,
        /// What the op needed.
        expected: String,
        /// What it was given.
        got: String,
    },
    /// An argument is out of range: an index past the end, an empty list, a bad target.
    #[error("{op}: {message}")]
    Invalid {
        /// The op that refused the argument.
        op: &'static str,
        /// What was wrong.
        message: String,
    },
    /// An error from the linear-algebra layer.
    #[error(transparent)]
    Linalg(#[from] neurotext_linalg::Error),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn shape_error(op: &'static str, expected: String, got: (usize, usize)) -> Error {
    Error::Shape {
        op,
        expected,
        got: neurotext_linalg::shape_str(got.0, got.1),
    }
}

pub(crate) fn invalid(op: &'static str, message: impl Into<String>) -> Error {
    Error::Invalid {
        op,
        message: message.into(),
    }
}
