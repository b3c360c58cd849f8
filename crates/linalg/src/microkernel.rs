//! The register-blocked inner loop shared by neurotext's own products ([`PackedMatrix`] and
//! the blocked GEMM): a 16 × W block of C, W ≤ 6, computed from a panel of A and W columns
//! of B.
//!
//! A panel of A holds 16 rows: for each `p` along the inner dimension its 16 values are
//! contiguous (two AVX registers). The block of C lives in 12 AVX registers while the panel
//! streams through them with fused multiply-adds, each step broadcasting one value of each
//! column of B. B is read either in place (column-major, `ldb` apart) or packed (for each
//! `p`, the 6 values of a micro-panel contiguous).
//!
//! [`PackedMatrix`]: crate::PackedMatrix

/// Rows per panel of A: two AVX registers of 8 floats.
pub(crate) const MR: usize = 16;
/// Columns of C held in registers at once (12 accumulators + 2 values of A + 1 of B fit the
/// 16 AVX registers).
pub(crate) const NR: usize = 6;

/// The width of the next block of C when `remaining` columns are left to compute (B read in
/// place, so blocks may have any width up to 6).
///
/// Seven or eight columns are cut 4 + 3 or 4 + 4, not 6 + 1 or 6 + 2: a block of one or two
/// columns keeps only two or four independent chains of multiply-adds in flight, fewer
/// than the FMA units' latency needs (four cycles at two per cycle), and runs at half speed
/// or less. Eight is the batch that each of two threads takes of a batch of 16.
pub(crate) fn block_width(remaining: usize) -> usize {
    if remaining > NR && remaining <= NR + 2 {
        remaining.div_ceil(2)
    } else {
        remaining.min(NR)
    }
}

/// How the columns of B are laid out for the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BLayout {
    /// Column-major in place: value `(p, j)` at `j·ldb + p`.
    Columns {
        /// Distance between columns.
        ldb: usize,
    },
    /// Packed micro-panel: value `(p, j)` at `p·NR + j`.
    Packed,
}

impl BLayout {
    #[inline(always)]
    fn offset(self, p: usize, j: usize) -> usize {
        match self {
            BLayout::Columns { ldb } => j * ldb + p,
            BLayout::Packed => p * NR + j,
        }
    }
}

/// Where a block of C goes: element `(i, j)` at `c + i·rs + j·cs`, the first `rows` rows
/// (≤ 16) written as `C ← A·B + β·C` (with `β = 0` the old C is not read).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockOut {
    /// Element `(0, 0)` of the block.
    pub c: *mut f32,
    /// Distance between rows.
    pub rs: isize,
    /// Distance between columns.
    pub cs: isize,
    /// Valid rows.
    pub rows: usize,
    /// Scale of the old C.
    pub beta: f32,
}

/// `C ← A_panel·B[:, 0..w] + β·C`: one 16 × w block of C.
///
/// # Safety
/// `a` points at a panel of `16·k` values; `b` at column 0 of the block, with values at every
/// `layout.offset(p, j)` for `p < k`, `j < w` (for `j < NR` when packed); `1 ≤ w ≤ NR`; C is
/// valid for writes (and reads when `β ≠ 0`) at the rows and columns of the block.
#[inline]
pub(crate) unsafe fn block(
    a: *const f32,
    b: *const f32,
    layout: BLayout,
    k: usize,
    w: usize,
    out: BlockOut,
) {
    #[cfg(target_arch = "x86_64")]
    if crate::fastmath::has_avx2_fma() {
        // SAFETY: AVX2 and FMA were just detected; the rest is the caller's contract. A
        // packed micro-panel is zero-padded to 6 columns, so all 6 are computed.
        unsafe {
            match (layout, w) {
                (BLayout::Packed, _) => avx2::block::<6, true>(a, b, 0, k, w, out),
                (BLayout::Columns { ldb }, 6) => avx2::block::<6, false>(a, b, ldb, k, w, out),
                (BLayout::Columns { ldb }, 5) => avx2::block::<5, false>(a, b, ldb, k, w, out),
                (BLayout::Columns { ldb }, 4) => avx2::block::<4, false>(a, b, ldb, k, w, out),
                (BLayout::Columns { ldb }, 3) => avx2::block::<3, false>(a, b, ldb, k, w, out),
                (BLayout::Columns { ldb }, 2) => avx2::block::<2, false>(a, b, ldb, k, w, out),
                (BLayout::Columns { ldb }, _) => avx2::block::<1, false>(a, b, ldb, k, w, out),
            }
        }
        return;
    }
    // SAFETY: the caller's contract.
    unsafe { portable_block(a, b, layout, k, w, out) }
}

/// The kernel in plain Rust, for CPUs without AVX2 (and as the reference in tests).
///
/// # Safety
/// As [`block`].
pub(crate) unsafe fn portable_block(
    a: *const f32,
    b: *const f32,
    layout: BLayout,
    k: usize,
    w: usize,
    out: BlockOut,
) {
    let mut acc = [[0.0f32; MR]; NR];
    for p in 0..k {
        // SAFETY: the caller's contract (p < k, j < w).
        let a_col = unsafe { std::slice::from_raw_parts(a.add(p * MR), MR) };
        for (j, acc_j) in acc.iter_mut().enumerate().take(w) {
            let bv = unsafe { *b.add(layout.offset(p, j)) };
            for (x, &av) in acc_j.iter_mut().zip(a_col) {
                *x += av * bv;
            }
        }
    }
    // SAFETY: the caller's contract.
    unsafe { store(&acc, w, out) }
}

/// Writes the first `w` columns of a block of accumulators into C.
///
/// # Safety
/// As [`block`] for C.
#[inline(always)]
unsafe fn store(acc: &[[f32; MR]; NR], w: usize, out: BlockOut) {
    let BlockOut {
        c,
        rs,
        cs,
        rows,
        beta,
    } = out;
    for (j, col) in acc.iter().enumerate().take(w) {
        if rs == 1 {
            // SAFETY: the caller's contract; rows of a column are contiguous here.
            let dst = unsafe { std::slice::from_raw_parts_mut(c.offset(j as isize * cs), rows) };
            if beta == 0.0 {
                dst.copy_from_slice(&col[..rows]);
            } else {
                for (d, &v) in dst.iter_mut().zip(col) {
                    *d = v + beta * *d;
                }
            }
        } else {
            for (i, &v) in col.iter().enumerate().take(rows) {
                // SAFETY: the caller's contract.
                unsafe {
                    let d = c.offset(i as isize * rs + j as isize * cs);
                    *d = if beta == 0.0 { v } else { v + beta * *d };
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{BlockOut, MR, NR, store};

    /// How far ahead the kernel prefetches its panel of A, in steps of 16 values.
    const PREFETCH_STEPS: usize = 16;

    /// # Safety
    /// AVX2 and FMA; as [`super::block`] with `W` columns computed (`w ≤ W` stored), B
    /// packed when `PACKED`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn block<const W: usize, const PACKED: bool>(
        a: *const f32,
        b: *const f32,
        ldb: usize,
        k: usize,
        w: usize,
        out: BlockOut,
    ) {
        // SAFETY: forwarded from the caller (p < k, j < W; C's block).
        unsafe {
            // The block of C is read or written only after the loop; fetching it now hides
            // a miss to L3 or memory behind the multiply-adds (prefetches never fault).
            for j in 0..W {
                let c = out.c.wrapping_offset(j as isize * out.cs);
                _mm_prefetch::<_MM_HINT_T0>(c.cast());
                _mm_prefetch::<_MM_HINT_T0>(c.wrapping_add(MR - 1).cast());
            }
            let mut lo = [_mm256_setzero_ps(); W];
            let mut hi = [_mm256_setzero_ps(); W];
            for p in 0..k {
                // The panel of A streams from L2: ask for its values 16 steps ahead (one
                // cache line per step), or the loads stall the multiply-adds.
                _mm_prefetch::<_MM_HINT_T0>(a.wrapping_add((p + PREFETCH_STEPS) * MR).cast());
                let a0 = _mm256_loadu_ps(a.add(p * MR));
                let a1 = _mm256_loadu_ps(a.add(p * MR + 8));
                for j in 0..W {
                    let at = if PACKED { p * NR + j } else { j * ldb + p };
                    let bv = _mm256_broadcast_ss(&*b.add(at));
                    lo[j] = _mm256_fmadd_ps(a0, bv, lo[j]);
                    hi[j] = _mm256_fmadd_ps(a1, bv, hi[j]);
                }
            }
            if out.rows == MR && out.rs == 1 && w == W {
                // A full block of a column-major C: straight from the registers.
                let beta = _mm256_set1_ps(out.beta);
                for j in 0..W {
                    let c = out.c.offset(j as isize * out.cs);
                    if out.beta == 0.0 {
                        _mm256_storeu_ps(c, lo[j]);
                        _mm256_storeu_ps(c.add(8), hi[j]);
                    } else {
                        let c0 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c), lo[j]);
                        let c1 = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c.add(8)), hi[j]);
                        _mm256_storeu_ps(c, c0);
                        _mm256_storeu_ps(c.add(8), c1);
                    }
                }
                return;
            }
            let mut acc = [[0.0f32; MR]; NR];
            for j in 0..W {
                _mm256_storeu_ps(acc[j].as_mut_ptr(), lo[j]);
                _mm256_storeu_ps(acc[j].as_mut_ptr().add(8), hi[j]);
            }
            store(&acc, w, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [−1, 1).
    fn values(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| ((i * 7919 + seed * 104_729) % 2001) as f32 / 1000.0 - 1.0)
            .collect()
    }

    /// Runs one kernel on a C of 20 × 8 ones (column-major, or row-major when `rs ≠ 1`) for
    /// a block of `rows` × `w` at (2, 1), and returns C.
    fn run(
        kernel: unsafe fn(*const f32, *const f32, BLayout, usize, usize, BlockOut),
        (a, b, layout, k): (&[f32], &[f32], BLayout, usize),
        (w, rows, rs, beta): (usize, usize, isize, f32),
    ) -> Vec<f32> {
        let mut c = vec![1.0f32; 20 * 8];
        let cs = if rs == 1 { 20 } else { 1 };
        let out = BlockOut {
            c: c[(2 * rs + cs) as usize..].as_mut_ptr(),
            rs,
            cs,
            rows,
            beta,
        };
        // SAFETY: a holds 16·k values, b every offset(p, j) for p < k, j < 6; the block
        // (≤ 16 rows from row 2, ≤ 6 columns from column 1) lies inside the 20 × 8 C.
        unsafe { kernel(a.as_ptr(), b.as_ptr(), layout, k, w, out) };
        c
    }

    #[test]
    fn block_widths_cover_the_columns_without_blocks_of_one_or_two_after_a_full_one() {
        for n in 1..=40 {
            let mut widths = Vec::new();
            let mut done = 0;
            while done < n {
                let w = block_width(n - done);
                assert!((1..=NR).contains(&w), "n = {n}: width {w}");
                widths.push(w);
                done += w;
            }
            assert_eq!(done, n);
            if n > NR {
                assert!(widths.iter().all(|&w| w >= 3), "n = {n}: {widths:?}");
            }
        }
        assert_eq!(block_width(8), 4);
        assert_eq!(block_width(16), 6);
    }

    #[test]
    fn both_kernels_compute_the_block_for_every_layout_width_and_output() {
        let k = 37;
        let a = values(MR * k, 1);
        let ldb = k + 3;
        let b_columns = values(ldb * NR, 2);
        let b_packed = values(k * NR, 3);
        for (layout, b) in [
            (BLayout::Columns { ldb }, &b_columns),
            (BLayout::Packed, &b_packed),
        ] {
            for w in 1..=NR {
                for (rows, rs, beta) in [(16, 1, 0.0), (16, 1, 0.5), (11, 1, 0.5), (16, 8, 2.0)] {
                    let cs = if rs == 1 { 20 } else { 1 };
                    let fast = run(block, (&a, b, layout, k), (w, rows, rs, beta));
                    let plain = run(portable_block, (&a, b, layout, k), (w, rows, rs, beta));
                    for i in 0..20 {
                        for j in 0..8 {
                            let inside = (2..2 + rows).contains(&i) && (1..1 + w).contains(&j);
                            let expected = if inside {
                                let dot: f32 = (0..k)
                                    .map(|p| a[p * MR + i - 2] * b[layout.offset(p, j - 1)])
                                    .sum();
                                dot + beta
                            } else {
                                1.0
                            };
                            let at = (i as isize * rs + j as isize * cs) as usize;
                            let case = format!("{layout:?} w={w} rows={rows} rs={rs} ({i}, {j})");
                            assert!((plain[at] - expected).abs() < 1e-4, "{case}");
                            assert!((fast[at] - expected).abs() < 1e-4, "{case}");
                        }
                    }
                }
            }
        }
    }
}
