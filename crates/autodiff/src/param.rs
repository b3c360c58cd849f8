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

/// Which part of a gradient may be non-zero.
///
/// An embedding lookup or a bag-of-words layer touches only the columns (words) of its
/// batch. Keeping track of them lets [`Param::zero_grad`] clear a few columns instead of a
/// whole table, and lets optimizers update only those columns (lazy updates, as PyTorch's
/// `SparseAdam` does), which is what makes large vocabularies cheap to train.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GradSupport {
    /// The gradient is zero.
    #[default]
    Zero,
    /// Only these columns may be non-zero (sorted, without repeats).
    Columns(Vec<usize>),
    /// Any element may be non-zero.
    Dense,
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
    support: GradSupport,
    /// Columns touched since the support was last normalised (unsorted, may repeat).
    pending: Vec<usize>,
}

impl Param {
    /// A parameter with the given initial value and a zero gradient.
    pub fn new(value: Matrix) -> Self {
        let grad = Matrix::zeros(value.nrows(), value.ncols());
        Param {
            id: ParamId::fresh(),
            value: Arc::new(value),
            grad,
            support: GradSupport::Zero,
            pending: Vec::new(),
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

    /// The value, the gradient and the gradient's support together: what an optimizer step
    /// needs.
    pub fn update_parts(&mut self) -> (&mut Matrix, &Matrix, &GradSupport) {
        self.normalise_support();
        (Arc::make_mut(&mut self.value), &self.grad, &self.support)
    }

    /// The value and the gradient together (the gradient may be sparse, see
    /// [`support`](Self::support)).
    pub fn value_and_grad_mut(&mut self) -> (&mut Matrix, &Matrix) {
        (Arc::make_mut(&mut self.value), &self.grad)
    }

    /// The gradient accumulated since the last [`zero_grad`](Self::zero_grad).
    pub fn grad(&self) -> &Matrix {
        &self.grad
    }

    /// Mutable access to the whole gradient; afterwards it counts as dense.
    pub fn grad_mut(&mut self) -> &mut Matrix {
        self.pending.clear();
        self.support = GradSupport::Dense;
        &mut self.grad
    }

    /// Adds into the gradient through `f`, which touches only the columns `cols`.
    pub(crate) fn add_to_grad_columns(
        &mut self,
        cols: impl IntoIterator<Item = usize>,
        f: impl FnOnce(&mut Matrix),
    ) {
        if self.support != GradSupport::Dense {
            self.pending.extend(cols);
            if matches!(self.support, GradSupport::Zero) && !self.pending.is_empty() {
                self.support = GradSupport::Columns(Vec::new());
            }
        }
        f(&mut self.grad);
    }

    /// Where the gradient may be non-zero.
    pub fn support(&mut self) -> &GradSupport {
        self.normalise_support();
        &self.support
    }

    fn normalise_support(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if let GradSupport::Columns(cols) = &mut self.support {
            cols.append(&mut self.pending);
            cols.sort_unstable();
            cols.dedup();
        } else {
            self.pending.clear();
        }
    }

    /// Calls `f` with every gradient column that may be non-zero (all of them when dense).
    pub fn for_each_grad_column(&mut self, mut f: impl FnMut(usize, &[f32])) {
        self.normalise_support();
        let rows = self.grad.nrows();
        let data = self.grad.as_slice();
        match &self.support {
            GradSupport::Zero => {}
            GradSupport::Columns(cols) => {
                for &c in cols {
                    f(c, &data[c * rows..(c + 1) * rows]);
                }
            }
            GradSupport::Dense => {
                for (c, col) in data.chunks_exact(rows.max(1)).enumerate() {
                    f(c, col);
                }
            }
        }
    }

    /// Multiplies the gradient by `factor` (only where it may be non-zero).
    pub fn scale_grad(&mut self, factor: f32) {
        self.normalise_support();
        let rows = self.grad.nrows();
        match &self.support {
            GradSupport::Zero => {}
            GradSupport::Columns(cols) => {
                let data = self.grad.as_mut_slice();
                for &c in cols {
                    data[c * rows..(c + 1) * rows]
                        .iter_mut()
                        .for_each(|g| *g *= factor);
                }
            }
            GradSupport::Dense => self.grad *= factor,
        }
    }

    /// Sets the gradient to zero, keeping its allocation; a sparse gradient costs only its
    /// columns.
    pub fn zero_grad(&mut self) {
        self.normalise_support();
        let rows = self.grad.nrows();
        match std::mem::take(&mut self.support) {
            GradSupport::Zero => {}
            GradSupport::Columns(cols) => {
                let data = self.grad.as_mut_slice();
                for c in cols {
                    data[c * rows..(c + 1) * rows].fill(0.0);
                }
            }
            // Through the slice: nalgebra's `fill` goes element by element, 15 times slower.
            GradSupport::Dense => self.grad.as_mut_slice().fill(0.0),
        }
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
            support: self.support.clone(),
            pending: self.pending.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_gradients_stay_sparse_until_touched_densely() {
        let mut p = Param::new(Matrix::zeros(2, 5));
        p.add_to_grad_columns([3, 1, 3], |g| {
            g[(0, 3)] += 2.0;
            g[(1, 1)] += 1.0;
        });
        assert_eq!(p.support(), &GradSupport::Columns(vec![1, 3]));
        let mut seen = Vec::new();
        p.for_each_grad_column(|c, col| seen.push((c, col.to_vec())));
        assert_eq!(seen, vec![(1, vec![0.0, 1.0]), (3, vec![2.0, 0.0])]);
        p.scale_grad(0.5);
        assert_eq!(p.grad()[(0, 3)], 1.0);
        p.zero_grad();
        assert_eq!(p.support(), &GradSupport::Zero);
        assert!(p.grad().iter().all(|&g| g == 0.0));
        p.grad_mut()[(0, 0)] = 1.0;
        p.add_to_grad_columns([4], |g| g[(0, 4)] += 1.0);
        assert_eq!(p.support(), &GradSupport::Dense);
    }
}
