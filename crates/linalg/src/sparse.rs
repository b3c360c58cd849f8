//! Compressed sparse rows (CSR): one row per document, one column per vocabulary entry.
//!
//! A bag-of-words row of a real vocabulary (10⁴–10⁵ columns) is almost all zeros, so
//! neurotext never stores it densely. The two kernels here are the forward and backward of a
//! linear layer on sparse input, written as an EmbeddingBag: the output column of a document
//! is the weighted sum of the weight columns of its words.

use serde::{Deserialize, Serialize};

use crate::Matrix;
use crate::error::{Error, Result, shape_str};

/// A sparse `rows × cols` matrix in compressed sparse row form.
///
/// Row `r` holds the entries `indices[indptr[r]..indptr[r+1]]` with the values at the same
/// positions. Column indices within a row are strictly increasing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Loading goes through `new`, so that a file cannot make a matrix that breaks the invariants.
#[serde(try_from = "CsrParts")]
pub struct CsrMatrix {
    rows: usize,
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

/// The fields of a [`CsrMatrix`] as a file holds them, before they are checked.
#[derive(Deserialize)]
struct CsrParts {
    rows: usize,
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl TryFrom<CsrParts> for CsrMatrix {
    type Error = Error;

    fn try_from(p: CsrParts) -> Result<Self> {
        CsrMatrix::new(p.rows, p.cols, p.indptr, p.indices, p.values)
    }
}

impl CsrMatrix {
    /// Builds a CSR matrix from its three arrays, checking every invariant.
    ///
    /// # Errors
    /// [`Error::Invalid`] when `indptr` has the wrong length or is not non-decreasing, when
    /// `indices` and `values` differ in length, or when a row's column indices are out of
    /// range or not strictly increasing.
    pub fn new(
        rows: usize,
        cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f32>,
    ) -> Result<Self> {
        let bad = |message: String| {
            Err(Error::Invalid {
                op: "CsrMatrix::new",
                message,
            })
        };
        if Some(indptr.len()) != rows.checked_add(1) || indptr[0] != 0 {
            return bad(format!(
                "indptr must have rows + 1 = {rows} + 1 entries starting at 0, not {}",
                indptr.len()
            ));
        }
        // All of indptr is checked before any row is sliced with it.
        if let Some(r) = (0..rows).find(|&r| indptr[r] > indptr[r + 1]) {
            return bad(format!("indptr decreases at row {r}"));
        }
        if indices.len() != values.len() || indptr[rows] != indices.len() {
            return bad(format!(
                "indptr ends at {} but there are {} indices and {} values",
                indptr[rows],
                indices.len(),
                values.len()
            ));
        }
        for r in 0..rows {
            let row = &indices[indptr[r]..indptr[r + 1]];
            if row.windows(2).any(|w| w[0] >= w[1]) {
                return bad(format!(
                    "row {r} has column indices that are not increasing"
                ));
            }
            // The columns increase, so the last is the largest.
            if row.last().is_some_and(|&c| c as usize >= cols) {
                return bad(format!("row {r} has a column index ≥ {cols}"));
            }
        }
        Ok(CsrMatrix {
            rows,
            cols,
            indptr,
            indices,
            values,
        })
    }

    /// An empty matrix with `cols` columns, to which rows are pushed.
    pub fn with_cols(cols: usize) -> Self {
        CsrMatrix {
            rows: 0,
            cols,
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Appends a row given as `(column, value)` pairs in any order; repeated columns are summed.
    ///
    /// # Errors
    /// [`Error::Invalid`] when a column index is out of range.
    pub fn push_row(&mut self, entries: &mut [(u32, f32)]) -> Result<()> {
        if let Some(&(c, _)) = entries.iter().find(|(c, _)| *c as usize >= self.cols) {
            return Err(Error::Invalid {
                op: "CsrMatrix::push_row",
                message: format!("column {c} out of range for {} columns", self.cols),
            });
        }
        entries.sort_unstable_by_key(|e| e.0);
        for &(c, v) in entries.iter() {
            let row_start = self.indptr[self.rows];
            if self.indices.len() > row_start && self.indices.last() == Some(&c) {
                *self
                    .values
                    .last_mut()
                    .expect("values and indices have equal length") += v;
            } else {
                self.indices.push(c);
                self.values.push(v);
            }
        }
        self.rows += 1;
        self.indptr.push(self.indices.len());
        Ok(())
    }

    /// The number of rows (documents).
    pub fn nrows(&self) -> usize {
        self.rows
    }

    /// The number of columns (features).
    pub fn ncols(&self) -> usize {
        self.cols
    }

    /// The number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `r` as its column indices and values.
    ///
    /// # Panics
    /// When `r >= self.nrows()`, like slice indexing.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let span = self.indptr[r]..self.indptr[r + 1];
        (&self.indices[span.clone()], &self.values[span])
    }

    /// The row pointer array (`nrows + 1` entries).
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// The column index of every stored entry.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// The value of every stored entry.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Mutable access to the stored values (the sparsity pattern stays fixed).
    pub fn values_mut(&mut self) -> &mut [f32] {
        &mut self.values
    }

    /// A new matrix of the given rows, in the given order (a minibatch).
    ///
    /// # Errors
    /// [`Error::Invalid`] when a row index is out of range.
    pub fn select_rows(&self, rows: &[usize]) -> Result<CsrMatrix> {
        if let Some(&r) = rows.iter().find(|&&r| r >= self.rows) {
            return Err(Error::Invalid {
                op: "CsrMatrix::select_rows",
                message: format!("row {r} out of range for {} rows", self.rows),
            });
        }
        let nnz = rows
            .iter()
            .map(|&r| self.indptr[r + 1] - self.indptr[r])
            .sum();
        let mut out = CsrMatrix {
            rows: rows.len(),
            cols: self.cols,
            indptr: Vec::with_capacity(rows.len() + 1),
            indices: Vec::with_capacity(nnz),
            values: Vec::with_capacity(nnz),
        };
        out.indptr.push(0);
        for &r in rows {
            let (idx, val) = self.row(r);
            out.indices.extend_from_slice(idx);
            out.values.extend_from_slice(val);
            out.indptr.push(out.indices.len());
        }
        Ok(out)
    }

    /// The dense `rows × cols` matrix (for tests and small examples).
    pub fn to_dense(&self) -> Matrix {
        let mut m = Matrix::zeros(self.rows, self.cols);
        for r in 0..self.rows {
            let (idx, val) = self.row(r);
            for (&c, &v) in idx.iter().zip(val) {
                m[(r, c as usize)] = v;
            }
        }
        m
    }

    /// `W·Xᵀ` for this matrix X (`[batch, features]`) and a dense W (`[out, features]`): an
    /// `[out, batch]` matrix whose column `r` is `Σ_c X[r, c]·W[:, c]`.
    ///
    /// Each term reads one contiguous column of W, so the cost is `out × nnz`, independent of
    /// the vocabulary size.
    ///
    /// # Errors
    /// [`Error::Shape`] when `w.ncols() != self.ncols()`.
    pub fn dense_times_transpose(&self, w: &Matrix) -> Result<Matrix> {
        if w.ncols() != self.cols {
            return Err(Error::Shape {
                op: "dense_times_csr_transpose",
                expected: format!("W with {} columns", self.cols),
                got: shape_str(w.nrows(), w.ncols()),
            });
        }
        let out_dim = w.nrows();
        let mut y = Matrix::zeros(out_dim, self.rows);
        let w_data = w.as_slice();
        for (r, y_col) in y
            .as_mut_slice()
            .chunks_exact_mut(out_dim.max(1))
            .enumerate()
        {
            let (idx, val) = self.row(r);
            for (&c, &v) in idx.iter().zip(val) {
                let w_col = &w_data[c as usize * out_dim..(c as usize + 1) * out_dim];
                for (yi, wi) in y_col.iter_mut().zip(w_col) {
                    *yi += v * wi;
                }
            }
        }
        Ok(y)
    }

    /// The backward of [`dense_times_transpose`](Self::dense_times_transpose) with respect
    /// to W: `dW[:, c] += Σ_r X[r, c]·dY[:, r]`. Only the columns of words that occur are
    /// touched.
    ///
    /// # Errors
    /// [`Error::Shape`] when `dy` is not `[dw.nrows(), self.nrows()]` or `dw` does not have
    /// `self.ncols()` columns.
    pub fn accumulate_weight_grad(&self, dy: &Matrix, dw: &mut Matrix) -> Result<()> {
        if dw.ncols() != self.cols || dy.shape() != (dw.nrows(), self.rows) {
            return Err(Error::Shape {
                op: "csr_weight_grad",
                expected: format!(
                    "dY [{}, {}] and dW [{}, {}]",
                    dw.nrows(),
                    self.rows,
                    dw.nrows(),
                    self.cols
                ),
                got: format!(
                    "dY {} and dW {}",
                    shape_str(dy.nrows(), dy.ncols()),
                    shape_str(dw.nrows(), dw.ncols())
                ),
            });
        }
        let out_dim = dw.nrows();
        let dy_data = dy.as_slice();
        let dw_data = dw.as_mut_slice();
        for r in 0..self.rows {
            let dy_col = &dy_data[r * out_dim..(r + 1) * out_dim];
            let (idx, val) = self.row(r);
            for (&c, &v) in idx.iter().zip(val) {
                let dw_col = &mut dw_data[c as usize * out_dim..(c as usize + 1) * out_dim];
                for (g, d) in dw_col.iter_mut().zip(dy_col) {
                    *g += v * d;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gemm::{Trans, matmul_t};
    use crate::random::{seeded_rng, uniform};

    #[test]
    fn loading_checks_what_new_checks() {
        let config = bincode::config::standard();
        let x = example();
        let bytes = bincode::serde::encode_to_vec(&x, config).unwrap();
        let (back, _): (CsrMatrix, _) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(back, x);
        // rows, cols, indptr, indices, values: a middle indptr entry past the end of indices.
        let crafted = (
            2usize,
            5usize,
            vec![0usize, 10, 2],
            vec![0u32, 1],
            vec![1.0f32, 2.0],
        );
        let bytes = bincode::serde::encode_to_vec(&crafted, config).unwrap();
        let err = bincode::serde::decode_from_slice::<CsrMatrix, _>(&bytes, config).unwrap_err();
        assert!(
            err.to_string().contains("indptr decreases at row 1"),
            "{err}"
        );
        let crafted = (
            usize::MAX,
            5usize,
            vec![0usize],
            Vec::<u32>::new(),
            Vec::<f32>::new(),
        );
        let bytes = bincode::serde::encode_to_vec(&crafted, config).unwrap();
        let err = bincode::serde::decode_from_slice::<CsrMatrix, _>(&bytes, config).unwrap_err();
        assert!(err.to_string().contains("rows + 1"), "{err}");
    }

    fn example() -> CsrMatrix {
        let mut x = CsrMatrix::with_cols(5);
        x.push_row(&mut [(3, 1.0), (0, 2.0), (3, 1.0)]).unwrap();
        x.push_row(&mut []).unwrap();
        x.push_row(&mut [(4, -1.5)]).unwrap();
        x
    }

    #[test]
    fn push_row_sorts_and_sums_repeated_columns() {
        let x = example();
        assert_eq!(x.row(0), (&[0u32, 3][..], &[2.0f32, 2.0][..]));
        assert_eq!(x.nnz(), 3);
        assert_eq!(x.row(1).0.len(), 0);
    }

    #[test]
    fn new_rejects_out_of_range_and_unsorted_columns() {
        assert!(CsrMatrix::new(1, 3, vec![0, 1], vec![3], vec![1.0]).is_err());
        assert!(CsrMatrix::new(1, 3, vec![0, 2], vec![0, 3], vec![1.0, 1.0]).is_err());
        assert!(CsrMatrix::new(1, 3, vec![0, 2], vec![2, 1], vec![1.0, 1.0]).is_err());
        assert!(CsrMatrix::new(2, 3, vec![0, 1], vec![1], vec![1.0]).is_err());
        assert!(CsrMatrix::new(1, 3, vec![0, 2], vec![0, 2], vec![1.0, 1.0]).is_ok());
    }

    #[test]
    fn sparse_product_matches_dense_product() {
        let x = example();
        let w = uniform(4, 5, -1.0, 1.0, &mut seeded_rng(1));
        let dense = matmul_t(&w, Trans::No, &x.to_dense(), Trans::Yes).unwrap();
        let sparse = x.dense_times_transpose(&w).unwrap();
        assert!((dense - sparse).abs().max() < 1e-6);
    }

    #[test]
    fn sparse_weight_grad_matches_dense_product() {
        let x = example();
        let dy = uniform(4, 3, -1.0, 1.0, &mut seeded_rng(2));
        let mut dw = Matrix::zeros(4, 5);
        x.accumulate_weight_grad(&dy, &mut dw).unwrap();
        let dense = matmul_t(&dy, Trans::No, &x.to_dense(), Trans::No).unwrap();
        assert!((dense - dw).abs().max() < 1e-6);
    }

    #[test]
    fn select_rows_picks_rows_in_order() {
        let x = example();
        let s = x.select_rows(&[2, 0]).unwrap();
        assert_eq!(s.nrows(), 2);
        assert_eq!(s.row(0), x.row(2));
        assert_eq!(s.row(1), x.row(0));
        assert!(x.select_rows(&[3]).is_err());
    }
}
