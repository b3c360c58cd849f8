//! CI replays the fuzzers' corpus on stable: every file of `fuzz/corpus/<target>/` and of
//! `fuzz/regressions/<target>/` (inputs that once crashed a target) goes through the same
//! code the fuzz target runs, `fuzz/targets.rs`. Errors are fine; a panic fails the test and
//! names the file. Fuzzing itself needs nightly flags: see `fuzz/Cargo.toml`.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::fs;
use std::path::{Path, PathBuf};

/// The files of `fuzz/<kind>/<target>/`, sorted; none when the folder does not exist.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `body` on every input of `target`; returns how many inputs there were.
fn replay(target: &str, body: fn(&[u8])) -> usize {
    let corpus = inputs("corpus", target);
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target}/ is missing or empty"
    );
    let files: Vec<PathBuf> = corpus
        .into_iter()
        .chain(inputs("regressions", target))
        .collect();
    let panicked: Vec<String> = files
        .iter()
        .filter(|file| {
            let bytes = fs::read(file).expect("a readable file");
            std::panic::catch_unwind(|| body(&bytes)).is_err()
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(panicked.is_empty(), "{target} panicked on {panicked:#?}");
    files.len()
}

macro_rules! replay_tests {
    ($($test:ident: $target:ident;)*) => {$(
        #[test]
        fn $test() {
            replay(stringify!($target), targets::$target);
        }
    )*};
}

replay_tests! {
    checkpoint_corpus_is_refused_or_loaded_without_panic: checkpoint;
    safetensors_corpus_is_refused_or_imported_without_panic: safetensors;
    tsv_corpus_is_refused_or_read_without_panic: tsv;
    fasttext_corpus_is_refused_or_read_without_panic: fasttext;
    conll_corpus_is_refused_or_read_without_panic: conll;
    tokenizer_corpus_is_tokenized_and_featurized_without_panic: tokenizer;
}

#[test]
fn the_overflowing_matrix_shape_that_crashed_the_checkpoint_fuzzer_is_refused() {
    use neurotext::train::checkpoint::decode;
    let crashes = inputs("regressions", "checkpoint");
    assert!(!crashes.is_empty());
    for file in crashes {
        let framed = targets::frame(&fs::read(&file).unwrap());
        let path = Path::new("crash.ckpt");
        let errors = [
            decode::<targets::FuzzCheckpoint>(&framed, path).err(),
            decode::<targets::NamedMatrices>(&framed, path).err(),
        ]
        .map(|e| e.map(|e| e.to_string()));
        assert!(
            errors.iter().flatten().any(|e| e.contains("cannot hold")),
            "{}: {errors:?}",
            file.display()
        );
    }
}
