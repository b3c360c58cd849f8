//! Text featurization throughput: tokenize, count, build the vocabulary and produce the sparse
//! bag-of-words matrix, the equivalent of scikit-learn's `CountVectorizer().fit_transform`
//! (lower-casing, unigram counts), on the corpora of `../shared/bench/featurize_ref.py`: SST-2
//! train, AG News 10k, and AG News repeated 20 times (~200k documents).
//!
//! Group `featurize` runs on one thread, `featurize_parallel` on [`PARALLEL_THREADS`].
//! Criterion reports bytes/s; the tokens/s of the median time is printed beside it. The
//! tokenizers differ: scikit-learn's `(?u)\b\w\w+\b` keeps only words of two or more word
//! characters, ours keeps one-letter words, punctuation and numbers with their separators, so
//! we count more tokens in the same bytes; compare MB/s first.
//!
//! Run: `cargo bench --bench text -- --noplot`, and beside it
//! `cd ../shared/bench && ~/.ref-venv/bin/python featurize_ref.py`.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use neurotext::text::{BowConfig, TsvConfig, read_tsv};
use std::hint::black_box;

/// How many times `agnews_x20` repeats AG News.
const AG_REPEAT: usize = 20;
/// The thread count of the parallel group.
const PARALLEL_THREADS: usize = 2;

/// The corpora by benchmark id, or `None` (with a message) when `../shared/data` is absent.
fn corpora() -> Option<Vec<(&'static str, Vec<String>)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let sst2 = dir.join("sst2/train.tsv");
    let ag = dir.join("agnews/train10k.tsv");
    if !sst2.is_file() || !ag.is_file() {
        eprintln!(
            "text bench: SKIPPED, the corpora are absent from {}",
            dir.display()
        );
        return None;
    }
    let sst2 = read_tsv(&sst2, &TsvConfig::tsv().with_header(true)).expect("SST-2 reads");
    let ag = read_tsv(&ag, &TsvConfig::tsv()).expect("AG News reads");
    let ag_texts = ag.texts().to_vec();
    let ag_x20: Vec<String> = (0..AG_REPEAT)
        .flat_map(|_| ag_texts.iter().cloned())
        .collect();
    Some(vec![
        ("sst2_train", sst2.texts().to_vec()),
        ("agnews10k", ag_texts),
        ("agnews_x20", ag_x20),
    ])
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn bench_featurize(c: &mut Criterion) {
    let Some(corpora) = corpora() else { return };
    for (group_name, threads) in [("featurize", 1), ("featurize_parallel", PARALLEL_THREADS)] {
        let config = BowConfig::new().with_threads(threads);
        let mut group = c.benchmark_group(group_name);
        group.sample_size(10);
        for (id, docs) in &corpora {
            let bytes: usize = docs.iter().map(String::len).sum();
            let x = config.clone().build().unwrap().fit_transform(docs).unwrap();
            let tokens: f64 = x.values().iter().map(|&v| f64::from(v)).sum();
            group.throughput(Throughput::Bytes(bytes as u64));
            let times = RefCell::new(Vec::new());
            group.bench_function(*id, |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let mut bow = config.clone().build().unwrap();
                        black_box(bow.fit_transform(black_box(docs)).unwrap());
                    }
                    let elapsed = start.elapsed();
                    times
                        .borrow_mut()
                        .push(elapsed / u32::try_from(iters.max(1)).unwrap_or(u32::MAX));
                    elapsed
                })
            });
            if times.borrow().is_empty() {
                continue; // filtered out on the command line: nothing was measured
            }
            let t = median(&mut times.borrow_mut()).as_secs_f64();
            eprintln!(
                "{group_name}/{id}: {} docs, {tokens:.0} tokens, {bytes} bytes, vocabulary {}, \
                 median {:.4} s: {:.1} M tokens/s, {:.1} MB/s ({threads} thread(s))",
                docs.len(),
                x.ncols(),
                t,
                tokens / t / 1e6,
                bytes as f64 / t / 1e6,
            );
        }
        group.finish();
    }
}

criterion_group!(benches, bench_featurize);
criterion_main!(benches);
