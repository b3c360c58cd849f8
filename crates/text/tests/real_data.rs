//! The readers and the tokenizer on the real corpora in `../shared/data` (see its README for
//! the row and sentence counts asserted here). Each test skips, with a message, when the
//! folder is absent, so that a fresh clone's `cargo test` passes.

use std::path::PathBuf;

use neurotext_text::{BowConfig, ConllConfig, TokenizerConfig, TsvConfig, read_conll, read_tsv};

/// `../shared/data` relative to the workspace root, if present.
fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (the real corpora live beside the project)",
            dir.display()
        );
        None
    }
}

#[test]
fn sst2_loads_with_readme_row_counts() {
    let Some(dir) = data_dir() else { return };
    let config = TsvConfig::tsv().with_header(true);
    let train = read_tsv(dir.join("sst2/train.tsv"), &config).unwrap();
    let dev = read_tsv(dir.join("sst2/dev.tsv"), &config).unwrap();
    // The README counts data rows; the files have one more line, the header.
    assert_eq!(train.len(), 60_614);
    assert_eq!(dev.len(), 6_735);
    assert_eq!(train.label_map().labels(), ["0", "1"]);
    assert_eq!(train.lines()[0], 2);
    assert_eq!(dev.label_ids(&train.label_map()).unwrap().len(), 6_735);
    // SST-2 is pre-tokenised: its clitics come out whole.
    let t = TokenizerConfig::new().build();
    let tokens: Vec<String> = train.texts().iter().flat_map(|s| t.tokenize(s)).collect();
    assert!(tokens.iter().any(|t| t == "n't"));
    assert!(tokens.iter().any(|t| t == "'s"));
    assert!(
        !tokens
            .windows(3)
            .any(|w| w[0] == "n" && w[1] == "'" && w[2] == "t")
    );
}

#[test]
fn ag_news_loads_and_tokenizes_its_artefacts_sensibly() {
    let Some(dir) = data_dir() else { return };
    let ag = read_tsv(dir.join("agnews/train10k.tsv"), &TsvConfig::tsv()).unwrap();
    assert_eq!(ag.len(), 10_001);
    let labels = ag.label_map();
    assert_eq!(labels.labels(), ["Business", "Sci/Tech", "Sports", "World"]);
    let t = TokenizerConfig::new().with_clean_artefacts(true).build();
    let second = t.tokenize(&ag.texts()[1]);
    assert_eq!(&second[..3], ["It's", "over", "."], "{second:?}");
    assert!(second.contains(&"hasn't".to_owned()) && second.contains(&"I'm".to_owned()));
    // No reference survives cleaning as the tokens "#", "39", ";".
    for text in ag.texts() {
        let tokens = t.tokenize(text);
        assert!(
            !tokens
                .windows(3)
                .any(|w| w[0] == "#" && w[1] == "39" && w[2] == ";"),
            "{text}"
        );
        assert!(!tokens.iter().any(|t| t == "quot" || t == "\\"), "{text}");
    }
    // Without cleaning the artefacts are plain punctuation and digits, never a crash.
    let raw = TokenizerConfig::new().build().tokenize(&ag.texts()[1]);
    assert_eq!(&raw[..5], ["It", "#", "39", ";", "s"]);
}

#[test]
fn conll2003_loads_with_readme_sentence_counts() {
    let Some(dir) = data_dir() else { return };
    let train = read_conll(dir.join("conll2003/train.txt"), &ConllConfig::new()).unwrap();
    let valid = read_conll(dir.join("conll2003/valid.txt"), &ConllConfig::new()).unwrap();
    assert_eq!(train.len(), 14_041);
    assert_eq!(valid.len(), 3_250);
    let first = &train.sentences()[0];
    assert_eq!(first.words[..3], ["EU", "rejects", "German"]);
    assert_eq!(first.tags[..3], ["B-ORG", "O", "B-MISC"]);
    let tags = train.tag_map();
    assert_eq!(
        tags.labels(),
        [
            "B-LOC", "B-MISC", "B-ORG", "B-PER", "I-LOC", "I-MISC", "I-ORG", "I-PER", "O"
        ]
    );
    assert!(
        train
            .sentences()
            .iter()
            .all(|s| s.words.len() == s.tags.len())
    );
    assert_eq!(valid.tag_ids(&tags).unwrap().len(), 3_250);
}

#[test]
fn real_corpora_featurize_identically_on_one_and_two_threads() {
    let Some(dir) = data_dir() else { return };
    let ag = read_tsv(dir.join("agnews/train10k.tsv"), &TsvConfig::tsv()).unwrap();
    let mut one = BowConfig::new().build().unwrap();
    let mut two = BowConfig::new().with_threads(2).build().unwrap();
    let x1 = one.fit_transform(ag.texts()).unwrap();
    let x2 = two.fit_transform(ag.texts()).unwrap();
    assert_eq!(x1, x2);
    assert_eq!(one.vocabulary(), two.vocabulary());
    assert_eq!(x1.nrows(), 10_001);
}
