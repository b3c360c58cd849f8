//! f32 GEMM throughput: neurotext's `gemm` against nalgebra's `*`, on the square sizes and
//! the LSTM-shaped products of `../shared/bench/gemm_ref.py`, at the thread count given by
//! `NEUROTEXT_THREADS` (all cores when unset).
//!
//! Criterion reports "elements/s" with 2·m·k·n elements per iteration: read Gelem/s as
//! GFLOPS. Run: `NEUROTEXT_THREADS=1 cargo bench --bench matmul`.
//!
//! The group `pack_weights` times the packing of an LSTM's `W_hh` (`[4H, H]`) for the
//! recurrence, as it is (forward) and transposed (backward), which happens once per pass.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use neurotext::linalg::{Matrix, PackedMatrix, Trans, gemm, random, threads};
use std::hint::black_box;

/// (m, k, n): C[m×n] = A[m×k]·B[k×n].
const SQUARE: [usize; 6] = [32, 64, 128, 256, 512, 1024];
const LSTM_SHAPES: [(usize, usize, usize); 3] =
    [(64, 256, 1024), (3200, 300, 1024), (1024, 3200, 256)];

fn shapes() -> Vec<(usize, usize, usize)> {
    SQUARE
        .iter()
        .map(|&n| (n, n, n))
        .chain(LSTM_SHAPES)
        .collect()
}

fn bench_matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul");
    eprintln!(
        "matmul: neurotext on {} thread(s); nalgebra's * is single-threaded",
        threads()
    );
    for (m, k, n) in shapes() {
        let mut rng = random::seeded_rng(0);
        let a = random::normal(m, k, 0.0, 1.0, &mut rng);
        let b = random::normal(k, n, 0.0, 1.0, &mut rng);
        let id = format!("{m}x{k}x{n}");
        group.throughput(Throughput::Elements(2 * (m * k * n) as u64));
        if m * k * n >= 1 << 27 {
            group.sample_size(20);
        } else {
            group.sample_size(50);
        }
        let mut out = Matrix::zeros(m, n);
        group.bench_with_input(BenchmarkId::new("neurotext", &id), &(), |bench, _| {
            bench.iter(|| {
                gemm(
                    1.0,
                    black_box(&a),
                    Trans::No,
                    black_box(&b),
                    Trans::No,
                    0.0,
                    &mut out,
                )
                .expect("shapes match");
            })
        });
        group.bench_with_input(BenchmarkId::new("nalgebra", &id), &(), |bench, _| {
            bench.iter(|| {
                out.gemm(1.0, black_box(&a), black_box(&b), 0.0);
            })
        });
    }
    group.finish();
}

fn bench_pack(c: &mut Criterion) {
    let mut group = c.benchmark_group("pack_weights");
    for hidden in [256, 512] {
        let w_hh = random::normal(4 * hidden, hidden, 0.0, 1.0, &mut random::seeded_rng(0));
        group.throughput(Throughput::Bytes((w_hh.len() * 4) as u64));
        for (name, t) in [("plain", Trans::No), ("transposed", Trans::Yes)] {
            let id = format!("{name}/{}x{hidden}", 4 * hidden);
            group.bench_function(BenchmarkId::from_parameter(id), |bench| {
                bench.iter(|| PackedMatrix::pack(black_box(&w_hh), t))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_matmul, bench_pack);
criterion_main!(benches);
