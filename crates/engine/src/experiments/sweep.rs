//! Accuracy as a function of noise strength: the curve behind every "accuracy vs std" plot.

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::Result;
use crate::landscape::noise_landscape;
use crate::model::Model;
use crate::stats::Spread;

/// One point of the curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub std: f32,
    pub accuracy: Spread,
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
