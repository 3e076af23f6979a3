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
    /// Whether the layers' biases learn or are held at zero.
    #[serde(default)]
    pub biases: Biases,
}

/// What happens to the layers' biases during training.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Biases {
    /// Trained like every other parameter (PyTorch's default).
    #[default]
    Trained,
    /// Set to zero before the first step and never updated. Why a crossbar user wants this:
    /// in MemTorch's input scaling a layer's crossbar product comes out divided by the max
    /// |input| of the call, while the digital bias is added unscaled. With zero biases that
    /// division is one positive factor per layer, which ReLU and max-pooling pass through and
    /// argmax ignores, so the deployed network classifies as the digital one does.
    Zero,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 5,
            batch_size: 64,
            adam: AdamConfig::default(),
            seed: 1234,
            method: Method::Standard,
            biases: Biases::Trained,
        }
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
