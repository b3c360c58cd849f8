//! Every recurrent op and layer against finite differences: the fused LSTM (one and two
//! directions, padded batches, truncation), its composed twin, the RNN, pooling and attention.

use neurotext_autodiff::{GradcheckOptions, Graph, Matrix, Module, gradcheck, gradcheck_params};
use neurotext_layers::Activation;
use neurotext_linalg::random::{seeded_rng, uniform};
use neurotext_recurrent::{
    AttentionPooling, BiLstm, DirectionVars, Lstm, LstmStack, Pooling, Rnn, SeqBatch, lstm_layer,
    max_over_time, softmax_over_time, sum_over_time,
};

fn rand(r: usize, c: usize, seed: u64) -> Matrix {
    uniform(r, c, -1.0, 1.0, &mut seeded_rng(seed))
}

/// Inputs of the fused op for one direction: x, W_ih, W_hh, b_ih, b_hh.
fn lstm_inputs(input: usize, hidden: usize, batch: &SeqBatch, seed: u64) -> Vec<Matrix> {
    vec![
        rand(input, batch.columns(), seed),
        rand(4 * hidden, input, seed + 1) * 0.8,
        rand(4 * hidden, hidden, seed + 2) * 0.8,
        rand(4 * hidden, 1, seed + 3),
        rand(4 * hidden, 1, seed + 4),
    ]
}

#[test]
fn fused_lstm_gradient_matches_finite_differences_in_both_directions_with_padding() {
    for (lengths, reverse) in [
        (vec![3, 1, 2], false),
        (vec![3, 1, 2], true),
        (vec![1], false),
        (vec![4, 4], true),
    ] {
        let batch = SeqBatch::new(lengths.clone()).unwrap();
        let inputs = lstm_inputs(2, 3, &batch, 10);
        gradcheck("lstm_layer", &inputs, |_, v| {
            let dir = DirectionVars {
                w_ih: v[1],
                w_hh: v[2],
                b_ih: v[3],
                b_hh: v[4],
                reverse,
            };
            lstm_layer(v[0], &[dir], &batch, None)
        })
        .unwrap_or_else(|e| panic!("lengths {lengths:?}, reverse {reverse}: {e}"));
    }
}

#[test]
fn fused_bidirectional_lstm_gradient_matches_finite_differences() {
    let batch = SeqBatch::new(vec![2, 4, 1]).unwrap();
    let mut inputs = lstm_inputs(3, 2, &batch, 20);
    inputs.extend(lstm_inputs(3, 2, &batch, 30).into_iter().skip(1));
    gradcheck("lstm_layer(bi)", &inputs, |_, v| {
        let f = DirectionVars {
            w_ih: v[1],
            w_hh: v[2],
            b_ih: v[3],
            b_hh: v[4],
            reverse: false,
        };
        let r = DirectionVars {
            w_ih: v[5],
            w_hh: v[6],
            b_ih: v[7],
            b_hh: v[8],
            reverse: true,
        };
        lstm_layer(v[0], &[f, r], &batch, None)
    })
    .unwrap();
}

#[test]
fn fused_lstm_truncated_to_the_sequence_length_has_the_full_gradient() {
    // Truncation to k ≥ T steps cuts nothing, so the gradient is the true one. (Shorter
    // truncations are compared with the composed graph in tests/fused_vs_composed.rs.)
    let batch = SeqBatch::new(vec![3, 2]).unwrap();
    let inputs = lstm_inputs(2, 2, &batch, 40);
    gradcheck("lstm_layer(k = T)", &inputs, |_, v| {
        let dir = DirectionVars {
            w_ih: v[1],
            w_hh: v[2],
            b_ih: v[3],
            b_hh: v[4],
            reverse: false,
        };
        lstm_layer(v[0], &[dir], &batch, Some(3))
    })
    .unwrap();
}

#[test]
fn composed_lstm_and_cell_step_gradients_match_finite_differences() {
    let batch = SeqBatch::new(vec![2, 3]).unwrap();
    let mut lstm = Lstm::new(2, 3, &mut seeded_rng(1)).unwrap();
    let x = rand(2, batch.columns(), 2);
    gradcheck_params(
        "Lstm::forward_composed",
        &mut lstm,
        GradcheckOptions::default(),
        |g, l| l.forward_composed(g, g.constant(x.clone()), &batch),
    )
    .unwrap();
    gradcheck_params(
        "Lstm::forward",
        &mut lstm,
        GradcheckOptions::default(),
        |g, l| l.forward(g, g.constant(x.clone()), &batch),
    )
    .unwrap();
}

#[test]
fn bilstm_and_stack_parameter_gradients_match_finite_differences() {
    let batch = SeqBatch::new(vec![3, 1]).unwrap();
    let x = rand(2, batch.columns(), 3);
    let mut bi = BiLstm::new(2, 2, &mut seeded_rng(4)).unwrap();
    gradcheck_params("BiLstm", &mut bi, GradcheckOptions::default(), |g, l| {
        l.forward(g, g.constant(x.clone()), &batch)
    })
    .unwrap();
    let mut stack = LstmStack::new(2, 2, 2, true, &mut seeded_rng(5)).unwrap();
    gradcheck_params(
        "LstmStack",
        &mut stack,
        GradcheckOptions::default(),
        |g, l| l.forward(g, g.constant(x.clone()), &batch),
    )
    .unwrap();
}

#[test]
fn rnn_gradient_matches_finite_differences_for_each_activation() {
    let batch = SeqBatch::new(vec![3, 2, 1]).unwrap();
    let x = rand(2, batch.columns(), 6);
    for act in [Activation::Tanh, Activation::Sigmoid, Activation::Identity] {
        let mut rnn = Rnn::new(2, 3, act, &mut seeded_rng(7)).unwrap();
        gradcheck_params("Rnn", &mut rnn, GradcheckOptions::default(), |g, r| {
            r.forward(g, g.constant(x.clone()), &batch)
        })
        .unwrap_or_else(|e| panic!("{act:?}: {e}"));
        let r = rnn.clone();
        gradcheck("Rnn(input)", std::slice::from_ref(&x), |g, v| {
            r.forward(g, v[0], &batch)
        })
        .unwrap();
    }
}

#[test]
fn pooling_gradients_match_finite_differences_with_padding() {
    let batch = SeqBatch::new(vec![2, 3, 1]).unwrap();
    // Distinct values, so that max has no ties.
    let h = Matrix::from_fn(4, batch.columns(), |i, j| {
        ((i * 7 + j * 3) % 11) as f32 * 0.1 + i as f32 * 0.01
    });
    gradcheck("sum_over_time", std::slice::from_ref(&h), |_, v| {
        sum_over_time(v[0], &batch)
    })
    .unwrap();
    gradcheck("max_over_time", std::slice::from_ref(&h), |_, v| {
        max_over_time(v[0], &batch)
    })
    .unwrap();
    for pooling in [Pooling::Last, Pooling::Mean, Pooling::Max] {
        for bi in [false, true] {
            gradcheck("pooling", std::slice::from_ref(&h), |_, v| {
                pooling.apply(v[0], &batch, bi)
            })
            .unwrap_or_else(|e| panic!("{pooling:?} bi={bi}: {e}"));
        }
    }
    let scores = rand(1, batch.columns(), 8);
    gradcheck("softmax_over_time", &[scores], |_, v| {
        softmax_over_time(v[0], &batch)
    })
    .unwrap();
}

#[test]
fn attention_pooling_gradients_match_finite_differences() {
    let batch = SeqBatch::new(vec![3, 1, 2]).unwrap();
    let h = rand(3, batch.columns(), 9);
    let mut att = AttentionPooling::new(3, 4, &mut seeded_rng(10)).unwrap();
    gradcheck_params(
        "AttentionPooling",
        &mut att,
        GradcheckOptions::default(),
        |g, a| {
            Ok::<_, neurotext_recurrent::Error>(
                a.forward(g, g.constant(h.clone()), &batch)?.context,
            )
        },
    )
    .unwrap();
    let a = att.clone();
    gradcheck("AttentionPooling(input)", &[h], |g, v| {
        Ok::<_, neurotext_recurrent::Error>(a.forward(g, v[0], &batch)?.context)
    })
    .unwrap();
    let _ = att.num_params();
    let _ = Graph::new();
}
