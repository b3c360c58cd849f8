//! Running trained models on data: class probabilities and tag sequences, in batches, on
//! graphs that record nothing (inference mode).

use std::sync::Arc;

use anyhow::Result;
use neurotext_autodiff::Graph;
use neurotext_linalg::{CsrMatrix, Matrix};

use crate::classifier::{Classifier, Inputs};
use crate::tagger::{TagInputs, Tagger, decode};

/// Examples per inference batch.
pub const INFER_BATCH: usize = 256;

/// Texts already turned into model inputs.
pub enum Encoded {
    /// Bag-of-words rows.
    Bow(Arc<CsrMatrix>),
    /// Token ids per text.
    Ids(Vec<Vec<usize>>),
}

impl Encoded {
    /// The number of texts.
    pub fn len(&self) -> usize {
        match self {
            Encoded::Bow(x) => x.nrows(),
            Encoded::Ids(ids) => ids.len(),
        }
    }

    /// The lengths of the texts in tokens (ids only).
    pub fn lengths(&self) -> Option<Vec<usize>> {
        match self {
            Encoded::Ids(ids) => Some(ids.iter().map(Vec::len).collect()),
            Encoded::Bow(_) => None,
        }
    }

    /// The inputs of the texts at `idx`.
    pub fn inputs(&self, idx: &[usize], pad: usize) -> Result<Inputs> {
        Ok(match self {
            Encoded::Bow(x) => Inputs::Bow(Arc::new(x.select_rows(idx)?)),
            Encoded::Ids(ids) => {
                let seqs: Vec<&[usize]> = idx.iter().map(|&i| ids[i].as_slice()).collect();
                Inputs::from_ids(&seqs, pad)?
            }
        })
    }
}

/// Class probabilities (`[classes, n]`) of all texts, batch by batch.
pub fn probabilities(model: &Classifier, data: &Encoded, pad: usize) -> Result<Matrix> {
    let n = data.len();
    let mut columns: Vec<f32> = Vec::new();
    let mut classes = 0;
    for start in (0..n).step_by(INFER_BATCH) {
        let idx: Vec<usize> = (start..(start + INFER_BATCH).min(n)).collect();
        let g = Graph::no_grad();
        let p = model
            .forward(&g, &data.inputs(&idx, pad)?)?
            .logits
            .softmax()
            .value();
        classes = p.nrows();
        columns.extend_from_slice(p.as_slice());
    }
    Ok(Matrix::from_vec(classes, n, columns))
}

/// The most probable class of each column and its probability.
pub fn best(probs: &Matrix) -> Vec<(usize, f32)> {
    probs
        .column_iter()
        .map(|c| {
            c.iter().enumerate().fold(
                (0, f32::NEG_INFINITY),
                |b, (i, &p)| if p > b.1 { (i, p) } else { b },
            )
        })
        .collect()
}

/// The tags of each sentence (all non-empty), decoded under IOB2's rule when `constrained`.
pub fn tag(
    model: &Tagger,
    sentences: &[&[String]],
    word_ids: &[Vec<usize>],
    pad: usize,
    buckets: usize,
    tags: &[String],
    constrained: bool,
) -> Result<Vec<Vec<usize>>> {
    let mut out = Vec::with_capacity(sentences.len());
    for start in (0..sentences.len()).step_by(INFER_BATCH) {
        let end = (start + INFER_BATCH).min(sentences.len());
        let inputs = TagInputs::new(&sentences[start..end], &word_ids[start..end], pad, buckets)?;
        let g = Graph::no_grad();
        let logp = model.forward(&g, &inputs)?.log_softmax().value();
        for (b, s) in sentences[start..end].iter().enumerate() {
            let scores: Vec<Vec<f32>> = (0..s.len())
                .map(|t| {
                    logp.column(inputs.batch.column(t, b))
                        .iter()
                        .copied()
                        .collect()
                })
                .collect();
            out.push(decode(&scores, tags, constrained));
        }
    }
    Ok(out)
}
