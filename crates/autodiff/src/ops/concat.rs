//! Concatenation along an axis: the outputs of a BiLSTM's two directions are joined along
//! [`Axis::Rows`] (features). Derivative: each input receives its own slice of the gradient.

use neurotext_linalg::Matrix;

use crate::axis::Axis;
use crate::error::{Result, invalid, shape_error};
use crate::graph::{InputGrads, Op, Var};

struct Concat {
    axis: Axis,
    /// Where each input starts along `axis`.
    offsets: Vec<usize>,
}

/// Joins `parts` along `axis`: rows stacked vertically for [`Axis::Rows`], side by side for
/// [`Axis::Cols`].
///
/// # Errors
/// [`Error::Invalid`](crate::Error::Invalid) for an empty list,
/// [`Error::Shape`](crate::Error::Shape) when the other dimension differs.
pub fn concat<'g>(parts: &[Var<'g>], axis: Axis) -> Result<Var<'g>> {
    let Some(first) = parts.first() else {
        return Err(invalid("concat", "nothing to concatenate"));
    };
    let values: Vec<_> = parts.iter().map(|v| v.value()).collect();
    let (r0, c0) = values[0].shape();
    let mut offsets = Vec::with_capacity(parts.len());
    let mut total = 0;
    for v in &values {
        let ok = match axis {
            Axis::Rows => v.ncols() == c0,
            Axis::Cols => v.nrows() == r0,
        };
        if !ok {
            let expected = match axis {
                Axis::Rows => format!("{c0} columns in every part"),
                Axis::Cols => format!("{r0} rows in every part"),
            };
            return Err(shape_error("concat", expected, v.shape()));
        }
        offsets.push(total);
        total += axis.len(v.shape());
    }
    let y = match axis {
        Axis::Rows => {
            let mut y = Matrix::zeros(total, c0);
            for (v, &o) in values.iter().zip(&offsets) {
                y.rows_mut(o, v.nrows()).copy_from(&**v);
            }
            y
        }
        Axis::Cols => {
            let mut data = Vec::with_capacity(r0 * total);
            for v in &values {
                data.extend_from_slice(v.as_slice());
            }
            Matrix::from_vec(r0, total, data)
        }
    };
    Ok(first.graph().push(y, Concat { axis, offsets }, parts))
}

impl Op for Concat {
    fn name(&self) -> &'static str {
        "concat"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        for (i, (xi, &o)) in x.iter().zip(&self.offsets).enumerate() {
            grads.add_with(i, |g| match self.axis {
                Axis::Rows => *g += gy.rows(o, xi.nrows()),
                Axis::Cols => *g += gy.columns(o, xi.ncols()),
            });
        }
    }
}
