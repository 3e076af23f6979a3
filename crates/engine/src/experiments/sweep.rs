//! Accuracy as a function of noise strength: the curve behind every "accuracy vs std" plot.

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::Result;
use crate::landscape::noise_landscape;
use crate::model::Model;
use crate::noise::Spread;

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
        _ => (0..count)
            .map(|i| (from as f64 + (to as f64 - from as f64) * i as f64 / (count - 1) as f64) as f32)
            .collect(),
    }
}

/// Noisy accuracy at each std: the accuracy half of
/// [`noise_landscape`](crate::landscape::noise_landscape), with the same draws.
/// `on_draw(done, total)` is called after each draw and may return `false` to cancel.
pub fn noise_sweep(
    model: &Model,
    data: &Dataset,
    stds: &[f32],
    draws: usize,
    seed: u64,
    on_draw: impl FnMut(usize, usize) -> bool,
) -> Result<Vec<SweepPoint>> {
    Ok(noise_landscape(model, data, stds, draws, seed, on_draw)?
        .into_iter()
        .map(|p| SweepPoint { std: p.std, accuracy: p.accuracy })
        .collect())
}
