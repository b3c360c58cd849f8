//! The CoNLL format of sequence tagging: one token per line, a blank line between sentences.

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::lines::{DEFAULT_MAX_LINE_BYTES, LineReader};
use crate::error::{Error, Result};
use crate::labels::LabelMap;

/// Which column holds the tag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TagColumn {
    /// The last column (NER in CoNLL-2003). The default.
    #[default]
    Last,
    /// A column by index, counting from 0 (1 is the POS tag in CoNLL-2003).
    Index(usize),
}

/// How to read a CoNLL file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConllConfig {
    /// The tag column. Default [`TagColumn::Last`].
    pub tag_column: TagColumn,
    /// The longest line accepted, in bytes. Default 1 MiB.
    pub max_line_bytes: usize,
}

impl Default for ConllConfig {
    fn default() -> Self {
        ConllConfig {
            tag_column: TagColumn::Last,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

impl ConllConfig {
    /// The defaults: the tag is the last column; lines up to 1 MiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`tag_column`](Self::tag_column).
    pub fn with_tag_column(mut self, column: TagColumn) -> Self {
        self.tag_column = column;
        self
    }

    /// Sets [`max_line_bytes`](Self::max_line_bytes).
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max;
        self
    }
}

/// A sentence: its words and one tag per word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggedSentence {
    /// The words.
    pub words: Vec<String>,
    /// The tag of each word.
    pub tags: Vec<String>,
    /// The 1-based line of the first word (word `i` is on line `line + i`).
    pub line: usize,
}

/// The sentences of a CoNLL source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggedCorpus {
    source: String,
    sentences: Vec<TaggedSentence>,
}

impl TaggedCorpus {
    /// Where the sentences came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The sentences, in order.
    pub fn sentences(&self) -> &[TaggedSentence] {
        &self.sentences
    }

    /// The number of sentences.
    pub fn len(&self) -> usize {
        self.sentences.len()
    }

    /// Whether there is no sentence.
    pub fn is_empty(&self) -> bool {
        self.sentences.is_empty()
    }

    /// The label map of the tags (sorted, distinct).
    pub fn tag_map(&self) -> LabelMap {
        LabelMap::from_labels(self.sentences.iter().flat_map(|s| &s.tags))
    }

    /// The tag ids of every sentence under `map`.
    ///
    /// # Errors
    /// [`Error::UnknownLabel`] naming the tag, the source and the word's line.
    pub fn tag_ids(&self, map: &LabelMap) -> Result<Vec<Vec<usize>>> {
        self.sentences
            .iter()
            .map(|s| {
                s.tags
                    .iter()
                    .enumerate()
                    .map(|(i, tag)| {
                        map.find(tag).ok_or_else(|| Error::UnknownLabel {
                            label: tag.clone(),
                            path: self.source.clone(),
                            line: s.line + i,
                        })
                    })
                    .collect()
            })
            .collect()
    }
}

/// Reads a CoNLL file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::MissingColumn`] (a line without a
/// tag), [`Error::Encoding`] or [`Error::LineTooLong`] naming the file and line;
/// [`Error::Empty`] when it has no sentence.
pub fn read_conll(path: impl AsRef<Path>, config: &ConllConfig) -> Result<TaggedCorpus> {
    let (reader, name) = super::open(path.as_ref())?;
    read_conll_from(reader, &name, config)
}

/// Reads CoNLL lines from `reader`; `source` names it in errors.
///
/// ```text
/// -DOCSTART- -X- -X- O
///
/// EU NNP B-NP B-ORG
/// rejects VBZ B-VP O
/// ```
///
/// Columns are separated by whitespace; the word is the first column and the tag the last
/// one, or the column chosen with [`TagColumn::Index`] (counting from 0). Lines whose word is
/// `-DOCSTART-` separate documents: they end the sentence before them and are skipped.
///
/// ```
/// use neurotext_text::{ConllConfig, read_conll_from};
/// let input = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n";
/// let c = read_conll_from(input.as_bytes(), "<inline>", &ConllConfig::new())?;
/// assert_eq!(c.len(), 2);
/// assert_eq!(c.sentences()[0].words, ["EU", "rejects"]);
/// assert_eq!(c.sentences()[0].tags, ["B-ORG", "O"]);
/// assert_eq!(c.sentences()[1].line, 6);
/// # Ok::<(), neurotext_text::Error>(())
/// ```
///
/// # Errors
/// As [`read_conll`].
pub fn read_conll_from<R: BufRead>(
    reader: R,
    source: &str,
    config: &ConllConfig,
) -> Result<TaggedCorpus> {
    let mut lines = LineReader::new(reader, source, config.max_line_bytes);
    let mut sentences = Vec::new();
    let mut current = TaggedSentence {
        words: Vec::new(),
        tags: Vec::new(),
        line: 0,
    };
    let mut finish = |current: &mut TaggedSentence| {
        if !current.words.is_empty() {
            sentences.push(std::mem::replace(
                current,
                TaggedSentence {
                    words: Vec::new(),
                    tags: Vec::new(),
                    line: 0,
                },
            ));
        }
    };
    while let Some((number, line)) = lines.next_line()? {
        let columns: Vec<&str> = line.split_whitespace().collect();
        let Some(&word) = columns.first() else {
            finish(&mut current);
            continue;
        };
        if word == "-DOCSTART-" {
            finish(&mut current);
            continue;
        }
        let tag_index = match config.tag_column {
            TagColumn::Last => columns.len().max(2) - 1,
            TagColumn::Index(i) => i,
        };
        let Some(&tag) = columns.get(tag_index) else {
            return Err(Error::MissingColumn {
                path: source.to_owned(),
                line: number,
                role: "tag",
                column: tag_index,
                found: columns.len(),
            });
        };
        if current.words.is_empty() {
            current.line = number;
        }
        current.words.push(word.to_owned());
        current.tags.push(tag.to_owned());
    }
    finish(&mut current);
    if sentences.is_empty() {
        return Err(Error::Empty {
            path: source.to_owned(),
        });
    }
    Ok(TaggedCorpus {
        source: source.to_owned(),
        sentences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str, config: &ConllConfig) -> Result<TaggedCorpus> {
        read_conll_from(input.as_bytes(), "c.txt", config)
    }

    const SAMPLE: &str = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n\n\
                          Peter NNP B-NP B-PER\r\nBlackburn NNP I-NP I-PER\n-DOCSTART- -X- O\nX Y Z W\n";

    #[test]
    fn conll_splits_sentences_on_blank_lines_and_docstart() {
        let c = read(SAMPLE, &ConllConfig::new()).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.sentences()[1].words, ["Peter", "Blackburn"]);
        assert_eq!(c.sentences()[1].tags, ["B-PER", "I-PER"]);
        assert_eq!(c.sentences()[1].line, 7);
        assert_eq!(c.sentences()[2].words, ["X"]);
    }

    #[test]
    fn conll_chooses_the_tag_column() {
        let c = read(
            SAMPLE,
            &ConllConfig::new().with_tag_column(TagColumn::Index(1)),
        )
        .unwrap();
        assert_eq!(c.sentences()[0].tags, ["NNP", "VBZ"]);
    }

    #[test]
    fn conll_line_without_tag_names_file_line_and_column() {
        let err = read("EU B-ORG\nrejects\n", &ConllConfig::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.txt:2: no tag column 1 (columns count from 0; the line has 1)"
        );
        let err = read(
            "a b\n",
            &ConllConfig::new().with_tag_column(TagColumn::Index(3)),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::MissingColumn {
                column: 3,
                found: 2,
                ..
            }
        ));
    }

    #[test]
    fn conll_tag_ids_name_the_line_of_an_unknown_tag() {
        let c = read(SAMPLE, &ConllConfig::new()).unwrap();
        let map = c.tag_map();
        assert_eq!(map.labels(), ["B-ORG", "B-PER", "I-PER", "O", "W"]);
        assert_eq!(c.tag_ids(&map).unwrap()[0], [0, 3]);
        let small = LabelMap::from_labels(["B-ORG", "O"]);
        let err = c.tag_ids(&small).unwrap_err();
        assert_eq!(err.to_string(), "c.txt:7: unknown label \"B-PER\"");
    }

    #[test]
    fn conll_without_sentences_is_an_error() {
        let err = read("-DOCSTART- -X- -X- O\n\n", &ConllConfig::new()).unwrap_err();
        assert_eq!(err.to_string(), "no examples in c.txt");
    }
}
