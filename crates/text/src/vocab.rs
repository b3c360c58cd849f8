//! The vocabulary: a bijection between tokens and ids `0..len`, with the policy for unknown
//! tokens. [`VocabConfig`](crate::VocabConfig) builds one from a corpus.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::interner::Interner;
use crate::tokenizer::Tokenizer;

/// What [`Vocab::lookup`] and [`Vocab::encode`] do with a token that is not in the vocabulary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnknownPolicy {
    /// Map it to the `<unk>` id (the vocabulary must have an unknown token). The default.
    #[default]
    MapToUnk,
    /// Leave it out.
    Drop,
}

/// Tokens and their ids, with the unknown-token policy.
///
/// ```
/// use neurotext_text::{TokenizerConfig, VocabConfig};
/// let t = TokenizerConfig::new().build();
/// let v = VocabConfig::new().build_from_texts(&t, ["the red dog", "cat eats dog"])?;
/// assert_eq!(v.tokens(), ["<pad>", "<unk>", "the", "red", "dog", "cat", "eats"]);
/// assert_eq!(v.encode_text(&t, "the dog eats food"), [2, 4, 6, 1]); // food → <unk>
/// assert_eq!(v.token(4)?, "dog");
/// assert!(v.token(7).is_err()); // out of range: an error, not a panic
/// # Ok::<(), neurotext_text::Error>(())
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "VocabData", into = "VocabData")]
pub struct Vocab {
    tokens: Vec<String>,
    counts: Vec<u64>,
    index: Interner,
    pad: Option<usize>,
    unk: Option<usize>,
    unknown: UnknownPolicy,
}

/// The serialised form of a [`Vocab`]; the index is rebuilt and checked on loading.
#[derive(Serialize, Deserialize)]
struct VocabData {
    tokens: Vec<String>,
    counts: Vec<u64>,
    pad: Option<usize>,
    unk: Option<usize>,
    unknown: UnknownPolicy,
}

impl TryFrom<VocabData> for Vocab {
    type Error = Error;

    fn try_from(d: VocabData) -> Result<Vocab> {
        Vocab::from_parts(d.tokens, d.counts, d.pad, d.unk, d.unknown)
    }
}

impl From<Vocab> for VocabData {
    fn from(v: Vocab) -> VocabData {
        VocabData {
            tokens: v.tokens,
            counts: v.counts,
            pad: v.pad,
            unk: v.unk,
            unknown: v.unknown,
        }
    }
}

impl PartialEq for Vocab {
    fn eq(&self, other: &Vocab) -> bool {
        // The index is a function of the tokens.
        self.tokens == other.tokens
            && self.counts == other.counts
            && self.pad == other.pad
            && self.unk == other.unk
            && self.unknown == other.unknown
    }
}

impl Vocab {
    /// A vocabulary of the given tokens in the given order, without special tokens; unknown
    /// tokens are dropped and every count is 0.
    ///
    /// # Errors
    /// [`Error::Invalid`] when a token repeats.
    pub fn from_tokens<I, T>(tokens: I) -> Result<Vocab>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let tokens: Vec<String> = tokens.into_iter().map(Into::into).collect();
        let counts = vec![0; tokens.len()];
        Vocab::from_parts(tokens, counts, None, None, UnknownPolicy::Drop)
    }

    /// Checks the parts and builds the index.
    pub(crate) fn from_parts(
        tokens: Vec<String>,
        counts: Vec<u64>,
        pad: Option<usize>,
        unk: Option<usize>,
        unknown: UnknownPolicy,
    ) -> Result<Vocab> {
        let invalid = |message: String| Error::Invalid {
            what: "Vocab",
            message,
        };
        if counts.len() != tokens.len() {
            return Err(invalid(format!(
                "{} tokens but {} counts",
                tokens.len(),
                counts.len()
            )));
        }
        if tokens.len() >= u32::MAX as usize {
            return Err(invalid("more than 2^32 - 1 tokens".into()));
        }
        for (name, id) in [("pad", pad), ("unk", unk)] {
            if let Some(id) = id
                && id >= tokens.len()
            {
                return Err(invalid(format!(
                    "{name} id {id} out of range for {} tokens",
                    tokens.len()
                )));
            }
        }
        if unknown == UnknownPolicy::MapToUnk && unk.is_none() {
            return Err(invalid(
                "unknown tokens should map to <unk>, but there is no unknown token \
                 (set one, or use UnknownPolicy::Drop)"
                    .into(),
            ));
        }
        let mut index = Interner::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if index.intern(t) != Some(i as u32) {
                return Err(invalid(format!("token {t:?} appears twice")));
            }
        }
        Ok(Vocab {
            tokens,
            counts,
            index,
            pad,
            unk,
            unknown,
        })
    }

    /// The number of tokens, special tokens included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the vocabulary has no token.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The id of `token`, if it is in the vocabulary (no unknown-token mapping).
    #[inline]
    pub fn id(&self, token: &str) -> Option<usize> {
        self.index.get(token).map(|i| i as usize)
    }

    /// Whether `token` is in the vocabulary.
    pub fn contains(&self, token: &str) -> bool {
        self.index.get(token).is_some()
    }

    /// The id of `token` under the unknown-token policy: its own id, else `<unk>`'s id, or
    /// `None` when unknown tokens are dropped.
    #[inline]
    pub fn lookup(&self, token: &str) -> Option<usize> {
        match self.id(token) {
            Some(id) => Some(id),
            None if self.unknown == UnknownPolicy::MapToUnk => self.unk,
            None => None,
        }
    }

    /// The token of `id`.
    ///
    /// # Errors
    /// [`Error::UnknownId`] when `id >= self.len()`.
    pub fn token(&self, id: usize) -> Result<&str> {
        self.tokens
            .get(id)
            .map(String::as_str)
            .ok_or(Error::UnknownId {
                what: "vocabulary",
                id,
                len: self.tokens.len(),
            })
    }

    /// All tokens, by id.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// The corpus count of each token, by id (special tokens count their literal occurrences).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The id of the padding token.
    pub fn pad_id(&self) -> Option<usize> {
        self.pad
    }

    /// The id of the unknown token.
    pub fn unk_id(&self) -> Option<usize> {
        self.unk
    }

    /// The unknown-token policy.
    pub fn unknown_policy(&self) -> UnknownPolicy {
        self.unknown
    }

    /// The ids of `tokens`, under the unknown-token policy.
    pub fn encode<I, T>(&self, tokens: I) -> Vec<usize>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        tokens
            .into_iter()
            .filter_map(|t| self.lookup(t.as_ref()))
            .collect()
    }

    /// The ids of the tokens of `text`, under the unknown-token policy.
    pub fn encode_text(&self, tokenizer: &Tokenizer, text: &str) -> Vec<usize> {
        let mut scratch = String::new();
        self.encode(tokenizer.tokens(text, &mut scratch))
    }

    /// The tokens of `ids`.
    ///
    /// # Errors
    /// [`Error::UnknownId`] naming the first id out of range.
    pub fn decode(&self, ids: &[usize]) -> Result<Vec<&str>> {
        ids.iter().map(|&id| self.token(id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab_config::VocabConfig;

    const LECTURE: [&str; 4] = [
        "the red dog",
        "cat eats dog",
        "dog eats food",
        "red cat eats",
    ];

    fn docs() -> Vec<Vec<&'static str>> {
        LECTURE.iter().map(|d| d.split(' ').collect()).collect()
    }

    #[test]
    fn vocab_maps_unknown_tokens_to_unk_or_drops_them() {
        let v = VocabConfig::new().build(docs()).unwrap();
        assert_eq!(v.encode(["dog", "zebra"]), [4, 1]);
        let v = VocabConfig::new()
            .with_unknown(UnknownPolicy::Drop)
            .build(docs())
            .unwrap();
        assert_eq!(v.encode(["dog", "zebra"]), [4]);
        assert_eq!(v.lookup("zebra"), None);
    }

    #[test]
    fn vocab_rejects_unknown_id() {
        let v = VocabConfig::new().build(docs()).unwrap();
        let err = v.token(99).unwrap_err();
        assert!(
            matches!(err, Error::UnknownId { id: 99, len: 8, .. }),
            "{err}"
        );
        assert!(v.decode(&[0, 99]).is_err());
        assert_eq!(v.decode(&[2, 3]).unwrap(), ["the", "red"]);
    }

    #[test]
    fn vocab_round_trips_through_serde() {
        let v = VocabConfig::new().build(docs()).unwrap();
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&v, cfg).unwrap();
        let (back, _): (Vocab, usize) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.id("eats"), Some(6));
    }

    #[test]
    fn vocab_refuses_corrupt_serialised_data() {
        let bad = VocabData {
            tokens: vec!["a".into(), "a".into()],
            counts: vec![1, 1],
            pad: None,
            unk: None,
            unknown: UnknownPolicy::Drop,
        };
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&bad, cfg).unwrap();
        assert!(bincode::serde::decode_from_slice::<Vocab, _>(&bytes, cfg).is_err());
    }
}
