//! Logistic regression on a bag of words, the lecture's first text classifier, on SST-2:
//! sparse rows from `neurotext-text`, a linear layer that never builds the dense
//! `[batch, |V|]` matrix, softmax cross-entropy, Adam, minibatches and early stopping on
//! `dev.tsv`. scikit-learn's `LogisticRegression` on `CountVectorizer` features reaches 0.897
//! there (`../shared/bench/logreg_ref.py`).
//!
//! Run: `cargo run --release --example sst2_logreg` (reads `../shared/data/sst2/`).

use std::path::Path;
use std::sync::Arc;

use neurotext::prelude::*;
use neurotext::text::{BowConfig, Dataset, TokenizerConfig, TsvConfig, Weighting, read_tsv};
use neurotext::train::BoxError;

/// Sparse rows and class ids.
struct Data {
    x: Arc<CsrMatrix>,
    y: Vec<usize>,
    valid_x: Arc<CsrMatrix>,
    valid_y: Vec<usize>,
}

impl Objective<Linear> for Data {
    fn train_len(&self) -> usize {
        self.y.len()
    }

    fn loss<'g>(&self, g: &'g Graph, model: &Linear, batch: &[usize]) -> Result<Var<'g>, BoxError> {
        let x = Arc::new(self.x.select_rows(batch)?);
        let targets: Vec<usize> = batch.iter().map(|&i| self.y[i]).collect();
        Ok(model.forward_sparse(g, &x)?.cross_entropy(&targets, None)?)
    }

    fn validate(&self, model: &Linear) -> Result<Option<Validation>, BoxError> {
        let g = Graph::no_grad();
        let scores = model.forward_sparse(&g, &self.valid_x)?.value();
        let predicted = neurotext::train::argmax_columns(&scores);
        let m = ConfusionMatrix::from_predictions(&self.valid_y, &predicted, 2)?;
        Ok(Some(Validation::score(m.accuracy())))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sst2");
    if !dir.exists() {
        println!(
            "skipped: {} is absent (see ../shared/data/README.md)",
            dir.display()
        );
        return Ok(());
    }
    let read = |name: &str| -> Result<Dataset, Box<dyn std::error::Error>> {
        Ok(read_tsv(
            dir.join(name),
            &TsvConfig::tsv().with_header(true),
        )?)
    };
    let (train, dev) = (read("train.tsv")?, read("dev.tsv")?);
    let labels = train.label_map();
    // Words only, as scikit-learn's CountVectorizer(binary=True) (which also drops one-letter
    // words), then words and word pairs.
    for max_n in [1, 2] {
        let best = train_and_validate(&train, &dev, &labels, max_n)?;
        println!(
            "logistic regression on 1..{max_n}-grams: best dev accuracy {best:.4}   (scikit-learn, words: 0.897)\n"
        );
    }
    Ok(())
}

fn train_and_validate(
    train: &Dataset,
    dev: &Dataset,
    labels: &neurotext::text::LabelMap,
    max_n: usize,
) -> Result<f64, Box<dyn std::error::Error>> {
    let mut bow = BowConfig::new()
        .with_tokenizer(TokenizerConfig::new().with_lowercase(true))
        .with_ngram_range(1, max_n)
        .with_weighting(Weighting::Binary)
        .build()?;
    let x = bow.fit_transform(train.texts())?;
    let data = Data {
        x: Arc::new(x),
        y: train.label_ids(labels)?,
        valid_x: Arc::new(bow.transform(dev.texts())?),
        valid_y: dev.label_ids(labels)?,
    };
    println!(
        "SST-2: {} training phrases, {} features (1..{max_n}-grams)",
        data.y.len(),
        bow.n_features()
    );

    // One neuron per class, y = softmax(W·x + b): logistic regression.
    let mut model = Linear::with_init(
        bow.n_features(),
        labels.len(),
        Init::Zeros,
        &mut random::seeded_rng(0),
    )?;
    let mut state = TrainState::new();
    let mut optimizer = Adam::new(1e-3).with_eps(1e-8, neurotext::optim::Epsilon::OutsideRoot);
    Trainer::new(TrainConfig::new(15, 64).with_patience(2))
        .on_event(|e| {
            if let neurotext::train::Event::Epoch(r) = e {
                let acc = r.validation.as_ref().map_or(0.0, |v| v.score);
                println!(
                    "  epoch {:>2}: loss {:.4}, dev accuracy {acc:.4}, {:.1} s",
                    r.epoch, r.train_loss, r.seconds
                );
            }
        })
        .fit(&mut model, &mut optimizer, &data, &mut state)?;
    Ok(state.best.as_ref().map_or(0.0, |b| b.score))
}
