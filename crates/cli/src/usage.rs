//! Usage errors: a flag that makes no sense. They exit with status 2, like clap's own.

/// An error in how the command was called (as opposed to a failure while running it).
#[derive(Debug)]
pub struct UsageError(String);

impl UsageError {
    /// A usage error with this message (it should name the flag).
    pub fn new(message: impl Into<String>) -> Self {
        UsageError(message.into())
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
