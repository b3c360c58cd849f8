//! Activation functions as layers without parameters.
//!
//! | activation | f(x) | f′(x) |
//! |---|---|---|
//! | identity | x | 1 |
//! | sigmoid | 1/(1 + e⁻ˣ) | f(x)(1 − f(x)) |
//! | tanh | (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) | 1 − f(x)² |
//! | ReLU | max(0, x) | 1 if x > 0, else 0 |
//! | softmax (per column) | e^{xᵢ}/Σⱼe^{xⱼ} | yᵢ(δᵢⱼ − yⱼ) |
//!
//! The derivatives are the backward passes of the autodiff ops of the same names.

use neurotext_autodiff::{Graph, Module, Param, Var};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::layer::Layer;

/// A nonlinearity applied elementwise (softmax: per column).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// f(x) = x: no nonlinearity.
    #[default]
    Identity,
    /// The logistic function.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
    /// Softmax over each column.
    Softmax,
}

impl Activation {
    /// Applies the activation to `x`.
    pub fn apply<'g>(self, x: Var<'g>) -> Var<'g> {
        match self {
            Activation::Identity => x,
            Activation::Sigmoid => x.sigmoid(),
            Activation::Tanh => x.tanh(),
            Activation::Relu => x.relu(),
            Activation::Softmax => x.softmax(),
        }
    }
}

impl Module for Activation {
    fn visit_params<'a>(&'a self, _prefix: &str, _f: &mut dyn FnMut(String, &'a Param)) {}
    fn visit_params_mut<'a>(
        &'a mut self,
        _prefix: &str,
        _f: &mut dyn FnMut(String, &'a mut Param),
    ) {
    }
}

impl Layer for Activation {
    fn forward<'g>(&self, _g: &'g Graph, x: Var<'g>) -> Result<Var<'g>> {
        Ok(self.apply(x))
    }
}
