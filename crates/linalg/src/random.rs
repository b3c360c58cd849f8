//! Seeded random matrices: the same seed gives the same numbers, on every run and machine.
//!
//! The generator is ChaCha8, whose output stream is fixed by its specification, unlike
//! `StdRng`, whose algorithm may change between rand releases. Matrices are filled in
//! column-major order (nalgebra's storage order).

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::Matrix;

/// The random generator of neurotext: ChaCha8, reproducible across platforms and releases.
pub type Rng = rand::rngs::ChaCha8Rng;

/// A generator seeded from a `u64`.
pub fn seeded_rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// A `rows × cols` matrix of independent N(mean, std²) samples.
pub fn normal(rows: usize, cols: usize, mean: f32, std: f32, rng: &mut Rng) -> Matrix {
    Matrix::from_fn(rows, cols, |_, _| {
        let z: f32 = StandardNormal.sample(rng);
        mean + std * z
    })
}

/// A `rows × cols` matrix of independent U(lo, hi) samples.
pub fn uniform(rows: usize, cols: usize, lo: f32, hi: f32, rng: &mut Rng) -> Matrix {
    Matrix::from_fn(rows, cols, |_, _| lo + (hi - lo) * rng.random::<f32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_matrix() {
        let a = normal(5, 7, 0.0, 1.0, &mut seeded_rng(42));
        let b = normal(5, 7, 0.0, 1.0, &mut seeded_rng(42));
        let c = normal(5, 7, 0.0, 1.0, &mut seeded_rng(43));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normal_has_requested_moments() {
        let m = normal(200, 200, 1.0, 0.5, &mut seeded_rng(1));
        let n = m.len() as f32;
        let mean = m.sum() / n;
        let var = m.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
        assert!((var.sqrt() - 0.5).abs() < 0.01, "std {}", var.sqrt());
    }

    #[test]
    fn uniform_stays_in_range() {
        let m = uniform(100, 100, -0.25, 0.75, &mut seeded_rng(2));
        assert!(m.iter().all(|&x| (-0.25..0.75).contains(&x)));
        let mean = m.sum() / m.len() as f32;
        assert!((mean - 0.25).abs() < 0.01, "mean {mean}");
    }
}
