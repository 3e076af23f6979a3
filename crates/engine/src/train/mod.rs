//! Training: Adam, the plain and hardened methods, the loop with progress and cancellation.

pub mod adam;
pub mod config;
pub mod divergence;
pub mod method;
pub mod progress;
pub mod trainer;

pub use adam::{Adam, AdamConfig};
pub use config::{Biases, TrainConfig};
pub use divergence::{DivergenceConfig, DivergenceGuard};
pub use method::{DistillLoss, GradientVariant, Method};
pub use progress::{Control, EpochSummary, Progress};
pub use trainer::{distill_loss, train, TrainHooks};
