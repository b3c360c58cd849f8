//! Measures the three GEMM kernels of `neurotext-linalg` (the `gemm` crate, matrixmultiply
//! and neurotext's own blocked kernel) on the benchmark shapes, interleaved (A, B, C, A, B,
//! C, …) so that a noisy machine disturbs them alike, and prints the median GFLOPS of each:
//! the measurement behind `choose_kernel`. On several threads, matrixmultiply and the blocked
//! kernel run on halves of C, one per thread.
//!
//! Run: `NEUROTEXT_THREADS=1 cargo run --release --example gemm_kernels` (and with 2).

use std::time::Instant;

use neurotext::linalg::{Kernel, Matrix, Trans, gemm_with_kernel, random, threads};

const SHAPES: [(usize, usize, usize); 12] = [
    (32, 32, 32),
    (48, 48, 48),
    (64, 64, 64),
    (96, 96, 96),
    (128, 128, 128),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
    (64, 256, 1024),
    (3200, 300, 1024),
    (1024, 3200, 256),
    (1024, 256, 32),
];

fn gflops(kernel: Kernel, a: &Matrix, b: &Matrix, c: &mut Matrix, threads: usize) -> f64 {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let flops = 2.0 * (m * n * k) as f64;
    let reps = ((1e9 / flops).ceil() as usize).max(1);
    let start = Instant::now();
    for _ in 0..reps {
        gemm_with_kernel(
            Some(kernel),
            1.0,
            a,
            Trans::No,
            b,
            Trans::No,
            0.0,
            c,
            threads,
        )
        .expect("shapes fit");
    }
    flops * reps as f64 / start.elapsed().as_secs_f64() / 1e9
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let t = threads();
    let kernels = [Kernel::Gemm, Kernel::MatrixMultiply, Kernel::Blocked];
    println!(
        "threads {t}\n{:<16} {:>8} {:>15} {:>8}",
        "m×k×n", "gemm", "matrixmultiply", "blocked"
    );
    for (m, k, n) in SHAPES {
        let mut rng = random::seeded_rng(0);
        let a = random::normal(m, k, 0.0, 1.0, &mut rng);
        let b = random::normal(k, n, 0.0, 1.0, &mut rng);
        let mut c = Matrix::zeros(m, n);
        let mut runs = vec![Vec::new(); kernels.len()];
        for _ in 0..9 {
            for (kernel, runs) in kernels.iter().zip(runs.iter_mut()) {
                runs.push(gflops(*kernel, &a, &b, &mut c, t));
            }
        }
        let [g, mm, blocked] = [0, 1, 2].map(|i| median(std::mem::take(&mut runs[i])));
        println!(
            "{:<16} {:>8.1} {:>15.1} {:>8.1}",
            format!("{m}x{k}x{n}"),
            g,
            mm,
            blocked
        );
    }
}
