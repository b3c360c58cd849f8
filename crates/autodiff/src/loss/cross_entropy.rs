//! Softmax cross-entropy with integer targets: for logits `z` (`[classes, batch]`, one
//! example per column) and a class `tⱼ` per example,
//! `L = −(1/n)·Σⱼ log softmax(z[:, j])[tⱼ]`, the mean over the `n` examples whose target is
//! not the ignore index (padding in a tagging batch).
//!
//! Derivative: `∂L/∂z[:, j] = (softmax(z[:, j]) − onehot(tⱼ))/n` for counted examples, 0 for
//! ignored ones. When every example is ignored the loss is 0 (PyTorch returns NaN).

use neurotext_linalg::Matrix;

use crate::error::{Result, invalid};
use crate::graph::{InputGrads, Op, Var};
use crate::ops::log_softmax_cols;

struct CrossEntropy {
    targets: Vec<usize>,
    ignore_index: Option<usize>,
    counted: usize,
}

impl CrossEntropy {
    fn counts(&self, t: usize) -> bool {
        Some(t) != self.ignore_index
    }
}

impl<'g> Var<'g> {
    /// Softmax cross-entropy of the logits `self` (`[classes, batch]`) against one class per
    /// column; columns whose target equals `ignore_index` do not count.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) when `targets` does not have one entry per
    /// column, or a counted target is not a valid class (the message names its position).
    pub fn cross_entropy(self, targets: &[usize], ignore_index: Option<usize>) -> Result<Var<'g>> {
        let z = self.value();
        let (classes, batch) = z.shape();
        if targets.len() != batch {
            return Err(invalid(
                "cross_entropy",
                format!("{} targets for {batch} columns of logits", targets.len()),
            ));
        }
        let op = CrossEntropy {
            targets: targets.to_vec(),
            ignore_index,
            counted: 0,
        };
        if let Some((j, &t)) = targets
            .iter()
            .enumerate()
            .find(|&(_, &t)| op.counts(t) && t >= classes)
        {
            return Err(invalid(
                "cross_entropy",
                format!("target {t} at position {j} is not one of the {classes} classes"),
            ));
        }
        let counted = targets.iter().filter(|&&t| op.counts(t)).count();
        let logp = log_softmax_cols(&z);
        let total: f32 = targets
            .iter()
            .enumerate()
            .filter(|&(_, &t)| op.counts(t))
            .map(|(j, &t)| -logp[(t, j)])
            .sum();
        let loss = if counted == 0 {
            0.0
        } else {
            total / counted as f32
        };
        Ok(self.record(
            Matrix::from_element(1, 1, loss),
            CrossEntropy { counted, ..op },
            &[],
        ))
    }
}

impl Op for CrossEntropy {
    fn name(&self) -> &'static str {
        "cross_entropy"
    }

    fn backward(&self, x: &[&Matrix], _y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        if self.counted == 0 {
            return;
        }
        let scale = gy[(0, 0)] / self.counted as f32;
        grads.add_with(0, |g| {
            let logp = log_softmax_cols(x[0]);
            for (j, &t) in self.targets.iter().enumerate() {
                if !self.counts(t) {
                    continue;
                }
                for i in 0..logp.nrows() {
                    let onehot = if i == t { 1.0 } else { 0.0 };
                    g[(i, j)] += scale * (logp[(i, j)].exp() - onehot);
                }
            }
        });
    }
}
