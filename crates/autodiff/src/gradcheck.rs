//! Gradient checking: analytic gradients against central finite differences.
//!
//! The scalar that is differentiated is a random projection of the output, `s = Σ y ⊙ R`
//! with a seeded `R`, so every element of the output contributes with its own weight and
//! a mistake in any of them shows. Each input element `x` is nudged by ±ε and
//! `(s(x + ε) − s(x − ε)) / 2ε` is compared with the backward pass's `∂s/∂x`, the sums taken
//! in f64 so that the f32 forward pass is the only source of rounding.
//!
//! Keep inputs away from kinks (ReLU at 0, ties in a max): a finite difference that
//! straddles one measures neither side's derivative.

use neurotext_linalg::{Matrix, random};

use crate::graph::{Graph, Var};
use crate::module::Module;

/// Tolerances and step of a gradient check.
#[derive(Clone, Copy, Debug)]
pub struct GradcheckOptions {
    /// The finite-difference step ε.
    pub eps: f32,
    /// Absolute tolerance.
    pub atol: f32,
    /// Relative tolerance, against the larger of the two magnitudes.
    pub rtol: f32,
    /// Seed of the projection `R`.
    pub seed: u64,
}

impl Default for GradcheckOptions {
    /// ε = 1e-2 with tolerances 1e-3 + 1e-2·|g|: suited to f32 forward passes, and still
    /// orders of magnitude tighter than the error of a wrong derivative.
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-2,
            atol: 1e-3,
            rtol: 1e-2,
            seed: 0x9e37,
        }
    }
}

/// Why a gradient check failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GradcheckError {
    /// The analytic and numeric derivatives of one element disagree.
    #[error(
        "gradcheck {op}: input {input}, element ({row}, {col}): analytic {analytic} vs numeric {numeric}"
    )]
    Mismatch {
        /// The op or layer under test.
        op: String,
        /// Which input (its index, or a parameter's name).
        input: String,
        /// Row of the element.
        row: usize,
        /// Column of the element.
        col: usize,
        /// The backward pass's derivative.
        analytic: f32,
        /// The finite-difference derivative.
        numeric: f32,
    },
    /// The function under test returned an error.
    #[error("gradcheck {op}: the forward pass failed: {message}")]
    Forward {
        /// The op or layer under test.
        op: String,
        /// The error it returned.
        message: String,
    },
}

type CheckResult = Result<(), GradcheckError>;

/// Checks the gradients of `f` with respect to each of `inputs`, with default options.
///
/// # Errors
/// [`GradcheckError::Mismatch`] naming the op, the input and the element of the first
/// disagreement; [`GradcheckError::Forward`] when `f` fails.
///
/// # Example
/// ```
/// use neurotext_autodiff::{gradcheck, Matrix};
/// let x = Matrix::from_row_slice(2, 2, &[0.3, -1.2, 2.0, 0.7]);
/// gradcheck("tanh", &[x], |_, v| Ok::<_, neurotext_autodiff::Error>(v[0].tanh())).unwrap();
/// ```
pub fn gradcheck<F, E>(op: &str, inputs: &[Matrix], f: F) -> CheckResult
where
    F: for<'g> Fn(&'g Graph, &[Var<'g>]) -> Result<Var<'g>, E>,
    E: std::fmt::Display,
{
    gradcheck_with(op, inputs, GradcheckOptions::default(), f)
}

/// [`gradcheck`] with explicit options.
///
/// # Errors
/// As [`gradcheck`].
pub fn gradcheck_with<F, E>(
    op: &str,
    inputs: &[Matrix],
    opts: GradcheckOptions,
    f: F,
) -> CheckResult
where
    F: for<'g> Fn(&'g Graph, &[Var<'g>]) -> Result<Var<'g>, E>,
    E: std::fmt::Display,
{
    let forward_err = |message: String| GradcheckError::Forward {
        op: op.into(),
        message,
    };
    // Analytic gradients.
    let g = Graph::new();
    let vars: Vec<Var<'_>> = inputs.iter().map(|m| g.input(m.clone())).collect();
    let y = f(&g, &vars).map_err(|e| forward_err(e.to_string()))?;
    let (r, c) = y.shape();
    let proj = random::uniform(r, c, -1.0, 1.0, &mut random::seeded_rng(opts.seed));
    let s = y
        .mul(g.constant(proj.clone()))
        .map_err(|e| forward_err(e.to_string()))?
        .sum();
    let grads = g.backward(s).map_err(|e| forward_err(e.to_string()))?;
    let analytic: Vec<Matrix> = vars
        .iter()
        .zip(inputs)
        .map(|(v, m)| {
            grads
                .get(*v)
                .cloned()
                .unwrap_or_else(|| Matrix::zeros(m.nrows(), m.ncols()))
        })
        .collect();
    // Numeric gradients, one element at a time.
    let eval = |xs: &[Matrix]| -> Result<f64, GradcheckError> {
        let g = Graph::no_grad();
        let vars: Vec<Var<'_>> = xs.iter().map(|m| g.constant(m.clone())).collect();
        let y = f(&g, &vars).map_err(|e| forward_err(e.to_string()))?;
        Ok(projected(&y.value(), &proj))
    };
    let mut xs = inputs.to_vec();
    for i in 0..xs.len() {
        for k in 0..xs[i].len() {
            let x0 = xs[i][k];
            xs[i][k] = x0 + opts.eps;
            let plus = eval(&xs)?;
            xs[i][k] = x0 - opts.eps;
            let minus = eval(&xs)?;
            xs[i][k] = x0;
            let numeric = ((plus - minus) / (2.0 * f64::from(opts.eps))) as f32;
            let rows = xs[i].nrows();
            compare(
                op,
                &i.to_string(),
                (k % rows, k / rows),
                analytic[i][k],
                numeric,
                &opts,
            )?;
        }
    }
    Ok(())
}

/// Checks the gradients of `f` with respect to every parameter of `model`.
///
/// `f` builds the forward pass from the model (bringing its parameters in with
/// [`Graph::param`]); the analytic gradients come from [`Graph::backward_into`].
///
/// # Errors
/// As [`gradcheck`]; the input is named by the parameter's name.
pub fn gradcheck_params<M, F, E>(
    op: &str,
    model: &mut M,
    opts: GradcheckOptions,
    f: F,
) -> CheckResult
where
    M: Module,
    F: for<'g> Fn(&'g Graph, &M) -> Result<Var<'g>, E>,
    E: std::fmt::Display,
{
    let forward_err = |message: String| GradcheckError::Forward {
        op: op.into(),
        message,
    };
    model.zero_grad();
    let proj = {
        let g = Graph::new();
        let y = f(&g, model).map_err(|e| forward_err(e.to_string()))?;
        let (r, c) = y.shape();
        let proj = random::uniform(r, c, -1.0, 1.0, &mut random::seeded_rng(opts.seed));
        let s = y
            .mul(g.constant(proj.clone()))
            .map_err(|e| forward_err(e.to_string()))?
            .sum();
        g.backward_into(s, model)
            .map_err(|e| forward_err(e.to_string()))?;
        proj
    };
    let analytic: Vec<(String, Matrix)> = model
        .named_params()
        .into_iter()
        .map(|(n, p)| (n, p.grad().clone()))
        .collect();
    for (pi, (name, grad)) in analytic.iter().enumerate() {
        for k in 0..grad.len() {
            let mut value_at = |delta: f32| -> Result<f64, GradcheckError> {
                let x0 = {
                    let mut params = model.named_params_mut();
                    let v = params[pi].1.value_mut();
                    let x0 = v[k];
                    v[k] = x0 + delta;
                    x0
                };
                let g = Graph::no_grad();
                let out = f(&g, model).map(|y| projected(&y.value(), &proj));
                model.named_params_mut()[pi].1.value_mut()[k] = x0;
                out.map_err(|e| forward_err(e.to_string()))
            };
            let plus = value_at(opts.eps)?;
            let minus = value_at(-opts.eps)?;
            let numeric = ((plus - minus) / (2.0 * f64::from(opts.eps))) as f32;
            let rows = grad.nrows();
            compare(op, name, (k % rows, k / rows), grad[k], numeric, &opts)?;
        }
    }
    Ok(())
}

fn projected(y: &Matrix, proj: &Matrix) -> f64 {
    y.iter()
        .zip(proj.iter())
        .map(|(&a, &b)| f64::from(a) * f64::from(b))
        .sum()
}

fn compare(
    op: &str,
    input: &str,
    (row, col): (usize, usize),
    analytic: f32,
    numeric: f32,
    opts: &GradcheckOptions,
) -> CheckResult {
    let tol = opts.atol + opts.rtol * analytic.abs().max(numeric.abs());
    if (analytic - numeric).abs() <= tol {
        Ok(())
    } else {
        Err(GradcheckError::Mismatch {
            op: op.into(),
            input: input.into(),
            row,
            col,
            analytic,
            numeric,
        })
    }
}
