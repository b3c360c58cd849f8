//! The lecture's optimizers, with its formulas: SGD, momentum, Nesterov, Adagrad, RMSprop and
//! Adam, plus gradient clipping, decoupled weight decay and learning-rate schedules.
//!
//! Optimizers need only parameters and gradients, which live in the autodiff crate, so this
//! crate does not depend on the layers.
//!
//! # Brief overview
//! - [`Optimizer`]: `step(&mut model)` reads every [`Param`](neurotext_autodiff::Param)'s
//!   gradient and updates its value.
//! - [`Sgd`], [`Momentum`], [`Nesterov`], [`Adagrad`], [`RmsProp`], [`Adam`]: each file states
//!   its update rule and where it differs from PyTorch (notably: Adam's ε inside the root,
//!   as the lecture writes it; [`Epsilon::OutsideRoot`] gives PyTorch's form).
//! - [`AnyOptimizer`]: any of them, chosen by name, serialisable with its state, so that a
//!   checkpoint resumes training exactly.
//! - [`clip_grad_norm`], [`Schedule`].
//!
//! **Sparse gradients, lazy updates.** When a parameter's gradient touches only some columns
//! (an embedding table, the first layer of a bag-of-words model; see
//! [`GradSupport`](neurotext_autodiff::GradSupport)), every optimizer updates only those
//! columns and leaves the state of the others untouched, like PyTorch's `SparseAdam` and
//! TensorFlow's lazy Adam. A step then costs the size of the batch's vocabulary, not of the
//! whole table. A parameter that received no gradient at all is skipped, as PyTorch skips
//! parameters whose `.grad` is `None`.
//!
//! # Example: gradient descent on f(x) = x² − 2
//! ```
//! use neurotext_autodiff::{Graph, Matrix, Module, Param};
//! use neurotext_optim::{Optimizer, Sgd};
//!
//! let mut x = Param::new(Matrix::from_element(1, 1, 3.0));
//! let mut opt = Sgd::new(0.4);
//! for _ in 0..2 {
//!     let g = Graph::new();
//!     let f = g.param(&x).square().add_scalar(-2.0);
//!     g.backward_into(f, &mut x)?;
//!     opt.step(&mut x)?;
//!     x.zero_grad();
//! }
//! assert!((x.value()[0] - 0.12).abs() < 1e-6); // the lecture: 3 → 0.6 → 0.12
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod adagrad;
mod adam;
mod any;
mod check;
mod clip;
mod error;
mod momentum;
mod nesterov;
mod optimizer;
mod rmsprop;
mod schedule;
mod sgd;
mod slots;

pub use adagrad::Adagrad;
pub use adam::{Adam, Epsilon};
pub use any::{AnyOptimizer, OPTIMIZER_NAMES};
pub use clip::{clip_grad_norm, grad_norm};
pub use error::{Error, Result};
pub use momentum::Momentum;
pub use nesterov::Nesterov;
pub use optimizer::Optimizer;
pub use rmsprop::RmsProp;
pub use schedule::Schedule;
pub use sgd::Sgd;
pub use slots::Slots;
