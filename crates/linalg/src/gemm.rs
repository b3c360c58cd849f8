//! General matrix multiplication, C ← α·op(A)·op(B) + β·C, on the fastest kernel measured here.
//!
//! Every other crate reaches the hardware through this one function. The operands are any
//! nalgebra matrices or views: a transpose is a swap of strides, never a copy, and `β = 1`
//! accumulates into an existing output (the LSTM adds its recurrent product to the input
//! projection that way).
//!
//! Three kernels are wired in, and [`choose_kernel`] picks one by shape and thread count:
//! - neurotext's own [blocked kernel](crate::blocked) (BLIS loop nest, 16 × 6 AVX2+FMA
//!   microkernel, packing buffers kept per thread): the large products;
//! - the [`gemm`](https://docs.rs/gemm) crate: packed, cache-blocked, runtime-dispatched
//!   SIMD microkernels (AVX-512 with its `x86-v4` feature, AVX2+FMA otherwise, a portable
//!   fallback elsewhere) and rayon threading: the small and thin products, and every
//!   product on a CPU without AVX2;
//! - [`matrixmultiply`](https://docs.rs/matrixmultiply), the kernel behind nalgebra's own `*`,
//!   single-threaded, selectable for comparisons.
//!
//! The measurements behind the choice are in the crate docs.

use nalgebra::{Dyn, Matrix as NMatrix, RawStorage, RawStorageMut};

use crate::Matrix;
use crate::blocked::{self, Strided};
use crate::error::{Error, Result, shape_str};
use crate::threads::threads;

/// How an operand enters a product: as stored, or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trans {
    /// Use the operand as stored.
    No,
    /// Use the transpose of the operand (read through swapped strides, not copied).
    Yes,
}

/// The microkernel family that runs a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// The `gemm` crate (packed SIMD microkernels, rayon threads).
    Gemm,
    /// The `matrixmultiply` crate, as used by nalgebra's `*` (one thread).
    MatrixMultiply,
    /// neurotext's own blocked GEMM (BLIS loop nest, 16 × 6 AVX2 microkernel; one thread,
    /// split between threads by the caller).
    Blocked,
}

/// The kernel neurotext uses for an `m×k · k×n` product on `threads` threads.
///
/// Chosen by measurement (`cargo run --release --example gemm_kernels`, interleaved medians,
/// table in the crate docs): on one thread the `gemm` crate is fastest up to about 256³ and
/// on thin products (`64×256·256×1024`), and neurotext's own blocked kernel from 512³ on and
/// on the large LSTM products, 5–15 % ahead of `matrixmultiply` (nalgebra's kernel) there.
/// On more threads the `gemm` crate runs the products too small to split (see
/// [`gemm_with_threads`]); larger ones are split between threads, each part on its fastest
/// one-thread kernel.
pub fn choose_kernel(m: usize, n: usize, k: usize, threads: usize) -> Kernel {
    let work = m.saturating_mul(n).saturating_mul(k);
    // Without AVX2 the blocked kernel falls back to plain Rust, and the gemm crate's
    // portable kernels are the better choice.
    if threads == 1 && work >= LARGE_PRODUCT && crate::fastmath::has_avx2_fma() {
        Kernel::Blocked
    } else {
        Kernel::Gemm
    }
}

/// From this many multiply-adds the blocked kernel beats the `gemm` crate's on one thread.
const LARGE_PRODUCT: usize = 1 << 25;

/// Below this many multiply-adds a second thread costs more than it saves.
const PARALLEL_PRODUCT: usize = 96 * 96 * 96;

/// The dimensions and strides of one operand as it enters the product.
#[derive(Clone, Copy)]
struct Operand {
    ptr: *const f32,
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
}

impl Operand {
    fn new<S: RawStorage<f32, Dyn, Dyn>>(m: &NMatrix<f32, Dyn, Dyn, S>, t: Trans) -> Self {
        let (rs, cs) = m.strides();
        let (rows, cols) = m.shape();
        let (rs, cs) = (rs as isize, cs as isize);
        match t {
            Trans::No => Operand {
                ptr: m.as_ptr(),
                rows,
                cols,
                row_stride: rs,
                col_stride: cs,
            },
            Trans::Yes => Operand {
                ptr: m.as_ptr(),
                rows: cols,
                cols: rows,
                row_stride: cs,
                col_stride: rs,
            },
        }
    }
}

/// C ← α·op(A)·op(B) + β·C on the process-wide thread count.
///
/// With `β = 0` the old contents of C are not read (they may even be NaN).
///
/// # Errors
/// [`Error::Shape`] when op(A) is not `m×k`, op(B) not `k×n` or C not `m×n`.
///
/// # Example
/// ```
/// use neurotext_linalg::{gemm, Matrix, Trans};
/// let a = Matrix::from_row_slice(2, 3, &[1., 2., 3., 4., 5., 6.]);
/// let b = Matrix::from_row_slice(2, 2, &[1., 0., 0., 1.]);
/// let mut c = Matrix::from_element(3, 2, 1.0);
/// // C ← Aᵀ·B + C, without copying Aᵀ.
/// gemm(1.0, &a, Trans::Yes, &b, Trans::No, 1.0, &mut c)?;
/// assert_eq!(c, Matrix::from_row_slice(3, 2, &[2., 5., 3., 6., 4., 7.]));
/// # Ok::<(), neurotext_linalg::Error>(())
/// ```
pub fn gemm<SA, SB, SC>(
    alpha: f32,
    a: &NMatrix<f32, Dyn, Dyn, SA>,
    ta: Trans,
    b: &NMatrix<f32, Dyn, Dyn, SB>,
    tb: Trans,
    beta: f32,
    c: &mut NMatrix<f32, Dyn, Dyn, SC>,
) -> Result<()>
where
    SA: RawStorage<f32, Dyn, Dyn>,
    SB: RawStorage<f32, Dyn, Dyn>,
    SC: RawStorageMut<f32, Dyn, Dyn>,
{
    gemm_with_threads(alpha, a, ta, b, tb, beta, c, threads())
}

/// [`gemm()`] on an explicit number of threads (the two directions of a BiLSTM each take half).
///
/// # Errors
/// As [`gemm()`]; also [`Error::Invalid`] when `threads` is 0.
#[allow(clippy::too_many_arguments)]
pub fn gemm_with_threads<SA, SB, SC>(
    alpha: f32,
    a: &NMatrix<f32, Dyn, Dyn, SA>,
    ta: Trans,
    b: &NMatrix<f32, Dyn, Dyn, SB>,
    tb: Trans,
    beta: f32,
    c: &mut NMatrix<f32, Dyn, Dyn, SC>,
    threads: usize,
) -> Result<()>
where
    SA: RawStorage<f32, Dyn, Dyn>,
    SB: RawStorage<f32, Dyn, Dyn>,
    SC: RawStorageMut<f32, Dyn, Dyn>,
{
    gemm_with_kernel(None, alpha, a, ta, b, tb, beta, c, threads)
}

/// [`gemm_with_threads`] on a chosen kernel (`None`: [`choose_kernel`] decides), for
/// benchmarks that compare the kernels on one shape.
///
/// # Errors
/// As [`gemm_with_threads`].
#[allow(clippy::too_many_arguments)]
pub fn gemm_with_kernel<SA, SB, SC>(
    kernel: Option<Kernel>,
    alpha: f32,
    a: &NMatrix<f32, Dyn, Dyn, SA>,
    ta: Trans,
    b: &NMatrix<f32, Dyn, Dyn, SB>,
    tb: Trans,
    beta: f32,
    c: &mut NMatrix<f32, Dyn, Dyn, SC>,
    threads: usize,
) -> Result<()>
where
    SA: RawStorage<f32, Dyn, Dyn>,
    SB: RawStorage<f32, Dyn, Dyn>,
    SC: RawStorageMut<f32, Dyn, Dyn>,
{
    if threads == 0 {
        return Err(Error::Invalid {
            op: "gemm",
            message: "thread count 0".into(),
        });
    }
    let lhs = Operand::new(a, ta);
    let rhs = Operand::new(b, tb);
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    if rhs.rows != k {
        return Err(Error::Shape {
            op: "gemm",
            expected: format!("op(B) with {k} rows to match op(A) {}", shape_str(m, k)),
            got: shape_str(rhs.rows, rhs.cols),
        });
    }
    if c.shape() != (m, n) {
        return Err(Error::Shape {
            op: "gemm",
            expected: format!("C of shape {}", shape_str(m, n)),
            got: shape_str(c.nrows(), c.ncols()),
        });
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 || alpha == 0.0 {
        scale_in_place(c, beta);
        return Ok(());
    }
    let (crs, ccs) = c.strides();
    let out = Out {
        ptr: c.as_mut_ptr(),
        row_stride: crs as isize,
        col_stride: ccs as isize,
    };
    // SAFETY: every pointer and stride comes from a live nalgebra matrix whose extents match the
    // dimensions checked above (m×k, k×n, m×n), C is borrowed mutably so it cannot alias A or B,
    // and both kernels read and write only inside those extents.
    let job = Job {
        lhs,
        rhs,
        out,
        m,
        n,
        k,
    };
    unsafe {
        match kernel {
            // The single-thread kernels run on several threads by splitting C.
            Some(kernel @ (Kernel::Blocked | Kernel::MatrixMultiply)) if threads > 1 => {
                run_split(Some(kernel), alpha, beta, job, threads)
            }
            Some(kernel) => run_kernel(kernel, alpha, lhs, rhs, beta, job.out, m, n, k, threads),
            None if threads > 1 && m.saturating_mul(n).saturating_mul(k) >= SPLIT_PRODUCT => {
                run_split(None, alpha, beta, job, threads)
            }
            None => run_kernel(
                choose_kernel(m, n, k, threads),
                alpha,
                lhs,
                rhs,
                beta,
                job.out,
                m,
                n,
                k,
                threads,
            ),
        }
    };
    Ok(())
}

/// One product to run: operands, output and dimensions.
struct Job {
    lhs: Operand,
    rhs: Operand,
    out: Out,
    m: usize,
    n: usize,
    k: usize,
}

// SAFETY: a Job is handed to exactly one thread; the parts made by `run_split` write
// disjoint blocks of C and only read A and B, which nothing writes during the product.
unsafe impl Send for Job {}

/// From this many multiply-adds, splitting C between threads (each part on the best
/// single-thread kernel) beat the `gemm` crate's own threading here: 10–17 % at 1024³,
/// 3200×300×1024 and 1024×3200×256, and, since the halves run on the blocked kernel, at
/// 512³ (2 threads, interleaved criterion runs: 84/109/97/90/108/103/85 → 80/114/119/119/
/// 117/118/80 GFLOPS); then from 128³ on too, where each half runs on the `gemm` crate's
/// one-thread kernel (2 threads, interleaved: 128³ 86/83/75/80 → 95/88/74/91, 256³
/// 114/108/101/110 → 114/124/130/111 GFLOPS; 64×256×1024 level).
const SPLIT_PRODUCT: usize = 1 << 21;

/// Runs a product on `threads` threads by splitting C (and the matching operand) in two
/// along its longer side, recursively, each part on `kernel` (`None`: the kernel that is
/// fastest for it on one thread).
///
/// # Safety
/// As [`run_kernel`].
unsafe fn run_split(kernel: Option<Kernel>, alpha: f32, beta: f32, job: Job, threads: usize) {
    let Job {
        lhs,
        rhs,
        out,
        m,
        n,
        k,
    } = job;
    if threads <= 1
        || m.saturating_mul(n).saturating_mul(k) < PARALLEL_PRODUCT
        || (m < 16 && n < 16)
    {
        // SAFETY: forwarded from the caller.
        unsafe {
            run_kernel(
                kernel.unwrap_or_else(|| choose_kernel(m, n, k, 1)),
                alpha,
                lhs,
                rhs,
                beta,
                out,
                m,
                n,
                k,
                1,
            )
        };
        return;
    }
    let (t1, t2) = (threads.div_ceil(2), threads / 2);
    if k >= SPLIT_DEPTH_RATIO * m.max(n) {
        // SAFETY: forwarded from the caller.
        unsafe { run_split_depth(kernel, alpha, beta, job, t1, t2) };
        return;
    }
    let (first, second) = if n >= m {
        // Split the columns of C and of op(B); keep the cut on a multiple of 8 columns.
        let n1 = ((n * t1 / threads).div_ceil(8) * 8).clamp(1, n - 1);
        let rhs2 = Operand {
            ptr: rhs.ptr.wrapping_offset(n1 as isize * rhs.col_stride),
            cols: n - n1,
            ..rhs
        };
        let out2 = Out {
            ptr: out.ptr.wrapping_offset(n1 as isize * out.col_stride),
            ..out
        };
        (
            Job {
                lhs,
                rhs: Operand { cols: n1, ..rhs },
                out,
                m,
                n: n1,
                k,
            },
            Job {
                lhs,
                rhs: rhs2,
                out: out2,
                m,
                n: n - n1,
                k,
            },
        )
    } else {
        // Split the rows of C and of op(A); keep the cut on a multiple of 16 rows.
        let m1 = ((m * t1 / threads).div_ceil(16) * 16).clamp(1, m - 1);
        let lhs2 = Operand {
            ptr: lhs.ptr.wrapping_offset(m1 as isize * lhs.row_stride),
            rows: m - m1,
            ..lhs
        };
        let out2 = Out {
            ptr: out.ptr.wrapping_offset(m1 as isize * out.row_stride),
            ..out
        };
        (
            Job {
                lhs: Operand { rows: m1, ..lhs },
                rhs,
                out,
                m: m1,
                n,
                k,
            },
            Job {
                lhs: lhs2,
                rhs,
                out: out2,
                m: m - m1,
                n,
                k,
            },
        )
    };
    // SAFETY: the two jobs cover disjoint blocks of C inside its extent and read A and B
    // within theirs; the caller's guarantees hold for each.
    rayon::join(
        move || unsafe { run_split(kernel, alpha, beta, first, t1) },
        move || unsafe { run_split(kernel, alpha, beta, second, t2) },
    );
}

/// A product whose inner dimension is at least this many times its longer outer one is split
/// along k (see [`run_split_depth`]) rather than along C.
const SPLIT_DEPTH_RATIO: usize = 2;

/// Runs a deep product (k ≫ m, n: a weight gradient Xᵀ·G over every time step) on two groups
/// of threads, each over half of k: the first accumulates into C, the second into a scratch
/// buffer that is then added to C.
///
/// Splitting C instead would make both halves pack (or stream) all of the operand they
/// share, k × n or m × k, and read it from the shared L3 at the same time; along k, each
/// thread packs only its own half of A and of B, and the price is one m × n buffer and one
/// pass to add it.
///
/// # Safety
/// As [`run_kernel`].
unsafe fn run_split_depth(
    kernel: Option<Kernel>,
    alpha: f32,
    beta: f32,
    job: Job,
    t1: usize,
    t2: usize,
) {
    let Job {
        lhs,
        rhs,
        out,
        m,
        n,
        k,
    } = job;
    let k1 = (k * t1 / (t1 + t2)).clamp(1, k - 1);
    let mut scratch = crate::pool::take(m * n);
    let first = Job {
        lhs: Operand { cols: k1, ..lhs },
        rhs: Operand { rows: k1, ..rhs },
        out,
        m,
        n,
        k: k1,
    };
    let second = Job {
        lhs: Operand {
            ptr: lhs.ptr.wrapping_offset(k1 as isize * lhs.col_stride),
            cols: k - k1,
            ..lhs
        },
        rhs: Operand {
            ptr: rhs.ptr.wrapping_offset(k1 as isize * rhs.row_stride),
            rows: k - k1,
            ..rhs
        },
        // Column-major m × n: the scratch buffer is written whole (β = 0) before it is read.
        out: Out {
            ptr: scratch.as_mut_ptr(),
            row_stride: 1,
            col_stride: m as isize,
        },
        m,
        n,
        k: k - k1,
    };
    // SAFETY: the first job writes C, the second only the scratch buffer; both read disjoint
    // halves of A's columns and B's rows inside their extents.
    rayon::join(
        move || unsafe { run_split(kernel, alpha, beta, first, t1) },
        move || unsafe { run_split(kernel, alpha, 0.0, second, t2) },
    );
    for (j, column) in scratch.chunks_exact(m).enumerate() {
        let c = out.ptr.wrapping_offset(j as isize * out.col_stride);
        if out.row_stride == 1 {
            // SAFETY: column j of C holds m contiguous values inside its extent, which the
            // caller guarantees; the scratch buffer is not part of C.
            let c = unsafe { std::slice::from_raw_parts_mut(c, m) };
            c.iter_mut().zip(column).for_each(|(c, s)| *c += s);
        } else {
            for (i, &s) in column.iter().enumerate() {
                // SAFETY: (i, j) lies inside C's m × n extent, which the caller guarantees.
                unsafe { *c.offset(i as isize * out.row_stride) += s };
            }
        }
    }
    crate::pool::give(scratch);
}

/// The output operand of a product.
#[derive(Clone, Copy)]
struct Out {
    ptr: *mut f32,
    row_stride: isize,
    col_stride: isize,
}

/// # Safety
/// `lhs` (m×k), `rhs` (k×n) and `out` (m×n) must describe valid, non-overlapping memory with
/// the given strides, and `out` must be writable.
#[allow(clippy::too_many_arguments)]
unsafe fn run_kernel(
    kernel: Kernel,
    alpha: f32,
    lhs: Operand,
    rhs: Operand,
    beta: f32,
    out: Out,
    m: usize,
    n: usize,
    k: usize,
    threads: usize,
) {
    match kernel {
        Kernel::Blocked => {
            // SAFETY: forwarded from the caller; the blocked kernel does not read C when β = 0.
            unsafe {
                blocked::sgemm(
                    m,
                    k,
                    n,
                    alpha,
                    Strided {
                        ptr: lhs.ptr,
                        rs: lhs.row_stride,
                        cs: lhs.col_stride,
                    },
                    Strided {
                        ptr: rhs.ptr,
                        rs: rhs.row_stride,
                        cs: rhs.col_stride,
                    },
                    beta,
                    Strided {
                        ptr: out.ptr,
                        rs: out.row_stride,
                        cs: out.col_stride,
                    },
                )
            }
        }
        Kernel::MatrixMultiply => {
            // SAFETY: forwarded from the caller; matrixmultiply does not read C when β = 0.
            unsafe {
                matrixmultiply::sgemm(
                    m,
                    k,
                    n,
                    alpha,
                    lhs.ptr,
                    lhs.row_stride,
                    lhs.col_stride,
                    rhs.ptr,
                    rhs.row_stride,
                    rhs.col_stride,
                    beta,
                    out.ptr,
                    out.row_stride,
                    out.col_stride,
                )
            }
        }
        Kernel::Gemm => {
            let parallelism = if threads > 1 && m * n * k >= PARALLEL_PRODUCT {
                gemm::Parallelism::Rayon(threads)
            } else {
                gemm::Parallelism::None
            };
            // SAFETY: forwarded from the caller. The gemm crate computes
            // dst ← a·dst + b·lhs·rhs, so our β is its `alpha` and our α its `beta`;
            // `read_dst = false` keeps an uninitialised C out of the sum when β = 0.
            unsafe {
                gemm::gemm(
                    m,
                    n,
                    k,
                    out.ptr,
                    out.col_stride,
                    out.row_stride,
                    beta != 0.0,
                    lhs.ptr,
                    lhs.col_stride,
                    lhs.row_stride,
                    rhs.ptr,
                    rhs.col_stride,
                    rhs.row_stride,
                    beta,
                    alpha,
                    false,
                    false,
                    false,
                    parallelism,
                )
            }
        }
    }
}

fn scale_in_place<SC: RawStorageMut<f32, Dyn, Dyn>>(c: &mut NMatrix<f32, Dyn, Dyn, SC>, beta: f32) {
    if beta == 0.0 {
        c.fill(0.0);
    } else if beta != 1.0 {
        for x in c.iter_mut() {
            *x *= beta;
        }
    }
}

/// op(A)·op(B) as a new matrix.
///
/// # Errors
/// [`Error::Shape`] when the inner dimensions differ.
pub fn matmul_t(a: &Matrix, ta: Trans, b: &Matrix, tb: Trans) -> Result<Matrix> {
    let m = if ta == Trans::No {
        a.nrows()
    } else {
        a.ncols()
    };
    let n = if tb == Trans::No {
        b.ncols()
    } else {
        b.nrows()
    };
    let mut c = Matrix::zeros(m, n);
    gemm(1.0, a, ta, b, tb, 0.0, &mut c)?;
    Ok(c)
}

/// A·B as a new matrix.
///
/// # Errors
/// [`Error::Shape`] when `a.ncols() != b.nrows()`.
pub fn matmul(a: &Matrix, b: &Matrix) -> Result<Matrix> {
    matmul_t(a, Trans::No, b, Trans::No)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{seeded_rng, uniform};

    fn naive(a: &Matrix, b: &Matrix) -> Matrix {
        let mut c = Matrix::zeros(a.nrows(), b.ncols());
        for i in 0..a.nrows() {
            for j in 0..b.ncols() {
                let mut s = 0.0f64;
                for p in 0..a.ncols() {
                    s += f64::from(a[(i, p)]) * f64::from(b[(p, j)]);
                }
                c[(i, j)] = s as f32;
            }
        }
        c
    }

    fn assert_close(x: &Matrix, y: &Matrix) {
        assert_eq!(x.shape(), y.shape());
        for (u, v) in x.iter().zip(y.iter()) {
            assert!((u - v).abs() <= 1e-4 * (1.0 + v.abs()), "{u} vs {v}");
        }
    }

    #[test]
    fn gemm_matches_naive_product_for_every_transpose_and_kernel_size() {
        let mut rng = seeded_rng(7);
        for &(m, k, n) in &[
            (1, 1, 1),
            (3, 5, 2),
            (1, 7, 9),
            (9, 7, 1),
            (17, 33, 65),
            (130, 70, 40),
        ] {
            let a = uniform(m, k, -1.0, 1.0, &mut rng);
            let b = uniform(k, n, -1.0, 1.0, &mut rng);
            let expected = naive(&a, &b);
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a_op = if ta { a.transpose() } else { a.clone() };
                let b_op = if tb { b.transpose() } else { b.clone() };
                let t = |x| if x { Trans::Yes } else { Trans::No };
                let got = matmul_t(&a_op, t(ta), &b_op, t(tb)).unwrap();
                assert_close(&got, &expected);
                for threads in [1, 2] {
                    for kernel in [Kernel::Gemm, Kernel::MatrixMultiply, Kernel::Blocked] {
                        let mut c = Matrix::zeros(m, n);
                        let (ta, tb) = (t(ta), t(tb));
                        gemm_with_kernel(
                            Some(kernel),
                            1.0,
                            &a_op,
                            ta,
                            &b_op,
                            tb,
                            0.0,
                            &mut c,
                            threads,
                        )
                        .unwrap();
                        assert_close(&c, &expected);
                    }
                }
            }
        }
    }

    #[test]
    fn split_products_on_several_threads_match_the_naive_product() {
        let mut rng = seeded_rng(11);
        // The last two are deep (k ≥ 2·max(m, n)): split along k.
        for &(m, k, n) in &[
            (200, 150, 120),
            (37, 300, 500),
            (700, 90, 33),
            (40, 900, 60),
            (90, 700, 17),
        ] {
            let a = uniform(m, k, -1.0, 1.0, &mut rng);
            let b = uniform(k, n, -1.0, 1.0, &mut rng);
            let c0 = uniform(m, n, -1.0, 1.0, &mut rng);
            let expected = naive(&a, &b) * 0.5 + &c0 * 0.25;
            for (ta, tb) in [
                (Trans::No, Trans::No),
                (Trans::Yes, Trans::No),
                (Trans::No, Trans::Yes),
                (Trans::Yes, Trans::Yes),
            ] {
                let a_op = if ta == Trans::Yes {
                    a.transpose()
                } else {
                    a.clone()
                };
                let b_op = if tb == Trans::Yes {
                    b.transpose()
                } else {
                    b.clone()
                };
                for threads in [2, 3, 4] {
                    let mut c = c0.clone();
                    let (lhs, rhs) = (Operand::new(&a_op, ta), Operand::new(&b_op, tb));
                    let (crs, ccs) = c.strides();
                    let out = Out {
                        ptr: c.as_mut_ptr(),
                        row_stride: crs as isize,
                        col_stride: ccs as isize,
                    };
                    let job = Job {
                        lhs,
                        rhs,
                        out,
                        m,
                        n,
                        k,
                    };
                    // SAFETY: the operands describe the live matrices above, C borrowed mutably.
                    unsafe { run_split(None, 0.5, 0.25, job, threads) };
                    assert_close(&c, &expected);
                }
            }
        }
    }

    #[test]
    fn deep_products_split_along_k_do_not_read_a_recycled_scratch_buffer() {
        let (m, k, n) = (256, 640, 256);
        let mut rng = seeded_rng(13);
        let a = uniform(m, k, -1.0, 1.0, &mut rng);
        let b = uniform(k, n, -1.0, 1.0, &mut rng);
        let expected = naive(&a, &b);
        for threads in [2, 3] {
            // The half along k that goes to a scratch buffer gets this NaN-filled one.
            crate::pool::give(vec![f32::NAN; m * n]);
            let mut c = Matrix::from_element(m, n, f32::NAN);
            let job = Job {
                lhs: Operand::new(&a, Trans::No),
                rhs: Operand::new(&b, Trans::No),
                out: Out {
                    ptr: c.as_mut_ptr(),
                    row_stride: 1,
                    col_stride: m as isize,
                },
                m,
                n,
                k,
            };
            // SAFETY: the operands describe the live matrices above, C borrowed mutably.
            unsafe { run_split(None, 1.0, 0.0, job, threads) };
            assert_close(&c, &expected);
            // And into a row-major C (element (i, j) at i·n + j), accumulating (β = 1).
            let mut rows = vec![1.0f32; m * n];
            let job = Job {
                lhs: Operand::new(&a, Trans::No),
                rhs: Operand::new(&b, Trans::No),
                out: Out {
                    ptr: rows.as_mut_ptr(),
                    row_stride: n as isize,
                    col_stride: 1,
                },
                m,
                n,
                k,
            };
            // SAFETY: as above, with C the m·n values of `rows`.
            unsafe { run_split(None, 1.0, 1.0, job, threads) };
            let row_major = Matrix::from_row_slice(m, n, &rows);
            assert_close(&row_major, &expected.add_scalar(1.0));
        }
    }

    #[test]
    fn gemm_accumulates_with_alpha_and_beta() {
        let mut rng = seeded_rng(3);
        let a = uniform(40, 30, -1.0, 1.0, &mut rng);
        let b = uniform(30, 20, -1.0, 1.0, &mut rng);
        let c0 = uniform(40, 20, -1.0, 1.0, &mut rng);
        let mut c = c0.clone();
        gemm(0.5, &a, Trans::No, &b, Trans::No, 2.0, &mut c).unwrap();
        assert_close(&c, &(naive(&a, &b) * 0.5 + &c0 * 2.0));
    }

    #[test]
    fn gemm_beta_zero_ignores_nan_in_output() {
        let a = Matrix::from_element(20, 20, 1.0);
        let mut c = Matrix::from_element(20, 20, f32::NAN);
        gemm(1.0, &a, Trans::No, &a, Trans::No, 0.0, &mut c).unwrap();
        assert!(c.iter().all(|&x| x == 20.0));
    }

    #[test]
    fn gemm_writes_into_column_views() {
        let mut rng = seeded_rng(5);
        let a = uniform(8, 6, -1.0, 1.0, &mut rng);
        let b = uniform(6, 10, -1.0, 1.0, &mut rng);
        let mut c = Matrix::zeros(8, 10);
        gemm(
            1.0,
            &a,
            Trans::No,
            &b.columns(2, 3),
            Trans::No,
            0.0,
            &mut c.columns_mut(4, 3),
        )
        .unwrap();
        let expected = naive(&a, &b.columns(2, 3).into_owned());
        assert_close(&c.columns(4, 3).into_owned(), &expected);
        assert!(c.columns(0, 4).iter().all(|&x| x == 0.0));
    }

    #[test]
    fn gemm_rejects_mismatched_shapes_with_both_shapes_named() {
        let a = Matrix::zeros(2, 3);
        let b = Matrix::zeros(4, 5);
        let err = matmul(&a, &b).unwrap_err().to_string();
        assert!(err.contains("[2, 3]") && err.contains("[4, 5]"), "{err}");
        let mut c = Matrix::zeros(3, 3);
        let err = gemm(1.0, &a, Trans::No, &a, Trans::Yes, 0.0, &mut c)
            .unwrap_err()
            .to_string();
        assert!(err.contains("[2, 2]") && err.contains("[3, 3]"), "{err}");
    }

    #[test]
    fn gemm_handles_empty_inner_dimension() {
        let a = Matrix::zeros(3, 0);
        let b = Matrix::zeros(0, 2);
        let mut c = Matrix::from_element(3, 2, 4.0);
        gemm(1.0, &a, Trans::No, &b, Trans::No, 0.5, &mut c).unwrap();
        assert!(c.iter().all(|&x| x == 2.0));
    }
}
