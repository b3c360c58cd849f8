//! The tape itself: gradient routing, accumulation, inference mode and error reporting.

use neurotext_autodiff::{Axis, Error, Graph, Matrix, Module, Param, concat, join_name};

struct TwoParams {
    w: Param,
    b: Param,
}

impl Module for TwoParams {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        f(join_name(prefix, "w"), &self.w);
        f(join_name(prefix, "b"), &self.b);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        f(join_name(prefix, "w"), &mut self.w);
        f(join_name(prefix, "b"), &mut self.b);
    }
}

fn model() -> TwoParams {
    TwoParams {
        w: Param::new(Matrix::from_row_slice(1, 2, &[0.5, -1.0])),
        b: Param::new(Matrix::from_element(1, 1, 0.25)),
    }
}

#[test]
fn backward_into_accumulates_into_param_grads_across_calls() {
    let mut m = model();
    let x = Matrix::from_column_slice(2, 1, &[2.0, 3.0]);
    for _ in 0..2 {
        let g = Graph::new();
        let y = g
            .param(&m.w)
            .matmul(g.constant(x.clone()))
            .unwrap()
            .add(g.param(&m.b))
            .unwrap();
        let rest = g.backward_into(y.sum(), &mut m).unwrap();
        assert!(
            rest.of_param(&m.w).is_none(),
            "routed params are not returned again"
        );
    }
    assert_eq!(m.w.grad(), &Matrix::from_row_slice(1, 2, &[4.0, 6.0]));
    assert_eq!(m.b.grad(), &Matrix::from_element(1, 1, 2.0));
    m.zero_grad();
    assert_eq!(m.w.grad().sum(), 0.0);
}

#[test]
fn param_used_twice_receives_the_sum_of_both_paths() {
    let m = model();
    let g = Graph::new();
    let w1 = g.param(&m.w);
    let w2 = g.param(&m.w);
    let loss = w1.add(w2).unwrap().sum();
    let grads = g.backward(loss).unwrap();
    assert_eq!(
        grads.of_param(&m.w).unwrap(),
        &Matrix::from_row_slice(1, 2, &[2.0, 2.0])
    );
}

#[test]
fn gradients_accumulate_into_a_model_after_plain_backward() {
    let mut m = model();
    let g = Graph::new();
    let loss = g.param(&m.w).square().sum();
    let grads = g.backward(loss).unwrap();
    grads.accumulate_into(&mut m);
    assert_eq!(m.w.grad(), &Matrix::from_row_slice(1, 2, &[1.0, -2.0]));
}

#[test]
fn no_grad_graph_computes_values_but_has_nothing_to_differentiate() {
    let m = model();
    let g = Graph::no_grad();
    let y = g.param(&m.w).tanh().sum();
    assert!((y.scalar() - (0.5f32.tanh() + (-1.0f32).tanh())).abs() < 1e-6);
    assert!(!y.requires_grad());
    let grads = g.backward(y).unwrap();
    assert!(grads.of_param(&m.w).is_none());
}

#[test]
fn updating_a_param_while_a_graph_holds_it_does_not_change_the_graph() {
    let mut m = model();
    let g = Graph::new();
    let w = g.param(&m.w);
    m.w.value_mut()[0] = 100.0;
    assert_eq!(w.value()[0], 0.5);
    assert_eq!(m.w.value()[0], 100.0);
}

#[test]
fn backward_refuses_a_non_scalar_loss() {
    let g = Graph::new();
    let x = g.input(Matrix::zeros(2, 3));
    let err = g.backward(x).unwrap_err();
    assert!(matches!(err, Error::Shape { op: "backward", .. }), "{err}");
    assert!(err.to_string().contains("[2, 3]"));
}

#[test]
fn named_params_are_listed_in_order_with_prefixes() {
    let models = vec![model(), model()];
    let names: Vec<String> = models.named_params().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["0.w", "0.b", "1.w", "1.b"]);
    assert_eq!(models.num_params(), 6);
}

#[test]
fn shape_errors_name_the_op_and_both_shapes() {
    let g = Graph::new();
    let a = g.input(Matrix::zeros(2, 3));
    let b = g.input(Matrix::zeros(3, 2));
    let msg = a.add(b).unwrap_err().to_string();
    assert_eq!(msg, "add: shape mismatch: expected [2, 3], got [3, 2]");
    let msg = a.matmul(a).unwrap_err().to_string();
    assert!(msg.starts_with("matmul") && msg.contains("[2, 3]"), "{msg}");
    let msg = a
        .add_bias(g.input(Matrix::zeros(3, 1)))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("add_bias") && msg.contains("[2, 1]"), "{msg}");
    let msg = concat(&[a, b], Axis::Rows).unwrap_err().to_string();
    assert!(msg.contains("concat"), "{msg}");
}

#[test]
fn index_errors_name_the_position() {
    let g = Graph::new();
    let table = g.input(Matrix::zeros(4, 10));
    let msg = table.gather(Axis::Cols, &[1, 10]).unwrap_err().to_string();
    assert!(msg.contains("index 10 at position 1"), "{msg}");
    let msg = table.slice(Axis::Rows, 3, 2).unwrap_err().to_string();
    assert!(msg.contains("3..5"), "{msg}");
    let logits = g.input(Matrix::zeros(3, 2));
    let msg = logits.cross_entropy(&[0, 3], None).unwrap_err().to_string();
    assert!(msg.contains("target 3 at position 1"), "{msg}");
    let msg = logits.cross_entropy(&[0], None).unwrap_err().to_string();
    assert!(msg.contains("1 targets for 2 columns"), "{msg}");
    assert!(g.input(Matrix::zeros(0, 3)).max_axis(Axis::Rows).is_err());
}

#[test]
fn softmax_and_log_softmax_are_stable_for_large_inputs() {
    let g = Graph::new();
    let x = g.input(Matrix::from_column_slice(3, 1, &[1000.0, 1000.0, -1000.0]));
    let p = x.softmax().value();
    assert!((p[0] - 0.5).abs() < 1e-6 && (p[1] - 0.5).abs() < 1e-6 && p[2] == 0.0);
    let lp = x.log_softmax().value();
    assert!((lp[0] + std::f32::consts::LN_2).abs() < 1e-5 && lp[2].is_finite());
    let big = g.input(Matrix::from_element(1, 1, 200.0));
    let loss = big
        .bce_with_logits(g.constant(Matrix::zeros(1, 1)))
        .unwrap();
    assert!((loss.scalar() - 200.0).abs() < 1e-3);
    let sure = g.input(Matrix::from_element(1, 1, 0.0));
    assert_eq!(
        sure.bce(g.constant(Matrix::from_element(1, 1, 1.0)))
            .unwrap()
            .scalar(),
        100.0
    );
}

#[test]
fn cross_entropy_with_everything_ignored_is_zero() {
    let g = Graph::new();
    let logits = g.input(Matrix::from_element(3, 2, 0.3));
    let loss = logits.cross_entropy(&[7, 7], Some(7)).unwrap();
    assert_eq!(loss.scalar(), 0.0);
    let grads = g.backward(loss).unwrap();
    assert!(
        grads
            .get(logits)
            .is_none_or(|m| m.iter().all(|&v| v == 0.0))
    );
}

#[test]
fn cross_entropy_of_uniform_logits_is_log_of_class_count() {
    let g = Graph::new();
    let logits = g.input(Matrix::zeros(4, 3));
    let loss = logits.cross_entropy(&[0, 1, 3], None).unwrap();
    assert!((loss.scalar() - 4f32.ln()).abs() < 1e-6);
}

#[test]
fn dropout_is_identity_in_evaluation_and_seeded_in_training() {
    let x = Matrix::from_fn(20, 50, |i, j| 1.0 + (i * 50 + j) as f32 * 0.01);
    let g = Graph::new();
    let v = g.input(x.clone());
    assert_eq!(*v.dropout(0.5).unwrap().value(), x);

    let run = |seed| {
        let g = Graph::training(seed);
        let v = g.input(x.clone());
        let y = v.dropout(0.25).unwrap();
        let grads = g.backward(y.sum()).unwrap();
        ((*y.value()).clone(), grads.get(v).unwrap().clone())
    };
    let (y1, g1) = run(7);
    let (y2, _) = run(7);
    let (y3, _) = run(8);
    assert_eq!(y1, y2, "same seed, same mask");
    assert_ne!(y1, y3, "another seed, another mask");
    let dropped = y1.iter().filter(|&&v| v == 0.0).count() as f32 / y1.len() as f32;
    assert!((dropped - 0.25).abs() < 0.05, "dropped fraction {dropped}");
    // Kept elements are scaled by 1/(1 − p), and the gradient is exactly the mask.
    for ((y, x), g) in y1.iter().zip(x.iter()).zip(g1.iter()) {
        let m = if *y == 0.0 { 0.0 } else { 1.0 / 0.75 };
        assert!((y - x * m).abs() < 1e-5 && (g - m).abs() < 1e-6);
    }
    assert!(Graph::new().input(x).dropout(1.0).is_err());
}

#[test]
fn first_non_finite_names_the_op_where_a_fault_began() {
    let g = Graph::new();
    let x = g.input(Matrix::from_row_slice(1, 2, &[1.0, -1.0]));
    let y = x.tanh();
    assert_eq!(g.first_non_finite(), None);
    let bad = y.log();
    let _ = bad.exp();
    assert_eq!(g.first_non_finite(), Some((2, "log")));
}

#[test]
fn detach_stops_the_gradient_but_keeps_the_value() {
    let g = Graph::new();
    let x = g.input(Matrix::from_element(1, 1, 3.0));
    let d = x.square().detach();
    assert_eq!(d.scalar(), 9.0);
    let y = d.mul(x).unwrap().sum();
    let grads = g.backward(y).unwrap();
    // y = 9·x with the square detached: ∂y/∂x = 9, not 27.
    assert_eq!(grads.get(x).unwrap()[0], 9.0);
}

#[test]
fn lookups_and_sparse_products_leave_column_sparse_parameter_gradients() {
    use neurotext_autodiff::GradSupport;
    use neurotext_linalg::CsrMatrix;
    use std::sync::Arc;
    let mut table = Param::new(Matrix::from_element(3, 6, 0.5));
    let g = Graph::new();
    let loss = g
        .param(&table)
        .gather(Axis::Cols, &[4, 1, 4])
        .unwrap()
        .sum();
    g.backward_into(loss, &mut table).unwrap();
    assert_eq!(table.support(), &GradSupport::Columns(vec![1, 4]));

    let mut w = Param::new(Matrix::from_element(2, 6, 0.5));
    let mut x = CsrMatrix::with_cols(6);
    x.push_row(&mut [(5, 1.0), (0, 2.0)]).unwrap();
    let x = Arc::new(x);
    let g = Graph::new();
    let loss = g.param(&w).matmul_csr_t(&x).unwrap().sum();
    g.backward_into(loss, &mut w).unwrap();
    assert_eq!(w.support(), &GradSupport::Columns(vec![0, 5]));
    assert_eq!(w.grad()[(1, 0)], 2.0);
}

#[test]
fn shared_constants_and_inputs_are_not_copied() {
    let data = std::sync::Arc::new(Matrix::from_element(3, 2, 1.5));
    let g = Graph::new();
    let c = g.constant(std::sync::Arc::clone(&data));
    let x = g.input(std::sync::Arc::clone(&data));
    assert!(std::sync::Arc::ptr_eq(&c.value(), &data));
    assert!(std::sync::Arc::ptr_eq(&x.value(), &data));
    // The shared input still gets its gradient: ∂/∂x Σ(x ⊙ c) = c.
    let loss = x.mul(c).unwrap().sum();
    let grads = g.backward(loss).unwrap();
    assert_eq!(grads.get(x).unwrap(), &*data);
}
