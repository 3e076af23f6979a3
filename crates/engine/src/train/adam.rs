//! Adam with PyTorch's defaults and PyTorch's exact update order.
//!
//! Written over plain slices rather than tensors: candle's optimiser allocates a handful of
//! fresh tensors per parameter per step, which dominated small-MLP steps (and is worse in
//! wasm). Here the moments live in reused buffers and one copy per parameter goes back to
//! the variable.

use candle_core::{Tensor, Var};

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
    values: Vec<Vec<f32>>,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
}

impl Adam {
    pub fn new(params: &[Var], cfg: AdamConfig) -> Result<Self> {
        cfg.validate()?;
        let values = params
            .iter()
            .map(|p| p.as_tensor().flatten_all()?.to_vec1::<f32>())
            .collect::<candle_core::Result<Vec<_>>>()?;
        let m = values.iter().map(|v| vec![0.0; v.len()]).collect();
        let v = values.iter().map(|v| vec![0.0; v.len()]).collect();
        Ok(Self { cfg, step: 0, values, m, v })
    }

    /// One update of every variable from its gradient (aligned with `params`).
    pub fn step(&mut self, params: &[Var], grads: &[Tensor]) -> Result<()> {
        self.step += 1;
        let c = self.cfg;
        let bc1 = 1.0 - c.beta1.powi(self.step);
        let bc2_sqrt = (1.0 - c.beta2.powi(self.step)).sqrt();
        let step_size = (c.lr / bc1) as f32;
        let (b1, b2, eps) = (c.beta1 as f32, c.beta2 as f32, c.eps as f32);
        let bc2_sqrt = bc2_sqrt as f32;
        for (i, (p, g)) in params.iter().zip(grads).enumerate() {
            let g = g.flatten_all()?.to_vec1::<f32>()?;
            let (w, m, v) = (&mut self.values[i], &mut self.m[i], &mut self.v[i]);
            for j in 0..w.len() {
                m[j] = b1 * m[j] + (1.0 - b1) * g[j];
                v[j] = b2 * v[j] + (1.0 - b2) * g[j] * g[j];
                let denom = v[j].sqrt() / bc2_sqrt + eps;
                w[j] -= step_size * m[j] / denom;
            }
            p.set(&Tensor::from_slice(w, p.shape(), p.device())?)?;
        }
        Ok(())
    }
}
