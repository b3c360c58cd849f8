//! The model file: everything needed to predict (configuration, featurizer, labels, weights),
//! in a versioned, checksummed checkpoint written atomically (see `neurotext_train::checkpoint`).

use std::path::Path;

use anyhow::{Context, Result};
use neurotext_autodiff::{Matrix, Module};
use neurotext_text::LabelMap;
use neurotext_train::{checkpoint, restore_params};
use serde::{Deserialize, Serialize};

use crate::args::Task;
use crate::classifier::Classifier;
use crate::config::ModelConfig;
use crate::features::Features;
use crate::tagger::Tagger;

/// What training produced, for reports.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    /// The training file.
    pub train: String,
    /// Epochs run.
    pub epochs: usize,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// The validation score of those weights (accuracy or entity F1), if validated.
    pub valid_score: Option<f64>,
}

/// A trained model as saved on disk.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelFile {
    /// The architecture.
    pub config: ModelConfig,
    /// Class names (classification) or tags (tagging), in id order.
    pub labels: LabelMap,
    /// How texts become inputs.
    pub features: Features,
    /// Tagger decoding keeps to valid IOB2 sequences.
    pub constrained: bool,
    /// The weights, by name (shapes checked against the values while loading).
    #[serde(deserialize_with = "neurotext_linalg::serde_matrix::deserialize_named")]
    pub params: Vec<(String, Matrix)>,
    /// How it was trained.
    pub summary: Summary,
}

/// A model ready to run.
// One value per run, built once: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Model {
    /// A text classifier.
    Classifier(Classifier),
    /// A token tagger.
    Tagger(Tagger),
}

impl Model {
    /// The model's parameters.
    pub fn module(&mut self) -> &mut dyn Module {
        match self {
            Model::Classifier(c) => c,
            Model::Tagger(t) => t,
        }
    }
}

impl ModelFile {
    /// Writes the model atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        checkpoint::save(path, self)
            .with_context(|| format!("cannot write the model to {}", path.display()))
    }

    /// Reads a model file, refusing anything that is not a complete, intact model.
    pub fn load(path: &Path) -> Result<Self> {
        let file: ModelFile = checkpoint::load(path)?;
        Ok(file)
    }

    /// Builds the model and loads its weights.
    pub fn build(&self, source: &Path) -> Result<Model> {
        let mut model = match self.config.task {
            Task::Classify => Model::Classifier(Classifier::new(
                &self.config,
                self.features.size(),
                self.labels.len(),
                0,
            )?),
            Task::Tag => Model::Tagger(Tagger::new(
                &self.config,
                self.features.size(),
                self.labels.len(),
                0,
            )?),
        };
        restore_params(model.module(), &self.params, source)?;
        Ok(model)
    }
}
