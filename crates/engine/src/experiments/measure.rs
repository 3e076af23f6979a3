//! How a model's figures are measured for the report table: clean accuracy, accuracy under
//! log-normal noise, and on crossbars (MemTorch's or the calibrated input scaling, with and
//! without the report's faults). One function for the CLI and the app, with one set of
//! default seeds (see [`super::defaults`]).

use super::defaults;
use super::recipes::report_config;
use super::table::{Figure, Measured};
use crate::crossbar::{crossbar_accuracy, CrossbarConfig, InputScaling};
use crate::data::Dataset;
use crate::error::Result;
use crate::eval::evaluate;
use crate::model::{Model, ParamKind};
use crate::noise::{noisy_accuracy, NoiseConfig};
use crate::stats::Spread;

/// The settings of every measured figure.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasureSettings {
    /// Noise or fault draws per perturbed figure.
    pub draws: usize,
    /// Seed of the log-normal evaluation noise.
    pub noise_seed: u64,
    /// The deployment with the report's faults (the fault-free figures drop the faults).
    pub crossbar: CrossbarConfig,
}

impl Default for MeasureSettings {
    fn default() -> Self {
        Self::new(defaults::DRAWS, defaults::NOISE_SEED, defaults::CROSSBAR_SEED, defaults::CROSSBAR_EVAL_BATCH)
    }
}

impl MeasureSettings {
    /// The report's deployment from `crossbar_seed`, evaluated `eval_batch` images per call.
    pub fn new(draws: usize, noise_seed: u64, crossbar_seed: u64, eval_batch: usize) -> Self {
        Self { draws, noise_seed, crossbar: CrossbarConfig { eval_batch, ..report_config(crossbar_seed) } }
    }

    fn noise(&self, std: f32) -> NoiseConfig {
        NoiseConfig { std, draws: self.draws, seed: self.noise_seed }
    }

    /// The deployment of a crossbar figure and how many draws it takes.
    fn deployment(&self, figure: Figure) -> Option<(CrossbarConfig, usize)> {
        let calibrated = CrossbarConfig { input_scaling: InputScaling::Calibrated, ..self.crossbar.clone() };
        Some(match figure {
            Figure::Crossbar => (self.crossbar.without_faults(), 1),
            Figure::CrossbarFaults => (self.crossbar.clone(), self.draws),
            Figure::Calibrated => (calibrated.without_faults(), 1),
            Figure::CalibratedFaults => (calibrated, self.draws),
            _ => return None,
        })
    }
}

/// Progress of a measurement: `(figure, draws done, draws of the figure)`; return `false`
/// to cancel.
pub type OnDraw<'a> = &'a mut dyn FnMut(Figure, usize, usize) -> bool;

/// Measures `figures` of `model` on `test` (`train` holds the calibration images of the
/// calibrated crossbar figures), plus the model's mean |bias|.
pub fn measure(
    model: &Model,
    figures: &[Figure],
    test: &Dataset,
    train: &Dataset,
    settings: &MeasureSettings,
    on_draw: OnDraw,
) -> Result<Measured> {
    let mut m = Measured { mean_abs_bias: Some(mean_abs_bias(model)?), ..Measured::default() };
    for &f in figures {
        let value = match f {
            Figure::Clean => Spread::of(vec![evaluate(model, test)?.accuracy()]),
            Figure::Std1_0 | Figure::Std1_5 => {
                let std = if f == Figure::Std1_0 { 1.0 } else { 1.5 };
                let cfg = settings.noise(std);
                noisy_accuracy(model, test, &cfg, |k, _| on_draw(f, k + 1, cfg.draws))?
            }
            _ => {
                let (cfg, draws) = settings.deployment(f).expect("the remaining figures are crossbar figures");
                let draws = if cfg.is_stochastic() { draws } else { 1 };
                crossbar_accuracy(model, test, &cfg, Some(train), draws, |k, _| on_draw(f, k + 1, draws))?.spread
            }
        };
        *f.ours_mut(&mut m) = Some(value);
    }
    Ok(m)
}

/// Mean |b| over every bias of a model (the biases are what MemTorch's scaling leaves unscaled).
pub fn mean_abs_bias(model: &Model) -> Result<f64> {
    let (mut sum, mut n) = (0.0f64, 0usize);
    for (t, kind) in model.weights().iter().zip(model.kinds()) {
        if *kind == ParamKind::Bias {
            let v = t.flatten_all()?.to_vec1::<f32>()?;
            sum += v.iter().map(|x| x.abs() as f64).sum::<f64>();
            n += v.len();
        }
    }
    Ok(sum / n.max(1) as f64)
}

/// A copy of `model` with every bias set to zero: what the trained network does on crossbars
/// once the one term MemTorch's scaling leaves unscaled is gone (see `docs/crossbar.md`).
pub fn without_biases(model: &Model) -> Result<Model> {
    let tensors = model
        .weights()
        .iter()
        .zip(model.kinds())
        .map(|(t, kind)| if *kind == ParamKind::Bias { t.zeros_like() } else { t.copy() })
        .collect::<candle_core::Result<Vec<_>>>()?;
    Model::from_tensors(model.config.clone(), tensors)
}
