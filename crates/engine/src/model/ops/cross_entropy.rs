//! Softmax cross-entropy of logits against class labels, batch mean, as one op.
//!
//! candle-nn's `cross_entropy` is `log_softmax` then `nll`: five or more ops forward, each with
//! its own backward and temporary tensor. The fused gradient is `(softmax - onehot) / n`.

use candle_core::{CpuStorage, CustomOp2, Layout, Shape, Tensor};

use super::storage::{slice, tensor, with_slice};
use crate::error::{Error, Result};

/// Mean over the batch of `-log softmax(logits)[label]`; `logits [n, c]`, `labels [n]` (u32).
pub fn cross_entropy(logits: &Tensor, labels: &Tensor) -> Result<Tensor> {
    let (n, _) = logits.dims2()?;
    if labels.dims() != [n] || labels.dtype() != candle_core::DType::U32 {
        return Err(Error::ShapeMismatch {
            what: "cross-entropy labels (u32)".into(),
            expected: vec![n],
            found: labels.dims().to_vec(),
        });
    }
    Ok(logits.contiguous()?.apply_op2(&labels.contiguous()?, CrossEntropy)?)
}

struct CrossEntropy;

/// `row` turned into its log-softmax in place; returns nothing.
fn log_softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = row.iter().map(|v| (v - max).exp()).sum();
    let log_sum = sum.ln() + max;
    row.iter_mut().for_each(|v| *v -= log_sum);
}

impl CustomOp2 for CrossEntropy {
    fn name(&self) -> &'static str {
        "cross-entropy"
    }

    fn cpu_fwd(
        &self,
        ls: &CpuStorage,
        ll: &Layout,
        ys: &CpuStorage,
        yl: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (n, c) = ll.shape().dims2()?;
        let (logits, labels) = (slice::<f32>(ls, ll, "logits")?, slice::<u32>(ys, yl, "labels")?);
        let mut row = vec![0.0f32; c];
        let mut total = 0.0f32;
        for (r, &y) in logits.chunks_exact(c).zip(labels) {
            if y as usize >= c {
                candle_core::bail!("label {y} is not a class of {c}");
            }
            row.copy_from_slice(r);
            log_softmax(&mut row);
            total -= row[y as usize];
        }
        Ok((CpuStorage::F32(vec![total / n as f32]), Shape::from(())))
    }

    fn bwd(
        &self,
        logits: &Tensor,
        labels: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let (n, c) = logits.dims2()?;
        let scale = grad.to_scalar::<f32>()? / n as f32;
        let mut g = with_slice::<f32, _>(logits, "logits", |l| l.to_vec())?;
        with_slice::<u32, _>(labels, "labels", |labels| {
            for (row, &y) in g.chunks_exact_mut(c).zip(labels) {
                log_softmax(row);
                row.iter_mut().for_each(|v| *v = v.exp() * scale);
                row[y as usize] -= scale;
            }
        })?;
        Ok((Some(tensor(g, (n, c))?), None))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;
    use crate::rng::{normal_vec, rng};

    #[test]
    fn cross_entropy_matches_candle_nn_in_value_and_gradient() {
        for (n, c, spread) in [(64, 10, 1.0), (5, 10, 30.0), (1, 3, 0.1)] {
            let l = normal_vec(&mut rng(n as u64, 0), n * c, spread);
            let logits = Var::from_tensor(&Tensor::from_vec(l, (n, c), &Device::Cpu).unwrap()).unwrap();
            let labels: Vec<u32> = (0..n as u32).map(|i| (i * 7) % c as u32).collect();
            let labels = Tensor::from_vec(labels, n, &Device::Cpu).unwrap();
            let ours = cross_entropy(&logits, &labels).unwrap();
            let reference = candle_nn::loss::cross_entropy(&logits, &labels).unwrap();
            let (a, b) = (ours.to_scalar::<f32>().unwrap(), reference.to_scalar::<f32>().unwrap());
            assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "loss {a} vs {b}");
            let g1 = (ours * 3.0).unwrap().backward().unwrap();
            let g2 = (reference * 3.0).unwrap().backward().unwrap();
            let d = (g1.get(logits.as_tensor()).unwrap() - g2.get(logits.as_tensor()).unwrap())
                .unwrap()
                .abs()
                .unwrap()
                .flatten_all()
                .unwrap()
                .max(0)
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(d < 1e-6, "gradient differs by {d}");
        }
    }

    #[test]
    fn a_label_outside_the_classes_is_refused() {
        let logits = Tensor::zeros((2, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
        let labels = Tensor::from_vec(vec![0u32, 3], 2, &Device::Cpu).unwrap();
        let err = cross_entropy(&logits, &labels).unwrap_err();
        assert!(err.to_string().contains("label 3"), "{err}");
    }
}
