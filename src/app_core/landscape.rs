//! The Landscape view's state: which models, which pieces have come back from the evaluators,
//! and the work to hand out. Every model gets the same directions (one seed), so the pictures
//! compare.

use std::collections::BTreeMap;

use crate::protocol::{EvalOutput, EvalTask};

/// Test images the landscapes use: a seeded stratified subset, quick enough to be interactive.
pub const SUBSET: usize = 2000;
/// Seed of the directions, the subset and the noise draws.
pub const SEED: u64 = 1;
/// Points of the 1-D slice over [-1, 1].
pub const SLICE_POINTS: usize = 41;
/// Points per axis of the 2-D grid over [-1, 1]^2.
pub const GRID_POINTS: usize = 21;
/// Noise stds of the noise landscape, and draws per std.
pub const NOISE_STDS: [f32; 11] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0];
pub const NOISE_DRAWS: usize = 5;
/// Coordinates per evaluator job (a grid row; a fifth-ish of the slice).
const SLICE_CHUNK: usize = 9;

/// (loss, accuracy %) by coordinate index.
pub type Points = BTreeMap<usize, (f64, f64)>;

/// Per noise-std index: (mean, sd) of the loss and of the accuracy (%).
pub type NoisePoints = BTreeMap<usize, ((f64, f64), (f64, f64))>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LandscapeView {
    pub models: Vec<u64>,
    pub grid_model: Option<u64>,
    /// Bumped by each "compute"; the page hands out work when it changes.
    pub run: u64,
    pub started_ms: Option<f64>,
    pub slice: BTreeMap<u64, Points>,
    pub grid: Points,
    pub noise: BTreeMap<u64, NoisePoints>,
    pub slice_done_ms: Option<f64>,
    pub grid_done_ms: Option<f64>,
    pub noise_done_ms: Option<f64>,
}

/// The axis of the slice and of the grid: evenly spaced over [-1, 1].
pub fn axis(n: usize) -> Vec<f32> {
    engine::stats::linspace(-1.0, 1.0, n)
}

impl LandscapeView {
    pub fn start(&mut self, models: Vec<u64>, grid_model: Option<u64>, now_ms: f64) {
        *self = LandscapeView { models, grid_model, run: self.run + 1, started_ms: Some(now_ms), ..Default::default() };
    }

    /// The evaluator jobs, in the order they should run: every model's 1-D slice, then the
    /// grid, then the noise landscapes (the slow part last).
    pub fn jobs(&self) -> Vec<(u64, EvalTask)> {
        let mut out = Vec::new();
        let xs = axis(SLICE_POINTS);
        for &id in &self.models {
            for (c, chunk) in xs.chunks(SLICE_CHUNK).enumerate() {
                let coords = chunk.iter().map(|&a| (a, 0.0)).collect();
                out.push((
                    id,
                    EvalTask::Landscape { grid: false, first: c * SLICE_CHUNK, coords, seed: SEED, subset: SUBSET },
                ));
            }
        }
        if let Some(id) = self.grid_model {
            let g = axis(GRID_POINTS);
            for (j, &b) in g.iter().enumerate() {
                let coords = g.iter().map(|&a| (a, b)).collect();
                out.push((
                    id,
                    EvalTask::Landscape { grid: true, first: j * GRID_POINTS, coords, seed: SEED, subset: SUBSET },
                ));
            }
        }
        for &id in &self.models {
            for &std in &NOISE_STDS {
                out.push((id, EvalTask::NoiseLandscape { std, draws: NOISE_DRAWS, seed: SEED, subset: SUBSET }));
            }
        }
        out
    }

    /// Pieces expected and received, for the progress bar.
    pub fn progress(&self) -> (usize, usize) {
        let per_model = SLICE_POINTS + NOISE_STDS.len();
        let total =
            self.models.len() * per_model + if self.grid_model.is_some() { GRID_POINTS * GRID_POINTS } else { 0 };
        let done = self.slice.values().map(|m| m.len()).sum::<usize>()
            + self.noise.values().map(|m| m.len()).sum::<usize>()
            + self.grid.len();
        (done, total)
    }

    /// Files a result; returns nothing for tasks that are not the landscape's.
    pub fn receive(&mut self, model: u64, task: &EvalTask, output: &EvalOutput, now_ms: f64) {
        if !self.models.contains(&model) {
            return;
        }
        match (task, output) {
            (EvalTask::Landscape { grid, first, .. }, EvalOutput::Landscape { points }) => {
                let target = if *grid { &mut self.grid } else { self.slice.entry(model).or_default() };
                for (k, p) in points.iter().enumerate() {
                    target.insert(first + k, *p);
                }
            }
            (EvalTask::NoiseLandscape { std, .. }, EvalOutput::NoiseLandscape { loss, accuracy }) => {
                if let Some(i) = NOISE_STDS.iter().position(|s| s == std) {
                    self.noise.entry(model).or_default().insert(i, (*loss, *accuracy));
                }
            }
            _ => return,
        }
        let models = &self.models;
        if self.slice_done_ms.is_none()
            && models.iter().all(|id| self.slice.get(id).is_some_and(|m| m.len() == SLICE_POINTS))
        {
            self.slice_done_ms = Some(now_ms);
        }
        if self.noise_done_ms.is_none()
            && models.iter().all(|id| self.noise.get(id).is_some_and(|m| m.len() == NOISE_STDS.len()))
        {
            self.noise_done_ms = Some(now_ms);
        }
        if self.grid_done_ms.is_none() && self.grid.len() == GRID_POINTS * GRID_POINTS {
            self.grid_done_ms = Some(now_ms);
        }
    }
}
