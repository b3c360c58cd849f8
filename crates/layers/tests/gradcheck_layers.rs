//! Every layer's parameter gradients (and input gradients) against finite differences.

use std::sync::Arc;

use neurotext_autodiff::{GradcheckOptions, Graph, Module, gradcheck, gradcheck_params};
use neurotext_layers::{
    Activation, Dropout, Embedding, Init, Layer, Linear, Loss, Residual, Sequential, Target,
};
use neurotext_linalg::random::{seeded_rng, uniform};
use neurotext_linalg::{CsrMatrix, Matrix};

fn batch(rows: usize, cols: usize, seed: u64) -> Matrix {
    uniform(rows, cols, -1.0, 1.0, &mut seeded_rng(seed))
}

#[test]
fn linear_gradients_match_finite_differences_for_every_activation() {
    for act in [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softmax,
    ] {
        for (d_in, d_out, n) in [(3, 2, 4), (1, 1, 1), (4, 1, 3), (1, 3, 1)] {
            let mut layer = Linear::new(d_in, d_out, &mut seeded_rng(1))
                .unwrap()
                .with_activation(act);
            let x = batch(d_in, n, 2);
            gradcheck_params("Linear", &mut layer, GradcheckOptions::default(), |g, l| {
                l.forward(g, g.constant(x.clone()))
            })
            .unwrap_or_else(|e| panic!("{act:?} {d_in}->{d_out}: {e}"));
            let l = layer.clone();
            gradcheck("Linear(input)", std::slice::from_ref(&x), |g, v| {
                l.forward(g, v[0])
            })
            .unwrap();
        }
    }
}

#[test]
fn linear_relu_gradient_matches_finite_differences_away_from_the_kink() {
    // Weights and inputs chosen so that no pre-activation is within ε of 0.
    let w = Matrix::from_row_slice(2, 2, &[0.5, -0.3, 0.8, 0.9]);
    let mut layer = Linear::from_weights(w, Matrix::from_column_slice(2, 1, &[0.1, -0.2]))
        .unwrap()
        .with_activation(Activation::Relu);
    let x = Matrix::from_row_slice(2, 3, &[1.0, -1.0, 0.5, 0.4, 0.7, -0.9]);
    gradcheck_params(
        "Linear(relu)",
        &mut layer,
        GradcheckOptions::default(),
        |g, l| l.forward(g, g.constant(x.clone())),
    )
    .unwrap();
}

#[test]
fn linear_on_sparse_rows_matches_dense_forward_and_gradients() {
    let mut x = CsrMatrix::with_cols(5);
    x.push_row(&mut [(0, 1.0), (3, 2.0)]).unwrap();
    x.push_row(&mut [(4, 1.0)]).unwrap();
    let x = Arc::new(x);
    let mut layer = Linear::new(5, 3, &mut seeded_rng(4))
        .unwrap()
        .with_activation(Activation::Tanh);
    let g = Graph::new();
    let sparse = layer.forward_sparse(&g, &x).unwrap().value();
    let dense = layer
        .forward(&g, g.constant(x.to_dense().transpose()))
        .unwrap()
        .value();
    assert!((&*sparse - &*dense).abs().max() < 1e-6);
    gradcheck_params(
        "Linear(sparse)",
        &mut layer,
        GradcheckOptions::default(),
        |g, l| l.forward_sparse(g, &x),
    )
    .unwrap();
}

#[test]
fn sequential_and_residual_gradients_match_finite_differences() {
    let mut rng = seeded_rng(3);
    let mut net = Sequential::new()
        .push(
            Linear::new(3, 4, &mut rng)
                .unwrap()
                .with_activation(Activation::Tanh),
        )
        .push(Residual::new(
            Linear::new(4, 4, &mut rng)
                .unwrap()
                .with_activation(Activation::Sigmoid),
        ))
        .push(Linear::new(4, 2, &mut rng).unwrap());
    let names: Vec<String> = net.named_params().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "0.weight",
            "0.bias",
            "1.inner.weight",
            "1.inner.bias",
            "2.weight",
            "2.bias"
        ]
    );
    let x = batch(3, 5, 9);
    gradcheck_params(
        "Sequential",
        &mut net,
        GradcheckOptions::default(),
        |g, n| {
            let y = n.forward(g, g.constant(x.clone()))?;
            Loss::CrossEntropy { ignore_index: None }.compute(
                g,
                y,
                &Target::Classes(vec![0, 1, 1, 0, 1]),
            )
        },
    )
    .unwrap();
}

#[test]
fn residual_adds_its_input() {
    let layer =
        Residual::new(Linear::from_weights(Matrix::identity(2, 2), Matrix::zeros(2, 1)).unwrap());
    let g = Graph::new();
    let y = layer
        .forward(
            &g,
            g.constant(Matrix::from_column_slice(2, 1, &[1.0, -2.0])),
        )
        .unwrap();
    assert_eq!(y.value().as_slice(), &[2.0, -4.0]);
    let bad = Residual::new(Linear::new(2, 3, &mut seeded_rng(0)).unwrap());
    let err = bad
        .forward(&g, g.constant(Matrix::zeros(2, 1)))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("add") && err.contains("[2, 1]") && err.contains("[3, 1]"),
        "{err}"
    );
}

#[test]
fn embedding_gradient_matches_finite_differences_with_repeated_ids() {
    let mut emb = Embedding::new(6, 3, &mut seeded_rng(5)).unwrap();
    let ids = [4, 0, 4, 2];
    gradcheck_params(
        "Embedding",
        &mut emb,
        GradcheckOptions::default(),
        |g, e| e.forward(g, &ids).map(|v| v.tanh()),
    )
    .unwrap();
    let g = Graph::new();
    let err = emb.forward(&g, &[1, 6]).unwrap_err().to_string();
    assert!(err.contains("index 6 at position 1"), "{err}");
}

#[test]
fn dropout_layer_is_identity_in_evaluation_and_rejects_bad_p() {
    let d = Dropout::new(0.5).unwrap();
    let x = batch(4, 4, 1);
    let g = Graph::new();
    assert_eq!(*d.forward(&g, g.constant(x.clone())).unwrap().value(), x);
    let g = Graph::training(1);
    assert_ne!(*d.forward(&g, g.constant(x.clone())).unwrap().value(), x);
    assert!(Dropout::new(1.0).is_err() && Dropout::new(-0.1).is_err());
}

#[test]
fn losses_as_layers_check_target_kinds() {
    let g = Graph::new();
    let y = g.input(batch(2, 3, 1));
    for loss in [Loss::Mse, Loss::Mae, Loss::BceWithLogits] {
        assert!(
            loss.compute(&g, y, &Target::Classes(vec![0, 1, 0]))
                .is_err()
        );
        let l = loss
            .compute(&g, y, &Target::Values(batch(2, 3, 2)))
            .unwrap();
        assert_eq!(l.shape(), (1, 1));
    }
    assert!(
        Loss::CrossEntropy { ignore_index: None }
            .compute(&g, y, &Target::Values(batch(2, 3, 2)))
            .is_err()
    );
    let l = Loss::CrossEntropy { ignore_index: None }
        .compute(&g, y, &Target::Classes(vec![0, 1, 0]))
        .unwrap();
    assert!(l.scalar() > 0.0);
}

#[test]
fn linear_counts_parameters_as_the_lecture_does() {
    let l = Linear::with_init(10, 5, Init::NormalOverDim, &mut seeded_rng(0)).unwrap();
    assert_eq!(l.num_params(), (10 + 1) * 5);
    assert_eq!(l.clone().without_bias().num_params(), 50);
    assert!(Linear::new(0, 3, &mut seeded_rng(0)).is_err());
}
