//! The training loop: minibatches, early stopping, resumption from checkpoints, refusal of
//! corrupt checkpoint files, and numeric faults.

use std::cell::Cell;
use std::path::Path;

use neurotext_autodiff::{Graph, Matrix, Module, Param, Var, join_name};
use neurotext_layers::{Activation, Dropout, Layer, Linear, Sequential};
use neurotext_linalg::random::{seeded_rng, uniform};
use neurotext_optim::{Adam, AnyOptimizer, Schedule, Sgd};
use neurotext_train::checkpoint::{self, FORMAT_VERSION, HEADER_LEN, MAGIC};
use neurotext_train::{
    BoxError, Checkpoint, ConfusionMatrix, Error, Event, Objective, OnNonFinite, TrainConfig,
    TrainState, Trainer, Validation, argmax_columns, restore_params, save_checkpoint, snapshot,
};

/// Points in the square, class 1 when x·y > 0 (not linearly separable).
struct Quadrants {
    x: Matrix,
    y: Vec<usize>,
    valid_x: Matrix,
    valid_y: Vec<usize>,
}

impl Quadrants {
    fn new(n: usize) -> Self {
        let make = |seed| {
            let x = uniform(2, n, -1.0, 1.0, &mut seeded_rng(seed));
            let y = (0..n)
                .map(|j| usize::from(x[(0, j)] * x[(1, j)] > 0.0))
                .collect();
            (x, y)
        };
        let (x, y) = make(1);
        let (valid_x, valid_y) = make(2);
        Quadrants {
            x,
            y,
            valid_x,
            valid_y,
        }
    }
}

fn net(seed: u64) -> Sequential {
    let mut rng = seeded_rng(seed);
    Sequential::new()
        .push(
            Linear::new(2, 16, &mut rng)
                .unwrap()
                .with_activation(Activation::Tanh),
        )
        .push(Dropout::new(0.1).unwrap())
        .push(Linear::new(16, 2, &mut rng).unwrap())
}

impl Objective<Sequential> for Quadrants {
    fn train_len(&self) -> usize {
        self.y.len()
    }
    fn loss<'g>(
        &self,
        g: &'g Graph,
        model: &Sequential,
        batch: &[usize],
    ) -> Result<Var<'g>, BoxError> {
        let x = Matrix::from_fn(2, batch.len(), |i, j| self.x[(i, batch[j])]);
        let targets: Vec<usize> = batch.iter().map(|&b| self.y[b]).collect();
        Ok(model
            .forward(g, g.constant(x))?
            .cross_entropy(&targets, None)?)
    }
    fn validate(&self, model: &Sequential) -> Result<Option<Validation>, BoxError> {
        let g = Graph::no_grad();
        let scores = model.forward(&g, g.constant(self.valid_x.clone()))?.value();
        let m = ConfusionMatrix::from_predictions(&self.valid_y, &argmax_columns(&scores), 2)?;
        Ok(Some(Validation {
            score: m.accuracy(),
            loss: None,
            metrics: vec![("macro_f1".into(), m.macro_f1())],
        }))
    }
}

fn params_of(model: &dyn Module) -> Vec<Matrix> {
    model
        .named_params()
        .into_iter()
        .map(|(_, p)| p.value().clone())
        .collect()
}

#[test]
fn minibatch_training_learns_and_reports_every_step() {
    let data = Quadrants::new(200);
    let mut model = net(3);
    let mut state = TrainState::new();
    let mut steps = 0;
    let mut epochs = 0;
    Trainer::new(TrainConfig::new(30, 10))
        .on_event(|e| match e {
            Event::Step { .. } => steps += 1,
            Event::Epoch(_) => epochs += 1,
            _ => {}
        })
        .fit(&mut model, &mut Adam::new(0.05), &data, &mut state)
        .unwrap();
    assert_eq!((steps, epochs), (30 * 20, 30));
    let last = state.history.last().unwrap();
    assert!(
        last.train_loss < 0.5 * state.history[0].train_loss,
        "{:?}",
        state
            .history
            .iter()
            .map(|r| r.train_loss)
            .collect::<Vec<_>>()
    );
    assert!(
        state.best.as_ref().unwrap().score > 0.9,
        "best validation accuracy {}",
        state.best.as_ref().unwrap().score
    );
}

#[test]
fn batch_size_one_is_sgd_and_batch_size_n_is_full_gradient_descent() {
    let data = Quadrants::new(12);
    for (batch, expected_steps) in [(1, 12), (12, 1), (5, 3), (100, 1)] {
        let mut model = net(1);
        let mut state = TrainState::new();
        Trainer::new(TrainConfig::new(1, batch))
            .fit(&mut model, &mut Sgd::new(0.1), &data, &mut state)
            .unwrap();
        assert_eq!(state.steps_done, expected_steps, "batch {batch}");
    }
}

/// Validation scores follow a fixed script, so early stopping is predictable.
struct Scripted<'a> {
    inner: Quadrants,
    scores: &'a [f64],
    calls: Cell<usize>,
}

impl Objective<Sequential> for Scripted<'_> {
    fn train_len(&self) -> usize {
        self.inner.train_len()
    }
    fn loss<'g>(
        &self,
        g: &'g Graph,
        model: &Sequential,
        batch: &[usize],
    ) -> Result<Var<'g>, BoxError> {
        self.inner.loss(g, model, batch)
    }
    fn validate(&self, _model: &Sequential) -> Result<Option<Validation>, BoxError> {
        let i = self.calls.get();
        self.calls.set(i + 1);
        Ok(Some(Validation::score(self.scores[i])))
    }
}

#[test]
fn early_stopping_waits_for_patience_and_restores_the_best_weights() {
    let scores = [0.5, 0.7, 0.6, 0.65, 0.69, 0.9, 0.95];
    let data = Scripted {
        inner: Quadrants::new(40),
        scores: &scores,
        calls: Cell::new(0),
    };
    let mut model = net(2);
    let mut state = TrainState::new();
    let mut after_epoch_2 = None;
    Trainer::new(TrainConfig::new(7, 8).with_patience(3))
        .after_epoch(|m, _, s| {
            if s.epochs_done == 2 {
                after_epoch_2 = Some(params_of(m));
            }
            Ok(())
        })
        .fit(&mut model, &mut Sgd::new(0.2), &data, &mut state)
        .unwrap();
    // Best at epoch 2 (0.7); epochs 3, 4, 5 do not beat it; stop after epoch 5.
    assert!(state.stopped_early);
    assert_eq!(state.epochs_done, 5);
    assert_eq!(state.best.as_ref().unwrap().epoch, 2);
    let improved: Vec<bool> = state.history.iter().map(|r| r.improved).collect();
    assert_eq!(improved, [true, true, false, false, false]);
    // The after-epoch hook of the last epoch already sees the restored weights.
    assert_eq!(params_of(&model), after_epoch_2.unwrap());
}

#[test]
fn early_stopping_without_validation_data_is_a_configuration_error() {
    struct NoValidation(Quadrants);
    impl Objective<Sequential> for NoValidation {
        fn train_len(&self) -> usize {
            self.0.train_len()
        }
        fn loss<'g>(&self, g: &'g Graph, m: &Sequential, b: &[usize]) -> Result<Var<'g>, BoxError> {
            self.0.loss(g, m, b)
        }
    }
    let err = Trainer::new(TrainConfig::new(3, 4).with_patience(2))
        .fit(
            &mut net(0),
            &mut Sgd::new(0.1),
            &NoValidation(Quadrants::new(8)),
            &mut TrainState::new(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("needs validation data"), "{err}");
    let err = Trainer::new(TrainConfig::new(3, 0))
        .fit(
            &mut net(0),
            &mut Sgd::new(0.1),
            &Quadrants::new(8),
            &mut TrainState::new(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("batch size"), "{err}");
}

#[test]
fn training_resumed_from_a_checkpoint_matches_training_that_never_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.ckpt");
    let data = Quadrants::new(64);
    let config = TrainConfig::new(6, 8).with_seed(11);

    let mut straight = net(5);
    let mut straight_state = TrainState::new();
    let mut opt = AnyOptimizer::by_name("adam", 0.02).unwrap();
    Trainer::new(config.clone())
        .fit(&mut straight, &mut opt, &data, &mut straight_state)
        .unwrap();

    // Save after each epoch and "crash" after the third, then start over from the file in
    // fresh values.
    let mut first = net(5);
    let mut state = TrainState::new();
    let mut opt = AnyOptimizer::by_name("adam", 0.02).unwrap();
    let crash = Trainer::new(config.clone())
        .after_epoch(|m, o, s| {
            save_checkpoint(&path, m, o, s, &"user config")?;
            if s.epochs_done == 3 {
                Err(Error::Config("simulated crash".into()))
            } else {
                Ok(())
            }
        })
        .fit(&mut first, &mut opt, &data, &mut state);
    assert!(crash.unwrap_err().to_string().contains("simulated crash"));
    let ckpt: Checkpoint<AnyOptimizer, String> = Checkpoint::load(&path).unwrap();
    assert_eq!(ckpt.config, "user config");
    assert_eq!(ckpt.state.epochs_done, 3);
    let mut resumed = net(99); // other initial weights: all must come from the file
    restore_params(&mut resumed, &ckpt.params, &path).unwrap();
    let (mut opt, mut state) = (ckpt.optimizer, ckpt.state);
    Trainer::new(config)
        .fit(&mut resumed, &mut opt, &data, &mut state)
        .unwrap();

    assert_eq!(
        params_of(&resumed),
        params_of(&straight),
        "weights must be bit-identical"
    );
    let losses = |s: &TrainState| s.history.iter().map(|r| r.train_loss).collect::<Vec<_>>();
    assert_eq!(losses(&state), losses(&straight_state));
}

fn sample_checkpoint_bytes() -> Vec<u8> {
    let model = net(7);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.ckpt");
    save_checkpoint(
        &path,
        &model,
        &Adam::new(0.1),
        &TrainState::new(),
        &vec![1u32, 2, 3],
    )
    .unwrap();
    std::fs::read(&path).unwrap()
}

fn try_decode(bytes: &[u8]) -> Result<Checkpoint<Adam, Vec<u32>>, Error> {
    checkpoint::decode(bytes, Path::new("test.ckpt"))
}

#[test]
fn checkpoint_truncated_at_every_offset_is_refused() {
    let bytes = sample_checkpoint_bytes();
    assert!(try_decode(&bytes).is_ok());
    for len in 0..bytes.len() {
        let err = try_decode(&bytes[..len]).unwrap_err().to_string();
        assert!(
            err.contains("test.ckpt") && (err.contains("truncated") || err.contains("magic")),
            "{len}: {err}"
        );
    }
}

#[test]
fn checkpoint_with_random_bit_flips_is_refused() {
    use rand::RngExt;
    let bytes = sample_checkpoint_bytes();
    let mut rng = seeded_rng(42);
    for _ in 0..1000 {
        let mut b = bytes.clone();
        let bit = rng.random_range(0..b.len() * 8);
        b[bit / 8] ^= 1 << (bit % 8);
        assert!(
            try_decode(&b).is_err(),
            "a flip of bit {bit} went unnoticed"
        );
    }
}

#[test]
fn checkpoint_header_faults_are_refused_with_clear_messages() {
    let bytes = sample_checkpoint_bytes();
    let mut wrong_magic = bytes.clone();
    wrong_magic[..8].copy_from_slice(b"NOTMAGIC");
    assert!(
        try_decode(&wrong_magic)
            .unwrap_err()
            .to_string()
            .contains("wrong magic")
    );

    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert!(
        try_decode(&newer)
            .unwrap_err()
            .to_string()
            .contains("newer")
    );

    let mut huge = bytes.clone();
    huge[12..20].copy_from_slice(&(8u64 << 30).to_le_bytes());
    let err = try_decode(&huge).unwrap_err().to_string();
    assert!(err.contains("claims 8589934592"), "{err}");

    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 16]);
    assert!(
        try_decode(&longer)
            .unwrap_err()
            .to_string()
            .contains("longer than its header claims")
    );
    assert_eq!(&bytes[..8], &MAGIC);
    assert!(bytes.len() > HEADER_LEN);
}

#[test]
fn a_payload_with_a_valid_checksum_but_a_huge_length_inside_is_refused_without_allocating_it() {
    // A crafted file: the checksum is right, but a string inside claims 2⁴⁰ bytes.
    let mut body = Vec::new();
    body.push(253u8); // bincode varint: u64 follows
    body.extend_from_slice(&(1u64 << 40).to_le_bytes());
    let mut file = Vec::new();
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(&(body.len() as u64).to_le_bytes());
    file.extend_from_slice(&crc32fast_hash(&body).to_le_bytes());
    file.extend_from_slice(&body);
    let err = checkpoint::decode::<String>(&file, Path::new("crafted"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not decode"), "{err}");
}

fn crc32fast_hash(b: &[u8]) -> u32 {
    // CRC-32 (IEEE), bit by bit: independent of the implementation under test.
    let mut crc = !0u32;
    for &byte in b {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn atomic_write_replaces_the_file_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bin");
    checkpoint::save(&path, &1u32).unwrap();
    checkpoint::save(&path, &2u32).unwrap();
    assert_eq!(checkpoint::load::<u32>(&path).unwrap(), 2);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let err = checkpoint::load::<u32>(&dir.path().join("missing.bin"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.bin"), "{err}");
}

#[test]
fn restoring_weights_of_another_model_names_the_parameter() {
    let source = Path::new("other.ckpt");
    let small = net(0)
        .named_params()
        .into_iter()
        .map(|(n, p)| (n, p.value().clone()))
        .collect::<Vec<_>>();
    let mut rng = seeded_rng(0);
    let mut bigger = Sequential::new()
        .push(Linear::new(2, 17, &mut rng).unwrap())
        .push(Dropout::new(0.1).unwrap())
        .push(Linear::new(17, 2, &mut rng).unwrap());
    let before = params_of(&bigger);
    let err = restore_params(&mut bigger, &small, source)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("other.ckpt")
            && err.contains("0.weight")
            && err.contains("[16, 2]")
            && err.contains("[17, 2]"),
        "{err}"
    );
    assert_eq!(
        params_of(&bigger),
        before,
        "a refused restore changes nothing"
    );
    let mut fewer = small.clone();
    fewer.pop();
    let err = restore_params(&mut net(0), &fewer, source)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing"), "{err}");
    let mut extra = small.clone();
    extra.push(("ghost".into(), Matrix::zeros(1, 1)));
    let err = restore_params(&mut net(0), &extra, source)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ghost"), "{err}");
}

#[test]
fn an_absurd_learning_rate_is_caught_and_named() {
    let data = Quadrants::new(32);
    let mut model = net(4);
    let mut state = TrainState::new();
    let err = Trainer::new(TrainConfig::new(50, 4))
        .fit(&mut model, &mut Sgd::new(1e37), &data, &mut state)
        .unwrap_err();
    match &err {
        Error::NonFinite { step, what, .. } => {
            assert!(*step >= 1);
            assert!(
                what.contains("loss") || what.contains("gradient of parameter"),
                "{what}"
            );
        }
        other => panic!("expected a non-finite error, got {other}"),
    }
    assert!(err.to_string().contains("step"), "{err}");
    // The bad update was not applied: every weight is still finite.
    assert!(
        params_of(&model)
            .iter()
            .all(|m| m.iter().all(|v| v.is_finite()))
    );

    // Skipping instead: the run finishes and counts the skipped steps.
    let mut model = net(4);
    let mut state = TrainState::new();
    Trainer::new(TrainConfig::new(2, 4).with_on_non_finite(OnNonFinite::SkipStep))
        .fit(&mut model, &mut Sgd::new(1e37), &data, &mut state)
        .unwrap();
    assert!(state.history.iter().map(|r| r.skipped_steps).sum::<usize>() > 0);
}

#[test]
fn a_checkpoint_of_a_large_vocabulary_with_small_counts_loads() {
    // A vocabulary as a checkpoint stores it: short tokens and small counts. Each count and
    // each length is a one-byte varint in the file, but bincode's limit counts it as the 8
    // bytes of a u64 in memory.
    let tokens: Vec<String> = (0..100_000).map(|i| format!("t{i}")).collect();
    let counts: Vec<u64> = (0..100_000).map(|i| i % 7).collect();
    let payload = (tokens, counts);
    let bytes = checkpoint::encode(&payload).unwrap();
    let back: (Vec<String>, Vec<u64>) =
        checkpoint::decode(&bytes, Path::new("vocab.ckpt")).unwrap();
    assert_eq!(back, payload);
    // The worst case of bincode's standard types but u128: 8 claimed bytes per file byte.
    let ones = vec![1u64; 300_000];
    let bytes = checkpoint::encode(&ones).unwrap();
    assert!(bytes.len() < 300_100);
    assert_eq!(
        checkpoint::decode::<Vec<u64>>(&bytes, Path::new("ones.ckpt")).unwrap(),
        ones
    );
}

#[test]
fn a_checkpoint_whose_matrix_shape_overflows_is_refused() {
    // nalgebra's layout of a matrix, (values, nrows, ncols), claiming 2³² × 2³² for no values:
    // the product wraps to 0 in 64 bits, which nalgebra's own loader accepts.
    type Crafted = Vec<(String, (Vec<f32>, u64, u64))>;
    let bad: Crafted = vec![("0.weight".into(), (Vec::new(), 1 << 32, 1 << 32))];
    let good: Crafted = vec![("0.weight".into(), (vec![1.0, 2.0], 1, 2))];
    let sgd = AnyOptimizer::Sgd(Sgd::new(0.1));
    let no_best = None::<(usize, f64, Crafted)>;
    // The fields of a Checkpoint, then of its TrainState, in order.
    let state = |best| {
        (
            0usize,
            0usize,
            Vec::<u8>::new(),
            best,
            0usize,
            false,
            None::<f32>,
        )
    };
    let path = Path::new("crafted.ckpt");
    let decode =
        |bytes: Vec<u8>| checkpoint::decode::<Checkpoint<AnyOptimizer, String>>(&bytes, path);

    let in_params = checkpoint::encode(&(&bad, &sgd, state(no_best.clone()), "c")).unwrap();
    let err = decode(in_params).unwrap_err().to_string();
    assert!(
        err.contains("crafted.ckpt") && err.contains("cannot hold 0 values"),
        "{err}"
    );
    let in_best = checkpoint::encode(&(&good, &sgd, state(Some((1, 0.5, bad))), "c")).unwrap();
    let err = decode(in_best).unwrap_err().to_string();
    assert!(err.contains("cannot hold 0 values"), "{err}");

    let fine = checkpoint::encode(&(&good, &sgd, state(no_best), "c")).unwrap();
    let ckpt = decode(fine).unwrap();
    assert_eq!(ckpt.params[0].1, Matrix::from_row_slice(1, 2, &[1.0, 2.0]));
}

#[test]
fn a_numeric_fault_leaves_the_last_checkpoint_loadable_and_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.ckpt");
    let data = Quadrants::new(32);
    let mut model = net(4);
    let mut state = TrainState::new();
    // A sane rate for two epochs, then an absurd one (0.1 · 10³⁸) from the third.
    let config = TrainConfig::new(10, 4).with_schedule(Schedule::Step {
        every: 2,
        gamma: 1e38,
    });
    let mut last_saved: Option<(usize, Vec<u8>)> = None;
    let err = Trainer::new(config)
        .after_epoch(|m, o, s| {
            save_checkpoint(&path, m, o, s, &"cfg".to_string())?;
            last_saved = Some((s.epochs_done, std::fs::read(&path).unwrap()));
            Ok(())
        })
        .fit(&mut model, &mut Sgd::new(0.1), &data, &mut state)
        .unwrap_err();
    let Error::NonFinite { epoch, step, what } = &err else {
        panic!("expected a non-finite error, got {err}");
    };
    assert_eq!(*epoch, 3, "{err}");
    assert!(*step > 16, "{err}"); // 8 steps per epoch
    assert!(
        what.contains("op") || what.contains("gradient of parameter"),
        "{err}"
    );
    let (saved_epoch, saved_bytes) = last_saved.unwrap();
    assert_eq!(saved_epoch, 2);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        saved_bytes,
        "the fault changed the checkpoint"
    );
    let ckpt: Checkpoint<Sgd, String> = Checkpoint::load(&path).unwrap();
    assert_eq!(ckpt.state.epochs_done, 2);
    let mut resumed = net(99);
    restore_params(&mut resumed, &ckpt.params, &path).unwrap();
    assert!(
        params_of(&resumed)
            .iter()
            .all(|m| m.iter().all(|v| v.is_finite()))
    );
}

/// The training examples of `Quadrants`, with the loss computed by `f` from the model's
/// scores `[2, batch]` and the targets.
struct CustomLoss<F>(Quadrants, F);

/// A [`CustomLoss`] (the bound gives the closure its signature, lifetimes included).
fn custom_loss<F>(n: usize, f: F) -> CustomLoss<F>
where
    F: for<'g> Fn(Var<'g>, &[usize]) -> Result<Var<'g>, BoxError>,
{
    CustomLoss(Quadrants::new(n), f)
}

impl<F> Objective<Sequential> for CustomLoss<F>
where
    F: for<'g> Fn(Var<'g>, &[usize]) -> Result<Var<'g>, BoxError>,
{
    fn train_len(&self) -> usize {
        self.0.train_len()
    }
    fn loss<'g>(
        &self,
        g: &'g Graph,
        model: &Sequential,
        batch: &[usize],
    ) -> Result<Var<'g>, BoxError> {
        let x = Matrix::from_fn(2, batch.len(), |i, j| self.0.x[(i, batch[j])]);
        let targets: Vec<usize> = batch.iter().map(|&b| self.0.y[b]).collect();
        (self.1)(model.forward(g, g.constant(x))?, &targets)
    }
}

#[test]
fn a_loss_that_is_not_a_scalar_is_refused_with_its_shape() {
    // The scores themselves, [2, 4]: a loss that was never reduced.
    let data = custom_loss(8, |scores, _| Ok(scores));
    let mut model = net(1);
    let before = params_of(&model);
    let err = Trainer::new(TrainConfig::new(1, 4))
        .fit(
            &mut model,
            &mut Sgd::new(0.1),
            &data,
            &mut TrainState::new(),
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::Objective {
                epoch: 1,
                step: 1,
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("[2, 4]") && text.contains("[1, 1]"), "{text}");
    assert_eq!(params_of(&model), before);
}

#[test]
fn a_loss_that_depends_on_no_parameter_is_refused() {
    // As PyTorch's "element 0 of tensors does not require grad": the model's scores are
    // detached before the loss, so training would silently change nothing.
    let detached = custom_loss(8, |scores, t| Ok(scores.detach().cross_entropy(t, None)?));
    let mut model = net(1);
    let before = params_of(&model);
    let err = Trainer::new(TrainConfig::new(2, 4))
        .fit(
            &mut model,
            &mut Adam::new(0.1),
            &detached,
            &mut TrainState::new(),
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::Objective {
                epoch: 1,
                step: 1,
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("does not depend on any parameter"), "{text}");
    assert_eq!(params_of(&model), before);
    // The same loss, not detached, trains.
    let attached = custom_loss(8, |scores, t| Ok(scores.cross_entropy(t, None)?));
    Trainer::new(TrainConfig::new(1, 4))
        .fit(
            &mut model,
            &mut Adam::new(0.1),
            &attached,
            &mut TrainState::new(),
        )
        .unwrap();
    assert_ne!(params_of(&model), before);
}

#[test]
fn impossible_hyperparameters_are_refused_with_the_setting_and_value_named() {
    let data = Quadrants::new(8);
    let fit = |config: TrainConfig, opt: &mut dyn FnMut() -> AnyOptimizer| {
        let mut model = net(0);
        let before = params_of(&model);
        let err = Trainer::new(config)
            .fit(&mut model, &mut opt(), &data, &mut TrainState::new())
            .unwrap_err();
        assert_eq!(params_of(&model), before, "{err}: the weights changed");
        err.to_string()
    };
    let mut sgd = || AnyOptimizer::Sgd(Sgd::new(0.1));
    let config = || TrainConfig::new(3, 4);
    for (bad, needle) in [
        (TrainConfig::new(0, 4), "epochs must be at least 1, got 0"),
        (
            config().with_clip_norm(-1.0),
            "clip_norm must be positive and finite, got -1",
        ),
        (
            config().with_clip_norm(0.0),
            "clip_norm must be positive and finite, got 0",
        ),
        (
            config().with_clip_norm(f32::NAN),
            "clip_norm must be positive and finite, got NaN",
        ),
        (
            TrainConfig {
                min_delta: f64::NAN,
                ..config()
            },
            "min_delta must be finite and at least 0, got NaN",
        ),
        (
            config().with_schedule(Schedule::Step {
                every: 1,
                gamma: 0.0,
            }),
            "gamma must be positive and finite, got 0",
        ),
        (
            config().with_schedule(Schedule::Step {
                every: 1,
                gamma: -0.5,
            }),
            "got -0.5",
        ),
    ] {
        let err = fit(bad, &mut sgd);
        assert!(
            err.starts_with("training configuration: ") && err.contains(needle),
            "{err} (expected {needle:?})"
        );
    }
    // Learning rates: the optimizer's, checked when the run starts.
    for lr in [-0.1, f32::NAN, f32::INFINITY] {
        let err = fit(config(), &mut || AnyOptimizer::Sgd(Sgd::new(lr)));
        assert!(
            err.contains("learning rate must be finite and at least 0")
                && err.contains(&format!("got {lr}")),
            "{err}"
        );
    }
    // A refused rate stays out of the training state: the same state, given a corrected
    // optimizer, trains.
    let mut model = net(0);
    let mut state = TrainState::new();
    let mut trainer = Trainer::new(TrainConfig::new(1, 4));
    assert!(
        trainer
            .fit(&mut model, &mut Sgd::new(f32::NAN), &data, &mut state)
            .is_err()
    );
    trainer
        .fit(&mut model, &mut Sgd::new(0.1), &data, &mut state)
        .unwrap();
    assert_eq!(state.epochs_done, 1);
    // Adam's β₁ = 1 divides by 1 − β₁ᵗ = 0: refused by the optimizer's first step.
    let err = fit(config(), &mut || {
        AnyOptimizer::Adam(Adam::new(0.1).with_betas(1.0, 0.999))
    });
    assert!(
        err.contains("adam: beta1 must be in [0, 1), got 1"),
        "{err}"
    );
    // A schedule that overflows the learning rate to infinity (steps with NaN losses are
    // skipped meanwhile): refused at the epoch where it happens.
    let mut model = net(0);
    let mut state = TrainState::new();
    let err = Trainer::new(
        TrainConfig::new(3, 4)
            .with_on_non_finite(OnNonFinite::SkipStep)
            .with_schedule(Schedule::Step {
                every: 1,
                gamma: 1e38,
            }),
    )
    .fit(&mut model, &mut Sgd::new(1.0), &data, &mut state)
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("epoch 3: the schedule gives the learning rate"),
        "{err}"
    );
    assert_eq!(state.epochs_done, 2);
}

#[test]
fn a_non_finite_validation_score_never_becomes_the_best() {
    // Skipping non-finite values: NaN or +inf first must not block every later score.
    for first in [f64::NAN, f64::INFINITY] {
        let scores = [first, 0.5, 0.7, f64::NAN];
        let data = Scripted {
            inner: Quadrants::new(16),
            scores: &scores,
            calls: Cell::new(0),
        };
        let mut state = TrainState::new();
        let mut after_epoch_3 = None;
        let mut model = net(2);
        Trainer::new(TrainConfig::new(4, 8).with_on_non_finite(OnNonFinite::SkipStep))
            .after_epoch(|m, _, s| {
                if s.epochs_done == 3 {
                    after_epoch_3 = Some(params_of(m));
                }
                Ok(())
            })
            .fit(&mut model, &mut Sgd::new(0.2), &data, &mut state)
            .unwrap();
        let best = state.best.as_ref().unwrap();
        assert_eq!((best.epoch, best.score), (3, 0.7), "first score {first}");
        let improved: Vec<bool> = state.history.iter().map(|r| r.improved).collect();
        assert_eq!(improved, [false, true, true, false], "first score {first}");
        assert_eq!(state.bad_epochs, 1);
        // The weights of the best epoch are restored at the end.
        assert_eq!(params_of(&model), after_epoch_3.unwrap());
    }
}

#[test]
fn a_non_finite_validation_score_stops_the_run_and_restores_the_best_weights() {
    let scores = [0.5, 0.6, f64::NAN, 0.9];
    let data = Scripted {
        inner: Quadrants::new(16),
        scores: &scores,
        calls: Cell::new(0),
    };
    let mut state = TrainState::new();
    let mut model = net(2);
    let mut saved = Vec::new();
    let err = Trainer::new(TrainConfig::new(4, 8))
        .after_epoch(|m, _, s| {
            saved.push((s.epochs_done, params_of(m)));
            Ok(())
        })
        .fit(&mut model, &mut Sgd::new(0.2), &data, &mut state)
        .unwrap_err();
    let Error::NonFinite { epoch, step, what } = &err else {
        panic!("expected a non-finite error, got {err}");
    };
    assert_eq!((*epoch, *step), (3, 6), "{err}");
    assert!(
        what.contains("validation score NaN") && what.contains("best weights (epoch 2)"),
        "{err}"
    );
    // The epoch was not recorded and its hook not called; the model holds epoch 2's weights.
    assert_eq!(state.epochs_done, 2);
    assert_eq!(saved.len(), 2);
    assert_eq!(params_of(&model), saved[1].1);
}

/// Two linear layers that both call themselves "layer": their parameters' names collide.
struct Twins(Linear, Linear);

impl Module for Twins {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        self.0.visit_params(&join_name(prefix, "layer"), f);
        self.1.visit_params(&join_name(prefix, "layer"), f);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        self.0.visit_params_mut(&join_name(prefix, "layer"), f);
        self.1.visit_params_mut(&join_name(prefix, "layer"), f);
    }
}

struct TwinData(Quadrants);

impl Objective<Twins> for TwinData {
    fn train_len(&self) -> usize {
        self.0.y.len()
    }
    fn loss<'g>(&self, g: &'g Graph, model: &Twins, batch: &[usize]) -> Result<Var<'g>, BoxError> {
        let x = Matrix::from_fn(2, batch.len(), |i, j| self.0.x[(i, batch[j])]);
        let targets: Vec<usize> = batch.iter().map(|&b| self.0.y[b]).collect();
        let h = model.0.forward(g, g.constant(x))?;
        Ok(model.1.forward(g, h)?.cross_entropy(&targets, None)?)
    }
}

#[test]
fn duplicate_parameter_names_are_refused_by_fit_save_and_restore() {
    let mut rng = seeded_rng(0);
    let mut twins = Twins(
        Linear::new(2, 2, &mut rng).unwrap(),
        Linear::new(2, 2, &mut rng).unwrap(),
    );
    let before = params_of(&twins);
    let err = Trainer::new(TrainConfig::new(1, 4))
        .fit(
            &mut twins,
            &mut Adam::new(0.1),
            &TwinData(Quadrants::new(8)),
            &mut TrainState::new(),
        )
        .unwrap_err();
    // Refused by fit itself, before the optimizer (which would refuse it too) sees it.
    assert!(matches!(err, Error::Config(_)), "{err}");
    let err = err.to_string();
    assert!(
        err.contains("two parameters of the model are named \"layer.weight\""),
        "{err}"
    );
    assert_eq!(params_of(&twins), before);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twins.ckpt");
    let err = save_checkpoint(&path, &twins, &Adam::new(0.1), &TrainState::new(), &())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("twins.ckpt") && err.contains("\"layer.weight\""),
        "{err}"
    );
    assert!(
        !path.exists(),
        "a checkpoint that cannot be loaded was written"
    );

    // Weights that name each parameter once, for a model that has the names twice: refused
    // (this panicked on an internal `expect`).
    let once: Vec<(String, Matrix)> = snapshot(&twins).into_iter().take(2).collect();
    assert_eq!(once[0].0, "layer.weight");
    let err = restore_params(&mut twins, &once, Path::new("once.ckpt"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("once.ckpt") && err.contains("\"layer.weight\""),
        "{err}"
    );
    assert_eq!(params_of(&twins), before);
    // A file that holds a name twice.
    let mut model = net(0);
    let mut twice = snapshot(&model);
    twice.push(twice[0].clone());
    let err = restore_params(&mut model, &twice, Path::new("twice.ckpt"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"0.weight\" appears twice in the file"),
        "{err}"
    );
}
