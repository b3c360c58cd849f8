//! One-hot encoding: a token is the row of the identity matrix at its id.

use neurotext_linalg::Matrix;

use crate::error::{Error, Result};
use crate::vocab::Vocab;

/// The one-hot vector of `id` among `len` classes.
///
/// # Errors
/// [`Error::UnknownId`] when `id >= len`.
pub fn one_hot_id(id: usize, len: usize) -> Result<Vec<f32>> {
    if id >= len {
        return Err(Error::UnknownId {
            what: "vocabulary",
            id,
            len,
        });
    }
    let mut v = vec![0.0; len];
    v[id] = 1.0;
    Ok(v)
}

/// The one-hot vector (length `vocab.len()`) of `token`, mapped to `<unk>` when unknown if
/// the vocabulary's policy says so.
///
/// # Errors
/// [`Error::UnknownToken`] when the token is unknown and unknown tokens are dropped.
pub fn one_hot(vocab: &Vocab, token: &str) -> Result<Vec<f32>> {
    let id = vocab.lookup(token).ok_or_else(|| Error::UnknownToken {
        token: token.to_owned(),
    })?;
    one_hot_id(id, vocab.len())
}

/// The `[ids.len(), len]` matrix whose row `t` is the one-hot vector of `ids[t]`.
///
/// # Errors
/// [`Error::UnknownId`] naming the first id `>= len`.
pub fn one_hot_matrix(ids: &[usize], len: usize) -> Result<Matrix> {
    if let Some(&id) = ids.iter().find(|&&id| id >= len) {
        return Err(Error::UnknownId {
            what: "vocabulary",
            id,
            len,
        });
    }
    let mut m = Matrix::zeros(ids.len(), len);
    for (t, &id) in ids.iter().enumerate() {
        m[(t, id)] = 1.0;
    }
    Ok(m)
}

/// The lecture's layout: one one-hot row per token of `tokens`, `[tokens, |V|]`. Unknown
/// tokens follow the vocabulary's policy (a `<unk>` row, or no row).
///
/// The lecture writes a text as one one-hot row per word, so [`one_hot_rows`] returns a
/// `[tokens, |V|]` matrix. A network's input batch is a matrix of column vectors
/// (`[features, batch]`, see `neurotext_linalg`); [`one_hot_columns`] gives that layout,
/// `[|V|, tokens]`. One-hot rows are dense and mostly zeros: for real vocabularies prefer ids
/// and an embedding, or a [`CsrMatrix`](neurotext_linalg::CsrMatrix).
pub fn one_hot_rows<I, T>(vocab: &Vocab, tokens: I) -> Matrix
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let ids = vocab.encode(tokens);
    let mut m = Matrix::zeros(ids.len(), vocab.len());
    for (t, &id) in ids.iter().enumerate() {
        m[(t, id)] = 1.0;
    }
    m
}

/// The network-input layout: one one-hot column per token, `[|V|, tokens]`.
pub fn one_hot_columns<I, T>(vocab: &Vocab, tokens: I) -> Matrix
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    one_hot_rows(vocab, tokens).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab_config::VocabConfig;

    fn lecture_vocab() -> Vocab {
        Vocab::from_tokens(["the", "red", "dog", "cat", "eats", "food"]).unwrap()
    }

    #[test]
    fn one_hot_rows_of_the_vocabulary_are_the_identity() {
        let v = lecture_vocab();
        let m = one_hot_rows(&v, v.tokens());
        assert_eq!(m, Matrix::identity(6, 6));
        assert_eq!(one_hot_columns(&v, ["dog"]).shape(), (6, 1));
    }

    #[test]
    fn one_hot_of_a_token_has_a_single_one_at_its_id() {
        let v = lecture_vocab();
        assert_eq!(one_hot(&v, "cat").unwrap(), [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn one_hot_rejects_unknown_tokens_and_ids() {
        let v = lecture_vocab();
        assert!(matches!(
            one_hot(&v, "and"),
            Err(Error::UnknownToken { .. })
        ));
        assert!(matches!(
            one_hot_id(6, 6),
            Err(Error::UnknownId { id: 6, .. })
        ));
        assert!(one_hot_matrix(&[0, 7], 6).is_err());
        // A text's unknown word has no row when unknown tokens are dropped.
        assert_eq!(one_hot_rows(&v, ["red", "and", "dog"]).shape(), (2, 6));
    }

    #[test]
    fn one_hot_maps_unknown_tokens_to_unk_when_the_vocab_has_one() {
        let v = VocabConfig::new().build([["dog"]]).unwrap();
        assert_eq!(one_hot(&v, "zebra").unwrap(), [0.0, 1.0, 0.0]);
        let m = one_hot_matrix(&[2, 0], 3).unwrap();
        assert_eq!(m[(0, 2)], 1.0);
        assert_eq!(m[(1, 0)], 1.0);
        assert_eq!(m.sum(), 2.0);
    }
}
