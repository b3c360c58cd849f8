//! A labelled text corpus as read from a file: texts, label strings, and the line each example
//! came from, so that later errors (an unknown label in a dev set) can point at it.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::labels::LabelMap;

/// Texts with their labels, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    source: String,
    texts: Vec<String>,
    labels: Vec<String>,
    lines: Vec<usize>,
}

/// One example of a [`Dataset`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example<'a> {
    /// The text.
    pub text: &'a str,
    /// The label.
    pub label: &'a str,
    /// The 1-based line of the source it starts on.
    pub line: usize,
}

impl Dataset {
    /// An empty dataset read from `source` (a path or a name such as `<stdin>`).
    pub fn new(source: impl Into<String>) -> Self {
        Dataset {
            source: source.into(),
            ..Self::default()
        }
    }

    /// Appends an example found at `line`.
    pub fn push(&mut self, text: impl Into<String>, label: impl Into<String>, line: usize) {
        self.texts.push(text.into());
        self.labels.push(label.into());
        self.lines.push(line);
    }

    /// Where the examples came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The number of examples.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether there is no example.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The texts, in order (ready for [`BowVectorizer::fit`](crate::BowVectorizer::fit)).
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// The label of each example.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The source line of each example.
    pub fn lines(&self) -> &[usize] {
        &self.lines
    }

    /// Example `i`.
    pub fn get(&self, i: usize) -> Option<Example<'_>> {
        Some(Example {
            text: self.texts.get(i)?,
            label: self.labels.get(i)?,
            line: *self.lines.get(i)?,
        })
    }

    /// The examples in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Example<'_>> + '_ {
        self.texts
            .iter()
            .zip(&self.labels)
            .zip(&self.lines)
            .map(|((text, label), &line)| Example { text, label, line })
    }

    /// The label map of this dataset's labels (sorted, distinct).
    pub fn label_map(&self) -> LabelMap {
        LabelMap::from_labels(&self.labels)
    }

    /// The id of each example's label under `map` (built from the training set, say).
    ///
    /// # Errors
    /// [`Error::UnknownLabel`] naming the label, this dataset's source and the example's line.
    pub fn label_ids(&self, map: &LabelMap) -> Result<Vec<usize>> {
        self.labels
            .iter()
            .zip(&self.lines)
            .map(|(label, &line)| {
                map.find(label).ok_or_else(|| Error::UnknownLabel {
                    label: label.clone(),
                    path: self.source.clone(),
                    line,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Dataset {
        let mut d = Dataset::new("train.tsv");
        d.push("a good film", "1", 2);
        d.push("a bad film", "0", 3);
        d
    }

    #[test]
    fn dataset_keeps_texts_labels_and_lines_together() {
        let d = sample();
        assert_eq!(d.len(), 2);
        assert_eq!(
            d.get(1),
            Some(Example {
                text: "a bad film",
                label: "0",
                line: 3
            })
        );
        assert_eq!(d.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(d.get(2), None);
    }

    #[test]
    fn dataset_label_ids_name_file_and_line_of_unknown_labels() {
        let d = sample();
        let map = d.label_map();
        assert_eq!(d.label_ids(&map).unwrap(), [1, 0]);
        let only_one = LabelMap::from_labels(["1"]);
        let err = d.label_ids(&only_one).unwrap_err();
        assert_eq!(err.to_string(), "train.tsv:3: unknown label \"0\"");
    }
}
