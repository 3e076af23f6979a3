//! Training methods: plain, and the hardening remedies of the report.

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use crate::crossbar::fault_aware::faulty_weights_scaled;
use crate::crossbar::FaultConfig;
use crate::error::{Error, Result};
use crate::model::ParamKind;
use crate::noise::lognormal_factors;
use crate::rng::EngineRng;

/// How gradients reach the clean weights when the forward pass used perturbed ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum GradientVariant {
    /// Forward and backward at the noisy weights; that gradient is applied to the clean
    /// weights unchanged (perturb, step, restore). What matches the report.
    #[default]
    PerturbRestore,
    /// Gradients flow through w * exp(eps): the clean weight's gradient is exp(eps) times the
    /// noisy weight's.
    Reparameterised,
}

/// The loss a distilled student minimises against its teacher's softmax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DistillLoss {
    /// Mean squared error between the probability vectors (mean over all elements).
    Mse,
    /// KL(teacher || student), averaged over the batch.
    Kl,
}

/// What training optimises, and under what perturbation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Method {
    /// Cross-entropy at the clean weights.
    #[default]
    Standard,
    /// Cross-entropy with a fresh log-normal draw on every parameter at every step.
    NoiseInjection { std: f32, gradient: GradientVariant },
    /// A student trained under log-normal noise to match a clean teacher's softmax.
    Distillation { std: f32, loss: DistillLoss, gradient: GradientVariant },
    /// Fault-aware training (Part 2): cross-entropy with the weights a crossbar with a fresh
    /// stuck-at fault draw (proportions `lrs`, `hrs` per crossbar) would realise; biases stay
    /// digital. With `noise_std` > 0 a log-normal draw (perturb-restore) comes first.
    FaultAware { lrs: f64, hrs: f64, noise_std: f32 },
}

impl Method {
    pub fn validate(&self) -> Result<()> {
        match self {
            Method::Standard => Ok(()),
            Method::NoiseInjection { std, .. } | Method::Distillation { std, .. } => {
                if !(std.is_finite() && (0.0..=5.0).contains(std)) {
                    return Err(Error::invalid("training noise std", std, "must be in [0, 5]"));
                }
                Ok(())
            }
            Method::FaultAware { lrs, hrs, noise_std } => {
                FaultConfig { lrs: *lrs, hrs: *hrs }.validate()?;
                if !(noise_std.is_finite() && (0.0..=5.0).contains(noise_std)) {
                    return Err(Error::invalid("training noise std", noise_std, "must be in [0, 5]"));
                }
                Ok(())
            }
        }
    }

    /// A short label such as `noise-injection std 1 (perturb-restore)`.
    pub fn label(&self) -> String {
        match self {
            Method::Standard => "standard".into(),
            Method::NoiseInjection { std, gradient } => format!("noise-injection std {std} ({gradient:?})"),
            Method::Distillation { std, loss, gradient } => {
                format!("teacher-student {loss:?} std {std} ({gradient:?})")
            }
            Method::FaultAware { lrs, hrs, noise_std } if *noise_std > 0.0 => {
                format!("fault-aware lrs {lrs} hrs {hrs} + noise std {noise_std}")
            }
            Method::FaultAware { lrs, hrs, .. } => format!("fault-aware lrs {lrs} hrs {hrs}"),
        }
    }

    fn noise(&self) -> Option<(f32, GradientVariant)> {
        match *self {
            Method::Standard => None,
            Method::NoiseInjection { std, gradient } | Method::Distillation { std, gradient, .. } => {
                Some((std, gradient))
            }
            Method::FaultAware { noise_std, .. } if noise_std > 0.0 => {
                Some((noise_std, GradientVariant::PerturbRestore))
            }
            Method::FaultAware { .. } => None,
        }
    }

    /// The weights this step's forward pass uses, as a differentiable function of `clean`;
    /// `kinds` says which of them are weights and which biases (see [`Model::kinds`]).
    ///
    /// [`Model::kinds`]: crate::model::Model::kinds
    pub fn effective_weights(&self, clean: &[Tensor], kinds: &[ParamKind], rng: &mut EngineRng) -> Result<Vec<Tensor>> {
        if kinds.len() != clean.len() {
            return Err(Error::ModelFormat(format!("{} parameter kinds for {} tensors", kinds.len(), clean.len())));
        }
        let noisy = self.noisy_weights(clean, rng)?;
        match *self {
            // Weights sit on crossbars; biases stay digital.
            // The crossbar is mapped from the clean weights: w_max comes from them.
            Method::FaultAware { lrs, hrs, .. } => noisy
                .iter()
                .zip(clean)
                .zip(kinds)
                .map(|((w, c), kind)| {
                    if *kind == ParamKind::Weight {
                        let wm = c.detach().abs()?.max_all()?.to_scalar::<f32>()?.max(f32::MIN_POSITIVE);
                        faulty_weights_scaled(w, wm, FaultConfig { lrs, hrs }, rng)
                    } else {
                        Ok(w.clone())
                    }
                })
                .collect(),
            _ => Ok(noisy),
        }
    }

    fn noisy_weights(&self, clean: &[Tensor], rng: &mut EngineRng) -> Result<Vec<Tensor>> {
        let Some((std, gradient)) = self.noise() else { return Ok(clean.to_vec()) };
        clean
            .iter()
            .map(|w| {
                let factors = Tensor::from_vec(lognormal_factors(rng, w.elem_count(), std), w.shape(), w.device())?;
                Ok(match gradient {
                    // value w*f, derivative 1: the noisy weights' gradient lands on w unchanged
                    GradientVariant::PerturbRestore => (w + (w.detach() * (factors - 1.0)?)?.detach())?,
                    GradientVariant::Reparameterised => (w * factors)?,
                })
            })
            .collect()
    }
}
