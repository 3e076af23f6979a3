//! The Draw panel's state: a digit drawn (or an image uploaded) and each model's reading of
//! it, clean, under the slider's noise and on the Explore panel's crossbars. The readings are
//! asked for again whenever the drawing, σ, the draws or the crossbar settings change, so they
//! follow the sliders live.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::state::State;
use crate::protocol::{ClassSpread, EvalOutput, EvalTask};

/// The drawing canvas' side in pixels.
pub const CANVAS_SIDE: usize = 280;
/// The most models read at once (the compared ones first).
pub const MAX_MODELS: usize = 6;

/// A drawing: ink intensities (0 = background, 255 = ink) in row order.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    pub width: usize,
    pub height: usize,
    pub ink: Rc<Vec<u8>>,
    /// Bumped by every new drawing: readings of an older one are dropped.
    pub generation: u64,
}

/// Everything a reading depends on besides the model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReadingKey {
    pub drawing: u64,
    pub std_centi: i64,
    pub draws: usize,
    pub seed: u64,
    /// The crossbar settings (JSON), when the simulation is on.
    pub crossbar: Option<String>,
    pub data: u64,
}

/// One model's reading of the drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub key: ReadingKey,
    pub centred: Rc<Vec<u8>>,
    pub clean: Vec<f32>,
    pub noisy: Option<ClassSpread>,
    pub crossbar: Option<ClassSpread>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DrawPanel {
    pub drawing: Option<Drawing>,
    /// Per model, its latest reading (shown, marked out of date, until the next one comes).
    pub readings: BTreeMap<u64, Reading>,
    /// Per model, the key its last job was sent for.
    pub sent: BTreeMap<u64, ReadingKey>,
    /// Per model, the last error.
    pub errors: BTreeMap<u64, String>,
    pub next_generation: u64,
}

impl DrawPanel {
    /// A new drawing (or none: cleared).
    pub fn set(&mut self, drawing: Option<(usize, usize, Rc<Vec<u8>>)>) {
        self.next_generation += 1;
        self.drawing =
            drawing.map(|(width, height, ink)| Drawing { width, height, ink, generation: self.next_generation });
        self.sent.clear();
        self.errors.clear();
        if self.drawing.is_none() {
            self.readings.clear();
        }
    }

    /// Files an answer: kept only if it is for the current drawing.
    pub fn receive(&mut self, model: u64, key: ReadingKey, output: EvalOutput) {
        if self.drawing.as_ref().map(|d| d.generation) != Some(key.drawing) {
            return;
        }
        if let EvalOutput::Digit { centred, clean, noisy, crossbar } = output {
            self.errors.remove(&model);
            self.readings.insert(model, Reading { key, centred: Rc::new(centred), clean, noisy, crossbar });
        }
    }
}

/// The reading key of a task, or `None` for other tasks.
pub fn task_key(task: &EvalTask, drawing: u64, data: u64) -> Option<ReadingKey> {
    match task {
        EvalTask::Digit { std, seed, draws, crossbar, .. } => Some(ReadingKey {
            drawing,
            std_centi: (*std * 100.0).round() as i64,
            draws: *draws,
            seed: *seed,
            crossbar: crossbar.as_ref().map(|c| serde_json::to_string(c).unwrap_or_default()),
            data,
        }),
        _ => None,
    }
}

/// The models that read the drawing: the focused one, then the compared ones, at most
/// [`MAX_MODELS`].
pub fn models(s: &State) -> Vec<u64> {
    let e = &s.explore;
    let mut seen = std::collections::BTreeSet::new();
    let mut models: Vec<u64> = e
        .model
        .into_iter()
        .chain(e.compare.iter().copied())
        .filter(|&id| s.model(id).is_some() && seen.insert(id))
        .collect();
    models.truncate(MAX_MODELS);
    models
}

/// The job that reads the current drawing under the current settings, and its key.
pub fn current_task(s: &State) -> Option<(EvalTask, ReadingKey)> {
    let d = s.draw.drawing.as_ref()?;
    let e = &s.explore;
    let task = EvalTask::Digit {
        width: d.width,
        height: d.height,
        pixels: d.ink.as_ref().clone(),
        std: e.std,
        seed: e.seed,
        draws: e.draws,
        crossbar: e.crossbar.enabled.then(|| e.crossbar.config.clone()),
    };
    let key = task_key(&task, d.generation, s.data_generation)?;
    Some((task, key))
}

/// Ink from an RGBA picture (a canvas, an uploaded photo): the luminance, inverted when the
/// picture is dark ink on a light ground (its border is light), as MNIST has light ink on
/// black.
pub fn ink_from_rgba(rgba: &[u8], width: usize, height: usize) -> Vec<u8> {
    let lum = |i: usize| {
        let p = &rgba[4 * i..4 * i + 4];
        // transparent pixels (a fresh canvas) are background
        let a = p[3] as f32 / 255.0;
        let l = 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
        (l * a + 255.0 * (1.0 - a)).round().clamp(0.0, 255.0) as u8
    };
    let n = (width * height).min(rgba.len() / 4);
    let border: Vec<usize> = (0..n)
        .filter(|&i| {
            let (x, y) = (i % width.max(1), i / width.max(1));
            x == 0 || y == 0 || x + 1 == width || y + 1 == height
        })
        .collect();
    let light_ground =
        border.is_empty() || border.iter().map(|&i| lum(i) as u64).sum::<u64>() >= 128 * border.len() as u64;
    (0..n).map(|i| if light_ground { 255 - lum(i) } else { lum(i) }).collect()
}

/// The probability of the most likely class, and the class.
pub fn top(p: &[f32]) -> Option<(usize, f32)> {
    p.iter().copied().enumerate().max_by(|a, b| a.1.total_cmp(&b.1))
}
