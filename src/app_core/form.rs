//! The Train panel's form: its fields, the edits the view sends (the text of a control, never
//! a closure), and the engine configurations the form describes.

use engine::data::{DatasetKind, Preprocessing};
use engine::model::{Architecture, ModelConfig};
use engine::train::{AdamConfig, Biases, DistillLoss, GradientVariant, Method, TrainConfig};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArchChoice {
    Mlp,
    LeNet,
    ExampleCnn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MethodChoice {
    Standard,
    NoiseInjection,
    Distillation,
    FaultAware,
}

/// The Train panel's controls. Saved on every edit and restored on load, so what the page
/// shows after a reload is what it trains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainForm {
    pub dataset: DatasetKind,
    pub arch: ArchChoice,
    /// Comma-separated hidden sizes of the MLP.
    pub hidden: String,
    pub dropout: f32,
    pub normalized: bool,
    pub batch: usize,
    pub epochs: usize,
    pub lr: f64,
    pub seed: u64,
    pub method: MethodChoice,
    pub train_std: f32,
    pub gradient: GradientVariant,
    pub distill_loss: DistillLoss,
    pub teacher: Option<u64>,
    /// Fault-aware training: fractions of weights pulled to the stuck-at-LRS / HRS extremes.
    pub fault_lrs: f64,
    pub fault_hrs: f64,
    /// Hold every bias at zero (crossbar-friendly: see `engine::train::Biases::Zero`).
    pub zero_biases: bool,
}

impl Default for TrainForm {
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Mnist,
            arch: ArchChoice::Mlp,
            hidden: "256,128".into(),
            dropout: 0.0,
            normalized: true,
            batch: 64,
            epochs: 5,
            lr: 1e-3,
            seed: engine::experiments::defaults::TRAIN_SEED,
            method: MethodChoice::Standard,
            train_std: 1.0,
            gradient: GradientVariant::PerturbRestore,
            distill_loss: DistillLoss::Mse,
            teacher: None,
            fault_lrs: 0.1,
            fault_hrs: 0.1,
            zero_biases: false,
        }
    }
}

/// One edit of the form: the control and the value it now shows, as the DOM gives it.
#[derive(Clone, Debug, PartialEq)]
pub enum FormField {
    Arch(String),
    Hidden(String),
    Dropout(String),
    Normalized(bool),
    Batch(String),
    Epochs(String),
    Lr(String),
    Seed(String),
    Method(String),
    TrainStd(String),
    Gradient(String),
    DistillLoss(String),
    Teacher(String),
    FaultLrs(String),
    FaultHrs(String),
    ZeroBiases(bool),
}

/// A finite number within `lo..=hi`, or `None` (NaN passes `clamp`, so it is refused here).
fn number<T: std::str::FromStr + Into<f64> + Copy>(text: &str, lo: f64, hi: f64) -> Option<T> {
    let v: T = text.trim().parse().ok()?;
    let x: f64 = v.into();
    (x.is_finite() && (lo..=hi).contains(&x)).then_some(v)
}

/// A whole number within `lo..=hi`, or `None`.
fn count(text: &str, lo: u64, hi: u64) -> Option<usize> {
    let v: u64 = text.trim().parse().ok()?;
    (lo..=hi).contains(&v).then_some(v as usize)
}

impl TrainForm {
    /// Applies an edit; a value the control should not have produced (empty, NaN, out of
    /// range) leaves the field as it was.
    pub fn apply(&mut self, field: FormField) {
        match field {
            FormField::Arch(v) => {
                self.arch = match v.as_str() {
                    "lenet" => ArchChoice::LeNet,
                    "example" => ArchChoice::ExampleCnn,
                    _ => ArchChoice::Mlp,
                }
            }
            FormField::Hidden(v) => self.hidden = v,
            FormField::Dropout(v) => self.dropout = number(&v, 0.0, 0.99).unwrap_or(self.dropout),
            FormField::Normalized(b) => self.normalized = b,
            FormField::Batch(v) => self.batch = count(&v, 1, 60_000).unwrap_or(self.batch),
            FormField::Epochs(v) => self.epochs = count(&v, 1, 1000).unwrap_or(self.epochs),
            FormField::Lr(v) => self.lr = number(&v, 1e-7, 10.0).unwrap_or(self.lr),
            FormField::Seed(v) => self.seed = v.trim().parse().unwrap_or(self.seed),
            FormField::Method(v) => {
                self.method = match v.as_str() {
                    "noise" => MethodChoice::NoiseInjection,
                    "distill" => MethodChoice::Distillation,
                    "fault" => MethodChoice::FaultAware,
                    _ => MethodChoice::Standard,
                };
                // Fault-aware models are meant for crossbars, where trained biases break
                // MemTorch's input scaling: picking a method sets the box to bias-free for
                // fault-aware and to trained biases otherwise; it stays free to change.
                self.zero_biases = self.method == MethodChoice::FaultAware;
            }
            FormField::TrainStd(v) => self.train_std = number(&v, 0.0, 5.0).unwrap_or(self.train_std),
            FormField::Gradient(v) => {
                self.gradient =
                    if v == "reparam" { GradientVariant::Reparameterised } else { GradientVariant::PerturbRestore }
            }
            FormField::DistillLoss(v) => self.distill_loss = if v == "kl" { DistillLoss::Kl } else { DistillLoss::Mse },
            FormField::Teacher(v) => self.teacher = v.parse().ok(),
            FormField::FaultLrs(v) => self.fault_lrs = number(&v, 0.0, 0.5).unwrap_or(self.fault_lrs),
            FormField::FaultHrs(v) => self.fault_hrs = number(&v, 0.0, 0.5).unwrap_or(self.fault_hrs),
            FormField::ZeroBiases(b) => self.zero_biases = b,
        }
    }

    /// The engine configurations these controls describe, or what is wrong with them.
    pub fn configs(&self) -> Result<(ModelConfig, TrainConfig), String> {
        let kind = self.dataset;
        let arch = match self.arch {
            ArchChoice::Mlp => {
                let hidden: Result<Vec<usize>, _> = self
                    .hidden
                    .split(',')
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<usize>())
                    .collect();
                let hidden = hidden.map_err(|_| {
                    format!("hidden sizes `{}`: write numbers separated by commas, e.g. 256,128", self.hidden)
                })?;
                Architecture::Mlp { hidden, dropout: self.dropout }
            }
            ArchChoice::LeNet => Architecture::LeNet,
            ArchChoice::ExampleCnn => Architecture::ExampleCnn,
        };
        let preprocessing = if self.normalized { Preprocessing::normalized_for(kind) } else { Preprocessing::Raw };
        let model = ModelConfig { arch, preprocessing, dataset: kind };
        let method = match self.method {
            MethodChoice::Standard => Method::Standard,
            MethodChoice::NoiseInjection => Method::NoiseInjection { std: self.train_std, gradient: self.gradient },
            MethodChoice::Distillation => {
                Method::Distillation { std: self.train_std, loss: self.distill_loss, gradient: self.gradient }
            }
            MethodChoice::FaultAware => Method::FaultAware { lrs: self.fault_lrs, hrs: self.fault_hrs, noise_std: 0.0 },
        };
        let adam = AdamConfig { lr: self.lr, ..AdamConfig::default() };
        let biases = if self.zero_biases { Biases::Zero } else { Biases::Trained };
        let train = TrainConfig { epochs: self.epochs, batch_size: self.batch, adam, seed: self.seed, method, biases };
        model.arch.validate().map_err(|e| e.to_string())?;
        train.validate().map_err(|e| e.to_string())?;
        if self.method == MethodChoice::Distillation && self.teacher.is_none() {
            return Err("teacher-student training needs a teacher: train a standard model first and pick it".into());
        }
        Ok((model, train))
    }

    /// The form as saved between visits.
    pub fn to_saved(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A saved form, or the default when there is none or it cannot be read (an older shape).
    pub fn from_saved(text: Option<&str>) -> TrainForm {
        text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
    }
}
