//! `eˣ`, `σ` and `tanh` on eight lanes at once, written with AVX2 and FMA intrinsics.
//!
//! The loop the compiler makes from the scalar versions in [`super`] computes one vector at
//! a time, and the polynomial of each is a chain of about 25 dependent operations (the
//! compiler may not fuse `p·r + c` into a multiply-add: that would change the rounding of
//! plain Rust arithmetic). The CPU cannot overlap enough of those chains to keep its
//! arithmetic units busy: 0.64–0.76 ns per value for `eˣ` on this machine. Here the same range
//! reduction and polynomial run with fused multiply-adds on four vectors in lockstep, four
//! independent chains in flight: 0.38–0.45 ns. (Fused multiply-adds alone, one vector at a
//! time, measured no faster.) The results may differ from the scalar versions in the last
//! bit; both meet the same error bounds against libm (tested in [`super`]).
//!
//! Every function here requires AVX2 and FMA: callers check
//! [`has_avx2_fma`](super::has_avx2_fma) first.

use std::arch::x86_64::*;

use super::{EXP_POLY, EXP_RANGE, LN2_HI, LN2_LO, LOG2E, ROUND_MAGIC};

/// `eˣ` lane by lane, for `N` vectors at once: [`super::exp`]'s algorithm with fused
/// multiply-adds. NaN propagates.
///
/// The polynomial is one long chain of dependent multiply-adds (about 45 cycles), which the
/// CPU's scheduler cannot overlap with enough later chains to keep its two FMA units busy.
/// Each step here is applied to all `N` vectors before the next, so that `N` independent
/// chains sit side by side in the instruction stream.
#[target_feature(enable = "avx2,fma")]
#[inline]
pub(crate) fn exp<const N: usize>(x: [__m256; N]) -> [__m256; N] {
    let splat = _mm256_set1_ps;
    let mut shifted = [_mm256_setzero_ps(); N];
    let mut r = [_mm256_setzero_ps(); N];
    for k in 0..N {
        // max and min return their second operand when either is NaN: x goes second, so a
        // NaN survives the clamp as it does in `f32::clamp`.
        let x = _mm256_min_ps(splat(EXP_RANGE.1), _mm256_max_ps(splat(EXP_RANGE.0), x[k]));
        shifted[k] = _mm256_fmadd_ps(x, splat(LOG2E), splat(ROUND_MAGIC));
        let n = _mm256_sub_ps(shifted[k], splat(ROUND_MAGIC));
        r[k] = _mm256_fnmadd_ps(n, splat(LN2_LO), _mm256_fnmadd_ps(n, splat(LN2_HI), x));
    }
    let mut p = [splat(EXP_POLY[0]); N];
    for &c in &EXP_POLY[1..] {
        for k in 0..N {
            p[k] = _mm256_fmadd_ps(p[k], r[k], splat(c));
        }
    }
    let mut out = [_mm256_setzero_ps(); N];
    for k in 0..N {
        let e_r = _mm256_add_ps(
            _mm256_fmadd_ps(p[k], _mm256_mul_ps(r[k], r[k]), r[k]),
            splat(1.0),
        );
        // 2ⁿ from its exponent bits: n sits in the low bits of `shifted` (the rounding trick).
        let n_bits = _mm256_sub_epi32(
            _mm256_castps_si256(shifted[k]),
            _mm256_set1_epi32(ROUND_MAGIC.to_bits() as i32),
        );
        let pow2 = _mm256_slli_epi32::<23>(_mm256_add_epi32(n_bits, _mm256_set1_epi32(127)));
        out[k] = _mm256_mul_ps(e_r, _mm256_castsi256_ps(pow2));
    }
    out
}

/// `1/(1 + e⁻ˣ)` lane by lane, `N` vectors at once.
#[target_feature(enable = "avx2,fma")]
#[inline]
pub(crate) fn sigmoid<const N: usize>(x: [__m256; N]) -> [__m256; N] {
    let one = _mm256_set1_ps(1.0);
    let mut minus_x = x;
    for v in &mut minus_x {
        *v = _mm256_sub_ps(_mm256_setzero_ps(), *v);
    }
    let mut e = exp(minus_x);
    for v in &mut e {
        *v = _mm256_div_ps(one, _mm256_add_ps(one, *v));
    }
    e
}

/// `sign(x)·(1 − 2/(e^{2|x|} + 1))` lane by lane, `N` vectors at once.
#[target_feature(enable = "avx2,fma")]
#[inline]
pub(crate) fn tanh<const N: usize>(x: [__m256; N]) -> [__m256; N] {
    let sign = _mm256_set1_ps(-0.0);
    let (one, two) = (_mm256_set1_ps(1.0), _mm256_set1_ps(2.0));
    let mut twice_abs = x;
    for v in &mut twice_abs {
        let abs = _mm256_andnot_ps(sign, *v);
        *v = _mm256_add_ps(abs, abs);
    }
    let mut t = exp(twice_abs);
    for (t, &x) in t.iter_mut().zip(&x) {
        let magnitude = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(*t, one)));
        // The magnitude is ≥ 0, so or-ing in x's sign bit is copysign.
        *t = _mm256_or_ps(magnitude, _mm256_and_ps(sign, x));
    }
    t
}

/// Up to eight values from `x`, zeros in the lanes past its end.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn load(x: &[f32]) -> __m256 {
    if x.len() >= 8 {
        // SAFETY: eight values are readable from the start of `x`.
        unsafe { _mm256_loadu_ps(x.as_ptr()) }
    } else {
        let mut lanes = [0.0f32; 8];
        lanes[..x.len()].copy_from_slice(x);
        // SAFETY: `lanes` holds eight values.
        unsafe { _mm256_loadu_ps(lanes.as_ptr()) }
    }
}

/// Writes the first `min(8, x.len())` lanes of `v` into `x`.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn store(v: __m256, x: &mut [f32]) {
    if x.len() >= 8 {
        // SAFETY: eight values are writable from the start of `x`.
        unsafe { _mm256_storeu_ps(x.as_mut_ptr(), v) }
    } else {
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` holds eight values.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), v) };
        let n = x.len();
        x.copy_from_slice(&lanes[..n]);
    }
}

/// Values handled together by the slice functions: four vectors, four independent chains.
const GROUP: usize = 32;

/// Defines `$name(x: &mut [f32])`, applying the lane function `$f` to every value of `x`,
/// 32 at a time; the last, partial vectors go through zero-padded copies, so every value is
/// computed by the same instructions wherever it sits in the slice.
macro_rules! in_place {
    ($name:ident, $f:ident) => {
        #[doc = concat!("`", stringify!($f), "` applied to every value of `x`, in place.")]
        #[target_feature(enable = "avx2,fma")]
        pub(crate) fn $name(x: &mut [f32]) {
            let mut groups = x.chunks_exact_mut(GROUP);
            for group in &mut groups {
                let mut v = [_mm256_setzero_ps(); GROUP / 8];
                for (v, values) in v.iter_mut().zip(group.chunks_exact(8)) {
                    *v = load(values);
                }
                for (v, values) in $f(v).into_iter().zip(group.chunks_exact_mut(8)) {
                    store(v, values);
                }
            }
            for values in groups.into_remainder().chunks_mut(8) {
                let [v] = $f([load(values)]);
                store(v, values);
            }
        }
    };
}
in_place!(exp_in_place, exp);
in_place!(sigmoid_in_place, sigmoid);
in_place!(tanh_in_place, tanh);
