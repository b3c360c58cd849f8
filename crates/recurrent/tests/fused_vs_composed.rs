//! The fused LSTM against its plain composition from autodiff ops: outputs and all
//! gradients (input and every weight) equal to 1e-5 on random inputs, for one and two
//! directions, padded batches and truncated backpropagation through time.

use neurotext_autodiff::{Graph, Matrix, Module};
use neurotext_linalg::random::{seeded_rng, uniform};
use neurotext_recurrent::{BiLstm, Lstm, SeqBatch};

const TOL: f32 = 1e-5;

fn assert_close(what: &str, a: &Matrix, b: &Matrix) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    let diff = (a - b).abs().max();
    assert!(diff <= TOL, "{what}: max difference {diff}");
}

/// Runs `forward` on a fresh graph with a random projection as the loss; returns the
/// output, the input gradient and the parameter gradients.
fn run<M: Module>(
    model: &mut M,
    x: &Matrix,
    forward: impl for<'g> Fn(
        &'g Graph,
        &M,
        neurotext_autodiff::Var<'g>,
    ) -> neurotext_recurrent::Result<neurotext_autodiff::Var<'g>>,
) -> (Matrix, Matrix, Vec<(String, Matrix)>) {
    run_with(model, x, None, forward)
}

/// [`run`] with the loss `Σ y ⊙ proj` for a given `proj` (a random one when `None`).
fn run_with<M: Module>(
    model: &mut M,
    x: &Matrix,
    proj: Option<&Matrix>,
    forward: impl for<'g> Fn(
        &'g Graph,
        &M,
        neurotext_autodiff::Var<'g>,
    ) -> neurotext_recurrent::Result<neurotext_autodiff::Var<'g>>,
) -> (Matrix, Matrix, Vec<(String, Matrix)>) {
    model.zero_grad();
    let g = Graph::new();
    let xv = g.input(x.clone());
    let y = forward(&g, model, xv).unwrap();
    let (r, c) = y.shape();
    let proj = proj
        .cloned()
        .unwrap_or_else(|| uniform(r, c, -1.0, 1.0, &mut seeded_rng(99)));
    let loss = y.mul(g.constant(proj)).unwrap().sum();
    let grads = g.backward_into(loss, model).unwrap();
    let dx = grads.get(xv).unwrap().clone();
    let out = (*y.value()).clone();
    drop(g);
    let params = model
        .named_params()
        .into_iter()
        .map(|(n, p)| (n, p.grad().clone()))
        .collect();
    (out, dx, params)
}

fn compare(
    label: &str,
    a: (Matrix, Matrix, Vec<(String, Matrix)>),
    b: (Matrix, Matrix, Vec<(String, Matrix)>),
) {
    assert_close(&format!("{label}: output"), &a.0, &b.0);
    assert_close(&format!("{label}: ∂x"), &a.1, &b.1);
    for ((n, ga), (_, gb)) in a.2.iter().zip(&b.2) {
        assert_close(&format!("{label}: ∂{n}"), ga, gb);
    }
}

fn cases() -> Vec<(&'static str, SeqBatch)> {
    vec![
        ("full batch", SeqBatch::full(4, 7).unwrap()),
        (
            "padded batch",
            SeqBatch::new(vec![7, 2, 5, 1, 7, 3]).unwrap(),
        ),
        ("one sequence", SeqBatch::full(1, 9).unwrap()),
        // Hundreds of steps, padded: errors that grow along the sequence would show.
        (
            "long padded batch",
            SeqBatch::new(vec![300, 120, 299]).unwrap(),
        ),
    ]
}

#[test]
fn fused_lstm_equals_composed_lstm_in_both_directions() {
    for (label, batch) in cases() {
        for reverse in [false, true] {
            let mut lstm = Lstm::new(5, 6, &mut seeded_rng(1)).unwrap();
            if reverse {
                lstm = lstm.reversed();
            }
            let x = uniform(5, batch.columns(), -2.0, 2.0, &mut seeded_rng(2));
            let fused = run(&mut lstm, &x, |g, l, x| l.forward(g, x, &batch));
            let composed = run(&mut lstm, &x, |g, l, x| l.forward_composed(g, x, &batch));
            compare(&format!("{label}, reverse {reverse}"), fused, composed);
        }
    }
}

#[test]
fn fused_bilstm_equals_composed_bilstm() {
    for (label, batch) in cases() {
        let mut bi = BiLstm::new(3, 4, &mut seeded_rng(3)).unwrap();
        let x = uniform(3, batch.columns(), -2.0, 2.0, &mut seeded_rng(4));
        let fused = run(&mut bi, &x, |g, l, x| l.forward(g, x, &batch));
        let composed = run(&mut bi, &x, |g, l, x| l.forward_composed(g, x, &batch));
        compare(label, fused, composed);
    }
}

#[test]
fn fused_truncated_bptt_equals_composed_truncated_bptt() {
    for (label, batch) in cases() {
        for reverse in [false, true] {
            let mut lstm = Lstm::new(3, 4, &mut seeded_rng(5))
                .unwrap()
                .with_truncation(2)
                .unwrap();
            if reverse {
                lstm = lstm.reversed();
            }
            let x = uniform(3, batch.columns(), -2.0, 2.0, &mut seeded_rng(6));
            let fused = run(&mut lstm, &x, |g, l, x| l.forward(g, x, &batch));
            let composed = run(&mut lstm, &x, |g, l, x| l.forward_composed(g, x, &batch));
            compare(
                &format!("{label}, reverse {reverse}, k = 2"),
                fused,
                composed,
            );
            // And truncation does change the gradient (the test could not pass by accident).
            let mut full = Lstm::new(3, 4, &mut seeded_rng(5)).unwrap();
            if reverse {
                full = full.reversed();
            }
            let untruncated = run(&mut full, &x, |g, l, x| l.forward(g, x, &batch));
            let truncated = run(&mut lstm, &x, |g, l, x| l.forward(g, x, &batch));
            assert_close(
                "the forward pass ignores truncation",
                &untruncated.0,
                &truncated.0,
            );
            if batch.max_len() > 2 {
                assert!(
                    (&untruncated.1 - &truncated.1).abs().max() > 1e-4,
                    "{label}: truncation changed nothing"
                );
            }
        }
    }
}

#[test]
fn padding_never_changes_a_sequences_result() {
    // Each sequence of a padded batch gets exactly what it gets alone.
    let lengths = vec![5, 2, 4, 1];
    let batch = SeqBatch::new(lengths.clone()).unwrap();
    let bi = BiLstm::new(3, 4, &mut seeded_rng(7)).unwrap();
    let x = uniform(3, batch.columns(), -1.0, 1.0, &mut seeded_rng(8));
    let g = Graph::no_grad();
    let together = bi
        .forward(&g, g.constant(x.clone()), &batch)
        .unwrap()
        .value();
    for (b, &len) in lengths.iter().enumerate() {
        let alone_x = Matrix::from_fn(3, len, |i, t| x[(i, batch.column(t, b))]);
        let alone = bi
            .forward(&g, g.constant(alone_x), &SeqBatch::full(1, len).unwrap())
            .unwrap()
            .value();
        for t in 0..batch.max_len() {
            let col = together.column(batch.column(t, b));
            if t < len {
                let diff = (col - alone.column(t)).abs().max();
                assert!(diff < 1e-6, "sequence {b}, step {t}: {diff}");
            } else {
                assert!(
                    col.iter().all(|&v| v == 0.0),
                    "padded step {t} of sequence {b} is not zero"
                );
            }
        }
    }
}

/// The BiLSTM's fused op, or its composed twin.
fn forward<'g>(
    fused: bool,
    g: &'g Graph,
    bi: &BiLstm,
    x: neurotext_autodiff::Var<'g>,
    batch: &SeqBatch,
) -> neurotext_recurrent::Result<neurotext_autodiff::Var<'g>> {
    if fused {
        bi.forward(g, x, batch)
    } else {
        bi.forward_composed(g, x, batch)
    }
}

#[test]
fn truncation_counts_each_sequences_own_steps_whatever_the_padding() {
    // With truncated BPTT, a sequence's gradients must be those it gets alone: the reverse
    // direction starts at each sequence's own last token, and so do its cuts.
    let lengths = vec![5, 2, 4, 1, 3];
    let batch = SeqBatch::new(lengths.clone()).unwrap();
    let mut bi = BiLstm::new(3, 4, &mut seeded_rng(21))
        .unwrap()
        .with_truncation(2)
        .unwrap();
    let x = uniform(3, batch.columns(), -1.0, 1.0, &mut seeded_rng(22));
    let proj = uniform(8, batch.columns(), -1.0, 1.0, &mut seeded_rng(23));
    for fused in [true, false] {
        for (b, &len) in lengths.iter().enumerate() {
            // The loss reads sequence b only, in the padded batch and alone.
            let only_b = Matrix::from_fn(8, batch.columns(), |i, col| {
                if col % batch.batch() == b {
                    proj[(i, col)]
                } else {
                    0.0
                }
            });
            let together = run_with(&mut bi, &x, Some(&only_b), |g, l, x| {
                forward(fused, g, l, x, &batch)
            });
            let alone_x = Matrix::from_fn(3, len, |i, t| x[(i, batch.column(t, b))]);
            let alone_proj = Matrix::from_fn(8, len, |i, t| proj[(i, batch.column(t, b))]);
            let alone_batch = SeqBatch::full(1, len).unwrap();
            let alone = run_with(&mut bi, &alone_x, Some(&alone_proj), |g, l, x| {
                forward(fused, g, l, x, &alone_batch)
            });
            let label = format!("sequence {b} (fused {fused})");
            let together_dx = Matrix::from_fn(3, len, |i, t| together.1[(i, batch.column(t, b))]);
            assert_close(&format!("{label}: ∂x"), &together_dx, &alone.1);
            for ((n, a), (_, b)) in together.2.iter().zip(&alone.2) {
                assert_close(&format!("{label}: ∂{n}"), a, b);
            }
        }
    }
}

#[test]
fn inference_without_a_tape_gives_the_training_outputs() {
    // A no-grad graph skips what only the backward pass reads; the outputs must not change.
    let batch = SeqBatch::new(vec![5, 2, 4]).unwrap();
    let x = uniform(3, batch.columns(), -1.0, 1.0, &mut seeded_rng(11));
    let uni = Lstm::new(3, 6, &mut seeded_rng(12)).unwrap();
    let bi = BiLstm::new(3, 6, &mut seeded_rng(13)).unwrap();
    let (taped, bare) = (Graph::new(), Graph::no_grad());
    let uni_taped = uni.forward(&taped, taped.input(x.clone()), &batch).unwrap();
    let uni_bare = uni
        .forward(&bare, bare.constant(x.clone()), &batch)
        .unwrap();
    assert_eq!(uni_taped.value(), uni_bare.value());
    let bi_taped = bi.forward(&taped, taped.input(x.clone()), &batch).unwrap();
    let bi_bare = bi.forward(&bare, bare.constant(x), &batch).unwrap();
    assert_eq!(bi_taped.value(), bi_bare.value());
}
