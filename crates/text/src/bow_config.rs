//! The configuration of a bag of words: tokenizer, n-grams, weighting, vocabulary limits,
//! hashing and threads.

use serde::{Deserialize, Serialize};

use crate::bow::BowVectorizer;
use crate::error::{Error, Result};
use crate::tokenizer::TokenizerConfig;
use crate::vocab_config::VocabOrder;
use crate::weighting::{Norm, Weighting};

/// The hashing trick: columns are hashes of the terms (see [`hashed_feature`](crate::hashed_feature)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashing {
    /// The number of columns, `1..=2³²`.
    pub n_features: usize,
    /// Sign each occurrence by the hash, as scikit-learn's `HashingVectorizer` does by
    /// default, so that collisions cancel out on average.
    pub alternate_sign: bool,
}

/// How to turn documents into rows: `BowConfig::new().with_ngram_range(1, 2).build()`.
///
/// The defaults are those of scikit-learn's `CountVectorizer` where the two have the same
/// option (lower-casing on, unigrams, raw counts, no norm), except the column order: first
/// occurrence (the lecture's) instead of alphabetical, which [`VocabOrder::Alphabetical`]
/// gives. The tokenizer is this crate's, not scikit-learn's `(?u)\b\w\w+\b`, which drops
/// one-character words and all punctuation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BowConfig {
    /// The tokenizer's configuration. Default: lower-casing on, no cleaning.
    pub tokenizer: TokenizerConfig,
    /// The n-gram lengths `(min_n, max_n)`, `1 ≤ min_n ≤ max_n`. Default `(1, 1)`. A
    /// document's terms are its unigrams in text order, then its bigrams, and so on; an
    /// n-gram is its tokens joined by one space ("red dog"), as scikit-learn joins them.
    pub ngram_range: (usize, usize),
    /// The value of a term in a row. Default [`Weighting::Count`].
    pub weighting: Weighting,
    /// TF-IDF only: `tf = 1 + ln(count)`. Default `false`.
    pub sublinear_tf: bool,
    /// TF-IDF only: `idf = ln((1+n)/(1+df)) + 1` rather than `ln(n/df) + 1`. Default `true`.
    pub smooth_idf: bool,
    /// The row normalisation. Default [`Norm::None`].
    pub norm: Norm,
    /// Keep only terms that occur in at least this many documents. Default 1. (This and the
    /// next two options shape the vocabulary, so they do nothing with hashing.)
    pub min_df: u64,
    /// Keep only the most frequent terms (by total count; equal counts by first occurrence).
    /// Default: no limit.
    pub max_features: Option<usize>,
    /// The column order. Default [`VocabOrder::FirstOccurrence`].
    pub order: VocabOrder,
    /// Hash terms instead of keeping a vocabulary. Default: off.
    pub hashing: Option<Hashing>,
    /// The number of threads, at least 1. Default 1.
    pub threads: usize,
}

impl Default for BowConfig {
    fn default() -> Self {
        BowConfig {
            tokenizer: TokenizerConfig::new().with_lowercase(true),
            ngram_range: (1, 1),
            weighting: Weighting::Count,
            sublinear_tf: false,
            smooth_idf: true,
            norm: Norm::None,
            min_df: 1,
            max_features: None,
            order: VocabOrder::FirstOccurrence,
            hashing: None,
            threads: 1,
        }
    }
}

impl BowConfig {
    /// Raw counts of lower-cased unigrams.
    pub fn new() -> Self {
        Self::default()
    }

    /// TF-IDF as scikit-learn's `TfidfVectorizer` defaults: smoothed IDF, L2-normalised rows.
    pub fn tfidf() -> Self {
        BowConfig {
            weighting: Weighting::TfIdf,
            norm: Norm::L2,
            ..Self::default()
        }
    }

    /// Sets [`tokenizer`](Self::tokenizer).
    pub fn with_tokenizer(mut self, tokenizer: TokenizerConfig) -> Self {
        self.tokenizer = tokenizer;
        self
    }

    /// Sets [`ngram_range`](Self::ngram_range).
    pub fn with_ngram_range(mut self, min_n: usize, max_n: usize) -> Self {
        self.ngram_range = (min_n, max_n);
        self
    }

    /// Sets [`weighting`](Self::weighting).
    pub fn with_weighting(mut self, weighting: Weighting) -> Self {
        self.weighting = weighting;
        self
    }

    /// Sets [`sublinear_tf`](Self::sublinear_tf).
    pub fn with_sublinear_tf(mut self, sublinear_tf: bool) -> Self {
        self.sublinear_tf = sublinear_tf;
        self
    }

    /// Sets [`smooth_idf`](Self::smooth_idf).
    pub fn with_smooth_idf(mut self, smooth_idf: bool) -> Self {
        self.smooth_idf = smooth_idf;
        self
    }

    /// Sets [`norm`](Self::norm).
    pub fn with_norm(mut self, norm: Norm) -> Self {
        self.norm = norm;
        self
    }

    /// Sets [`min_df`](Self::min_df).
    pub fn with_min_df(mut self, min_df: u64) -> Self {
        self.min_df = min_df;
        self
    }

    /// Sets [`max_features`](Self::max_features).
    pub fn with_max_features(mut self, max_features: usize) -> Self {
        self.max_features = Some(max_features);
        self
    }

    /// Sets [`order`](Self::order).
    pub fn with_order(mut self, order: VocabOrder) -> Self {
        self.order = order;
        self
    }

    /// Turns on the hashing trick with `n_features` columns (and `alternate_sign`).
    pub fn with_hashing(mut self, n_features: usize, alternate_sign: bool) -> Self {
        self.hashing = Some(Hashing {
            n_features,
            alternate_sign,
        });
        self
    }

    /// Sets [`threads`](Self::threads).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// An unfitted vectorizer of this configuration.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the n-gram range, the thread count or the number of hashed
    /// features is out of range.
    pub fn build(self) -> Result<BowVectorizer> {
        let invalid = |message: String| {
            Err(Error::Invalid {
                what: "BowConfig",
                message,
            })
        };
        let (min_n, max_n) = self.ngram_range;
        if min_n == 0 || min_n > max_n {
            return invalid(format!(
                "ngram_range ({min_n}, {max_n}) must have 1 <= min_n <= max_n"
            ));
        }
        if self.threads == 0 {
            return invalid("threads must be at least 1".into());
        }
        if self.max_features == Some(0) {
            return invalid(
                "max_features 0 would keep no term; it must be at least 1 (None: no limit)".into(),
            );
        }
        if let Some(h) = self.hashing
            && (h.n_features == 0 || h.n_features as u64 > 1 << 32)
        {
            return invalid(format!("n_features {} must be in 1..=2^32", h.n_features));
        }
        Ok(BowVectorizer::unfitted(self))
    }
}
