//! A model's class probabilities for one image, clean and under log-normal weight noise: what a
//! student sees when the network reads a digit they drew, and how sure it stays as σ grows.

use candle_core::{Device, Tensor};

use super::lognormal::perturb;
use super::noisy_eval::NoiseConfig;
use crate::data::{Batcher, Dataset, IdxImages};
use crate::error::Result;
use crate::model::{DigitalLayers, LayerExec, Model, Pass, CLASSES, IMAGE_SIDE, INPUTS};
use crate::rng::{draw_rng, stream};

/// Softmax probabilities per class.
#[derive(Clone, Debug, PartialEq)]
pub struct Probabilities {
    /// With the trained weights.
    pub clean: [f32; CLASSES],
    /// Mean over the noise draws (the clean ones when σ is 0).
    pub mean: [f32; CLASSES],
    /// Standard deviation over the draws (sample sd; 0 with fewer than 2 draws).
    pub sd: [f32; CLASSES],
}

/// The probabilities of `image` (784 MNIST bytes, 0 = background) under `model`, clean and
/// over `cfg.draws` noise draws. Draw `k` perturbs the weights exactly as draw `k` of
/// `noisy_accuracy_draw` with the same seed does, so the digit is read by the same noisy
/// networks that the accuracy readout measured.
pub fn class_probabilities(model: &Model, image: &[u8], cfg: &NoiseConfig) -> Result<Probabilities> {
    cfg.validate()?;
    let x = digit_batch(model, image)?;
    let clean = softmax_with(model, &model.weights(), &x, &DigitalLayers)?;
    if cfg.std == 0.0 {
        return Ok(Probabilities { clean, mean: clean, sd: [0.0; CLASSES] });
    }
    let mut draws = Vec::with_capacity(cfg.draws);
    for k in 0..cfg.draws {
        let mut r = draw_rng(cfg.seed, stream::EVAL_NOISE, k as u64);
        draws.push(softmax_with(model, &perturb(&model.weights(), cfg.std, &mut r)?, &x, &DigitalLayers)?);
    }
    let (mean, sd) = mean_sd(&draws);
    Ok(Probabilities { clean, mean, sd })
}

/// `image` (784 MNIST bytes, 0 = background) as a batch of one, preprocessed and shaped as
/// `model` reads its inputs.
pub fn digit_batch(model: &Model, image: &[u8]) -> Result<Tensor> {
    if image.len() != INPUTS {
        return Err(crate::error::Error::ShapeMismatch {
            what: "digit image".into(),
            expected: vec![INPUTS],
            found: vec![image.len()],
        });
    }
    let images = IdxImages { count: 1, rows: IMAGE_SIDE, cols: IMAGE_SIDE, pixels: image.to_vec() };
    let one = Dataset::new(images, vec![0])?;
    let (x, _) =
        Batcher::new(&one, model.config.preprocessing, model.config.arch.example_shape()).range(0, 1, &Device::Cpu)?;
    Ok(x)
}

/// The softmax of `model`'s output for the batch of one `x`, with `weights` and the weighted
/// layers computed by `exec` (digital, or a crossbar).
pub fn softmax_with(model: &Model, weights: &[Tensor], x: &Tensor, exec: &dyn LayerExec) -> Result<[f32; CLASSES]> {
    let logits = model.forward_with(weights, x, &mut Pass { dropout: None, exec })?.flatten_all()?.to_vec1::<f32>()?;
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f64> = logits.iter().map(|&l| ((l - top) as f64).exp()).collect();
    let total: f64 = exp.iter().sum();
    let mut p = [0.0f32; CLASSES];
    for (o, e) in p.iter_mut().zip(&exp) {
        *o = (e / total) as f32;
    }
    Ok(p)
}

/// Per class, the mean and the sample sd (0 with fewer than 2 draws) over `draws`.
pub fn mean_sd(draws: &[[f32; CLASSES]]) -> ([f32; CLASSES], [f32; CLASSES]) {
    let n = draws.len() as f64;
    let (mut mean, mut sd) = ([0.0f32; CLASSES], [0.0f32; CLASSES]);
    if draws.is_empty() {
        return (mean, sd);
    }
    for c in 0..CLASSES {
        let m = draws.iter().map(|d| d[c] as f64).sum::<f64>() / n;
        let var = if draws.len() > 1 {
            draws.iter().map(|d| (d[c] as f64 - m).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        mean[c] = m as f32;
        sd[c] = var.sqrt() as f32;
    }
    (mean, sd)
}
