//! A left operand packed once for many products with thin right-hand sides: the recurrent
//! weights of an LSTM, multiplied by a `[H, B]` state at every one of T steps.
//!
//! A general GEMM packs its operands into cache-sized panels on every call. When the same
//! `[4H, H]` matrix meets a batch of 16 to 64 columns two hundred times, that repacking (and
//! a blocking meant for large products) costs more than the arithmetic. oneDNN's RNNs
//! pack their weights once for the whole sequence; so does this.
//!
//! Layout: panels of 16 rows; within a panel, for each column `p` of A, its 16 values are
//! contiguous (the last panel is zero-padded). The shared microkernel (`microkernel.rs`)
//! keeps a 16 × 6 block of C in registers (12 AVX2 registers), streams one panel of A
//! through them with fused multiply-adds, and reads B in place (column-major, no packing:
//! each step broadcasts one value of each of its columns). A panel (16·k values) stays in
//! L1/L2 while every column block of B passes, so A crosses the memory bus once per product.

use nalgebra::{Dyn, Matrix as NMatrix, RawStorage, RawStorageMut, Storage};

use crate::error::{Error, Result, shape_str};
use crate::gemm::Trans;
use crate::microkernel::{self, BLayout, BlockOut, MR};
use crate::pool;

/// Columns of op(A) packed together when its rows are read one at a time.
const PACK_BLOCK: usize = 64;

/// A matrix packed for [`PackedMatrix::matmul_into`].
#[derive(Clone, Debug)]
pub struct PackedMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl PackedMatrix {
    /// Packs op(`a`): `a` itself, or its transpose.
    ///
    /// The values are read straight from `a` (any strides), and the packed copy lives in a
    /// recycled buffer ([`pool`](crate::pool)), given back when the packed matrix is
    /// dropped: an LSTM packs its `W_hh` at every forward and backward pass, and packing the
    /// 4 MB `W_hh` of `H = 512` into fresh memory, after a first copy of the whole matrix,
    /// took 7.9 ms (12.4 ms transposed) here, most of it page faults, against a step of
    /// 70–300 ms.
    ///
    /// It uses the process-wide thread count ([`threads`](crate::threads)).
    pub fn pack<S: Storage<f32, Dyn, Dyn>>(a: &NMatrix<f32, Dyn, Dyn, S>, t: Trans) -> Self {
        Self::pack_with_threads(a, t, crate::threads())
    }

    /// [`pack`](Self::pack) on at most `threads` threads, each packing its own range of
    /// panels.
    ///
    /// Packing is a pass over memory that an LSTM makes before each pass over a sequence,
    /// while the other threads would wait. On one thread, it took 0.5 ms (`W_hh`) and 1.2 ms
    /// (`W_hhᵀ`) of a 137 ms two-thread training step at 16×200×64×512. Split between two
    /// threads, and `W_hhᵀ` packed by blocks of columns, 2048 × 512 now packs in 0.16 ms
    /// (0.35 on one thread) and its transpose in 0.23 ms (0.41 on one thread, 0.85 before
    /// the blocking): `NEUROTEXT_THREADS=1|2 cargo bench --bench matmul -- pack_weights`.
    pub fn pack_with_threads<S: Storage<f32, Dyn, Dyn>>(
        a: &NMatrix<f32, Dyn, Dyn, S>,
        t: Trans,
        threads: usize,
    ) -> Self {
        let (rows, cols) = match t {
            Trans::No => (a.nrows(), a.ncols()),
            Trans::Yes => (a.ncols(), a.nrows()),
        };
        // Recycled: every value of op(A) is written by `pack_panels`.
        let data = pool::take(rows.div_ceil(MR) * MR * cols);
        Self::pack_into(a, t, threads, data)
    }

    /// [`pack_with_threads`](Self::pack_with_threads) into `data`, a buffer of exactly the
    /// packed size whose old values are all overwritten.
    fn pack_into<S: Storage<f32, Dyn, Dyn>>(
        a: &NMatrix<f32, Dyn, Dyn, S>,
        t: Trans,
        threads: usize,
        mut data: Vec<f32>,
    ) -> Self {
        let (ars, acs) = a.strides();
        let source = match t {
            Trans::No => Source {
                ptr: a.as_ptr(),
                rows: a.nrows(),
                cols: a.ncols(),
                rs: ars,
                cs: acs,
            },
            Trans::Yes => Source {
                ptr: a.as_ptr(),
                rows: a.ncols(),
                cols: a.nrows(),
                rs: acs,
                cs: ars,
            },
        };
        let (rows, cols) = (source.rows, source.cols);
        let panels = rows.div_ceil(MR);
        assert_eq!(data.len(), panels * MR * cols, "the packed size");
        let panel_len = MR * cols;
        // Threads cost more than they save below about a megabyte: 512 × 128 took 0.020 ms
        // on one thread and 0.032 on two, 2048 × 512 0.35 and 0.21.
        let threads = threads.clamp(1, panels.max(1));
        if threads == 1 || data.len() < 1 << 18 {
            source.pack_panels(0, &mut data);
        } else {
            let per_thread = panels.div_ceil(threads) * panel_len;
            let source = &source;
            rayon::scope(|scope| {
                for (part, out) in data.chunks_mut(per_thread).enumerate() {
                    let first = part * per_thread / panel_len;
                    scope.spawn(move |_| source.pack_panels(first, out));
                }
            });
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

impl Drop for PackedMatrix {
    /// The packed copy goes back to the pool, for the next pass to pack into.
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.data));
    }
}

/// op(A) as the packing reads it: element `(i, p)` at `ptr + i·rs + p·cs`.
struct Source {
    ptr: *const f32,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

// SAFETY: a `Source` only reads, and only inside `pack_with_threads`, while the matrix it
// points into is borrowed (shared) by that call.
unsafe impl Sync for Source {}

impl Source {
    /// Packs panels `first..` of op(A) into `out`, which holds a whole number of them.
    fn pack_panels(&self, first: usize, out: &mut [f32]) {
        let (ptr, rows, cols, rs, cs) = (self.ptr, self.rows, self.cols, self.rs, self.cs);
        let panel_len = MR * cols;
        if panel_len == 0 {
            return;
        }
        let panels = first..first + out.len() / panel_len;
        // The rows that pad the last panel only ever reach rows of C that are not stored,
        // but they are cleared all the same, so that stale values of a recycled buffer (NaN,
        // or denormals that slow the arithmetic) never enter it.
        if panels.end * MR > rows {
            let last = (panels.end - 1 - first) * panel_len;
            out[last..].fill(0.0);
        }
        if rs == 1 {
            // Columns of op(A) are contiguous: read each once, front to back, and deal its
            // values out to the panels, 16 to each.
            let (r0, r1) = (panels.start * MR, rows.min(panels.end * MR));
            for p in 0..cols {
                // SAFETY: column p of op(A) holds `rows` contiguous values from ptr + p·cs,
                // and r0..r1 lies within them.
                let column = unsafe { std::slice::from_raw_parts(ptr.add(p * cs + r0), r1 - r0) };
                for (panel, chunk) in column.chunks(MR).enumerate() {
                    let at = panel * panel_len + p * MR;
                    out[at..at + chunk.len()].copy_from_slice(chunk);
                }
            }
        } else {
            // Rows of op(A) are contiguous (op(A) = Aᵀ of a column-major A) or nothing is:
            // one row at a time, its values landing 16 apart in its panel, a block of
            // columns at a time so that the block's 4 KB stay in L1 while all 16 rows
            // are written into them (a whole panel at a time, the transposed 4 MB `W_hh` of
            // H = 512 took 0.85 ms; by blocks of 64 columns, 0.41).
            for (panel, out) in panels.zip(out.chunks_exact_mut(panel_len)) {
                let first_row = panel * MR;
                for (block, out) in out.chunks_mut(MR * PACK_BLOCK).enumerate() {
                    let p0 = block * PACK_BLOCK;
                    for r in 0..MR.min(rows - first_row) {
                        let i = first_row + r;
                        for (p, slot) in (p0..).zip(out.chunks_exact_mut(MR)) {
                            // SAFETY: i < rows and p < cols of op(A), whose element (i, p)
                            // nalgebra stores at ptr + i·rs + p·cs.
                            slot[r] = unsafe { *ptr.add(i * rs + p * cs) };
                        }
                    }
                }
            }
        }
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
    for (panel, a_panel) in a
        .chunks_exact(MR * k.max(1))
        .enumerate()
        .take(m.div_ceil(MR))
    {
        let row0 = panel * MR;
        let rows = MR.min(m - row0);
        let mut j0 = 0;
        while j0 < n {
            let w = microkernel::block_width(n - j0);
            let (bp, cp) = (b[j0 * ldb..].as_ptr(), c[j0 * ldc + row0..].as_mut_ptr());
            // SAFETY: the panel holds 16·k values; columns j0..j0 + w of B hold k values each
            // and those of C (from row0) `rows`, as the caller checked against the strides.
            unsafe {
                let out = BlockOut {
                    c: cp,
                    rs: 1,
                    cs: ldc as isize,
                    rows,
                    beta,
                };
                microkernel::block(a_panel.as_ptr(), bp, BLayout::Columns { ldb }, k, w, out);
            }
            j0 += w;
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
            (33, 20, 8),
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
    fn packing_reads_views_with_any_strides() {
        let mut rng = seeded_rng(2);
        let big = uniform(45, 40, -1.0, 1.0, &mut rng);
        let b = uniform(20, 7, -1.0, 1.0, &mut rng);
        // A block inside a larger matrix (column stride 45), and the same block seen
        // transposed through strides (row stride 45, column stride 1).
        let view = big.view((3, 5), (33, 20));
        let transposed = big.view((3, 5), (20, 33)).transpose();
        let strided_t = nalgebra::DMatrixView::from_slice_with_strides_generic(
            &big.as_slice()[3 + 5 * 45..],
            nalgebra::Dyn(33),
            nalgebra::Dyn(20),
            nalgebra::Dyn(45),
            nalgebra::Dyn(1),
        );
        for (packed, owned) in [
            (PackedMatrix::pack(&view, Trans::No), view.into_owned()),
            (
                PackedMatrix::pack(&strided_t, Trans::No),
                strided_t.into_owned(),
            ),
            (
                PackedMatrix::pack(&big.view((3, 5), (20, 33)), Trans::Yes),
                transposed,
            ),
        ] {
            let mut c = Matrix::from_element(33, 7, f32::NAN);
            packed.matmul_into(&b, 0.0, &mut c).unwrap();
            let expected = &owned * &b;
            assert!((&c - &expected).abs().max() < 1e-4);
        }
    }

    #[test]
    fn packing_on_several_threads_gives_the_one_thread_layout() {
        // Large enough to be split (over a megabyte), 38 panels with a last one of 5 rows,
        // shared unevenly by 3 threads; a view with a column stride, and its transpose.
        let (m, k) = (16 * 37 + 5, 700);
        let big = uniform(m + 3, k, -1.0, 1.0, &mut seeded_rng(5));
        let view = big.rows(1, m);
        let big_t = uniform(k + 2, m, -1.0, 1.0, &mut seeded_rng(6));
        let view_t = big_t.rows(2, k);
        for (t, one) in [
            (
                Trans::No,
                PackedMatrix::pack_with_threads(&view, Trans::No, 1),
            ),
            (
                Trans::Yes,
                PackedMatrix::pack_with_threads(&view_t, Trans::Yes, 1),
            ),
        ] {
            for threads in [2, 3] {
                // Into a buffer of NaN, as a recycled one may hold: every value must be
                // overwritten (the pool is shared with tests running alongside, so the
                // buffer is handed over directly).
                let stale = vec![f32::NAN; one.data.len()];
                let several = match t {
                    Trans::No => PackedMatrix::pack_into(&view, t, threads, stale),
                    Trans::Yes => PackedMatrix::pack_into(&view_t, t, threads, stale),
                };
                assert_eq!((several.rows, several.cols), (m, k));
                assert!(
                    several.data == one.data,
                    "{t:?} on {threads} threads differs from one thread"
                );
            }
        }
    }

    #[test]
    fn a_recycled_buffer_full_of_nan_leaves_no_trace_in_the_product() {
        // Large enough for the pool (MIN_LEN values), with a last panel of 5 rows to pad.
        let (m, k) = (21, 4096);
        let a = uniform(m, k, -1.0, 1.0, &mut seeded_rng(3));
        let b = uniform(k, 3, -1.0, 1.0, &mut seeded_rng(4));
        for t in [Trans::No, Trans::Yes] {
            let src = if t == Trans::No {
                a.clone()
            } else {
                a.transpose()
            };
            pool::give(vec![f32::NAN; 2 * MR * k]);
            let packed = PackedMatrix::pack(&src, t);
            let mut c = Matrix::zeros(m, 3);
            packed.matmul_into(&b, 0.0, &mut c).unwrap();
            assert!((&c - &a * &b).abs().max() < 1e-3, "{t:?}");
        }
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
