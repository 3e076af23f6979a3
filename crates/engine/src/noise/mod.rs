//! Log-normal weight noise and accuracy under it.

pub mod lognormal;
pub mod noisy_eval;
pub mod probabilities;

pub use lognormal::{lognormal_factors, perturb, validate_std};
pub use noisy_eval::{noisy_accuracy, noisy_accuracy_draw, NoiseConfig};
