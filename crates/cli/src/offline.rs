//! The built-in demonstration: `neurotext train` with no `--train` generates a small
//! sentiment corpus from templates and word lists (deterministically, from the seed), trains a
//! bag-of-words model and a BiLSTM on it, and compares them.
//!
//! The corpus is built so that **word order matters**. Half of it is simple ("the plot was
//! good , i admit"), negated ("the film was not very bad"), or "never" sentences. The other
//! half contrasts two clauses, and the clause after "but" decides:
//!
//! - "the plot was good , i admit , but the acting was bad , i admit" — negative;
//! - "the plot was bad , i admit , but the acting was good , i admit" — positive.
//!
//! The two have the same words *and the same word pairs* (bigrams), so no bag of words, even
//! with bigrams and a hidden layer, can tell them apart: on that half it can only guess. A
//! BiLSTM reads the order and learns the rule.

use std::time::Instant;

use anyhow::Result;
use neurotext_linalg::random::{Rng, seeded_rng};
use neurotext_text::Dataset;
use rand::RngExt;

use crate::args::{ModelKind, TrainArgs};
use crate::train_cmd::{Outcome, report, train_classifier_on};

const SUBJECTS: [&str; 8] = [
    "the plot",
    "the acting",
    "the film",
    "the music",
    "the ending",
    "the script",
    "the cast",
    "the story",
];
const POSITIVE: [&str; 8] = [
    "good",
    "great",
    "wonderful",
    "brilliant",
    "funny",
    "moving",
    "clever",
    "charming",
];
const NEGATIVE: [&str; 8] = [
    "bad", "awful", "boring", "dull", "terrible", "weak", "silly", "bland",
];
const INTENSIFIERS: [&str; 4] = ["very", "really", "so", "that"];

fn pick<'a>(rng: &mut Rng, words: &[&'a str]) -> &'a str {
    words[rng.random_range(0..words.len())]
}

/// One sentence and its label ("pos" or "neg").
fn sentence(rng: &mut Rng) -> (String, &'static str) {
    let positive = rng.random_bool(0.5);
    let (adj, other) = if positive {
        (pick(rng, &POSITIVE), pick(rng, &NEGATIVE))
    } else {
        (pick(rng, &NEGATIVE), pick(rng, &POSITIVE))
    };
    let label = |p: bool| if p { "pos" } else { "neg" };
    let s = pick(rng, &SUBJECTS);
    match rng.random_range(0..8) {
        0 | 1 => (format!("{s} was {adj} , i admit"), label(positive)),
        2 => (
            format!("{s} was not {} {other}", pick(rng, &INTENSIFIERS)),
            label(positive),
        ),
        3 => (format!("{s} was never {other}"), label(positive)),
        _ => {
            let s2 = pick(rng, &SUBJECTS);
            (
                format!("{s} was {other} , i admit , but {s2} was {adj} , i admit"),
                label(positive),
            )
        }
    }
}

/// `n` sentences from the seed.
pub fn corpus(n: usize, seed: u64, source: &str) -> Dataset {
    let mut rng = seeded_rng(seed);
    let mut data = Dataset::new(source);
    for line in 1..=n {
        let (text, label) = sentence(&mut rng);
        data.push(text, label, line);
    }
    data
}

/// Runs the demonstration; returns the report for standard output.
pub fn run(args: &TrainArgs) -> Result<String> {
    let train = corpus(3000, args.seed, "<built-in corpus, train>");
    let valid = corpus(600, args.seed.wrapping_add(1), "<built-in corpus, valid>");
    let path = std::path::Path::new("<built-in corpus>");
    if !args.quiet {
        eprintln!(
            "no --train given: training on a built-in corpus of {} sentences ({} for validation) where word order \
             matters,\ne.g. {:?} → {}",
            train.len(),
            valid.len(),
            train.texts()[train.labels().iter().position(|_| true).unwrap_or(0)],
            train.labels()[0]
        );
    }
    let mut rows = Vec::new();
    let mut last: Option<Outcome> = None;
    for (kind, name) in [
        (ModelKind::BowMlp, "bag of words (bow-mlp)"),
        (ModelKind::Bilstm, "BiLSTM"),
    ] {
        let model_args = TrainArgs {
            model: Some(kind),
            embedding_dim: args.embedding_dim.or(Some(32)),
            hidden: args.hidden.or(Some(32)),
            out: if kind == ModelKind::Bilstm {
                args.out.clone()
            } else {
                None
            },
            plot: if kind == ModelKind::Bilstm {
                args.plot.clone()
            } else {
                None
            },
            ..clone_args(args)
        };
        let started = Instant::now();
        let outcome = train_classifier_on(&model_args, &train, Some(&valid), path)?;
        let accuracy = outcome.model.summary.valid_score.unwrap_or(0.0);
        rows.push(format!(
            "  {name:<24} validation accuracy {accuracy:.3}   {:.1} s",
            started.elapsed().as_secs_f64()
        ));
        last = Some(outcome);
    }
    let mut out = String::from(
        "built-in corpus, where the clause after \"but\" decides and bags of words cannot see order:\n",
    );
    out.push_str(&rows.join("\n"));
    if let Some(o) = last {
        out.push('\n');
        out.push_str(&report(&o, args.out.as_ref()));
    }
    Ok(out)
}

fn clone_args(a: &TrainArgs) -> TrainArgs {
    TrainArgs {
        train: None,
        valid: None,
        holdout: None,
        data: a.data.clone(),
        task: a.task,
        model: a.model,
        pooling: a.pooling,
        epochs: a.epochs,
        batch: a.batch,
        lr: a.lr,
        optimizer: a.optimizer,
        patience: a.patience,
        seed: a.seed,
        threads: a.threads,
        out: a.out.clone(),
        plot: a.plot.clone(),
        embedding_dim: a.embedding_dim,
        hidden: a.hidden,
        layers: a.layers,
        dropout: a.dropout,
        max_len: a.max_len,
        ngrams: a.ngrams,
        bow: a.bow,
        quiet: a.quiet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_deterministic_and_balanced() {
        let a = corpus(500, 7, "a");
        let b = corpus(500, 7, "b");
        assert_eq!(a.texts(), b.texts());
        let pos = a.labels().iter().filter(|l| *l == "pos").count();
        assert!((200..300).contains(&pos), "{pos}");
    }

    #[test]
    fn contrast_sentences_have_mirror_images_with_the_same_bigrams() {
        let s1 = "the plot was good , i admit , but the acting was bad , i admit";
        let s2 = "the plot was bad , i admit , but the acting was good , i admit";
        let bigrams = |s: &str| {
            let w: Vec<&str> = s.split(' ').collect();
            let mut b: Vec<String> = w.windows(2).map(|p| p.join(" ")).collect();
            b.extend(w.iter().map(|x| x.to_string()));
            b.sort();
            b
        };
        assert_eq!(bigrams(s1), bigrams(s2));
    }
}
