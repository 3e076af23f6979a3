//! Reading a custom op's operands as flat `f32` (or `u32`) slices.

use candle_core::{bail, CpuStorage, Layout, Storage, Tensor, WithDType};

/// The contiguous elements an operand's layout addresses. Callers make operands contiguous
/// before applying an op, so a strided layout here is a bug worth a loud error.
pub(crate) fn slice<'a, T: WithDType>(s: &'a CpuStorage, l: &Layout, what: &str) -> candle_core::Result<&'a [T]> {
    let data = s.as_slice::<T>()?;
    match l.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => bail!("{what}: expected a contiguous tensor, got strides {:?}", l.stride()),
    }
}

/// Runs `f` over a CPU tensor's elements (made contiguous first if needed), without a copy
/// when the tensor already is.
pub(crate) fn with_slice<T: WithDType, R>(t: &Tensor, what: &str, f: impl FnOnce(&[T]) -> R) -> candle_core::Result<R> {
    let t = t.contiguous()?;
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(cpu) => Ok(f(slice(cpu, layout, what)?)),
        _ => bail!("{what}: the engine's kernels run on the CPU only"),
    }
}

/// A tensor of `shape` around `data` on the CPU.
pub(crate) fn tensor<S: Into<candle_core::Shape>>(data: Vec<f32>, shape: S) -> candle_core::Result<Tensor> {
    Tensor::from_vec(data, shape, &candle_core::Device::Cpu)
}
