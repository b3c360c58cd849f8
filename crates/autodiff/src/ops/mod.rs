//! The differentiable ops. Each file holds one op: its forward pass as a method on
//! [`Var`](crate::Var) and its backward pass as an [`Op`](crate::Op) impl, side by side, with
//! the derivative stated in the doc.

mod add;
mod broadcast_add;
mod broadcast_mul;
mod concat;
mod div;
mod dropout;
mod exp;
mod gather;
mod log;
mod log_softmax;
mod matmul;
mod max;
mod mean;
mod mul;
mod neg;
mod relu;
mod scalar;
mod sigmoid;
mod slice;
mod softmax;
mod sparse_matmul;
mod square;
mod sub;
mod sum;
mod tanh;
mod transpose;

pub use concat::concat;
pub(crate) use log_softmax::log_softmax_cols;
pub use sigmoid::sigmoid_scalar;

use neurotext_linalg::Matrix;

use crate::error::{Error, Result};

/// Checks that two operands of a binary elementwise op have the same shape.
pub(crate) fn same_shape(op: &'static str, a: &Matrix, b: &Matrix) -> Result<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(Error::Shape {
            op,
            expected: neurotext_linalg::shape_str(a.nrows(), a.ncols()),
            got: neurotext_linalg::shape_str(b.nrows(), b.ncols()),
        })
    }
}
