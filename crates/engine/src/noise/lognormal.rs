//! Log-normal ("exponential Gaussian") weight noise: w' = w * exp(eps), eps ~ N(0, std^2),
//! independently for every parameter, weights and biases alike. The usual model of
//! memristor conductance variation: the error is relative to the weight's size.

use candle_core::Tensor;

use crate::error::{Error, Result};
use crate::rng::{normal_vec, EngineRng};

/// `n` factors exp(eps), eps ~ N(0, std^2).
pub fn lognormal_factors(rng: &mut EngineRng, n: usize, std: f32) -> Vec<f32> {
    let mut v = normal_vec(rng, n, std);
    v.iter_mut().for_each(|e| *e = e.exp());
    v
}

/// Checks a noise strength.
pub fn validate_std(std: f32) -> Result<()> {
    if !std.is_finite() || !(0.0..=10.0).contains(&std) {
        return Err(Error::invalid("noise std", std, "must be a number in [0, 10]"));
    }
    Ok(())
}

/// A noisy copy of `weights`; the originals are not touched.
pub fn perturb(weights: &[Tensor], std: f32, rng: &mut EngineRng) -> Result<Vec<Tensor>> {
    validate_std(std)?;
    weights
        .iter()
        .map(|w| {
            let f = Tensor::from_vec(lognormal_factors(rng, w.elem_count(), std), w.shape(), w.device())?;
            Ok((w.detach() * f)?)
        })
        .collect()
}
