//! The fastText format: `__label__sports The match ended in a draw`.

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::lines::{DEFAULT_MAX_LINE_BYTES, LineReader};
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// How to read a fastText file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FastTextConfig {
    /// What marks the label token. Default `__label__`.
    pub label_prefix: String,
    /// The longest line accepted, in bytes. Default 1 MiB.
    pub max_line_bytes: usize,
}

impl Default for FastTextConfig {
    fn default() -> Self {
        FastTextConfig {
            label_prefix: "__label__".into(),
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

impl FastTextConfig {
    /// The defaults: prefix `__label__`, lines up to 1 MiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`label_prefix`](Self::label_prefix).
    pub fn with_label_prefix(mut self, prefix: &str) -> Self {
        self.label_prefix = prefix.to_owned();
        self
    }

    /// Sets [`max_line_bytes`](Self::max_line_bytes).
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max;
        self
    }
}

/// Reads a fastText file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Parse`] (a missing or repeated
/// label), [`Error::Encoding`] or [`Error::LineTooLong`] naming the file and line;
/// [`Error::Empty`] when it has no example.
pub fn read_fasttext(path: impl AsRef<Path>, config: &FastTextConfig) -> Result<Dataset> {
    let (reader, name) = super::open(path.as_ref())?;
    read_fasttext_from(reader, &name, config)
}

/// Reads fastText lines from `reader`; `source` names it in errors.
///
/// Each non-blank line starts with exactly one label, written as the label prefix (default
/// `__label__`, configurable) and a non-empty name; the rest of the line, trimmed, is the text.
/// A line with a label and no text is kept with an empty text (its bag-of-words row is empty
/// and its sequence has length 0); fastText's own multi-label lines, with a second token that
/// starts with the prefix, are refused, since a classifier here takes one label per example.
///
/// ```
/// use neurotext_text::{FastTextConfig, read_fasttext_from};
/// let input = "__label__pos a fine film\n\n__label__neg   dull \n";
/// let d = read_fasttext_from(input.as_bytes(), "<stdin>", &FastTextConfig::new())?;
/// assert_eq!(d.texts(), ["a fine film", "dull"]);
/// assert_eq!(d.labels(), ["pos", "neg"]);
/// # Ok::<(), neurotext_text::Error>(())
/// ```
///
/// # Errors
/// As [`read_fasttext`].
pub fn read_fasttext_from<R: BufRead>(
    reader: R,
    source: &str,
    config: &FastTextConfig,
) -> Result<Dataset> {
    let prefix = config.label_prefix.as_str();
    if prefix.is_empty() || prefix.chars().any(char::is_whitespace) {
        return Err(Error::Invalid {
            what: "FastTextConfig",
            message: format!("label prefix {prefix:?} must be non-empty and without spaces"),
        });
    }
    let mut lines = LineReader::new(reader, source, config.max_line_bytes);
    let mut dataset = Dataset::new(source);
    while let Some((number, line)) = lines.next_line()? {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parse_error = |message: String| Error::Parse {
            path: source.to_owned(),
            line: number,
            message,
        };
        let (first, text) = line
            .split_once(char::is_whitespace)
            .map_or((line, ""), |(a, b)| (a, b.trim_start()));
        let label = match first.strip_prefix(prefix) {
            Some(label) if !label.is_empty() => label,
            _ => {
                return Err(parse_error(format!(
                    "expected a label \"{prefix}NAME\" at the start of the line, found {first:?}"
                )));
            }
        };
        if let Some(second) = text.split_whitespace().find(|t| t.starts_with(prefix)) {
            return Err(parse_error(format!(
                "a second label {second:?} (one label per line is required)"
            )));
        }
        dataset.push(text, label, number);
    }
    if dataset.is_empty() {
        return Err(Error::Empty {
            path: source.to_owned(),
        });
    }
    Ok(dataset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str, config: &FastTextConfig) -> Result<Dataset> {
        read_fasttext_from(input.as_bytes(), "ft.txt", config)
    }

    #[test]
    fn fasttext_reads_label_and_text() {
        let d = read(
            "\u{FEFF}__label__World Talks resume\r\n__label__Sci/Tech New chip\n",
            &FastTextConfig::new(),
        )
        .unwrap();
        assert_eq!(d.labels(), ["World", "Sci/Tech"]);
        assert_eq!(d.texts(), ["Talks resume", "New chip"]);
        assert_eq!(d.lines(), [1, 2]);
    }

    #[test]
    fn fasttext_keeps_a_label_without_text_as_an_empty_text() {
        let d = read("__label__x\n__label__y   \n", &FastTextConfig::new()).unwrap();
        assert_eq!(d.texts(), ["", ""]);
        assert_eq!(d.labels(), ["x", "y"]);
    }

    #[test]
    fn fasttext_requires_exactly_one_label_per_line() {
        let err = read("__label__a ok\nno label\n", &FastTextConfig::new()).unwrap_err();
        assert!(
            err.to_string().starts_with("ft.txt:2: expected a label"),
            "{err}"
        );
        let err = read("__label__ text\n", &FastTextConfig::new()).unwrap_err();
        assert!(
            err.to_string().starts_with("ft.txt:1: expected a label"),
            "{err}"
        );
        let err = read("__label__a __label__b text\n", &FastTextConfig::new()).unwrap_err();
        assert!(err.to_string().contains("one label per line"), "{err}");
    }

    #[test]
    fn fasttext_prefix_is_configurable() {
        let d = read("#pos good\n", &FastTextConfig::new().with_label_prefix("#")).unwrap();
        assert_eq!(
            (d.labels()[0].as_str(), d.texts()[0].as_str()),
            ("pos", "good")
        );
        assert!(read("x\n", &FastTextConfig::new().with_label_prefix("")).is_err());
    }

    #[test]
    fn fasttext_empty_input_is_an_error() {
        let err = read(" \n\n", &FastTextConfig::new()).unwrap_err();
        assert_eq!(err.to_string(), "no examples in ft.txt");
    }
}
