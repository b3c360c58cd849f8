//! Fast, vectorisable `exp`, `σ` and `tanh`, and the dispatch that compiles hot loops for
//! AVX2+FMA when the CPU has it.
//!
//! The standard library's `f32::exp` is a call into libm, which stops the compiler from
//! vectorising a loop. These versions use only arithmetic and bit casts, so a loop over a
//! slice becomes 8-wide SIMD code. `exp` is Cephes' single-precision polynomial after range
//! reduction by powers of two: relative error below 2·10⁻⁷ (tested against `f32::exp`).

/// `x·log₂e` rounded to the nearest integer with the 1.5·2²³ trick: adding and subtracting
/// this constant rounds in SSE2 arithmetic, without a call to `roundf`.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// `eˣ`, vectorisable. Inputs are clamped to [−87.3, 88], inside the range where `eˣ` is a
/// normal finite `f32`; NaN propagates.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-87.3, 88.0);
    let shifted = x * LOG2E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_2e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
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

#[inline(always)]
fn sigmoid_body(x: &mut [f32]) {
    for v in x {
        *v = sigmoid(*v);
    }
}

#[inline(always)]
fn tanh_body(x: &mut [f32]) {
    for v in x {
        *v = tanh(*v);
    }
}

#[inline(always)]
fn exp_body(x: &mut [f32]) {
    for v in x {
        *v = exp(*v);
    }
}

dispatch! {
    /// `σ` applied to every element, in place, with SIMD.
    pub fn sigmoid_in_place(x: &mut [f32]) => sigmoid_body
}

dispatch! {
    /// `tanh` applied to every element, in place, with SIMD.
    pub fn tanh_in_place(x: &mut [f32]) => tanh_body
}

dispatch! {
    /// `eˣ` applied to every element, in place, with SIMD.
    pub fn exp_in_place(x: &mut [f32]) => exp_body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f32> {
        (-20_000..=20_000).map(|i| i as f32 * 0.004)
    }

    #[test]
    fn exp_is_accurate_to_two_ulps_in_relative_terms() {
        for x in grid().chain([-87.0, -50.0, 30.0, 87.9]) {
            let (a, b) = (exp(x), x.exp());
            assert!(((a - b) / b).abs() < 2e-7, "exp({x}) = {a}, libm {b}");
        }
        assert!(exp(-1000.0) >= 0.0 && exp(-1000.0) < 1e-37);
        assert!(exp(1000.0).is_finite() && exp(f32::NAN).is_nan());
    }

    #[test]
    fn sigmoid_and_tanh_match_libm() {
        for x in grid() {
            let s = 1.0 / (1.0 + (-f64::from(x)).exp());
            assert!(
                (f64::from(sigmoid(x)) - s).abs() < 1.5e-7,
                "sigmoid({x}): {} vs {s}",
                sigmoid(x)
            );
            let t = f64::from(x).tanh();
            assert!(
                (f64::from(tanh(x)) - t).abs() < 2e-7,
                "tanh({x}): {} vs {t}",
                tanh(x)
            );
        }
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(tanh(100.0), 1.0);
        assert_eq!(tanh(-100.0), -1.0);
    }

    #[test]
    fn slice_versions_agree_with_scalar_versions() {
        let xs: Vec<f32> = grid().step_by(97).collect();
        let mut s = xs.clone();
        sigmoid_in_place(&mut s);
        let mut t = xs.clone();
        tanh_in_place(&mut t);
        let mut e = xs.clone();
        exp_in_place(&mut e);
        for i in 0..xs.len() {
            assert_eq!(s[i], sigmoid(xs[i]));
            assert_eq!(t[i], tanh(xs[i]));
            assert!((e[i] - exp(xs[i])).abs() <= 1e-7 * e[i].abs().max(1e-30));
        }
    }
}
