//! What a run remembers: a record per epoch, the best weights so far, and where to resume.

use neurotext_autodiff::Module;
use neurotext_linalg::Matrix;
use serde::{Deserialize, Serialize};

/// The result of validating the model after an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// The number early stopping watches: higher is better (accuracy, F1, −loss).
    pub score: f64,
    /// The validation loss, if computed.
    pub loss: Option<f64>,
    /// Further named metrics, for reports.
    pub metrics: Vec<(String, f64)>,
}

impl Validation {
    /// A validation result with only a score.
    pub fn score(score: f64) -> Self {
        Validation {
            score,
            loss: None,
            metrics: Vec::new(),
        }
    }
}

/// One epoch of training, as reported and kept in the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// The epoch, counting from 1.
    pub epoch: usize,
    /// The mean training loss over the epoch's examples.
    pub train_loss: f64,
    /// The validation after the epoch, if there is validation data.
    pub validation: Option<Validation>,
    /// Wall-clock seconds of the epoch, validation included.
    pub seconds: f64,
    /// Wall-clock seconds of the training steps alone (what PyTorch scripts usually time).
    pub train_seconds: f64,
    /// The learning rate used in the epoch.
    pub learning_rate: f32,
    /// Steps skipped because of a non-finite loss or gradient.
    pub skipped_steps: usize,
    /// Whether this epoch's validation score was the best so far.
    pub improved: bool,
}

/// The best weights seen so far, by validation score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// The epoch that produced them.
    pub epoch: usize,
    /// Its validation score.
    pub score: f64,
    /// The parameters at the end of that epoch, by name.
    #[serde(deserialize_with = "neurotext_linalg::serde_matrix::deserialize_named")]
    pub params: Vec<(String, Matrix)>,
}

/// Everything needed to continue a run: saved in checkpoints beside the weights and the
/// optimizer state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Epochs completed.
    pub epochs_done: usize,
    /// Optimizer steps taken.
    pub steps_done: usize,
    /// One record per completed epoch.
    pub history: Vec<EpochRecord>,
    /// The best weights so far (only with validation data).
    pub best: Option<Best>,
    /// Epochs since the best one.
    pub bad_epochs: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// The learning rate the schedule scales, fixed when the run starts.
    pub base_learning_rate: Option<f32>,
}

impl TrainState {
    /// A fresh run.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the run is over: all epochs done, or stopped early.
    pub fn finished(&self, epochs: usize) -> bool {
        self.stopped_early || self.epochs_done >= epochs
    }
}

/// The named parameters of `model`, copied.
pub fn snapshot(model: &dyn Module) -> Vec<(String, Matrix)> {
    model
        .named_params()
        .into_iter()
        .map(|(n, p)| (n, p.value().clone()))
        .collect()
}
