//! Flags shared by several subcommands.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use engine::data::{Dataset, DatasetKind, Preprocessing};
use engine::eval::{evaluate, Evaluation};
use engine::model::io::{from_bytes, LoadedModel};
use engine::model::Model;

/// Where the data is.
#[derive(Args, Clone, Debug)]
pub struct DataArgs {
    /// Folder with the IDX files (gzip or raw), or its parent holding `mnist/` and `fashion-mnist/`.
    #[arg(long, env = "MPG_DATA_DIR", default_value = "data")]
    pub data: PathBuf,
    /// Which dataset.
    #[arg(long, value_enum, default_value_t = DatasetArg::Mnist)]
    pub dataset: DatasetArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DatasetArg {
    Mnist,
    FashionMnist,
}

impl From<DatasetArg> for DatasetKind {
    fn from(d: DatasetArg) -> Self {
        match d {
            DatasetArg::Mnist => DatasetKind::Mnist,
            DatasetArg::FashionMnist => DatasetKind::FashionMnist,
        }
    }
}

/// Input preparation.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum PreprocessingArg {
    /// pixel / 255, in [0, 1].
    Raw,
    /// (pixel / 255 - mean) / std with the dataset's statistics (MNIST 0.1307 / 0.3081).
    Normalized,
}

impl PreprocessingArg {
    pub fn resolve(self, kind: DatasetKind) -> Preprocessing {
        match self {
            PreprocessingArg::Raw => Preprocessing::Raw,
            PreprocessingArg::Normalized => Preprocessing::normalized_for(kind),
        }
    }
}

/// A model file to read.
#[derive(Args, Clone, Debug)]
pub struct ModelArgs {
    /// A .safetensors model saved by `mpg train` or the app, or a PyTorch MLP state dict.
    #[arg(long)]
    pub model: PathBuf,
    /// For a bare PyTorch state dict only: how its inputs were prepared in training.
    #[arg(long, value_enum, default_value_t = PreprocessingArg::Normalized)]
    pub import_preprocessing: PreprocessingArg,
    /// Use the model on --dataset even though its file says it was trained on the other one.
    #[arg(long)]
    pub allow_dataset_mismatch: bool,
}

impl ModelArgs {
    pub fn load(&self, kind: DatasetKind) -> anyhow::Result<LoadedModel> {
        let loaded = load_model(&self.model, self.import_preprocessing.resolve(kind))?;
        check_dataset(&self.model, &loaded, kind, self.allow_dataset_mismatch)?;
        Ok(loaded)
    }
}

/// The largest model file read: 200 MB, twice the weights of the largest model the engine
/// accepts (`MAX_PARAMS` f32 values, 80 MB) plus room for f64 files' headers.
pub const MAX_MODEL_FILE_BYTES: u64 = 200_000_000;

/// Reads and parses a model file, refusing files larger than [`MAX_MODEL_FILE_BYTES`].
pub fn load_model(path: &Path, import: Preprocessing) -> anyhow::Result<LoadedModel> {
    let shown = path.display();
    let size = std::fs::metadata(path).map_err(|e| anyhow::anyhow!("cannot read {shown}: {e}"))?.len();
    if size > MAX_MODEL_FILE_BYTES {
        anyhow::bail!(
            "{shown}: {size} bytes, more than the {MAX_MODEL_FILE_BYTES} a model file may have (the largest model allowed, {} parameters, takes {} MB)",
            engine::model::config::MAX_PARAMS,
            engine::model::config::MAX_PARAMS * 4 / 1_000_000
        );
    }
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {shown}: {e}"))?;
    from_bytes(&bytes, import).map_err(|e| anyhow::anyhow!("{shown}: {e}"))
}

/// Refuses a model trained on one dataset used on the other, unless `allow`. A bare PyTorch
/// state dict says nothing about its dataset and is not checked.
pub fn check_dataset(path: &Path, loaded: &LoadedModel, kind: DatasetKind, allow: bool) -> anyhow::Result<()> {
    let trained = loaded.model.config.dataset;
    if !loaded.imported && trained != kind && !allow {
        anyhow::bail!(
            "{}: the model was trained on {} but --dataset is {}; pass --dataset {}, or --allow-dataset-mismatch to use it anyway",
            path.display(),
            trained.dir_name(),
            kind.dir_name(),
            trained.dir_name()
        );
    }
    Ok(())
}

/// Clean evaluation that refuses a result with a non-finite loss: weights whose forward pass
/// overflows f32 are an error, not a "loss inf".
pub fn checked_evaluation(model: &Model, data: &Dataset) -> anyhow::Result<Evaluation> {
    let e = evaluate(model, data)?;
    if !e.loss.is_finite() {
        let largest = model
            .weights()
            .iter()
            .filter_map(|w| w.abs().and_then(|a| a.max_all()).and_then(|m| m.to_scalar::<f32>()).ok())
            .fold(0f32, f32::max);
        anyhow::bail!(
            "evaluating {}: the forward pass overflows f32 (test loss {}); the weights are too large (largest |w| = {largest:e})",
            model.config.arch.label(),
            e.loss
        );
    }
    Ok(e)
}
