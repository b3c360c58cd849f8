//! Reductions over the time steps of a padded batch (`[D, T·B]`, time-major), each counting
//! only the real steps of each sequence: the building blocks of pooling and attention.

use neurotext_autodiff::{InputGrads, Op, Var};
use neurotext_linalg::Matrix;

use crate::batch::SeqBatch;
use crate::error::Result;

/// `y[:, b] = Σ_{t < len_b} x[:, t·B + b]`. Derivative: each real step receives `∂L/∂y[:, b]`;
/// padded steps receive 0.
struct SumOverTime {
    batch: SeqBatch,
}

/// `y[i, b] = max_{t < len_b} x[i, t·B + b]`. Derivative: the gradient goes to the step that
/// held each maximum (the first one on a tie).
struct MaxOverTime {
    batch: SeqBatch,
    /// For each `(i, b)`, the column holding the maximum.
    argmax: Vec<usize>,
}

/// Softmax over the real steps of each sequence of a `[1, T·B]` row of scores; padded steps
/// get weight 0. Derivative (per sequence): `∂L/∂sₜ = αₜ·(gₜ − Σ_τ g_τ α_τ)`.
struct SoftmaxOverTime {
    batch: SeqBatch,
}

/// The masked sum over time: `[D, T·B]` → `[D, B]`.
///
/// # Errors
/// When `x` is not a batch of this shape.
pub fn sum_over_time<'g>(x: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
    batch.check("sum_over_time", x.shape())?;
    let xv = x.value();
    let (d, b) = (xv.nrows(), batch.batch());
    let mut y = Matrix::zeros(d, b);
    for (col, src) in xv.column_iter().enumerate() {
        let (t, s) = (col / b, col % b);
        if batch.is_real(t, s) {
            y.column_mut(s).zip_apply(&src, |y, x| *y += x);
        }
    }
    Ok(x.graph().push(
        y,
        SumOverTime {
            batch: batch.clone(),
        },
        &[x],
    ))
}

impl Op for SumOverTime {
    fn name(&self) -> &'static str {
        "sum_over_time"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let b = self.batch.batch();
        grads.add_with(0, |g| {
            for (col, mut dst) in g.column_iter_mut().enumerate() {
                let (t, s) = (col / b, col % b);
                if self.batch.is_real(t, s) {
                    dst.zip_apply(&gy.column(s), |d, v| *d += v);
                }
            }
        });
    }
}

/// The masked maximum over time: `[D, T·B]` → `[D, B]`.
///
/// # Errors
/// When `x` is not a batch of this shape.
pub fn max_over_time<'g>(x: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
    batch.check("max_over_time", x.shape())?;
    let xv = x.value();
    let (d, b) = (xv.nrows(), batch.batch());
    let mut y = Matrix::from_element(d, b, f32::NEG_INFINITY);
    let mut argmax = vec![0usize; d * b];
    for (s, &len) in batch.lengths().iter().enumerate() {
        for t in 0..len {
            let col = batch.column(t, s);
            for i in 0..d {
                let v = xv[(i, col)];
                if t == 0 || v > y[(i, s)] {
                    y[(i, s)] = v;
                    argmax[s * d + i] = col;
                }
            }
        }
    }
    Ok(x.graph().push(
        y,
        MaxOverTime {
            batch: batch.clone(),
            argmax,
        },
        &[x],
    ))
}

impl Op for MaxOverTime {
    fn name(&self) -> &'static str {
        "max_over_time"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let d = gy.nrows();
        grads.add_with(0, |g| {
            for s in 0..self.batch.batch() {
                for i in 0..d {
                    g[(i, self.argmax[s * d + i])] += gy[(i, s)];
                }
            }
        });
    }
}

/// Softmax of a `[1, T·B]` row of scores over the real steps of each sequence.
///
/// # Errors
/// When `scores` is not `[1, T·B]`.
pub fn softmax_over_time<'g>(scores: Var<'g>, batch: &SeqBatch) -> Result<Var<'g>> {
    batch.check("softmax_over_time", scores.shape())?;
    if scores.shape().0 != 1 {
        return Err(crate::error::batch_error(
            "softmax_over_time",
            format!("scores must be one row, got {:?}", scores.shape()),
        ));
    }
    let sv = scores.value();
    let mut y = Matrix::zeros(1, batch.columns());
    for (s, &len) in batch.lengths().iter().enumerate() {
        let cols: Vec<usize> = (0..len).map(|t| batch.column(t, s)).collect();
        let max = cols
            .iter()
            .map(|&c| sv[c])
            .fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for &c in &cols {
            y[c] = (sv[c] - max).exp();
            sum += y[c];
        }
        for &c in &cols {
            y[c] /= sum;
        }
    }
    Ok(scores.graph().push(
        y,
        SoftmaxOverTime {
            batch: batch.clone(),
        },
        &[scores],
    ))
}

impl Op for SoftmaxOverTime {
    fn name(&self) -> &'static str {
        "softmax_over_time"
    }

    fn backward(&self, _x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            for (s, &len) in self.batch.lengths().iter().enumerate() {
                let cols = (0..len).map(|t| self.batch.column(t, s));
                let dot: f32 = cols.clone().map(|c| gy[c] * y[c]).sum();
                for c in cols {
                    g[c] += y[c] * (gy[c] - dot);
                }
            }
        });
    }
}
