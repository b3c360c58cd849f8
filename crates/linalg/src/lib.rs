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
//! - [`PackedMatrix`]: a left operand packed once for many thin products (an LSTM's
//!   recurrent weights, met at every step).
//! - [`pool`]: large buffers recycled from one training step to the next.
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
//! - **gemm** runs the small and thin products (up to about 256³, and everything on a CPU
//!   without AVX2): packed, cache-blocked SIMD kernels chosen at run time (AVX-512 when the
//!   CPU has it, AVX2+FMA otherwise, a portable kernel elsewhere) with rayon threads. It
//!   measured faster than nalgebra's `*` and than neurotext's own kernel at those sizes.
//! - The large products run on neurotext's own blocked kernel (`blocked.rs`, around the
//!   16 × 6 AVX2 microkernel of `microkernel.rs` that the LSTM's packed recurrent product
//!   shares): the BLIS loop nest, with the next block of A, the panel of A and the block of C
//!   prefetched. On two threads a product is split along its longer side, or along k when
//!   it is deep (a weight gradient over every time step). On this
//!   machine it measured 5–20 % ahead of both crates from 512³ on and on the LSTM's large
//!   products; a dependency could not be tuned to prefetch what these products need.
//! - **matrixmultiply** is the kernel nalgebra's `*` uses; it stays selectable
//!   ([`Kernel::MatrixMultiply`]) for comparisons, and costs nothing extra (nalgebra
//!   depends on it anyway).
//! - **rand** (ChaCha8) and **rand_distr** (ziggurat normal sampling) for seeded initialisation.
//! - **rayon** runs independent work (the two directions of a BiLSTM) side by side.
//!
//! # Measured GEMM throughput
//! f32 GFLOPS, median of two sittings, on the development machine (2 cores of an AMD EPYC,
//! AVX2 + FMA, no AVX-512), `python3 benches/compare.py gemm --sittings 2` (the criterion
//! bench `cargo bench --bench matmul` beside `../shared/bench/gemm_ref.py torch`, back to
//! back; the README has every size and the ranges):
//!
//! | m×k×n | 1 thread: neurotext / nalgebra / MKL | 2 threads: neurotext / nalgebra / MKL |
//! |---|---|---|
//! | 128³ | 80.5 / 61.3 / 62.7 | 75.4 / 66.6 / 85.2 |
//! | 256³ | 80.1 / 71.9 / 68.5 | 123.3 / 71.2 / 115.3 |
//! | 512³ | 72.3 / 69.0 / 63.6 | 107.3 / 66.6 / 117.0 |
//! | 1024³ | 73.6 / 65.8 / 54.9 | 106.3 / 68.3 / 80.4 |
//! | 64×256×1024 | 87.2 / 61.3 / 59.8 | 132.2 / 63.6 / 84.6 |
//! | 3200×300×1024 | 70.1 / 70.9 / 57.9 | 140.1 / 66.8 / 85.9 |
//! | 1024×3200×256 | 62.7 / 63.8 / 68.0 | 99.4 / 60.7 / 130.4 |

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
