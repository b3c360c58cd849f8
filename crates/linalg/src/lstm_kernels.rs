//! The elementwise part of an LSTM step, forward and backward, over a block of columns:
//! each column in a few passes while it sits in L1, compiled for AVX2+FMA when the CPU has
//! it.
//!
//! Layout (neurotext's, one example per column): a gate block is `[4H, cols]`, each column
//! holding the four gates of one example one after another in PyTorch's order
//! `i, f, g, o` (`g` is the lecture's input activation `a`); states are `[H, cols]`.
//!
//! Forward, per element: `i = σ(zᵢ)`, `f = σ(z_f)`, `a = tanh(z_g)`, `o = σ(z_o)`,
//! `c_t = f ⊙ c_{t−1} + i ⊙ a`, `h_t = o ⊙ tanh(c_t)`.

use crate::error::{Error, Result};
use crate::fastmath::{dispatch, sigmoid_in_place, tanh, tanh_in_place};

fn check(op: &'static str, hidden: usize, parts: &[(&str, usize, usize)]) -> Result<usize> {
    let Some(&(_, len0, per0)) = parts.first() else {
        return Ok(0);
    };
    if hidden == 0 || len0 % (per0 * hidden) != 0 {
        return Err(Error::Invalid {
            op,
            message: format!("hidden size {hidden} does not divide the gate block"),
        });
    }
    let cols = len0 / (per0 * hidden);
    for &(name, len, per) in parts {
        if len != per * hidden * cols {
            return Err(Error::Shape {
                op,
                expected: format!(
                    "{name} of {} values ({per}·{hidden} × {cols} columns)",
                    per * hidden * cols
                ),
                got: format!("{len} values"),
            });
        }
    }
    Ok(cols)
}

#[inline(always)]
fn forward_columns(gates: &mut [f32], bias: &[f32], c: &mut [f32], h: &mut [f32], hidden: usize) {
    for ((g, c), h) in gates
        .chunks_exact_mut(4 * hidden)
        .zip(c.chunks_exact_mut(hidden))
        .zip(h.chunks_exact_mut(hidden))
    {
        for (z, &b) in g.iter_mut().zip(bias) {
            *z += b;
        }
        let (gi, rest) = g.split_at_mut(hidden);
        let (gf, rest) = rest.split_at_mut(hidden);
        let (ga, go) = rest.split_at_mut(hidden);
        // One pass per activation over a gate's contiguous block: the slice functions (which
        // pick their own AVX2 code) keep several independent `exp` chains in flight; a loop
        // computing the activations unit by unit runs one long chain at a time.
        sigmoid_in_place(gi);
        sigmoid_in_place(gf);
        tanh_in_place(ga);
        sigmoid_in_place(go);
        for (((c, h), &i), (&f, &a)) in c
            .iter_mut()
            .zip(h.iter_mut())
            .zip(gi.iter())
            .zip(gf.iter().zip(ga.iter()))
        {
            *c = f * *c + i * a;
            *h = *c;
        }
        tanh_in_place(h);
        for (h, &o) in h.iter_mut().zip(go.iter()) {
            *h *= o;
        }
    }
}

dispatch! {
    fn forward_dispatch(gates: &mut [f32], bias: &[f32], c: &mut [f32], h: &mut [f32], hidden: usize) => forward_columns
}

/// One LSTM step's elementwise part for a block of columns.
///
/// - `gates` (`[4H, cols]`): the products `W_ih·x + W_hh·h` on entry, the activations
///   `i, f, a, o` of those plus `bias` on return (kept for the backward pass);
/// - `bias` (`[4H]`): `b_ih + b_hh`, added here, in the pass that reads the gates anyway,
///   rather than written into every column of the gate block beforehand;
/// - `c` (`[H, cols]`): `c_{t−1}` on entry, `c_t` on return;
/// - `h` (`[H, cols]`): receives `h_t`.
///
/// # Errors
/// [`Error::Shape`] when the slices do not describe the same number of columns.
pub fn lstm_cell_forward(
    gates: &mut [f32],
    bias: &[f32],
    c: &mut [f32],
    h: &mut [f32],
    hidden: usize,
) -> Result<()> {
    check(
        "lstm_cell_forward",
        hidden,
        &[
            ("gates", gates.len(), 4),
            ("c", c.len(), 1),
            ("h", h.len(), 1),
        ],
    )?;
    if bias.len() != 4 * hidden {
        return Err(Error::Shape {
            op: "lstm_cell_forward",
            expected: format!("bias of {} values (4·{hidden})", 4 * hidden),
            got: format!("{} values", bias.len()),
        });
    }
    forward_dispatch(gates, bias, c, h, hidden);
    Ok(())
}

#[inline(always)]
fn backward_body(
    gates: &[f32],
    c_prev: &[f32],
    c: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    dgates: &mut [f32],
    hidden: usize,
) {
    let columns = gates
        .chunks_exact(4 * hidden)
        .zip(dgates.chunks_exact_mut(4 * hidden))
        .zip(c_prev.chunks_exact(hidden))
        .zip(c.chunks_exact(hidden))
        .zip(dh.chunks_exact(hidden))
        .zip(dc.chunks_exact_mut(hidden));
    for (((((g, dg), cp), cc), dhh), dcc) in columns {
        let (gi, rest) = g.split_at(hidden);
        let (gf, rest) = rest.split_at(hidden);
        let (ga, go) = rest.split_at(hidden);
        let (di, rest) = dg.split_at_mut(hidden);
        let (df, rest) = rest.split_at_mut(hidden);
        let (da, dout) = rest.split_at_mut(hidden);
        let acts = gi.iter().zip(gf).zip(ga).zip(go);
        let grads = di
            .iter_mut()
            .zip(df.iter_mut())
            .zip(da.iter_mut())
            .zip(dout.iter_mut());
        let states = cp.iter().zip(cc).zip(dhh).zip(dcc.iter_mut());
        for ((((&i, &f), &a), &o), ((((di, df), da), dout), (((&cp, &c), &dh), dc))) in
            acts.zip(grads.zip(states))
        {
            let tc = tanh(c);
            let d_o = dh * tc;
            let dct = *dc + dh * o * (1.0 - tc * tc);
            *di = dct * a * i * (1.0 - i);
            *df = dct * cp * f * (1.0 - f);
            *da = dct * i * (1.0 - a * a);
            *dout = d_o * o * (1.0 - o);
            *dc = dct * f;
        }
    }
}

dispatch! {
    fn backward_dispatch(
        gates: &[f32],
        c_prev: &[f32],
        c: &[f32],
        dh: &[f32],
        dc: &mut [f32],
        dgates: &mut [f32],
        hidden: usize,
    ) => backward_body
}

/// The backward pass of [`lstm_cell_forward`] for a block of columns.
///
/// - `gates` (`[4H, cols]`): the activations `i, f, a, o` saved by the forward pass;
/// - `c_prev`, `c` (`[H, cols]`): `c_{t−1}` and `c_t`;
/// - `dh` (`[H, cols]`): `∂L/∂h_t`, everything that reaches `h_t`;
/// - `dc` (`[H, cols]`): `∂L/∂c_t` from step t+1 on entry, `∂L/∂c_{t−1}` on return;
/// - `dgates` (`[4H, cols]`): receives `∂L/∂z` for the four pre-activations.
///
/// # Errors
/// [`Error::Shape`] when the slices do not describe the same number of columns.
pub fn lstm_cell_backward(
    gates: &[f32],
    c_prev: &[f32],
    c: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    dgates: &mut [f32],
    hidden: usize,
) -> Result<()> {
    check(
        "lstm_cell_backward",
        hidden,
        &[
            ("gates", gates.len(), 4),
            ("c_prev", c_prev.len(), 1),
            ("c", c.len(), 1),
            ("dh", dh.len(), 1),
            ("dc", dc.len(), 1),
            ("dgates", dgates.len(), 4),
        ],
    )?;
    backward_dispatch(gates, c_prev, c, dh, dc, dgates, hidden);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// The forward step in f64 with libm, straight from the equations.
    fn reference(z: &[f32], c_prev: f32, hidden: usize, j: usize) -> (f64, f64) {
        let i = sig(f64::from(z[j]));
        let f = sig(f64::from(z[hidden + j]));
        let a = f64::from(z[2 * hidden + j]).tanh();
        let o = sig(f64::from(z[3 * hidden + j]));
        let c = f * f64::from(c_prev) + i * a;
        (c, o * c.tanh())
    }

    #[test]
    fn forward_matches_the_equations() {
        // 5 units: one partial vector; 45: a group of 32, a full vector and a partial one.
        for hidden in [5, 45] {
            let cols = 3;
            let z: Vec<f32> = (0..4 * hidden * cols)
                .map(|k| ((k * 37 % 23) as f32 - 11.0) * 0.3)
                .collect();
            // States in [−1.6, 1.6], where f32 resolves 1e-6.
            let c0: Vec<f32> = (0..hidden * cols)
                .map(|k| ((k % 17) as f32 - 8.0) * 0.2)
                .collect();
            // The bias is added to each column's products: reference() sees the sums.
            let bias: Vec<f32> = (0..4 * hidden).map(|r| (r as f32 * 0.9).cos()).collect();
            let products: Vec<f32> = z
                .iter()
                .enumerate()
                .map(|(k, &v)| v - bias[k % (4 * hidden)])
                .collect();
            let (mut gates, mut c, mut h) = (products, c0.clone(), vec![0.0; hidden * cols]);
            lstm_cell_forward(&mut gates, &bias, &mut c, &mut h, hidden).unwrap();
            for k in 0..cols {
                for j in 0..hidden {
                    let (ce, he) = reference(&z[4 * hidden * k..], c0[hidden * k + j], hidden, j);
                    let (cj, hj) = (c[hidden * k + j], h[hidden * k + j]);
                    assert!((f64::from(cj) - ce).abs() < 1e-6, "c[{j}] of column {k}");
                    assert!((f64::from(hj) - he).abs() < 1e-6, "h[{j}] of column {k}");
                }
            }
        }
    }

    #[test]
    fn backward_matches_finite_differences_of_the_forward() {
        let hidden = 3;
        let z: Vec<f32> = (0..4 * hidden).map(|k| (k as f32 * 0.7).sin()).collect();
        let c0: Vec<f32> = vec![0.3, -0.5, 0.9];
        // L = Σ wh·h_t + Σ wc·c_t, so ∂L/∂h = wh and ∂L/∂c_t (from the future) = wc.
        let wh = [0.4f32, -1.1, 0.6];
        let wc = [0.2f32, 0.5, -0.3];
        let loss = |z: &[f32], c0: &[f32]| -> f64 {
            (0..hidden)
                .map(|j| {
                    let (c, h) = reference(z, c0[j], hidden, j);
                    f64::from(wh[j]) * h + f64::from(wc[j]) * c
                })
                .sum()
        };
        let mut gates = z.clone();
        let (mut c, mut h) = (c0.clone(), vec![0.0; hidden]);
        lstm_cell_forward(&mut gates, &vec![0.0; 4 * hidden], &mut c, &mut h, hidden).unwrap();
        let mut dc = wc.to_vec();
        let mut dz = vec![0.0; 4 * hidden];
        lstm_cell_backward(&gates, &c0, &c, &wh, &mut dc, &mut dz, hidden).unwrap();
        let eps = 1e-3;
        for k in 0..4 * hidden {
            let (mut zp, mut zm) = (z.clone(), z.clone());
            zp[k] += eps;
            zm[k] -= eps;
            let num = (loss(&zp, &c0) - loss(&zm, &c0)) / (2.0 * f64::from(eps));
            assert!(
                (num - f64::from(dz[k])).abs() < 1e-4,
                "dz[{k}]: {} vs {num}",
                dz[k]
            );
        }
        for j in 0..hidden {
            let (mut cp, mut cm) = (c0.clone(), c0.clone());
            cp[j] += eps;
            cm[j] -= eps;
            let num = (loss(&z, &cp) - loss(&z, &cm)) / (2.0 * f64::from(eps));
            assert!(
                (num - f64::from(dc[j])).abs() < 1e-4,
                "dc_prev[{j}]: {} vs {num}",
                dc[j]
            );
        }
    }

    #[test]
    fn mismatched_blocks_are_refused() {
        let mut g = vec![0.0; 4 * 3 * 2];
        let mut c = vec![0.0; 3 * 2];
        let mut h = vec![0.0; 3];
        let bias = vec![0.0; 4 * 3];
        assert!(lstm_cell_forward(&mut g, &bias, &mut c, &mut h, 3).is_err());
        assert!(lstm_cell_forward(&mut g, &bias, &mut c, &mut h, 0).is_err());
        let mut h = vec![0.0; 3 * 2];
        assert!(lstm_cell_forward(&mut g, &bias, &mut c, &mut h, 3).is_ok());
        let err = lstm_cell_forward(&mut g, &bias[..11], &mut c, &mut h, 3).unwrap_err();
        assert!(err.to_string().contains("bias"), "{err}");
    }
}
