//! A stack of layers applied in order: a multilayer network.

use neurotext_autodiff::{Graph, Module, Param, Var, join_name};

use crate::error::Result;
use crate::layer::Layer;

/// Layers applied one after another, `y = fₙ(…f₂(f₁(x)))`. Parameters are named by position
/// (`0.weight`, `1.bias`…), as in PyTorch's `nn.Sequential`.
#[derive(Default)]
pub struct Sequential {
    layers: Vec<Box<dyn Layer>>,
}

impl Sequential {
    /// An empty stack (the identity).
    pub fn new() -> Self {
        Self::default()
    }

    /// The stack with `layer` appended.
    pub fn push(mut self, layer: impl Layer + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl Module for Sequential {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        for (i, l) in self.layers.iter().enumerate() {
            l.visit_params(&join_name(prefix, &i.to_string()), f);
        }
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        for (i, l) in self.layers.iter_mut().enumerate() {
            l.visit_params_mut(&join_name(prefix, &i.to_string()), f);
        }
    }
}

impl Layer for Sequential {
    fn forward<'g>(&self, g: &'g Graph, x: Var<'g>) -> Result<Var<'g>> {
        self.layers
            .iter()
            .try_fold(x, |x, layer| layer.forward(g, x))
    }
}
