//! A lookup table of learned word vectors.

use neurotext_autodiff::{Axis, Graph, Module, Param, Var, join_name};
use neurotext_linalg::Matrix;
use neurotext_linalg::random::{Rng, normal};

use crate::error::{Result, config};

/// A table of `vocab` learned vectors of `dim` features, stored one word per column
/// (`[dim, vocab]`), so that a lookup copies contiguous columns and yields a batch in
/// neurotext's layout: ids `[n]` → `[dim, n]`.
///
/// Equivalent to multiplying a one-hot column by the table, without building the one-hot.
/// Its backward adds each gradient column to the word it came from, touching only the
/// words in the batch.
#[derive(Clone, Debug)]
pub struct Embedding {
    table: Param,
}

impl Embedding {
    /// A table of `vocab` vectors of size `dim`, drawn from N(0, 1) (PyTorch's default).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when a size is zero.
    pub fn new(vocab: usize, dim: usize, rng: &mut Rng) -> Result<Self> {
        if vocab == 0 || dim == 0 {
            return Err(config(
                "Embedding",
                format!("sizes must be positive, got vocab = {vocab}, dim = {dim}"),
            ));
        }
        Ok(Embedding {
            table: Param::new(normal(dim, vocab, 0.0, 1.0, rng)),
        })
    }

    /// A table with the given vectors (`[dim, vocab]`, one word per column).
    pub fn from_table(table: Matrix) -> Self {
        Embedding {
            table: Param::new(table),
        }
    }

    /// The number of words.
    pub fn vocab(&self) -> usize {
        self.table.shape().1
    }

    /// The size of each vector.
    pub fn dim(&self) -> usize {
        self.table.shape().0
    }

    /// The table parameter, `[dim, vocab]`.
    pub fn table(&self) -> &Param {
        &self.table
    }

    /// The vectors of `ids`, as a `[dim, ids.len()]` batch.
    ///
    /// # Errors
    /// When an id is not below [`vocab`](Self::vocab) (the message names its position).
    pub fn forward<'g>(&self, g: &'g Graph, ids: &[usize]) -> Result<Var<'g>> {
        Ok(g.param(&self.table).gather(Axis::Cols, ids)?)
    }
}

impl Module for Embedding {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        f(join_name(prefix, "weight"), &self.table);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        f(join_name(prefix, "weight"), &mut self.table);
    }
}
