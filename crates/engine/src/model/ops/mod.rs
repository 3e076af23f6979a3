//! Training kernels as candle custom ops with hand-written backward passes.
//!
//! candle composes a layer from generic ops (matmul, transpose, broadcast add, relu, ...) and
//! differentiates each one: the transposed weight's gradient goes through a strided add, the
//! bias gradient through a slow reduction, the first layer's input gradient is computed and
//! thrown away, and every intermediate is a fresh tensor. These ops do each layer's forward
//! and backward in one place, over flat slices, with `gemm` (the crate candle's own matmul
//! uses) for the products. Models stay candle tensors: the ops plug into candle's autograd
//! through `CustomOp{1,2,3}::bwd`, and each op is tested against the composed candle ops it
//! replaces (values and gradients).

pub(crate) mod gemm;
pub(crate) mod relu;
pub(crate) mod storage;

pub mod conv;
#[cfg(test)]
pub(crate) mod test_util;

pub mod cross_entropy;
pub mod linear;
pub mod param_grads;
pub mod pool;

pub use conv::conv2d;
pub use cross_entropy::cross_entropy;
pub use gemm::{kernel_family, one_thread};
pub use linear::linear;
pub use param_grads::ParamGrads;
pub use pool::max_pool2;
