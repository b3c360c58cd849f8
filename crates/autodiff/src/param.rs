//! Trainable parameters: a value and its gradient, living outside any graph.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use neurotext_linalg::Matrix;

/// A process-unique identity of a [`Param`], by which a graph routes gradients back to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(u64);

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl ParamId {
    fn fresh() -> Self {
        ParamId(NEXT_ID.fetch_add(1, Ordering::Relaxed))
    }
}

/// A trainable matrix and its accumulated gradient.
///
/// Parameters live outside the [`Graph`](crate::Graph), so that a new graph per training step
/// is cheap: [`Graph::param`](crate::Graph::param) shares the value (a reference count, no
/// copy), and [`Graph::backward_into`](crate::Graph::backward_into) adds `∂L/∂θ` into
/// [`grad`](Self::grad). An optimizer then reads the gradient and updates the value.
///
/// Cloning a parameter gives a new parameter (a new identity) with the same value.
#[derive(Debug)]
pub struct Param {
    id: ParamId,
    value: Arc<Matrix>,
    grad: Matrix,
}

impl Param {
    /// A parameter with the given initial value and a zero gradient.
    pub fn new(value: Matrix) -> Self {
        let grad = Matrix::zeros(value.nrows(), value.ncols());
        Param {
            id: ParamId::fresh(),
            value: Arc::new(value),
            grad,
        }
    }

    /// The identity by which graphs refer to this parameter.
    pub fn id(&self) -> ParamId {
        self.id
    }

    /// The current value.
    pub fn value(&self) -> &Matrix {
        &self.value
    }

    /// The value, shared with graphs that use it.
    pub(crate) fn shared_value(&self) -> Arc<Matrix> {
        Arc::clone(&self.value)
    }

    /// Mutable access to the value, for optimizers and weight loading.
    ///
    /// If a live graph still holds the value, it is copied first (copy-on-write), so the
    /// graph keeps seeing the value it was built with.
    pub fn value_mut(&mut self) -> &mut Matrix {
        Arc::make_mut(&mut self.value)
    }

    /// The value and the gradient together: what an optimizer step needs.
    pub fn value_and_grad_mut(&mut self) -> (&mut Matrix, &Matrix) {
        (Arc::make_mut(&mut self.value), &self.grad)
    }

    /// The gradient accumulated since the last [`zero_grad`](Self::zero_grad).
    pub fn grad(&self) -> &Matrix {
        &self.grad
    }

    /// Mutable access to the gradient (for clipping or for adding gradients by hand).
    pub fn grad_mut(&mut self) -> &mut Matrix {
        &mut self.grad
    }

    /// Sets the gradient to zero, keeping its allocation.
    pub fn zero_grad(&mut self) {
        self.grad.fill(0.0);
    }

    /// `(rows, cols)` of the value.
    pub fn shape(&self) -> (usize, usize) {
        self.value.shape()
    }

    /// The number of scalars in the value.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Whether the value holds no scalars.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

impl Clone for Param {
    fn clone(&self) -> Self {
        Param {
            id: ParamId::fresh(),
            value: Arc::new((*self.value).clone()),
            grad: self.grad.clone(),
        }
    }
}
