//! What `train` shows while it runs: a progress bar per epoch (with loss and throughput) and
//! a line per epoch. Both go to standard error; `--quiet` turns them off.

use indicatif::{ProgressBar, ProgressStyle};
use neurotext_train::{EpochRecord, Event};

/// Draws training progress.
pub struct Progress {
    quiet: bool,
    epochs: usize,
    metric: &'static str,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress for a run of `epochs` epochs whose validation score is called `metric`.
    pub fn new(quiet: bool, epochs: usize, metric: &'static str) -> Self {
        Progress {
            quiet,
            epochs,
            metric,
            bar: None,
        }
    }

    /// Handles one event of the trainer.
    pub fn on_event(&mut self, event: Event<'_>) {
        if self.quiet {
            return;
        }
        match event {
            Event::Step {
                epoch,
                step,
                steps,
                loss,
                examples_per_second,
                ..
            } => {
                let bar = self.bar.get_or_insert_with(|| {
                    let bar = ProgressBar::new(steps as u64);
                    bar.set_style(
                        ProgressStyle::with_template("epoch {prefix} [{bar:30}] {pos}/{len} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                    bar.set_prefix(format!("{epoch}/{}", self.epochs));
                    bar
                });
                bar.set_position(step as u64);
                if step % 10 == 0 || step == steps {
                    bar.set_message(format!(
                        "loss {loss:.4} · {examples_per_second:.0} examples/s"
                    ));
                }
            }
            Event::Epoch(record) => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                eprintln!("{}", epoch_line(record, self.epochs, self.metric));
            }
            _ => {}
        }
    }
}

/// `epoch 3/10  loss 0.2345  valid accuracy 0.9012 (best)  12.3 s`.
pub fn epoch_line(r: &EpochRecord, epochs: usize, metric: &str) -> String {
    let valid = match &r.validation {
        Some(v) => format!(
            "  valid {metric} {:.4}{}",
            v.score,
            if r.improved { " (best)" } else { "" }
        ),
        None => String::new(),
    };
    let skipped = if r.skipped_steps > 0 {
        format!("  ({} steps skipped)", r.skipped_steps)
    } else {
        String::new()
    };
    format!(
        "epoch {}/{epochs}  loss {:.4}{valid}  {:.1} s (training {:.1} s){skipped}",
        r.epoch, r.train_loss, r.seconds, r.train_seconds
    )
}
