//! The training loop: epochs of seeded minibatches, validation after each epoch, early
//! stopping that restores the best weights, numeric-fault checks, and hooks for progress
//! bars and checkpoints.

use std::time::Instant;

use neurotext_autodiff::{Graph, Module, Var, duplicate_name};
use neurotext_linalg::random::seeded_rng;
use neurotext_linalg::shape_str;
use neurotext_optim::{Optimizer, Schedule, grad_norm};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::error::{BoxError, Error, Result};
use crate::history::{Best, EpochRecord, TrainState, Validation, snapshot};
use crate::seed::derive_seed;

/// What to do when the loss, a gradient or a validation score is NaN or infinite.
///
/// Whatever the policy, a non-finite validation score never counts as an improvement: it
/// cannot become the best score, and it counts as an epoch without improvement for early
/// stopping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OnNonFinite {
    /// Stop with [`Error::NonFinite`], leaving the model at its last good weights (the bad
    /// update is never applied, and checkpoints on disk are untouched). For a non-finite
    /// validation score the epoch's updates were applied already: the best weights so far
    /// are restored (if there are any and [`TrainConfig::restore_best`] is set), the epoch
    /// is not recorded, and the epoch hook is not called.
    #[default]
    Stop,
    /// Skip the step (no update) and go on; the count is in [`EpochRecord::skipped_steps`].
    /// A non-finite validation score is recorded as it is, with `improved == false`.
    SkipStep,
}

/// The settings of a training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per step: 1 is plain SGD, the training set's size is full-batch gradient
    /// descent, anything between is minibatch SGD.
    pub batch_size: usize,
    /// The seed of every random choice of the run (example order, dropout).
    pub seed: u64,
    /// Whether to shuffle the examples each epoch (seeded).
    pub shuffle: bool,
    /// Stop after this many epochs without a better validation score (early stopping),
    /// then restore the best weights.
    pub patience: Option<usize>,
    /// The smallest increase of the score that counts as better (finite, at least 0).
    pub min_delta: f64,
    /// Clip gradients to this global norm before each step (positive and finite).
    pub clip_norm: Option<f32>,
    /// How the learning rate changes over epochs (see [`Schedule::check`]).
    pub schedule: Schedule,
    /// What to do about NaN or infinite losses, gradients and validation scores.
    pub on_non_finite: OnNonFinite,
    /// Whether to put the best weights back at the end when validation data exists (also
    /// without early stopping).
    pub restore_best: bool,
}

impl TrainConfig {
    /// `epochs` passes in minibatches of `batch_size`, shuffled with seed 0, no early
    /// stopping, no clipping, constant learning rate, best weights restored.
    pub fn new(epochs: usize, batch_size: usize) -> Self {
        TrainConfig {
            epochs,
            batch_size,
            seed: 0,
            shuffle: true,
            patience: None,
            min_delta: 0.0,
            clip_norm: None,
            schedule: Schedule::Constant,
            on_non_finite: OnNonFinite::Stop,
            restore_best: true,
        }
    }

    /// With seed `seed`.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// With early stopping after `patience` epochs without improvement.
    pub fn with_patience(mut self, patience: usize) -> Self {
        self.patience = Some(patience);
        self
    }

    /// With gradient clipping to global norm `max_norm`.
    pub fn with_clip_norm(mut self, max_norm: f32) -> Self {
        self.clip_norm = Some(max_norm);
        self
    }

    /// With learning-rate schedule `schedule`.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// With examples in their given order every epoch.
    pub fn without_shuffle(mut self) -> Self {
        self.shuffle = false;
        self
    }

    /// With the given policy for non-finite losses and gradients.
    pub fn with_on_non_finite(mut self, policy: OnNonFinite) -> Self {
        self.on_non_finite = policy;
        self
    }

    /// Checks that the settings are possible: at least one epoch, a batch size and a
    /// patience of at least 1, a positive finite `clip_norm`, a finite non-negative
    /// `min_delta` and a valid schedule. [`Trainer::fit`] calls it first.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first impossible setting and its value.
    pub fn check(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::Config("epochs must be at least 1, got 0".into()));
        }
        if self.batch_size == 0 {
            return Err(Error::Config("the batch size must be at least 1".into()));
        }
        if self.patience == Some(0) {
            return Err(Error::Config("patience must be at least 1 epoch".into()));
        }
        if let Some(c) = self.clip_norm
            && !(c.is_finite() && c > 0.0)
        {
            return Err(Error::Config(format!(
                "clip_norm must be positive and finite, got {c}"
            )));
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return Err(Error::Config(format!(
                "min_delta must be finite and at least 0, got {}",
                self.min_delta
            )));
        }
        self.schedule
            .check()
            .map_err(|e| Error::Config(e.to_string()))
    }
}

/// What is trained: the training examples (by index), the loss of a minibatch, and
/// optionally a validation.
pub trait Objective<M> {
    /// The number of training examples; minibatches are lists of indices below it.
    fn train_len(&self) -> usize;

    /// The mean loss of the examples `batch` (indices into the training set), a `[1, 1]`
    /// value on `g` that depends on the model's parameters. `g` is a training graph: dropout
    /// is active. [`Trainer::fit`] refuses, with [`Error::Objective`], a loss of another
    /// shape (per-example losses that were not averaged) or one no gradient flows back from.
    ///
    /// # Errors
    /// Whatever the model or the data code reports.
    fn loss<'g>(&self, g: &'g Graph, model: &M, batch: &[usize]) -> Result<Var<'g>, BoxError>;

    /// The minibatches of an epoch, if the data wants to choose them (for example batches of
    /// sequences of similar lengths, which need less padding); `None` lets the trainer
    /// shuffle and cut `0..train_len()` itself. `seed` differs every epoch.
    fn plan_batches(&self, batch_size: usize, seed: u64) -> Option<Vec<Vec<usize>>> {
        let _ = (batch_size, seed);
        None
    }

    /// Evaluates `model` on validation data; `None` when there is none.
    ///
    /// # Errors
    /// Whatever the model or the data code reports.
    fn validate(&self, model: &M) -> Result<Option<Validation>, BoxError> {
        let _ = model;
        Ok(None)
    }
}

/// Progress of a run, for a progress bar or a log.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// An optimizer step finished.
    Step {
        /// The epoch, from 1.
        epoch: usize,
        /// The step within the epoch, from 1.
        step: usize,
        /// Steps in the epoch.
        steps: usize,
        /// The minibatch's loss.
        loss: f32,
        /// Training examples per second so far in the epoch.
        examples_per_second: f64,
    },
    /// An epoch (with its validation) finished.
    Epoch(&'a EpochRecord),
}

type EventHook<'a> = Box<dyn FnMut(Event<'_>) + 'a>;
type EpochHook<'a, M, O> = Box<dyn FnMut(&M, &O, &TrainState) -> Result<()> + 'a>;

/// Runs training: `Trainer::new(config).fit(&mut model, &mut optimizer, &objective, &mut state)`.
///
/// The library prints nothing: progress reaches the caller through [`on_event`](Self::on_event).
pub struct Trainer<'a, M, O> {
    config: TrainConfig,
    on_event: Option<EventHook<'a>>,
    after_epoch: Option<EpochHook<'a, M, O>>,
}

impl<'a, M: Module, O: Optimizer> Trainer<'a, M, O> {
    /// A trainer with the given settings and no hooks.
    pub fn new(config: TrainConfig) -> Self {
        Trainer {
            config,
            on_event: None,
            after_epoch: None,
        }
    }

    /// Calls `f` after every step and every epoch.
    pub fn on_event(mut self, f: impl FnMut(Event<'_>) + 'a) -> Self {
        self.on_event = Some(Box::new(f));
        self
    }

    /// Calls `f` with the model, optimizer and state after every epoch's bookkeeping: the
    /// place to save a checkpoint (see [`save_checkpoint`](crate::save_checkpoint)).
    pub fn after_epoch(mut self, f: impl FnMut(&M, &O, &TrainState) -> Result<()> + 'a) -> Self {
        self.after_epoch = Some(Box::new(f));
        self
    }

    /// The settings.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Trains `model` from where `state` stands (a fresh [`TrainState`], or one loaded from
    /// a checkpoint together with the weights and the optimizer) until the last epoch or
    /// early stopping.
    ///
    /// # Errors
    /// [`Error::Config`] for impossible settings (see [`TrainConfig::check`]), a learning
    /// rate that is negative or not finite (also one the schedule produces), two parameters
    /// with the same name, or early stopping without validation data;
    /// [`Error::NonFinite`] for a NaN or infinity (loss, gradient or validation score) under
    /// [`OnNonFinite::Stop`]; [`Error::Objective`] when the caller's code fails or its loss
    /// is not a `[1, 1]` value that depends on a parameter; [`Error::Optim`] when the
    /// optimizer refuses its hyperparameters; and the hooks' errors.
    pub fn fit(
        &mut self,
        model: &mut M,
        optimizer: &mut O,
        objective: &impl Objective<M>,
        state: &mut TrainState,
    ) -> Result<()> {
        self.config.check()?;
        let n = objective.train_len();
        if n == 0 {
            return Err(Error::Config("there are no training examples".into()));
        }
        if let Some(name) = duplicate_name(&model.named_params()) {
            return Err(Error::Config(format!(
                "two parameters of the model are named {name:?}; optimizer state, checkpoints \
                 and the best weights are kept by name, so every name must be unique"
            )));
        }
        // Checked before the state keeps it: a refused rate must not stay behind in a
        // `TrainState` that the caller reuses with a corrected optimizer.
        let base_lr = match state.base_learning_rate {
            Some(kept) => kept,
            None => optimizer.learning_rate(),
        };
        if !(base_lr.is_finite() && base_lr >= 0.0) {
            let whose = if state.base_learning_rate.is_some() {
                "the learning rate this training state started with"
            } else {
                "the learning rate"
            };
            return Err(Error::Config(format!(
                "{whose} must be finite and at least 0, got {base_lr}"
            )));
        }
        state.base_learning_rate = Some(base_lr);
        while !state.finished(self.config.epochs) {
            let epoch = state.epochs_done + 1;
            let started = Instant::now();
            let factor = self.config.schedule.factor(epoch - 1);
            let lr = base_lr * factor;
            if !(lr.is_finite() && lr >= 0.0) {
                return Err(Error::Config(format!(
                    "epoch {epoch}: the schedule gives the learning rate {base_lr} × {factor} \
                     = {lr}, which is negative or not finite"
                )));
            }
            optimizer.set_learning_rate(lr);
            let (train_loss, skipped) =
                self.run_epoch(model, optimizer, objective, state, epoch, n)?;
            let train_seconds = started.elapsed().as_secs_f64();
            let validation = objective
                .validate(model)
                .map_err(|source| Error::Objective {
                    epoch,
                    step: state.steps_done,
                    source,
                })?;
            if validation.is_none() && self.config.patience.is_some() {
                return Err(Error::Config(
                    "early stopping (patience) needs validation data".into(),
                ));
            }
            if let Some(v) = &validation
                && !v.score.is_finite()
                && self.config.on_non_finite == OnNonFinite::Stop
            {
                if let Some(best) = &state.best
                    && self.config.restore_best
                {
                    let source = std::path::Path::new("<best weights>");
                    crate::checkpoint::restore_params(model, &best.params, source)?;
                }
                let kept = match (&state.best, self.config.restore_best) {
                    (Some(b), true) => {
                        format!("the best weights (epoch {}) were restored", b.epoch)
                    }
                    _ => "the model keeps this epoch's weights".into(),
                };
                return Err(Error::NonFinite {
                    epoch,
                    step: state.steps_done,
                    what: format!("validation score {} after the epoch; {kept}", v.score),
                });
            }
            let improved = self.track_best(model, state, epoch, validation.as_ref());
            let record = EpochRecord {
                epoch,
                train_loss,
                validation,
                seconds: started.elapsed().as_secs_f64(),
                train_seconds,
                learning_rate: lr,
                skipped_steps: skipped,
                improved,
            };
            state.history.push(record);
            state.epochs_done = epoch;
            if let Some(p) = self.config.patience {
                state.stopped_early = state.bad_epochs >= p && epoch < self.config.epochs;
            }
            if let Some(best) = &state.best
                && state.finished(self.config.epochs)
                && self.config.restore_best
            {
                let source = std::path::Path::new("<best weights>");
                crate::checkpoint::restore_params(model, &best.params, source)?;
            }
            if let Some(f) = &mut self.on_event {
                f(Event::Epoch(state.history.last().expect("just pushed")));
            }
            if let Some(f) = &mut self.after_epoch {
                f(model, optimizer, state)?;
            }
        }
        Ok(())
    }

    fn track_best(
        &self,
        model: &M,
        state: &mut TrainState,
        epoch: usize,
        v: Option<&Validation>,
    ) -> bool {
        let Some(v) = v else { return false };
        // A NaN or infinite score is never better: NaN would otherwise become the best for
        // good (no comparison with it is true), and +inf could never be beaten.
        let better = v.score.is_finite()
            && state
                .best
                .as_ref()
                // A non-finite best (from a checkpoint of an older version) is replaced.
                .is_none_or(|b| !b.score.is_finite() || v.score > b.score + self.config.min_delta);
        if better {
            state.best = Some(Best {
                epoch,
                score: v.score,
                params: snapshot(model),
            });
            state.bad_epochs = 0;
        } else {
            state.bad_epochs += 1;
        }
        better
    }

    /// One pass over the training set; returns the mean loss and the skipped steps.
    fn run_epoch(
        &mut self,
        model: &mut M,
        optimizer: &mut O,
        objective: &impl Objective<M>,
        state: &mut TrainState,
        epoch: usize,
        n: usize,
    ) -> Result<(f64, usize)> {
        let cfg = &self.config;
        let epoch_seed = derive_seed(cfg.seed, epoch as u64, 0);
        let batches: Vec<Vec<usize>> = match objective.plan_batches(cfg.batch_size, epoch_seed) {
            Some(planned) => planned,
            None => {
                let mut order: Vec<usize> = (0..n).collect();
                if cfg.shuffle {
                    order.shuffle(&mut seeded_rng(epoch_seed));
                }
                order
                    .chunks(cfg.batch_size)
                    .map(<[usize]>::to_vec)
                    .collect()
            }
        };
        let steps = batches.len();
        let started = Instant::now();
        let (mut loss_sum, mut counted, mut skipped) = (0.0f64, 0usize, 0usize);
        let mut done = 0usize;
        for (i, batch) in batches.iter().enumerate() {
            let step = state.steps_done + 1;
            let g = Graph::training(derive_seed(cfg.seed, epoch as u64, 1 + i as u64));
            let loss = objective
                .loss(&g, model, batch)
                .map_err(|source| Error::Objective {
                    epoch,
                    step,
                    source,
                })?;
            let shape = loss.shape();
            let refused = if shape != (1, 1) {
                Some(format!(
                    "the loss is {}, not a [1, 1] scalar; reduce per-example losses to their \
                     mean (e.g. with .mean())",
                    shape_str(shape.0, shape.1)
                ))
            } else if !loss.requires_grad() {
                Some(
                    "the loss does not depend on any parameter, so no gradient can reach the \
                     model (was it computed from constants, a detached value, or on a graph \
                     without gradients?)"
                        .to_string(),
                )
            } else {
                None
            };
            if let Some(message) = refused {
                return Err(Error::Objective {
                    epoch,
                    step,
                    source: message.into(),
                });
            }
            let value = loss.scalar();
            let mut norm = None;
            let fault = if value.is_finite() {
                model.zero_grad();
                g.backward_into(loss, model)?;
                // One pass over the gradients: a NaN or infinity anywhere makes the norm
                // non-finite; only then is the culprit looked for.
                let n = grad_norm(model);
                norm = Some(n);
                if n.is_finite() {
                    None
                } else {
                    first_non_finite_grad(model).map(|name| {
                        format!("gradient of parameter {name:?}; the update was not applied")
                    })
                }
            } else {
                let origin = g
                    .first_non_finite()
                    .map(|(pos, op)| format!(" (first made by op {op:?} at tape position {pos})"))
                    .unwrap_or_default();
                Some(format!("loss {value}{origin}; the update was not applied"))
            };
            drop(g);
            if let Some(what) = fault {
                match cfg.on_non_finite {
                    OnNonFinite::Stop => return Err(Error::NonFinite { epoch, step, what }),
                    OnNonFinite::SkipStep => {
                        skipped += 1;
                        state.steps_done = step;
                        continue;
                    }
                }
            }
            if let (Some(max), Some(n)) = (cfg.clip_norm, norm)
                && n > max
                && n > 0.0
            {
                let scale = max / n;
                model.visit_params_mut("", &mut |_, p| p.scale_grad(scale));
            }
            optimizer.step(model)?;
            state.steps_done = step;
            loss_sum += f64::from(value) * batch.len() as f64;
            counted += batch.len();
            if let Some(f) = &mut self.on_event {
                done += batch.len();
                f(Event::Step {
                    epoch,
                    step: i + 1,
                    steps,
                    loss: value,
                    examples_per_second: done as f64 / started.elapsed().as_secs_f64().max(1e-9),
                });
            }
        }
        let mean = if counted == 0 {
            f64::NAN
        } else {
            loss_sum / counted as f64
        };
        Ok((mean, skipped))
    }
}

/// The name of the first parameter whose gradient holds a NaN or an infinity.
fn first_non_finite_grad(model: &mut dyn Module) -> Option<String> {
    let mut found = None;
    model.visit_params_mut("", &mut |name, p| {
        if found.is_none() {
            let mut bad = false;
            p.for_each_grad_column(|_, col| bad |= col.iter().any(|g| !g.is_finite()));
            if bad {
                found = Some(name);
            }
        }
    });
    found
}
