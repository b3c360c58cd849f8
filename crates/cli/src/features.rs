//! How texts become model inputs: a bag of words, or token ids with a vocabulary (and, for
//! the tagger, casing and character n-gram features). Saved with the model.

use std::sync::Arc;

use anyhow::Result;
use neurotext_linalg::CsrMatrix;
use neurotext_text::{
    BowConfig, BowVectorizer, Norm, Tokenizer, TokenizerConfig, Vocab, VocabConfig, Weighting,
};

use crate::args::BowWeighting;
use serde::{Deserialize, Serialize};

/// The featurizer of a model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Features {
    /// A fitted bag-of-words vectorizer.
    Bow(BowVectorizer),
    /// A tokenizer and a vocabulary of token ids.
    Ids {
        /// How texts are split.
        tokenizer: TokenizerConfig,
        /// Token ↔ id, with `<pad>` and `<unk>`.
        vocab: Vocab,
    },
    /// A tagger's vocabulary of (lower-cased) words; tokens are given.
    Words {
        /// Lower-cased word ↔ id, with `<pad>` and `<unk>`.
        vocab: Vocab,
    },
}

/// The bag-of-words settings of the classifiers: n-grams up to `ngrams`, counted as asked.
pub fn bow_config(ngrams: usize, weighting: BowWeighting) -> BowConfig {
    let config = BowConfig::new()
        .with_tokenizer(classifier_tokenizer())
        .with_ngram_range(1, ngrams.max(1));
    match weighting {
        BowWeighting::Binary => config.with_weighting(Weighting::Binary),
        BowWeighting::Count => config.with_weighting(Weighting::Count),
        BowWeighting::Tfidf => config
            .with_weighting(Weighting::TfIdf)
            .with_sublinear_tf(true)
            .with_norm(Norm::L2),
    }
}

/// The tokenizer of the classifiers: lower-cased, corpus artefacts cleaned.
pub fn classifier_tokenizer() -> TokenizerConfig {
    TokenizerConfig::new()
        .with_lowercase(true)
        .with_clean_artefacts(true)
}

/// Fits a bag of words on `texts`.
pub fn fit_bow(texts: &[String], ngrams: usize, weighting: BowWeighting) -> Result<Features> {
    let mut bow = bow_config(ngrams, weighting).build()?;
    bow.fit(texts)?;
    Ok(Features::Bow(bow))
}

/// Builds a vocabulary of the tokens seen at least twice in `texts`.
pub fn fit_ids(texts: &[String]) -> Result<Features> {
    let tokenizer = classifier_tokenizer();
    let vocab = VocabConfig::new()
        .with_min_freq(2)
        .build_from_texts(&tokenizer.clone().build(), texts)?;
    Ok(Features::Ids { tokenizer, vocab })
}

/// Builds a tagger's vocabulary of lower-cased words seen at least twice.
pub fn fit_words(sentences: &[Vec<String>]) -> Result<Features> {
    let lowered: Vec<Vec<String>> = sentences
        .iter()
        .map(|s| s.iter().map(|w| w.to_lowercase()).collect())
        .collect();
    let vocab = VocabConfig::new()
        .with_min_freq(2)
        .build(lowered.iter().map(|s| s.iter().map(String::as_str)))?;
    Ok(Features::Words { vocab })
}

impl Features {
    /// The id that pads sequences to a batch's length (0 for a bag of words, which has none).
    pub fn pad_id(&self) -> usize {
        match self {
            Features::Bow(_) => 0,
            Features::Ids { vocab, .. } | Features::Words { vocab } => vocab.pad_id().unwrap_or(0),
        }
    }

    /// The number of input features (bag of words) or tokens (ids).
    pub fn size(&self) -> usize {
        match self {
            Features::Bow(b) => b.n_features(),
            Features::Ids { vocab, .. } | Features::Words { vocab } => vocab.len(),
        }
    }

    /// Sparse bag-of-words rows of `texts`.
    pub fn bow(&self, texts: &[&str]) -> Result<Arc<CsrMatrix>> {
        match self {
            Features::Bow(b) => Ok(Arc::new(b.transform(texts)?)),
            _ => anyhow::bail!("this model does not read bags of words"),
        }
    }

    /// The token ids of each text, truncated to `max_len`; an empty text becomes `<unk>` so
    /// that every sequence has a step.
    pub fn ids(&self, texts: &[&str], max_len: usize) -> Result<Vec<Vec<usize>>> {
        let Features::Ids { tokenizer, vocab } = self else {
            anyhow::bail!("this model does not read token ids");
        };
        let tokenizer: Tokenizer = tokenizer.clone().build();
        let unk = vocab.unk_id().unwrap_or(0);
        Ok(texts
            .iter()
            .map(|t| {
                let mut ids = vocab.encode_text(&tokenizer, t);
                ids.truncate(max_len);
                if ids.is_empty() {
                    ids.push(unk);
                }
                ids
            })
            .collect())
    }

    /// The tokens of each text as the model sees them (for explanations).
    pub fn tokens(&self, text: &str, max_len: usize) -> Vec<String> {
        match self {
            Features::Ids { tokenizer, .. } => {
                let mut t = tokenizer.clone().build().tokenize(text);
                t.truncate(max_len);
                if t.is_empty() {
                    t.push("<unk>".into());
                }
                t
            }
            _ => text.split_whitespace().map(str::to_string).collect(),
        }
    }

    /// Word ids of given tokens (tagger).
    pub fn word_ids(&self, words: &[String]) -> Result<Vec<usize>> {
        let Features::Words { vocab } = self else {
            anyhow::bail!("this model does not tag tokens");
        };
        let unk = vocab.unk_id().unwrap_or(0);
        Ok(words
            .iter()
            .map(|w| vocab.id(&w.to_lowercase()).unwrap_or(unk))
            .collect())
    }
}
