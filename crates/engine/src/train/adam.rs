//! Adam with PyTorch's defaults and PyTorch's update, written into the variables in place.
//!
//! candle's optimiser allocates a handful of fresh tensors per parameter per step, which
//! dominated small-MLP steps (and is worse in wasm). Here the moments live in flat buffers, and
//! the update runs as an in-place op over the variable's own storage: no copies in or out, and
//! one loop over zipped slices that the compiler vectorises (natively, and with wasm simd128).

use std::cell::RefCell;

use candle_core::{CpuStorage, InplaceOp2, Layout, Tensor, Var};

use crate::error::{Error, Result};

/// Adam hyper-parameters. Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }
    }
}

impl AdamConfig {
    pub fn validate(&self) -> Result<()> {
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr <= 10.0) {
            return Err(Error::invalid("learning rate", self.lr, "must be in (0, 10]"));
        }
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::invalid(name, b, "must be in [0, 1)"));
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::invalid("eps", self.eps, "must be positive"));
        }
        Ok(())
    }
}

/// Optimiser state for a list of variables.
pub struct Adam {
    cfg: AdamConfig,
    step: i32,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
}

impl Adam {
    pub fn new(params: &[Var], cfg: AdamConfig) -> Result<Self> {
        cfg.validate()?;
        let m: Vec<Vec<f32>> = params.iter().map(|p| vec![0.0; p.elem_count()]).collect();
        Ok(Self { cfg, step: 0, v: m.clone(), m })
    }

    /// One update of every variable from its gradient (aligned with `params`).
    pub fn step(&mut self, params: &[Var], grads: &[Tensor]) -> Result<()> {
        if params.len() != self.m.len() || grads.len() != params.len() {
            return Err(Error::ModelFormat(format!(
                "Adam holds {} moments, got {} variables and {} gradients",
                self.m.len(),
                params.len(),
                grads.len()
            )));
        }
        self.step += 1;
        let c = self.cfg;
        // PyTorch computes these scalars in double precision, then the update in f32.
        let bias_correction1 = 1.0 - c.beta1.powi(self.step);
        let bias_correction2_sqrt = (1.0 - c.beta2.powi(self.step)).sqrt();
        for ((p, g), (m, v)) in params.iter().zip(grads).zip(self.m.iter_mut().zip(self.v.iter_mut())) {
            if g.dims() != p.dims() {
                return Err(Error::ShapeMismatch {
                    what: "gradient".into(),
                    expected: p.dims().to_vec(),
                    found: g.dims().to_vec(),
                });
            }
            let update = AdamUpdate {
                m: RefCell::new(m),
                v: RefCell::new(v),
                one_minus_beta1: (1.0 - c.beta1) as f32,
                beta2: c.beta2 as f32,
                one_minus_beta2: (1.0 - c.beta2) as f32,
                step_size: (c.lr / bias_correction1) as f32,
                bias_correction2_sqrt: bias_correction2_sqrt as f32,
                eps: c.eps as f32,
            };
            p.as_tensor().inplace_op2(&g.contiguous()?, &update)?;
        }
        Ok(())
    }
}

/// One parameter's update, applied to its storage in place.
struct AdamUpdate<'a> {
    m: RefCell<&'a mut Vec<f32>>,
    v: RefCell<&'a mut Vec<f32>>,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    step_size: f32,
    bias_correction2_sqrt: f32,
    eps: f32,
}

impl InplaceOp2 for AdamUpdate<'_> {
    fn name(&self) -> &'static str {
        "adam-update"
    }

    fn cpu_fwd(&self, ps: &mut CpuStorage, pl: &Layout, gs: &CpuStorage, gl: &Layout) -> candle_core::Result<()> {
        let (Some((p0, p1)), Some((g0, g1))) = (pl.contiguous_offsets(), gl.contiguous_offsets()) else {
            candle_core::bail!("adam-update: parameter and gradient must be contiguous");
        };
        let (CpuStorage::F32(p), CpuStorage::F32(g)) = (ps, gs) else {
            candle_core::bail!("adam-update: parameter and gradient must be f32");
        };
        let (p, g) = (&mut p[p0..p1], &g[g0..g1]);
        let (mut m, mut v) = (self.m.borrow_mut(), self.v.borrow_mut());
        if p.len() != m.len() || g.len() != m.len() {
            candle_core::bail!("adam-update: {} moments for {} values and {} gradients", m.len(), p.len(), g.len());
        }
        // PyTorch's single-tensor Adam, operation for operation:
        //   m.lerp_(g, 1 - b1); v.mul_(b2).addcmul_(g, g, 1 - b2);
        //   denom = v.sqrt() / sqrt(bc2) + eps; p.addcdiv_(m, denom, -step_size)
        // with ATen's scalar kernels' evaluation order (addcmul: v + (w * g) * g; addcdiv:
        // p + (s * m) / d; lerp with a weight below 0.5: m + w * (g - m)). Vectorised ATen
        // kernels may fuse a multiply-add, so agreement with PyTorch is to rounding, not bits.
        let (w1, b2, w2) = (self.one_minus_beta1, self.beta2, self.one_minus_beta2);
        let (step_size, bc2, eps) = (self.step_size, self.bias_correction2_sqrt, self.eps);
        for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            *m += w1 * (g - *m);
            *v = *v * b2 + w2 * g * g;
            let denom = v.sqrt() / bc2 + eps;
            *p += -step_size * *m / denom;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    /// The in-place update against the textbook formulas in f64, over several steps.
    #[test]
    fn updates_the_variable_in_place_as_adam_defines() {
        let start = [0.5f32, -1.0, 2.0, 0.0];
        let var = Var::from_slice(&start, 4, &Device::Cpu).unwrap();
        let alias = var.as_tensor().clone();
        let mut adam = Adam::new(std::slice::from_ref(&var), AdamConfig::default()).unwrap();
        let (mut w, mut m, mut v) = (start.map(f64::from), [0.0f64; 4], [0.0f64; 4]);
        for step in 1..=5 {
            let g = [0.1f32 * step as f32, -0.3, 1e-3, 4.0];
            adam.step(std::slice::from_ref(&var), &[Tensor::from_slice(&g, 4, &Device::Cpu).unwrap()]).unwrap();
            for j in 0..4 {
                let gj = g[j] as f64;
                m[j] = 0.9 * m[j] + 0.1 * gj;
                v[j] = 0.999 * v[j] + 0.001 * gj * gj;
                let (mh, vh) = (m[j] / (1.0 - 0.9f64.powi(step)), v[j] / (1.0 - 0.999f64.powi(step)));
                w[j] -= 1e-3 * mh / (vh.sqrt() + 1e-8);
            }
        }
        // The tensor cloned before the steps shares the variable's storage: updated too.
        let got = alias.to_vec1::<f32>().unwrap();
        for (g, e) in got.iter().zip(w) {
            assert!((*g as f64 - e).abs() < 1e-6, "{g} vs {e}");
        }
        assert_ne!(got, start.to_vec());
    }

    #[test]
    fn a_gradient_of_the_wrong_shape_is_refused() {
        let var = Var::from_slice(&[1.0f32, 2.0], 2, &Device::Cpu).unwrap();
        let mut adam = Adam::new(std::slice::from_ref(&var), AdamConfig::default()).unwrap();
        let g = Tensor::from_slice(&[1.0f32, 2.0, 3.0], 3, &Device::Cpu).unwrap();
        assert!(adam.step(std::slice::from_ref(&var), &[g]).is_err());
    }
}
