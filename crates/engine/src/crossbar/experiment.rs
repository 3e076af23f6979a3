//! The recipes and settings behind Part 2 of the report, as data shared by the CLI and the
//! app: the crossbar configuration the report used, and the fault-aware model.

use crate::experiments::noise_tables::{report_arch, Recipe};
use crate::experiments::report::{Net, HARDENING_TABLE};
use crate::data::{DatasetKind, Preprocessing};
use crate::model::ModelConfig;
use crate::train::{Method, TrainConfig};

use super::config::{CrossbarConfig, FaultConfig};

/// Key of the fault-aware model file.
pub const FAULT_AWARE_KEY: &str = "mlp-faultaware";

/// The report's fault proportions: 10% stuck at LRS and 10% at HRS on every crossbar.
pub const REPORT_FAULTS: FaultConfig = FaultConfig { lrs: 0.1, hrs: 0.1 };

/// The report's deployment: MemTorch's tutorial settings (defaults) with its faults.
pub fn report_config(seed: u64) -> CrossbarConfig {
    CrossbarConfig { faults: REPORT_FAULTS, seed, ..CrossbarConfig::default() }
}

/// The fault-aware MLP: the report's MLP at batch 64, 5 epochs, trained with a fresh
/// 0.1 / 0.1 fault draw on every step.
pub fn fault_aware_recipe(seed: u64) -> Recipe {
    Recipe {
        key: FAULT_AWARE_KEY.into(),
        label: HARDENING_TABLE[6].0.into(),
        model: ModelConfig {
            arch: report_arch(Net::Mlp),
            preprocessing: Preprocessing::normalized_for(DatasetKind::Mnist),
            dataset: DatasetKind::Mnist,
        },
        train: TrainConfig {
            batch_size: 64,
            seed,
            method: Method::FaultAware { lrs: REPORT_FAULTS.lrs, hrs: REPORT_FAULTS.hrs, noise_std: 0.0 },
            ..TrainConfig::default()
        },
        teacher: None,
    }
}
