//! Counting tokens in first-occurrence order: the interning step under every vocabulary and
//! bag of words.

use crate::error::{Error, Result};
use crate::interner::Interner;

/// Token counts and document frequencies, indexed in first-occurrence order.
///
/// The first distinct token seen gets index 0, the next new one 1, and so on, so the order is
/// fixed by the corpus alone. Counters of consecutive parts of a corpus, merged in corpus
/// order, give exactly the counter of the whole corpus: that is what makes the parallel bag
/// of words identical to the sequential one.
///
/// ```
/// use neurotext_text::TokenCounter;
/// let mut c = TokenCounter::new();
/// c.add_document(["the", "red", "dog"])?;
/// c.add_document(["dog", "eats", "dog"])?;
/// assert_eq!(c.tokens().collect::<Vec<_>>(), ["the", "red", "dog", "eats"]);
/// assert_eq!(c.count("dog"), 3);
/// assert_eq!(c.doc_freq("dog"), 2);
/// # Ok::<(), neurotext_text::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct TokenCounter {
    tokens: Interner,
    /// `[count, document frequency]` of each token, together so that ending a document
    /// touches one cache line per token.
    totals: Vec<[u64; 2]>,
    /// Occurrences of each token in the current document (0 for tokens not in it): the only
    /// per-token state touched per occurrence, 4 bytes a token, so that it stays in cache.
    in_doc: Vec<u32>,
    /// The distinct tokens of the current document, in first-occurrence order.
    doc_ids: Vec<u32>,
    documents: u64,
}

impl TokenCounter {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts the tokens of one document.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the counter would exceed 2³² − 2 distinct tokens (column
    /// indices are `u32`); the counter is then left in an unspecified state.
    pub fn add_document<I, T>(&mut self, tokens: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.begin_document();
        for t in tokens {
            self.observe(t.as_ref())?;
        }
        self.end_document(false, |_, _| {});
        Ok(())
    }

    /// Starts a new document.
    #[inline]
    pub(crate) fn begin_document(&mut self) {
        self.documents += 1;
        self.doc_ids.clear();
    }

    /// Counts one occurrence of `token` in the current document.
    // Always inlined: it runs once per token in the featurizer's loop (see `featurize.rs`).
    #[inline(always)]
    pub(crate) fn observe(&mut self, token: &str) -> Result<()> {
        let id = self.tokens.intern(token).ok_or_else(too_many)?;
        let i = id as usize;
        if i == self.in_doc.len() {
            self.in_doc.push(0);
            self.totals.push([0, 0]);
        }
        let n = &mut self.in_doc[i];
        if *n == 0 {
            self.doc_ids.push(id);
        }
        *n += 1;
        Ok(())
    }

    /// Ends the current document: adds its counts to the totals and calls `f(id, count)` for
    /// each distinct token of the document, by increasing id when `sorted`, else in
    /// first-occurrence order.
    #[inline]
    pub(crate) fn end_document(&mut self, sorted: bool, mut f: impl FnMut(u32, u32)) {
        if sorted {
            self.doc_ids.sort_unstable();
        }
        for &id in &self.doc_ids {
            let i = id as usize;
            let n = std::mem::take(&mut self.in_doc[i]);
            let t = &mut self.totals[i];
            t[0] += u64::from(n);
            t[1] += 1;
            f(id, n);
        }
    }

    /// Adds `other`, the counter of the documents that follow this one's, and returns the
    /// index in `self` of each of `other`'s tokens.
    ///
    /// Merging the counters of consecutive parts of a corpus in corpus order gives the same
    /// counter, in the same order, as counting the whole corpus at once.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the merged counter would exceed 2³² − 2 distinct tokens.
    pub fn merge(&mut self, other: &TokenCounter) -> Result<Vec<u32>> {
        let mut mapping = Vec::with_capacity(other.len());
        for (i, token) in other.tokens.iter().enumerate() {
            let id = self.tokens.intern(token).ok_or_else(too_many)?;
            let j = id as usize;
            if j == self.totals.len() {
                self.in_doc.push(0);
                self.totals.push([0, 0]);
            }
            self.totals[j][0] += other.totals[i][0];
            self.totals[j][1] += other.totals[i][1];
            mapping.push(id);
        }
        self.documents += other.documents;
        Ok(mapping)
    }

    /// The number of distinct tokens.
    pub fn len(&self) -> usize {
        self.totals.len()
    }

    /// Whether no token was counted.
    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }

    /// The number of documents counted.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// The index of `token` (its rank of first occurrence), if it was seen.
    pub fn index_of(&self, token: &str) -> Option<usize> {
        self.tokens.get(token).map(|i| i as usize)
    }

    /// The number of occurrences of `token` (0 when unseen).
    pub fn count(&self, token: &str) -> u64 {
        self.index_of(token).map_or(0, |i| self.totals[i][0])
    }

    /// The number of documents that contain `token` (0 when unseen).
    pub fn doc_freq(&self, token: &str) -> u64 {
        self.index_of(token).map_or(0, |i| self.totals[i][1])
    }

    /// The distinct tokens in first-occurrence order.
    pub fn tokens(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.tokens.iter()
    }

    /// The occurrence count of each token, in first-occurrence order.
    pub fn counts(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.totals.iter().map(|t| t[0])
    }

    /// The document frequency of each token, in first-occurrence order.
    pub fn doc_freqs(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.totals.iter().map(|t| t[1])
    }

    /// The token at first-occurrence index `i`.
    pub(crate) fn token_at(&self, i: usize) -> &str {
        self.tokens.get_str(i)
    }

    /// The count of the token at index `i`.
    pub(crate) fn count_at(&self, i: usize) -> u64 {
        self.totals[i][0]
    }

    /// The document frequency of the token at index `i`.
    pub(crate) fn doc_freq_at(&self, i: usize) -> u64 {
        self.totals[i][1]
    }
}

fn too_many() -> Error {
    Error::Invalid {
        what: "TokenCounter",
        message: "more than 2^32 - 2 distinct tokens".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_orders_tokens_by_first_occurrence() {
        let mut c = TokenCounter::new();
        for doc in [
            "the red dog",
            "cat eats dog",
            "dog eats food",
            "red cat eats",
        ] {
            c.add_document(doc.split(' ')).unwrap();
        }
        assert_eq!(
            c.tokens().collect::<Vec<_>>(),
            ["the", "red", "dog", "cat", "eats", "food"]
        );
        assert!(c.counts().eq([1, 2, 3, 2, 3, 1]));
        assert!(c.doc_freqs().eq([1, 2, 3, 2, 3, 1]));
        assert_eq!(c.documents(), 4);
        assert_eq!(c.count("unseen"), 0);
    }

    #[test]
    fn counter_counts_repeats_once_per_document_in_doc_freq() {
        let mut c = TokenCounter::new();
        c.add_document(["a", "a", "a"]).unwrap();
        c.add_document(["b", "a"]).unwrap();
        assert_eq!(c.count("a"), 4);
        assert_eq!(c.doc_freq("a"), 2);
        assert_eq!(c.doc_freq("b"), 1);
    }

    #[test]
    fn merged_counters_equal_one_counter_of_the_whole_corpus() {
        let docs: Vec<Vec<&str>> = ["x y z", "y w", "z z v", "w u x", "t"]
            .iter()
            .map(|d| d.split(' ').collect())
            .collect();
        let mut whole = TokenCounter::new();
        for d in &docs {
            whole.add_document(d).unwrap();
        }
        for cut in 0..=docs.len() {
            let (mut left, mut right) = (TokenCounter::new(), TokenCounter::new());
            for d in &docs[..cut] {
                left.add_document(d).unwrap();
            }
            for d in &docs[cut..] {
                right.add_document(d).unwrap();
            }
            let mapping = left.merge(&right).unwrap();
            assert_eq!(mapping.len(), right.len());
            assert_eq!(
                left.tokens().collect::<Vec<_>>(),
                whole.tokens().collect::<Vec<_>>()
            );
            assert!(left.counts().eq(whole.counts()));
            assert!(left.doc_freqs().eq(whole.doc_freqs()));
            assert_eq!(left.documents(), whole.documents());
            // Counting continues correctly after a merge.
            left.add_document(["x", "x"]).unwrap();
            assert_eq!(left.doc_freq("x"), whole.doc_freq("x") + 1);
        }
    }
}
