//! Layers of neural networks, as the lecture builds them: fully connected layers
//! `y = f(Wx + b)`, activations, stacks of layers, skip connections, word embeddings and
//! dropout, with the initialisers and losses that training needs.
//!
//! # Brief overview
//! - [`Layer`]: maps a batch `[features, batch]` to another, on a [`Graph`](neurotext_autodiff::Graph).
//! - [`Linear`] (`y = f(W·x + b)`, `(n + 1)·m` parameters), [`Activation`], [`Sequential`],
//!   [`Residual`] (`y = x + F(x)`), [`Dropout`], and [`Embedding`] (ids → vectors).
//! - [`Init`]: N(0, 1/dim), Xavier, He, zeros and constants, each seeded.
//! - [`Loss`] and [`Target`]: the autodiff's losses as values a training loop can hold.
//! - Every layer lists its named parameters through [`Module`](neurotext_autodiff::Module),
//!   which is all that optimizers and checkpoints need.
//!
//! # Example: a two-layer network on one example
//! ```
//! use neurotext_autodiff::{Graph, Module};
//! use neurotext_layers::{Activation, Layer, Linear, Sequential};
//! use neurotext_linalg::{column, random::seeded_rng};
//!
//! let mut rng = seeded_rng(0);
//! let net = Sequential::new()
//!     .push(Linear::new(3, 4, &mut rng)?.with_activation(Activation::Tanh))
//!     .push(Linear::new(4, 2, &mut rng)?);
//! assert_eq!(net.num_params(), (3 + 1) * 4 + (4 + 1) * 2);
//! let g = Graph::new();
//! let y = net.forward(&g, g.constant(column(&[0.5, -1.0, 2.0])))?;
//! assert_eq!(y.shape(), (2, 1));
//! # Ok::<(), neurotext_layers::Error>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod activation;
mod dropout;
mod embedding;
mod error;
mod init;
mod layer;
mod linear;
mod loss;
mod residual;
mod sequential;

pub use activation::Activation;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use error::{Error, Result};
pub use init::Init;
pub use layer::Layer;
pub use linear::Linear;
pub use loss::{Loss, Target};
pub use residual::Residual;
pub use sequential::Sequential;
