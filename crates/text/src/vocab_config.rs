//! Building a vocabulary: special tokens, minimum frequency, maximum size, and an order that
//! depends only on the corpus.

use serde::{Deserialize, Serialize};

use crate::counter::TokenCounter;
use crate::error::{Error, Result};
use crate::tokenizer::Tokenizer;
use crate::vocab::{UnknownPolicy, Vocab};

/// The order of the corpus tokens in a vocabulary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum VocabOrder {
    /// In the order the corpus first uses them (the lecture's order). The default.
    #[default]
    FirstOccurrence,
    /// By descending count; equal counts by first occurrence.
    Frequency,
    /// By the tokens' UTF-8 bytes (code point order), as scikit-learn orders its columns.
    Alphabetical,
}

/// How to build a [`Vocab`]: `VocabConfig::new().with_min_freq(2).build(docs)`.
///
/// Special tokens (`<pad>`, `<unk>`, then any extra ones) come first, in that order, so
/// `<pad>` is 0 and `<unk>` is 1 by default. The corpus tokens follow in the order of
/// [`VocabOrder`]: first occurrence (the lecture's dictionary: the, red, dog, cat, eats,
/// food), descending frequency with ties broken by first occurrence, or alphabetical (byte
/// order, which is code point order: scikit-learn's column order). The same corpus gives the
/// same vocabulary on every run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabConfig {
    /// Keep only corpus tokens that occur at least this often. Default 1.
    pub min_freq: u64,
    /// The largest vocabulary, special tokens included; the most frequent corpus tokens are
    /// kept (equal counts by first occurrence). Default: no limit.
    pub max_size: Option<usize>,
    /// The padding token, id 0 when present. Default `<pad>`.
    pub pad: Option<String>,
    /// The unknown token, right after `<pad>`. Default `<unk>`.
    pub unk: Option<String>,
    /// More special tokens (`<bos>`, `<eos>`…), after `<pad>` and `<unk>`. Default none.
    pub extra_specials: Vec<String>,
    /// The order of the corpus tokens. Default [`VocabOrder::FirstOccurrence`].
    pub order: VocabOrder,
    /// What to do with unknown tokens. Default [`UnknownPolicy::MapToUnk`].
    pub unknown: UnknownPolicy,
}

impl Default for VocabConfig {
    fn default() -> Self {
        VocabConfig {
            min_freq: 1,
            max_size: None,
            pad: Some("<pad>".into()),
            unk: Some("<unk>".into()),
            extra_specials: Vec::new(),
            order: VocabOrder::FirstOccurrence,
            unknown: UnknownPolicy::MapToUnk,
        }
    }
}

impl VocabConfig {
    /// The defaults: `<pad>`, `<unk>`, first-occurrence order, unknown tokens map to `<unk>`.
    pub fn new() -> Self {
        Self::default()
    }

    /// No special tokens, and unknown tokens are dropped: the lecture's plain dictionary.
    pub fn without_specials(mut self) -> Self {
        self.pad = None;
        self.unk = None;
        self.extra_specials.clear();
        self.unknown = UnknownPolicy::Drop;
        self
    }

    /// Sets [`min_freq`](Self::min_freq).
    pub fn with_min_freq(mut self, min_freq: u64) -> Self {
        self.min_freq = min_freq;
        self
    }

    /// Sets [`max_size`](Self::max_size).
    pub fn with_max_size(mut self, max_size: usize) -> Self {
        self.max_size = Some(max_size);
        self
    }

    /// Sets [`pad`](Self::pad).
    pub fn with_pad(mut self, pad: Option<&str>) -> Self {
        self.pad = pad.map(str::to_owned);
        self
    }

    /// Sets [`unk`](Self::unk).
    pub fn with_unk(mut self, unk: Option<&str>) -> Self {
        self.unk = unk.map(str::to_owned);
        self
    }

    /// Sets [`extra_specials`](Self::extra_specials).
    pub fn with_extra_specials(mut self, specials: &[&str]) -> Self {
        self.extra_specials = specials.iter().map(|&s| s.to_owned()).collect();
        self
    }

    /// Sets [`order`](Self::order).
    pub fn with_order(mut self, order: VocabOrder) -> Self {
        self.order = order;
        self
    }

    /// Sets [`unknown`](Self::unknown).
    pub fn with_unknown(mut self, unknown: UnknownPolicy) -> Self {
        self.unknown = unknown;
        self
    }

    /// Builds the vocabulary of a corpus given as token sequences.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an inconsistent configuration (see
    /// [`build_from_counter`](Self::build_from_counter)).
    pub fn build<I, D, T>(&self, docs: I) -> Result<Vocab>
    where
        I: IntoIterator<Item = D>,
        D: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let mut counter = TokenCounter::new();
        for doc in docs {
            counter.add_document(doc)?;
        }
        self.build_from_counter(&counter)
    }

    /// Builds the vocabulary of a corpus of texts, split by `tokenizer`.
    ///
    /// # Errors
    /// As [`build_from_counter`](Self::build_from_counter).
    pub fn build_from_texts<I, S>(&self, tokenizer: &Tokenizer, texts: I) -> Result<Vocab>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut counter = TokenCounter::new();
        let mut scratch = String::new();
        for text in texts {
            counter.add_document(tokenizer.tokens(text.as_ref(), &mut scratch))?;
        }
        self.build_from_counter(&counter)
    }

    /// Builds the vocabulary from counted tokens.
    ///
    /// # Errors
    /// [`Error::Invalid`] when special tokens repeat, when `max_size` is smaller than the
    /// number of special tokens, or when unknown tokens should map to `<unk>` but there is no
    /// unknown token.
    pub fn build_from_counter(&self, counter: &TokenCounter) -> Result<Vocab> {
        let specials: Vec<&str> = self
            .pad
            .iter()
            .chain(&self.unk)
            .chain(&self.extra_specials)
            .map(String::as_str)
            .collect();
        let invalid = |message: String| Error::Invalid {
            what: "VocabConfig",
            message,
        };
        if let Some(dup) = specials
            .iter()
            .enumerate()
            .find(|(i, s)| specials[..*i].contains(s))
        {
            return Err(invalid(format!(
                "special token {:?} is listed twice",
                dup.1
            )));
        }
        let max_corpus = match self.max_size {
            Some(m) if m < specials.len() => {
                return Err(invalid(format!(
                    "max_size {m} leaves no room for the {} special tokens",
                    specials.len()
                )));
            }
            Some(m) => Some(m - specials.len()),
            None => None,
        };
        let selection = Selection {
            min_count: self.min_freq,
            min_df: 1,
            max_size: max_corpus,
            order: self.order,
        };
        let keep = selection.select(counter, |t| specials.contains(&t));
        let tokens: Vec<String> = specials
            .iter()
            .map(|&s| s.to_owned())
            .chain(
                keep.iter()
                    .map(|&i| counter.token_at(i as usize).to_owned()),
            )
            .collect();
        let counts: Vec<u64> = specials
            .iter()
            .map(|s| counter.count(s))
            .chain(keep.iter().map(|&i| counter.count_at(i as usize)))
            .collect();
        let pad = self.pad.as_ref().map(|_| 0);
        let unk = self.unk.as_ref().map(|_| usize::from(self.pad.is_some()));
        Vocab::from_parts(tokens, counts, pad, unk, self.unknown)
    }
}

/// Which counted tokens to keep, and in which order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Selection {
    pub(crate) min_count: u64,
    pub(crate) min_df: u64,
    pub(crate) max_size: Option<usize>,
    pub(crate) order: VocabOrder,
}

impl Selection {
    /// The first-occurrence indices of the kept tokens, in vocabulary order.
    pub(crate) fn select(&self, counter: &TokenCounter, skip: impl Fn(&str) -> bool) -> Vec<u32> {
        let mut keep: Vec<u32> = (0..counter.len())
            .filter(|&i| {
                counter.count_at(i) >= self.min_count
                    && counter.doc_freq_at(i) >= self.min_df
                    && !skip(counter.token_at(i))
            })
            .map(|i| i as u32)
            .collect();
        let count = |i: &u32| counter.count_at(*i as usize);
        let by_count = |a: &u32, b: &u32| count(b).cmp(&count(a)).then(a.cmp(b));
        if let Some(max) = self.max_size
            && keep.len() > max
        {
            keep.sort_unstable_by(by_count);
            keep.truncate(max);
            keep.sort_unstable();
        }
        match self.order {
            VocabOrder::FirstOccurrence => {}
            VocabOrder::Frequency => keep.sort_unstable_by(by_count),
            VocabOrder::Alphabetical => keep.sort_unstable_by(|&a, &b| {
                counter
                    .token_at(a as usize)
                    .cmp(counter.token_at(b as usize))
            }),
        }
        keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LECTURE: [&str; 4] = [
        "the red dog",
        "cat eats dog",
        "dog eats food",
        "red cat eats",
    ];

    fn docs() -> Vec<Vec<&'static str>> {
        LECTURE.iter().map(|d| d.split(' ').collect()).collect()
    }

    #[test]
    fn vocab_in_first_occurrence_order_matches_lecture() {
        let v = VocabConfig::new().without_specials().build(docs()).unwrap();
        assert_eq!(v.tokens(), ["the", "red", "dog", "cat", "eats", "food"]);
        assert_eq!(v.counts(), [1, 2, 3, 2, 3, 1]);
        assert_eq!(v.pad_id(), None);
        assert_eq!(v.encode(["red", "and", "dog"]), [1, 2]); // "and" dropped
    }

    #[test]
    fn vocab_frequency_order_breaks_ties_by_first_occurrence() {
        let v = VocabConfig::new()
            .with_order(VocabOrder::Frequency)
            .build(docs())
            .unwrap();
        assert_eq!(
            v.tokens(),
            ["<pad>", "<unk>", "dog", "eats", "red", "cat", "the", "food"]
        );
        assert_eq!(v.pad_id(), Some(0));
        assert_eq!(v.unk_id(), Some(1));
    }

    #[test]
    fn vocab_alphabetical_order_sorts_by_code_point() {
        let v = VocabConfig::new()
            .without_specials()
            .with_order(VocabOrder::Alphabetical)
            .build([["é", "b", "B", "a"]])
            .unwrap();
        assert_eq!(v.tokens(), ["B", "a", "b", "é"]);
    }

    #[test]
    fn vocab_min_freq_and_max_size_keep_the_most_frequent() {
        let v = VocabConfig::new().with_min_freq(2).build(docs()).unwrap();
        assert_eq!(v.tokens(), ["<pad>", "<unk>", "red", "dog", "cat", "eats"]);
        // max_size counts the specials: 2 + the 3 most frequent (dog 3, eats 3, red 2 before
        // cat 2 by first occurrence), kept in first-occurrence order.
        let v = VocabConfig::new().with_max_size(5).build(docs()).unwrap();
        assert_eq!(v.tokens(), ["<pad>", "<unk>", "red", "dog", "eats"]);
    }

    #[test]
    fn vocab_rejects_inconsistent_configurations() {
        let no_unk = VocabConfig::new().with_unk(None).build(docs());
        assert!(matches!(no_unk, Err(Error::Invalid { .. })));
        let twice = VocabConfig::new()
            .with_extra_specials(&["<pad>"])
            .build(docs());
        assert!(matches!(twice, Err(Error::Invalid { .. })));
        let small = VocabConfig::new().with_max_size(1).build(docs());
        assert!(matches!(small, Err(Error::Invalid { .. })));
        assert!(Vocab::from_tokens(["a", "b", "a"]).is_err());
    }

    #[test]
    fn vocab_specials_in_the_corpus_are_not_repeated() {
        let v = VocabConfig::new()
            .with_extra_specials(&["<eos>"])
            .build([["a", "<unk>", "<eos>", "b"]])
            .unwrap();
        assert_eq!(v.tokens(), ["<pad>", "<unk>", "<eos>", "a", "b"]);
        assert_eq!(v.counts(), [0, 1, 1, 1, 1]);
    }
}
