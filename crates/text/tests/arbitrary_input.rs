//! No input makes the readers, the tokenizer or the vectorizer panic: thousands of random byte
//! strings, drawn from an alphabet rich in the characters each format gives a meaning to, go
//! through every entry point. Errors are fine; panics are not.

use neurotext_text::{
    BowConfig, ConllConfig, FastTextConfig, PaddedBatch, TagColumn, TokenizerConfig, TsvConfig,
    VocabConfig, read_conll_from, read_fasttext_from, read_tsv_from,
};

/// A tiny deterministic generator (no dependency needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Pieces that mean something to some format, plus raw bytes.
const PIECES: [&[u8]; 24] = [
    b"\t",
    b",",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xEF\xBB\xBF",
    b"__label__",
    b"-DOCSTART-",
    b" ",
    b"a",
    b"Z9",
    b"#39;",
    b"&amp;",
    b"\\",
    b"'s",
    b"n't",
    b"\xC3\xA9",
    b"\xFF",
    b"\xC3",
    b"\xE2\x80\x99",
    b"\0",
    b"\xF0\x9F\x98\x80",
];

fn random_input(rng: &mut Lcg) -> Vec<u8> {
    let pieces = rng.next() % 40;
    let mut out = Vec::new();
    for _ in 0..pieces {
        if rng.next().is_multiple_of(8) {
            out.push(rng.next() as u8);
        } else {
            out.extend_from_slice(PIECES[(rng.next() % PIECES.len() as u64) as usize]);
        }
    }
    out
}

#[test]
fn readers_never_panic_on_arbitrary_bytes() {
    let mut rng = Lcg(2024);
    let tsv_configs = [
        TsvConfig::tsv(),
        TsvConfig::tsv().with_header(true),
        TsvConfig::csv(),
        TsvConfig::csv().with_columns(1, 0).with_max_line_bytes(16),
    ];
    let conll_configs = [
        ConllConfig::new(),
        ConllConfig::new().with_tag_column(TagColumn::Index(2)),
    ];
    for _ in 0..3000 {
        let input = random_input(&mut rng);
        for config in &tsv_configs {
            if let Ok(d) = read_tsv_from(&input[..], "fuzz", config) {
                assert!(!d.is_empty());
                let _ = d.label_ids(&d.label_map());
            }
        }
        let _ = read_fasttext_from(&input[..], "fuzz", &FastTextConfig::new());
        for config in &conll_configs {
            if let Ok(c) = read_conll_from(&input[..], "fuzz", config) {
                assert!(c.tag_ids(&c.tag_map()).is_ok());
            }
        }
    }
}

#[test]
fn featurization_never_panics_on_arbitrary_text() {
    let mut rng = Lcg(7);
    let texts: Vec<String> = (0..400)
        .map(|_| String::from_utf8_lossy(&random_input(&mut rng)).into_owned())
        .collect();
    let tokenizer = TokenizerConfig::new()
        .with_lowercase(true)
        .with_clean_artefacts(true)
        .build();
    let vocab = VocabConfig::new()
        .with_max_size(50)
        .build_from_texts(&tokenizer, &texts)
        .unwrap();
    let batch = PaddedBatch::from_texts(&vocab, &tokenizer, &texts, Some(8)).unwrap();
    assert_eq!(batch.batch(), texts.len());
    for config in [
        BowConfig::new().with_tokenizer(tokenizer.config().clone()),
        BowConfig::tfidf().with_ngram_range(1, 3).with_threads(3),
        BowConfig::new().with_hashing(7, true).with_max_features(3),
    ] {
        let mut bow = config.build().unwrap();
        let x = bow.fit_transform(&texts).unwrap();
        assert_eq!(x.nrows(), texts.len());
        assert!(x.values().iter().all(|v| v.is_finite()));
    }
}
