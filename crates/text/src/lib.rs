//! Text featurization for neurotext: tokens, vocabularies, one-hot and bag-of-words rows,
//! padded id sequences, and readers for the corpora the lecture trains on.
//!
//! # Brief overview
//! - [`Tokenizer`] ([`TokenizerConfig`]): Unicode words, numbers and punctuation, with
//!   optional lower-casing and cleaning of corpus artefacts ([`clean_artefacts`]); [`Tokens`]
//!   iterates over `&str` slices without allocating.
//! - [`Vocab`] ([`VocabConfig`]): token ↔ id with special tokens, minimum frequency, maximum
//!   size and a documented order ([`VocabOrder`]); [`TokenCounter`] counts a corpus.
//! - [`one_hot`], [`one_hot_rows`]: the lecture's one-hot vectors.
//! - [`BowVectorizer`] ([`BowConfig`]): counts, binary, frequency or TF-IDF rows
//!   ([`Weighting`], [`Norm`]), n-grams, min_df/max_features, the hashing trick
//!   ([`hashed_feature`]), on one thread or several with identical output, as a
//!   [`CsrMatrix`](neurotext_linalg::CsrMatrix).
//! - [`PaddedBatch`]: time-major padded id sequences with a mask; [`bucket_by_length`] for
//!   batches of similar lengths.
//! - Readers: [`read_tsv`] (TSV/CSV), [`read_fasttext`], [`read_conll`], each also from any
//!   `BufRead` (`read_*_from`), into a [`Dataset`] or a [`TaggedCorpus`]; [`LabelMap`] numbers
//!   labels in sorted order.
//! - [`Error`]: one error type; reader errors name the file and the line.
//!
//! # Example: the lecture's bag of words
//! ```
//! use neurotext_text::BowConfig;
//! let train = ["the red dog", "cat eats dog", "dog eats food", "red cat eats"];
//! let mut bow = BowConfig::new().build()?;
//! let x = bow.fit_transform(&train)?.to_dense();
//! let vocab = bow.vocabulary().expect("fitted");
//! assert_eq!(vocab.tokens(), ["the", "red", "dog", "cat", "eats", "food"]);
//! let rows: Vec<Vec<f32>> = x.row_iter().map(|r| r.iter().copied().collect()).collect();
//! assert_eq!(rows, [
//!     [1., 1., 1., 0., 0., 0.],
//!     [0., 0., 1., 1., 1., 0.],
//!     [0., 0., 1., 0., 1., 1.],
//!     [0., 1., 0., 1., 1., 0.],
//! ]);
//! // "and" is not in the vocabulary, so it has no column.
//! let new = bow.transform(&["red dog eats and red cat eats food"])?.to_dense();
//! assert_eq!(new.row(0).iter().copied().collect::<Vec<f32>>(), [0., 2., 1., 1., 2., 1.]);
//! # Ok::<(), neurotext_text::Error>(())
//! ```
//!
//! # Corpus readers
//! Each reader reads from a path, or from any `BufRead` with a source name for
//! its error messages (`<stdin>`, a test's name), so stdin and fuzzers work the same way.
//! All of them:
//!
//! - strip a UTF-8 byte-order mark at the start and the `\r` of CRLF line endings;
//! - skip blank lines (between records; CoNLL uses them to end sentences);
//! - refuse bytes that are not UTF-8, naming the file and line;
//! - refuse a line longer than a limit ([`DEFAULT_MAX_LINE_BYTES`], configurable) before
//!   buffering more of it, so no input makes them allocate without bound;
//! - refuse a source without a single example ("no examples in FILE").
//!
//! # Why these dependencies
//! - **neurotext-linalg** for [`CsrMatrix`](neurotext_linalg::CsrMatrix), `Matrix` and the
//!   seeded generator of [`bucket_by_length`].
//! - **rand** for `SliceRandom::shuffle` in [`bucket_by_length`] (already built for linalg).
//! - **serde** so that vocabularies, label maps and fitted vectorizers can be saved with a
//!   model; **thiserror** for [`Error`].
//!
//! Token lookups use a small purpose-built string interner (one arena, open addressing, short
//! tokens compared as one word) rather than a `HashMap` with a fast hasher from `rustc-hash`
//! or `ahash`: lookups are the hot path of featurization, and the interner measured faster
//! than `HashMap` with an FxHash-style hasher (see the `interner` module). Threads come from
//! `std::thread::scope`. Nothing else is needed.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bow;
mod bow_config;
mod chars;
mod clean;
mod counter;
mod dataset;
mod error;
mod featurize;
mod hashing;
mod interner;
mod labels;
mod ngrams;
mod one_hot;
mod readers;
mod sequence;
mod tokenizer;
mod vocab;
mod vocab_config;
mod weighting;

pub use bow::BowVectorizer;
pub use bow_config::{BowConfig, Hashing};
pub use clean::clean_artefacts;
pub use counter::TokenCounter;
pub use dataset::{Dataset, Example};
pub use error::{Error, Result};
pub use hashing::{hashed_feature, murmur3_32};
pub use labels::LabelMap;
pub use one_hot::{one_hot, one_hot_columns, one_hot_id, one_hot_matrix, one_hot_rows};
pub use readers::{
    ConllConfig, DEFAULT_MAX_LINE_BYTES, Delimiter, FastTextConfig, TagColumn, TaggedCorpus,
    TaggedSentence, TsvConfig, read_conll, read_conll_from, read_fasttext, read_fasttext_from,
    read_tsv, read_tsv_from,
};
pub use sequence::{POOL_BATCHES, PaddedBatch, bucket_by_length};
pub use tokenizer::{Tokenizer, TokenizerConfig, Tokens};
pub use vocab::{UnknownPolicy, Vocab};
pub use vocab_config::{VocabConfig, VocabOrder};
pub use weighting::{Norm, Weighting};
