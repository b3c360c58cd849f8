//! Sums: of all elements (`[r, c] → [1, 1]`), or over one axis (see [`Axis`]).
//!
//! Derivative: every summed element receives the gradient of its sum.

use neurotext_linalg::{Matrix, reduce};

use crate::axis::Axis;
use crate::graph::{InputGrads, Op, Var};

struct Sum(Option<Axis>);

/// `m` summed over `axis`: `[1, c]` for [`Axis::Rows`], `[r, 1]` for [`Axis::Cols`].
pub(crate) fn sum_over(m: &Matrix, axis: Axis) -> Matrix {
    match axis {
        Axis::Rows => {
            let r = m.nrows();
            Matrix::from_fn(1, m.ncols(), |_, j| {
                reduce::sum(&m.as_slice()[j * r..(j + 1) * r])
            })
        }
        Axis::Cols => {
            let mut out = Matrix::zeros(m.nrows(), 1);
            for col in m.column_iter() {
                out += col;
            }
            out
        }
    }
}

/// `g` repeated along `axis` to `shape` (the backward of a reduction over `axis`).
pub(crate) fn spread(g: &Matrix, axis: Option<Axis>, shape: (usize, usize), scale: f32) -> Matrix {
    Matrix::from_fn(shape.0, shape.1, |i, j| {
        scale
            * match axis {
                None => g[(0, 0)],
                Some(Axis::Rows) => g[(0, j)],
                Some(Axis::Cols) => g[(i, 0)],
            }
    })
}

impl<'g> Var<'g> {
    /// The sum of all elements, `[1, 1]`.
    pub fn sum(self) -> Var<'g> {
        let y = Matrix::from_element(1, 1, reduce::sum(self.value().as_slice()));
        self.record(y, Sum(None), &[])
    }

    /// The sum over `axis`: `[1, c]` over [`Axis::Rows`] (one per example), `[r, 1]` over
    /// [`Axis::Cols`].
    pub fn sum_axis(self, axis: Axis) -> Var<'g> {
        let y = sum_over(&self.value(), axis);
        self.record(y, Sum(Some(axis)), &[])
    }
}

impl Op for Sum {
    fn name(&self) -> &'static str {
        "sum"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        if grads.needs(0) {
            grads.add(0, spread(gy, self.0, x[0].shape(), 1.0));
        }
    }
}
