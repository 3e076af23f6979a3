//! The stateless layer functions a forward pass is made of. Weights come in as arguments, so
//! the same code runs clean weights, noisy copies and crossbar-realised weights.

use candle_core::Tensor;

use crate::error::Result;
use crate::rng::{dropout_mask, EngineRng};

/// `x [n, in] . w[out, in]^T + b[out]`.
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    Ok(x.matmul(&w.t()?)?.broadcast_add(b)?)
}

/// 2-D convolution, stride 1: `x [n, c, h, w]`, `w [o, c, k, k]`, `b [o]`.
pub fn conv2d(x: &Tensor, w: &Tensor, b: &Tensor, padding: usize) -> Result<Tensor> {
    let y = x.conv2d(w, padding, 1, 1, 1)?;
    let o = b.dim(0)?;
    Ok(y.broadcast_add(&b.reshape((1, o, 1, 1))?)?)
}

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
