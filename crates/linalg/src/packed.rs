//! A left operand packed once for many products with thin right-hand sides: the recurrent
//! weights of an LSTM, multiplied by a `[H, B]` state at every one of T steps.
//!
//! A general GEMM packs its operands into cache-sized panels on every call. When the same
//! `[4H, H]` matrix meets a batch of 16 to 64 columns two hundred times, that repacking (and
//! a blocking meant for large products) costs more than the arithmetic. oneDNN's RNNs
//! pack their weights once for the whole sequence; so does this.
//!
//! Layout: panels of [`MR`] = 16 rows; within a panel, for each column `p` of A, its 16
//! values are contiguous (the last panel is zero-padded). The kernel keeps a 16 × [`NR`] block
//! of C in registers (12 AVX2 registers), streams one panel of A through them with fused
//! multiply-adds, and reads B in place (column-major, no packing: each step broadcasts one
//! value of each of its columns). A panel (16·k values) stays in L1/L2 while every column
//! block of B passes, so A crosses the memory bus once per product.

use nalgebra::{Dyn, Matrix as NMatrix, RawStorage, RawStorageMut, Storage};

use crate::error::{Error, Result, shape_str};
use crate::gemm::Trans;

/// Rows per panel: two AVX registers of 8 floats.
pub const MR: usize = 16;
/// Columns of C held in registers at once.
pub const NR: usize = 6;

/// A matrix packed for [`PackedMatrix::matmul_into`].
#[derive(Clone, Debug)]
pub struct PackedMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl PackedMatrix {
    /// Packs op(`a`): `a` itself, or its transpose.
    pub fn pack<S: Storage<f32, Dyn, Dyn>>(a: &NMatrix<f32, Dyn, Dyn, S>, t: Trans) -> Self {
        // Packing reads op(A) column by column; a transpose is first made contiguous, which
        // costs one copy of A, far less than the products it serves.
        let owned = match t {
            Trans::No => a.clone_owned(),
            Trans::Yes => a.transpose(),
        };
        let (rows, cols) = owned.shape();
        let panels = rows.div_ceil(MR);
        let mut data = vec![0.0f32; panels * MR * cols];
        for (p, column) in owned
            .as_slice()
            .chunks_exact(rows.max(1))
            .enumerate()
            .take(cols)
        {
            for (panel, chunk) in column.chunks(MR).enumerate() {
                let at = panel * MR * cols + p * MR;
                data[at..at + chunk.len()].copy_from_slice(chunk);
            }
        }
        PackedMatrix { rows, cols, data }
    }

    /// The number of rows of the packed operand.
    pub fn nrows(&self) -> usize {
        self.rows
    }

    /// The number of columns of the packed operand.
    pub fn ncols(&self) -> usize {
        self.cols
    }

    /// `C ← A·B + β·C` for this packed A (`[m, k]`), any B `[k, n]` and C `[m, n]` whose
    /// rows are contiguous (column-major matrices and column ranges of them). With `β = 0`
    /// the old C is not read.
    ///
    /// # Errors
    /// [`Error::Shape`] when the shapes do not fit, [`Error::Invalid`] when B or C does not
    /// store its rows contiguously.
    pub fn matmul_into<SB, SC>(
        &self,
        b: &NMatrix<f32, Dyn, Dyn, SB>,
        beta: f32,
        c: &mut NMatrix<f32, Dyn, Dyn, SC>,
    ) -> Result<()>
    where
        SB: RawStorage<f32, Dyn, Dyn>,
        SC: RawStorageMut<f32, Dyn, Dyn>,
    {
        let (m, k, n) = (self.rows, self.cols, b.ncols());
        if b.nrows() != k || c.shape() != (m, n) {
            return Err(Error::Shape {
                op: "packed_matmul",
                expected: format!("B with {k} rows and C {}", shape_str(m, n)),
                got: format!(
                    "B {} and C {}",
                    shape_str(b.nrows(), n),
                    shape_str(c.nrows(), c.ncols())
                ),
            });
        }
        if b.strides().0 != 1 || c.strides().0 != 1 {
            return Err(Error::Invalid {
                op: "packed_matmul",
                message: "B and C must store their rows contiguously".into(),
            });
        }
        if m == 0 || n == 0 {
            return Ok(());
        }
        let (ldb, ldc) = (b.strides().1.max(1), c.strides().1.max(1));
        let b_len = if n == 0 { 0 } else { (n - 1) * ldb + k };
        let c_len = (n - 1) * ldc + m;
        // SAFETY: B spans (n − 1)·ldb + k values from its first element and C
        // (n − 1)·ldc + m, as the shape and stride checks above establish for a live nalgebra
        // matrix; C is borrowed mutably, so it cannot alias B.
        let (b_data, c_data) = unsafe {
            (
                std::slice::from_raw_parts(b.as_ptr(), b_len),
                std::slice::from_raw_parts_mut(c.as_mut_ptr(), c_len),
            )
        };
        multiply(&self.data, m, k, b_data, ldb, n, beta, c_data, ldc);
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn multiply(
    a: &[f32],
    m: usize,
    k: usize,
    b: &[f32],
    ldb: usize,
    n: usize,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: AVX2 and FMA were just detected; the slices' lengths were checked by the
        // caller against m, k, n and the strides, and the kernel indexes within them.
        unsafe { avx2::multiply(a, m, k, b, ldb, n, beta, c, ldc) };
        return;
    }
    portable::multiply(a, m, k, b, ldb, n, beta, c, ldc);
}

/// Writes a 16×w block of accumulators into C: `C ← acc + β·C` for the `rows` valid rows.
#[inline(always)]
fn store_block(acc: &[[f32; MR]], c: &mut [f32], ldc: usize, row0: usize, rows: usize, beta: f32) {
    for (j, col) in acc.iter().enumerate() {
        let dst = &mut c[j * ldc + row0..j * ldc + row0 + rows];
        if beta == 0.0 {
            dst.copy_from_slice(&col[..rows]);
        } else {
            for (d, &v) in dst.iter_mut().zip(col) {
                *d = v + beta * *d;
            }
        }
    }
}

mod portable {
    use super::{MR, NR, store_block};

    #[allow(clippy::too_many_arguments)]
    pub(super) fn multiply(
        a: &[f32],
        m: usize,
        k: usize,
        b: &[f32],
        ldb: usize,
        n: usize,
        beta: f32,
        c: &mut [f32],
        ldc: usize,
    ) {
        for (panel, a_panel) in a
            .chunks_exact(MR * k.max(1))
            .enumerate()
            .take(m.div_ceil(MR))
        {
            let row0 = panel * MR;
            let rows = MR.min(m - row0);
            let mut j0 = 0;
            while j0 < n {
                let w = NR.min(n - j0);
                let mut acc = [[0.0f32; MR]; NR];
                for p in 0..k {
                    let a_col = &a_panel[p * MR..(p + 1) * MR];
                    for (j, acc_j) in acc.iter_mut().enumerate().take(w) {
                        let bv = b[(j0 + j) * ldb + p];
                        for (x, &av) in acc_j.iter_mut().zip(a_col) {
                            *x += av * bv;
                        }
                    }
                }
                store_block(&acc[..w], &mut c[j0 * ldc..], ldc, row0, rows, beta);
                j0 += w;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{MR, NR, store_block};

    /// One 16×W block of C: `acc ← A_panel · B[:, j0..j0 + W]`, W known at compile time so
    /// that the accumulators live in registers and the loop over columns is unrolled.
    ///
    /// # Safety
    /// AVX2 and FMA; `ap` points at a panel of `16·k` values and `bp` at column `j0` of B,
    /// whose columns `0..W` (stride `ldb`) hold at least `k` values each.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block<const W: usize>(
        ap: *const f32,
        bp: *const f32,
        ldb: usize,
        k: usize,
        acc: &mut [[f32; MR]; NR],
    ) {
        // SAFETY: forwarded from the caller (p < k, j < W).
        unsafe {
            let mut lo = [_mm256_setzero_ps(); W];
            let mut hi = [_mm256_setzero_ps(); W];
            for p in 0..k {
                let a0 = _mm256_loadu_ps(ap.add(p * MR));
                let a1 = _mm256_loadu_ps(ap.add(p * MR + 8));
                for j in 0..W {
                    let bv = _mm256_broadcast_ss(&*bp.add(j * ldb + p));
                    lo[j] = _mm256_fmadd_ps(a0, bv, lo[j]);
                    hi[j] = _mm256_fmadd_ps(a1, bv, hi[j]);
                }
            }
            for j in 0..W {
                _mm256_storeu_ps(acc[j].as_mut_ptr(), lo[j]);
                _mm256_storeu_ps(acc[j].as_mut_ptr().add(8), hi[j]);
            }
        }
    }

    /// # Safety
    /// The CPU must support AVX2 and FMA; `a` holds `⌈m/16⌉` panels of `16·k` values, `b`
    /// column `j` is `b[j·ldb..j·ldb + k]` for `j < n`, and `c` column `j` is
    /// `c[j·ldc..j·ldc + m]`.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn multiply(
        a: &[f32],
        m: usize,
        k: usize,
        b: &[f32],
        ldb: usize,
        n: usize,
        beta: f32,
        c: &mut [f32],
        ldc: usize,
    ) {
        let mut acc = [[0.0f32; MR]; NR];
        for panel in 0..m.div_ceil(MR) {
            let a_panel = &a[panel * MR * k..(panel + 1) * MR * k];
            let row0 = panel * MR;
            let rows = MR.min(m - row0);
            let mut j0 = 0;
            while j0 < n {
                let w = NR.min(n - j0);
                let (ap, bp) = (a_panel.as_ptr(), b[j0 * ldb..].as_ptr());
                // SAFETY: the caller's contract: the panel holds 16·k values and columns
                // j0..j0 + w of B exist with k values each.
                unsafe {
                    match w {
                        6 => block::<6>(ap, bp, ldb, k, &mut acc),
                        5 => block::<5>(ap, bp, ldb, k, &mut acc),
                        4 => block::<4>(ap, bp, ldb, k, &mut acc),
                        3 => block::<3>(ap, bp, ldb, k, &mut acc),
                        2 => block::<2>(ap, bp, ldb, k, &mut acc),
                        _ => block::<1>(ap, bp, ldb, k, &mut acc),
                    }
                }
                store_block(&acc[..w], &mut c[j0 * ldc..], ldc, row0, rows, beta);
                j0 += w;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Matrix;
    use crate::gemm::matmul_t;
    use crate::random::{seeded_rng, uniform};

    #[test]
    fn packed_product_matches_gemm_for_odd_shapes_transposes_and_views() {
        let mut rng = seeded_rng(1);
        for &(m, k, n) in &[
            (1, 1, 1),
            (16, 8, 6),
            (17, 5, 7),
            (40, 33, 13),
            (64, 128, 32),
            (3, 70, 1),
        ] {
            for t in [Trans::No, Trans::Yes] {
                let a = if t == Trans::No {
                    uniform(m, k, -1.0, 1.0, &mut rng)
                } else {
                    uniform(k, m, -1.0, 1.0, &mut rng)
                };
                let wide_b = uniform(k, n + 3, -1.0, 1.0, &mut rng);
                let b = wide_b.columns(2, n);
                let packed = PackedMatrix::pack(&a, t);
                let expected = matmul_t(&a, t, &b.into_owned(), Trans::No).unwrap();
                let mut c = Matrix::from_element(m, n, f32::NAN);
                packed.matmul_into(&b, 0.0, &mut c).unwrap();
                assert!((&c - &expected).abs().max() < 1e-4, "{m}x{k}x{n} {t:?}");
                let mut big = Matrix::from_element(m, n + 2, 1.0);
                packed
                    .matmul_into(&b, 2.0, &mut big.columns_mut(1, n))
                    .unwrap();
                let again = big.columns(1, n).into_owned();
                assert!((again - expected.add_scalar(2.0)).abs().max() < 1e-4);
                assert!(
                    big.column(0).iter().all(|&v| v == 1.0),
                    "columns outside the view are untouched"
                );
            }
        }
    }

    #[test]
    fn portable_kernel_matches_the_dispatched_one() {
        let mut rng = seeded_rng(2);
        let (m, k, n) = (37, 29, 11);
        let a = uniform(m, k, -1.0, 1.0, &mut rng);
        let b = uniform(k, n, -1.0, 1.0, &mut rng);
        let packed = PackedMatrix::pack(&a, Trans::No);
        let mut fast = Matrix::zeros(m, n);
        packed.matmul_into(&b, 0.0, &mut fast).unwrap();
        let mut plain = Matrix::zeros(m, n);
        portable::multiply(
            &packed.data,
            m,
            k,
            b.as_slice(),
            k,
            n,
            0.0,
            plain.as_mut_slice(),
            m,
        );
        assert!((fast - plain).abs().max() < 1e-5);
    }

    #[test]
    fn packed_product_refuses_mismatched_shapes() {
        let packed = PackedMatrix::pack(&Matrix::zeros(4, 3), Trans::No);
        let mut c = Matrix::zeros(4, 2);
        assert!(
            packed
                .matmul_into(&Matrix::zeros(2, 2), 0.0, &mut c)
                .is_err()
        );
        assert!(
            packed
                .matmul_into(&Matrix::zeros(3, 2), 0.0, &mut Matrix::zeros(5, 2))
                .is_err()
        );
    }
}
