//! Dropout as a layer.

use neurotext_autodiff::{Graph, Module, Param, Var};

use crate::error::{Result, config};
use crate::layer::Layer;

/// Inverted dropout with drop probability `p`: active in training graphs
/// ([`Graph::training`]), the identity in evaluation, so that switching between training and
/// evaluation mode is a matter of which graph runs the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    p: f32,
}

impl Dropout {
    /// Dropout with probability `p`.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) unless `0 ≤ p < 1`.
    pub fn new(p: f32) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(config("Dropout", format!("p = {p} is not in [0, 1)")));
        }
        Ok(Dropout { p })
    }

    /// The drop probability.
    pub fn p(&self) -> f32 {
        self.p
    }
}

impl Module for Dropout {
    fn visit_params<'a>(&'a self, _prefix: &str, _f: &mut dyn FnMut(String, &'a Param)) {}
    fn visit_params_mut<'a>(
        &'a mut self,
        _prefix: &str,
        _f: &mut dyn FnMut(String, &'a mut Param),
    ) {
    }
}

impl Layer for Dropout {
    fn forward<'g>(&self, _g: &'g Graph, x: Var<'g>) -> Result<Var<'g>> {
        Ok(x.dropout(self.p)?)
    }
}
