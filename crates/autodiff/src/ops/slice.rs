//! A contiguous slice along an axis: rows `start..start+len` or columns likewise.
//! Derivative: the gradient goes back to the sliced positions; the rest receive zero.

use neurotext_linalg::Matrix;

use crate::axis::Axis;
use crate::error::{Result, invalid};
use crate::graph::{InputGrads, Op, Var};

struct Slice {
    axis: Axis,
    start: usize,
}

impl<'g> Var<'g> {
    /// Rows (for [`Axis::Rows`]) or columns (for [`Axis::Cols`]) `start..start + len`.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) when the range runs past the end.
    pub fn slice(self, axis: Axis, start: usize, len: usize) -> Result<Var<'g>> {
        let v = self.value();
        let n = axis.len(v.shape());
        if start.checked_add(len).is_none_or(|end| end > n) {
            return Err(invalid(
                "slice",
                format!(
                    "{} {start}..{} out of range for {n} {}",
                    axis.name(),
                    start.saturating_add(len),
                    axis.name()
                ),
            ));
        }
        let y = match axis {
            Axis::Rows => v.rows(start, len).into_owned(),
            Axis::Cols => v.columns(start, len).into_owned(),
        };
        Ok(self.record(y, Slice { axis, start }, &[]))
    }
}

impl Op for Slice {
    fn name(&self) -> &'static str {
        "slice"
    }

    fn backward(&self, _x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| match self.axis {
            Axis::Rows => g
                .rows_mut(self.start, y.nrows())
                .zip_apply(gy, |g, d| *g += d),
            Axis::Cols => g
                .columns_mut(self.start, y.ncols())
                .zip_apply(gy, |g, d| *g += d),
        });
    }
}
