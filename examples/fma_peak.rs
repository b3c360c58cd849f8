//! The most floating-point work this machine's cores can do: fused multiply-adds on values
//! held in registers, with nothing to load or store, on one thread and on all of them.
//!
//! This is the ceiling for any f32 product here, neurotext's or PyTorch's. `benches/
//! compare.py lstm` runs it beside the LSTM benchmarks, so that each side's GFLOPS can be read
//! against it, and the largest speed-up that is possible at all follows from the reference's
//! own rate: a side already at 75 % of the peak can be beaten by at most 1.33×.
//!
//! It counts a multiply-add as two operations, as GFLOPS figures of GEMMs do. Twelve
//! independent chains of 8-wide multiply-adds keep both FMA units busy (each takes four
//! cycles, two start per cycle). Without AVX2 and FMA it prints nothing and says so.
//!
//! Run: `cargo run --release --example fma_peak` (prints `peak_gflops <threads> <GFLOPS per
//! thread>` lines: one thread, then all cores, each the best of five timings).

use std::time::Instant;

/// Multiply-adds per chain per timing: about 0.1 s at 3 GHz.
const ROUNDS: usize = 50_000_000;

/// Independent chains of 8-wide multiply-adds.
const CHAINS: usize = 12;

/// Runs `rounds` rounds of 12 chained 8-wide multiply-adds; returns GFLOPS.
fn gflops(rounds: usize) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        let start = Instant::now();
        // SAFETY: AVX2 and FMA were just detected.
        let sum = unsafe { chains(rounds) };
        let seconds = start.elapsed().as_secs_f64();
        std::hint::black_box(sum);
        return Some((rounds * CHAINS * 8 * 2) as f64 / seconds / 1e9);
    }
    let _ = rounds;
    None
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn chains(rounds: usize) -> f32 {
    use std::arch::x86_64::*;
    // x ← 0.999·x + 10⁻³ converges to 1: the values stay finite however long it runs.
    let a = _mm256_set1_ps(0.999);
    let b = _mm256_set1_ps(1e-3);
    let mut acc = [_mm256_setzero_ps(); CHAINS];
    // Opaque to the optimiser, so the loop cannot be shortened.
    let rounds = std::hint::black_box(rounds);
    for _ in 0..rounds {
        for x in acc.iter_mut() {
            *x = _mm256_fmadd_ps(*x, a, b);
        }
    }
    let mut total = _mm256_setzero_ps();
    for x in acc {
        total = _mm256_add_ps(total, x);
    }
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds 8 values.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), total) };
    lanes.iter().sum()
}

/// The best of five timings of `threads` threads running at once: GFLOPS per thread (the
/// slowest thread of each timing, since a shared core shows up as one).
fn best_per_thread(threads: usize) -> Option<f64> {
    let mut best: Option<f64> = None;
    for _ in 0..5 {
        let handles: Vec<_> = (0..threads)
            .map(|_| std::thread::spawn(|| gflops(ROUNDS)))
            .collect();
        let rates: Option<Vec<f64>> = handles
            .into_iter()
            .map(|h| h.join().expect("the timing thread does not panic"))
            .collect();
        let slowest = rates?.into_iter().fold(f64::INFINITY, f64::min);
        best = Some(best.map_or(slowest, |b: f64| b.max(slowest)));
    }
    best
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut counts = vec![1];
    if cores > 1 {
        counts.push(cores);
    }
    for threads in counts {
        match best_per_thread(threads) {
            Some(rate) => println!("peak_gflops {threads} {rate:.1}"),
            None => {
                println!("fma_peak: this CPU has no AVX2 and FMA; no peak measured");
                return;
            }
        }
    }
}
