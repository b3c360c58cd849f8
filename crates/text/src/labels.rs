//! Class labels ↔ ids, in a deterministic order: sorted by the label string.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The sorted, distinct labels of a dataset.
///
/// The PyTorch reference loaders number classes with `sorted(set(labels))`; sorting by the
/// UTF-8 bytes is the same order as Python's (code point order), so id `k` means the same class
/// in both. For AG News that is Business 0, Sci/Tech 1, Sports 2, World 3.
///
/// ```
/// use neurotext_text::LabelMap;
/// let m = LabelMap::from_labels(["World", "Sports", "World", "Business", "Sci/Tech"]);
/// assert_eq!(m.labels(), ["Business", "Sci/Tech", "Sports", "World"]);
/// assert_eq!(m.id("Sports")?, 2);
/// assert_eq!(m.name(3)?, "World");
/// assert!(m.id("Weather").is_err());
/// # Ok::<(), neurotext_text::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct LabelMap {
    labels: Vec<String>,
}

impl LabelMap {
    /// The map of the distinct labels among `labels`.
    pub fn from_labels<I, S>(labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut labels: Vec<String> = labels.into_iter().map(|s| s.as_ref().to_owned()).collect();
        labels.sort_unstable();
        labels.dedup();
        LabelMap { labels }
    }

    /// The id of `label`.
    ///
    /// # Errors
    /// [`Error::UnknownLabel`] naming the label.
    pub fn id(&self, label: &str) -> Result<usize> {
        self.find(label).ok_or_else(|| Error::UnknownLabel {
            label: label.to_owned(),
            path: String::new(),
            line: 0,
        })
    }

    /// The id of `label`, if it is in the map.
    pub fn find(&self, label: &str) -> Option<usize> {
        self.labels.binary_search_by(|l| l.as_str().cmp(label)).ok()
    }

    /// The label of `id`.
    ///
    /// # Errors
    /// [`Error::UnknownId`] when `id >= self.len()`.
    pub fn name(&self, id: usize) -> Result<&str> {
        self.labels
            .get(id)
            .map(String::as_str)
            .ok_or(Error::UnknownId {
                what: "label map",
                id,
                len: self.labels.len(),
            })
    }

    /// The labels, by id.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The number of classes.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the map has no label.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

impl TryFrom<Vec<String>> for LabelMap {
    type Error = Error;

    /// Accepts only sorted, distinct labels, so that a loaded map keeps its ids.
    fn try_from(labels: Vec<String>) -> Result<Self> {
        if let Some(w) = labels.windows(2).find(|w| w[0] >= w[1]) {
            return Err(Error::Invalid {
                what: "LabelMap",
                message: format!(
                    "labels must be sorted and distinct, but {:?} comes before {:?}",
                    w[0], w[1]
                ),
            });
        }
        Ok(LabelMap { labels })
    }
}

impl From<LabelMap> for Vec<String> {
    fn from(m: LabelMap) -> Vec<String> {
        m.labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_map_sorts_like_python_sorted() {
        // Python: sorted({"b", "B", "é", "a", "10", "9"}) == ['10', '9', 'B', 'a', 'b', 'é']
        let m = LabelMap::from_labels(["b", "B", "é", "a", "10", "9", "a"]);
        assert_eq!(m.labels(), ["10", "9", "B", "a", "b", "é"]);
    }

    #[test]
    fn label_map_rejects_unknown_label_and_id() {
        let m = LabelMap::from_labels(["neg", "pos"]);
        let err = m.id("neutral").unwrap_err();
        assert!(matches!(&err, Error::UnknownLabel { label, .. } if label == "neutral"));
        assert!(err.to_string().contains("neutral"));
        assert!(matches!(
            m.name(2),
            Err(Error::UnknownId { id: 2, len: 2, .. })
        ));
    }

    #[test]
    fn label_map_round_trips_and_refuses_unsorted_data() {
        let m = LabelMap::from_labels(["1", "0"]);
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&m, cfg).unwrap();
        let (back, _): (LabelMap, usize) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(back, m);
        let bad = bincode::serde::encode_to_vec(vec!["b", "a"], cfg).unwrap();
        assert!(bincode::serde::decode_from_slice::<LabelMap, _>(&bad, cfg).is_err());
    }
}
