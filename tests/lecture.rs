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
