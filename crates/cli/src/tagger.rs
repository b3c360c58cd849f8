//! The named-entity tagger: per token, a word embedding, a casing feature and a bag of
//! hashed character n-grams (so that unseen names still look like names), a BiLSTM over the
//! sentence, and a linear layer giving each token's tag scores. Decoding keeps to valid IOB2
//! sequences (an `I-X` only after `B-X` or `I-X`).

use std::sync::Arc;

use anyhow::Result;
use neurotext_autodiff::{Axis, Graph, Module, Param, Var, concat, join_name};
use neurotext_layers::{Embedding, Layer, Linear};
use neurotext_linalg::random::{normal, seeded_rng};
use neurotext_linalg::{CsrMatrix, Matrix};
use neurotext_recurrent::{LstmStack, SeqBatch};

use crate::config::ModelConfig;

/// Casing classes: lower, UPPER, Capitalised, mIxed, digits, has a digit, other, padding.
pub const CASES: usize = 8;
const PAD_CASE: usize = 7;

/// The casing class of a word.
pub fn casing(word: &str) -> usize {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return 6 };
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let digits = word.chars().filter(|c| c.is_numeric()).count();
    let upper = word.chars().filter(|c| c.is_uppercase()).count();
    if digits == word.chars().count() {
        4
    } else if digits > 0 {
        5
    } else if letters == 0 {
        6
    } else if upper == 0 {
        0
    } else if upper == letters && letters > 1 {
        1
    } else if first.is_uppercase() && upper == 1 {
        2
    } else {
        3
    }
}

/// FNV-1a over the UTF-8 bytes of `chars` and a final length byte: a small, stable hash for
/// character n-grams.
fn fnv1a(chars: &[char], n: u8) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut buf = [0u8; 4];
    for c in chars {
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h ^= u64::from(n);
    h.wrapping_mul(0x0100_0000_01b3)
}

/// The hashed character n-grams (lengths 2 to 4, with `<` and `>` marking the word's ends)
/// of a word, each weighted by one over their number.
pub fn char_ngrams(word: &str, buckets: usize) -> Vec<(u32, f32)> {
    let chars: Vec<char> = std::iter::once('<')
        .chain(word.chars().take(30))
        .chain(std::iter::once('>'))
        .collect();
    let mut grams = Vec::with_capacity(3 * chars.len());
    for n in 2..=4usize {
        for w in chars.windows(n) {
            grams.push((fnv1a(w, n as u8) % buckets as u64) as u32);
        }
    }
    let weight = 1.0 / grams.len().max(1) as f32;
    grams.into_iter().map(|g| (g, weight)).collect()
}

/// A minibatch of tagger inputs, time-major like every recurrent batch.
pub struct TagInputs {
    /// Word ids, `t·B + b`.
    pub ids: Vec<usize>,
    /// Casing classes, same layout.
    pub cases: Vec<usize>,
    /// Character n-grams of every position, one CSR row per column (empty for padding).
    pub chars: Arc<CsrMatrix>,
    /// The batch shape.
    pub batch: SeqBatch,
}

impl TagInputs {
    /// The inputs of `sentences` (each non-empty), given their word ids.
    pub fn new(
        sentences: &[&[String]],
        word_ids: &[Vec<usize>],
        pad: usize,
        buckets: usize,
    ) -> Result<Self> {
        let batch = SeqBatch::new(sentences.iter().map(|s| s.len()).collect())?;
        let n = batch.columns();
        let (mut ids, mut cases) = (vec![pad; n], vec![PAD_CASE; n]);
        let mut words: Vec<Option<&str>> = vec![None; n];
        for (b, (s, w)) in sentences.iter().zip(word_ids).enumerate() {
            for t in 0..s.len() {
                let col = batch.column(t, b);
                ids[col] = w[t];
                cases[col] = casing(&s[t]);
                words[col] = Some(&s[t]);
            }
        }
        let mut chars = CsrMatrix::with_cols(buckets);
        for w in &words {
            let mut row = w.map(|w| char_ngrams(w, buckets)).unwrap_or_default();
            chars.push_row(&mut row)?;
        }
        Ok(TagInputs {
            ids,
            cases,
            chars: Arc::new(chars),
            batch,
        })
    }
}

/// The BiLSTM tagger.
pub struct Tagger {
    words: Embedding,
    cases: Option<Embedding>,
    chars: Option<Linear>,
    encoder: LstmStack,
    output: Linear,
    dropout: f32,
}

impl Tagger {
    /// A freshly initialised tagger for `vocab` words and `tags` tags.
    pub fn new(config: &ModelConfig, vocab: usize, tags: usize, seed: u64) -> Result<Self> {
        let mut rng = seeded_rng(seed);
        let words = Embedding::new(vocab, config.embedding_dim, &mut rng)?;
        let cases = if config.case_dim > 0 {
            Some(Embedding::new(CASES, config.case_dim, &mut rng)?)
        } else {
            None
        };
        let chars = if config.char_dim > 0 {
            let table = normal(config.char_dim, config.char_buckets, 0.0, 0.3, &mut rng);
            Some(Linear::from_weights(table, Matrix::zeros(config.char_dim, 1))?.without_bias())
        } else {
            None
        };
        let width = config.embedding_dim + config.case_dim + config.char_dim;
        let encoder = LstmStack::new(width, config.hidden, config.layers, true, &mut rng)?
            .with_dropout(if config.layers > 1 {
                config.dropout
            } else {
                0.0
            })?;
        let output = Linear::new(2 * config.hidden, tags, &mut rng)?;
        Ok(Tagger {
            words,
            cases,
            chars,
            encoder,
            output,
            dropout: config.dropout,
        })
    }

    /// Tag scores for every position, `[tags, T·B]`.
    pub fn forward<'g>(&self, g: &'g Graph, inputs: &TagInputs) -> Result<Var<'g>> {
        let mut parts = vec![self.words.forward(g, &inputs.ids)?];
        if let Some(cases) = &self.cases {
            parts.push(cases.forward(g, &inputs.cases)?);
        }
        if let Some(chars) = &self.chars {
            parts.push(chars.forward_sparse(g, &inputs.chars)?);
        }
        let x = concat(&parts, Axis::Rows)?.dropout(self.dropout)?;
        let h = self
            .encoder
            .forward(g, x, &inputs.batch)?
            .dropout(self.dropout)?;
        Ok(self.output.forward(g, h)?)
    }
}

impl Module for Tagger {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        self.words.visit_params(&join_name(prefix, "embedding"), f);
        if let Some(c) = &self.cases {
            c.visit_params(&join_name(prefix, "casing"), f);
        }
        if let Some(c) = &self.chars {
            c.visit_params(&join_name(prefix, "chars"), f);
        }
        self.encoder.visit_params(&join_name(prefix, "lstm"), f);
        self.output.visit_params(&join_name(prefix, "output"), f);
    }

    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        self.words
            .visit_params_mut(&join_name(prefix, "embedding"), f);
        if let Some(c) = &mut self.cases {
            c.visit_params_mut(&join_name(prefix, "casing"), f);
        }
        if let Some(c) = &mut self.chars {
            c.visit_params_mut(&join_name(prefix, "chars"), f);
        }
        self.encoder.visit_params_mut(&join_name(prefix, "lstm"), f);
        self.output
            .visit_params_mut(&join_name(prefix, "output"), f);
    }
}

/// The best tag sequence under IOB2's rule (an `I-X` follows only `B-X` or `I-X`), from
/// per-token log-probabilities `scores[t][tag]`, by Viterbi search. With `constrained`
/// false it is the per-token argmax.
pub fn decode(scores: &[Vec<f32>], tags: &[String], constrained: bool) -> Vec<usize> {
    let k = tags.len();
    if scores.is_empty() || k == 0 {
        return Vec::new();
    }
    let allowed = |prev: Option<usize>, next: usize| -> bool {
        if !constrained {
            return true;
        }
        let Some(kind) = tags[next].strip_prefix("I-") else {
            return true;
        };
        match prev {
            None => false,
            Some(p) => {
                tags[p].strip_prefix("B-") == Some(kind) || tags[p].strip_prefix("I-") == Some(kind)
            }
        }
    };
    let neg = f32::NEG_INFINITY;
    let mut best: Vec<f32> = (0..k)
        .map(|j| if allowed(None, j) { scores[0][j] } else { neg })
        .collect();
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(scores.len());
    for row in &scores[1..] {
        let mut next = vec![neg; k];
        let mut from = vec![0usize; k];
        for (j, (nj, fj)) in next.iter_mut().zip(from.iter_mut()).enumerate() {
            for (i, &bi) in best.iter().enumerate() {
                if bi > neg && allowed(Some(i), j) && bi + row[j] > *nj {
                    *nj = bi + row[j];
                    *fj = i;
                }
            }
        }
        back.push(from);
        best = next;
    }
    let mut last = (0..k).fold(0, |a, j| if best[j] > best[a] { j } else { a });
    let mut path = vec![last];
    for from in back.iter().rev() {
        last = from[last];
        path.push(last);
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing_classes() {
        let classes: Vec<usize> = ["paris", "EU", "Paris", "iPhone", "1996", "4th", ",", "A"]
            .iter()
            .map(|w| casing(w))
            .collect();
        assert_eq!(classes, [0, 1, 2, 3, 4, 5, 6, 2]);
    }

    #[test]
    fn char_ngrams_are_stable_and_weighted() {
        let a = char_ngrams("Berlin", 1000);
        assert_eq!(a, char_ngrams("Berlin", 1000));
        assert_eq!(a.len(), 7 + 6 + 5);
        assert!((a.iter().map(|(_, w)| w).sum::<f32>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn decoding_never_starts_an_entity_with_i() {
        let tags: Vec<String> = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // Per-token argmax would give O, I-PER, I-LOC: invalid twice.
        let scores = vec![
            vec![0.0, -5.0, -5.0, -5.0, -5.0],
            vec![-1.0, -0.6, -0.5, -5.0, -5.0],
            vec![-1.0, -5.0, -3.0, -5.0, -0.5],
        ];
        assert_eq!(decode(&scores, &tags, false), vec![0, 2, 4]);
        let path = decode(&scores, &tags, true);
        assert_eq!(path, vec![0, 1, 0]);
    }
}
