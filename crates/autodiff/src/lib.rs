//! Define-by-run reverse-mode automatic differentiation on matrices, the way the lecture
//! draws it: a computation graph recorded as the forward pass runs, then walked backwards
//! with the chain rule (backpropagation).
//!
//! # Brief overview
//! - [`Graph`]: the tape. One per training step; cheap to build and to drop.
//! - [`Var`]: a value on the tape. Every op is a method on it (`x.matmul(w)?`, `y.tanh()`,
//!   `logits.cross_entropy(&targets, None)?`), implemented in one file of `ops/` or `loss/`
//!   with its forward and backward side by side.
//! - [`Param`]: a trainable matrix and its gradient, living outside the tape;
//!   [`Module`] lists a model's named parameters for optimizers and checkpoints.
//! - [`gradcheck`]: compares every gradient with central finite differences. Every op and
//!   every loss in this crate is tested with it.
//!
//! Values are whole matrices, never scalars: a `3200×300 · 300×1024` product is one node.
//!
//! # Example: the lecture's backpropagation slide
//! ```
//! use neurotext_autodiff::{Graph, Matrix, Param};
//! // y = tanh(x₁w₁ + x₂w₂ + b), L = (y − t)², x = (2, −0.5), w = (1, 3), b = −1.2, t = −1.
//! let w = Param::new(Matrix::from_row_slice(1, 2, &[1.0, 3.0]));
//! let b = Param::new(Matrix::from_element(1, 1, -1.2));
//! let g = Graph::new();
//! let x = g.constant(Matrix::from_column_slice(2, 1, &[2.0, -0.5]));
//! let y = g.param(&w).matmul(x)?.add(g.param(&b))?.tanh();
//! let loss = y.sub(g.constant(Matrix::from_element(1, 1, -1.0)))?.square().sum();
//! let grads = g.backward(loss)?;
//! let dw = grads.of_param(&w).unwrap();
//! assert!((y.scalar() + 0.6044).abs() < 1e-4);
//! assert!((dw[0] - 1.0045).abs() < 1e-4 && (dw[1] + 0.2511).abs() < 1e-4);
//! # Ok::<(), neurotext_autodiff::Error>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]
// `a.add(b)?` returns a `Result` (shapes are checked at run time), so it cannot be `std::ops::Add`.
#![allow(clippy::should_implement_trait)]

mod axis;
mod error;
mod gradcheck;
mod graph;
mod loss;
mod module;
mod ops;
mod param;

pub use axis::Axis;
pub use error::{Error, Result};
pub use gradcheck::{
    GradcheckError, GradcheckOptions, gradcheck, gradcheck_params, gradcheck_with,
};
pub use graph::{Gradients, Graph, InputGrads, Op, Var};
pub use module::{Module, duplicate_name, join_name};
pub use neurotext_linalg::{Matrix, Trans};
pub use ops::{concat, sigmoid_scalar};
pub use param::{GradSupport, Param, ParamId};
