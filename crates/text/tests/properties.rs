//! Properties of the tokenizer, the vocabulary and the bag of words on generated text
//! (proptest): any string, and strings built from the pieces each rule gives a meaning to.

use neurotext_linalg::CsrMatrix;
use neurotext_text::{
    BowConfig, Tokenizer, TokenizerConfig, Tokens, UnknownPolicy, Vocab, VocabConfig, VocabOrder,
    Weighting,
};
use proptest::prelude::*;

/// Pieces that some tokenizer rule or cleaning step looks at.
const PIECES: &[&str] = &[
    "a", "Z9", "dog", "_", " ", "  ", "\t", "\n", "\r\n", "\0", "'", "'s", "'LL", "n't", "’", "-",
    "‐", "3", "14", ".", ",", "!", "#39;", "&amp;", "amp;", "&lt;", "\\", "é", "É", "\u{301}",
    "\u{94D}", "\u{200B}", "\u{FEFF}", "东京", "Σ", "ß", "İ", "١", "😀", "—",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.concat()),
    ]
}

fn docs() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 1..8)
}

fn tokenizer_config() -> impl Strategy<Value = TokenizerConfig> {
    (any::<bool>(), any::<bool>()).prop_map(|(lowercase, clean)| {
        TokenizerConfig::new()
            .with_lowercase(lowercase)
            .with_clean_artefacts(clean)
    })
}

/// Every token is non-empty and a slice of `text`, in order and without overlap.
fn assert_slices_in_order(text: &str, tokens: &[impl AsRef<str>]) -> Result<(), TestCaseError> {
    let mut rest = text;
    for t in tokens {
        let t = t.as_ref();
        prop_assert!(!t.is_empty(), "empty token in {:?}", text);
        let at = rest.find(t);
        prop_assert!(at.is_some(), "{:?} not in order in {:?}", t, text);
        rest = &rest[at.unwrap_or(0) + t.len()..];
    }
    Ok(())
}

fn known_tokens(tokenizer: &Tokenizer, vocab: &Vocab, doc: &str) -> usize {
    tokenizer
        .tokenize(doc)
        .iter()
        .filter(|t| vocab.contains(t))
        .count()
}

fn assert_sorted_unique_columns(x: &CsrMatrix) -> Result<(), TestCaseError> {
    for r in 0..x.nrows() {
        let (columns, values) = x.row(r);
        prop_assert_eq!(columns.len(), values.len());
        prop_assert!(
            columns.windows(2).all(|w| w[0] < w[1]),
            "row {}: {:?}",
            r,
            columns
        );
        prop_assert!(columns.iter().all(|&c| (c as usize) < x.ncols()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tokenizer_never_panics_and_its_tokens_are_non_empty_slices_in_order(
        text in text(),
        config in tokenizer_config(),
    ) {
        // The bare split returns slices of the text itself, at increasing byte ranges.
        let mut split = Tokens::new(&text);
        let mut end = 0;
        while let Some(range) = split.next_range() {
            prop_assert!(range.start >= end && range.end > range.start);
            prop_assert!(text.get(range.clone()).is_some(), "{:?} in {:?}", range, text);
            end = range.end;
        }
        let tokenizer = config.build();
        let tokens = tokenizer.tokenize(&text);
        let mut scratch = String::new();
        let prepared = tokenizer.prepare(&text, &mut scratch);
        assert_slices_in_order(prepared, &tokens)?;
        if !tokenizer.config().lowercase && !tokenizer.config().clean_artefacts {
            assert_slices_in_order(&text, &tokens)?;
        }
    }

    #[test]
    fn vocabulary_serde_round_trip_is_the_identity(
        docs in docs(),
        tokenizer in tokenizer_config(),
        specials in any::<bool>(),
        max_size in prop::option::of(2usize..20),
        min_freq in 1u64..3,
        alphabetical in any::<bool>(),
    ) {
        let tokenizer = tokenizer.build();
        let mut config = VocabConfig::new()
            .with_min_freq(min_freq)
            .with_order(if alphabetical { VocabOrder::Alphabetical } else { VocabOrder::FirstOccurrence });
        if !specials {
            config = config.without_specials().with_unknown(UnknownPolicy::Drop);
        }
        if let Some(m) = max_size {
            config = config.with_max_size(m);
        }
        let vocab = config.build_from_texts(&tokenizer, &docs).unwrap();
        let bincode = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&vocab, bincode).unwrap();
        let (back, read): (Vocab, usize) =
            bincode::serde::decode_from_slice(&bytes, bincode).unwrap();
        prop_assert_eq!(read, bytes.len());
        prop_assert_eq!(&back, &vocab);
        // The index is rebuilt on loading: every token finds its id again.
        for (id, token) in vocab.tokens().iter().enumerate() {
            prop_assert_eq!(back.id(token), Some(id));
        }
        for doc in &docs {
            prop_assert_eq!(back.encode_text(&tokenizer, doc), vocab.encode_text(&tokenizer, doc));
        }
    }

    #[test]
    fn bow_count_rows_sum_to_the_known_tokens_of_each_text(
        fit in docs(),
        other in docs(),
        tokenizer in tokenizer_config(),
        max_features in prop::option::of(1usize..10),
        threads in 1usize..4,
    ) {
        let mut config = BowConfig::new().with_tokenizer(tokenizer.clone()).with_threads(threads);
        if let Some(m) = max_features {
            config = config.with_max_features(m);
        }
        let mut bow = config.build().unwrap();
        let tokenizer = tokenizer.build();
        // A corpus without a single token has an empty vocabulary, which fit refuses.
        if fit.iter().all(|d| tokenizer.tokenize(d).is_empty()) {
            prop_assert!(bow.fit(&fit).is_err());
            return Ok(());
        }
        bow.fit(&fit).unwrap();
        let vocab = bow.vocabulary().unwrap();
        // Texts seen in fitting and texts with unknown tokens, which are dropped.
        let all: Vec<&String> = fit.iter().chain(&other).collect();
        let x = bow.transform(&all).unwrap();
        prop_assert_eq!(x.nrows(), all.len());
        for (r, doc) in all.iter().enumerate() {
            let sum: f32 = x.row(r).1.iter().sum();
            prop_assert_eq!(sum, known_tokens(&tokenizer, vocab, doc) as f32, "{:?}", doc);
        }
    }

    #[test]
    fn bow_rows_have_sorted_unique_column_indices(
        docs in docs(),
        tokenizer in tokenizer_config(),
        max_n in 1usize..4,
        weighting in prop::sample::select(&[Weighting::Count, Weighting::Binary, Weighting::TfIdf][..]),
        hashing in prop::option::of((1usize..50, any::<bool>())),
        threads in 1usize..4,
    ) {
        let mut config = BowConfig::new()
            .with_tokenizer(tokenizer)
            .with_ngram_range(1, max_n)
            .with_weighting(weighting)
            .with_threads(threads);
        if let Some((n, signed)) = hashing {
            config = config.with_hashing(n, signed);
        }
        let no_token = docs.iter().all(|d| config.tokenizer.clone().build().tokenize(d).is_empty());
        let fitted = config.build().unwrap().fit_transform(&docs);
        // Without hashing, a corpus without a single token has an empty vocabulary: refused.
        if no_token && hashing.is_none() {
            prop_assert!(fitted.is_err());
            return Ok(());
        }
        let x = fitted.unwrap();
        prop_assert_eq!(x.nrows(), docs.len());
        assert_sorted_unique_columns(&x)?;
    }
}
