//! Entity-level scoring of tag sequences, compatible with the CoNLL shared task's
//! `conlleval` script: an entity counts only if its span and type are both right. Both IOB1
//! (an entity may start with `I-`) and IOB2 (every entity starts with `B-`) are read.

use std::collections::BTreeMap;

use serde::Serialize;

/// A tag's prefix and type: `B-PER` → ('B', "PER"), `O` → ('O', "").
fn split(tag: &str) -> (char, &str) {
    match tag.split_once('-') {
        Some((p, t)) if p.len() == 1 => (p.chars().next().unwrap_or('O'), t),
        _ if tag == "O" => ('O', ""),
        _ => ('I', tag),
    }
}

/// conlleval's `endOfChunk`.
fn ends(prev: (char, &str), cur: (char, &str)) -> bool {
    let (pt, pty) = prev;
    let (t, ty) = cur;
    matches!(
        (pt, t),
        ('B', 'B') | ('B', 'O') | ('I', 'B') | ('I', 'O') | ('E', _) | ('S', _)
    ) || (pt != 'O' && pty != ty)
}

/// conlleval's `startOfChunk`.
fn starts(prev: (char, &str), cur: (char, &str)) -> bool {
    let (pt, pty) = prev;
    let (t, ty) = cur;
    matches!(
        (pt, t),
        ('B', 'B')
            | ('I', 'B')
            | ('O', 'B')
            | ('O', 'I')
            | ('E', 'I')
            | ('E', 'B')
            | ('S', 'B')
            | ('S', 'I')
            | (_, 'S')
    ) || (t != 'O' && pty != ty)
}

/// The entities of one sentence as `(start, end exclusive, type)`.
pub fn entities(tags: &[&str]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String)> = None;
    let mut prev = ('O', "");
    for (i, tag) in tags.iter().enumerate() {
        let cur = split(tag);
        if let Some((start, ty)) = &open
            && ends(prev, cur)
        {
            out.push((*start, i, ty.clone()));
            open = None;
        }
        if starts(prev, cur) {
            open = Some((i, cur.1.to_string()));
        }
        prev = cur;
    }
    if let Some((start, ty)) = open {
        out.push((start, tags.len(), ty));
    }
    out
}

/// Counts of one entity type (or of all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Entities in the gold standard.
    pub gold: usize,
    /// Entities predicted.
    pub predicted: usize,
    /// Predicted entities with the right span and type.
    pub correct: usize,
}

impl Counts {
    /// correct / predicted.
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            0.0
        } else {
            self.correct as f64 / self.predicted as f64
        }
    }
    /// correct / gold.
    pub fn recall(&self) -> f64 {
        if self.gold == 0 {
            0.0
        } else {
            self.correct as f64 / self.gold as f64
        }
    }
    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Entity counts over a corpus, in total and per type.
#[derive(Clone, Debug, Default)]
pub struct EntityScore {
    /// All types together.
    pub total: Counts,
    /// Per entity type.
    pub by_type: BTreeMap<String, Counts>,
}

impl EntityScore {
    /// Adds one sentence's gold and predicted tags.
    pub fn add(&mut self, gold: &[&str], predicted: &[&str]) {
        let g = entities(gold);
        let p = entities(predicted);
        for (_, _, ty) in &g {
            self.total.gold += 1;
            self.by_type.entry(ty.clone()).or_default().gold += 1;
        }
        for e in &p {
            self.total.predicted += 1;
            let c = self.by_type.entry(e.2.clone()).or_default();
            c.predicted += 1;
            if g.contains(e) {
                c.correct += 1;
                self.total.correct += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iob2_entities_are_read_with_spans_and_types() {
        let tags = [
            "B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "O", "B-MISC",
        ];
        assert_eq!(
            entities(&tags),
            vec![
                (0, 2, "PER".into()),
                (3, 4, "LOC".into()),
                (4, 6, "LOC".into()),
                (7, 8, "MISC".into())
            ]
        );
    }

    #[test]
    fn iob1_entities_start_with_i_and_split_on_b() {
        let tags = ["I-ORG", "I-ORG", "O", "I-LOC", "B-LOC", "I-PER"];
        assert_eq!(
            entities(&tags),
            vec![
                (0, 2, "ORG".into()),
                (3, 4, "LOC".into()),
                (4, 5, "LOC".into()),
                (5, 6, "PER".into())
            ]
        );
    }

    #[test]
    fn scores_count_exact_matches_only() {
        let mut s = EntityScore::default();
        // Gold: PER[0,2), LOC[3,4). Predicted: PER[0,1) (wrong span), LOC[3,4) (right).
        s.add(
            &["B-PER", "I-PER", "O", "B-LOC"],
            &["B-PER", "O", "O", "B-LOC"],
        );
        assert_eq!(
            s.total,
            Counts {
                gold: 2,
                predicted: 2,
                correct: 1
            }
        );
        assert!((s.total.f1() - 0.5).abs() < 1e-12);
        assert_eq!(s.by_type["LOC"].correct, 1);
    }
}
