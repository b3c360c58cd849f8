//! Every op and every loss against central finite differences, on shapes that include a
//! single row, a single column and a single element.

use neurotext_autodiff::{Axis, Graph, Matrix, Trans, Var, concat, gradcheck};
use neurotext_linalg::CsrMatrix;
use neurotext_linalg::random::{seeded_rng, uniform};
use std::sync::Arc;

const SHAPES: [(usize, usize); 4] = [(1, 1), (1, 5), (4, 1), (3, 4)];

/// A random matrix whose entries are at least 0.05 away from zero (away from the kinks of
/// relu, abs and sign), seeded by its shape and a salt.
fn away_from_zero(r: usize, c: usize, salt: u64) -> Matrix {
    let mut m = uniform(
        r,
        c,
        -1.0,
        1.0,
        &mut seeded_rng((r * 31 + c) as u64 * 1000 + salt),
    );
    m.apply(|v| *v = if *v >= 0.0 { *v + 0.05 } else { *v - 0.05 });
    m
}

fn positive(r: usize, c: usize, salt: u64) -> Matrix {
    uniform(
        r,
        c,
        0.5,
        2.0,
        &mut seeded_rng((r * 31 + c) as u64 * 1000 + salt),
    )
}

/// Distinct values well apart (no ties for max).
fn distinct(r: usize, c: usize) -> Matrix {
    let n = (r * c) as f32;
    let mut m = Matrix::from_fn(r, c, |i, j| {
        ((i * c + j) as f32 * 0.37).sin() * n + (i * c + j) as f32 * 0.11
    });
    m.apply(|v| *v *= 0.5);
    m
}

type Unary = for<'g> fn(Var<'g>) -> neurotext_autodiff::Result<Var<'g>>;
type Binary = for<'g> fn(Var<'g>, Var<'g>) -> neurotext_autodiff::Result<Var<'g>>;

fn check_unary(name: &str, f: Unary, input: fn(usize, usize) -> Matrix) {
    for (r, c) in SHAPES {
        gradcheck(name, &[input(r, c)], |_, v| f(v[0]))
            .unwrap_or_else(|e| panic!("[{r}, {c}]: {e}"));
    }
}

fn check_binary(
    name: &str,
    f: Binary,
    a: fn(usize, usize) -> Matrix,
    b: fn(usize, usize) -> Matrix,
) {
    for (r, c) in SHAPES {
        gradcheck(name, &[a(r, c), b(r, c)], |_, v| f(v[0], v[1]))
            .unwrap_or_else(|e| panic!("[{r}, {c}]: {e}"));
    }
}

fn any(r: usize, c: usize) -> Matrix {
    away_from_zero(r, c, 1)
}
fn any2(r: usize, c: usize) -> Matrix {
    away_from_zero(r, c, 2)
}
fn pos(r: usize, c: usize) -> Matrix {
    positive(r, c, 3)
}
fn prob(r: usize, c: usize) -> Matrix {
    uniform(r, c, 0.1, 0.9, &mut seeded_rng((r * 7 + c) as u64))
}
fn target01(r: usize, c: usize) -> Matrix {
    uniform(r, c, 0.0, 1.0, &mut seeded_rng((r * 13 + c) as u64 + 99))
}

macro_rules! unary_tests {
    ($($test:ident: $name:literal, $f:expr, $input:expr;)*) => {$(
        #[test]
        fn $test() {
            check_unary($name, $f, $input);
        }
    )*};
}

macro_rules! binary_tests {
    ($($test:ident: $name:literal, $f:expr, $a:expr, $b:expr;)*) => {$(
        #[test]
        fn $test() {
            check_binary($name, $f, $a, $b);
        }
    )*};
}

unary_tests! {
    neg_gradient_matches_finite_differences: "neg", |x| Ok(x.neg()), any;
    exp_gradient_matches_finite_differences: "exp", |x| Ok(x.exp()), any;
    log_gradient_matches_finite_differences: "log", |x| Ok(x.log()), pos;
    sigmoid_gradient_matches_finite_differences: "sigmoid", |x| Ok(x.sigmoid()), any;
    tanh_gradient_matches_finite_differences: "tanh", |x| Ok(x.tanh()), any;
    relu_gradient_matches_finite_differences: "relu", |x| Ok(x.relu()), any;
    softmax_gradient_matches_finite_differences: "softmax", |x| Ok(x.softmax()), any;
    log_softmax_gradient_matches_finite_differences: "log_softmax", |x| Ok(x.log_softmax()), any;
    square_gradient_matches_finite_differences: "square", |x| Ok(x.square()), any;
    add_scalar_gradient_matches_finite_differences: "add_scalar", |x| Ok(x.add_scalar(0.7)), any;
    mul_scalar_gradient_matches_finite_differences: "mul_scalar", |x| Ok(x.mul_scalar(-1.7)), any;
    sum_gradient_matches_finite_differences: "sum", |x| Ok(x.sum()), any;
    sum_rows_gradient_matches_finite_differences: "sum_axis(rows)", |x| Ok(x.sum_axis(Axis::Rows)), any;
    sum_cols_gradient_matches_finite_differences: "sum_axis(cols)", |x| Ok(x.sum_axis(Axis::Cols)), any;
    mean_gradient_matches_finite_differences: "mean", |x| Ok(x.mean()), any;
    mean_rows_gradient_matches_finite_differences: "mean_axis(rows)", |x| Ok(x.mean_axis(Axis::Rows)), any;
    mean_cols_gradient_matches_finite_differences: "mean_axis(cols)", |x| Ok(x.mean_axis(Axis::Cols)), any;
    max_rows_gradient_matches_finite_differences: "max_axis(rows)", |x| x.max_axis(Axis::Rows), distinct;
    max_cols_gradient_matches_finite_differences: "max_axis(cols)", |x| x.max_axis(Axis::Cols), distinct;
    transpose_gradient_matches_finite_differences: "transpose", |x| Ok(x.transpose()), any;
    slice_rows_gradient_matches_finite_differences: "slice(rows)", |x| { let n = x.shape().0; x.slice(Axis::Rows, n / 2, n - n / 2) }, any;
    slice_cols_gradient_matches_finite_differences: "slice(cols)", |x| { let n = x.shape().1; x.slice(Axis::Cols, n / 2, n - n / 2) }, any;
    gather_cols_gradient_matches_finite_differences: "gather(cols)", |x| { let n = x.shape().1; x.gather(Axis::Cols, &[n - 1, 0, n - 1]) }, any;
    gather_rows_gradient_matches_finite_differences: "gather(rows)", |x| { let n = x.shape().0; x.gather(Axis::Rows, &[0, n - 1, 0]) }, any;
}

binary_tests! {
    add_gradient_matches_finite_differences: "add", |a, b| a.add(b), any, any2;
    sub_gradient_matches_finite_differences: "sub", |a, b| a.sub(b), any, any2;
    mul_gradient_matches_finite_differences: "mul", |a, b| a.mul(b), any, any2;
    div_gradient_matches_finite_differences: "div", |a, b| a.div(b), any, pos;
    mse_gradient_matches_finite_differences: "mse", |a, b| a.mse(b), any, any2;
    mae_gradient_matches_finite_differences: "mae", |a, b| a.mae(b), any, any2;
    bce_gradient_matches_finite_differences: "bce", |a, b| a.bce(b), prob, target01;
    bce_with_logits_gradient_matches_finite_differences: "bce_with_logits", |a, b| a.bce_with_logits(b), any, target01;
}

#[test]
fn matmul_gradient_matches_finite_differences_for_every_transpose() {
    for (m, k, n) in [(1, 1, 1), (1, 3, 4), (3, 1, 2), (4, 3, 1), (3, 5, 2)] {
        for (ta, tb) in [
            (Trans::No, Trans::No),
            (Trans::Yes, Trans::No),
            (Trans::No, Trans::Yes),
            (Trans::Yes, Trans::Yes),
        ] {
            let a = if ta == Trans::No {
                any(m, k)
            } else {
                any(k, m)
            };
            let b = if tb == Trans::No {
                any2(k, n)
            } else {
                any2(n, k)
            };
            gradcheck("matmul_t", &[a, b], |_, v| v[0].matmul_t(ta, v[1], tb))
                .unwrap_or_else(|e| panic!("{m}x{k}x{n} {ta:?} {tb:?}: {e}"));
        }
    }
}

#[test]
fn matmul_of_a_value_with_itself_sums_both_contributions() {
    // y = AᵀA uses A twice; its gradient is the sum of both paths.
    gradcheck("matmul(self)", &[any(3, 2)], |_, v| {
        v[0].matmul_t(Trans::Yes, v[0], Trans::No)
    })
    .unwrap();
}

#[test]
fn broadcast_add_gradient_matches_finite_differences_for_column_row_and_scalar() {
    for (r, c) in SHAPES {
        for b in [any2(r, 1), any2(1, c), any2(1, 1)] {
            gradcheck("broadcast_add", &[any(r, c), b], |_, v| {
                v[0].broadcast_add(v[1])
            })
            .unwrap_or_else(|e| panic!("[{r}, {c}]: {e}"));
        }
        gradcheck("add_bias", &[any(r, c), any2(r, 1)], |_, v| {
            v[0].add_bias(v[1])
        })
        .unwrap();
    }
}

#[test]
fn broadcast_mul_gradient_matches_finite_differences_for_column_row_and_scalar() {
    for (r, c) in SHAPES {
        for b in [any2(r, 1), any2(1, c), any2(1, 1)] {
            gradcheck("broadcast_mul", &[any(r, c), b], |_, v| {
                v[0].broadcast_mul(v[1])
            })
            .unwrap_or_else(|e| panic!("[{r}, {c}]: {e}"));
        }
    }
}

#[test]
fn concat_gradient_matches_finite_differences_along_both_axes() {
    gradcheck(
        "concat(rows)",
        &[any(2, 3), any2(1, 3), any(4, 3)],
        |_, v| concat(v, Axis::Rows),
    )
    .unwrap();
    gradcheck("concat(cols)", &[any(3, 1), any2(3, 2)], |_, v| {
        concat(v, Axis::Cols)
    })
    .unwrap();
    gradcheck("concat(one)", &[any(1, 1)], |_, v| concat(v, Axis::Cols)).unwrap();
}

#[test]
fn cross_entropy_gradient_matches_finite_differences_with_ignore_index() {
    gradcheck("cross_entropy", &[any(4, 5)], |_, v| {
        v[0].cross_entropy(&[0, 3, 9, 1, 2], Some(9))
    })
    .unwrap();
    gradcheck("cross_entropy(1 class)", &[any(1, 3)], |_, v| {
        v[0].cross_entropy(&[0, 0, 0], None)
    })
    .unwrap();
    gradcheck("cross_entropy(1 example)", &[any(3, 1)], |_, v| {
        v[0].cross_entropy(&[2], None)
    })
    .unwrap();
}

#[test]
fn sparse_matmul_gradient_matches_finite_differences() {
    let mut x = CsrMatrix::with_cols(6);
    x.push_row(&mut [(0, 1.0), (4, 2.0)]).unwrap();
    x.push_row(&mut []).unwrap();
    x.push_row(&mut [(5, -0.5), (4, 1.0), (1, 3.0)]).unwrap();
    let x = Arc::new(x);
    gradcheck("matmul_csr_t", &[any(3, 6)], |_, v| v[0].matmul_csr_t(&x)).unwrap();
    gradcheck("matmul_csr_t(1 row)", &[any(1, 6)], |_, v| {
        v[0].matmul_csr_t(&x)
    })
    .unwrap();
}

#[test]
fn composed_expression_gradient_matches_finite_differences() {
    // A small network: softmax cross-entropy of W₂·tanh(W₁x + b₁).
    gradcheck(
        "mlp",
        &[any(4, 3), any2(4, 1), any(2, 4), any(3, 5)],
        |_, v| {
            let h = v[0].matmul(v[3])?.add_bias(v[1])?.tanh();
            v[2].matmul(h)?.cross_entropy(&[0, 1, 1, 0, 1], None)
        },
    )
    .unwrap();
}

#[test]
fn gradcheck_reports_a_wrong_derivative_with_op_input_and_element() {
    // exp(x)·x computed as a product is right; claiming the derivative of exp(x)·x is exp(x)
    // (by treating x as a constant) must be caught.
    let x = any(2, 2);
    let err = gradcheck("mul-with-detached-input", &[x], |g, v| {
        let detached = g.constant((*v[0].value()).clone());
        v[0].exp().mul(detached)
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("mul-with-detached-input")
            && err.contains("input 0")
            && err.contains("element (0, 0)"),
        "{err}"
    );
}

#[test]
fn graph_unused_input_gets_zero_gradient() {
    gradcheck("unused", &[any(2, 2), any(2, 2)], |_, v| {
        Ok::<_, neurotext_autodiff::Error>(v[0].tanh())
    })
    .unwrap();
    let g = Graph::new();
    let a = g.input(any(2, 2));
    let b = g.input(any(2, 2));
    let grads = g.backward(a.sum()).unwrap();
    assert!(grads.get(b).is_none());
    assert_eq!(grads.get(a).unwrap(), &Matrix::from_element(2, 2, 1.0));
}
