//! The fused LSTM on one, two and three threads: the batch is split between threads, or the
//! two directions run side by side; the numbers must not depend on it beyond rounding.
//! (Its own test binary, because the thread count is process-wide.)

use neurotext_autodiff::{Graph, Matrix, Module};
use neurotext_linalg::random::{seeded_rng, uniform};
use neurotext_linalg::set_threads;
use neurotext_recurrent::{BiLstm, Lstm, SeqBatch};

/// Output, input gradient and parameter gradients of `sum(y²)`.
fn outputs_and_grads<M: Module>(
    model: &mut M,
    x: &Matrix,
    forward: impl for<'g> Fn(&'g Graph, &M, neurotext_autodiff::Var<'g>) -> neurotext_autodiff::Var<'g>,
) -> Vec<Matrix> {
    model.zero_grad();
    let g = Graph::new();
    let xv = g.input(x.clone());
    let y = forward(&g, model, xv);
    let grads = g.backward_into(y.square().sum(), model).unwrap();
    let mut all = vec![(*y.value()).clone(), grads.get(xv).unwrap().clone()];
    drop(g);
    all.extend(
        model
            .named_params()
            .into_iter()
            .map(|(_, p)| p.grad().clone()),
    );
    all
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let batch = SeqBatch::new(vec![6, 3, 6, 1, 4, 6, 2, 5]).unwrap();
    let x = uniform(7, batch.columns(), -1.0, 1.0, &mut seeded_rng(1));
    let mut uni = Lstm::new(7, 9, &mut seeded_rng(2)).unwrap();
    let mut bi = BiLstm::new(7, 9, &mut seeded_rng(3)).unwrap();
    let mut runs = Vec::new();
    for threads in [1, 2, 3] {
        set_threads(threads).unwrap();
        let mut r = outputs_and_grads(&mut uni, &x, |g, l, x| l.forward(g, x, &batch).unwrap());
        r.extend(outputs_and_grads(&mut bi, &x, |g, l, x| {
            l.forward(g, x, &batch).unwrap()
        }));
        runs.push(r);
    }
    for (k, other) in runs.iter().enumerate().skip(1) {
        for (a, b) in runs[0].iter().zip(other) {
            let diff = (a - b).abs().max();
            assert!(
                diff < 1e-6,
                "{} threads differ from 1 thread by {diff}",
                k + 1
            );
        }
    }
}
