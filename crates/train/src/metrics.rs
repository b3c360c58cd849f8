//! Classification metrics: accuracy, per-class precision and recall, macro-F1 and the
//! confusion matrix they all come from.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Counts of (true class, predicted class) pairs: row = truth, column = prediction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An empty matrix for `classes` classes.
    pub fn new(classes: usize) -> Self {
        ConfusionMatrix {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// The matrix of paired truths and predictions.
    ///
    /// # Errors
    /// [`Error::Config`] when the lists differ in length or a class is out of range.
    pub fn from_predictions(truth: &[usize], predicted: &[usize], classes: usize) -> Result<Self> {
        if truth.len() != predicted.len() {
            return Err(Error::Config(format!(
                "{} true labels but {} predictions",
                truth.len(),
                predicted.len()
            )));
        }
        let mut m = Self::new(classes);
        for (i, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            if t >= classes || p >= classes {
                return Err(Error::Config(format!(
                    "example {i}: class {} is out of range for {classes} classes",
                    t.max(p)
                )));
            }
            m.add(t, p);
        }
        Ok(m)
    }

    /// Records one example. ([`from_predictions`](Self::from_predictions) checks the classes
    /// of whole lists and returns an error instead.)
    ///
    /// # Panics
    /// When a class is out of range (≥ [`classes`](Self::classes)), as indexing does.
    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.check_class("add", truth);
        self.check_class("add", predicted);
        self.counts[truth * self.classes + predicted] += 1;
    }

    /// Panics, naming the method, the class and the number of classes, when `class` is out
    /// of range: a class index is like a slice index, and a wrong one is a bug in the caller.
    /// Without it, `get(0, classes)` would silently read the cell `(1, 0)`.
    #[track_caller]
    fn check_class(&self, method: &str, class: usize) {
        assert!(
            class < self.classes,
            "ConfusionMatrix::{method}: class {class} is out of range for {} classes",
            self.classes
        );
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The count of examples of class `truth` predicted as `predicted`.
    ///
    /// # Panics
    /// When a class is out of range (≥ [`classes`](Self::classes)), as indexing does.
    #[track_caller]
    pub fn get(&self, truth: usize, predicted: usize) -> u64 {
        self.check_class("get", truth);
        self.check_class("get", predicted);
        self.counts[truth * self.classes + predicted]
    }

    /// The number of examples.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The fraction of correct predictions (0 when empty).
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.classes).map(|c| self.get(c, c)).sum();
        ratio(correct, self.total())
    }

    /// Of the examples predicted as `class`, the fraction that are (0 when none are).
    ///
    /// # Panics
    /// When `class` is out of range (≥ [`classes`](Self::classes)), as indexing does.
    #[track_caller]
    pub fn precision(&self, class: usize) -> f64 {
        self.check_class("precision", class);
        let predicted: u64 = (0..self.classes).map(|t| self.get(t, class)).sum();
        ratio(self.get(class, class), predicted)
    }

    /// Of the examples of `class`, the fraction predicted as such (0 when there are none).
    ///
    /// # Panics
    /// When `class` is out of range (≥ [`classes`](Self::classes)), as indexing does.
    #[track_caller]
    pub fn recall(&self, class: usize) -> f64 {
        self.check_class("recall", class);
        let actual: u64 = (0..self.classes).map(|p| self.get(class, p)).sum();
        ratio(self.get(class, class), actual)
    }

    /// The harmonic mean of precision and recall of `class` (0 when both are 0).
    ///
    /// # Panics
    /// When `class` is out of range (≥ [`classes`](Self::classes)), as indexing does.
    #[track_caller]
    pub fn f1(&self, class: usize) -> f64 {
        self.check_class("f1", class);
        let (p, r) = (self.precision(class), self.recall(class));
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// The unweighted mean of the per-class F1 scores (scikit-learn's `average="macro"`).
    pub fn macro_f1(&self) -> f64 {
        if self.classes == 0 {
            return 0.0;
        }
        (0..self.classes).map(|c| self.f1(c)).sum::<f64>() / self.classes as f64
    }

    /// The matrix as an aligned text table, rows labelled by `names` (truth) and columns by
    /// their first characters (prediction).
    pub fn to_table(&self, names: &[String]) -> String {
        let label = |c: usize| names.get(c).cloned().unwrap_or_else(|| c.to_string());
        let width = (0..self.classes)
            .map(|c| label(c).chars().count())
            .max()
            .unwrap_or(1)
            .max(5);
        let cell = self
            .counts
            .iter()
            .map(|c| c.to_string().len())
            .max()
            .unwrap_or(1)
            .max(6);
        let mut out = format!("{:>width$}  predicted →\n", "truth ↓");
        out.push_str(&format!("{:>width$}", ""));
        for c in 0..self.classes {
            let short: String = label(c).chars().take(cell).collect();
            out.push_str(&format!(" {short:>cell$}"));
        }
        out.push('\n');
        for t in 0..self.classes {
            out.push_str(&format!("{:>width$}", label(t)));
            for p in 0..self.classes {
                out.push_str(&format!(" {:>cell$}", self.get(t, p)));
            }
            out.push('\n');
        }
        out
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The class with the highest score in each column of `scores` (`[classes, batch]`); the
/// first one on a tie.
pub fn argmax_columns(scores: &neurotext_linalg::Matrix) -> Vec<usize> {
    scores
        .column_iter()
        .map(|col| {
            let mut best = 0;
            for (i, &v) in col.iter().enumerate() {
                if v > col[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_counts() {
        // truth:     0 0 0 1 1 2
        // predicted: 0 0 1 1 2 2
        let m =
            ConfusionMatrix::from_predictions(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2], 3).unwrap();
        assert_eq!(m.get(0, 1), 1);
        assert!((m.accuracy() - 4.0 / 6.0).abs() < 1e-12);
        assert!((m.precision(1) - 0.5).abs() < 1e-12);
        assert!((m.recall(0) - 2.0 / 3.0).abs() < 1e-12);
        // F1: class 0: p=1, r=2/3 → 0.8; class 1: p=1/2, r=1/2 → 0.5; class 2: p=1/2, r=1 → 2/3.
        assert!((m.macro_f1() - (0.8 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        let table = m.to_table(&["neg".into(), "neu".into(), "pos".into()]);
        assert!(
            table.contains("neg") && table.lines().count() == 5,
            "{table}"
        );
    }

    #[test]
    fn metrics_of_empty_classes_are_zero_not_nan() {
        let m = ConfusionMatrix::from_predictions(&[0, 0], &[0, 0], 2).unwrap();
        assert_eq!(m.precision(1), 0.0);
        assert_eq!(m.recall(1), 0.0);
        assert_eq!(m.f1(1), 0.0);
        assert_eq!(ConfusionMatrix::new(2).accuracy(), 0.0);
    }

    #[test]
    fn mismatched_or_out_of_range_predictions_are_refused() {
        assert!(ConfusionMatrix::from_predictions(&[0], &[0, 1], 2).is_err());
        let err = ConfusionMatrix::from_predictions(&[0, 2], &[0, 1], 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("example 1"), "{err}");
    }

    #[test]
    fn out_of_range_classes_panic_with_the_class_named_instead_of_reading_another_cell() {
        // 2 classes: cell (0, 2) of the flat storage would be cell (1, 0).
        let m = ConfusionMatrix::from_predictions(&[1], &[0], 2).unwrap();
        let message = |f: &dyn Fn()| {
            let e = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_err();
            e.downcast_ref::<String>().cloned().unwrap_or_default()
        };
        let cases: [(&str, &dyn Fn()); 6] = [
            ("get: class 2", &|| {
                let _ = m.get(0, 2);
            }),
            ("get: class 2", &|| {
                let _ = m.get(2, 0);
            }),
            ("precision: class 2", &|| {
                let _ = m.precision(2);
            }),
            ("recall: class 5", &|| {
                let _ = m.recall(5);
            }),
            ("f1: class 2", &|| {
                let _ = m.f1(2);
            }),
            ("add: class 3", &|| {
                m.clone().add(3, 0);
            }),
        ];
        for (needle, f) in cases {
            let msg = message(f);
            assert!(
                msg.contains(needle) && msg.contains("out of range for 2 classes"),
                "{needle}: {msg:?}"
            );
        }
        // In range, nothing changes.
        assert_eq!((m.get(1, 0), m.get(0, 1)), (1, 0));
        assert_eq!(m.recall(1), 0.0);
    }

    #[test]
    fn argmax_takes_the_first_of_ties() {
        let s = neurotext_linalg::Matrix::from_row_slice(3, 2, &[0.1, 0.5, 0.7, 0.5, 0.2, 0.1]);
        assert_eq!(argmax_columns(&s), vec![1, 0]);
    }
}
