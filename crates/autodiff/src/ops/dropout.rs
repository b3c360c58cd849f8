//! Inverted dropout: in training, each element is kept with probability `1 − p` and scaled
//! by `1/(1 − p)`, so that the expected value is unchanged and evaluation needs no rescaling.
//! In evaluation mode (any graph not made by [`Graph::training`](crate::Graph::training)) it
//! is the identity.
//!
//! Derivative: the same mask, `∂L/∂x = G ⊙ m/(1 − p)`.

use neurotext_linalg::Matrix;
use rand::RngExt;

use crate::error::{Result, invalid};
use crate::graph::{InputGrads, Op, Var};

struct Dropout {
    /// The kept elements' scale `1/(1 − p)`, or 0 where dropped.
    mask: Matrix,
}

impl<'g> Var<'g> {
    /// Drops each element with probability `p` in training mode; the identity otherwise.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) unless `0 ≤ p < 1`.
    pub fn dropout(self, p: f32) -> Result<Var<'g>> {
        if !(0.0..1.0).contains(&p) {
            return Err(invalid("dropout", format!("p = {p} is not in [0, 1)")));
        }
        if p == 0.0 {
            return Ok(self);
        }
        let (r, c) = self.shape();
        let scale = 1.0 / (1.0 - p);
        // Random words in bulk, compared with p·2³²: one comparison per element.
        let threshold = (f64::from(p) * 4_294_967_296.0) as u64;
        let Some(mask) = self.graph().with_rng(|rng| {
            let mut words = vec![0u32; r * c];
            rng.fill(&mut words[..]);
            let data = words
                .into_iter()
                .map(|w| if u64::from(w) < threshold { 0.0 } else { scale })
                .collect();
            Matrix::from_vec(r, c, data)
        }) else {
            return Ok(self);
        };
        let y = self.value().component_mul(&mask);
        Ok(self.record(y, Dropout { mask }, &[]))
    }
}

impl Op for Dropout {
    fn name(&self) -> &'static str {
        "dropout"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        grads.add_with(0, |g| {
            g.zip_zip_apply(gy, &self.mask, |g, d, m| *g += d * m)
        });
    }
}
