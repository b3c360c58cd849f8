//! Word n-grams: the terms of a bag of words.
//!
//! For an n-gram range `(min_n, max_n)`, the terms of a text are all its n-grams for
//! `n = min_n..=max_n`: every unigram in text order, then every bigram, and so on, each
//! n-gram being its tokens joined by one space ("red dog"), as scikit-learn joins them. Tokens
//! never contain whitespace, so the joined form is unambiguous.

use crate::tokenizer::Tokens;

/// Reusable buffers for n-gram generation.
#[derive(Clone, Debug, Default)]
pub(crate) struct NgramScratch {
    spans: Vec<(usize, usize)>,
    gram: String,
}

/// Calls `f` on each term of `text` (already cleaned and lower-cased) and returns the number
/// of terms. The unigram-only case streams the tokens without buffering them.
#[inline]
pub(crate) fn for_each_term<E>(
    text: &str,
    (min_n, max_n): (usize, usize),
    scratch: &mut NgramScratch,
    mut f: impl FnMut(&str) -> Result<(), E>,
) -> Result<usize, E> {
    let mut terms = 0;
    if min_n == 1 && max_n == 1 {
        for t in Tokens::new(text) {
            f(t)?;
            terms += 1;
        }
        return Ok(terms);
    }
    let spans = &mut scratch.spans;
    spans.clear();
    let mut tokens = Tokens::new(text);
    while let Some(r) = tokens.next_range() {
        spans.push((r.start, r.end));
    }
    for n in min_n.max(1)..=max_n {
        if n > spans.len() {
            break;
        }
        for window in spans.windows(n) {
            let gram = &mut scratch.gram;
            gram.clear();
            for (k, &(a, b)) in window.iter().enumerate() {
                if k > 0 {
                    gram.push(' ');
                }
                // The spans came from the tokenizer, so they lie on character boundaries.
                gram.push_str(text.get(a..b).unwrap_or_default());
            }
            f(gram)?;
            terms += 1;
        }
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str, range: (usize, usize)) -> Vec<String> {
        let mut out = Vec::new();
        let mut scratch = NgramScratch::default();
        let n = for_each_term(text, range, &mut scratch, |t| {
            out.push(t.to_owned());
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(n, out.len());
        out
    }

    #[test]
    fn ngrams_list_unigrams_then_bigrams_joined_by_a_space() {
        assert_eq!(
            terms("the red dog", (1, 2)),
            ["the", "red", "dog", "the red", "red dog"]
        );
        assert_eq!(
            terms("the red dog", (2, 3)),
            ["the red", "red dog", "the red dog"]
        );
        assert_eq!(terms("the red dog", (1, 1)), ["the", "red", "dog"]);
    }

    #[test]
    fn ngrams_longer_than_the_text_are_skipped() {
        assert!(terms("dog", (2, 4)).is_empty());
        assert!(terms("", (1, 3)).is_empty());
    }
}
