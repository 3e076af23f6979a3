//! Accuracy under log-normal weight noise: several independent draws, each one draw for the
//! whole test set, summarised by mean and standard deviation.

use serde::{Deserialize, Serialize};

use super::lognormal::{perturb, validate_std};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::eval::{evaluate_with, EVAL_BATCH};
use crate::model::{DigitalLayers, Model};
use crate::rng::{draw_rng, stream};
use crate::stats::Spread;

/// Settings of a noisy evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoiseConfig {
    /// Standard deviation of eps in w * exp(eps).
    pub std: f32,
    /// Independent draws (default 5, as in the report).
    pub draws: usize,
    pub seed: u64,
}

impl Default for NoiseConfig {
    fn default() -> Self {
        Self { std: 1.0, draws: 5, seed: 1234 }
    }
}

impl NoiseConfig {
    pub fn validate(&self) -> Result<()> {
        validate_std(self.std)?;
        if self.draws == 0 || self.draws > 1000 {
            return Err(Error::invalid("draws", self.draws, "must be between 1 and 1000"));
        }
        Ok(())
    }
}

/// Accuracy of draw `k` (reproducible on its own, so draws can run on separate workers).
pub fn noisy_accuracy_draw(model: &Model, data: &Dataset, cfg: &NoiseConfig, k: usize) -> Result<f64> {
    let mut r = draw_rng(cfg.seed, stream::EVAL_NOISE, k as u64);
    let w = perturb(&model.weights(), cfg.std, &mut r)?;
    Ok(evaluate_with(model, &w, &DigitalLayers, data, EVAL_BATCH)?.accuracy())
}

/// Accuracy over `cfg.draws` noise draws. `on_draw(k, accuracy)` is told after each draw and
/// may return `false` to cancel.
pub fn noisy_accuracy(
    model: &Model,
    data: &Dataset,
    cfg: &NoiseConfig,
    mut on_draw: impl FnMut(usize, f64) -> bool,
) -> Result<Spread> {
    cfg.validate()?;
    let mut draws = Vec::with_capacity(cfg.draws);
    for k in 0..cfg.draws {
        let acc = noisy_accuracy_draw(model, data, cfg, k)?;
        draws.push(acc);
        if !on_draw(k, acc) {
            return Err(Error::Cancelled);
        }
    }
    Ok(Spread::of(draws))
}
