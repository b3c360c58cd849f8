//! The bag of words: each document becomes one sparse row of term weights.

use neurotext_linalg::CsrMatrix;
use serde::{Deserialize, Serialize};

use crate::bow_config::BowConfig;
use crate::counter::TokenCounter;
use crate::error::{Error, Result};
use crate::featurize::{DROPPED, Pass, Rows, parallel_map, split_by_bytes};
use crate::tokenizer::Tokenizer;
use crate::vocab::{UnknownPolicy, Vocab};
use crate::vocab_config::Selection;
use crate::weighting::{self, Weighting};

/// Documents → sparse rows of term weights.
///
/// [`BowConfig`] says how (tokenizer, n-grams, weighting, vocabulary limits, hashing,
/// threads); [`BowVectorizer`] learns the vocabulary and the IDF with `fit`, and turns
/// documents into a [`CsrMatrix`] (one row per document, one column per term) with
/// `transform`. `fit_transform` does both in one pass over the corpus, and gives the same
/// matrix as `fit` then `transform`.
///
/// With `threads > 1`, consecutive slices of the documents are counted on separate threads
/// and merged in document order, so the vocabulary, its order and every value are exactly
/// those of the single-threaded run.
///
/// ```
/// use neurotext_text::BowConfig;
/// let docs = ["the red dog", "cat eats dog", "dog eats food", "red cat eats"];
/// let mut bow = BowConfig::new().build()?;
/// let x = bow.fit_transform(&docs)?;
/// assert_eq!(bow.vocabulary().unwrap().tokens(), ["the", "red", "dog", "cat", "eats", "food"]);
/// assert_eq!(x.row(1), (&[2u32, 3, 4][..], &[1.0f32, 1.0, 1.0][..]));
/// let y = bow.transform(&["red dog eats and red cat eats food"])?;
/// assert_eq!(y.to_dense().row(0).iter().copied().collect::<Vec<f32>>(), [0., 2., 1., 1., 2., 1.]);
/// # Ok::<(), neurotext_text::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BowVectorizer {
    config: BowConfig,
    tokenizer: Tokenizer,
    vocab: Option<Vocab>,
    idf: Option<Vec<f32>>,
    fitted: bool,
}

impl BowVectorizer {
    /// An unfitted vectorizer (the configuration was checked by [`BowConfig::build`]).
    pub(crate) fn unfitted(config: BowConfig) -> Self {
        BowVectorizer {
            tokenizer: config.tokenizer.clone().build(),
            config,
            vocab: None,
            idf: None,
            fitted: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &BowConfig {
        &self.config
    }

    /// Whether `fit` or `fit_transform` has run.
    pub fn is_fitted(&self) -> bool {
        self.fitted
    }

    /// The learned vocabulary (column `j` is term `j`); `None` before fitting and with hashing.
    pub fn vocabulary(&self) -> Option<&Vocab> {
        self.vocab.as_ref()
    }

    /// The IDF of each column, after fitting with [`Weighting::TfIdf`].
    pub fn idf(&self) -> Option<&[f32]> {
        self.idf.as_deref()
    }

    /// The number of columns: the vocabulary size, or `n_features` with hashing (0 before
    /// fitting without hashing).
    pub fn n_features(&self) -> usize {
        match (&self.config.hashing, &self.vocab) {
            (Some(h), _) => h.n_features,
            (None, Some(v)) => v.len(),
            (None, None) => 0,
        }
    }

    fn pass(&self) -> Pass<'_> {
        Pass {
            tokenizer: &self.tokenizer,
            ngram_range: self.config.ngram_range,
        }
    }

    /// Learns the vocabulary (and the IDF for TF-IDF) from `docs`.
    ///
    /// Documents without any term are fine, but the vocabulary must not end up empty: as
    /// scikit-learn's `CountVectorizer` does, fitting refuses a corpus with no term at all
    /// and a `min_df` or `max_features` that prunes every term. (With hashing there is no
    /// vocabulary, so any corpus is accepted.) On error the vectorizer is left as it was.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the vocabulary would be empty (the corpus is empty or its
    /// documents hold no token, or no term occurs in `min_df` documents), or when the corpus
    /// has 2³² − 1 distinct terms or more.
    pub fn fit<S: AsRef<str> + Sync>(&mut self, docs: &[S]) -> Result<()> {
        self.fit_rows(docs, false).map(|_| ())
    }

    /// Learns from `docs` and returns their rows: the same matrix as `fit` then `transform`,
    /// in one pass.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform<S: AsRef<str> + Sync>(&mut self, docs: &[S]) -> Result<CsrMatrix> {
        let mut rows = self.fit_rows(docs, true)?;
        self.finish(&mut rows)
    }

    /// The rows of `docs`: one per document, one column per vocabulary term (unknown terms
    /// are left out).
    ///
    /// # Errors
    /// [`Error::Invalid`] before `fit` (except for hashing without TF-IDF, which needs no
    /// fitting).
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<CsrMatrix> {
        let needs_fit = self.config.hashing.is_none() || self.config.weighting == Weighting::TfIdf;
        if needs_fit && !self.fitted {
            return Err(Error::Invalid {
                what: "BowVectorizer::transform",
                message: "the vectorizer is not fitted (call fit or fit_transform first)".into(),
            });
        }
        let pass = self.pass();
        let chunks = chunk(docs, self.config.threads);
        let parts = match (&self.config.hashing, &self.vocab) {
            (Some(h), _) => parallel_map(chunks, |c| pass.hash(c, h.n_features, h.alternate_sign)),
            (None, Some(vocab)) => parallel_map(chunks, |c| pass.lookup(c, vocab)),
            (None, None) => {
                return Err(Error::Invalid {
                    what: "BowVectorizer::transform",
                    message: "the vectorizer has no vocabulary".into(),
                });
            }
        };
        let mut rows = Rows::concat(parts);
        self.finish(&mut rows)
    }

    /// Counts `docs`, sets the vocabulary and IDF, and returns the count rows in the final
    /// columns (empty rows unless `keep_rows`).
    fn fit_rows<S: AsRef<str> + Sync>(&mut self, docs: &[S], keep_rows: bool) -> Result<Rows> {
        let pass = self.pass();
        let chunks = chunk(docs, self.config.threads);
        let n_docs = docs.len() as u64;
        let smooth = self.config.smooth_idf;
        let tfidf = self.config.weighting == Weighting::TfIdf;
        if let Some(h) = self.config.hashing {
            let parts = parallel_map(chunks, |c| pass.hash(c, h.n_features, h.alternate_sign));
            let rows = Rows::concat(parts);
            // Each row holds a column at most once, so counting entries counts documents.
            let mut df = vec![0u64; if tfidf { h.n_features } else { 0 }];
            for &c in rows.cols.iter().filter(|_| tfidf) {
                df[c as usize] += 1;
            }
            self.idf = tfidf.then(|| weighting::idf(df, n_docs, smooth));
            self.vocab = None;
            self.fitted = true;
            return Ok(rows);
        }
        let counted = parallel_map(chunks, |c| pass.count(c, keep_rows));
        let (counter, parts) = merge_in_order(counted)?;
        let selection = Selection {
            min_count: 1,
            min_df: self.config.min_df,
            max_size: self.config.max_features,
            order: self.config.order,
        };
        if counter.is_empty() {
            return Err(Error::Invalid {
                what: "BowVectorizer::fit",
                message: format!(
                    "empty vocabulary: the {} document(s) hold no token (the corpus is empty, \
                     or its documents hold only whitespace or characters the tokenizer drops)",
                    docs.len()
                ),
            });
        }
        let keep = selection.select(&counter, |_| false);
        if keep.is_empty() {
            return Err(Error::Invalid {
                what: "BowVectorizer::fit",
                message: format!(
                    "after pruning, no terms remain: none of the {} distinct terms passes \
                     min_df = {} (documents, of {}) and max_features = {:?}; lower min_df",
                    counter.len(),
                    self.config.min_df,
                    docs.len(),
                    self.config.max_features,
                ),
            });
        }
        let rows = if keep_rows {
            Rows::assemble(renaming(parts, &keep, counter.len()))
        } else {
            Rows::concat(parts.into_iter().map(|(rows, _)| rows).collect())
        };
        let tokens = keep
            .iter()
            .map(|&i| counter.token_at(i as usize).to_owned());
        let counts = keep.iter().map(|&i| counter.count_at(i as usize));
        let vocab = Vocab::from_parts(
            tokens.collect(),
            counts.collect(),
            None,
            None,
            UnknownPolicy::Drop,
        )?;
        let dfs = keep.iter().map(|&i| counter.doc_freq_at(i as usize));
        self.idf = tfidf.then(|| weighting::idf(dfs, n_docs, smooth));
        self.vocab = Some(vocab);
        self.fitted = true;
        Ok(rows)
    }

    /// Weights the count rows and builds the matrix.
    fn finish(&self, rows: &mut Rows) -> Result<CsrMatrix> {
        let c = &self.config;
        weighting::apply(
            rows,
            c.weighting,
            c.sublinear_tf,
            c.norm,
            self.idf.as_deref(),
        );
        let n_rows = rows.len();
        let matrix = CsrMatrix::new(
            n_rows,
            self.n_features(),
            std::mem::take(&mut rows.indptr),
            std::mem::take(&mut rows.cols),
            std::mem::take(&mut rows.vals),
        )?;
        Ok(matrix)
    }
}

/// The rows of one slice of the corpus, and the renaming of its counter's ids into the whole
/// corpus's counter (`None`: unchanged).
type Part = (Rows, Option<Vec<u32>>);

/// Merges the counters of consecutive slices, in order, into the counter of the whole corpus.
/// Returns it with each slice's rows and the renaming of its ids into the whole counter's
/// (`None` for the first slice, whose counter starts the whole one, so its ids stay).
fn merge_in_order(counted: Vec<Result<(TokenCounter, Rows)>>) -> Result<(TokenCounter, Vec<Part>)> {
    let mut counted = counted.into_iter();
    let (mut counter, first_rows) = match counted.next() {
        Some(first) => first?,
        None => (TokenCounter::new(), Rows::new()),
    };
    let mut parts = vec![(first_rows, None)];
    for next in counted {
        let (c, rows) = next?;
        let mapping = counter.merge(&c)?;
        parts.push((rows, Some(mapping)));
    }
    Ok((counter, parts))
}

/// The renaming of each slice's columns into the final vocabulary `keep` (whole-corpus ids in
/// vocabulary order, out of `total` counted tokens): `None` when nothing changes.
fn renaming(parts: Vec<Part>, keep: &[u32], total: usize) -> Vec<Part> {
    let mut final_id = vec![DROPPED; total];
    for (new, &old) in keep.iter().enumerate() {
        final_id[old as usize] = new as u32;
    }
    let identity = keep.len() == total && keep.iter().enumerate().all(|(i, &k)| i == k as usize);
    parts
        .into_iter()
        .map(|(rows, mapping)| {
            let map = match mapping {
                None if identity => None,
                None => Some(final_id.clone()),
                Some(m) => Some(m.iter().map(|&g| final_id[g as usize]).collect()),
            };
            (rows, map)
        })
        .collect()
}

/// `docs` cut into at most `threads` slices of similar byte size.
fn chunk<S: AsRef<str>>(docs: &[S], threads: usize) -> Vec<&[S]> {
    split_by_bytes(docs, threads)
        .into_iter()
        .map(|r| &docs[r])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab_config::VocabOrder;
    use crate::weighting::Norm;

    const TRAIN: [&str; 4] = [
        "the red dog",
        "cat eats dog",
        "dog eats food",
        "red cat eats",
    ];
    const NEW: &str = "red dog eats and red cat eats food";

    fn dense_rows(x: &CsrMatrix) -> Vec<Vec<f32>> {
        let d = x.to_dense();
        d.row_iter().map(|r| r.iter().copied().collect()).collect()
    }

    fn assert_close(got: &[Vec<f32>], want: &[&[f32]]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.len(), w.len());
            for (a, b) in g.iter().zip(w.iter()) {
                assert!((a - b).abs() < 1e-5, "got {g:?}, want {w:?}");
            }
        }
    }

    /// A corpus of 500 documents from a small deterministic generator, with empty documents,
    /// repeats, capitals and non-ASCII words.
    fn synthetic_corpus() -> Vec<String> {
        let words = [
            "the",
            "a",
            "Dog",
            "cat",
            "eats",
            "food",
            "red",
            "blue",
            "don't",
            "3.14",
            "!",
            "жук",
            "東京",
            "state-of-the-art",
            "é",
            "x",
        ];
        let mut state: u64 = 12345;
        (0..500)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                let len = (state >> 59) as usize;
                (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                        words[(state >> 60) as usize]
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    fn configs() -> Vec<BowConfig> {
        vec![
            BowConfig::new(),
            BowConfig::tfidf(),
            BowConfig::new().with_ngram_range(1, 3).with_min_df(2),
            BowConfig::new()
                .with_order(VocabOrder::Frequency)
                .with_max_features(7)
                .with_weighting(Weighting::Frequency),
            BowConfig::tfidf()
                .with_order(VocabOrder::Alphabetical)
                .with_sublinear_tf(true),
            BowConfig::new()
                .with_hashing(16, true)
                .with_ngram_range(1, 2),
            BowConfig::tfidf().with_hashing(64, false),
        ]
    }

    #[test]
    fn bow_counts_match_lecture_table() {
        let mut bow = BowConfig::new().build().unwrap();
        let x = bow.fit_transform(&TRAIN).unwrap();
        let vocab = bow.vocabulary().unwrap();
        assert_eq!(vocab.tokens(), ["the", "red", "dog", "cat", "eats", "food"]);
        assert_close(
            &dense_rows(&x),
            &[
                &[1., 1., 1., 0., 0., 0.],
                &[0., 0., 1., 1., 1., 0.],
                &[0., 0., 1., 0., 1., 1.],
                &[0., 1., 0., 1., 1., 0.],
            ],
        );
        let y = bow.transform(&[NEW]).unwrap();
        assert_close(&dense_rows(&y), &[&[0., 2., 1., 1., 2., 1.]]);
    }

    #[test]
    fn bow_fit_transform_equals_fit_then_transform() {
        let docs = synthetic_corpus();
        for config in configs() {
            let mut a = config.clone().build().unwrap();
            let x = a.fit_transform(&docs).unwrap();
            let mut b = config.clone().build().unwrap();
            b.fit(&docs).unwrap();
            assert_eq!(a, b, "{config:?}");
            assert_eq!(x, b.transform(&docs).unwrap(), "{config:?}");
        }
    }

    #[test]
    fn bow_parallel_output_is_identical_to_single_threaded() {
        let docs = synthetic_corpus();
        for config in configs() {
            let mut one = config.clone().build().unwrap();
            let x1 = one.fit_transform(&docs).unwrap();
            for threads in [2, 3, 7, 600] {
                let mut many = config.clone().with_threads(threads).build().unwrap();
                let xn = many.fit_transform(&docs).unwrap();
                assert_eq!(xn, x1, "{config:?} on {threads} threads");
                assert_eq!(many.vocabulary(), one.vocabulary());
                assert_eq!(many.idf(), one.idf());
                assert_eq!(
                    many.transform(&docs[..77]).unwrap(),
                    one.transform(&docs[..77]).unwrap()
                );
            }
        }
    }

    #[test]
    fn bow_tfidf_matches_scikit_learn() {
        // v = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b"); X = v.fit_transform(TRAIN)
        // v.idf_ and X.toarray(), columns cat dog eats food red the:
        let mut bow = BowConfig::tfidf()
            .with_order(VocabOrder::Alphabetical)
            .build()
            .unwrap();
        let x = bow.fit_transform(&TRAIN).unwrap();
        assert_eq!(
            bow.vocabulary().unwrap().tokens(),
            ["cat", "dog", "eats", "food", "red", "the"]
        );
        let idf: Vec<Vec<f32>> = vec![bow.idf().unwrap().to_vec()];
        assert_close(
            &idf,
            &[&[1.510826, 1.223144, 1.223144, 1.916291, 1.510826, 1.916291]],
        );
        assert_close(
            &dense_rows(&x),
            &[
                &[0., 0.4481, 0., 0., 0.553492, 0.702035],
                &[0.657829, 0.53257, 0.53257, 0., 0., 0.],
                &[0., 0.473804, 0.473804, 0.742306, 0., 0.],
                &[0.613667, 0., 0.496816, 0., 0.613667, 0.],
            ],
        );
        // v.transform([NEW]).toarray()
        let y = bow.transform(&[NEW]).unwrap();
        assert_close(
            &dense_rows(&y),
            &[&[0.318047, 0.257487, 0.514973, 0.403402, 0.636094, 0.]],
        );
    }

    #[test]
    fn bow_sublinear_unsmoothed_tfidf_matches_scikit_learn() {
        // TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", smooth_idf=False, sublinear_tf=True,
        //                 norm=None).fit(TRAIN).transform([NEW]).toarray()
        let mut bow = BowConfig::tfidf()
            .with_order(VocabOrder::Alphabetical)
            .with_smooth_idf(false)
            .with_sublinear_tf(true)
            .with_norm(Norm::None)
            .build()
            .unwrap();
        bow.fit(&TRAIN).unwrap();
        let y = bow.transform(&[NEW]).unwrap();
        assert_close(
            &dense_rows(&y),
            &[&[1.693147, 1.287682, 2.180235, 2.386294, 2.866747, 0.]],
        );
    }

    #[test]
    fn bow_hashing_matches_scikit_learn() {
        // HashingVectorizer(n_features=8, token_pattern=r"(?u)\b\w+\b", norm=None)
        //     .transform([NEW]).toarray()
        let bow = BowConfig::new().with_hashing(8, true).build().unwrap();
        let y = bow.transform(&[NEW]).unwrap(); // hashing needs no fit
        assert_close(&dense_rows(&y), &[&[0., 0., 0., -2., 0., -2., 1., -1.]]);
        assert!(bow.vocabulary().is_none());
        assert_eq!(bow.n_features(), 8);
    }

    #[test]
    fn bow_ngrams_with_min_df_match_scikit_learn_vocabulary() {
        // CountVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2), min_df=2)
        //     .fit(TRAIN).get_feature_names_out()
        let mut bow = BowConfig::new()
            .with_ngram_range(1, 2)
            .with_min_df(2)
            .with_order(VocabOrder::Alphabetical)
            .build()
            .unwrap();
        bow.fit(&TRAIN).unwrap();
        assert_eq!(
            bow.vocabulary().unwrap().tokens(),
            ["cat", "cat eats", "dog", "eats", "red"]
        );
    }

    #[test]
    fn bow_binary_frequency_and_max_features() {
        let mut bow = BowConfig::new()
            .with_weighting(Weighting::Binary)
            .build()
            .unwrap();
        bow.fit(&TRAIN).unwrap();
        assert_close(
            &dense_rows(&bow.transform(&[NEW]).unwrap()),
            &[&[0., 1., 1., 1., 1., 1.]],
        );
        let mut bow = BowConfig::new()
            .with_weighting(Weighting::Frequency)
            .build()
            .unwrap();
        bow.fit(&TRAIN).unwrap();
        // 8 terms, "and" included.
        assert_close(
            &dense_rows(&bow.transform(&[NEW]).unwrap()),
            &[&[0., 0.25, 0.125, 0.125, 0.25, 0.125]],
        );
        let mut bow = BowConfig::new().with_max_features(3).build().unwrap();
        bow.fit(&TRAIN).unwrap();
        assert_eq!(bow.vocabulary().unwrap().tokens(), ["red", "dog", "eats"]);
    }

    #[test]
    fn bow_handles_empty_documents_and_refuses_an_empty_vocabulary() {
        // Empty documents within a corpus that has terms are fine.
        let mut bow = BowConfig::new().build().unwrap();
        let x = bow.fit_transform(&["", "a", "  "]).unwrap();
        assert_eq!((x.nrows(), x.ncols(), x.nnz()), (3, 1, 1));
        let fitted = bow.clone();
        // As scikit-learn: "empty vocabulary; perhaps the documents only contain stop words".
        let none: [&str; 0] = [];
        for (docs, tfidf) in [
            (&none[..], false),
            (&["", " \t"][..], false),
            (&["", ""][..], true),
        ] {
            let config = if tfidf {
                BowConfig::tfidf()
            } else {
                BowConfig::new()
            };
            let err = config.build().unwrap().fit_transform(docs).unwrap_err();
            assert!(
                matches!(
                    &err,
                    Error::Invalid {
                        what: "BowVectorizer::fit",
                        ..
                    }
                ) && err.to_string().contains("empty vocabulary"),
                "{docs:?}: {err}"
            );
        }
        // A refused refit leaves the fitted vectorizer as it was.
        assert!(bow.fit(&none).is_err());
        assert_eq!(bow, fitted);
        // "After pruning, no terms remain": min_df above every document frequency.
        let err = BowConfig::new()
            .with_min_df(5)
            .build()
            .unwrap()
            .fit(&TRAIN)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no terms remain") && err.contains("min_df = 5"),
            "{err}"
        );
        // max_features = 0 could only ever give an empty vocabulary.
        let err = BowConfig::new()
            .with_max_features(0)
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_features 0"), "{err}");
        // Hashing keeps no vocabulary, so it accepts any corpus.
        let mut hashed = BowConfig::new().with_hashing(8, false).build().unwrap();
        assert_eq!(hashed.fit_transform(&["", ""]).unwrap().nnz(), 0);
    }

    #[test]
    fn bow_refuses_transform_before_fit_and_bad_configs() {
        let bow = BowConfig::new().build().unwrap();
        assert!(matches!(bow.transform(&TRAIN), Err(Error::Invalid { .. })));
        assert!(BowConfig::new().with_ngram_range(0, 1).build().is_err());
        assert!(BowConfig::new().with_ngram_range(3, 2).build().is_err());
        assert!(BowConfig::new().with_threads(0).build().is_err());
        assert!(BowConfig::new().with_hashing(0, false).build().is_err());
        assert!(
            BowConfig::tfidf()
                .with_hashing(8, false)
                .build()
                .unwrap()
                .transform(&TRAIN)
                .is_err()
        );
    }

    #[test]
    fn bow_vectorizer_round_trips_through_serde() {
        let mut bow = BowConfig::tfidf().with_ngram_range(1, 2).build().unwrap();
        let x = bow.fit_transform(&TRAIN).unwrap();
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&bow, cfg).unwrap();
        let (back, _): (BowVectorizer, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(back, bow);
        assert_eq!(back.transform(&TRAIN).unwrap(), x);
    }
}
