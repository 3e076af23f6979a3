//! The stateless layer functions without weights. The weighted layers (linear, convolution)
//! and max pooling are custom ops with their own backward passes, in [`super::ops`].

use candle_core::Tensor;

use crate::error::Result;
use crate::rng::{dropout_mask, EngineRng};

/// Inverted dropout: zero each activation with probability `p`, scale survivors by 1/(1-p).
/// The mask comes from the seeded `rng`, so training stays reproducible.
pub fn dropout(x: &Tensor, p: f32, rng: &mut EngineRng) -> Result<Tensor> {
    let mask = dropout_mask(rng, x.elem_count(), p);
    let mask = Tensor::from_vec(mask, x.shape(), x.device())?;
    Ok((x * mask)?)
}

/// Flattens everything after the batch dimension.
pub fn flatten(x: &Tensor) -> Result<Tensor> {
    Ok(x.flatten_from(1)?)
}
