//! Named parameters of a model: the one thing optimizers and checkpoints need to see.

use crate::param::Param;

/// Anything that owns parameters: a layer, a stack of layers, a whole model.
///
/// Implementations list every parameter once, under a name relative to `prefix`, the way
/// PyTorch's `named_parameters` does (`"0.weight"`, `"lstm.weight_ih_l0"`). Containers pass
/// [`join_name`]`(prefix, child)` down to their children. No proc macro is involved: a layer
/// writes both methods by hand, a few lines each.
pub trait Module {
    /// Calls `f` with the full name and a shared reference of every parameter.
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param));

    /// Calls `f` with the full name and a mutable reference of every parameter.
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param));

    /// Every parameter with its name, in a fixed order.
    fn named_params(&self) -> Vec<(String, &Param)> {
        let mut out = Vec::new();
        self.visit_params("", &mut |name, p| out.push((name, p)));
        out
    }

    /// Every parameter with its name, mutably, in the same order as [`named_params`](Self::named_params).
    fn named_params_mut(&mut self) -> Vec<(String, &mut Param)> {
        let mut out = Vec::new();
        self.visit_params_mut("", &mut |name, p| out.push((name, p)));
        out
    }

    /// Sets every gradient to zero.
    fn zero_grad(&mut self) {
        self.visit_params_mut("", &mut |_, p| p.zero_grad());
    }

    /// The number of trainable scalars.
    fn num_params(&self) -> usize {
        let mut n = 0;
        self.visit_params("", &mut |_, p| n += p.len());
        n
    }
}

/// `prefix.name`, or `name` alone when the prefix is empty.
pub fn join_name(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The first name that appears a second time in `named` (parameters, tensors…), if any.
///
/// Optimizer state, checkpoints and exported tensors are all kept by name, so each of them
/// refuses a list in which two entries share one.
pub fn duplicate_name<T>(named: &[(String, T)]) -> Option<&str> {
    let mut seen = std::collections::HashSet::with_capacity(named.len());
    named
        .iter()
        .map(|(n, _)| n.as_str())
        .find(|n| !seen.insert(*n))
}

impl Module for Param {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        f(prefix.to_string(), self);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        f(prefix.to_string(), self);
    }
}

impl<M: Module> Module for Vec<M> {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        for (i, m) in self.iter().enumerate() {
            m.visit_params(&join_name(prefix, &i.to_string()), f);
        }
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        for (i, m) in self.iter_mut().enumerate() {
            m.visit_params_mut(&join_name(prefix, &i.to_string()), f);
        }
    }
}

impl<M: Module + ?Sized> Module for Box<M> {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        (**self).visit_params(prefix, f);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        (**self).visit_params_mut(prefix, f);
    }
}
