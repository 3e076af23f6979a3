//! Random directions in weight space, normalised filter by filter as in Li et al., "Visualizing
//! the Loss Landscape of Neural Nets" (NeurIPS 2018): each filter of the direction (an output
//! row of a Linear weight, an output channel of a Conv2d kernel) is rescaled to the norm of the
//! matching filter of the weights, so a step of size 1 is as large, relative to each filter, as
//! the filter itself. That makes landscapes of differently scaled networks comparable.
//!
//! Biases get a zero direction: the paper's `ignore biasbn` setting, which its published
//! figures use; their scale is not meaningful filter by filter.

use candle_core::Tensor;

use crate::error::Result;
use crate::model::{Model, ParamKind};
use crate::rng::{draw_rng, normal_vec, stream};

/// Frobenius norm of each filter (leading-dimension slice) of `t`.
pub fn filter_norms(t: &Tensor) -> Result<Vec<f32>> {
    let rows = t.dim(0)?;
    let v = t.flatten_all()?.to_vec1::<f32>()?;
    let per = v.len() / rows.max(1);
    Ok(v.chunks(per.max(1)).map(|c| c.iter().map(|x| x * x).sum::<f32>().sqrt()).collect())
}

/// Direction number `k` (0 = x axis, 1 = y axis) for `model`, from `seed`. Depends only on the
/// seed, the architecture and the weights' filter norms: the same seed gives the same
/// directions, and a copy of a model gets the same directions as the model.
pub fn filter_normalised_direction(model: &Model, seed: u64, k: u64) -> Result<Vec<Tensor>> {
    let mut rng = draw_rng(seed, stream::DIRECTIONS, k);
    let weights = model.weights();
    let mut out = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        // Draw for every parameter, even biases, so a direction's weights do not depend on
        // whether biases are used.
        let mut d = normal_vec(&mut rng, w.elem_count(), 1.0);
        if model.kinds()[i] == ParamKind::Bias {
            d.iter_mut().for_each(|x| *x = 0.0);
        } else {
            let norms = filter_norms(w)?;
            let per = d.len() / norms.len();
            for (f, chunk) in d.chunks_mut(per).enumerate() {
                let dn = chunk.iter().map(|x| x * x).sum::<f32>().sqrt();
                let scale = if dn > 0.0 { norms[f] / dn } else { 0.0 };
                chunk.iter_mut().for_each(|x| *x *= scale);
            }
        }
        out.push(Tensor::from_vec(d, w.shape(), w.device())?);
    }
    Ok(out)
}
