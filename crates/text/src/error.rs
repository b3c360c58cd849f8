//! The error type of the text crate.
//!
//! Every error that comes from reading a corpus names the source (a path, or the name given
//! for a reader such as `<stdin>`) and the 1-based line, compiler style: `train.tsv:17: …`.

/// An error from featurization or from reading a corpus.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the source failed (it does not exist, is not readable, the disk failed…).
    #[error("{path}: {source}")]
    Io {
        /// The file or the source name.
        path: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A line does not follow the format (an unterminated quote, a missing label…).
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file or the source name.
        path: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// A line is not valid UTF-8.
    #[error("{path}:{line}: invalid UTF-8 at byte {byte} of the line")]
    Encoding {
        /// The file or the source name.
        path: String,
        /// The 1-based line number.
        line: usize,
        /// The 1-based byte offset of the first invalid byte within the line.
        byte: usize,
    },
    /// A line (or a quoted CSV record) is longer than the configured limit.
    #[error(
        "{path}:{line}: line longer than {limit} bytes (raise the limit with with_max_line_bytes)"
    )]
    LineTooLong {
        /// The file or the source name.
        path: String,
        /// The 1-based line number where the line or record starts.
        line: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A line lacks the column that holds the text, the label or the tag.
    #[error(
        "{path}:{line}: no {role} column {column} (columns count from 0; the line has {found})"
    )]
    MissingColumn {
        /// The file or the source name.
        path: String,
        /// The 1-based line number.
        line: usize,
        /// What the column holds: `"text"`, `"label"` or `"tag"`.
        role: &'static str,
        /// The 0-based column index that was asked for.
        column: usize,
        /// How many columns the line has.
        found: usize,
    },
    /// A source holds no example at all (it is empty, or has only a header or blank lines).
    #[error("no examples in {path}")]
    Empty {
        /// The file or the source name.
        path: String,
    },
    /// A label is not in the label map. `line` is 0 when the lookup had no source line.
    #[error("{}unknown label {label:?}", location(path, *line))]
    UnknownLabel {
        /// The label that was looked up.
        label: String,
        /// The file or the source name (empty when the lookup had no source).
        path: String,
        /// The 1-based line number (0 when the lookup had no source line).
        line: usize,
    },
    /// A token is not in the vocabulary, and the vocabulary has no `<unk>` to map it to.
    #[error("unknown token {token:?} (the vocabulary has no unknown-token entry)")]
    UnknownToken {
        /// The token that was looked up.
        token: String,
    },
    /// An id is out of range for a vocabulary or a label map.
    #[error("{what}: id {id} out of range for {len} entries")]
    UnknownId {
        /// What was indexed: `"vocabulary"` or `"label map"`.
        what: &'static str,
        /// The id that was asked for.
        id: usize,
        /// The number of entries.
        len: usize,
    },
    /// A configuration or an argument is invalid (a batch size of 0, `max_size` below the
    /// number of special tokens…).
    #[error("{what}: {message}")]
    Invalid {
        /// The operation or configuration that refused the argument.
        what: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// Building a sparse matrix failed (a broken internal invariant).
    #[error(transparent)]
    Linalg(#[from] neurotext_linalg::Error),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `"path:line: "` for errors that know where they come from, `""` otherwise.
fn location(path: &str, line: usize) -> String {
    match (path.is_empty(), line) {
        (true, _) => String::new(),
        (false, 0) => format!("{path}: "),
        (false, line) => format!("{path}:{line}: "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_names_file_and_line() {
        let e = Error::Parse {
            path: "train.tsv".into(),
            line: 17,
            message: "unterminated quote".into(),
        };
        assert_eq!(e.to_string(), "train.tsv:17: unterminated quote");
    }

    #[test]
    fn unknown_label_names_location_only_when_known() {
        let with = Error::UnknownLabel {
            label: "Spam".into(),
            path: "dev.tsv".into(),
            line: 3,
        };
        assert_eq!(with.to_string(), "dev.tsv:3: unknown label \"Spam\"");
        let without = Error::UnknownLabel {
            label: "Spam".into(),
            path: String::new(),
            line: 0,
        };
        assert_eq!(without.to_string(), "unknown label \"Spam\"");
    }

    #[test]
    fn missing_column_names_role_and_column() {
        let e = Error::MissingColumn {
            path: "a.csv".into(),
            line: 2,
            role: "label",
            column: 1,
            found: 1,
        };
        let s = e.to_string();
        assert!(s.starts_with("a.csv:2: no label column 1"), "{s}");
    }
}
