//! The recipes behind Part 1 of the report: which model is trained how for each table row.
//! Running them (with progress bars, files, threads) is the caller's business; the recipes
//! are data, so the CLI and the app reproduce exactly the same rows.

use serde::{Deserialize, Serialize};

use super::report::{Net, BATCH_TABLE, HARDENING_TABLE};
use crate::data::{DatasetKind, Preprocessing};
use crate::model::{Architecture, ModelConfig};
use crate::noise::Spread;
use crate::train::{DistillLoss, GradientVariant, Method, TrainConfig};

/// How to train one model of a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// Stable identifier, also the model's file name, e.g. `mlp-b64`.
    pub key: String,
    /// The row's label as the report words it.
    pub label: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    /// Key of the recipe whose model is the teacher (teacher-student rows).
    pub teacher: Option<String>,
}

/// The architecture the report's tables call "MLP" or "CNN".
pub fn report_arch(net: Net) -> Architecture {
    match net {
        Net::Mlp => Architecture::report_mlp(),
        Net::Cnn => Architecture::LeNet,
    }
}

fn config(arch: Architecture) -> ModelConfig {
    ModelConfig { arch, preprocessing: Preprocessing::normalized_for(DatasetKind::Mnist), dataset: DatasetKind::Mnist }
}

/// Key of the batch-table model for `net` at `batch`.
pub fn batch_key(net: Net, batch: usize) -> String {
    format!("{}-b{batch}", if net == Net::Mlp { "mlp" } else { "cnn" })
}

/// The eight models of the batch-size table: 5 epochs, Adam defaults, the given seed.
pub fn batch_table_recipes(seed: u64) -> Vec<Recipe> {
    BATCH_TABLE
        .iter()
        .map(|&(net, batch, _, _)| Recipe {
            key: batch_key(net, batch),
            label: format!("{} batch {batch}", if net == Net::Mlp { "MLP" } else { "CNN" }),
            model: config(report_arch(net)),
            train: TrainConfig { batch_size: batch, seed, ..TrainConfig::default() },
            teacher: None,
        })
        .collect()
}

/// The hardened MLPs of the hardening table (batch 64). The baseline and the teacher are the
/// batch table's `mlp-b64`. The fault-aware row belongs to the crossbar part.
pub fn hardening_recipes(seed: u64) -> Vec<Recipe> {
    let mlp = |dropout: f32| config(Architecture::Mlp { hidden: vec![256, 128], dropout });
    let base = TrainConfig { batch_size: 64, seed, ..TrainConfig::default() };
    let pr = GradientVariant::PerturbRestore;
    let with = |method: Method| TrainConfig { method, ..base.clone() };
    vec![
        Recipe {
            key: "mlp-noise0.5".into(),
            label: HARDENING_TABLE[1].0.into(),
            model: mlp(0.0),
            train: with(Method::NoiseInjection { std: 0.5, gradient: pr }),
            teacher: None,
        },
        Recipe {
            key: "mlp-noise1.0".into(),
            label: HARDENING_TABLE[2].0.into(),
            model: mlp(0.0),
            train: with(Method::NoiseInjection { std: 1.0, gradient: pr }),
            teacher: None,
        },
        Recipe {
            key: "mlp-ts-mse".into(),
            label: HARDENING_TABLE[3].0.into(),
            model: mlp(0.0),
            train: with(Method::Distillation { std: 1.0, loss: DistillLoss::Mse, gradient: pr }),
            teacher: Some(batch_key(Net::Mlp, 64)),
        },
        Recipe {
            key: "mlp-ts-kl".into(),
            label: HARDENING_TABLE[4].0.into(),
            model: mlp(0.0),
            train: with(Method::Distillation { std: 1.0, loss: DistillLoss::Kl, gradient: pr }),
            teacher: Some(batch_key(Net::Mlp, 64)),
        },
        Recipe {
            key: "mlp-dropout0.5".into(),
            label: HARDENING_TABLE[5].0.into(),
            model: mlp(0.5),
            train: base.clone(),
            teacher: None,
        },
    ]
}

/// One measured row of a noise table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredRow {
    pub key: String,
    pub label: String,
    /// Clean test accuracy, percent.
    pub clean: f64,
    /// Accuracy under noise at each std of the table (std, spread over draws).
    pub noisy: Vec<(f32, Spread)>,
    /// Training wall time in seconds.
    pub train_seconds: f64,
}
