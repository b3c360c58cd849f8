//! The computation graph: a tape of matrix-valued nodes, recorded as the forward pass runs
//! (define-by-run) and walked backwards to apply the chain rule (reverse mode).
//!
//! The tape is append-only, so every node's inputs come before it and walking the tape
//! from the end is already a topological order. Gradients accumulate (`+=`), which is the
//! multivariate chain rule: a value used twice receives the sum of both contributions.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use neurotext_linalg::random::{Rng, seeded_rng};
use neurotext_linalg::{Matrix, pool, shape_str};

use crate::error::{Error, Result};
use crate::module::Module;
use crate::param::{Param, ParamId};

/// The backward half of an op: how the gradient of its output flows to its inputs.
///
/// The forward half is a method on [`Var`] in the same file, which computes the output
/// value and records the op with [`Graph::push`]. An op struct carries whatever the forward
/// pass saved for the backward pass (a mask, the positions of maxima, gate activations).
pub trait Op {
    /// The op's name, used in error and gradcheck reports.
    fn name(&self) -> &'static str;

    /// Adds `∂L/∂xᵢ` to `grads` for every input `i` that [`InputGrads::needs`] a gradient,
    /// given the input values `x`, the output value `y` and `gy = ∂L/∂y`.
    fn backward(&self, x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>);
}

struct Node {
    /// The op that made the value, or "input", "param" or "constant" for a leaf.
    name: &'static str,
    value: Arc<Matrix>,
    op: Option<Box<dyn Op>>,
    inputs: Vec<usize>,
    requires_grad: bool,
    param: Option<ParamId>,
}

/// A computation graph, recorded as a tape while the forward pass runs.
///
/// Build one per training step: `let g = Graph::new();`, bring in parameters with
/// [`param`](Self::param) and data with [`constant`](Self::constant), compute with the
/// methods of [`Var`], then call [`backward_into`](Self::backward_into) on the loss.
/// [`Graph::no_grad`] records values only, for inference.
pub struct Graph {
    nodes: RefCell<Vec<Node>>,
    grad_enabled: bool,
    /// Present in training mode: the source of randomness of stochastic ops (dropout).
    rng: Option<RefCell<Rng>>,
}

impl Default for Graph {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Graph {
    /// Gives the large values that only this graph holds back to the buffer pool
    /// ([`neurotext_linalg::pool`]): the next step's graph needs the same sizes again.
    fn drop(&mut self) {
        for node in self.nodes.get_mut().drain(..) {
            if let Ok(value) = Arc::try_unwrap(node.value) {
                pool::give_matrix(value);
            }
        }
    }
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("nodes", &self.len())
            .field("grad_enabled", &self.grad_enabled)
            .field("training", &self.is_training())
            .finish()
    }
}

/// A value in a [`Graph`]: a cheap, copyable handle to one node of the tape.
#[derive(Clone, Copy)]
pub struct Var<'g> {
    id: usize,
    graph: &'g Graph,
}

impl std::fmt::Debug for Var<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (r, c) = self.shape();
        write!(f, "Var#{} [{r}, {c}]", self.id)
    }
}

impl Graph {
    /// An empty graph that records ops for a backward pass, in evaluation mode: stochastic
    /// ops such as dropout are the identity, so the same inputs give the same outputs.
    pub fn new() -> Self {
        Graph {
            nodes: RefCell::new(Vec::new()),
            grad_enabled: true,
            rng: None,
        }
    }

    /// An empty graph that computes values but records no ops: inference, no backward.
    pub fn no_grad() -> Self {
        Graph {
            nodes: RefCell::new(Vec::new()),
            grad_enabled: false,
            rng: None,
        }
    }

    /// An empty graph in training mode: it records ops, and stochastic ops draw from a
    /// generator seeded with `seed`, so a training step is reproducible from its seed.
    pub fn training(seed: u64) -> Self {
        Graph {
            nodes: RefCell::new(Vec::new()),
            grad_enabled: true,
            rng: Some(RefCell::new(seeded_rng(seed))),
        }
    }

    /// Whether stochastic ops are active (a graph made by [`Graph::training`]).
    pub fn is_training(&self) -> bool {
        self.rng.is_some()
    }

    /// Runs `f` with the training generator, or returns `None` in evaluation mode.
    pub fn with_rng<T>(&self, f: impl FnOnce(&mut Rng) -> T) -> Option<T> {
        self.rng.as_ref().map(|r| f(&mut r.borrow_mut()))
    }

    /// Whether this graph records ops for a backward pass.
    pub fn grad_enabled(&self) -> bool {
        self.grad_enabled
    }

    /// The number of nodes on the tape.
    pub fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    /// Whether the tape is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push_node(&self, node: Node) -> Var<'_> {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(node);
        Var {
            id: nodes.len() - 1,
            graph: self,
        }
    }

    /// A value that needs no gradient: data, targets, masks.
    ///
    /// Takes a `Matrix`, or an `Arc<Matrix>` to share one that is used again (a fixed
    /// target, the same batch every step) without copying it.
    pub fn constant(&self, value: impl Into<Arc<Matrix>>) -> Var<'_> {
        self.push_node(Node {
            name: "constant",
            value: value.into(),
            op: None,
            inputs: Vec::new(),
            requires_grad: false,
            param: None,
        })
    }

    /// A leaf whose gradient [`backward`](Self::backward) returns: an input of a gradient
    /// check, or data whose gradient is wanted (the input of an LSTM). Like
    /// [`constant`](Self::constant), takes a `Matrix` or a shared `Arc<Matrix>`.
    pub fn input(&self, value: impl Into<Arc<Matrix>>) -> Var<'_> {
        self.push_node(Node {
            name: "input",
            value: value.into(),
            op: None,
            inputs: Vec::new(),
            requires_grad: self.grad_enabled,
            param: None,
        })
    }

    /// A parameter: its value is shared (not copied), and its gradient goes back to it.
    pub fn param(&self, p: &Param) -> Var<'_> {
        self.push_node(Node {
            name: "param",
            value: p.shared_value(),
            op: None,
            inputs: Vec::new(),
            requires_grad: self.grad_enabled,
            param: Some(p.id()),
        })
    }

    /// Records an op's output. Called by the forward half of every op.
    ///
    /// The op is kept only when the graph records gradients and some input needs one, so
    /// computations on constants cost no tape memory beyond their values.
    ///
    /// # Panics
    /// When an input belongs to another graph: mixing graphs is a bug in the caller.
    pub fn push<'g, O: Op + 'static>(
        &'g self,
        value: Matrix,
        op: O,
        inputs: &[Var<'g>],
    ) -> Var<'g> {
        for v in inputs {
            assert!(
                std::ptr::eq(v.graph, self),
                "{}: an input Var belongs to another Graph",
                op.name()
            );
        }
        let requires_grad = self.grad_enabled && {
            let nodes = self.nodes.borrow();
            inputs.iter().any(|v| nodes[v.id].requires_grad)
        };
        let name = op.name();
        let (op, inputs): (Option<Box<dyn Op>>, Vec<usize>) = if requires_grad {
            (Some(Box::new(op)), inputs.iter().map(|v| v.id).collect())
        } else {
            (None, Vec::new())
        };
        self.push_node(Node {
            name,
            value: Arc::new(value),
            op,
            inputs,
            requires_grad,
            param: None,
        })
    }

    /// The first node on the tape whose value holds a NaN or an infinity, as
    /// `(position on the tape, name of the op that made it)`: where a numeric fault began.
    pub fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        let nodes = self.nodes.borrow();
        nodes
            .iter()
            .enumerate()
            .find(|(_, n)| n.value.iter().any(|v| !v.is_finite()))
            .map(|(i, n)| (i, n.name))
    }

    /// Backpropagates from a scalar `loss` and returns the gradient of every leaf that
    /// requires one (inputs and parameters).
    ///
    /// # Errors
    /// [`Error::Shape`] when `loss` is not `[1, 1]`.
    pub fn backward(&self, loss: Var<'_>) -> Result<Gradients> {
        self.run_backward(loss, &mut HashMap::new())
    }

    /// Backpropagates from a scalar `loss`, adding the gradient of each of `model`'s
    /// parameters straight into [`Param::grad`] (no intermediate copy; a sparse embedding
    /// gradient touches only the rows it uses). Returns the gradients of the other leaves.
    ///
    /// # Errors
    /// [`Error::Shape`] when `loss` is not `[1, 1]`.
    pub fn backward_into(&self, loss: Var<'_>, model: &mut dyn Module) -> Result<Gradients> {
        let mut sinks: HashMap<ParamId, &mut Param> = HashMap::new();
        model.visit_params_mut("", &mut |_, p| {
            sinks.insert(p.id(), p);
        });
        self.run_backward(loss, &mut sinks)
    }

    fn run_backward(
        &self,
        loss: Var<'_>,
        sinks: &mut HashMap<ParamId, &mut Param>,
    ) -> Result<Gradients> {
        assert!(
            std::ptr::eq(loss.graph, self),
            "backward: the loss belongs to another Graph"
        );
        let nodes = self.nodes.borrow();
        let root = &nodes[loss.id];
        if root.value.shape() != (1, 1) {
            return Err(Error::Shape {
                op: "backward",
                expected: "a scalar loss [1, 1]".into(),
                got: shape_str(root.value.nrows(), root.value.ncols()),
            });
        }
        let n = loss.id + 1;
        let mut accs: Vec<Acc> = (0..n)
            .map(|i| match nodes[i].param {
                Some(pid) if sinks.contains_key(&pid) => Acc::Sink(pid),
                _ => Acc::Empty,
            })
            .collect();
        if !root.requires_grad {
            return Ok(Gradients::default());
        }
        accs[loss.id] = Acc::Owned(Matrix::from_element(1, 1, 1.0));
        let mut xs: Vec<&Matrix> = Vec::new();
        for id in (0..n).rev() {
            let node = &nodes[id];
            let Some(op) = &node.op else { continue };
            let gy = match std::mem::take(&mut accs[id]) {
                Acc::Owned(g) => g,
                _ => continue, // no gradient reached this node
            };
            xs.clear();
            xs.extend(node.inputs.iter().map(|&i| &*nodes[i].value));
            let mut grads = InputGrads {
                op: op.name(),
                ids: &node.inputs,
                nodes: &nodes,
                accs: &mut accs,
                sinks,
            };
            op.backward(&xs, &node.value, &gy, &mut grads);
            // Used up: the next large gradient can take its memory.
            pool::give_matrix(gy);
        }
        let mut out = Gradients::default();
        for (id, acc) in accs.into_iter().enumerate() {
            if let Acc::Owned(g) = acc {
                if let Some(pid) = nodes[id].param {
                    match out.by_param.get_mut(&pid) {
                        Some(existing) => *existing += &g,
                        None => {
                            out.by_param.insert(pid, g.clone());
                        }
                    }
                }
                out.by_node.insert(id, g);
            }
        }
        Ok(out)
    }
}

/// Where a node's gradient accumulates during the backward pass.
#[derive(Default)]
enum Acc {
    #[default]
    Empty,
    Owned(Matrix),
    /// Straight into a parameter's gradient buffer.
    Sink(ParamId),
}

/// The gradients an op's backward adds to its inputs.
pub struct InputGrads<'a, 's> {
    op: &'static str,
    ids: &'a [usize],
    nodes: &'a [Node],
    accs: &'a mut [Acc],
    sinks: &'a mut HashMap<ParamId, &'s mut Param>,
}

impl InputGrads<'_, '_> {
    /// Whether input `i` needs a gradient; an op may skip the work when it does not.
    pub fn needs(&self, i: usize) -> bool {
        self.nodes[self.ids[i]].requires_grad
    }

    /// Adds `g` to the gradient of input `i` (taking ownership when it is the first).
    ///
    /// # Panics
    /// When `g` does not have input `i`'s shape: a bug in the op's backward.
    pub fn add(&mut self, i: usize, g: Matrix) {
        if !self.needs(i) {
            return;
        }
        let id = self.ids[i];
        let shape = self.nodes[id].value.shape();
        assert_eq!(
            g.shape(),
            shape,
            "{}: backward produced a gradient of the wrong shape for input {i}",
            self.op
        );
        match &mut self.accs[id] {
            Acc::Owned(acc) => *acc += &g,
            Acc::Sink(pid) => *self.sinks.get_mut(pid).expect("sink registered").grad_mut() += &g,
            slot @ Acc::Empty => {
                *slot = Acc::Owned(g);
                return;
            }
        }
        pool::give_matrix(g);
    }

    /// Lets `f` add into the gradient buffer of input `i` in place (zeroed first if it is new),
    /// so that a matmul can accumulate with one GEMM and a lookup can scatter-add its columns.
    pub fn add_with(&mut self, i: usize, f: impl FnOnce(&mut Matrix)) {
        if !self.needs(i) {
            return;
        }
        let id = self.ids[i];
        let (r, c) = self.nodes[id].value.shape();
        let acc = &mut self.accs[id];
        if let Acc::Empty = acc {
            *acc = Acc::Owned(pool::zeros(r, c));
        }
        match acc {
            Acc::Owned(m) => f(m),
            Acc::Sink(pid) => f(self.sinks.get_mut(pid).expect("sink registered").grad_mut()),
            Acc::Empty => unreachable!("filled above"),
        }
    }

    /// Like [`add_with`](Self::add_with) for a gradient that `f` adds only to the columns
    /// `cols` of input `i` (an embedding lookup, a bag-of-words layer): a parameter then
    /// remembers which columns it touched, so that zeroing and optimizer updates can skip
    /// the rest.
    pub fn add_columns_with(
        &mut self,
        i: usize,
        cols: impl IntoIterator<Item = usize>,
        f: impl FnOnce(&mut Matrix),
    ) {
        if !self.needs(i) {
            return;
        }
        let id = self.ids[i];
        if let Acc::Sink(pid) = &self.accs[id] {
            let pid = *pid;
            self.sinks
                .get_mut(&pid)
                .expect("sink registered")
                .add_to_grad_columns(cols, f);
        } else {
            self.add_with(i, f);
        }
    }
}

/// The gradients a backward pass computed for the leaves of a graph.
#[derive(Debug, Default)]
pub struct Gradients {
    by_node: HashMap<usize, Matrix>,
    by_param: HashMap<ParamId, Matrix>,
}

impl Gradients {
    /// `∂L/∂v` for a leaf `v`, if the loss depends on it.
    pub fn get(&self, v: Var<'_>) -> Option<&Matrix> {
        self.by_node.get(&v.id)
    }

    /// `∂L/∂p` for a parameter that was not routed into its own buffer.
    pub fn of_param(&self, p: &Param) -> Option<&Matrix> {
        self.by_param.get(&p.id())
    }

    /// Adds the parameter gradients into the [`Param::grad`] of `model`'s parameters.
    pub fn accumulate_into(&self, model: &mut dyn Module) {
        model.visit_params_mut("", &mut |_, p| {
            if let Some(g) = self.by_param.get(&p.id()) {
                *p.grad_mut() += g;
            }
        });
    }
}

impl Drop for Gradients {
    /// The gradients' buffers go back to the pool, for the next backward pass to fill
    /// (the caller only ever borrowed them). Without this, `∂X` of an LSTM layer
    /// (`[300, 6400]`, 7.7 MB) was mapped afresh at every training step.
    fn drop(&mut self) {
        let by_node = std::mem::take(&mut self.by_node).into_values();
        by_node
            .chain(std::mem::take(&mut self.by_param).into_values())
            .for_each(pool::give_matrix);
    }
}

impl<'g> Var<'g> {
    /// The graph this value belongs to.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The value (shared, not copied).
    pub fn value(&self) -> Arc<Matrix> {
        Arc::clone(&self.graph.nodes.borrow()[self.id].value)
    }

    /// `(rows, cols)` of the value.
    pub fn shape(&self) -> (usize, usize) {
        self.graph.nodes.borrow()[self.id].value.shape()
    }

    /// The value of a `[1, 1]` result, such as a loss.
    ///
    /// # Panics
    /// When the value is not `[1, 1]`.
    pub fn scalar(&self) -> f32 {
        let v = self.value();
        assert_eq!(v.shape(), (1, 1), "scalar(): the value is not [1, 1]");
        v[(0, 0)]
    }

    /// Whether a gradient flows to this value.
    pub fn requires_grad(&self) -> bool {
        self.graph.nodes.borrow()[self.id].requires_grad
    }

    /// The same value with no history: no gradient flows back through it. Truncated
    /// backpropagation through time cuts the recurrence this way every k steps.
    pub fn detach(self) -> Var<'g> {
        self.graph.push_node(Node {
            name: "detach",
            value: self.value(),
            op: None,
            inputs: Vec::new(),
            requires_grad: false,
            param: None,
        })
    }

    /// Records `op` with output `value` and inputs `self` and `others`.
    pub(crate) fn record<O: Op + 'static>(
        self,
        value: Matrix,
        op: O,
        others: &[Var<'g>],
    ) -> Var<'g> {
        let mut inputs = Vec::with_capacity(1 + others.len());
        inputs.push(self);
        inputs.extend_from_slice(others);
        self.graph.push(value, op, &inputs)
    }
}
