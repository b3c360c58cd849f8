//! LSTM training steps and inference on the shapes of `../shared/bench/lstm_ref.py`.
//!
//! A training step is exactly what the PyTorch script times: zero the gradients, the forward
//! pass over the batch, MSE against a fixed random target, and the backward pass to all
//! weights **and** the input. Inference is the forward pass alone on a graph that records no
//! ops. The thread count comes from `NEUROTEXT_THREADS` (all cores when unset).
//!
//! Run: `NEUROTEXT_THREADS=2 cargo bench --bench bptt`.

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use neurotext::autodiff::{Graph, Module};
use neurotext::linalg::{random, threads};
use neurotext::recurrent::{BiLstm, Lstm, SeqBatch};
use std::hint::black_box;

/// (B, T, I, H), as in `lstm_ref.py`.
const CONFIGS: [(usize, usize, usize, usize); 3] =
    [(32, 50, 128, 128), (64, 100, 300, 256), (16, 200, 64, 512)];

/// One direction or both.
enum Net {
    Uni(Box<Lstm>),
    Bi(Box<BiLstm>),
}

impl Net {
    fn new(bidirectional: bool, input: usize, hidden: usize) -> Self {
        let mut rng = random::seeded_rng(0);
        if bidirectional {
            Net::Bi(Box::new(
                BiLstm::new(input, hidden, &mut rng).expect("valid sizes"),
            ))
        } else {
            Net::Uni(Box::new(
                Lstm::new(input, hidden, &mut rng).expect("valid sizes"),
            ))
        }
    }

    fn module(&mut self) -> &mut dyn Module {
        match self {
            Net::Uni(l) => l.as_mut(),
            Net::Bi(l) => l.as_mut(),
        }
    }

    fn forward<'g>(
        &self,
        g: &'g Graph,
        x: neurotext::autodiff::Var<'g>,
        batch: &SeqBatch,
    ) -> neurotext::autodiff::Var<'g> {
        match self {
            Net::Uni(l) => l.forward(g, x, batch),
            Net::Bi(l) => l.forward(g, x, batch),
        }
        .expect("shapes fit")
    }
}

fn bench_lstm(c: &mut Criterion) {
    eprintln!("bptt: {} thread(s)", threads());
    let mut train = c.benchmark_group("lstm_train_step");
    train.sample_size(10);
    for &(b, t, i, h) in &CONFIGS {
        for bidirectional in [false, true] {
            let mut net = Net::new(bidirectional, i, h);
            let batch = SeqBatch::full(b, t).expect("non-empty");
            let mut rng = random::seeded_rng(1);
            // Shared, not copied into every step's graph (PyTorch's script reuses its tensors).
            let x = Arc::new(random::normal(i, t * b, 0.0, 1.0, &mut rng));
            let d = if bidirectional { 2 } else { 1 };
            let target = Arc::new(random::normal(d * h, t * b, 0.0, 1.0, &mut rng));
            let id = format!(
                "{}/{b}x{t}x{i}x{h}",
                if bidirectional { "bi" } else { "uni" }
            );
            train.bench_function(BenchmarkId::from_parameter(&id), |bench| {
                bench.iter(|| {
                    net.module().zero_grad();
                    let g = Graph::new();
                    let xv = g.input(Arc::clone(&x));
                    let y = net.forward(&g, xv, &batch);
                    let loss = y.mse(g.constant(Arc::clone(&target))).expect("shapes fit");
                    let rest = g.backward_into(loss, net.module()).expect("scalar loss");
                    // Kept, not summed: PyTorch's script does no work on ∂X either.
                    black_box(rest.get(xv));
                })
            });
        }
    }
    train.finish();

    let mut infer = c.benchmark_group("lstm_infer");
    infer.sample_size(10);
    for &(b, t, i, h) in &CONFIGS {
        for bidirectional in [false, true] {
            let net = Net::new(bidirectional, i, h);
            let batch = SeqBatch::full(b, t).expect("non-empty");
            let x = Arc::new(random::normal(
                i,
                t * b,
                0.0,
                1.0,
                &mut random::seeded_rng(1),
            ));
            let id = format!(
                "{}/{b}x{t}x{i}x{h}",
                if bidirectional { "bi" } else { "uni" }
            );
            infer.bench_function(BenchmarkId::from_parameter(&id), |bench| {
                bench.iter(|| {
                    let g = Graph::no_grad();
                    // The output is kept, not summed: PyTorch's script does no work on it.
                    let y = net.forward(&g, g.constant(Arc::clone(&x)), &batch);
                    black_box(&*y.value());
                })
            });
        }
    }
    infer.finish();
}

criterion_group!(benches, bench_lstm);
criterion_main!(benches);
