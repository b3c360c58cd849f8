//! The linear-algebra layer of neurotext: one matrix type, shape-checked operations that
//! return errors instead of panicking, a GEMM at the speed of the machine, sparse rows for
//! bags of words, seeded random matrices and the process-wide thread count.
//!
//! # Brief overview
//! - [`Matrix`]: nalgebra's `DMatrix<f32>`. **A batch is a matrix of column vectors**
//!   (`[features, batch]`), so a layer is `Y = f(W·X + b)` exactly as the lecture writes it,
//!   each example is contiguous in memory, and W keeps PyTorch's `[out, in]` shape.
//! - [`gemm()`]: `C ← α·op(A)·op(B) + β·C` on any matrix or view, with transposes read through
//!   strides rather than copied.
//! - [`CsrMatrix`]: compressed sparse rows, with the kernels of a linear layer on sparse input.
//! - [`random`]: seeded ChaCha8 generators and normal/uniform matrices.
//! - [`serde_matrix`]: loading matrices from files with their shape checked.
//! - [`threads`] / [`set_threads`]: all cores by default, `NEUROTEXT_THREADS` to override.
//! - [`fastmath`]: vectorisable `exp`, `σ`, `tanh`; [`lstm_cell_forward`] /
//!   [`lstm_cell_backward`]: the fused elementwise part of an LSTM step. Both are compiled for
//!   AVX2+FMA when the CPU has it (runtime detection), for the baseline target otherwise.
//!
//! # Example
//! ```
//! use neurotext_linalg::{from_rows, matmul, column};
//! // The lecture's dense layer: W·x for W = [[0.15, −0.7], [0.02, 0.81], [1.1, −0.24]].
//! let w = from_rows(&[&[0.15, -0.7], &[0.02, 0.81], &[1.1, -0.24]])?;
//! let x = column(&[0.5, -0.3]);
//! let y = matmul(&w, &x)?;
//! assert!((y[0] - 0.285).abs() < 1e-6);
//! assert!(matmul(&x, &w).is_err()); // [2, 1]·[3, 2] is refused, not a panic
//! # Ok::<(), neurotext_linalg::Error>(())
//! ```
//!
//! # Why these dependencies
//! - **nalgebra** provides the matrix storage, views and strides (design card).
//! - **gemm** runs the products: packed, cache-blocked SIMD kernels chosen at run time
//!   (AVX-512 when the CPU has it, AVX2+FMA otherwise, a portable kernel elsewhere) with rayon
//!   threads. It measured faster than nalgebra's `*` on this machine (table below).
//! - **matrixmultiply** is the kernel nalgebra's `*` uses. Called directly, it runs the large
//!   single-thread products (both sides ≥ 256, ≥ 2²⁴ multiply-adds), where its blocking
//!   measured faster than the gemm crate's; on several threads, products of ≥ 2²⁸
//!   multiply-adds are split between threads, each part on the faster single-thread kernel.
//! - **rand** (ChaCha8) and **rand_distr** (ziggurat normal sampling) for seeded initialisation.
//! - **rayon** runs independent work (the two directions of a BiLSTM) side by side.
//!
//! # Measured GEMM throughput
//! f32 GFLOPS, median, on the development machine (2 cores of an AMD EPYC, AVX2 + FMA, no
//! AVX-512), `cargo bench --bench matmul` beside `../shared/bench/gemm_ref.py torch` in one
//! sitting (the README has every size):
//!
//! | m×k×n | 1 thread: neurotext / nalgebra / MKL | 2 threads: neurotext / nalgebra / MKL |
//! |---|---|---|
//! | 128³ | 78.7 / 71.4 / 59.5 | 104.1 / 68.2 / 67.9 |
//! | 256³ | 78.9 / 76.8 / 83.7 | 113.0 / 67.3 / 79.1 |
//! | 512³ | 77.5 / 68.9 / 79.3 | 109.0 / 63.9 / 132.3 |
//! | 1024³ | 73.5 / 73.5 / 73.8 | 117.2 / 60.8 / 79.2 |
//! | 64×256×1024 | 90.5 / 68.1 / 76.8 | 114.4 / 63.9 / 83.9 |
//! | 3200×300×1024 | 79.0 / 75.7 / 84.0 | 117.6 / 70.9 / 69.7 |
//! | 1024×3200×256 | 69.4 / 53.4 / 82.1 | 108.3 / 59.5 / 121.5 |

#![deny(missing_docs)]

mod blocked;
mod error;
pub mod fastmath;
mod gemm;
mod lstm_kernels;
mod matrix;
mod microkernel;
mod packed;
pub mod pool;
pub mod random;
pub mod serde_matrix;
mod sparse;
mod threads;

pub use error::{Error, Result, shape_str};
pub use gemm::{
    Kernel, Trans, choose_kernel, gemm, gemm_with_kernel, gemm_with_threads, matmul, matmul_t,
};
pub use lstm_kernels::{lstm_cell_backward, lstm_cell_forward};
pub use matrix::{
    Matrix, add, axpy, check_same_shape, check_shape, column, from_rows, hadamard, sub,
};
pub use packed::PackedMatrix;
pub use sparse::CsrMatrix;
pub use threads::{THREADS_ENV, available_cores, join, set_threads, threads, threads_from_env};
