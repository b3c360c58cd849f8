//! Weight initialisers. A weight matrix is `[out, in]`: `fan_in` is its number of columns and
//! `fan_out` its number of rows.
//!
//! Why initialisation matters (the lecture): with zeros or a constant, every unit of a layer
//! computes the same function and receives the same gradient, so they stay identical forever
//! (the symmetry is never broken). Random weights break it, and their scale decides whether
//! activations and gradients keep their size from layer to layer or vanish and explode.

use neurotext_linalg::Matrix;
use neurotext_linalg::random::{Rng, normal, uniform};
use serde::{Deserialize, Serialize};

/// How to fill a weight matrix.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Init {
    /// N(0, 1/dim) with dim = fan_in, as the lecture gives it: each unit's pre-activation then
    /// has about unit variance for unit-variance inputs. A good default for tanh and sigmoid.
    NormalOverDim,
    /// Xavier/Glorot uniform, U(−a, a) with a = √(6/(fan_in + fan_out)): keeps the variance of
    /// activations *and* gradients, for tanh, sigmoid and linear layers.
    XavierUniform,
    /// Xavier/Glorot normal, N(0, 2/(fan_in + fan_out)).
    XavierNormal,
    /// He/Kaiming uniform, U(−a, a) with a = √(6/fan_in): for ReLU layers, which zero half of
    /// their inputs and so need twice the variance.
    HeUniform,
    /// He/Kaiming normal, N(0, 2/fan_in), for ReLU layers.
    HeNormal,
    /// All zeros: right for biases, wrong for weights (see the module docs).
    Zeros,
    /// Every element the same value: for biases such as an LSTM's forget gate; for weights it
    /// fails like zeros do.
    Constant(f32),
}

impl Init {
    /// A `[fan_out, fan_in]` matrix drawn from this initialiser.
    pub fn matrix(self, fan_out: usize, fan_in: usize, rng: &mut Rng) -> Matrix {
        let (fi, fo) = (fan_in.max(1) as f32, fan_out.max(1) as f32);
        match self {
            Init::NormalOverDim => normal(fan_out, fan_in, 0.0, (1.0 / fi).sqrt(), rng),
            Init::XavierUniform => {
                let a = (6.0 / (fi + fo)).sqrt();
                uniform(fan_out, fan_in, -a, a, rng)
            }
            Init::XavierNormal => normal(fan_out, fan_in, 0.0, (2.0 / (fi + fo)).sqrt(), rng),
            Init::HeUniform => {
                let a = (6.0 / fi).sqrt();
                uniform(fan_out, fan_in, -a, a, rng)
            }
            Init::HeNormal => normal(fan_out, fan_in, 0.0, (2.0 / fi).sqrt(), rng),
            Init::Zeros => Matrix::zeros(fan_out, fan_in),
            Init::Constant(c) => Matrix::from_element(fan_out, fan_in, c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use neurotext_linalg::random::seeded_rng;

    fn variance(m: &Matrix) -> f32 {
        let mean = m.mean();
        m.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / m.len() as f32
    }

    #[test]
    fn initialisers_have_their_documented_variance() {
        let (fo, fi) = (300, 200);
        let cases = [
            (Init::NormalOverDim, 1.0 / 200.0),
            (Init::XavierUniform, 2.0 / 500.0),
            (Init::XavierNormal, 2.0 / 500.0),
            (Init::HeUniform, 2.0 / 200.0),
            (Init::HeNormal, 2.0 / 200.0),
        ];
        for (init, expected) in cases {
            let m = init.matrix(fo, fi, &mut seeded_rng(1));
            assert_eq!(m.shape(), (fo, fi));
            let v = variance(&m);
            assert!(
                (v / expected - 1.0).abs() < 0.05,
                "{init:?}: variance {v}, expected {expected}"
            );
        }
    }

    #[test]
    fn initialisers_are_seeded() {
        let a = Init::HeNormal.matrix(4, 3, &mut seeded_rng(5));
        assert_eq!(a, Init::HeNormal.matrix(4, 3, &mut seeded_rng(5)));
        assert_ne!(a, Init::HeNormal.matrix(4, 3, &mut seeded_rng(6)));
        assert!(
            Init::Constant(0.5)
                .matrix(2, 2, &mut seeded_rng(0))
                .iter()
                .all(|&v| v == 0.5)
        );
        assert!(
            Init::Zeros
                .matrix(2, 2, &mut seeded_rng(0))
                .iter()
                .all(|&v| v == 0.0)
        );
    }
}
