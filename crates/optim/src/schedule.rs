//! Learning-rate schedules: the factor by which the base rate is multiplied at each epoch.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the learning rate changes over epochs: `η(epoch) = η₀·factor(epoch)`, epochs from 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// η stays η₀.
    #[default]
    Constant,
    /// η is multiplied by `gamma` every `every` epochs (step decay).
    Step {
        /// Epochs between decays (at least 1).
        every: usize,
        /// The factor of each decay.
        gamma: f32,
    },
    /// Cosine annealing from η₀ down to `η₀·min_factor` over `total` epochs:
    /// `factor = m + (1 − m)·(1 + cos(π·epoch/total))/2`.
    Cosine {
        /// The epoch at which the minimum is reached (at least 1).
        total: usize,
        /// The final factor m.
        min_factor: f32,
    },
}

impl Schedule {
    /// Checks the settings: `every` and `total` at least 1, `gamma` positive and finite,
    /// `min_factor` finite and at least 0.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting and its value (a `gamma` of 0 or below would
    /// make the learning rate 0 or negative, NaN would make it NaN).
    pub fn check(&self) -> Result<()> {
        let refuse = |message: String| {
            Err(Error::Config {
                optimizer: "schedule",
                message,
            })
        };
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::Step { every, gamma } => {
                if every == 0 {
                    refuse("step decay: every must be at least 1 epoch, got 0".into())
                } else if !(gamma.is_finite() && gamma > 0.0) {
                    refuse(format!(
                        "step decay: gamma must be positive and finite, got {gamma}"
                    ))
                } else {
                    Ok(())
                }
            }
            Schedule::Cosine { total, min_factor } => {
                if total == 0 {
                    refuse("cosine: total must be at least 1 epoch, got 0".into())
                } else if !(min_factor.is_finite() && min_factor >= 0.0) {
                    refuse(format!(
                        "cosine: min_factor must be finite and at least 0, got {min_factor}"
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The multiplier of the base learning rate at `epoch`.
    pub fn factor(&self, epoch: usize) -> f32 {
        match *self {
            Schedule::Constant => 1.0,
            Schedule::Step { every, gamma } => gamma.powi((epoch / every.max(1)) as i32),
            Schedule::Cosine { total, min_factor } => {
                let progress = (epoch.min(total.max(1)) as f32) / total.max(1) as f32;
                min_factor
                    + (1.0 - min_factor) * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_schedule_decays_every_n_epochs() {
        let s = Schedule::Step {
            every: 2,
            gamma: 0.5,
        };
        let f: Vec<f32> = (0..6).map(|e| s.factor(e)).collect();
        assert_eq!(f, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]);
    }

    #[test]
    fn cosine_schedule_goes_from_one_to_min_and_stays() {
        let s = Schedule::Cosine {
            total: 4,
            min_factor: 0.1,
        };
        assert_eq!(s.factor(0), 1.0);
        assert!((s.factor(2) - 0.55).abs() < 1e-6);
        assert!((s.factor(4) - 0.1).abs() < 1e-6);
        assert!((s.factor(9) - 0.1).abs() < 1e-6);
        assert_eq!(Schedule::Constant.factor(100), 1.0);
    }

    #[test]
    fn impossible_schedules_are_refused_with_the_setting_named() {
        let step = |every, gamma| Schedule::Step { every, gamma };
        let cosine = |total, min_factor| Schedule::Cosine { total, min_factor };
        for (bad, needle) in [
            (step(1, 0.0), "gamma must be positive and finite, got 0"),
            (step(1, -0.5), "got -0.5"),
            (step(1, f32::NAN), "got NaN"),
            (step(0, 0.5), "every must be at least 1"),
            (cosine(0, 0.1), "total must be at least 1"),
            (
                cosine(4, -0.1),
                "min_factor must be finite and at least 0, got -0.1",
            ),
        ] {
            let err = bad.check().unwrap_err().to_string();
            assert!(
                err.starts_with("schedule: ") && err.contains(needle),
                "{err}"
            );
        }
        for good in [
            Schedule::Constant,
            step(2, 0.5),
            step(1, 1e38),
            cosine(4, 0.0),
        ] {
            good.check().unwrap();
        }
    }
}
