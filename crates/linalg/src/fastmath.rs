//! Fast, vectorisable `exp`, `σ` and `tanh`, for one value and for whole slices, and the
//! dispatch that compiles hot loops for AVX2+FMA when the CPU has it.
//!
//! The standard library's `f32::exp` is a call into libm, which stops the compiler from
//! vectorising a loop. These versions use only arithmetic and bit casts, so a loop over a
//! slice becomes SIMD code. `exp` is Cephes' single-precision polynomial after range
//! reduction by powers of two: relative error below 2·10⁻⁷ (tested against `f32::exp`).
//!
//! The slice functions ([`sigmoid_in_place`], [`tanh_in_place`], [`exp_in_place`]) run
//! hand-written AVX2+FMA code when the CPU has it (`fastmath/avx2.rs`): the same polynomial
//! with fused multiply-adds, four vectors at a time. That is 1.5–2× the speed of the loop the
//! compiler makes from the scalar functions, whose polynomial is one long chain of dependent
//! operations per vector.

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;

/// `x·log₂e` rounded to the nearest integer with the 1.5·2²³ trick: adding and subtracting
/// this constant rounds in SSE2 arithmetic, without a call to `roundf`.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// The range `exp` clamps its input to: inside it `eˣ` is a normal finite `f32`.
const EXP_RANGE: (f32, f32) = (-87.3, 88.0);
/// `log₂e`, to find the power of two nearest to `eˣ`.
const LOG2E: f32 = std::f32::consts::LOG2_E;
/// `ln 2` in two parts (Cephes): `n·LN2_HI` is exact for the `n` that occur, so the
/// reduced argument `r = x − n·ln 2` keeps its precision.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Cephes' polynomial `P` with `eʳ ≈ 1 + r + r²·P(r)` on the reduced range, highest degree
/// first (Horner's order).
const EXP_POLY: [f32; 6] = [
    1.987_569_1e-4,
    1.398_2e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    0.5,
];

/// `eˣ`, vectorisable. Inputs are clamped to [−87.3, 88], inside the range where `eˣ` is a
/// normal finite `f32`; NaN propagates.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(EXP_RANGE.0, EXP_RANGE.1);
    let shifted = x * LOG2E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = EXP_POLY[0];
    for c in &EXP_POLY[1..] {
        p = p * r + c;
    }
    let e_r = p * r * r + r + 1.0;
    // 2ⁿ built from its exponent bits; n is in [−126, 127] after the clamp.
    let pow2 = f32::from_bits(
        ((shifted.to_bits() as i32 - ROUND_MAGIC.to_bits() as i32 + 127) << 23) as u32,
    );
    e_r * pow2
}

/// The logistic function `1/(1 + e⁻ˣ)`, vectorisable (absolute error below 1.5·10⁻⁷).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh(x)` as `sign(x)·(1 − 2/(e^{2|x|} + 1))`, vectorisable (absolute error below 2·10⁻⁷).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let t = 1.0 - 2.0 / (exp(2.0 * x.abs()) + 1.0);
    t.copysign(x)
}

/// Whether this CPU has AVX2 and FMA: the one test behind every kernel compiled for them
/// (the standard library caches the answer, so it costs a load).
#[inline]
pub(crate) fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs a loop body compiled for AVX2+FMA when the CPU has them, and for the baseline
/// target otherwise. The body is written once, as an `#[inline(always)]` function, and
/// instantiated inside both.
macro_rules! dispatch {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) => $body:path) => {
        $(#[$doc])*
        $vis fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn wide($($arg: $ty),*) {
                    $body($($arg),*)
                }
                if $crate::fastmath::has_avx2_fma() {
                    // SAFETY: `wide` only requires AVX2 and FMA, which were just detected.
                    return unsafe { wide($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}
pub(crate) use dispatch;

/// Defines `$name(x: &mut [f32])`: the AVX2 lane function `avx2::$name` when the CPU has
/// AVX2 and FMA, a loop over the scalar `$scalar` (which the compiler vectorises for the
/// baseline target) otherwise.
macro_rules! slice_fn {
    ($(#[$doc:meta])* $name:ident, $scalar:ident) => {
        $(#[$doc])*
        pub fn $name(x: &mut [f32]) {
            #[cfg(target_arch = "x86_64")]
            if has_avx2_fma() {
                // SAFETY: AVX2 and FMA were just detected.
                return unsafe { avx2::$name(x) };
            }
            for v in x {
                *v = $scalar(*v);
            }
        }
    };
}

slice_fn! {
    /// `σ` applied to every element, in place (with AVX2+FMA, four vectors at a time, when
    /// the CPU has them).
    sigmoid_in_place, sigmoid
}

slice_fn! {
    /// `tanh` applied to every element, in place (with AVX2+FMA, four vectors at a time, when
    /// the CPU has them).
    tanh_in_place, tanh
}

slice_fn! {
    /// `eˣ` applied to every element, in place (with AVX2+FMA, four vectors at a time, when
    /// the CPU has them).
    exp_in_place, exp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f32> {
        (-20_000..=20_000).map(|i| i as f32 * 0.004)
    }

    /// `f` applied to a copy of `xs`.
    fn mapped(xs: &[f32], f: fn(&mut [f32])) -> Vec<f32> {
        let mut out = xs.to_vec();
        f(&mut out);
        out
    }

    #[test]
    fn exp_is_accurate_to_two_ulps_in_relative_terms() {
        let xs: Vec<f32> = grid().chain([-87.0, -50.0, 30.0, 87.9]).collect();
        // The scalar function and the slice version (AVX2 lanes on a CPU that has them).
        let lanes = mapped(&xs, exp_in_place);
        for (&x, &lane) in xs.iter().zip(&lanes) {
            let b = x.exp();
            for a in [exp(x), lane] {
                assert!(((a - b) / b).abs() < 2e-7, "exp({x}) = {a}, libm {b}");
            }
        }
        let extremes = [-1000.0, 1000.0, f32::NAN];
        for e in [extremes.map(exp).to_vec(), mapped(&extremes, exp_in_place)] {
            assert!(e[0] >= 0.0 && e[0] < 1e-37, "exp(-1000) = {}", e[0]);
            assert!(e[1].is_finite() && e[2].is_nan(), "{e:?}");
        }
    }

    #[test]
    fn sigmoid_and_tanh_match_libm() {
        let xs: Vec<f32> = grid().collect();
        let (sigmoids, tanhs) = (mapped(&xs, sigmoid_in_place), mapped(&xs, tanh_in_place));
        for (k, &x) in xs.iter().enumerate() {
            let s = 1.0 / (1.0 + (-f64::from(x)).exp());
            for a in [sigmoid(x), sigmoids[k]] {
                assert!(
                    (f64::from(a) - s).abs() < 1.5e-7,
                    "sigmoid({x}): {a} vs {s}"
                );
            }
            let t = f64::from(x).tanh();
            for a in [tanh(x), tanhs[k]] {
                assert!((f64::from(a) - t).abs() < 2e-7, "tanh({x}): {a} vs {t}");
            }
        }
        let special = [0.0, -0.0, 100.0, -100.0];
        for t in [special.map(tanh).to_vec(), mapped(&special, tanh_in_place)] {
            assert_eq!(t, [0.0, 0.0, 1.0, -1.0]);
            assert!(t[1].is_sign_negative(), "tanh(-0) keeps its sign");
        }
        assert!(mapped(&[f32::NAN], sigmoid_in_place)[0].is_nan());
        assert!(mapped(&[f32::NAN], tanh_in_place)[0].is_nan());
    }

    #[test]
    fn slice_versions_give_each_value_the_same_result_wherever_it_sits() {
        // Lengths around the eight lanes, so that values fall in full groups and in the
        // zero-padded last group.
        let xs: Vec<f32> = grid().step_by(97).take(40).collect();
        for f in [sigmoid_in_place, tanh_in_place, exp_in_place] {
            let whole = mapped(&xs, f);
            for start in 0..9 {
                for len in 0..=(xs.len() - start).min(19) {
                    let part = mapped(&xs[start..start + len], f);
                    assert_eq!(part, whole[start..start + len], "start {start}, len {len}");
                }
            }
        }
    }
}
