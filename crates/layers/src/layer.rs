//! The trait of a layer that maps one batch to another.

use neurotext_autodiff::{Graph, Module, Var};

use crate::error::Result;

/// A layer: a function of a batch `[features, batch]` with parameters listed by [`Module`].
///
/// Layers run on the [`Graph`] they are given; a training step builds a fresh graph, brings
/// the parameters in with [`Graph::param`] (no copy), and differentiates the loss.
pub trait Layer: Module {
    /// Applies the layer to `x`.
    ///
    /// # Errors
    /// When `x` does not have the shape the layer expects (the message names both shapes).
    fn forward<'g>(&self, g: &'g Graph, x: Var<'g>) -> Result<Var<'g>>;
}
