//! neurotext's own single-thread GEMM: the loop nest of BLIS (Goto and van de Geijn 2008)
//! around the 16 × 6 AVX2 microkernel of [`microkernel`](crate::microkernel).
//!
//! `C ← α·A·B + β·C` is cut into blocks that each stay in one level of the cache while they
//! are used:
//! - a `KC × NC` block of B is packed into micro-panels of 6 columns (for each step along
//!   the inner dimension, the 6 values contiguous): it is read from L3 once per block of A;
//! - an `MC × KC` block of A (α folded in) is packed into panels of 16 rows: it stays in L2
//!   while every micro-panel of B passes by;
//! - a `KC × 6` micro-panel of B (6 KB) stays in L1 while the panels of A stream through
//!   the microkernel.
//!
//! While one block of A is multiplied, the next one is asked into L2 piece by piece, so
//! that packing it does not wait on memory (a deep product such as `1024×3200·3200×256`
//! reads each value of A once, straight from memory).
//!
//! Packing reads any strides, so transposed operands cost nothing extra, and zero-pads the
//! edges, so the microkernel always runs full blocks and only the stores are cut to size.
//! The packing buffers belong to the thread and are reused from call to call.

use std::cell::RefCell;

use crate::microkernel::{self, BLayout, BlockOut, MR, NR};

/// Largest inner-dimension block. A 16 × KC panel of A (24 KB) streams through L1 past a
/// KC × 6 micro-panel of B (9 KB). Measured against 256 and 512 (with MC 128 and 64) on
/// the benchmark shapes: best or equal on each.
const KC: usize = 384;
/// Largest number of rows of A per block: MC × KC values (144 KB) stay in the 512 KB L2.
const MC: usize = 96;
/// Columns of B per block: KC × NC values (4 MB) in L3.
const NC: usize = 4080;

/// An operand: element `(i, j)` at `ptr + i·rs + j·cs`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Strided<P> {
    /// The element `(0, 0)`.
    pub ptr: P,
    /// Distance between rows.
    pub rs: isize,
    /// Distance between columns.
    pub cs: isize,
}

/// Values aligned to a cache line, so that packed panels start on one.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; 16]);

/// A growable buffer of cache-line-aligned floats.
#[derive(Default)]
struct PackBuffer(Vec<Line>);

impl PackBuffer {
    fn get(&mut self, len: usize) -> &mut [f32] {
        let lines = len.div_ceil(16);
        if self.0.len() < lines {
            self.0.resize(lines, Line([0.0; 16]));
        }
        // SAFETY: `Line` is 16 plain floats with no padding (repr(C), size 64), so the first
        // `lines` lines are `16·lines ≥ len` initialised floats.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast::<f32>(), len) }
    }
}

thread_local! {
    /// This thread's packing buffers for A and B.
    static BUFFERS: RefCell<(PackBuffer, PackBuffer)> = RefCell::default();
}

/// `C ← α·A·B + β·C` for `A` `m×k`, `B` `k×n`, `C` `m×n`, on the calling thread. With
/// `β = 0` the old C is not read.
///
/// # Safety
/// Every element of A, B and C at the given strides must be valid for reading (and C for
/// writing), and C must not overlap A or B.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: Strided<*const f32>,
    b: Strided<*const f32>,
    beta: f32,
    c: Strided<*mut f32>,
) {
    // With one or two blocks of A, each value of B meets at most m/16 panels: packing B
    // costs more than it saves (measured at 128³ and 64×256×1024; from 256³ on packing
    // wins), and the kernel reads B's columns in place instead.
    let b_in_place = b.rs == 1 && m <= 2 * MC;
    BUFFERS.with_borrow_mut(|(a_buf, b_buf)| {
        // Blocks of equal size (k = 400 is two blocks of 200, not 384 and 16).
        let kc_max = even_block(k, KC, 1);
        let rows = RowBlocks::new(m);
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            for pc in (0..k).step_by(kc_max) {
                let kc = kc_max.min(k - pc);
                let b_block = if b_in_place {
                    BBlock::InPlace { b, p0: pc }
                } else {
                    let b_pack = b_buf.get(nc.div_ceil(NR) * NR * kc);
                    // SAFETY: rows pc..pc + kc and columns jc..jc + nc lie inside B.
                    unsafe { pack_b(b_pack, b, pc, jc, kc, nc) };
                    BBlock::Packed(b_pack)
                };
                // Later blocks along the inner dimension add to what the first wrote.
                let beta = if pc == 0 { beta } else { 1.0 };
                for r in 0..rows.count {
                    let (ic, mc) = rows.block(r);
                    let a_pack = a_buf.get(mc.div_ceil(MR) * MR * kc);
                    // The block of A packed next: the next rows, else the first rows of the
                    // next step along k (of this block of B's columns or the next one's).
                    let next = if r + 1 < rows.count {
                        Some((r + 1, pc, kc))
                    } else if pc + kc < k {
                        Some((0, pc + kc, kc_max.min(k - pc - kc)))
                    } else if jc + nc < n {
                        Some((0, 0, kc_max.min(k)))
                    } else {
                        None
                    };
                    let next = next.map(|(r, p0, kc)| {
                        let (i0, mc) = rows.block(r);
                        ABlock { a, i0, p0, mc, kc }
                    });
                    // SAFETY: rows ic..ic + mc and columns pc..pc + kc lie inside A, and the
                    // matching blocks of B and C inside theirs.
                    unsafe {
                        pack_a(a_pack, a, alpha, ic, pc, mc, kc);
                        block_product(a_pack, b_block, (ic, mc), (jc, nc), kc, beta, c, next);
                    }
                }
            }
        }
    });
}

/// Where the microkernel finds the micro-panels of one `kc × nc` block of B.
#[derive(Clone, Copy)]
enum BBlock<'a> {
    /// Read in place (B's columns are contiguous), from row `p0` on.
    InPlace {
        /// The whole of B.
        b: Strided<*const f32>,
        /// The block's first row.
        p0: usize,
    },
    /// Packed, zero-padded micro-panels of 6 columns.
    Packed(&'a [f32]),
}

/// An `mc × kc` block of A, from `(i0, p0)`, still in A (not packed).
#[derive(Clone, Copy)]
struct ABlock {
    a: Strided<*const f32>,
    i0: usize,
    p0: usize,
    mc: usize,
    kc: usize,
}

impl ABlock {
    /// Asks for part `part` of `parts` of the block to be brought into L2 (a hint: it never
    /// faults and changes no value).
    ///
    /// Packing reads each value of A once, straight from memory: with n = 256 that was a
    /// tenth of the time of a product (`1024×3200·3200×256`), the multiply-adds waiting on
    /// it. Asked for piece by piece while the block before it is multiplied, the next block
    /// is in L2 by the time it is packed. A column-major block is a column per 4 KB page
    /// when A has 1024 rows, which the hardware prefetcher (it stays inside a page) does not
    /// follow.
    fn prefetch_part(&self, part: usize, parts: usize) {
        let Strided { ptr, rs, cs } = self.a;
        // Runs of contiguous values: the block's columns, or its rows when A is stored
        // transposed (row-major). A with neither stride 1 is left to the hardware.
        let (runs, run_len, run_step) = match (rs, cs) {
            (1, _) => (self.kc, self.mc, cs),
            (_, 1) => (self.mc, self.kc, rs),
            _ => return,
        };
        let per_part = runs.div_ceil(parts.max(1));
        let corner = ptr.wrapping_offset(self.i0 as isize * rs + self.p0 as isize * cs);
        for run in (part * per_part..((part + 1) * per_part).min(runs)).map(|r| r as isize) {
            let start = corner.wrapping_offset(run * run_step);
            // One hint per cache line, and one for the line holding the last value, in case
            // the first is not aligned to a line.
            for v in (0..run_len).step_by(16).chain([run_len - 1]) {
                prefetch_l2(start.wrapping_add(v));
            }
        }
    }
}

/// Hints that the cache line holding `value` be brought into L2.
#[inline(always)]
fn prefetch_l2(value: *const f32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it cannot fault, whatever the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T1, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T1>(value.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// `C[ic..ic + mc, jc..jc + nc] ← A_block·B_block + β·C[…]` for one packed `mc × kc` block
/// of A: each micro-panel of B stays in L1 while the panels of A pass it. Meanwhile the
/// `next` block of A is brought into L2, a piece per micro-panel of B.
///
/// # Safety
/// The blocks of B (rows `p0..p0 + kc`, columns `jc..jc + nc` when in place) and of C must
/// lie inside their operands.
#[allow(clippy::too_many_arguments)]
unsafe fn block_product(
    a_pack: &[f32],
    b: BBlock<'_>,
    (ic, mc): (usize, usize),
    (jc, nc): (usize, usize),
    kc: usize,
    beta: f32,
    c: Strided<*mut f32>,
    next: Option<ABlock>,
) {
    let panels = nc.div_ceil(NR);
    for s in 0..panels {
        if let Some(next) = next {
            next.prefetch_part(s, panels);
        }
        let (w, j) = (NR.min(nc - s * NR), jc + s * NR);
        let (b_panel, layout) = match b {
            BBlock::InPlace { b, p0 } => {
                let at = p0 as isize + j as isize * b.cs;
                let ldb = b.cs as usize;
                (b.ptr.wrapping_offset(at), BLayout::Columns { ldb })
            }
            BBlock::Packed(b_pack) => (b_pack[s * NR * kc..].as_ptr(), BLayout::Packed),
        };
        for (q, a_panel) in a_pack.chunks_exact(MR * kc).enumerate() {
            let (rows, i) = (MR.min(mc - q * MR), ic + q * MR);
            // SAFETY: the panel of A holds kc full steps (zero-padded); B's micro-panel
            // (packed and padded, or w columns of kc values in place) too; rows i..i + rows
            // and columns j..j + w lie in C.
            unsafe {
                let out = BlockOut {
                    c: c.ptr.offset(i as isize * c.rs + j as isize * c.cs),
                    rs: c.rs,
                    cs: c.cs,
                    rows,
                    beta,
                };
                microkernel::block(a_panel.as_ptr(), b_panel, layout, kc, w, out);
            }
        }
    }
}

/// The blocks of rows of A (and C): the fewest blocks of at most `MC` rows, cut on panel
/// boundaries into sizes that differ by at most one panel (512 rows are 80 + 80 + 96 + 80 +
/// 80 + 96, not five blocks of 96 and one of 32, whose two panels would each stream the
/// whole block of B past them for a sixth of the work).
struct RowBlocks {
    m: usize,
    /// How many blocks.
    count: usize,
}

impl RowBlocks {
    fn new(m: usize) -> Self {
        RowBlocks {
            m,
            count: m.div_ceil(MR).div_ceil(MC / MR),
        }
    }

    /// Block `r`: its first row and its number of rows.
    fn block(&self, r: usize) -> (usize, usize) {
        let panels = self.m.div_ceil(MR);
        let first = r * panels / self.count * MR;
        let end = ((r + 1) * panels / self.count * MR).min(self.m);
        (first, end - first)
    }
}

/// The size of each block when `total` is cut into the fewest blocks of at most `max`, of
/// nearly equal size, rounded up to a multiple of `multiple`.
fn even_block(total: usize, max: usize, multiple: usize) -> usize {
    let blocks = total.div_ceil(max).max(1);
    total.div_ceil(blocks).div_ceil(multiple) * multiple
}

/// Packs `α·A[i0..i0 + mc, p0..p0 + kc]` into panels of 16 rows, zero-padded.
///
/// # Safety
/// The block must lie inside A.
unsafe fn pack_a(
    dst: &mut [f32],
    a: Strided<*const f32>,
    alpha: f32,
    i0: usize,
    p0: usize,
    mc: usize,
    kc: usize,
) {
    // SAFETY: the caller's contract: (i0, p0) is inside A.
    let corner = unsafe { a.ptr.offset(i0 as isize * a.rs + p0 as isize * a.cs) };
    if !mc.is_multiple_of(MR) {
        let last = dst.len() - MR * kc;
        dst[last..].fill(0.0);
    }
    if a.rs == 1 {
        // Columns of A are contiguous: read each column of the block once, front to back
        // (a panel at a time would stride a whole column of A per 16 values).
        for p in 0..kc {
            // SAFETY: rows i0..i0 + mc of column p0 + p are inside the block.
            let column =
                unsafe { std::slice::from_raw_parts(corner.offset(p as isize * a.cs), mc) };
            for (q, rows) in column.chunks(MR).enumerate() {
                let out = &mut dst[q * MR * kc + p * MR..][..MR];
                // Full panels by fixed-size arrays: a copy of 16 values is then two vector
                // moves, not a call to memmove.
                match (
                    <&mut [f32; MR]>::try_from(out),
                    <&[f32; MR]>::try_from(rows),
                ) {
                    (Ok(out), Ok(rows)) if alpha == 1.0 => *out = *rows,
                    (Ok(out), Ok(rows)) => *out = rows.map(|v| alpha * v),
                    (Err(_), _) | (_, Err(_)) => {
                        for (o, &v) in dst[q * MR * kc + p * MR..].iter_mut().zip(rows) {
                            *o = alpha * v;
                        }
                    }
                }
            }
        }
    } else {
        // A transpose: walk each row of the block along p.
        for i in 0..mc {
            // SAFETY: row i0 + i, columns p0..p0 + kc are inside the block.
            let row = unsafe { corner.offset(i as isize * a.rs) };
            let panel = &mut dst[(i / MR) * MR * kc..][..MR * kc];
            for (p, out) in panel.chunks_exact_mut(MR).enumerate() {
                out[i % MR] = alpha * unsafe { *row.offset(p as isize * a.cs) };
            }
        }
    }
}

/// Packs `B[p0..p0 + kc, j0..j0 + nc]` into micro-panels of 6 columns, zero-padded.
///
/// # Safety
/// The block must lie inside B.
unsafe fn pack_b(
    dst: &mut [f32],
    b: Strided<*const f32>,
    p0: usize,
    j0: usize,
    kc: usize,
    nc: usize,
) {
    if b.cs == 1 && b.rs != 1 {
        // Rows of B are contiguous (a transpose, such as Xᵀ in a weight gradient): read each
        // row of the block once, front to back, and deal its values out to the micro-panels
        // (a micro-panel at a time would read a whole cache line for every 6 values).
        if !nc.is_multiple_of(NR) {
            let last = dst.len() - NR * kc;
            dst[last..].fill(0.0);
        }
        for p in 0..kc {
            // SAFETY: row p0 + p, columns j0..j0 + nc are inside the block.
            let row = unsafe {
                std::slice::from_raw_parts(b.ptr.offset((p0 + p) as isize * b.rs + j0 as isize), nc)
            };
            for (s, values) in row.chunks(NR).enumerate() {
                // An element-wise copy of at most 6 values: unrolled, not a call to memmove.
                for (o, &v) in dst[s * NR * kc + p * NR..][..NR].iter_mut().zip(values) {
                    *o = v;
                }
            }
        }
        return;
    }
    for (s, panel) in dst.chunks_exact_mut(NR * kc).enumerate() {
        let cols = NR.min(nc - s * NR);
        // SAFETY: the caller's contract: (p0, j0 + s·6) is inside B.
        let corner = unsafe {
            b.ptr
                .offset(p0 as isize * b.rs + (j0 + s * NR) as isize * b.cs)
        };
        if cols == NR && b.rs == 1 {
            // Six contiguous columns, read side by side: each step writes one packed row.
            // SAFETY: columns j0 + s·6 + j, rows p0..p0 + kc are inside the block.
            let column = |j: usize| unsafe {
                std::slice::from_raw_parts(corner.offset(j as isize * b.cs), kc)
            };
            let (c0, c1, c2, c3, c4, c5) = (
                column(0),
                column(1),
                column(2),
                column(3),
                column(4),
                column(5),
            );
            for (p, out) in panel.chunks_exact_mut(NR).enumerate() {
                out.copy_from_slice(&[c0[p], c1[p], c2[p], c3[p], c4[p], c5[p]]);
            }
            continue;
        }
        if cols < NR {
            panel.fill(0.0);
        }
        for (p, out) in panel.chunks_exact_mut(NR).enumerate() {
            // SAFETY: row p0 + p, columns j0 + s·6 + j for j < cols are inside the block.
            let row = unsafe { corner.offset(p as isize * b.rs) };
            for (j, o) in out.iter_mut().enumerate().take(cols) {
                *o = unsafe { *row.offset(j as isize * b.cs) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `rows × cols` operand stored in a buffer with the given strides (gaps filled with
    /// NaN, which must never be read), and its values.
    struct Stored {
        data: Vec<f32>,
        rs: isize,
        cs: isize,
    }

    impl Stored {
        fn new(rows: usize, cols: usize, (rs, cs): (usize, usize), seed: u32) -> Self {
            let len = (rows - 1) * rs + (cols - 1) * cs + 1;
            let mut data = vec![f32::NAN; len];
            let mut x = seed.wrapping_mul(2_654_435_761).max(1);
            for i in 0..rows {
                for j in 0..cols {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    data[i * rs + j * cs] = (x % 2000) as f32 / 1000.0 - 1.0;
                }
            }
            Stored {
                data,
                rs: rs as isize,
                cs: cs as isize,
            }
        }

        fn at(&self, i: usize, j: usize) -> f32 {
            self.data[(i as isize * self.rs + j as isize * self.cs) as usize]
        }

        fn operand(&self) -> Strided<*const f32> {
            Strided {
                ptr: self.data.as_ptr(),
                rs: self.rs,
                cs: self.cs,
            }
        }
    }

    #[test]
    fn blocked_product_matches_the_sum_over_every_blocking_path() {
        // Shapes that reach: several inner blocks of equal size (k = 800), several blocks of
        // A with B packed (m = 200), B read in place (m ≤ 192), several column blocks of B
        // (n > 4080), edges of panels and micro-panels in every direction.
        let shapes = [
            (200, 800, 50),
            (17, 400, 4100),
            (35, 3, 7),
            (1, 1, 1),
            (193, 385, 13),
        ];
        // Column-major, transposed, and a layout with neither stride 1.
        let layouts = |rows: usize, cols: usize| [(1, rows + 3), (cols + 2, 1), (2, 2 * rows + 1)];
        let mut seed = 1;
        for (m, k, n) in shapes {
            for (la, lb) in layouts(m, k).into_iter().zip(layouts(k, n)) {
                seed += 1;
                let a = Stored::new(m, k, la, seed);
                let b = Stored::new(k, n, lb, seed + 100);
                for (alpha, beta) in [(1.0, 0.0), (0.5, 0.25)] {
                    let c0 = Stored::new(m, n, (1, m + 1), seed + 200);
                    let mut c = Stored {
                        data: c0.data.clone(),
                        ..c0
                    };
                    if beta == 0.0 {
                        // With β = 0 the old C is not read: NaN there must not leak.
                        for i in 0..m {
                            for j in 0..n {
                                c.data[i + j * (m + 1)] = f32::NAN;
                            }
                        }
                    }
                    let out = Strided {
                        ptr: c.data.as_mut_ptr(),
                        rs: c.rs,
                        cs: c.cs,
                    };
                    // SAFETY: every operand covers its shape at its strides; C is its own buffer.
                    unsafe { sgemm(m, k, n, alpha, a.operand(), b.operand(), beta, out) };
                    for i in 0..m {
                        for j in (0..n).step_by(n.div_ceil(60)) {
                            let dot: f64 = (0..k)
                                .map(|p| f64::from(a.at(i, p)) * f64::from(b.at(p, j)))
                                .sum();
                            let expected = f64::from(alpha) * dot
                                + if beta == 0.0 {
                                    0.0
                                } else {
                                    f64::from(beta) * f64::from(c0.at(i, j))
                                };
                            let got = f64::from(c.at(i, j));
                            assert!(
                                (got - expected).abs() < 1e-4 * (1.0 + k as f64).sqrt(),
                                "{m}×{k}×{n}, layouts {la:?} {lb:?}, α {alpha} β {beta}: C({i}, {j}) = {got}, expected {expected}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn blocks_are_cut_evenly() {
        assert_eq!(even_block(800, 384, 1), 267);
        assert_eq!(even_block(300, 384, 1), 300);
        assert_eq!(even_block(1024, 96, 16), 96);
        assert_eq!(even_block(200, 96, 16), 80);
        assert_eq!(even_block(0, 96, 16), 0);
    }

    #[test]
    fn row_blocks_cover_every_row_once_in_panels_of_nearly_equal_count() {
        for m in [1, 15, 16, 17, 96, 97, 200, 512, 1000, 1024, 3200] {
            let rows = RowBlocks::new(m);
            let blocks: Vec<_> = (0..rows.count).map(|r| rows.block(r)).collect();
            let mut next = 0;
            for &(first, len) in &blocks {
                assert_eq!(first, next, "m = {m}: {blocks:?}");
                assert!(
                    first.is_multiple_of(MR) && len > 0 && len <= MC,
                    "m = {m}: {blocks:?}"
                );
                next = first + len;
            }
            assert_eq!(next, m, "m = {m}: {blocks:?}");
            let panels: Vec<_> = blocks.iter().map(|&(_, len)| len.div_ceil(MR)).collect();
            let (lo, hi) = (panels.iter().min().unwrap(), panels.iter().max().unwrap());
            assert!(hi - lo <= 1, "m = {m}: {blocks:?}");
        }
        let rows = RowBlocks::new(512);
        let sizes: Vec<_> = (0..rows.count).map(|r| rows.block(r).1).collect();
        assert_eq!(sizes, [80, 80, 96, 80, 80, 96]);
    }
}
