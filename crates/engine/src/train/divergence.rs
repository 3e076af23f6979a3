//! Divergence detection: the rule that ends a run whose loss has run away, NaN or not.
//!
//! A run has diverged when a step's loss is
//! - NaN or infinite;
//! - above [`DivergenceConfig::max_loss`] (10^30: one more step from f32 overflow);
//! - more than [`DivergenceConfig::spike_factor`] (10^6) times the first step's loss, the
//!   untrained network's: a learning rate of 10 takes the report's MLP from 2.31 to 4.6e8 at
//!   step 2, while noise-injection training at std 5 never strays 10^5 from its first step;
//! - or, after [`DivergenceConfig::warmup_steps`] steps, when the smoothed loss stays above
//!   [`DivergenceConfig::max_growth`] (10) times the median loss of the warm-up steps:
//!   training that makes the loss ten times worse than where it started is not training.
//!   The smoothing is an exponential moving average of log(loss), so that the heavy-tailed
//!   losses of training under strong noise (single steps 10^5 above the median at std 5) do
//!   not count as growth.
//!
//! Fed one loss per optimisation step: `guard.observe(epoch, step, loss)?`.

use crate::error::{Error, Result};

/// The thresholds of a [`DivergenceGuard`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DivergenceConfig {
    /// Any step loss above this ends the run.
    pub max_loss: f32,
    /// Any step loss above this multiple of the first step's loss ends the run.
    pub spike_factor: f32,
    /// Steps whose median loss is the reference ("where it started") of the growth rule.
    pub warmup_steps: usize,
    /// After warm-up, the smoothed loss may not exceed this multiple of the reference.
    pub max_growth: f32,
    /// Weight of the newest step in the smoothed log-loss (exponential moving average), in (0, 1].
    pub smoothing: f32,
}

impl Default for DivergenceConfig {
    fn default() -> Self {
        Self { max_loss: 1e30, spike_factor: 1e6, warmup_steps: 20, max_growth: 10.0, smoothing: 0.05 }
    }
}

/// Watches a run's step losses; see the module documentation for the rule.
#[derive(Clone, Debug)]
pub struct DivergenceGuard {
    config: DivergenceConfig,
    /// The first step's loss.
    first: Option<f32>,
    /// Losses of the warm-up steps, until the reference is set.
    warmup: Vec<f32>,
    /// Median of the warm-up losses.
    reference: Option<f32>,
    /// Exponential moving average of ln(loss).
    smoothed_ln: f64,
}

impl Default for DivergenceGuard {
    fn default() -> Self {
        Self::new(DivergenceConfig::default())
    }
}

impl DivergenceGuard {
    pub fn new(config: DivergenceConfig) -> Self {
        Self { config, first: None, warmup: Vec::new(), reference: None, smoothed_ln: 0.0 }
    }

    /// The median loss of the warm-up steps, once they are done.
    pub fn reference(&self) -> Option<f32> {
        self.reference
    }

    /// Takes one step's loss (`epoch` and `step` 1-based, for the message); an error when the
    /// run has diverged.
    pub fn observe(&mut self, epoch: usize, step: usize, loss: f32) -> Result<()> {
        if !loss.is_finite() {
            return Err(Error::Diverged { epoch, step, loss });
        }
        let c = self.config;
        let runaway = |why: String| Err(Error::LossRunaway { epoch, step, loss, why });
        if loss > c.max_loss {
            return runaway(format!("the loss reached {loss:.3e}, above the bound {:e}", c.max_loss));
        }
        let first = *self.first.get_or_insert(loss);
        if loss > first * c.spike_factor && first > 0.0 {
            return runaway(format!(
                "the loss reached {loss:.3e}, over {:e} times the first step's {first:.4}",
                c.spike_factor
            ));
        }
        // Cross-entropy is never negative; a zero loss is floored for the logarithm.
        let ln = (loss.max(1e-30) as f64).ln();
        let alpha = c.smoothing.clamp(1e-6, 1.0) as f64;
        self.smoothed_ln = if self.warmup.is_empty() && self.reference.is_none() {
            ln
        } else {
            self.smoothed_ln + alpha * (ln - self.smoothed_ln)
        };
        match self.reference {
            None => {
                self.warmup.push(loss);
                if self.warmup.len() >= c.warmup_steps.max(1) {
                    let mut sorted = std::mem::take(&mut self.warmup);
                    sorted.sort_by(f32::total_cmp);
                    self.reference = Some(sorted[sorted.len() / 2]);
                }
            }
            Some(start) => {
                let smoothed = self.smoothed_ln.exp();
                if smoothed > (start * c.max_growth) as f64 {
                    return runaway(format!(
                        "the smoothed loss {smoothed:.4} grew above {} times its start {start:.4} (this step's loss {loss:.4})",
                        c.max_growth
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(losses: &[f32]) -> Result<()> {
        let mut g = DivergenceGuard::default();
        for (i, &l) in losses.iter().enumerate() {
            g.observe(1, i + 1, l)?;
        }
        Ok(())
    }

    #[test]
    fn a_decreasing_or_noisy_loss_passes() {
        let falling: Vec<f32> = (0..500).map(|i| 2.3 * (-(i as f32) / 100.0).exp() + 0.05).collect();
        run(&falling).unwrap();
        // Noise-injection training: steps jump around a level well above the warm-up's.
        let noisy: Vec<f32> = (0..500).map(|i| if i % 7 == 0 { 40.0 } else { 3.0 + (i % 5) as f32 }).collect();
        run(&noisy).unwrap();
    }

    #[test]
    fn nan_and_infinity_are_divergence() {
        assert!(matches!(run(&[2.3, 2.2, f32::NAN]), Err(Error::Diverged { step: 3, .. })));
        assert!(matches!(run(&[f32::INFINITY]), Err(Error::Diverged { step: 1, .. })));
    }

    #[test]
    fn a_finite_loss_far_above_the_first_step_or_the_bound_is_divergence() {
        // Plain training at learning rate 10: 2.31, then 4.6e8.
        let e = run(&[2.31, 4.6e8, 2.3]).unwrap_err();
        assert!(matches!(e, Error::LossRunaway { step: 2, .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.contains("4.600e8") && msg.contains("first step's 2.31"), "{msg}");
        assert!(msg.contains("smaller learning rate"), "{msg}");
        // Noise-injection training at std 5 and learning rate 10: 2.3e15, then 3.8e26.
        assert!(matches!(run(&[2.3e15, 3.8e26]), Err(Error::LossRunaway { step: 2, .. })));
        // The absolute bound holds from the first step.
        let e = run(&[1.2e31]).unwrap_err();
        assert!(e.to_string().contains("above the bound 1e30"), "{e}");
    }

    #[test]
    fn heavy_tailed_losses_of_strong_noise_training_pass() {
        // Std 5 at the default learning rate: around 1e15, single steps up to 1e5 times more.
        let losses: Vec<f32> =
            (0..900).map(|i| if i % 97 == 50 { 2.2e20 } else { 1e15 * (1.0 + (i % 13) as f32) }).collect();
        run(&losses).unwrap();
    }

    #[test]
    fn a_loss_growing_far_above_its_start_is_divergence_after_warm_up() {
        // Warm-up at 2.3, then the loss climbs to 60 and stays: the smoothed loss crosses 23.
        let mut losses = vec![2.3f32; 20];
        losses.extend(std::iter::repeat_n(60.0, 200));
        let e = run(&losses).unwrap_err();
        match &e {
            Error::LossRunaway { step, .. } => assert!(*step > 40 && *step < 60, "{e}"),
            e => panic!("expected LossRunaway, got {e:?}"),
        }
        assert!(e.to_string().contains("times its start"), "{e}");
        // A single spike of the same size is not.
        let mut spike = vec![2.3f32; 100];
        spike[50] = 60.0;
        run(&spike).unwrap();
        // During warm-up, growth alone is not judged.
        run(&[2.3, 50.0, 60.0]).unwrap();
    }
}
