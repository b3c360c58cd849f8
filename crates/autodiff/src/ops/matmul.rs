//! Matrix product with optional transposes: `C = op(A)·op(B)`.
//!
//! Derivatives: `∂L/∂op(A) = G·op(B)ᵀ` and `∂L/∂op(B) = op(A)ᵀ·G`, each formed by one GEMM that
//! accumulates straight into the input's gradient buffer; a transposed operand receives the
//! transpose of its gradient, again through strides rather than a copy.

use neurotext_linalg::{Matrix, Trans, gemm, matmul_t, shape_str};

use crate::error::{Result, shape_error};
use crate::graph::{InputGrads, Op, Var};

struct MatMul {
    ta: Trans,
    tb: Trans,
}

fn flip(t: Trans) -> Trans {
    match t {
        Trans::No => Trans::Yes,
        Trans::Yes => Trans::No,
    }
}

fn op_shape(m: (usize, usize), t: Trans) -> (usize, usize) {
    match t {
        Trans::No => m,
        Trans::Yes => (m.1, m.0),
    }
}

impl<'g> Var<'g> {
    /// `self · b`: `[m, k]·[k, n] → [m, n]`. One node, however large.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the inner dimensions differ.
    pub fn matmul(self, b: Var<'g>) -> Result<Var<'g>> {
        self.matmul_t(Trans::No, b, Trans::No)
    }

    /// `op(self) · op(b)`, where `op` transposes when asked (without copying).
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the inner dimensions differ.
    pub fn matmul_t(self, ta: Trans, b: Var<'g>, tb: Trans) -> Result<Var<'g>> {
        let (av, bv) = (self.value(), b.value());
        let (m, k) = op_shape(av.shape(), ta);
        let (k2, n) = op_shape(bv.shape(), tb);
        if k != k2 {
            return Err(shape_error(
                "matmul",
                format!("op(B) with {k} rows to match op(A) {}", shape_str(m, k)),
                (k2, n),
            ));
        }
        let y = matmul_t(&av, ta, &bv, tb)?;
        Ok(self.record(y, MatMul { ta, tb }, &[b]))
    }
}

impl Op for MatMul {
    fn name(&self) -> &'static str {
        "matmul"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let (a, b) = (x[0], x[1]);
        grads.add_with(0, |ga| {
            let r = match self.ta {
                // ∂A = G·op(B)ᵀ
                Trans::No => gemm(1.0, gy, Trans::No, b, flip(self.tb), 1.0, ga),
                // A enters transposed: ∂A = (G·op(B)ᵀ)ᵀ = op(B)·Gᵀ
                Trans::Yes => gemm(1.0, b, self.tb, gy, Trans::Yes, 1.0, ga),
            };
            r.expect("matmul backward: shapes were checked in forward");
        });
        grads.add_with(1, |gb| {
            let r = match self.tb {
                // ∂B = op(A)ᵀ·G
                Trans::No => gemm(1.0, a, flip(self.ta), gy, Trans::No, 1.0, gb),
                // B enters transposed: ∂B = (op(A)ᵀ·G)ᵀ = Gᵀ·op(A)
                Trans::Yes => gemm(1.0, gy, Trans::Yes, a, self.ta, 1.0, gb),
            };
            r.expect("matmul backward: shapes were checked in forward");
        });
    }
}
