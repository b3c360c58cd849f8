//! The error type of the linear-algebra layer.

/// An error from a shape-checked operation.
///
/// nalgebra panics when shapes do not match; neurotext checks them at its API boundary
/// and returns this error instead, naming the operation and both shapes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Operand shapes do not fit together.
    #[error("{op}: shape mismatch: expected {expected}, got {got}")]
    Shape {
        /// The operation that refused its operands.
        op: &'static str,
        /// What the operation needed, for example `[3, 4]` or `rows = 3`.
        expected: String,
        /// What it was given.
        got: String,
    },
    /// An argument is outside its valid range (a zero thread count, a bad index…).
    #[error("{op}: invalid argument: {message}")]
    Invalid {
        /// The operation that refused the argument.
        op: &'static str,
        /// What was wrong with it.
        message: String,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Formats a shape as `[rows, cols]`, the way every error message of neurotext prints it.
pub fn shape_str(rows: usize, cols: usize) -> String {
    format!("[{rows}, {cols}]")
}
