//! Training settings, shared by the CLI flags, the app's controls and saved model notes.

use serde::{Deserialize, Serialize};

use super::adam::AdamConfig;
use super::method::Method;
use crate::error::{Error, Result};

/// How to train. Defaults are the report's: 5 epochs, batch 64, Adam with PyTorch defaults, seed 1234.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub adam: AdamConfig,
    /// Seeds initialisation (done by the caller through `Model::init`), shuffling, dropout and noise.
    pub seed: u64,
    pub method: Method,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self { epochs: 5, batch_size: 64, adam: AdamConfig::default(), seed: 1234, method: Method::Standard }
    }
}

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 || self.epochs > 1000 {
            return Err(Error::invalid("epochs", self.epochs, "must be between 1 and 1000"));
        }
        if self.batch_size == 0 || self.batch_size > 60_000 {
            return Err(Error::invalid("batch size", self.batch_size, "must be between 1 and 60000"));
        }
        self.adam.validate()?;
        self.method.validate()
    }
}
