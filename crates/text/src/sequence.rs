//! Sequences for recurrent models: token ids, truncation, padding into a time-major batch, and
//! batches of similar lengths.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tokenizer::Tokenizer;
use crate::vocab::Vocab;

/// Sequences of ids padded into a time-major `[T, B]` layout.
///
/// The recurrent layers read a batch step by step, so [`PaddedBatch`] is **time-major**: the
/// `B` ids of time step `t` are contiguous, element `[t·B + b]`. Shorter sequences are padded
/// with the vocabulary's `<pad>` id, and [`PaddedBatch::mask`] says which entries are real.
///
/// An empty text gives a sequence of length 0: it is kept, as a column of padding with an
/// all-false mask, and its length 0 is reported in [`PaddedBatch::lengths`]. What an empty
/// sequence means to a model (its initial state, a zero vector) is the model's decision;
/// callers who want none can filter by length first.
///
/// ```
/// use neurotext_text::PaddedBatch;
/// let b = PaddedBatch::new(&[vec![5, 6, 7], vec![8], vec![]], 0, None);
/// assert_eq!((b.max_len(), b.batch()), (3, 3));
/// assert_eq!(b.ids(), [5, 8, 0, /* t = 1 */ 6, 0, 0, /* t = 2 */ 7, 0, 0]);
/// assert_eq!(b.lengths(), [3, 1, 0]);
/// assert_eq!(b.step(1), Some(&[6, 0, 0][..]));
/// assert_eq!(b.mask()[..3], [true, true, false]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaddedBatch {
    ids: Vec<usize>,
    lengths: Vec<usize>,
    batch: usize,
    max_len: usize,
}

impl PaddedBatch {
    /// Pads `seqs` with `pad_id`. With `max_len`, each sequence is first truncated to its
    /// first `max_len` ids. `T` is the longest (truncated) length, 0 for a batch of empty
    /// sequences.
    pub fn new<S: AsRef<[usize]>>(seqs: &[S], pad_id: usize, max_len: Option<usize>) -> Self {
        let limit = max_len.unwrap_or(usize::MAX);
        let lengths: Vec<usize> = seqs.iter().map(|s| s.as_ref().len().min(limit)).collect();
        let batch = seqs.len();
        let t_max = lengths.iter().copied().max().unwrap_or(0);
        let mut ids = vec![pad_id; t_max * batch];
        for (b, s) in seqs.iter().enumerate() {
            for (t, &id) in s.as_ref().iter().take(lengths[b]).enumerate() {
                ids[t * batch + b] = id;
            }
        }
        PaddedBatch {
            ids,
            lengths,
            batch,
            max_len: t_max,
        }
    }

    /// Tokenizes and encodes `texts` with the vocabulary's unknown-token policy, then pads
    /// them with its `<pad>` id.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the vocabulary has no padding token.
    pub fn from_texts<S: AsRef<str>>(
        vocab: &Vocab,
        tokenizer: &Tokenizer,
        texts: &[S],
        max_len: Option<usize>,
    ) -> Result<Self> {
        let pad = vocab.pad_id().ok_or_else(|| Error::Invalid {
            what: "PaddedBatch::from_texts",
            message: "the vocabulary has no padding token".into(),
        })?;
        let mut scratch = String::new();
        let seqs: Vec<Vec<usize>> = texts
            .iter()
            .map(|t| {
                let mut ids = vocab.encode(tokenizer.tokens(t.as_ref(), &mut scratch));
                if let Some(m) = max_len {
                    ids.truncate(m);
                }
                ids
            })
            .collect();
        Ok(PaddedBatch::new(&seqs, pad, max_len))
    }

    /// All ids, time-major: element `[t·B + b]` is step `t` of sequence `b`.
    pub fn ids(&self) -> &[usize] {
        &self.ids
    }

    /// The length of each sequence (after truncation), by batch position.
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// The number of sequences `B`.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The number of time steps `T`: the longest length.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The id at step `t` of sequence `b` (a padding id past its length).
    pub fn id(&self, t: usize, b: usize) -> Option<usize> {
        if t < self.max_len && b < self.batch {
            Some(self.ids[t * self.batch + b])
        } else {
            None
        }
    }

    /// The `B` ids of time step `t`.
    pub fn step(&self, t: usize) -> Option<&[usize]> {
        if t < self.max_len {
            Some(&self.ids[t * self.batch..(t + 1) * self.batch])
        } else {
            None
        }
    }

    /// The unpadded ids of sequence `b`.
    pub fn sequence(&self, b: usize) -> Option<Vec<usize>> {
        let len = *self.lengths.get(b)?;
        Some((0..len).map(|t| self.ids[t * self.batch + b]).collect())
    }

    /// Whether each entry is a real token (`t < lengths[b]`), in the layout of
    /// [`ids`](Self::ids).
    pub fn mask(&self) -> Vec<bool> {
        (0..self.max_len)
            .flat_map(|t| self.lengths.iter().map(move |&len| t < len))
            .collect()
    }

    /// [`mask`](Self::mask) as `1.0` / `0.0`, ready to multiply losses or states.
    pub fn mask_f32(&self) -> Vec<f32> {
        self.mask()
            .into_iter()
            .map(|m| if m { 1.0 } else { 0.0 })
            .collect()
    }
}

/// How many batches a bucketing pool holds.
pub const POOL_BATCHES: usize = 100;

/// Batches of example indices with similar lengths, in a seeded random order.
///
/// The indices are shuffled with `seed`; each consecutive pool of
/// [`POOL_BATCHES`]` · batch_size` of them is sorted by length (equal lengths keep their
/// shuffled order) and cut into batches of `batch_size`; the batches are then shuffled. Every
/// index appears exactly once. At most one batch is smaller than `batch_size` (the remainder,
/// when `batch_size` does not divide the number of examples), and since the batches are
/// shuffled it may come at any position, not necessarily last. The same lengths, batch size
/// and seed give the same batches on every run and machine (ChaCha8, see
/// `neurotext_linalg::random`).
///
/// # Errors
/// [`Error::Invalid`] when `batch_size` is 0.
pub fn bucket_by_length(
    lengths: &[usize],
    batch_size: usize,
    seed: u64,
) -> Result<Vec<Vec<usize>>> {
    if batch_size == 0 {
        return Err(Error::Invalid {
            what: "bucket_by_length",
            message: "batch_size must be at least 1".into(),
        });
    }
    let mut rng = neurotext_linalg::random::seeded_rng(seed);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.shuffle(&mut rng);
    let mut batches: Vec<Vec<usize>> = Vec::with_capacity(lengths.len().div_ceil(batch_size));
    for pool in order.chunks_mut(batch_size.saturating_mul(POOL_BATCHES)) {
        pool.sort_by_key(|&i| lengths[i]);
        batches.extend(pool.chunks(batch_size).map(<[usize]>::to_vec));
    }
    batches.shuffle(&mut rng);
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::TokenizerConfig;
    use crate::vocab_config::VocabConfig;

    #[test]
    fn padded_batch_is_time_major_with_pad_ids() {
        let b = PaddedBatch::new(&[vec![1, 2], vec![3, 4, 5]], 0, None);
        assert_eq!(b.ids(), [1, 3, 2, 4, 0, 5]);
        assert_eq!(b.id(2, 0), Some(0));
        assert_eq!(b.id(2, 1), Some(5));
        assert_eq!(b.id(3, 0), None);
        assert_eq!(b.mask(), [true, true, true, true, false, true]);
        assert_eq!(b.mask_f32(), [1.0, 1.0, 1.0, 1.0, 0.0, 1.0]);
        assert_eq!(b.sequence(1), Some(vec![3, 4, 5]));
    }

    #[test]
    fn padded_batch_truncates_to_max_len_keeping_the_start() {
        let b = PaddedBatch::new(&[vec![1, 2, 3, 4], vec![5]], 9, Some(2));
        assert_eq!(b.max_len(), 2);
        assert_eq!(b.lengths(), [2, 1]);
        assert_eq!(b.ids(), [1, 5, 2, 9]);
    }

    #[test]
    fn padded_batch_keeps_empty_sequences_with_length_zero() {
        let b = PaddedBatch::new(&[vec![], vec![7]], 0, None);
        assert_eq!(b.lengths(), [0, 1]);
        assert_eq!(b.mask(), [false, true]);
        assert_eq!(b.sequence(0), Some(vec![]));
        let all_empty = PaddedBatch::new(&[Vec::<usize>::new(), vec![]], 0, None);
        assert_eq!((all_empty.max_len(), all_empty.batch()), (0, 2));
        assert!(all_empty.ids().is_empty() && all_empty.mask().is_empty());
        assert_eq!(all_empty.step(0), None);
        let none = PaddedBatch::new(&[] as &[Vec<usize>], 0, None);
        assert_eq!((none.max_len(), none.batch()), (0, 0));
    }

    #[test]
    fn padded_batch_from_texts_uses_unk_and_pad() {
        let t = TokenizerConfig::new().build();
        let v = VocabConfig::new().build([["the", "red", "dog"]]).unwrap();
        let b = PaddedBatch::from_texts(&v, &t, &["the cat", "red", ""], Some(5)).unwrap();
        assert_eq!(b.lengths(), [2, 1, 0]);
        assert_eq!(b.ids(), [2, 3, 0, 1, 0, 0]); // cat → <unk> = 1, <pad> = 0
        let no_pad = VocabConfig::new().with_pad(None).build([["x"]]).unwrap();
        assert!(PaddedBatch::from_texts(&no_pad, &t, &["x"], None).is_err());
    }

    #[test]
    fn bucketing_is_seeded_complete_and_groups_similar_lengths() {
        let lengths: Vec<usize> = (0..1000).map(|i| (i * 7919) % 97).collect();
        let a = bucket_by_length(&lengths, 16, 42).unwrap();
        assert_eq!(a, bucket_by_length(&lengths, 16, 42).unwrap());
        assert_ne!(a, bucket_by_length(&lengths, 16, 43).unwrap());
        let mut seen: Vec<usize> = a.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
        assert_eq!(a.iter().filter(|b| b.len() < 16).count(), 1); // 1000 = 62·16 + 8
        // Within a batch the lengths differ by far less than across the corpus (0..97).
        let spread: usize = a
            .iter()
            .map(|b| {
                let l: Vec<usize> = b.iter().map(|&i| lengths[i]).collect();
                l.iter().max().unwrap() - l.iter().min().unwrap()
            })
            .sum();
        assert!(spread / a.len() <= 4, "mean spread {}", spread / a.len());
        assert!(bucket_by_length(&lengths, 0, 1).is_err());
        assert!(bucket_by_length(&[], 4, 1).unwrap().is_empty());
    }

    #[test]
    fn bucketing_shuffles_the_smaller_batch_to_any_position() {
        // 10 = 3·3 + 1: one batch of 1, which the final shuffle may put anywhere.
        let lengths = [5, 1, 4, 2, 3, 5, 1, 4, 2, 3];
        let mut positions = std::collections::BTreeSet::new();
        for seed in 0..50 {
            let batches = bucket_by_length(&lengths, 3, seed).unwrap();
            let short: Vec<usize> = (0..batches.len())
                .filter(|&i| batches[i].len() < 3)
                .collect();
            assert_eq!(short.len(), 1, "seed {seed}: {batches:?}");
            positions.insert(short[0]);
        }
        assert!(
            positions.iter().any(|&p| p != 3),
            "the smaller batch always came last: {positions:?}"
        );
    }
}
