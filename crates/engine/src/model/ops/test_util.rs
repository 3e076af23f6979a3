//! What the kernels' tests share: seeded random tensors and the largest difference of two.

use candle_core::{Device, Tensor};

use crate::rng::{normal_vec, rng};

/// A tensor of `shape` with N(0, 1) entries from the engine's seeded generator.
pub(crate) fn randn(shape: &[usize], seed: u64) -> Tensor {
    let n = shape.iter().product();
    Tensor::from_vec(normal_vec(&mut rng(seed, 0), n, 1.0), shape, &Device::Cpu).unwrap()
}

/// The largest absolute element-wise difference.
pub(crate) fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f32>().unwrap()
}
