//! The recipes behind the report's tables, Part 1 and Part 2: which model is trained how for
//! each row. Running them (with progress bars, files, workers) is the caller's business; the
//! recipes are data, so the CLI and the app train exactly the same models.

use serde::{Deserialize, Serialize};

use super::keys::RecipeKey;
use crate::crossbar::{CrossbarConfig, FaultConfig};
use crate::data::{DatasetKind, Preprocessing};
use crate::model::{Architecture, ModelConfig};
use crate::train::{AdamConfig, Biases, DistillLoss, GradientVariant, Method, TrainConfig};

/// How to train one model of a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// Stable identifier, also the model's file name, e.g. `mlp-b64`.
    pub key: RecipeKey,
    /// A short description of the row.
    pub label: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    /// The recipe whose model is the teacher (teacher-student rows).
    pub teacher: Option<RecipeKey>,
}

/// Which network a table row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Net {
    Mlp,
    Cnn,
}

/// The architecture the report's tables call "MLP" or "CNN".
pub fn report_arch(net: Net) -> Architecture {
    match net {
        Net::Mlp => Architecture::report_mlp(),
        Net::Cnn => Architecture::LeNet,
    }
}

/// The report's fault proportions: 10% stuck at LRS and 10% at HRS on every crossbar.
pub const REPORT_FAULTS: FaultConfig = FaultConfig { lrs: 0.1, hrs: 0.1 };

/// The report's deployment: MemTorch's tutorial settings (defaults) with its faults.
pub fn report_config(seed: u64) -> CrossbarConfig {
    CrossbarConfig { faults: REPORT_FAULTS, seed, ..CrossbarConfig::default() }
}

/// Fault-aware training at the report's proportions, without training noise.
const FAULT_AWARE: Method = Method::FaultAware { lrs: REPORT_FAULTS.lrs, hrs: REPORT_FAULTS.hrs, noise_std: 0.0 };

/// The recipe of `key`: the report's setup (normalised MNIST, 5 epochs, Adam with PyTorch's
/// defaults, lr 1e-3) with the row's network, batch and method, from `seed`.
pub fn recipe(key: RecipeKey, seed: u64) -> Recipe {
    use RecipeKey::*;
    let pr = GradientVariant::PerturbRestore;
    let noise = |std: f32| Method::NoiseInjection { std, gradient: pr };
    let distil = |loss: DistillLoss| Method::Distillation { std: 1.0, loss, gradient: pr };
    let (net, dropout, batch, method, biases, lr, teacher, label): (_, _, _, _, _, Option<f64>, _, &str) = match key {
        MlpB32 => (Net::Mlp, 0.0, 32, Method::Standard, Biases::Trained, None, None, "MLP batch 32"),
        MlpB64 => (Net::Mlp, 0.0, 64, Method::Standard, Biases::Trained, None, None, "MLP batch 64"),
        MlpB128 => (Net::Mlp, 0.0, 128, Method::Standard, Biases::Trained, None, None, "MLP batch 128"),
        MlpB256 => (Net::Mlp, 0.0, 256, Method::Standard, Biases::Trained, None, None, "MLP batch 256"),
        CnnB32 => (Net::Cnn, 0.0, 32, Method::Standard, Biases::Trained, None, None, "CNN batch 32"),
        CnnB64 => (Net::Cnn, 0.0, 64, Method::Standard, Biases::Trained, None, None, "CNN batch 64"),
        CnnB128 => (Net::Cnn, 0.0, 128, Method::Standard, Biases::Trained, None, None, "CNN batch 128"),
        CnnB256 => (Net::Cnn, 0.0, 256, Method::Standard, Biases::Trained, None, None, "CNN batch 256"),
        MlpNoise05 => (Net::Mlp, 0.0, 64, noise(0.5), Biases::Trained, None, None, "Noise-injection training, std 0.5"),
        MlpNoise10 => (Net::Mlp, 0.0, 64, noise(1.0), Biases::Trained, None, None, "Noise-injection training, std 1.0"),
        MlpTsMse => (
            Net::Mlp,
            0.0,
            64,
            distil(DistillLoss::Mse),
            Biases::Trained,
            None,
            Some(MlpB64),
            "Teacher-student, MSE, std 1.0",
        ),
        MlpTsKl => (
            Net::Mlp,
            0.0,
            64,
            distil(DistillLoss::Kl),
            Biases::Trained,
            None,
            Some(MlpB64),
            "Teacher-student, KL divergence, std 1.0",
        ),
        MlpDropout05 => (Net::Mlp, 0.5, 64, Method::Standard, Biases::Trained, None, None, "Dropout p=0.5"),
        // Why zero biases: MemTorch's input scaling divides each layer's crossbar product by
        // the max |input| of the call and adds the digital bias unscaled. Fault-aware training
        // with trained biases learns large ones (the bias is the only fault-free path), and
        // then fails on MemTorch-scaled crossbars even without faults; with zero biases it
        // keeps its accuracy there. The ablations below measure both.
        MlpFaultAware => {
            (Net::Mlp, 0.0, 64, FAULT_AWARE, Biases::Zero, None, None, "Fault-aware training, biases held at 0")
        }
        MlpB64Bias0 => (Net::Mlp, 0.0, 64, Method::Standard, Biases::Zero, None, None, "Baseline, biases held at 0"),
        MlpFaultAwareBiased => {
            (Net::Mlp, 0.0, 64, FAULT_AWARE, Biases::Trained, None, None, "Fault-aware training, biases trained")
        }
        MlpFaultAwareLr1e4 => (
            Net::Mlp,
            0.0,
            64,
            FAULT_AWARE,
            Biases::Zero,
            Some(1e-4),
            None,
            "Fault-aware training, biases held at 0, lr 1e-4",
        ),
    };
    let arch = match (net, report_arch(net)) {
        (Net::Mlp, Architecture::Mlp { hidden, .. }) => Architecture::Mlp { hidden, dropout },
        (_, arch) => arch,
    };
    let mut adam = AdamConfig::default();
    if let Some(lr) = lr {
        adam.lr = lr;
    }
    Recipe {
        key,
        label: label.into(),
        model: ModelConfig {
            arch,
            preprocessing: Preprocessing::normalized_for(DatasetKind::Mnist),
            dataset: DatasetKind::Mnist,
        },
        train: TrainConfig { batch_size: batch, seed, adam, method, biases, ..TrainConfig::default() },
        teacher,
    }
}

/// Key of the batch-table model for `net` at `batch`, if the table has one.
pub fn batch_key(net: Net, batch: usize) -> Option<RecipeKey> {
    use RecipeKey::*;
    Some(match (net, batch) {
        (Net::Mlp, 32) => MlpB32,
        (Net::Mlp, 64) => MlpB64,
        (Net::Mlp, 128) => MlpB128,
        (Net::Mlp, 256) => MlpB256,
        (Net::Cnn, 32) => CnnB32,
        (Net::Cnn, 64) => CnnB64,
        (Net::Cnn, 128) => CnnB128,
        (Net::Cnn, 256) => CnnB256,
        _ => return None,
    })
}

/// The keys of the batch-size table, in table order.
pub const BATCH_KEYS: [RecipeKey; 8] = [
    RecipeKey::MlpB32,
    RecipeKey::MlpB64,
    RecipeKey::MlpB128,
    RecipeKey::MlpB256,
    RecipeKey::CnnB32,
    RecipeKey::CnnB64,
    RecipeKey::CnnB128,
    RecipeKey::CnnB256,
];

/// The hardened MLPs of the hardening table (batch 64), in table order; the baseline (and the
/// teacher) is the batch table's `mlp-b64`, the fault-aware row belongs to Part 2.
pub const HARDENING_KEYS: [RecipeKey; 5] =
    [RecipeKey::MlpNoise05, RecipeKey::MlpNoise10, RecipeKey::MlpTsMse, RecipeKey::MlpTsKl, RecipeKey::MlpDropout05];

/// The fault-aware model and its ablations, in table order: the baseline with its biases held
/// at zero, fault-aware training with trained biases, the project's recipe, and the same at a
/// smaller learning rate.
pub const FAULT_AWARE_KEYS: [RecipeKey; 4] =
    [RecipeKey::MlpB64Bias0, RecipeKey::MlpFaultAwareBiased, RecipeKey::MlpFaultAware, RecipeKey::MlpFaultAwareLr1e4];

/// The eight models of the batch-size table.
pub fn batch_table_recipes(seed: u64) -> Vec<Recipe> {
    BATCH_KEYS.iter().map(|&k| recipe(k, seed)).collect()
}

/// The hardened MLPs of the hardening table.
pub fn hardening_recipes(seed: u64) -> Vec<Recipe> {
    HARDENING_KEYS.iter().map(|&k| recipe(k, seed)).collect()
}

/// The fault-aware MLP of Part 2 (the project's recipe: biases held at zero).
pub fn fault_aware_recipe(seed: u64) -> Recipe {
    recipe(RecipeKey::MlpFaultAware, seed)
}

/// The fault-aware model with its ablations.
pub fn fault_aware_ablations(seed: u64) -> Vec<Recipe> {
    FAULT_AWARE_KEYS.iter().map(|&k| recipe(k, seed)).collect()
}
