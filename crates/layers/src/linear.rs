//! The fully connected layer of the lecture, `y = f(W·x + b)`.

use std::sync::Arc;

use neurotext_autodiff::{Graph, Module, Param, Var, join_name};
use neurotext_linalg::random::Rng;
use neurotext_linalg::{CsrMatrix, Matrix};

use crate::activation::Activation;
use crate::error::{Result, config};
use crate::init::Init;
use crate::layer::Layer;

/// A fully connected layer `Y = f(W·X + b)`: `W` is `[out, in]`, `b` is `[out, 1]`, and a
/// batch `X` is `[in, batch]` (one example per column).
///
/// It has `(in + 1)·out` parameters, as the lecture counts them: one weight per input and one
/// bias for each of the `out` neurons.
#[derive(Clone, Debug)]
pub struct Linear {
    weight: Param,
    bias: Option<Param>,
    activation: Activation,
}

impl Linear {
    /// A layer from `d_in` to `d_out` features: Xavier-uniform weights, zero bias, no activation.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when a size is zero.
    pub fn new(d_in: usize, d_out: usize, rng: &mut Rng) -> Result<Self> {
        Self::with_init(d_in, d_out, Init::XavierUniform, rng)
    }

    /// A layer whose weights come from `init` (the bias starts at zero).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when a size is zero.
    pub fn with_init(d_in: usize, d_out: usize, init: Init, rng: &mut Rng) -> Result<Self> {
        if d_in == 0 || d_out == 0 {
            return Err(config(
                "Linear",
                format!("sizes must be positive, got in = {d_in}, out = {d_out}"),
            ));
        }
        Ok(Linear {
            weight: Param::new(init.matrix(d_out, d_in, rng)),
            bias: Some(Param::new(Matrix::zeros(d_out, 1))),
            activation: Activation::Identity,
        })
    }

    /// A layer with the given weights `[out, in]` and bias `[out, 1]` (as in the lecture's
    /// worked examples).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when the bias is not `[out, 1]`.
    pub fn from_weights(weight: Matrix, bias: Matrix) -> Result<Self> {
        if bias.shape() != (weight.nrows(), 1) {
            return Err(config(
                "Linear",
                format!(
                    "bias must be [{}, 1] for a [{}, {}] weight, got {:?}",
                    weight.nrows(),
                    weight.nrows(),
                    weight.ncols(),
                    bias.shape()
                ),
            ));
        }
        Ok(Linear {
            weight: Param::new(weight),
            bias: Some(Param::new(bias)),
            activation: Activation::Identity,
        })
    }

    /// The same layer followed by `activation`.
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// The same layer without a bias (`y = f(W·x)`, as in the lecture's logistic regression).
    pub fn without_bias(mut self) -> Self {
        self.bias = None;
        self
    }

    /// The number of inputs.
    pub fn d_in(&self) -> usize {
        self.weight.shape().1
    }

    /// The number of outputs (neurons).
    pub fn d_out(&self) -> usize {
        self.weight.shape().0
    }

    /// The weight `W`, `[out, in]`.
    pub fn weight(&self) -> &Param {
        &self.weight
    }

    /// The bias `b`, `[out, 1]`, if the layer has one.
    pub fn bias(&self) -> Option<&Param> {
        self.bias.as_ref()
    }

    /// The activation `f`.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// `f(W·Xᵀ + b)` for a sparse batch X (`[batch, in]`, one bag of words per row): the
    /// dense `[batch, in]` matrix is never built.
    ///
    /// # Errors
    /// When `x` does not have `in` columns.
    pub fn forward_sparse<'g>(&self, g: &'g Graph, x: &Arc<CsrMatrix>) -> Result<Var<'g>> {
        let z = g.param(&self.weight).matmul_csr_t(x)?;
        self.finish(g, z)
    }

    fn finish<'g>(&self, g: &'g Graph, z: Var<'g>) -> Result<Var<'g>> {
        let z = match &self.bias {
            Some(b) => z.add_bias(g.param(b))?,
            None => z,
        };
        Ok(self.activation.apply(z))
    }
}

impl Module for Linear {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        f(join_name(prefix, "weight"), &self.weight);
        if let Some(b) = &self.bias {
            f(join_name(prefix, "bias"), b);
        }
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        f(join_name(prefix, "weight"), &mut self.weight);
        if let Some(b) = &mut self.bias {
            f(join_name(prefix, "bias"), b);
        }
    }
}

impl Layer for Linear {
    fn forward<'g>(&self, g: &'g Graph, x: Var<'g>) -> Result<Var<'g>> {
        let z = g.param(&self.weight).matmul(x)?;
        self.finish(g, z)
    }
}
