//! Term weighting of a bag of words: counts, binary, frequency, TF-IDF, and row norms. The
//! formulas are documented on [`Weighting`].

use serde::{Deserialize, Serialize};

use crate::featurize::Rows;

/// The value of a term in a document's row.
///
/// TF-IDF follows scikit-learn's `TfidfVectorizer` (and `TfidfTransformer`) formulas, so that
/// the two give the same numbers:
///
/// - `tf = count`, or `1 + ln(count)` with `sublinear_tf`;
/// - `idf = ln((1 + n) / (1 + df)) + 1` with `smooth_idf` (the default), else
///   `idf = ln(n / df) + 1`, where `n` is the number of fitted documents and `df` the number
///   of them that contain the term;
/// - `tfidf = tf · idf`, then each row divided by its L2 norm (or L1, or not at all).
///
/// One deliberate difference: unsmoothed, a hashed column that no fitted document used
/// (`df = 0`) gets `idf = ln(n) + 1` (as if `df = 1`) where scikit-learn divides by zero.
/// Values are computed in `f64` and stored as `f32`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Weighting {
    /// The number of occurrences (scikit-learn's `CountVectorizer`). The default.
    #[default]
    Count,
    /// 1 when the term occurs (`CountVectorizer(binary=True)`).
    Binary,
    /// The count divided by the number of terms of the document, out-of-vocabulary terms
    /// included.
    Frequency,
    /// `tf · idf` (see above).
    TfIdf,
}

/// The normalisation of each row, applied after weighting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Norm {
    /// Rows are left as they are. The default for counts.
    #[default]
    None,
    /// Each row is divided by the sum of its absolute values.
    L1,
    /// Each row is divided by its Euclidean length (scikit-learn's TF-IDF default).
    L2,
}

/// The inverse document frequency of each term, from its document frequency.
pub(crate) fn idf(doc_freqs: impl IntoIterator<Item = u64>, n_docs: u64, smooth: bool) -> Vec<f32> {
    let n = n_docs as f64;
    doc_freqs
        .into_iter()
        .map(|df| {
            let df = df as f64;
            let v = if smooth {
                ((1.0 + n) / (1.0 + df)).ln() + 1.0
            } else {
                (n.max(1.0) / df.max(1.0)).ln() + 1.0
            };
            v as f32
        })
        .collect()
}

/// Weights and normalises every row of `rows` in place.
pub(crate) fn apply(
    rows: &mut Rows,
    weighting: Weighting,
    sublinear_tf: bool,
    norm: Norm,
    idf: Option<&[f32]>,
) {
    if weighting == Weighting::Count && norm == Norm::None {
        return;
    }
    let mut row: Vec<f64> = Vec::new();
    for r in 0..rows.len() {
        let span = rows.span(r);
        let terms = rows.terms[r] as f64;
        row.clear();
        for k in span.clone() {
            let count = f64::from(rows.vals[k]);
            let v = match weighting {
                Weighting::Count => count,
                Weighting::Binary => 1.0,
                Weighting::Frequency => count / terms.max(1.0),
                Weighting::TfIdf => {
                    let tf = if sublinear_tf {
                        count.signum() * (1.0 + count.abs().ln())
                    } else {
                        count
                    };
                    let w = idf.and_then(|idf| idf.get(rows.cols[k] as usize));
                    tf * f64::from(w.copied().unwrap_or(1.0))
                }
            };
            row.push(v);
        }
        let length = match norm {
            Norm::None => 1.0,
            Norm::L1 => row.iter().map(|v| v.abs()).sum(),
            Norm::L2 => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
        };
        let scale = if length > 0.0 { 1.0 / length } else { 1.0 };
        for (k, v) in span.zip(&row) {
            rows.vals[k] = (v * scale) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothed_idf_matches_scikit_learn_formula() {
        // n = 4 documents; df = 1 → ln(5/2) + 1, df = 4 → ln(5/5) + 1 = 1.
        let v = idf([1, 4], 4, true);
        assert!((v[0] - (2.5f32.ln() + 1.0)).abs() < 1e-6);
        assert!((v[1] - 1.0).abs() < 1e-6);
        let raw = idf([2, 0], 4, false);
        assert!((raw[0] - (2.0f32.ln() + 1.0)).abs() < 1e-6);
        assert!((raw[1] - (4.0f32.ln() + 1.0)).abs() < 1e-6);
    }
}
