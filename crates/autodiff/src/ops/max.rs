//! Maximum over an axis (max pooling over time when the columns are time steps).
//!
//! Derivative: the gradient goes to the position of each maximum (the first one on a tie),
//! which the forward pass saves.

use neurotext_linalg::Matrix;

use crate::axis::Axis;
use crate::error::{Result, invalid};
use crate::graph::{InputGrads, Op, Var};

struct Max {
    axis: Axis,
    argmax: Vec<usize>,
}

impl<'g> Var<'g> {
    /// The maximum over `axis`: `[1, c]` over [`Axis::Rows`], `[r, 1]` over [`Axis::Cols`].
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) when the axis is empty (no maximum exists).
    pub fn max_axis(self, axis: Axis) -> Result<Var<'g>> {
        let v = self.value();
        if axis.len(v.shape()) == 0 {
            return Err(invalid(
                "max_axis",
                format!("the {} axis is empty", axis.name()),
            ));
        }
        let (values, argmax): (Vec<f32>, Vec<usize>) = match axis {
            Axis::Rows => (0..v.ncols())
                .map(|j| first_max(v.column(j).iter().copied()))
                .unzip(),
            Axis::Cols => (0..v.nrows())
                .map(|i| first_max(v.row(i).iter().copied()))
                .unzip(),
        };
        let y = match axis {
            Axis::Rows => Matrix::from_vec(1, values.len(), values),
            Axis::Cols => Matrix::from_vec(values.len(), 1, values),
        };
        Ok(self.record(y, Max { axis, argmax }, &[]))
    }
}

/// The largest value and its first position. NaN propagates (it counts as the maximum).
fn first_max(it: impl Iterator<Item = f32>) -> (f32, usize) {
    let mut best = (f32::NEG_INFINITY, 0);
    for (i, v) in it.enumerate() {
        if i == 0 || v > best.0 || (v.is_nan() && !best.0.is_nan()) {
            best = (v, i);
        }
    }
    best
}

impl Op for Max {
    fn name(&self) -> &'static str {
        "max_axis"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            for (k, &a) in self.argmax.iter().enumerate() {
                match self.axis {
                    Axis::Rows => g[(a, k)] += gy[(0, k)],
                    Axis::Cols => g[(k, a)] += gy[(k, 0)],
                }
            }
        });
    }
}
