//! Loss and accuracy along a 1-D slice, on a 2-D grid, and under log-normal noise of growing
//! strength (the "noise landscape", which is the slice the report's argument is about).

use candle_core::Tensor;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::directions::filter_normalised_direction;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::eval::{evaluate_with, EVAL_BATCH};
use crate::model::{DigitalLayers, Model};
use crate::noise::{perturb, validate_std};
use crate::rng::{draw_rng, rng, stream};
use crate::stats::Spread;

/// Settings of a landscape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LandscapeConfig {
    /// Coordinates run over [-range, range] (in units of the filter-normalised direction).
    pub range: f32,
    /// Points per axis (odd, so that 0 is one of them).
    pub points: usize,
    /// Seed of the directions.
    pub seed: u64,
}

impl Default for LandscapeConfig {
    fn default() -> Self {
        Self { range: 1.0, points: 41, seed: 1 }
    }
}

impl LandscapeConfig {
    pub fn validate(&self) -> Result<()> {
        if !(self.range.is_finite() && self.range > 0.0 && self.range <= 100.0) {
            return Err(Error::invalid("range", self.range, "must be in (0, 100]"));
        }
        if self.points < 2 || self.points > 401 {
            return Err(Error::invalid("points", self.points, "must be between 2 and 401"));
        }
        Ok(())
    }

    /// The coordinates of one axis.
    pub fn axis(&self) -> Vec<f32> {
        crate::stats::linspace(-self.range, self.range, self.points)
    }
}

/// Loss and accuracy at one point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LandscapePoint {
    pub loss: f64,
    /// Percent.
    pub accuracy: f64,
}

/// A 1-D slice: `points[i]` is at `alphas[i]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slice1d {
    pub alphas: Vec<f32>,
    pub points: Vec<LandscapePoint>,
}

/// A 2-D grid: `points[j][i]` is at (`alphas[i]`, `betas[j]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grid2d {
    pub alphas: Vec<f32>,
    pub betas: Vec<f32>,
    pub points: Vec<Vec<LandscapePoint>>,
}

/// Expected loss and accuracy under log-normal noise of each std.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoiseLandscapePoint {
    pub std: f32,
    pub loss: Spread,
    pub accuracy: Spread,
}

/// A seeded subset with `size / 10` images of each class (all of `data` if `size` is larger).
pub fn stratified_subset(data: &Dataset, size: usize, seed: u64) -> Dataset {
    if size >= data.len() {
        return data.clone();
    }
    let mut r = rng(seed, stream::SUBSET);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); 10];
    for (i, &l) in data.labels.iter().enumerate() {
        by_class[l as usize].push(i);
    }
    let mut chosen = Vec::with_capacity(size);
    for (c, idx) in by_class.iter_mut().enumerate() {
        idx.shuffle(&mut r);
        let want = size / 10 + usize::from(c < size % 10);
        chosen.extend(idx.iter().take(want));
    }
    chosen.sort_unstable();
    data.select(&chosen)
}

fn point(model: &Model, weights: &[Tensor], data: &Dataset) -> Result<LandscapePoint> {
    // No images: a loss and accuracy of 0 would be drawn as if measured.
    if data.is_empty() {
        return Err(Error::invalid("landscape images", 0, "a landscape needs at least one test image"));
    }
    let e = evaluate_with(model, weights, &DigitalLayers, data, EVAL_BATCH)?;
    Ok(LandscapePoint { loss: e.loss, accuracy: e.accuracy() })
}

/// `w + sum_k c_k d_k` for each parameter.
fn shifted(base: &[Tensor], dirs: &[(&[Tensor], f32)]) -> Result<Vec<Tensor>> {
    base.iter()
        .enumerate()
        .map(|(i, w)| {
            let mut t = w.clone();
            for (d, c) in dirs {
                if *c != 0.0 {
                    t = (t + (&d[i] * *c as f64)?)?;
                }
            }
            Ok(t)
        })
        .collect()
}

/// Loss and accuracy at arbitrary coordinates `(a, b)`: `w + a d1 + b d2`, with the directions
/// of [`slice_1d`] and [`grid_2d`] for the same seed. Lets a grid be split into pieces that
/// separate workers compute (the browser's evaluator pool).
pub fn points_at(model: &Model, data: &Dataset, seed: u64, coords: &[(f32, f32)]) -> Result<Vec<LandscapePoint>> {
    let d1 = filter_normalised_direction(model, seed, 0)?;
    let d2 = filter_normalised_direction(model, seed, 1)?;
    let base = model.weights();
    coords.iter().map(|&(a, b)| point(model, &shifted(&base, &[(&d1, a), (&d2, b)])?, data)).collect()
}

/// Loss and accuracy along `w + a d`. `on_point(done, total)` may return false to cancel.
pub fn slice_1d(
    model: &Model,
    data: &Dataset,
    cfg: &LandscapeConfig,
    mut on_point: impl FnMut(usize, usize) -> bool,
) -> Result<Slice1d> {
    cfg.validate()?;
    let d = filter_normalised_direction(model, cfg.seed, 0)?;
    let base = model.weights();
    let alphas = cfg.axis();
    let mut points = Vec::new();
    for (i, &a) in alphas.iter().enumerate() {
        points.push(point(model, &shifted(&base, &[(&d, a)])?, data)?);
        if !on_point(i + 1, alphas.len()) {
            return Err(Error::Cancelled);
        }
    }
    Ok(Slice1d { alphas, points })
}

/// Loss and accuracy on the grid `w + a d1 + b d2`.
pub fn grid_2d(
    model: &Model,
    data: &Dataset,
    cfg: &LandscapeConfig,
    mut on_point: impl FnMut(usize, usize) -> bool,
) -> Result<Grid2d> {
    cfg.validate()?;
    let d1 = filter_normalised_direction(model, cfg.seed, 0)?;
    let d2 = filter_normalised_direction(model, cfg.seed, 1)?;
    let base = model.weights();
    let axis = cfg.axis();
    let total = axis.len() * axis.len();
    let mut rows = Vec::new();
    for (j, &b) in axis.iter().enumerate() {
        let mut row = Vec::new();
        for (i, &a) in axis.iter().enumerate() {
            row.push(point(model, &shifted(&base, &[(&d1, a), (&d2, b)])?, data)?);
            if !on_point(j * axis.len() + i + 1, total) {
                return Err(Error::Cancelled);
            }
        }
        rows.push(row);
    }
    Ok(Grid2d { alphas: axis.clone(), betas: axis, points: rows })
}

/// Test loss and accuracy under log-normal noise at each std (mean and sd over `draws`; a std
/// of 0 has no randomness and is evaluated once). `on_draw(done, total)` may return false to
/// cancel. Draw k uses the same generator at every std, so the curves are smooth in std.
pub fn noise_landscape(
    model: &Model,
    data: &Dataset,
    stds: &[f32],
    draws: usize,
    seed: u64,
    mut on_draw: impl FnMut(usize, usize) -> bool,
) -> Result<Vec<NoiseLandscapePoint>> {
    if draws == 0 || draws > 1000 {
        return Err(Error::invalid("draws", draws, "must be between 1 and 1000"));
    }
    let draws_at = |std: f32| if std == 0.0 { 1 } else { draws };
    let total: usize = stds.iter().map(|&s| draws_at(s)).sum();
    let mut done = 0;
    let mut out = Vec::new();
    for &std in stds {
        validate_std(std)?;
        let (mut losses, mut accs) = (Vec::new(), Vec::new());
        for k in 0..draws_at(std) {
            let mut r = draw_rng(seed, stream::EVAL_NOISE, k as u64);
            let p = point(model, &perturb(&model.weights(), std, &mut r)?, data)?;
            losses.push(p.loss);
            accs.push(p.accuracy);
            done += 1;
            if !on_draw(done, total) {
                return Err(Error::Cancelled);
            }
        }
        out.push(NoiseLandscapePoint { std, loss: Spread::of(losses), accuracy: Spread::of(accs) });
    }
    Ok(out)
}
