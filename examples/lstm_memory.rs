//! The memory of LSTM training steps on the largest benchmark shape, against the sizes of
//! what a step must hold: the parameters (with their gradients and two Adam moments), the
//! input, and the activations kept for the backward pass.
//!
//! Run: `/usr/bin/time -v cargo run --release --example lstm_memory -- [uni|bi]` and compare
//! "Maximum resident set size" with the printed sizes.

use neurotext::autodiff::{Graph, Module, Var};
use neurotext::linalg::{Matrix, random};
use neurotext::recurrent::{BiLstm, Lstm, SeqBatch};

const B: usize = 64;
const T: usize = 100;
const I: usize = 300;
const H: usize = 256;

fn mib(floats: usize) -> f64 {
    floats as f64 * 4.0 / (1024.0 * 1024.0)
}

/// Three training steps of `model`; `forward` runs it on a graph.
fn steps<M: Module>(
    model: &mut M,
    directions: usize,
    forward: impl for<'g> Fn(&M, &'g Graph, Var<'g>, &SeqBatch) -> Var<'g>,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = B * T;
    let mut rng = random::seeded_rng(1);
    let x = random::normal(I, n, 0.0, 1.0, &mut rng);
    let target: Matrix = random::normal(directions * H, n, 0.0, 1.0, &mut rng);
    let batch = SeqBatch::full(B, T)?;
    let params = model.num_params();
    let saved = directions * (4 * H * n + H * n + H * n);
    println!("B={B} T={T} I={I} H={H}, {directions} direction(s)");
    println!(
        "  parameters         {:>7.1} MiB  ({params} values; gradients as much again)",
        mib(params)
    );
    println!("  input and ∂input   {:>7.1} MiB", mib(2 * I * n));
    println!(
        "  saved activations  {:>7.1} MiB  (gate activations, cell states, outputs)",
        mib(saved)
    );
    println!(
        "  backward scratch   {:>7.1} MiB  (gate gradients)",
        mib(directions * 4 * H * n)
    );
    println!(
        "  sum                {:>7.1} MiB",
        mib(2 * params + 2 * I * n + saved + directions * 4 * H * n)
    );
    for _ in 0..3 {
        model.zero_grad();
        let g = Graph::new();
        let xv = g.input(x.clone());
        let y = forward(model, &g, xv, &batch);
        let loss = y.mse(g.constant(target.clone()))?;
        g.backward_into(loss, model)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = random::seeded_rng(0);
    if std::env::args().nth(1).as_deref() == Some("bi") {
        let mut m = BiLstm::new(I, H, &mut rng)?;
        steps(&mut m, 2, |m, g, x, b| {
            m.forward(g, x, b).expect("shapes fit")
        })
    } else {
        let mut m = Lstm::new(I, H, &mut rng)?;
        steps(&mut m, 1, |m, g, x, b| {
            m.forward(g, x, b).expect("shapes fit")
        })
    }
}
