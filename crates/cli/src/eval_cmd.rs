//! `neurotext eval`: metrics of a model on labelled data, as a report or one JSON object.

use anyhow::{Result, bail};
use neurotext_train::ConfusionMatrix;
use serde_json::json;

use crate::args::{EvalArgs, Task};
use crate::conlleval::EntityScore;
use crate::data::{read_classification, read_tagged};
use crate::features::Features;
use crate::infer::{Encoded, best, probabilities, tag};
use crate::model_file::{Model, ModelFile};

/// Runs `eval` and returns what to print.
pub fn run(args: &EvalArgs) -> Result<String> {
    let file = ModelFile::load(&args.model)?;
    let model = file.build(&args.model)?;
    match (file.config.task, model) {
        (Task::Classify, Model::Classifier(model)) => {
            let data = read_classification(&args.data, &args.format)?;
            let y = data.label_ids(&file.labels)?;
            let refs: Vec<&str> = data.texts().iter().map(String::as_str).collect();
            let pad = file.features.pad_id();
            let encoded = match &file.features {
                Features::Bow(_) => Encoded::Bow(file.features.bow(&refs)?),
                Features::Ids { .. } => {
                    Encoded::Ids(file.features.ids(&refs, file.config.max_len)?)
                }
                Features::Words { .. } => bail!(
                    "{}: a tagger's features in a classifier",
                    args.model.display()
                ),
            };
            let predicted: Vec<usize> = best(&probabilities(&model, &encoded, pad)?)
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            let m = ConfusionMatrix::from_predictions(&y, &predicted, file.labels.len())?;
            if args.json {
                let per_class: serde_json::Map<String, serde_json::Value> = file
                    .labels
                    .labels()
                    .iter()
                    .enumerate()
                    .map(|(c, name)| {
                        (name.clone(), json!({"precision": m.precision(c), "recall": m.recall(c), "f1": m.f1(c)}))
                    })
                    .collect();
                let value = json!({
                    "task": "classify",
                    "examples": y.len(),
                    "accuracy": m.accuracy(),
                    "macro_f1": m.macro_f1(),
                    "per_class": per_class,
                });
                return Ok(value.to_string());
            }
            let mut out = format!(
                "{} examples: accuracy {:.4}, macro-F1 {:.4}\n\n{:<16} {:>9} {:>9} {:>9}\n",
                y.len(),
                m.accuracy(),
                m.macro_f1(),
                "class",
                "precision",
                "recall",
                "F1"
            );
            for (c, name) in file.labels.labels().iter().enumerate() {
                out.push_str(&format!(
                    "{name:<16} {:>9.4} {:>9.4} {:>9.4}\n",
                    m.precision(c),
                    m.recall(c),
                    m.f1(c)
                ));
            }
            out.push_str(&format!(
                "\nconfusion matrix\n{}",
                m.to_table(file.labels.labels())
            ));
            Ok(out)
        }
        (Task::Tag, Model::Tagger(model)) => {
            let corpus = read_tagged(&args.data, &args.format)?;
            let tags: Vec<String> = file.labels.labels().to_vec();
            for s in corpus.sentences() {
                for (k, t) in s.tags.iter().enumerate() {
                    if file.labels.find(t).is_none() {
                        bail!(
                            "{}:{}: tag {t:?} is not one of the model's tags",
                            args.data.display(),
                            s.line + k
                        );
                    }
                }
            }
            let words: Vec<&[String]> = corpus
                .sentences()
                .iter()
                .map(|s| s.words.as_slice())
                .collect();
            let ids = corpus
                .sentences()
                .iter()
                .map(|s| file.features.word_ids(&s.words))
                .collect::<Result<Vec<_>>>()?;
            let pad = file.features.pad_id();
            let predicted = tag(
                &model,
                &words,
                &ids,
                pad,
                file.config.char_buckets,
                &tags,
                file.constrained,
            )?;
            let mut score = EntityScore::default();
            for (s, p) in corpus.sentences().iter().zip(&predicted) {
                let gold: Vec<&str> = s.tags.iter().map(String::as_str).collect();
                let pred: Vec<&str> = p.iter().map(|&t| tags[t].as_str()).collect();
                score.add(&gold, &pred);
            }
            let t = score.total;
            if args.json {
                let per_type: serde_json::Map<String, serde_json::Value> = score
                    .by_type
                    .iter()
                    .map(|(ty, c)| {
                        (
                            ty.clone(),
                            json!({"precision": c.precision(), "recall": c.recall(), "f1": c.f1()}),
                        )
                    })
                    .collect();
                let value = json!({
                    "task": "tag",
                    "sentences": corpus.len(),
                    "precision": t.precision(),
                    "recall": t.recall(),
                    "f1": t.f1(),
                    "per_type": per_type,
                });
                return Ok(value.to_string());
            }
            let mut out = format!(
                "{} sentences, {} entities: precision {:.4}, recall {:.4}, F1 {:.4}\n\n{:<8} {:>9} {:>9} {:>9} {:>7}\n",
                corpus.len(),
                t.gold,
                t.precision(),
                t.recall(),
                t.f1(),
                "type",
                "precision",
                "recall",
                "F1",
                "gold"
            );
            for (ty, c) in &score.by_type {
                out.push_str(&format!(
                    "{ty:<8} {:>9.4} {:>9.4} {:>9.4} {:>7}\n",
                    c.precision(),
                    c.recall(),
                    c.f1(),
                    c.gold
                ));
            }
            Ok(out)
        }
        _ => bail!(
            "{}: the model file is inconsistent (task and architecture differ)",
            args.model.display()
        ),
    }
}
