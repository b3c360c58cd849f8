//! The model file: everything needed to predict (configuration, featurizer, labels, weights),
//! in a versioned, checksummed checkpoint written atomically (see `neurotext_train::checkpoint`).

use std::path::Path;

use anyhow::{Context, Result};
use neurotext_autodiff::{Matrix, Module};
use neurotext_text::LabelMap;
use neurotext_train::{checkpoint, restore_params};
use serde::{Deserialize, Serialize};

use crate::args::{ModelKind, Task};
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
        let mut file: ModelFile = checkpoint::load(path)?;
        file.read_old_rnn_as_trained();
        Ok(file)
    }

    /// Before `--model rnn` stacked its layers, `--layers N` trained one RNN layer but saved
    /// `layers: N`: such a file holds only layer 0's weights, and is read as the one-layer
    /// model it is (as a stacked model it would not load).
    fn read_old_rnn_as_trained(&mut self) {
        let is_rnn = self.config.task == Task::Classify && self.config.kind == ModelKind::Rnn;
        let has_l1 = self.params.iter().any(|(n, _)| n == "rnn.weight_ih_l1");
        if is_rnn && self.config.layers > 1 && !has_l1 {
            self.config.layers = 1;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::PoolingKind;

    #[test]
    fn an_old_one_layer_rnn_file_that_says_three_layers_reads_as_one_layer() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ModelConfig::defaults(Task::Classify, ModelKind::Rnn, PoolingKind::Max);
        (config.embedding_dim, config.hidden) = (4, 3);
        let texts = ["a good film", "a bad film"];
        let features = crate::features::fit_ids(&texts.map(String::from)).unwrap();
        let model = Classifier::new(&config, features.size(), 2, 0).unwrap();
        config.layers = 3; // what the old version saved beside one layer's weights
        let file = ModelFile {
            config,
            labels: LabelMap::from_labels(["pos", "neg"]),
            features,
            constrained: false,
            params: neurotext_train::snapshot(&model),
            summary: Summary::default(),
        };
        let path = dir.path().join("old.model");
        file.save(&path).unwrap();
        let loaded = ModelFile::load(&path).unwrap();
        assert_eq!(loaded.config.layers, 1);
        assert!(loaded.build(&path).is_ok());
    }
}
