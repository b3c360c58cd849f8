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

/// Splits `n` examples into (train, held out) index lists: a seeded `fraction` held out.
pub fn holdout(n: usize, fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    use rand::seq::SliceRandom;
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut neurotext_linalg::random::seeded_rng(
        seed ^ 0x4010_d0e7,
    ));
    let held = ((n as f64) * fraction).round() as usize;
    let held = held.clamp(1, n.saturating_sub(1));
    let (h, t) = idx.split_at(held);
    let (mut h, mut t) = (h.to_vec(), t.to_vec());
    h.sort_unstable();
    t.sort_unstable();
    (t, h)
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
