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
///
/// Done as im2col (a gather of every k x k patch) and one matmul rather than with candle's
/// `conv2d`: the gather's backward is a scatter-add and the matmul's is two more matmuls,
/// while candle's convolution backward (a transposed convolution) made LeNet training several
/// times slower than the matmuls it needs. Same result up to float rounding (tested below).
pub fn conv2d(x: &Tensor, w: &Tensor, b: &Tensor, padding: usize) -> Result<Tensor> {
    let (n, c, h, wd) = x.dims4()?;
    let (o, _, k, _) = w.dims4()?;
    let xp = if padding > 0 {
        x.pad_with_zeros(2, padding, padding)?.pad_with_zeros(3, padding, padding)?
    } else {
        x.clone()
    };
    let (hp, wp) = (h + 2 * padding, wd + 2 * padding);
    let (oh, ow) = (hp + 1 - k, wp + 1 - k);
    let f = c * k * k;
    let idx = Tensor::from_vec(patch_index(c, hp, wp, k), oh * ow * f, x.device())?;
    let patches = xp.flatten_from(1)?.index_select(&idx, 1)?.reshape((n * oh * ow, f))?;
    let y = patches.matmul(&w.reshape((o, f))?.t()?)?.broadcast_add(b)?;
    Ok(y.reshape((n, oh, ow, o))?.permute((0, 3, 1, 2))?.contiguous()?)
}

/// For each output position (row-major) and each (channel, kernel row, kernel column), the
/// flat index of the input pixel in a `[c, hp, wp]` (already padded) image.
fn patch_index(c: usize, hp: usize, wp: usize, k: usize) -> Vec<u32> {
    let (oh, ow) = (hp + 1 - k, wp + 1 - k);
    let mut idx = Vec::with_capacity(oh * ow * c * k * k);
    for oy in 0..oh {
        for ox in 0..ow {
            for ch in 0..c {
                for ky in 0..k {
                    for kx in 0..k {
                        idx.push(((ch * hp + oy + ky) * wp + ox + kx) as u32);
                    }
                }
            }
        }
    }
    idx
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

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;
    use crate::rng::{normal_vec, rng};

    fn randn(shape: &[usize], seed: u64) -> Tensor {
        let n = shape.iter().product();
        Tensor::from_vec(normal_vec(&mut rng(seed, 0), n, 1.0), shape, &Device::Cpu).unwrap()
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f32>().unwrap()
    }

    /// The im2col convolution against candle's own conv2d, values and gradients, with and
    /// without padding, for LeNet's and the example CNN's layer shapes.
    #[test]
    fn im2col_convolution_matches_candle_conv2d_and_its_gradients() {
        for (n, c, h, o, k, pad) in [(3, 1, 28, 6, 5, 2), (2, 6, 14, 16, 5, 0), (2, 32, 9, 4, 3, 0)] {
            let x = Var::from_tensor(&randn(&[n, c, h, h], 1)).unwrap();
            let w = Var::from_tensor(&randn(&[o, c, k, k], 2)).unwrap();
            let b = Var::from_tensor(&randn(&[o], 3)).unwrap();
            let ours = conv2d(&x, &w, &b, pad).unwrap();
            let reference =
                x.conv2d(&w, pad, 1, 1, 1).unwrap().broadcast_add(&b.reshape((1, o, 1, 1)).unwrap()).unwrap();
            assert_eq!(ours.dims(), reference.dims());
            assert!(max_diff(&ours, &reference) < 1e-4, "values differ for {:?}", (n, c, h, o, k, pad));
            // Weighted sums make every output position matter in the gradients.
            let weights = randn(ours.dims(), 4);
            let g1 = (ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            let g2 = (reference * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            for v in [&x, &w, &b] {
                let (a, r) = (g1.get(v.as_tensor()).unwrap(), g2.get(v.as_tensor()).unwrap());
                assert!(max_diff(a, r) < 1e-3, "gradient differs for {:?}", (n, c, h, o, k, pad));
            }
        }
    }
}
