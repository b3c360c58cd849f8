//! A linear map of sparse rows: `Y = W·Xᵀ` for a dense weight W (`[out, features]`) and a
//! constant CSR batch X (`[batch, features]`, one bag of words per row), giving `[out, batch]`.
//!
//! This is an EmbeddingBag: each output column is the weighted sum of the weight columns of
//! the document's words, so a bag-of-words model never builds a dense `[batch, |V|]` matrix.
//! Derivative: `∂L/∂W = G·X`, accumulated column by column for the words that occur.

use std::sync::Arc;

use neurotext_linalg::{CsrMatrix, Matrix};

use crate::error::{Result, shape_error};
use crate::graph::{InputGrads, Op, Var};

struct SparseMatmul {
    x: Arc<CsrMatrix>,
}

impl<'g> Var<'g> {
    /// `self · xᵀ` for a sparse batch `x` (`[batch, features]`): `[out, features] → [out, batch]`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when `x` does not have `self.cols` features.
    pub fn matmul_csr_t(self, x: &Arc<CsrMatrix>) -> Result<Var<'g>> {
        let w = self.value();
        if w.ncols() != x.ncols() {
            return Err(shape_error(
                "matmul_csr_t",
                format!(
                    "W with {} columns for {} sparse features",
                    x.ncols(),
                    x.ncols()
                ),
                w.shape(),
            ));
        }
        let y = x.dense_times_transpose(&w)?;
        Ok(self.record(y, SparseMatmul { x: Arc::clone(x) }, &[]))
    }
}

impl Op for SparseMatmul {
    fn name(&self) -> &'static str {
        "matmul_csr_t"
    }

    fn backward(&self, _x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        // Only the columns of features present in the batch receive a gradient.
        let cols = self.x.indices().iter().map(|&c| c as usize);
        grads.add_columns_with(0, cols, |g| {
            self.x
                .accumulate_weight_grad(gy, g)
                .expect("matmul_csr_t backward: shapes checked in forward");
        });
    }
}
