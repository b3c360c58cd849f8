//! A skip connection: `y = x + F(x)`.

use neurotext_autodiff::{Graph, Module, Param, Var, join_name};

use crate::error::Result;
use crate::layer::Layer;

/// A skip (residual) connection around any layer: `y = x + F(x)`.
///
/// The gradient reaches `x` both through `F` and directly (`∂y/∂x = I + ∂F/∂x`), which keeps
/// it from vanishing in deep stacks. `F` must keep the shape of its input.
pub struct Residual<L> {
    inner: L,
}

impl<L: Layer> Residual<L> {
    /// `x + inner(x)`.
    pub fn new(inner: L) -> Self {
        Residual { inner }
    }

    /// The wrapped layer.
    pub fn inner(&self) -> &L {
        &self.inner
    }
}

impl<L: Layer> Module for Residual<L> {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        self.inner.visit_params(&join_name(prefix, "inner"), f);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        self.inner.visit_params_mut(&join_name(prefix, "inner"), f);
    }
}

impl<L: Layer> Layer for Residual<L> {
    /// # Errors
    /// When `F(x)` does not have `x`'s shape (the sum names both).
    fn forward<'g>(&self, g: &'g Graph, x: Var<'g>) -> Result<Var<'g>> {
        let fx = self.inner.forward(g, x)?;
        Ok(x.add(fx)?)
    }
}
