//! Reading labelled data in the formats the command accepts.

use std::path::Path;

use anyhow::{Result, bail};
use neurotext_text::{
    ConllConfig, Dataset, Delimiter, FastTextConfig, TaggedCorpus, TaggedSentence, TsvConfig,
    read_conll, read_fasttext, read_tsv,
};

use crate::args::{Format, FormatArgs, Task};
use crate::usage::UsageError;

/// The format to read `path` with, from the flags or the task.
pub fn format_for(args: &FormatArgs, task: Task) -> Format {
    args.format.unwrap_or(match task {
        Task::Classify => Format::Tsv,
        Task::Tag => Format::Conll,
    })
}

/// Reads texts and labels.
pub fn read_classification(path: &Path, args: &FormatArgs) -> Result<Dataset> {
    let tsv = |delimiter| {
        TsvConfig::tsv()
            .with_delimiter(delimiter)
            .with_columns(args.text_column, args.label_column)
            .with_header(args.header)
    };
    Ok(match format_for(args, Task::Classify) {
        Format::Tsv => read_tsv(path, &tsv(Delimiter::Tab))?,
        Format::Csv => read_tsv(path, &tsv(Delimiter::Comma).with_quotes(true))?,
        Format::Fasttext => read_fasttext(path, &FastTextConfig::new())?,
        Format::Conll => {
            return Err(UsageError::new(
                "--format conll is for --task tag; texts to classify are tsv, csv or fasttext",
            )
            .into());
        }
    })
}

/// Reads tagged sentences (CoNLL: the word is the first column, the tag the last).
pub fn read_tagged(path: &Path, args: &FormatArgs) -> Result<TaggedCorpus> {
    match format_for(args, Task::Tag) {
        Format::Conll => Ok(read_conll(path, &ConllConfig::new())?),
        other => bail!(UsageError::new(
            format!("tagging reads --format conll, not {other:?}").to_lowercase()
        )),
    }
}

/// Splits `n` examples of `source` into (train, held out) index lists: a seeded `fraction`
/// held out, at least one example on each side.
///
/// # Errors
/// A usage error naming `--holdout` and `source` when there are fewer than two examples, as
/// no split can leave one on each side.
pub fn holdout(
    n: usize,
    fraction: f64,
    seed: u64,
    source: &Path,
) -> Result<(Vec<usize>, Vec<usize>)> {
    use rand::seq::SliceRandom;
    if n < 2 {
        bail!(UsageError::new(format!(
            "--holdout needs at least 2 examples to hold some out, but {} has {n}; \
             give more data or --valid FILE",
            source.display()
        )));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut neurotext_linalg::random::seeded_rng(
        seed ^ 0x4010_d0e7,
    ));
    let held = ((n as f64) * fraction).round() as usize;
    let held = held.clamp(1, n - 1);
    let (h, t) = idx.split_at(held);
    let (mut h, mut t) = (h.to_vec(), t.to_vec());
    h.sort_unstable();
    t.sort_unstable();
    Ok((t, h))
}

/// The examples of `data` at `idx`.
pub fn subset(data: &Dataset, idx: &[usize]) -> Dataset {
    let mut out = Dataset::new(data.source());
    for &i in idx {
        out.push(
            data.texts()[i].clone(),
            data.labels()[i].clone(),
            data.lines()[i],
        );
    }
    out
}

/// The sentences of `corpus` at `idx`.
pub fn subset_sentences(corpus: &TaggedCorpus, idx: &[usize]) -> Vec<TaggedSentence> {
    idx.iter().map(|&i| corpus.sentences()[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdout_keeps_one_example_on_each_side() {
        let path = Path::new("data.tsv");
        for n in 2..12 {
            for fraction in [0.01, 0.5, 0.99] {
                let (t, h) = holdout(n, fraction, 3, path).unwrap();
                assert!(!t.is_empty() && !h.is_empty(), "n {n}, fraction {fraction}");
                assert_eq!(t.len() + h.len(), n);
            }
        }
    }

    #[test]
    fn holdout_of_fewer_than_two_examples_is_a_usage_error_naming_the_file() {
        for n in [0, 1] {
            let e = holdout(n, 0.5, 0, Path::new("one_line.tsv")).unwrap_err();
            assert!(e.downcast_ref::<UsageError>().is_some(), "{e}");
            let m = e.to_string();
            assert!(m.contains("--holdout") && m.contains("one_line.tsv"), "{m}");
        }
    }
}
