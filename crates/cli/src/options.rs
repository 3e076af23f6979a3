//! Flags shared by several subcommands.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use engine::data::{DatasetKind, Preprocessing};
use engine::model::io::{from_bytes, LoadedModel};

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
}

impl ModelArgs {
    pub fn load(&self, kind: DatasetKind) -> anyhow::Result<LoadedModel> {
        let bytes =
            std::fs::read(&self.model).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", self.model.display()))?;
        from_bytes(&bytes, self.import_preprocessing.resolve(kind))
            .map_err(|e| anyhow::anyhow!("{}: {e}", self.model.display()))
    }
}
