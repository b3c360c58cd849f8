//! The matrix type and its shape-checked constructors and elementwise operations.

use crate::error::{Error, Result, shape_str};

/// The one matrix type of neurotext: a dense, column-major `f32` matrix (nalgebra's).
///
/// A batch is a matrix of column vectors: `X = [x₁ x₂ … x_B]` has one example per column
/// (`[features, batch]`), so a layer reads `Y = f(W·X + b)` exactly as the lecture writes it.
pub type Matrix = nalgebra::DMatrix<f32>;

/// Returns an error unless `a` and `b` have the same shape.
///
/// # Errors
/// [`Error::Shape`] naming `op` and both shapes.
pub fn check_same_shape(op: &'static str, a: &Matrix, b: &Matrix) -> Result<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(Error::Shape {
            op,
            expected: shape_str(a.nrows(), a.ncols()),
            got: shape_str(b.nrows(), b.ncols()),
        })
    }
}

/// Returns an error unless `m` has the shape `rows × cols`.
///
/// # Errors
/// [`Error::Shape`] naming `op` and both shapes.
pub fn check_shape(op: &'static str, m: &Matrix, rows: usize, cols: usize) -> Result<()> {
    if m.shape() == (rows, cols) {
        Ok(())
    } else {
        Err(Error::Shape {
            op,
            expected: shape_str(rows, cols),
            got: shape_str(m.nrows(), m.ncols()),
        })
    }
}

/// Builds a matrix from rows of equal length, as the lecture writes matrices.
///
/// # Errors
/// [`Error::Shape`] when the rows differ in length.
///
/// ```
/// let w = neurotext_linalg::from_rows(&[&[0.15, -0.7], &[0.02, 0.81]])?;
/// assert_eq!((w.nrows(), w.ncols(), w[(1, 0)]), (2, 2, 0.02));
/// # Ok::<(), neurotext_linalg::Error>(())
/// ```
pub fn from_rows(rows: &[&[f32]]) -> Result<Matrix> {
    let cols = rows.first().map_or(0, |r| r.len());
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != cols) {
        return Err(Error::Shape {
            op: "from_rows",
            expected: format!("row {i} of length {cols}"),
            got: format!("length {}", r.len()),
        });
    }
    Ok(Matrix::from_fn(rows.len(), cols, |i, j| rows[i][j]))
}

/// A column vector (`n × 1`) holding `values`.
pub fn column(values: &[f32]) -> Matrix {
    Matrix::from_column_slice(values.len(), 1, values)
}

/// `a + b`, shape-checked.
///
/// # Errors
/// [`Error::Shape`] when the shapes differ.
pub fn add(a: &Matrix, b: &Matrix) -> Result<Matrix> {
    check_same_shape("add", a, b)?;
    Ok(a + b)
}

/// `a - b`, shape-checked.
///
/// # Errors
/// [`Error::Shape`] when the shapes differ.
pub fn sub(a: &Matrix, b: &Matrix) -> Result<Matrix> {
    check_same_shape("sub", a, b)?;
    Ok(a - b)
}

/// The elementwise (Hadamard) product `a ⊙ b`, shape-checked.
///
/// # Errors
/// [`Error::Shape`] when the shapes differ.
pub fn hadamard(a: &Matrix, b: &Matrix) -> Result<Matrix> {
    check_same_shape("hadamard", a, b)?;
    Ok(a.component_mul(b))
}

/// `y += alpha · x`, shape-checked.
///
/// # Errors
/// [`Error::Shape`] when the shapes differ.
pub fn axpy(alpha: f32, x: &Matrix, y: &mut Matrix) -> Result<()> {
    check_same_shape("axpy", y, x)?;
    for (yi, xi) in y.iter_mut().zip(x.iter()) {
        *yi += alpha * xi;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_rejects_mismatched_shapes() {
        let err = add(&Matrix::zeros(2, 3), &Matrix::zeros(3, 2)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "add: shape mismatch: expected [2, 3], got [3, 2]"
        );
    }

    #[test]
    fn from_rows_rejects_ragged_rows() {
        let err = from_rows(&[&[1.0, 2.0], &[3.0]]).unwrap_err().to_string();
        assert!(err.contains("row 1"), "{err}");
    }

    #[test]
    fn elementwise_ops_compute_expected_values() {
        let a = from_rows(&[&[1.0, 2.0], &[3.0, 4.0]]).unwrap();
        let b = from_rows(&[&[0.5, -1.0], &[2.0, 0.0]]).unwrap();
        assert_eq!(
            add(&a, &b).unwrap(),
            from_rows(&[&[1.5, 1.0], &[5.0, 4.0]]).unwrap()
        );
        assert_eq!(
            sub(&a, &b).unwrap(),
            from_rows(&[&[0.5, 3.0], &[1.0, 4.0]]).unwrap()
        );
        assert_eq!(
            hadamard(&a, &b).unwrap(),
            from_rows(&[&[0.5, -2.0], &[6.0, 0.0]]).unwrap()
        );
        let mut y = a.clone();
        axpy(2.0, &b, &mut y).unwrap();
        assert_eq!(y, from_rows(&[&[2.0, 0.0], &[7.0, 4.0]]).unwrap());
    }
}
