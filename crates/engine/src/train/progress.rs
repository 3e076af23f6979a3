//! What a training run tells its caller while it runs, and how the caller stops it.

use serde::{Deserialize, Serialize};

/// A snapshot after one optimisation step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// 1-based epoch.
    pub epoch: usize,
    pub epochs: usize,
    /// 1-based step within the epoch.
    pub step: usize,
    pub steps_per_epoch: usize,
    /// Steps done so far in the whole run.
    pub global_step: usize,
    pub total_steps: usize,
    /// This step's loss.
    pub loss: f32,
    /// Mean loss over the epoch so far.
    pub running_loss: f32,
    /// Training accuracy (percent) over the epoch so far.
    pub running_accuracy: f32,
    /// Training images processed so far in the run.
    pub images_seen: usize,
    /// Images per second since the run started, when the caller supplied a clock.
    pub throughput: Option<f64>,
}

impl Progress {
    /// Fraction of the run done, 0..=1.
    pub fn fraction(&self) -> f64 {
        self.global_step as f64 / self.total_steps.max(1) as f64
    }
}

/// The caller's answer to a progress report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// Stop after this step; the run ends with `Error::Cancelled` and the model keeps the
    /// weights of the last completed step.
    Stop,
}

/// One line of a run's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochSummary {
    pub epoch: usize,
    pub loss: f32,
    /// Training accuracy over the epoch, percent.
    pub accuracy: f32,
}
