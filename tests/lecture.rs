//! The lecture's worked numbers, asserted to four decimals.
//!
//! "To four decimals" means within one unit of the fourth decimal: the lecture sometimes
//! truncates instead of rounding (w₂ = 3.175786 is printed as 3.1757).

#[path = "../examples/lecture/basics.rs"]
#[allow(dead_code)]
mod basics;

fn assert_4dp(label: &str, computed: f32, lecture: f32) {
    assert!(
        (computed - lecture).abs() <= 1e-4,
        "{label}: computed {computed}, lecture {lecture}"
    );
}

fn assert_all_4dp(label: &str, computed: &[f32], lecture: &[f32]) {
    assert_eq!(computed.len(), lecture.len(), "{label}");
    for (i, (&c, &l)) in computed.iter().zip(lecture).enumerate() {
        assert_4dp(&format!("{label}[{i}]"), c, l);
    }
}

#[test]
fn neuron_matches_lecture_example() {
    assert_4dp("ReLU(w·x + b)", basics::neuron().unwrap(), 0.28);
}

#[test]
fn dense_layer_matches_lecture_example() {
    let (z, y) = basics::dense_layer().unwrap();
    assert_all_4dp("Wx + b", &z, &[0.285, -0.533, 0.762]);
    assert_all_4dp("tanh(Wx + b)", &y, &[0.2775, -0.4877, 0.6423]);
}

#[test]
fn softmax_matches_lecture_example() {
    assert_all_4dp(
        "softmax",
        &basics::softmax(),
        &[0.3216, 0.1183, 0.1950, 0.0435, 0.3216],
    );
}

#[test]
fn gradient_descent_matches_lecture_example() {
    let trace = basics::gradient_descent(3.0, 0.4, 5).unwrap();
    let xs: Vec<f32> = trace.iter().map(|s| s.x).collect();
    assert_all_4dp("x", &xs, &[0.6, 0.12, 0.024, 0.0048, 0.00096]);
    assert_4dp("f(x1)", trace[0].f, -1.64);
    assert_4dp("f(x2)", trace[1].f, -1.9856);
}

#[test]
fn backprop_matches_lecture_example() {
    let bp = basics::backprop().unwrap();
    assert_4dp("y", bp.y, -0.6044);
    assert_4dp("L", bp.loss, 0.1565);
    assert_all_4dp("dL/dw", &bp.dw, &[1.0045, -0.2511]);
    assert_4dp("dL/db", bp.db, 0.5022);
    assert_all_4dp("w after one step", &bp.w_after, &[0.2969, 3.1757]);
    assert_4dp("b after one step", bp.b_after, -1.5516);
    assert_4dp("y next", bp.y_next, -0.9878);
    // The lecture gives two significant digits here: 0.00015.
    assert!(
        (bp.loss_next - 0.00015).abs() < 5e-6,
        "L next: {}",
        bp.loss_next
    );
}

#[path = "../examples/lecture/training.rs"]
#[allow(dead_code)]
mod training;

use neurotext::prelude::{Activation, Init};

#[test]
fn logistic_regression_is_one_neuron_whose_loss_falls_until_the_boundary_separates() {
    let run = training::logistic_regression().unwrap();
    assert!(
        run.losses.windows(2).all(|w| w[1] <= w[0]),
        "full-batch GD on a convex loss never goes up"
    );
    assert!(
        run.losses.last().unwrap() < &(run.losses[0] / 5.0),
        "{:?}",
        run.losses.last()
    );
    assert_eq!(run.accuracy, 1.0);
    let (w1, w2, b) = run.boundary;
    let pts = training::separable_points();
    for j in 0..pts.t.len() {
        let side = w1 * pts.x[(0, j)] + w2 * pts.x[(1, j)] + b > 0.0;
        assert_eq!(side, pts.t[(0, j)] > 0.5, "point {j} is on the wrong side");
    }
}

#[test]
fn step_size_regimes_match_the_lecture() {
    let slow = training::step_size_trajectory(0.1, 6).unwrap();
    assert!(
        slow.windows(2).all(|w| w[1] > 0.0 && w[1] < w[0]),
        "α = 0.1 converges monotonically: {slow:?}"
    );
    assert!(
        slow[6] > 0.5,
        "α = 0.1 is slow: still at {} after 6 steps",
        slow[6]
    );

    let exact = training::step_size_trajectory(0.5, 3).unwrap();
    assert!(
        exact[1..].iter().all(|x| x.abs() < 1e-6),
        "α = 0.5 lands on the minimum in one step: {exact:?}"
    );

    let flips = training::step_size_trajectory(0.8, 6).unwrap();
    assert!(
        flips
            .windows(2)
            .all(|w| w[0] * w[1] < 0.0 && w[1].abs() < w[0].abs()),
        "α = 0.8 converges while the sign flips: {flips:?}"
    );

    let diverges = training::step_size_trajectory(1.01, 6).unwrap();
    assert!(
        diverges.windows(2).all(|w| w[1].abs() > w[0].abs()),
        "α = 1.01 diverges: {diverges:?}"
    );
}

#[test]
fn mlp_with_tanh_learns_xor_and_with_identity_cannot_beat_75_percent() {
    let (_, tanh) = training::train_xor(Activation::Tanh, Init::XavierUniform).unwrap();
    assert_eq!(tanh, 1.0);
    let (_, identity) = training::train_xor(Activation::Identity, Init::XavierUniform).unwrap();
    assert!(identity <= 0.75, "a linear model scored {identity}");
}

#[test]
fn constant_init_keeps_hidden_units_identical_and_xavier_breaks_the_symmetry() {
    let (net, _) = training::train_xor(Activation::Tanh, Init::Constant(0.5)).unwrap();
    let rows = training::hidden_unit_weights(&net);
    for r in &rows[1..] {
        for (a, b) in r.iter().zip(&rows[0]) {
            assert!(
                (a - b).abs() < 1e-6,
                "hidden units diverged under constant init: {rows:?}"
            );
        }
    }
    let (net, acc) = training::train_xor(Activation::Tanh, Init::XavierUniform).unwrap();
    let rows = training::hidden_unit_weights(&net);
    assert!(rows.windows(2).any(|w| w[0] != w[1]), "{rows:?}");
    assert_eq!(acc, 1.0);
}

#[test]
fn every_optimizer_descends_rosenbrocks_function() {
    let start = training::rosenbrock_start().unwrap();
    for (name, f) in training::optimizers_side_by_side(2000).unwrap() {
        assert!(f < start, "{name}: {f} ≥ {start}");
    }
}

#[path = "../examples/lecture/recurrent.rs"]
#[allow(dead_code)]
mod recurrent;

#[test]
fn rnn_with_unit_weights_counts_ones() {
    assert_eq!(recurrent::count_ones(&[1, 0, 1, 1, 0]).unwrap(), 3.0);
    assert_eq!(recurrent::count_ones(&[0, 0, 0]).unwrap(), 0.0);
    assert_eq!(recurrent::count_ones(&[1; 40]).unwrap(), 40.0);
}

#[test]
fn lstm_step_matches_lecture_example() {
    let steps = recurrent::lecture_lstm().unwrap();
    let lecture = [
        [0.81775, 0.96083, 0.85195, 0.81757, 0.78572, 0.53631],
        [0.8498, 0.98118, 0.8703, 0.84993, 1.5176, 0.77197],
    ];
    for (t, (s, l)) in steps.iter().zip(lecture).enumerate() {
        let got = [s.a, s.i, s.f, s.o, s.state, s.h];
        for (k, name) in ["a", "i", "f", "o", "state", "h"].iter().enumerate() {
            assert_4dp(&format!("step {t} {name}"), got[k], l[k]);
        }
    }
}

#[test]
fn rnn_gradient_vanishes_orders_of_magnitude_faster_than_lstm_gradient() {
    let table = recurrent::vanishing_gradient(&[2, 10, 50]).unwrap();
    let (_, rnn_2, lstm_2) = table[0];
    let (_, rnn_50, lstm_50) = table[2];
    let rnn_fall = rnn_2 / rnn_50;
    let lstm_fall = lstm_2 / lstm_50;
    assert!(rnn_fall > 1e6, "the RNN's gradient fell only {rnn_fall}×");
    assert!(
        rnn_fall > 1e4 * lstm_fall,
        "RNN fell {rnn_fall}×, LSTM {lstm_fall}×"
    );
}

#[test]
fn lstm_remembers_the_first_token_and_simple_rnn_does_not() {
    let (rnn, lstm) = recurrent::long_range_memory(50).unwrap();
    assert!(lstm >= 0.95, "LSTM validation accuracy {lstm}");
    assert!(
        rnn <= 0.65,
        "simple RNN validation accuracy {rnn}: it should not beat chance by much"
    );
}
