//! Elementwise quotient `y = a / b`. Derivatives: `∂y/∂a = 1/b`, `∂y/∂b = −a/b²`.

use neurotext_linalg::Matrix;

use super::same_shape;
use crate::error::Result;
use crate::graph::{InputGrads, Op, Var};

struct Div;

impl<'g> Var<'g> {
    /// `self / b`, elementwise (IEEE semantics: a zero divisor gives ±inf or NaN).
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes differ.
    pub fn div(self, b: Var<'g>) -> Result<Var<'g>> {
        let (av, bv) = (self.value(), b.value());
        same_shape("div", &av, &bv)?;
        Ok(self.record(av.component_div(&bv), Div, &[b]))
    }
}

impl Op for Div {
    fn name(&self) -> &'static str {
        "div"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let (a, b) = (x[0], x[1]);
        grads.add_with(0, |g| g.zip_zip_apply(gy, b, |g, d, b| *g += d / b));
        grads.add_with(1, |g| {
            for ((g, d), (a, b)) in g.iter_mut().zip(gy.iter()).zip(a.iter().zip(b.iter())) {
                *g -= d * a / (b * b);
            }
        });
    }
}
