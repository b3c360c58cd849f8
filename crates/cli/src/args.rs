//! The command line: subcommands and flags (these names are the tool's interface).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

/// Train, evaluate and use neural text classifiers and taggers.
#[derive(Parser, Debug)]
#[command(name = "neurotext", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a model (with no --train: both a bag of words and a BiLSTM on a built-in corpus).
    Train(TrainArgs),
    /// Evaluate a model on labelled data.
    Eval(EvalArgs),
    /// Label new texts, one per line (or tag sentences, one per line).
    Predict(PredictArgs),
    /// Write a model's weights with PyTorch's names to a safetensors file.
    Export(ExportArgs),
}

/// The format of a data file.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// Tab-separated columns (text, label).
    Tsv,
    /// Comma-separated values with RFC 4180 quotes.
    Csv,
    /// `__label__x text` per line.
    Fasttext,
    /// One token per line, `word … tag`, sentences separated by blank lines.
    Conll,
}

/// What a model does.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// One label per text.
    Classify,
    /// One tag per token (named entities).
    Tag,
}

/// The model architectures.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelKind {
    /// Logistic (softmax) regression on a sparse bag of words.
    Logreg,
    /// A bag of words, a hidden ReLU layer, a linear layer.
    BowMlp,
    /// An embedding, a simple RNN, pooling, a linear layer.
    Rnn,
    /// An embedding, an LSTM, pooling, a linear layer.
    Lstm,
    /// An embedding, a bidirectional LSTM, pooling, a linear layer.
    Bilstm,
}

/// How a sequence of outputs becomes one vector.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoolingKind {
    /// The output at the last real step.
    Last,
    /// The mean over the steps.
    Mean,
    /// The maximum over the steps.
    Max,
    /// A learned softmax weighting of the steps.
    Attention,
}

/// How a bag of words counts its words.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BowWeighting {
    /// 1 if the word occurs.
    Binary,
    /// How often it occurs.
    Count,
    /// Sublinear TF-IDF, L2-normalised rows.
    Tfidf,
}

/// The optimizers of the lecture.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptimizerKind {
    /// Plain stochastic gradient descent.
    Sgd,
    /// Momentum.
    Momentum,
    /// Nesterov momentum.
    Nesterov,
    /// Adagrad.
    Adagrad,
    /// RMSprop.
    Rmsprop,
    /// Adam.
    Adam,
}

impl OptimizerKind {
    /// The name the optimizer crate uses.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Nesterov => "nesterov",
            OptimizerKind::Adagrad => "adagrad",
            OptimizerKind::Rmsprop => "rmsprop",
            OptimizerKind::Adam => "adam",
        }
    }
}

/// How to read a data file.
#[derive(Args, Debug, Clone)]
pub struct FormatArgs {
    /// The file format (default: tsv, or conll for files ending in .conll/.txt with --task tag).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The first line of a TSV/CSV file is a header.
    #[arg(long)]
    pub header: bool,
    /// The column of the text (TSV/CSV, counted from 0).
    #[arg(long, default_value_t = 0)]
    pub text_column: usize,
    /// The column of the label (TSV/CSV, counted from 0).
    #[arg(long, default_value_t = 1)]
    pub label_column: usize,
}

/// `neurotext train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The training data (without it: the built-in demonstration corpus).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Validation data, for early stopping and the reported metric.
    #[arg(long)]
    pub valid: Option<PathBuf>,
    /// Hold out this fraction of the training data (seeded) for validation instead of --valid.
    #[arg(long)]
    pub holdout: Option<f64>,
    /// How to read the data files.
    #[command(flatten)]
    pub data: FormatArgs,
    /// Classify texts or tag tokens.
    #[arg(long, value_enum, default_value_t = Task::Classify)]
    pub task: Task,
    /// The architecture (default: bow-mlp to classify, bilstm to tag).
    #[arg(long, value_enum)]
    pub model: Option<ModelKind>,
    /// How recurrent outputs become one vector (classification).
    #[arg(long, value_enum, default_value_t = PoolingKind::Max)]
    pub pooling: PoolingKind,
    /// The maximum number of passes over the training data.
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// Examples per step.
    #[arg(long)]
    pub batch: Option<usize>,
    /// The learning rate (default: per optimizer and model).
    #[arg(long)]
    pub lr: Option<f32>,
    /// The optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    pub optimizer: OptimizerKind,
    /// Stop after this many epochs without a better validation score (needs validation data).
    #[arg(long)]
    pub patience: Option<usize>,
    /// The seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threads for the numerical kernels (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to write the trained model.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draw the loss and validation curves to an SVG file.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Embedding size (recurrent models).
    #[arg(long)]
    pub embedding_dim: Option<usize>,
    /// Hidden units (per direction for a BiLSTM; the hidden layer of bow-mlp).
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Recurrent layers.
    #[arg(long)]
    pub layers: Option<usize>,
    /// Dropout probability.
    #[arg(long)]
    pub dropout: Option<f32>,
    /// Word n-grams of the bag of words: 1 for single words, 2 adds pairs, …
    #[arg(long, default_value_t = 2)]
    pub ngrams: usize,
    /// How the bag of words counts: presence, counts, or TF-IDF.
    #[arg(long, value_enum, default_value_t = BowWeighting::Binary)]
    pub bow: BowWeighting,
    /// Longest sequence kept, in tokens (longer texts are truncated).
    #[arg(long, default_value_t = 256)]
    pub max_len: usize,
    /// Print nothing while training (only errors).
    #[arg(long)]
    pub quiet: bool,
}

/// `neurotext eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// The labelled data.
    #[arg(long)]
    pub data: PathBuf,
    /// How to read the data file.
    #[command(flatten)]
    pub format: FormatArgs,
    /// Print one JSON object instead of a report.
    #[arg(long)]
    pub json: bool,
    /// Threads for the numerical kernels (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `neurotext predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// One text per line (for a tagger: one sentence per line, tokens separated by spaces);
    /// `-` or nothing reads standard input.
    pub input: Option<PathBuf>,
    /// Show each token's attention weight (attention-pooled models).
    #[arg(long)]
    pub explain: bool,
    /// Write the attention weights as an HTML page.
    #[arg(long)]
    pub explain_html: Option<PathBuf>,
    /// Threads for the numerical kernels (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `neurotext export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// The safetensors file to write.
    #[arg(long)]
    pub safetensors: PathBuf,
}
