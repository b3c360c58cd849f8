//! Each optimizer against steps computed by hand, convergence on a quadratic, Nesterov
//! against the lecture's literal definition, and exact resumption from saved state.

use neurotext_autodiff::{Graph, Matrix, Module, Param};
use neurotext_optim::{
    Adagrad, Adam, AnyOptimizer, Epsilon, Momentum, Nesterov, Optimizer, RmsProp, Sgd,
    clip_grad_norm, grad_norm,
};

/// Runs three steps on θ₀ = 1 with the gradients 0.5, −0.2, 0.1 given by hand.
fn three_steps(opt: &mut dyn Optimizer) -> Vec<f32> {
    let mut theta = Param::new(Matrix::from_element(1, 1, 1.0));
    [0.5, -0.2, 0.1]
        .iter()
        .map(|&g| {
            theta.grad_mut()[0] = g;
            opt.step(&mut theta).unwrap();
            theta.value()[0]
        })
        .collect()
}

fn assert_steps(name: &str, got: &[f32], expected: &[f32]) {
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert!(
            (g - e).abs() < 1e-6,
            "{name} step {}: got {g}, expected {e}",
            i + 1
        );
    }
}

#[test]
fn sgd_matches_hand_computed_steps() {
    // θ ← θ − 0.1·g: 1 − 0.05 = 0.95; 0.95 + 0.02 = 0.97; 0.97 − 0.01 = 0.96.
    assert_steps("sgd", &three_steps(&mut Sgd::new(0.1)), &[0.95, 0.97, 0.96]);
}

#[test]
fn momentum_matches_hand_computed_steps() {
    // m ← 0.9m + 0.1g; θ ← θ − m.
    // m₁ = 0.05, θ₁ = 0.95; m₂ = 0.045 − 0.02 = 0.025, θ₂ = 0.925; m₃ = 0.0225 + 0.01 = 0.0325, θ₃ = 0.8925.
    assert_steps(
        "momentum",
        &three_steps(&mut Momentum::new(0.1)),
        &[0.95, 0.925, 0.8925],
    );
}

#[test]
fn nesterov_matches_hand_computed_steps() {
    // Look-ahead form: v ← 0.9v + 0.1g; φ ← φ − (0.1g + 0.9v).
    // v₁ = 0.05, φ₁ = 1 − (0.05 + 0.045) = 0.905;
    // v₂ = 0.025, φ₂ = 0.905 − (−0.02 + 0.0225) = 0.9025;
    // v₃ = 0.0325, φ₃ = 0.9025 − (0.01 + 0.02925) = 0.86325.
    assert_steps(
        "nesterov",
        &three_steps(&mut Nesterov::new(0.1)),
        &[0.905, 0.9025, 0.86325],
    );
}

#[test]
fn adagrad_matches_hand_computed_steps() {
    // G ← G + g²; θ ← θ − 0.1g/√(G + 1e-8).
    // G₁ = 0.25, θ₁ = 1 − 0.05/0.5 = 0.9;
    // G₂ = 0.29, θ₂ = 0.9 + 0.02/0.5385165 = 0.9371391;
    // G₃ = 0.30, θ₃ = 0.9371391 − 0.01/0.5477226 = 0.9188817.
    assert_steps(
        "adagrad",
        &three_steps(&mut Adagrad::new(0.1)),
        &[0.9, 0.9371391, 0.9188817],
    );
}

#[test]
fn rmsprop_matches_hand_computed_steps() {
    // E ← 0.9E + 0.1g²; θ ← θ − 0.1g/√(E + 1e-8).
    // E₁ = 0.025, θ₁ = 1 − 0.05/0.1581139 = 0.6837723;
    // E₂ = 0.0265, θ₂ = 0.6837723 + 0.02/0.1627882 = 0.8066313;
    // E₃ = 0.02485, θ₃ = 0.8066313 − 0.01/0.1576388 = 0.7431952.
    assert_steps(
        "rmsprop",
        &three_steps(&mut RmsProp::new(0.1)),
        &[0.6837723, 0.8066313, 0.7431952],
    );
}

#[test]
fn adam_matches_hand_computed_steps() {
    // m ← 0.9m + 0.1g, v ← 0.999v + 0.001g², m̂ = m/(1 − 0.9ᵗ), v̂ = v/(1 − 0.999ᵗ),
    // θ ← θ − 0.1·m̂/√(v̂ + 1e-8).
    // t=1: m̂ = 0.5, v̂ = 0.25, θ₁ = 1 − 0.1·0.5/0.5 = 0.9;
    // t=2: m = 0.025, v = 0.00028975, m̂ = 0.1315789, v̂ = 0.1449475, θ₂ = 0.9 − 0.0345606 = 0.8654394;
    // t=3: θ₃ = 0.8275002.
    assert_steps(
        "adam",
        &three_steps(&mut Adam::new(0.1)),
        &[0.9, 0.8654394, 0.8275002],
    );
}

#[test]
fn adam_epsilon_placement_follows_the_lecture_by_default_and_pytorch_on_request() {
    // One step with g = 1e-4: m̂ = 1e-4, v̂ = 1e-8.
    // Inside (lecture): θ = 1 − 0.1·1e-4/√(1e-8 + 1e-8) = 1 − 0.0707107 = 0.9292893.
    // Outside (PyTorch): θ = 1 − 0.1·1e-4/(1e-4 + 1e-8) = 0.9000100.
    let one_step = |opt: &mut Adam| {
        let mut theta = Param::new(Matrix::from_element(1, 1, 1.0));
        theta.grad_mut()[0] = 1e-4;
        opt.step(&mut theta).unwrap();
        theta.value()[0]
    };
    let inside = one_step(&mut Adam::new(0.1));
    let outside = one_step(&mut Adam::new(0.1).with_eps(1e-8, Epsilon::OutsideRoot));
    assert!((inside - 0.9292893).abs() < 1e-6, "{inside}");
    assert!((outside - 0.900_01).abs() < 1e-6, "{outside}");
}

/// L(θ) = Σᵢ aᵢ(θᵢ − cᵢ)², an ill-conditioned bowl with its minimum at c.
fn quadratic_loss<'g>(g: &'g Graph, theta: &Param) -> neurotext_autodiff::Var<'g> {
    let a = Matrix::from_row_slice(1, 3, &[1.0, 5.0, 0.5]);
    let c = Matrix::from_row_slice(1, 3, &[2.0, -1.0, 0.5]);
    let diff = g.param(theta).sub(g.constant(c)).unwrap();
    diff.square().mul(g.constant(a)).unwrap().sum()
}

fn minimise(opt: &mut dyn Optimizer, steps: usize) -> (f32, Param) {
    let mut theta = Param::new(Matrix::zeros(1, 3));
    for _ in 0..steps {
        theta.zero_grad();
        let g = Graph::new();
        let loss = quadratic_loss(&g, &theta);
        g.backward_into(loss, &mut theta).unwrap();
        opt.step(&mut theta).unwrap();
    }
    let loss = quadratic_loss(&Graph::no_grad(), &theta).scalar();
    (loss, theta)
}

#[test]
fn every_optimizer_converges_on_a_quadratic() {
    let start = quadratic_loss(&Graph::no_grad(), &Param::new(Matrix::zeros(1, 3))).scalar();
    let cases: Vec<(&str, Box<dyn Optimizer>)> = vec![
        ("sgd", Box::new(Sgd::new(0.05))),
        ("momentum", Box::new(Momentum::new(0.02))),
        ("nesterov", Box::new(Nesterov::new(0.02))),
        ("adagrad", Box::new(Adagrad::new(0.5))),
        ("rmsprop", Box::new(RmsProp::new(0.01))),
        ("adam", Box::new(Adam::new(0.05))),
    ];
    for (name, mut opt) in cases {
        let (loss, theta) = minimise(opt.as_mut(), 500);
        assert!(loss < 1e-3 * start, "{name}: loss {loss} from {start}");
        let expected = [2.0, -1.0, 0.5];
        for (t, e) in theta.value().iter().zip(expected) {
            assert!(
                (t - e).abs() < 0.05,
                "{name}: θ = {:?}",
                theta.value().as_slice()
            );
        }
    }
}

#[test]
fn nesterov_follows_the_lecture_definition_step_for_step() {
    // The lecture, literally: the gradient is taken at θ − βv.
    // v ← βv + η∇L(θ − βv); θ ← θ − v. Our parameter holds the look-ahead point φ = θ − βv.
    let (lr, beta) = (0.02f32, 0.9f32);
    let grad_at = |point: &Matrix| {
        let p = Param::new(point.clone());
        let g = Graph::new();
        let loss = quadratic_loss(&g, &p);
        g.backward(loss).unwrap().of_param(&p).unwrap().clone()
    };
    let mut theta = Matrix::zeros(1, 3);
    let mut v = Matrix::zeros(1, 3);
    let mut phi = Param::new(Matrix::zeros(1, 3));
    let mut opt = Nesterov::new(lr).with_beta(beta);
    for step in 1..=50 {
        let look_ahead = &theta - &v * beta;
        v = &v * beta + grad_at(&look_ahead) * lr;
        theta -= &v;

        phi.zero_grad();
        let g = Graph::new();
        let loss = quadratic_loss(&g, &phi);
        g.backward_into(loss, &mut phi).unwrap();
        opt.step(&mut phi).unwrap();

        let lecture_phi = &theta - &v * beta;
        let diff = (phi.value() - &lecture_phi).abs().max();
        assert!(
            diff < 1e-5,
            "step {step}: φ = {:?}, lecture θ − βv = {:?}",
            phi.value().as_slice(),
            lecture_phi.as_slice()
        );
    }
}

#[test]
fn saved_optimizer_state_resumes_training_exactly() {
    let config = bincode::config::standard();
    for name in ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"] {
        // 20 steps straight.
        let mut straight = AnyOptimizer::by_name(name, 0.01).unwrap();
        let mut theta_a = Param::new(Matrix::zeros(1, 3));
        // 10 steps, save, restore into a new value, 10 more.
        let mut first = AnyOptimizer::by_name(name, 0.01).unwrap();
        let mut theta_b = Param::new(Matrix::zeros(1, 3));
        let step = |opt: &mut AnyOptimizer, theta: &mut Param| {
            theta.zero_grad();
            let g = Graph::new();
            let loss = quadratic_loss(&g, theta);
            g.backward_into(loss, theta).unwrap();
            opt.step(theta).unwrap();
        };
        for _ in 0..20 {
            step(&mut straight, &mut theta_a);
        }
        for _ in 0..10 {
            step(&mut first, &mut theta_b);
        }
        let bytes = bincode::serde::encode_to_vec(&first, config).unwrap();
        let (mut resumed, _): (AnyOptimizer, usize) =
            bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(resumed, first);
        for _ in 0..10 {
            step(&mut resumed, &mut theta_b);
        }
        assert_eq!(
            theta_a.value(),
            theta_b.value(),
            "{name}: resumed training must be bit-identical"
        );
    }
}

#[test]
fn state_of_another_model_is_refused_with_the_parameter_named() {
    let mut opt = Adam::new(0.1);
    let mut small = Param::new(Matrix::zeros(2, 2));
    opt.step(&mut small).unwrap();
    let mut big = Param::new(Matrix::zeros(3, 2));
    let err = opt.step(&mut big).unwrap_err().to_string();
    assert!(err.contains("[2, 2]") && err.contains("[3, 2]"), "{err}");
}

#[test]
fn weight_decay_is_decoupled_from_the_gradient() {
    // With a zero gradient, AdamW-style decay alone shrinks θ by (1 − ηλ) per step.
    let mut theta = Param::new(Matrix::from_element(1, 1, 2.0));
    let mut opt = Adam::new(0.1).with_weight_decay(0.5);
    let untouched = theta.value().clone();
    opt.step(&mut theta).unwrap();
    assert_eq!(
        theta.value(),
        &untouched,
        "a parameter that received no gradient is skipped"
    );
    theta.grad_mut().fill(0.0);
    opt.step(&mut theta).unwrap();
    assert!((theta.value()[0] - 2.0 * 0.95).abs() < 1e-6);
    let mut sgd = Sgd::new(0.1).with_weight_decay(0.5);
    sgd.step(&mut theta).unwrap();
    assert!((theta.value()[0] - 2.0 * 0.95 * 0.95).abs() < 1e-6);
}

#[test]
fn clipping_scales_the_global_norm_and_keeps_direction() {
    let mut params = vec![
        Param::new(Matrix::zeros(1, 2)),
        Param::new(Matrix::zeros(1, 1)),
    ];
    params[0].grad_mut().copy_from_slice(&[3.0, 0.0]);
    params[1].grad_mut()[0] = 4.0;
    assert_eq!(grad_norm(&mut params), 5.0);
    assert_eq!(clip_grad_norm(&mut params, 1.0).unwrap(), 5.0);
    assert!((grad_norm(&mut params) - 1.0).abs() < 1e-6);
    assert!((params[0].grad()[0] - 0.6).abs() < 1e-6 && (params[1].grad()[0] - 0.8).abs() < 1e-6);
    assert_eq!(
        clip_grad_norm(&mut params, 10.0).unwrap(),
        1.0,
        "below the threshold nothing changes"
    );
}

#[test]
fn clipping_refuses_a_max_norm_that_is_not_positive_and_finite() {
    for bad in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let mut p = Param::new(Matrix::zeros(1, 2));
        p.grad_mut().copy_from_slice(&[3.0, 4.0]);
        let err = clip_grad_norm(&mut p, bad).unwrap_err().to_string();
        assert!(
            err.contains("max_norm") && err.contains(&format!("got {bad}")),
            "{err}"
        );
        assert_eq!(p.grad().as_slice(), [3.0, 4.0], "max_norm {bad} scaled");
    }
}

/// Every optimizer, with every out-of-range hyperparameter: each step is refused with the
/// setting's name and value, before any parameter or state changes.
#[test]
fn out_of_range_hyperparameters_are_refused_by_step_with_their_name() {
    let cases: Vec<(AnyOptimizer, &str)> = vec![
        (
            AnyOptimizer::Sgd(Sgd::new(-0.1)),
            "sgd: learning rate must be finite and at least 0, got -0.1",
        ),
        (AnyOptimizer::Sgd(Sgd::new(f32::NAN)), "got NaN"),
        (
            AnyOptimizer::Sgd(Sgd::new(0.1).with_weight_decay(-1.0)),
            "weight_decay",
        ),
        (
            AnyOptimizer::Momentum(Momentum::new(0.1).with_beta(1.0)),
            "momentum: beta must be in [0, 1), got 1",
        ),
        (
            AnyOptimizer::Momentum(Momentum::new(0.1).with_beta(-0.1)),
            "beta",
        ),
        (
            AnyOptimizer::Nesterov(Nesterov::new(0.1).with_beta(f32::NAN)),
            "nesterov: beta",
        ),
        (
            AnyOptimizer::Adagrad(Adagrad::new(0.1).with_eps(0.0)),
            "adagrad: eps must be positive",
        ),
        (
            AnyOptimizer::RmsProp(RmsProp::new(0.1).with_gamma(1.5)),
            "rmsprop: gamma must be in [0, 1), got 1.5",
        ),
        (
            AnyOptimizer::RmsProp(RmsProp::new(0.1).with_eps(-1e-8)),
            "rmsprop: eps",
        ),
        (
            AnyOptimizer::Adam(Adam::new(0.1).with_betas(1.0, 0.999)),
            "adam: beta1 must be in [0, 1), got 1",
        ),
        (
            AnyOptimizer::Adam(Adam::new(0.1).with_betas(0.9, 1.0)),
            "adam: beta2 must be in [0, 1), got 1",
        ),
        (
            AnyOptimizer::Adam(Adam::new(0.1).with_eps(f32::INFINITY, Epsilon::OutsideRoot)),
            "adam: eps",
        ),
        (
            AnyOptimizer::Adam(Adam::new(0.1).with_weight_decay(f32::NAN)),
            "adam: weight_decay",
        ),
    ];
    for (mut opt, needle) in cases {
        // Compared as text: a NaN setting is not equal to itself.
        let before = format!("{opt:?}");
        let mut theta = Param::new(Matrix::from_element(1, 1, 1.0));
        theta.grad_mut()[0] = 0.5;
        let err = opt.step(&mut theta).unwrap_err();
        assert!(
            matches!(err, neurotext_optim::Error::Config { .. })
                && err.to_string().contains(needle),
            "{err} (expected {needle:?})"
        );
        assert_eq!(theta.value()[0], 1.0, "{needle}: the parameter moved");
        assert_eq!(
            format!("{opt:?}"),
            before,
            "{needle}: the optimizer state changed"
        );
    }
    // A learning rate of 0 is allowed (a schedule may anneal down to it), as in PyTorch.
    let mut theta = Param::new(Matrix::from_element(1, 1, 1.0));
    theta.grad_mut()[0] = 0.5;
    Adam::new(0.0).step(&mut theta).unwrap();
    assert_eq!(theta.value()[0], 1.0);
    // set_learning_rate stores any value; the next step refuses a bad one.
    let mut opt = Sgd::new(0.1);
    opt.set_learning_rate(f32::INFINITY);
    let err = opt.step(&mut theta).unwrap_err().to_string();
    assert!(
        err.contains("learning rate") && err.contains("inf"),
        "{err}"
    );
}

/// Two distinct parameters that both call themselves "w".
struct Twins(Param, Param);

impl Module for Twins {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        self.0
            .visit_params(&neurotext_autodiff::join_name(prefix, "w"), f);
        self.1
            .visit_params(&neurotext_autodiff::join_name(prefix, "w"), f);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        self.0
            .visit_params_mut(&neurotext_autodiff::join_name(prefix, "w"), f);
        self.1
            .visit_params_mut(&neurotext_autodiff::join_name(prefix, "w"), f);
    }
}

#[test]
fn two_parameters_with_one_name_are_refused_instead_of_sharing_state() {
    for name in neurotext_optim::OPTIMIZER_NAMES {
        let mut opt = AnyOptimizer::by_name(name, 0.1).unwrap();
        let mut twins = Twins(
            Param::new(Matrix::from_element(1, 1, 1.0)),
            Param::new(Matrix::from_element(1, 1, 2.0)),
        );
        twins.0.grad_mut()[0] = 1.0;
        twins.1.grad_mut()[0] = 1.0;
        let err = opt.step(&mut twins).unwrap_err();
        assert_eq!(
            err,
            neurotext_optim::Error::DuplicateName { name: "w".into() },
            "{name}"
        );
        assert!(err.to_string().contains("named \"w\""), "{err}");
        assert_eq!(
            (twins.0.value()[0], twins.1.value()[0]),
            (1.0, 2.0),
            "{name}"
        );
    }
}

#[test]
fn optimizers_are_chosen_by_name_and_unknown_names_are_refused() {
    for name in neurotext_optim::OPTIMIZER_NAMES {
        assert_eq!(AnyOptimizer::by_name(name, 0.1).unwrap().name(), name);
    }
    let err = AnyOptimizer::by_name("adamw2", 0.1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("adamw2") && err.contains("rmsprop"), "{err}");
    assert!(AnyOptimizer::by_name("sgd", 0.0).is_err());
    assert!(AnyOptimizer::by_name("sgd", f32::NAN).is_err());
}

#[test]
fn learning_rate_can_be_changed_between_steps() {
    let mut opt = AnyOptimizer::by_name("sgd", 0.1).unwrap();
    opt.set_learning_rate(0.5);
    assert_eq!(opt.learning_rate(), 0.5);
    let mut theta = Param::new(Matrix::from_element(1, 1, 1.0));
    theta.grad_mut()[0] = 1.0;
    opt.step(&mut theta).unwrap();
    assert_eq!(theta.value()[0], 0.5);
    let _ = theta.num_params();
}

#[test]
fn sparse_column_gradients_update_only_their_columns_lazily() {
    use neurotext_autodiff::{Axis, GradSupport};
    // An embedding table of 5 words; the batch uses words 1 and 3.
    let table = Matrix::from_fn(2, 5, |i, j| (i * 5 + j) as f32);
    let mut p = Param::new(table.clone());
    let mut opt = Adam::new(0.1);
    for _ in 0..3 {
        p.zero_grad();
        let g = Graph::new();
        let loss = g
            .param(&p)
            .gather(Axis::Cols, &[3, 1, 3])
            .unwrap()
            .square()
            .sum();
        g.backward_into(loss, &mut p).unwrap();
        assert_eq!(p.support(), &GradSupport::Columns(vec![1, 3]));
        opt.step(&mut p).unwrap();
    }
    for j in 0..5 {
        let moved = (p.value().column(j) - table.column(j)).abs().max() > 0.0;
        assert_eq!(moved, j == 1 || j == 3, "column {j}");
    }
    // The same steps with the gradient made dense give the same result on those columns
    // (zeros elsewhere leave Adam's update at zero): lazy and dense agree where it matters.
    let mut q = Param::new(table.clone());
    let mut opt = Adam::new(0.1);
    for _ in 0..3 {
        q.zero_grad();
        let g = Graph::new();
        let loss = g
            .param(&q)
            .gather(Axis::Cols, &[3, 1, 3])
            .unwrap()
            .square()
            .sum();
        g.backward_into(loss, &mut q).unwrap();
        let _ = q.grad_mut();
        opt.step(&mut q).unwrap();
    }
    assert_eq!(p.value(), q.value());
}
