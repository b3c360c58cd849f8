//! `neurotext train`: reads the data, builds the model, trains it with early stopping on the
//! validation metric, and writes the model file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use neurotext_autodiff::{Graph, Module, Var};
use neurotext_optim::{AnyOptimizer, Epsilon};
use neurotext_text::{Dataset, LabelMap, TaggedSentence, bucket_by_length};
use neurotext_train::{
    BoxError, ConfusionMatrix, EpochRecord, Objective, TrainConfig, TrainState, Trainer,
    Validation, snapshot,
};

use crate::args::{ModelKind, OptimizerKind, Task, TrainArgs};
use crate::classifier::Classifier;
use crate::config::ModelConfig;
use crate::conlleval::EntityScore;
use crate::data::{holdout, read_classification, read_tagged, subset, subset_sentences};
use crate::features::{Features, fit_bow, fit_ids, fit_words};
use crate::infer::{Encoded, best, probabilities, tag};
use crate::model_file::{ModelFile, Summary};
use crate::progress::Progress;
use crate::tagger::{TagInputs, Tagger};
use crate::usage::UsageError;

/// What a finished run reports.
pub struct Outcome {
    /// The saved model (also when not written to disk).
    pub model: ModelFile,
    /// The name of the validation metric.
    pub metric: &'static str,
    /// Seconds of training per epoch: the median over the epochs run (of an even number, the
    /// upper of the two middle ones).
    pub seconds_per_epoch: f64,
}

/// Checks the flags that clap cannot check alone.
pub fn check_args(args: &TrainArgs) -> Result<()> {
    let bad = |m: String| -> Result<()> { Err(UsageError::new(m).into()) };
    if args.epochs == 0 {
        return bad("--epochs must be at least 1".into());
    }
    if args.batch == Some(0) {
        return bad("--batch must be at least 1".into());
    }
    if args.threads == Some(0) {
        return bad("--threads must be at least 1".into());
    }
    if let Some(lr) = args.lr
        && !(lr.is_finite() && lr > 0.0)
    {
        return bad(format!("--lr {lr} must be a positive number"));
    }
    if let Some(f) = args.holdout
        && !(f > 0.0 && f < 1.0)
    {
        return bad(format!("--holdout {f} must be between 0 and 1"));
    }
    if args.holdout.is_some() && args.valid.is_some() {
        return bad("--holdout and --valid cannot be used together".into());
    }
    if args.train.is_none() {
        check_demo_args(args)?;
    } else if args.patience.is_some() && args.valid.is_none() && args.holdout.is_none() {
        // (The built-in demonstration has its own validation set.)
        return bad(
            "--patience needs validation data: give --valid FILE or --holdout FRACTION".into(),
        );
    }
    if args.patience == Some(0) {
        return bad("--patience must be at least 1".into());
    }
    if let Some(p) = args.dropout
        && !(0.0..1.0).contains(&p)
    {
        return bad(format!("--dropout {p} must be in [0, 1)"));
    }
    if args.ngrams == 0 {
        return bad("--ngrams must be at least 1".into());
    }
    if args.max_len == 0 {
        return bad("--max-len must be at least 1".into());
    }
    for (flag, v) in [
        ("--embedding-dim", args.embedding_dim),
        ("--hidden", args.hidden),
        ("--layers", args.layers),
    ] {
        if v == Some(0) {
            return bad(format!("{flag} must be at least 1"));
        }
    }
    if args.task == Task::Tag && matches!(args.model, Some(m) if m != ModelKind::Bilstm) {
        return bad("--task tag trains --model bilstm".into());
    }
    Ok(())
}

/// Without `--train`, the built-in demonstration trains a bow-mlp and a BiLSTM classifier on
/// its own corpus and validation set: flags about the data or the choice of model would be
/// ignored, so they are refused.
fn check_demo_args(args: &TrainArgs) -> Result<()> {
    if args.task == Task::Tag {
        return Err(UsageError::new(
            "--task tag needs --train FILE (CoNLL); the built-in demonstration without --train \
             classifies texts",
        )
        .into());
    }
    let d = &args.data;
    let given = [
        ("--valid", args.valid.is_some()),
        ("--holdout", args.holdout.is_some()),
        ("--model", args.model.is_some()),
        ("--format", d.format.is_some()),
        ("--header", d.header),
        ("--text-column", d.text_column != 0),
        ("--label-column", d.label_column != 1),
    ];
    if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
        return Err(UsageError::new(format!(
            "{flag} needs --train FILE; the built-in demonstration without --train uses its own \
             corpus, validation set and models (bow-mlp and bilstm)"
        ))
        .into());
    }
    Ok(())
}

/// The configuration from the defaults and the flags.
pub fn config_from(args: &TrainArgs, kind: ModelKind) -> ModelConfig {
    let mut c = ModelConfig::defaults(args.task, kind, args.pooling);
    if let Some(v) = args.embedding_dim {
        c.embedding_dim = v;
    }
    if let Some(v) = args.hidden {
        c.hidden = v;
    }
    if let Some(v) = args.layers {
        c.layers = v;
    }
    if let Some(v) = args.dropout {
        c.dropout = v;
    }
    c.max_len = args.max_len;
    c
}

/// The learning rate when none is given: what trained best here for each optimizer.
pub fn default_lr(optimizer: OptimizerKind, config: &ModelConfig) -> f32 {
    match optimizer {
        OptimizerKind::Adam | OptimizerKind::Rmsprop => {
            if config.is_recurrent() {
                2e-3
            } else {
                1e-3
            }
        }
        OptimizerKind::Adagrad => 0.05,
        OptimizerKind::Sgd => 0.5,
        OptimizerKind::Momentum | OptimizerKind::Nesterov => 0.05,
    }
}

fn train_config(args: &TrainArgs, config: &ModelConfig, validated: bool) -> TrainConfig {
    let batch = args.batch.unwrap_or(match config.task {
        Task::Tag => 32,
        Task::Classify => 64,
    });
    let mut tc = TrainConfig::new(args.epochs, batch).with_seed(args.seed);
    if let Some(p) = args.patience.or(if validated { Some(2) } else { None }) {
        tc = tc.with_patience(p);
    }
    if config.is_recurrent() {
        tc = tc.with_clip_norm(5.0);
    }
    tc
}

/// Runs `train` with a training file.
pub fn run(args: &TrainArgs, train_path: &Path) -> Result<Outcome> {
    match args.task {
        Task::Classify => train_classifier(args, train_path),
        Task::Tag => train_tagger(args, train_path),
    }
}

/// Texts, labels and validation data of a classification run.
struct ClassifyData {
    x: Encoded,
    y: Vec<usize>,
    valid: Option<(Encoded, Vec<usize>)>,
    classes: usize,
    pad: usize,
}

impl Objective<Classifier> for ClassifyData {
    fn train_len(&self) -> usize {
        self.y.len()
    }

    fn loss<'g>(
        &self,
        g: &'g Graph,
        model: &Classifier,
        batch: &[usize],
    ) -> Result<Var<'g>, BoxError> {
        let inputs = self.x.inputs(batch, self.pad)?;
        let targets: Vec<usize> = batch.iter().map(|&i| self.y[i]).collect();
        Ok(model
            .forward(g, &inputs)?
            .logits
            .cross_entropy(&targets, None)?)
    }

    fn plan_batches(&self, batch_size: usize, seed: u64) -> Option<Vec<Vec<usize>>> {
        // Sequences of similar lengths together: little padding, so less work per epoch.
        self.x
            .lengths()
            .and_then(|l| bucket_by_length(&l, batch_size, seed).ok())
    }

    fn validate(&self, model: &Classifier) -> Result<Option<Validation>, BoxError> {
        let Some((x, y)) = &self.valid else {
            return Ok(None);
        };
        let predicted: Vec<usize> = best(&probabilities(model, x, self.pad)?)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let m = ConfusionMatrix::from_predictions(y, &predicted, self.classes)?;
        Ok(Some(Validation {
            score: m.accuracy(),
            loss: None,
            metrics: vec![
                ("accuracy".into(), m.accuracy()),
                ("macro_f1".into(), m.macro_f1()),
            ],
        }))
    }
}

fn train_classifier(args: &TrainArgs, train_path: &Path) -> Result<Outcome> {
    let data = read_classification(train_path, &args.data)?;
    let (train, valid) = match (&args.valid, args.holdout) {
        (Some(v), _) => (data, Some(read_classification(v, &args.data)?)),
        (None, Some(f)) => {
            let (t, h) = holdout(data.len(), f, args.seed, train_path)?;
            (subset(&data, &t), Some(subset(&data, &h)))
        }
        (None, None) => (data, None),
    };
    train_classifier_on(args, &train, valid.as_ref(), train_path)
}

/// Trains a classifier on data already read.
pub fn train_classifier_on(
    args: &TrainArgs,
    train: &Dataset,
    valid: Option<&Dataset>,
    train_path: &Path,
) -> Result<Outcome> {
    let kind = args.model.unwrap_or(ModelKind::BowMlp);
    let config = config_from(args, kind);
    let labels: LabelMap = train.label_map();
    let y = train.label_ids(&labels)?;
    let features = if config.is_recurrent() {
        fit_ids(train.texts())?
    } else {
        fit_bow(train.texts(), args.ngrams, args.bow)?
    };
    let encode = |texts: &[String]| -> Result<Encoded> {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        Ok(if config.is_recurrent() {
            Encoded::Ids(features.ids(&refs, config.max_len)?)
        } else {
            Encoded::Bow(features.bow(&refs)?)
        })
    };
    let valid = match valid {
        Some(v) => Some((encode(v.texts())?, v.label_ids(&labels)?)),
        None => None,
    };
    let pad = features.pad_id();
    let objective = ClassifyData {
        x: encode(train.texts())?,
        y,
        valid,
        classes: labels.len(),
        pad,
    };
    let mut model = Classifier::new(&config, features.size(), labels.len(), args.seed)?;
    if !args.quiet {
        eprintln!(
            "training {} on {} examples ({} classes, {} features, {} parameters)",
            config.describe(),
            objective.y.len(),
            labels.len(),
            features.size(),
            model.num_params()
        );
    }
    let history = fit(
        args,
        &config,
        &mut model,
        &objective,
        objective.valid.is_some(),
        "accuracy",
    )?;
    finish(
        args, train_path, config, labels, features, false, &model, history, "accuracy",
    )
}

/// Sentences, tags and validation data of a tagging run.
struct TagData {
    sentences: Vec<TaggedSentence>,
    word_ids: Vec<Vec<usize>>,
    tag_ids: Vec<Vec<usize>>,
    valid: Option<(Vec<TaggedSentence>, Vec<Vec<usize>>)>,
    tags: Vec<String>,
    pad: usize,
    buckets: usize,
    constrained: bool,
}

impl Objective<Tagger> for TagData {
    fn train_len(&self) -> usize {
        self.sentences.len()
    }

    fn loss<'g>(&self, g: &'g Graph, model: &Tagger, batch: &[usize]) -> Result<Var<'g>, BoxError> {
        let words: Vec<&[String]> = batch
            .iter()
            .map(|&i| self.sentences[i].words.as_slice())
            .collect();
        let ids: Vec<Vec<usize>> = batch.iter().map(|&i| self.word_ids[i].clone()).collect();
        let inputs = TagInputs::new(&words, &ids, self.pad, self.buckets)?;
        let mut targets = vec![usize::MAX; inputs.batch.columns()];
        for (b, &i) in batch.iter().enumerate() {
            for (t, &tag) in self.tag_ids[i].iter().enumerate() {
                targets[inputs.batch.column(t, b)] = tag;
            }
        }
        Ok(model
            .forward(g, &inputs)?
            .cross_entropy(&targets, Some(usize::MAX))?)
    }

    fn plan_batches(&self, batch_size: usize, seed: u64) -> Option<Vec<Vec<usize>>> {
        let lengths: Vec<usize> = self.sentences.iter().map(|s| s.words.len()).collect();
        bucket_by_length(&lengths, batch_size, seed).ok()
    }

    fn validate(&self, model: &Tagger) -> Result<Option<Validation>, BoxError> {
        let Some((sentences, ids)) = &self.valid else {
            return Ok(None);
        };
        let score = score_tagger(model, sentences, ids, self)?;
        Ok(Some(Validation {
            score: score.total.f1(),
            loss: None,
            metrics: vec![
                ("precision".into(), score.total.precision()),
                ("recall".into(), score.total.recall()),
                ("f1".into(), score.total.f1()),
            ],
        }))
    }
}

fn score_tagger(
    model: &Tagger,
    sentences: &[TaggedSentence],
    ids: &[Vec<usize>],
    d: &TagData,
) -> Result<EntityScore> {
    let words: Vec<&[String]> = sentences.iter().map(|s| s.words.as_slice()).collect();
    let predicted = tag(model, &words, ids, d.pad, d.buckets, &d.tags, d.constrained)?;
    let mut score = EntityScore::default();
    for (s, p) in sentences.iter().zip(&predicted) {
        let gold: Vec<&str> = s.tags.iter().map(String::as_str).collect();
        let pred: Vec<&str> = p.iter().map(|&t| d.tags[t].as_str()).collect();
        score.add(&gold, &pred);
    }
    Ok(score)
}

/// Whether every entity in the data starts with `B-` (IOB2), so decoding may insist on it.
pub fn is_iob2(sentences: &[TaggedSentence]) -> bool {
    sentences.iter().all(|s| {
        let mut prev = "O";
        s.tags.iter().all(|t| {
            let ok = match t.strip_prefix("I-") {
                Some(kind) => {
                    prev.strip_prefix("B-") == Some(kind) || prev.strip_prefix("I-") == Some(kind)
                }
                None => true,
            };
            prev = t;
            ok
        })
    })
}

fn train_tagger(args: &TrainArgs, train_path: &Path) -> Result<Outcome> {
    let corpus = read_tagged(train_path, &args.data)?;
    let (train, valid): (Vec<TaggedSentence>, Option<Vec<TaggedSentence>>) =
        match (&args.valid, args.holdout) {
            (Some(v), _) => (
                corpus.sentences().to_vec(),
                Some(read_tagged(v, &args.data)?.sentences().to_vec()),
            ),
            (None, Some(f)) => {
                let (t, h) = holdout(corpus.len(), f, args.seed, train_path)?;
                (
                    subset_sentences(&corpus, &t),
                    Some(subset_sentences(&corpus, &h)),
                )
            }
            (None, None) => (corpus.sentences().to_vec(), None),
        };
    let config = config_from(args, ModelKind::Bilstm);
    let labels = LabelMap::from_labels(train.iter().flat_map(|s| s.tags.iter()));
    let tags: Vec<String> = labels.labels().to_vec();
    let words: Vec<Vec<String>> = train.iter().map(|s| s.words.clone()).collect();
    let features = fit_words(&words)?;
    let tag_ids = |sents: &[TaggedSentence], source: &str| -> Result<Vec<Vec<usize>>> {
        sents
            .iter()
            .map(|s| {
                s.tags
                    .iter()
                    .enumerate()
                    .map(|(k, t)| {
                        labels.find(t).with_context(|| {
                            format!(
                                "{source}:{}: tag {t:?} never occurs in the training data",
                                s.line + k
                            )
                        })
                    })
                    .collect()
            })
            .collect()
    };
    let valid_data = match &valid {
        Some(v) => {
            let source = args
                .valid
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| train_path.display().to_string());
            let _ = tag_ids(v, &source)?;
            let ids = v
                .iter()
                .map(|s| features.word_ids(&s.words))
                .collect::<Result<Vec<_>>>()?;
            Some((v.clone(), ids))
        }
        None => None,
    };
    let pad = features.pad_id();
    let objective = TagData {
        word_ids: train
            .iter()
            .map(|s| features.word_ids(&s.words))
            .collect::<Result<Vec<_>>>()?,
        tag_ids: tag_ids(&train, &train_path.display().to_string())?,
        valid: valid_data,
        constrained: is_iob2(&train),
        sentences: train,
        tags,
        pad,
        buckets: config.char_buckets,
    };
    let mut model = Tagger::new(&config, features.size(), labels.len(), args.seed)?;
    if !args.quiet {
        eprintln!(
            "training {} on {} sentences ({} tags, {} words, {} parameters)",
            config.describe(),
            objective.sentences.len(),
            labels.len(),
            features.size(),
            model.num_params()
        );
    }
    let history = fit(
        args,
        &config,
        &mut model,
        &objective,
        objective.valid.is_some(),
        "F1",
    )?;
    let constrained = objective.constrained;
    finish(
        args,
        train_path,
        config,
        labels,
        features,
        constrained,
        &model,
        history,
        "F1",
    )
}

fn fit<M: Module>(
    args: &TrainArgs,
    config: &ModelConfig,
    model: &mut M,
    objective: &impl Objective<M>,
    validated: bool,
    metric: &'static str,
) -> Result<Vec<EpochRecord>> {
    let lr = args
        .lr
        .unwrap_or_else(|| default_lr(args.optimizer, config));
    let mut optimizer = match AnyOptimizer::by_name(args.optimizer.name(), lr)? {
        // The tool uses PyTorch's ε placement (√v̂ + ε): with the lecture's √(v̂ + ε), ε = 1e-8
        // floors the denominator at 1e-4, which slows every parameter whose gradients are
        // small, such as the embeddings of rare words (measured: slower learning on SST-2).
        AnyOptimizer::Adam(adam) => AnyOptimizer::Adam(adam.with_eps(1e-8, Epsilon::OutsideRoot)),
        other => other,
    };
    let mut state = TrainState::new();
    let mut progress = Progress::new(args.quiet, args.epochs, metric);
    Trainer::new(train_config(args, config, validated))
        .on_event(|e| progress.on_event(e))
        .fit(model, &mut optimizer, objective, &mut state)?;
    if state.stopped_early && !args.quiet {
        let best = state.best.as_ref().map_or(0, |b| b.epoch);
        eprintln!(
            "early stopping: no better {metric} for {} epochs; keeping epoch {best}",
            state.bad_epochs
        );
    }
    Ok(state.history)
}

#[allow(clippy::too_many_arguments)]
fn finish<M: Module>(
    args: &TrainArgs,
    train_path: &Path,
    config: ModelConfig,
    labels: LabelMap,
    features: Features,
    constrained: bool,
    model: &M,
    history: Vec<EpochRecord>,
    metric: &'static str,
) -> Result<Outcome> {
    let best = history
        .iter()
        .filter(|r| r.validation.is_some())
        .max_by(|a, b| {
            let (x, y) = (
                a.validation.as_ref().map_or(0.0, |v| v.score),
                b.validation.as_ref().map_or(0.0, |v| v.score),
            );
            x.partial_cmp(&y)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.epoch.cmp(&a.epoch))
        });
    let summary = Summary {
        train: train_path.display().to_string(),
        epochs: history.len(),
        best_epoch: best.map_or(history.len(), |r| r.epoch),
        valid_score: best.and_then(|r| r.validation.as_ref().map(|v| v.score)),
    };
    let file = ModelFile {
        config,
        labels,
        features,
        constrained,
        params: snapshot(model),
        summary,
    };
    if let Some(out) = &args.out {
        file.save(out)?;
    }
    if let Some(plot_path) = &args.plot {
        crate::plot::plot(&history, metric, plot_path)?;
    }
    // Training time alone, as the PyTorch reference scripts time an epoch.
    let mut times: Vec<f64> = history.iter().map(|r| r.train_seconds).collect();
    times.sort_by(f64::total_cmp);
    let seconds_per_epoch = times.get(times.len() / 2).copied().unwrap_or(0.0);
    Ok(Outcome {
        model: file,
        metric,
        seconds_per_epoch,
    })
}

/// The one-line result of a run, for standard output.
pub fn report(outcome: &Outcome, out: Option<&PathBuf>) -> String {
    let s = &outcome.model.summary;
    let valid = match s.valid_score {
        Some(v) => format!(
            ", validation {} {v:.4} (epoch {})",
            outcome.metric, s.best_epoch
        ),
        None => String::new(),
    };
    let saved = match out {
        Some(p) => format!("; model written to {}", p.display()),
        None => "; no --out given, model not saved".into(),
    };
    format!(
        "trained {} for {} epochs ({:.1} s of training per epoch){valid}{saved}",
        outcome.model.config.describe(),
        s.epochs,
        outcome.seconds_per_epoch
    )
}
