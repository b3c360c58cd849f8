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
//! - [`reduce`]: sums of many values in 16 lanes, vectorised and deterministic (a loss over
//!   a whole batch of LSTM outputs, without a chain of dependent additions).
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
//! f32 GFLOPS, median of three sittings, on the development machine (2 cores of an AMD EPYC,
//! AVX2 + FMA, no AVX-512), `python3 benches/compare.py gemm --sittings 3` (the criterion
//! bench `cargo bench --bench matmul` beside `../shared/bench/gemm_ref.py torch`, back to
//! back; the README has every size and the ranges):
//!
//! | m×k×n | 1 thread: neurotext / nalgebra / MKL | 2 threads: neurotext / nalgebra / MKL |
//! |---|---|---|
//! | 128³ | 72.9 / 67.8 / 60.0 | 93.3 / 70.6 / 87.6 |
//! | 256³ | 80.2 / 72.0 / 69.7 | 149.6 / 73.7 / 97.1 |
//! | 512³ | 73.8 / 71.3 / 66.3 | 128.1 / 73.1 / 138.9 |
//! | 1024³ | 74.7 / 66.9 / 51.7 | 134.0 / 72.0 / 118.4 |
//! | 64×256×1024 | 74.9 / 61.6 / 62.5 | 126.0 / 67.0 / 98.5 |
//! | 3200×300×1024 | 75.4 / 64.2 / 60.6 | 140.3 / 68.2 / 116.1 |
//! | 1024×3200×256 | 69.1 / 58.6 / 75.6 | 123.2 / 67.5 / 135.2 |

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
pub mod reduce;
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
