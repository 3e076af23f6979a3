//! A whole model on crossbars: deployment (mapping, calibration, tuning), realisation of a
//! draw of non-idealities, and evaluation through the model's own forward pass (this type is
//! a [`LayerExec`], so ReLU, pooling and flattening stay digital, as in MemTorch).

use std::cell::RefCell;

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use super::config::{CrossbarConfig, InputScaling};
use super::input::calibrate;
use super::layer::{CrossbarLayer, LayerState};
use super::streams;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::eval::{evaluate_with, Evaluation};
use crate::model::{LayerExec, LayerSpec, Model};
use crate::rng::{draw_rng, rng, stream, EngineRng};
use crate::stats::Spread;

/// A model deployed on simulated crossbars.
pub struct Crossbar {
    pub config: CrossbarConfig,
    /// One entry per weighted layer, in forward order.
    pub layers: Vec<CrossbarLayer>,
    /// Which draw of non-idealities this is; `None` for the ideal deployment.
    pub draw: Option<u64>,
    read_rng: RefCell<EngineRng>,
}

impl Crossbar {
    /// Maps every weighted layer of `model` onto ideal crossbars, measures the calibrated
    /// input ranges on `calibration` (training images; required in calibrated mode), and
    /// tunes each layer. No non-ideality is applied yet: see [`Crossbar::realise`].
    pub fn deploy(model: &Model, config: &CrossbarConfig, calibration: Option<&Dataset>) -> Result<Self> {
        config.validate()?;
        let ranges = match config.input_scaling {
            InputScaling::Memtorch => None,
            InputScaling::Calibrated => {
                let data = calibration.ok_or_else(|| {
                    Error::invalid(
                        "input scaling",
                        "calibrated",
                        "needs calibration data (training images) to measure the input ranges",
                    )
                })?;
                if data.is_empty() {
                    return Err(Error::invalid("calibration data", 0, "is empty"));
                }
                Some(calibrate(model, data, config.calibration_images)?)
            }
        };
        let weights = model.weights();
        let mut tune_rng = rng(config.seed, streams::TUNING);
        let layers = model
            .layers()
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                CrossbarLayer::deploy(spec, &weights[spec.weight], config, ranges.as_ref().map(|r| r[i]), &mut tune_rng)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            config: config.clone(),
            layers,
            draw: None,
            read_rng: RefCell::new(draw_rng(config.seed, streams::READ_NOISE, 0)),
        })
    }

    /// A copy of this ideal deployment with draw `k` of the configured non-idealities
    /// (faults, finite states, variation, drift; read noise during evaluation). Each draw is
    /// reproducible on its own.
    pub fn realise(&self, k: u64) -> Result<Self> {
        if self.draw.is_some() {
            return Err(Error::invalid(
                "draw",
                k,
                "non-idealities are applied to the ideal deployment, not to an already realised one",
            ));
        }
        let c = &self.config;
        let mut variation = draw_rng(c.seed, streams::VARIATION, k);
        let mut faults = draw_rng(c.seed, stream::FAULTS, k);
        let mut drift = draw_rng(c.seed, streams::DRIFT, k);
        let mut layers = self.layers.clone();
        for l in &mut layers {
            l.realise(c, &mut variation, &mut faults, &mut drift)?;
        }
        Ok(Self {
            config: c.clone(),
            layers,
            draw: Some(k),
            read_rng: RefCell::new(draw_rng(c.seed, streams::READ_NOISE, k)),
        })
    }

    /// Test-set evaluation through the crossbars, `config.eval_batch` images per call.
    pub fn evaluate(&self, model: &Model, data: &Dataset) -> Result<Evaluation> {
        evaluate_with(model, &model.weights(), self, data, self.config.eval_batch)
    }

    /// Snapshots of every layer.
    pub fn inspect(&self) -> Vec<LayerState> {
        self.layers.iter().map(|l| l.inspect()).collect()
    }
}

impl LayerExec for Crossbar {
    fn apply(&self, index: usize, spec: &LayerSpec, x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
        let layer = self.layers.get(index).filter(|l| l.name == spec.name && l.kind == spec.kind).ok_or_else(|| {
            Error::ModelFormat(format!(
                "layer {} is not deployed on this crossbar (deployed from another model?)",
                spec.name
            ))
        })?;
        if w.dims() != spec.kind.weight_shape().as_slice() {
            return Err(Error::ShapeMismatch {
                what: format!("{}.weight", spec.name),
                expected: spec.kind.weight_shape(),
                found: w.dims().to_vec(),
            });
        }
        if self.config.read_noise > 0.0 && self.draw.is_some() {
            let mut r = self.read_rng.borrow_mut();
            layer.forward(x, b, &self.config, Some(&mut r))
        } else {
            layer.forward(x, b, &self.config, None)
        }
    }
}

/// The outcome of a crossbar evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossbarAccuracy {
    /// Accuracy (percent) of each draw of non-idealities; one value when nothing is random.
    pub spread: Spread,
}

/// Accuracy on `data` over `draws` draws of the configured non-idealities (one evaluation
/// when the configuration has no randomness). `on_draw(k, accuracy)` may return `false` to
/// cancel. Draw k is the same whichever other draws run.
pub fn crossbar_accuracy(
    model: &Model,
    data: &Dataset,
    config: &CrossbarConfig,
    calibration: Option<&Dataset>,
    draws: usize,
    mut on_draw: impl FnMut(usize, f64) -> bool,
) -> Result<CrossbarAccuracy> {
    if draws == 0 || draws > 1000 {
        return Err(Error::invalid("draws", draws, "must be between 1 and 1000"));
    }
    let ideal = Crossbar::deploy(model, config, calibration)?;
    let n = if config.is_stochastic() { draws } else { 1 };
    let mut accs = Vec::with_capacity(n);
    for k in 0..n {
        let acc = ideal.realise(k as u64)?.evaluate(model, data)?.accuracy();
        accs.push(acc);
        if !on_draw(k, acc) {
            return Err(Error::Cancelled);
        }
    }
    Ok(CrossbarAccuracy { spread: Spread::of(accs) })
}
