//! The bodies of the fuzz targets, shared by the libFuzzer binaries in `fuzz/fuzz_targets/`
//! (nightly) and by the corpus replay in `tests/fuzz_corpus.rs` (stable, in CI), so that the
//! two cannot drift apart.
//!
//! Each body feeds arbitrary bytes to one entry point of the library. Errors are expected;
//! a panic, an abort, a leak of an unbounded allocation or a hang is a bug. Where an input is
//! accepted, the body also checks what the library promises about the result, and every
//! error must name the source it was given.

// Each fuzz binary uses one of these functions.
#![allow(dead_code)]

use std::path::Path;

use neurotext::autodiff::Graph;
use neurotext::layers::{Layer, Linear};
use neurotext::linalg::Matrix;
use neurotext::linalg::random::seeded_rng;
use neurotext::optim::{AnyOptimizer, Optimizer};
use neurotext::recurrent::SeqBatch;
use neurotext::recurrent::pytorch::{from_safetensors, lstm_from_safetensors, lstm_from_tensors};
use neurotext::text::{
    BowConfig, ConllConfig, Delimiter, FastTextConfig, TagColumn, TokenizerConfig, Tokens,
    TsvConfig, VocabConfig, read_conll_from, read_fasttext_from, read_tsv_from,
};
use neurotext::train::checkpoint::{self, FORMAT_VERSION, MAGIC};
use neurotext::train::{Checkpoint, restore_params};

/// The training checkpoint the fuzzer decodes: every optimizer, a string configuration.
pub type FuzzCheckpoint = Checkpoint<AnyOptimizer, String>;

/// Line limits small enough that the fuzzer's short inputs hit them.
const MAX_LINES: [usize; 4] = [1, 7, 64, 4096];

fn assert_names(err: &dyn std::fmt::Display, source: &str) {
    let message = err.to_string();
    assert!(
        message.contains(source),
        "error without its source: {message}"
    );
}

/// `data` as a checkpoint file, and as the payload of a file with a valid header and checksum
/// (so that every input reaches the payload decoder, not only the rare one with a right CRC).
pub fn checkpoint(data: &[u8]) {
    let path = Path::new("fuzz.ckpt");
    match checkpoint::decode::<FuzzCheckpoint>(data, path) {
        Ok(c) => use_checkpoint(&c),
        Err(e) => assert_names(&e, "fuzz.ckpt"),
    }
    let framed = frame(data);
    match checkpoint::decode::<FuzzCheckpoint>(&framed, path) {
        Ok(c) => use_checkpoint(&c),
        Err(e) => assert_names(&e, "fuzz.ckpt"),
    }
    match checkpoint::decode::<NamedMatrices>(&framed, path) {
        Ok(NamedMatrices(params)) => use_params(&params),
        Err(e) => assert_names(&e, "fuzz.ckpt"),
    }
}

/// Named matrices alone, as a file of weights holds them, read as the library reads them.
/// (A bare `Vec<(String, Matrix)>` would use nalgebra's loader, which accepts shapes whose
/// size overflows; see `neurotext_linalg::serde_matrix`.)
#[derive(serde::Deserialize)]
pub struct NamedMatrices(
    #[serde(deserialize_with = "neurotext::linalg::serde_matrix::deserialize_named")]
    pub  Vec<(String, Matrix)>,
);

/// `payload` behind a valid checkpoint header (magic, version, length, CRC-32).
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut file = Vec::with_capacity(checkpoint::HEADER_LEN + payload.len());
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    file.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    file.extend_from_slice(payload);
    file
}

/// Every decoded matrix must be whole: as many values as its shape says.
fn use_params(params: &[(String, Matrix)]) {
    for (name, m) in params {
        assert_eq!(
            Some(m.as_slice().len()),
            m.nrows().checked_mul(m.ncols()),
            "matrix {name:?} decoded with a shape that does not fit its data"
        );
        let _ = m.iter().fold(0.0f32, |a, &v| a + v);
    }
}

/// What a program does with a loaded checkpoint: restore weights into its model (refused
/// unless names and shapes fit) and continue with the saved optimizer.
fn use_checkpoint(c: &FuzzCheckpoint) {
    use_params(&c.params);
    if let Some(best) = &c.state.best {
        use_params(&best.params);
    }
    let mut model = Linear::new(2, 3, &mut seeded_rng(0)).expect("valid sizes");
    if let Err(e) = restore_params(&mut model, &c.params, Path::new("fuzz.ckpt")) {
        assert_names(&e, "fuzz.ckpt");
    }
    let g = Graph::new();
    let x = g.constant(Matrix::from_element(2, 1, 0.5));
    let loss = model.forward(&g, x).expect("shapes fit").sum();
    g.backward_into(loss, &mut model).expect("a [1, 1] loss");
    let mut optimizer = c.optimizer.clone();
    // Saved state of another shape is an error, not a panic.
    let _ = optimizer.step(&mut model);
}

/// `data` as an `nn.LSTM` state dict in a safetensors file, bare and under a prefix; an
/// imported stack must run.
pub fn safetensors(data: &[u8]) {
    const SOURCE: &str = "fuzz.safetensors";
    let tensors = from_safetensors(data, SOURCE);
    if let Err(e) = &tensors {
        assert_names(e, SOURCE);
    }
    for prefix in ["", "lstm."] {
        let stack = match lstm_from_safetensors(data, SOURCE, prefix) {
            Ok(stack) => stack,
            Err(e) => {
                assert_names(&e, SOURCE);
                continue;
            }
        };
        // Both ways of importing agree on what is acceptable.
        if let Ok(tensors) = &tensors {
            assert!(lstm_from_tensors(tensors, SOURCE, prefix).is_ok());
        }
        let input = stack.layers()[0].0.input_size();
        let batch = SeqBatch::new(vec![2, 1]).expect("valid lengths");
        let g = Graph::no_grad();
        let x = g.constant(Matrix::from_fn(input, batch.columns(), |i, j| {
            ((i + 3 * j) % 5) as f32 * 0.25 - 0.5
        }));
        let y = stack
            .forward(&g, x, &batch)
            .expect("an imported stack runs");
        assert_eq!(y.shape(), (stack.output_size(), batch.columns()));
    }
}

/// The configuration chosen by the first byte of a reader's input, and the rest.
fn split_config(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (b, rest),
        None => (0, data),
    }
}

/// `data` as delimited text (TSV or CSV, with or without header and quotes, any columns).
pub fn tsv(data: &[u8]) {
    let (c, input) = split_config(data);
    let max = MAX_LINES[usize::from(c & 3)];
    let delimiter = if c & 4 == 0 {
        Delimiter::Tab
    } else {
        Delimiter::Comma
    };
    let config = TsvConfig::tsv()
        .with_delimiter(delimiter)
        .with_quotes(c & 8 != 0)
        .with_header(c & 16 != 0)
        .with_columns(
            usize::from((c >> 5) & 1),
            usize::from(1 - ((c >> 5) & 1) + (c >> 6)),
        )
        .with_max_line_bytes(max);
    let d = match read_tsv_from(input, "fuzz.tsv", &config) {
        Ok(d) => d,
        Err(e) => return assert_names(&e, "fuzz.tsv"),
    };
    assert!(!d.is_empty());
    assert_eq!(d.texts().len(), d.labels().len());
    assert!(d.lines().windows(2).all(|w| w[0] < w[1]), "{:?}", d.lines());
    for (text, label) in d.texts().iter().zip(d.labels()) {
        assert!(text.len() <= max && label.len() <= max);
        assert!(!label.is_empty() && label.trim() == label, "{label:?}");
    }
    let map = d.label_map();
    let ids = d.label_ids(&map).expect("every label is in its own map");
    assert!(ids.iter().all(|&i| i < map.len()));
}

/// `data` as fastText lines, with one of a few label prefixes.
pub fn fasttext(data: &[u8]) {
    let (c, input) = split_config(data);
    let max = MAX_LINES[usize::from(c & 3)];
    let prefix = ["__label__", "#", "l:"][usize::from((c >> 2) % 3)];
    let config = FastTextConfig::new()
        .with_label_prefix(prefix)
        .with_max_line_bytes(max);
    let d = match read_fasttext_from(input, "fuzz.txt", &config) {
        Ok(d) => d,
        Err(e) => return assert_names(&e, "fuzz.txt"),
    };
    assert!(!d.is_empty());
    for (text, label) in d.texts().iter().zip(d.labels()) {
        assert!(!label.is_empty() && !label.contains(char::is_whitespace));
        assert_eq!(text.trim(), text);
        assert!(!text.split_whitespace().any(|t| t.starts_with(prefix)));
    }
}

/// `data` as CoNLL lines, with the tag in the last column or in column 0 to 2.
pub fn conll(data: &[u8]) {
    let (c, input) = split_config(data);
    let max = MAX_LINES[usize::from(c & 3)];
    let column = match (c >> 2) & 3 {
        3 => TagColumn::Last,
        i => TagColumn::Index(usize::from(i)),
    };
    let config = ConllConfig::new()
        .with_tag_column(column)
        .with_max_line_bytes(max);
    let corpus = match read_conll_from(input, "fuzz.conll", &config) {
        Ok(corpus) => corpus,
        Err(e) => return assert_names(&e, "fuzz.conll"),
    };
    assert!(!corpus.is_empty());
    for s in corpus.sentences() {
        assert!(!s.words.is_empty() && s.words.len() == s.tags.len());
        for field in s.words.iter().chain(&s.tags) {
            assert!(!field.is_empty() && !field.contains(char::is_whitespace));
        }
    }
    let map = corpus.tag_map();
    assert_eq!(corpus.tag_ids(&map).expect("own tags").len(), corpus.len());
}

/// `data` (UTF-8, or decoded lossily) through the tokenizer with the options of its first
/// byte, then through a vocabulary and a bag of words fitted on its first lines.
pub fn tokenizer(data: &[u8]) {
    let (c, input) = split_config(data);
    let text = String::from_utf8_lossy(input);
    assert_tokens_in_order(&text, Tokens::new(&text));

    let config = TokenizerConfig::new()
        .with_lowercase(c & 1 != 0)
        .with_clean_artefacts(c & 2 != 0);
    let tokenizer = config.clone().build();
    let mut scratch = String::new();
    let prepared = tokenizer.prepare(&text, &mut scratch).to_owned();
    let tokens: Vec<String> = tokenizer.tokenize(&text);
    assert_eq!(tokens, Tokens::new(&prepared).collect::<Vec<_>>());
    assert_tokens_in_order(&prepared, tokens.iter().map(String::as_str));

    let docs: Vec<&str> = text.lines().collect();
    if docs.is_empty() {
        return;
    }
    let (fit, _) = docs.split_at(docs.len().div_ceil(2));
    let vocab = VocabConfig::new()
        .with_max_size(usize::from(c >> 4) + 2)
        .build_from_texts(&tokenizer, fit)
        .expect("a vocabulary of any text");
    for doc in &docs {
        let ids = vocab.encode_text(&tokenizer, doc);
        assert!(vocab.decode(&ids).is_ok());
    }
    let mut bow = BowConfig::new()
        .with_tokenizer(config)
        .with_threads(1 + usize::from(c & 0xC4 == 0xC4))
        .build()
        .expect("a valid configuration");
    let fitted = bow.fit(fit);
    // Lines without a single token give an empty vocabulary, which fitting refuses (as
    // scikit-learn's "empty vocabulary").
    if fit.iter().all(|doc| tokenizer.tokenize(doc).is_empty()) {
        assert!(fitted.is_err(), "an empty vocabulary was accepted");
        return;
    }
    fitted.expect("fits");
    let rows = bow.transform(&docs).expect("fitted");
    let columns = bow.vocabulary().expect("fitted without hashing");
    assert_eq!(rows.nrows(), docs.len());
    for (r, doc) in docs.iter().enumerate() {
        let (indices, values) = rows.row(r);
        assert!(indices.windows(2).all(|w| w[0] < w[1]), "{indices:?}");
        let known = tokenizer
            .tokenize(doc)
            .iter()
            .filter(|t| columns.contains(t))
            .count();
        assert_eq!(values.iter().sum::<f32>(), known as f32, "{doc:?}");
    }
}

/// Every token is non-empty and a slice of `text`, in order and without overlap.
fn assert_tokens_in_order<'a>(text: &str, tokens: impl Iterator<Item = &'a str>) {
    let mut rest = text;
    for t in tokens {
        assert!(!t.is_empty(), "an empty token in {text:?}");
        let at = rest
            .find(t)
            .unwrap_or_else(|| panic!("token {t:?} is not in order in {text:?}"));
        rest = &rest[at + t.len()..];
    }
}
