//! A model's class probabilities for one image read through simulated crossbars: the drawn
//! digit as a faulty, quantised chip would read it, over draws of the non-idealities.

use super::network::Crossbar;
use crate::error::{Error, Result};
use crate::model::{DigitalLayers, Model, CLASSES};
use crate::noise::probabilities::{digit_batch, mean_sd, softmax_with, Probabilities};

/// The probabilities of `image` (784 MNIST bytes, 0 = background) under `model`: `clean`
/// with digital layers, `mean` and `sd` over `draws` draws of `ideal`'s non-idealities
/// (draw k realised as [`Crossbar::realise`] does for the accuracy readout; one reading,
/// draw 0, when nothing in the configuration is random). `ideal` is `model` deployed, not realised.
pub fn crossbar_class_probabilities(
    model: &Model,
    image: &[u8],
    ideal: &Crossbar,
    draws: usize,
) -> Result<Probabilities> {
    if draws == 0 || draws > 1000 {
        return Err(Error::invalid("draws", draws, "must be between 1 and 1000"));
    }
    let x = digit_batch(model, image)?;
    let weights = model.weights();
    let clean = softmax_with(model, &weights, &x, &DigitalLayers)?;
    let readings: Vec<[f32; CLASSES]> = if ideal.config.is_stochastic() {
        (0..draws as u64).map(|k| softmax_with(model, &weights, &x, &ideal.realise(k)?)).collect::<Result<_>>()?
    } else {
        // still realised: finite levels and a spread-free drift are not random, but they act
        vec![softmax_with(model, &weights, &x, &ideal.realise(0)?)?]
    };
    let (mean, sd) = mean_sd(&readings);
    Ok(Probabilities { clean, mean, sd })
}
