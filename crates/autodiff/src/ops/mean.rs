//! Means: of all elements, or over one axis (see [`Axis`]).
//!
//! Derivative: each of the `n` averaged elements receives `1/n` of the gradient.

use neurotext_linalg::{Matrix, reduce};

use super::sum::{spread, sum_over};
use crate::axis::Axis;
use crate::graph::{InputGrads, Op, Var};

struct Mean(Option<Axis>);

impl<'g> Var<'g> {
    /// The mean of all elements, `[1, 1]` (NaN for an empty matrix, as in PyTorch).
    pub fn mean(self) -> Var<'g> {
        let v = self.value();
        let y = Matrix::from_element(1, 1, reduce::sum(v.as_slice()) / v.len() as f32);
        self.record(y, Mean(None), &[])
    }

    /// The mean over `axis`: `[1, c]` over [`Axis::Rows`], `[r, 1]` over [`Axis::Cols`].
    pub fn mean_axis(self, axis: Axis) -> Var<'g> {
        let v = self.value();
        let y = sum_over(&v, axis) / axis.len(v.shape()) as f32;
        self.record(y, Mean(Some(axis)), &[])
    }
}

impl Op for Mean {
    fn name(&self) -> &'static str {
        "mean"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let shape = x[0].shape();
        let n = match self.0 {
            None => x[0].len(),
            Some(axis) => axis.len(shape),
        };
        if grads.needs(0) {
            grads.add(0, spread(gy, self.0, shape, 1.0 / n as f32));
        }
    }
}
