//! A fully connected layer, `y = x . w^T + b`, optionally with a ReLU, as one op.
//!
//! Forward writes the bias into the output and lets the matrix product accumulate onto it.
//! Backward gets the weight gradient directly in `w`'s `[out, in]` layout (`g^T . x`), the bias
//! gradient as column sums, and the input gradient only when the input takes part in the
//! graph: the first layer's input is the image batch, whose gradient nobody reads.

use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};

use super::gemm::{matmul, product, Mat};
use super::param_grads::ParamGrads;
use super::relu::relu_in_place;
use super::storage::{slice, tensor, with_slice};
use crate::error::{Error, Result};

/// `x [n, in] . w[out, in]^T + b[out]`, then ReLU if `relu`.
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor, relu: bool) -> Result<Tensor> {
    let (n, inputs) = x.dims2()?;
    let (outputs, w_in) = w.dims2()?;
    if w_in != inputs || b.dims() != [outputs] {
        return Err(Error::ShapeMismatch {
            what: "linear layer".into(),
            expected: vec![n, inputs, outputs],
            found: [x.dims(), w.dims(), b.dims()].concat(),
        });
    }
    let op = Linear { relu, input_grad: x.track_op(), sink: ParamGrads::for_params(w, b) };
    Ok(x.contiguous()?.apply_op3(&w.contiguous()?, &b.contiguous()?, op)?)
}

struct Linear {
    relu: bool,
    input_grad: bool,
    /// Where the weight and bias gradients go when both are variables and a trainer gathers.
    sink: Option<ParamGrads>,
}

impl CustomOp3 for Linear {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ws: &CpuStorage,
        wl: &Layout,
        bs: &CpuStorage,
        bl: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (n, inputs) = xl.shape().dims2()?;
        let (outputs, _) = wl.shape().dims2()?;
        let (x, w, b) =
            (slice::<f32>(xs, xl, "linear x")?, slice::<f32>(ws, wl, "linear w")?, slice(bs, bl, "linear b")?);
        let mut y = Vec::with_capacity(n * outputs);
        for _ in 0..n {
            y.extend_from_slice(b);
        }
        matmul(&mut y, Mat::rows(x, n, inputs), Mat::transposed(w, inputs, outputs), true);
        if self.relu {
            relu_in_place(&mut y);
        }
        Ok((CpuStorage::F32(y), Shape::from((n, outputs))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (n, inputs) = x.dims2()?;
        let (outputs, _) = w.dims2()?;
        // The gradient before the ReLU: zero where the output was clipped.
        let g: Vec<f32> = with_slice::<f32, _>(grad, "linear grad", |g| {
            if self.relu {
                with_slice::<f32, _>(res, "linear output", |y| {
                    g.iter().zip(y).map(|(&g, &y)| if y > 0.0 { g } else { 0.0 }).collect()
                })
            } else {
                Ok(g.to_vec())
            }
        })??;
        let mut gb = vec![0.0f32; outputs];
        for row in g.chunks_exact(outputs) {
            gb.iter_mut().zip(row).for_each(|(acc, v)| *acc += v);
        }
        let gw =
            with_slice::<f32, _>(x, "linear x", |x| product(Mat::transposed(&g, outputs, n), Mat::rows(x, n, inputs)))?;
        let gx = if self.input_grad {
            let gx = with_slice::<f32, _>(w, "linear w", |w| {
                product(Mat::rows(&g, n, outputs), Mat::rows(w, outputs, inputs))
            })?;
            Some(tensor(gx, (n, inputs))?)
        } else {
            None
        };
        if let Some(sink) = &self.sink {
            sink.add(w.id(), gw);
            sink.add(b.id(), gb);
            return Ok((gx, None, None));
        }
        Ok((gx, Some(tensor(gw, (outputs, inputs))?), Some(tensor(gb, outputs)?)))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;
    use crate::model::ops::test_util::{max_diff, randn};

    /// Values and all three gradients against candle's composed `matmul(w.t()) + b (+ relu)`,
    /// at the report MLP's shapes, LeNet's classifier shapes and odd ones.
    #[test]
    fn linear_matches_candle_composed_ops_in_values_and_gradients() {
        for (n, i, o) in [(64, 784, 256), (7, 400, 120), (1, 3, 5), (33, 128, 10)] {
            for relu in [false, true] {
                let x = Var::from_tensor(&randn(&[n, i], 1)).unwrap();
                let w = Var::from_tensor(&randn(&[o, i], 2)).unwrap();
                let b = Var::from_tensor(&randn(&[o], 3)).unwrap();
                let ours = linear(&x, &w, &b, relu).unwrap();
                let mut reference = x.matmul(&w.t().unwrap()).unwrap().broadcast_add(&b).unwrap();
                if relu {
                    reference = reference.relu().unwrap();
                }
                let tol = 1e-4 * (i as f32).sqrt();
                assert!(max_diff(&ours, &reference) < tol, "values differ for {:?}", (n, i, o, relu));
                let weights = randn(&[n, o], 4);
                let g1 = (ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
                let g2 = (reference * &weights).unwrap().sum_all().unwrap().backward().unwrap();
                for (v, name) in [(&x, "x"), (&w, "w"), (&b, "b")] {
                    let (a, r) = (g1.get(v.as_tensor()).unwrap(), g2.get(v.as_tensor()).unwrap());
                    assert!(max_diff(a, r) < tol * (n as f32).sqrt(), "{name} gradient differs for {:?}", (n, i, o));
                }
            }
        }
    }

    /// An input outside the graph (the image batch) gets no gradient: that product is skipped.
    #[test]
    fn an_input_that_is_not_tracked_gets_no_gradient() {
        let x = randn(&[4, 6], 1);
        let w = Var::from_tensor(&randn(&[3, 6], 2)).unwrap();
        let b = Var::from_tensor(&randn(&[3], 3)).unwrap();
        let grads = linear(&x, &w, &b, true).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(grads.get(&x).is_none());
        assert!(grads.get(w.as_tensor()).is_some() && grads.get(b.as_tensor()).is_some());
    }

    #[test]
    fn mismatched_shapes_are_refused() {
        let err = linear(&randn(&[2, 5], 1), &randn(&[3, 4], 2), &randn(&[3], 3), false).unwrap_err();
        assert!(err.to_string().contains("linear layer"), "{err}");
    }
}
