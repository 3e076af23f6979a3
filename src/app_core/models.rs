//! The trained models the page keeps, and the training run in progress.

use std::rc::Rc;

use engine::model::ModelConfig;
use engine::train::{EpochSummary, Progress, TrainConfig};
use serde::{Deserialize, Serialize};

use super::naming::model_name;

/// A trained model kept by the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub id: u64,
    pub name: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    pub test_accuracy: f64,
    pub history: Vec<EpochSummary>,
    pub train_seconds: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SavedModel {
    pub meta: ModelMeta,
    pub bytes: Rc<Vec<u8>>,
}

/// What one of our model files' notes say about its training (a PyTorch state dict has none).
#[derive(Deserialize)]
struct FileNotes {
    train: TrainConfig,
    #[serde(default)]
    history: Vec<EpochSummary>,
    #[serde(default)]
    train_seconds: f64,
}

/// A model the user uploaded. One of ours is described by its file's notes, so it reads like
/// the model that was downloaded (method, batch, epochs, seed) and the Reproduce panel
/// recognises its recipe; any other file is named after itself, with default training.
pub fn uploaded_meta(
    id: u64,
    file: &str,
    model: ModelConfig,
    test_accuracy: f64,
    pytorch: bool,
    notes: &str,
) -> ModelMeta {
    let notes = if pytorch { None } else { serde_json::from_str::<FileNotes>(notes).ok() };
    let (name, train, history, train_seconds) = match notes {
        Some(n) => {
            let done = n.history.len();
            let cancelled = if done > 0 && done < n.train.epochs {
                format!(" (cancelled after epoch {done} of {})", n.train.epochs)
            } else {
                String::new()
            };
            (format!("{}{cancelled} (uploaded)", model_name(&model, &n.train)), n.train, n.history, n.train_seconds)
        }
        None if pytorch => {
            (format!("{file} (PyTorch import, {})", model.arch.label()), TrainConfig::default(), vec![], 0.0)
        }
        None => (format!("{file} (uploaded)"), TrainConfig::default(), vec![], 0.0),
    };
    ModelMeta { id, name, model, train, test_accuracy, history, train_seconds }
}

/// The training run in progress (or the last one, if it failed).
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub job: u64,
    pub name: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    /// The Reproduce row this run trains, if it came from that queue.
    pub recipe: Option<String>,
    pub progress: Option<Progress>,
    /// (epochs done as a fraction, running loss).
    pub loss: Vec<(f64, f64)>,
    /// (epoch, running train accuracy, test accuracy).
    pub epochs: Vec<(usize, f64, f64)>,
    pub error: Option<String>,
    /// When the run started on the page's clock (a queued row's: its first progress report).
    pub started_ms: Option<f64>,
    /// Every finished epoch's training figures.
    pub history: Vec<EpochSummary>,
    /// The model after the latest finished epoch (all but the last), kept if the run is cancelled.
    pub snapshot: Option<PartialModel>,
}

impl Run {
    pub fn new(job: u64, name: String, model: ModelConfig, train: TrainConfig, started_ms: Option<f64>) -> Run {
        Run {
            job,
            name,
            model,
            train,
            recipe: None,
            progress: None,
            loss: vec![],
            epochs: vec![],
            error: None,
            started_ms,
            history: vec![],
            snapshot: None,
        }
    }
}

/// A model part-way through a training run.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialModel {
    pub epoch: usize,
    pub bytes: Rc<Vec<u8>>,
    pub test_accuracy: f64,
    pub train_seconds: f64,
}
