//! Mean squared error `L = (1/N)·Σ (pᵢ − tᵢ)²`.
//! Derivatives: `∂L/∂pᵢ = 2(pᵢ − tᵢ)/N`, `∂L/∂tᵢ = −∂L/∂pᵢ`.

use neurotext_linalg::{Matrix, pool, reduce};

use crate::error::Result;
use crate::graph::{InputGrads, Op, Var};
use crate::ops::same_shape;

struct Mse;

impl<'g> Var<'g> {
    /// The mean squared error between `self` (predictions) and `target`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes differ.
    pub fn mse(self, target: Var<'g>) -> Result<Var<'g>> {
        let (p, t) = (self.value(), target.value());
        same_shape("mse", &p, &t)?;
        let sum = reduce::sum_zip(p.as_slice(), t.as_slice(), |p, t| (p - t) * (p - t))?;
        let y = Matrix::from_element(1, 1, sum / p.len() as f32);
        Ok(self.record(y, Mse, &[target]))
    }
}

impl Op for Mse {
    fn name(&self) -> &'static str {
        "mse"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let (p, t) = (x[0], x[1]);
        let scale = 2.0 * gy[(0, 0)] / p.len() as f32;
        for (i, sign) in [(0, 1.0), (1, -1.0)] {
            if !grads.needs(i) {
                continue;
            }
            // Written straight into a recycled buffer (every value is written), which the
            // graph takes over when it is the first gradient to reach the input: one pass
            // over the values instead of a zeroing pass and an accumulating one.
            let mut g = pool::take_matrix(p.nrows(), p.ncols());
            let s = sign * scale;
            for ((g, &pi), &ti) in g
                .as_mut_slice()
                .iter_mut()
                .zip(p.as_slice())
                .zip(t.as_slice())
            {
                *g = s * (pi - ti);
            }
            grads.add(i, g);
        }
    }
}
