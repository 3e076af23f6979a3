//! Accuracy as a function of noise strength: the curve behind every "accuracy vs std" plot.

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::noise::{noisy_accuracy_draw, NoiseConfig, Spread};

/// One point of the curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub std: f32,
    pub accuracy: Spread,
}

/// `count` evenly spaced values from `from` to `to` inclusive.
pub fn linspace(from: f32, to: f32, count: usize) -> Vec<f32> {
    match count {
        0 => vec![],
        1 => vec![from],
        // in f64, so that e.g. -0.4 comes out as the f32 nearest -0.4, not -0.39999998
        _ => (0..count).map(|i| (from as f64 + (to as f64 - from as f64) * i as f64 / (count - 1) as f64) as f32).collect(),
    }
}

/// Noisy accuracy at each std. `on_draw(done, total)` is called after each draw and may
/// return `false` to cancel. A std of 0 is evaluated once (it has no randomness).
pub fn noise_sweep(
    model: &Model,
    data: &Dataset,
    stds: &[f32],
    draws: usize,
    seed: u64,
    mut on_draw: impl FnMut(usize, usize) -> bool,
) -> Result<Vec<SweepPoint>> {
    let total: usize = stds.iter().map(|&s| if s == 0.0 { 1 } else { draws }).sum();
    let mut done = 0;
    let mut out = Vec::new();
    for &std in stds {
        let cfg = NoiseConfig { std, draws: if std == 0.0 { 1 } else { draws }, seed };
        cfg.validate()?;
        let mut accs = Vec::new();
        for k in 0..cfg.draws {
            accs.push(noisy_accuracy_draw(model, data, &cfg, k)?);
            done += 1;
            if !on_draw(done, total) {
                return Err(Error::Cancelled);
            }
        }
        out.push(SweepPoint { std, accuracy: Spread::of(accs) });
    }
    Ok(out)
}
