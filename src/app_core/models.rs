//! The trained models the page keeps, and the training run in progress.

use std::rc::Rc;

use engine::experiments::notes::ModelNotes;
use engine::experiments::RecipeKey;
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
    /// The Reproduce row it was trained for (or, uploaded, the recipe its file names).
    /// Models saved before the field have none.
    #[serde(default)]
    pub recipe: Option<RecipeKey>,
    /// Epochs completed, when not every epoch of `history` (an uploaded file's notes may have
    /// no history); `None` = `history.len()`.
    #[serde(default)]
    pub epochs_done: Option<usize>,
}

/// The recipe a link carries for a model, so another browser can train it again: the
/// visitor's own models (trained here, or uploaded with our notes), not a shipped model (links
/// name those), a PyTorch import (no training settings) or a distilled student (its teacher
/// would have to travel too).
pub fn link_recipe(meta: &ModelMeta) -> Option<crate::app_core::url::LinkRecipe> {
    let shipped = meta.name.ends_with(super::shipped::SUFFIX);
    let pytorch = meta.name.contains("(PyTorch import");
    let distilled = matches!(meta.train.method, engine::train::Method::Distillation { .. });
    (!shipped && !pytorch && !distilled)
        .then(|| crate::app_core::url::LinkRecipe { model: meta.model.clone(), train: meta.train.clone() })
}

impl ModelMeta {
    /// The model's notes in the engine's one schema: what its file says, and what decides
    /// whether it is a recipe's model ([`ModelNotes::matches`]).
    pub fn notes(&self) -> ModelNotes {
        let mut notes = ModelNotes::new(&self.model, &self.train, self.recipe, self.history.clone());
        notes.epochs_done = self.epochs_done.unwrap_or(self.history.len());
        notes.test_accuracy = Some(self.test_accuracy);
        notes.train_seconds = Some(self.train_seconds);
        notes
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SavedModel {
    pub meta: ModelMeta,
    pub bytes: Rc<Vec<u8>>,
}

/// A model the user uploaded. One of ours is described by its file's notes (the engine's one
/// schema, which also reads the older shapes), so it reads like the model that was downloaded
/// (method, batch, epochs, seed) and the Reproduce panel recognises its recipe; any other file
/// is named after itself, with default training.
pub fn uploaded_meta(
    id: u64,
    file: &str,
    model: ModelConfig,
    test_accuracy: f64,
    pytorch: bool,
    notes: Option<ModelNotes>,
) -> ModelMeta {
    match notes {
        Some(n) if !pytorch => {
            let done = n.epochs_done;
            let cancelled = if done > 0 && done < n.train.epochs {
                format!(" (cancelled after epoch {done} of {})", n.train.epochs)
            } else {
                String::new()
            };
            ModelMeta {
                id,
                name: format!("{}{cancelled} (uploaded)", model_name(&model, &n.train)),
                model,
                train: n.train,
                test_accuracy,
                history: n.history,
                train_seconds: n.train_seconds.unwrap_or(0.0),
                recipe: n.recipe,
                epochs_done: Some(done),
            }
        }
        _ => ModelMeta {
            id,
            name: if pytorch {
                format!("{file} (PyTorch import, {})", model.arch.label())
            } else {
                format!("{file} (uploaded)")
            },
            model,
            train: TrainConfig::default(),
            test_accuracy,
            history: vec![],
            train_seconds: 0.0,
            recipe: None,
            epochs_done: Some(0),
        },
    }
}

/// The training run in progress (or the last one, if it failed).
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub job: u64,
    pub name: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    /// The Reproduce row this run trains, if it came from that queue.
    pub recipe: Option<RecipeKey>,
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
    /// The model after the latest finished epoch (all but the last), kept if the run is
    /// cancelled or its trainer crashes.
    pub snapshot: Option<PartialModel>,
    /// When the page last heard of the run (its start, its progress), on the page's clock: a
    /// trainer silent for too long is taken for hung (see `heal`).
    pub heard_ms: Option<f64>,
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
            heard_ms: started_ms,
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

/// A stored entry as IndexedDB gives it back: its key, and its fields if they have the right
/// types.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEntry {
    pub key: String,
    pub meta: Option<String>,
    pub bytes: Option<Vec<u8>>,
}

/// A stored entry that could not be read back, and why: the page lists these.
#[derive(Clone, Debug, PartialEq)]
pub struct Unreadable {
    pub key: String,
    /// The model's name, when the metadata still says it.
    pub name: Option<String>,
    pub reason: String,
}

/// Reads stored entries back: the models, and every entry that is not one, with the reason.
pub fn read_stored(entries: Vec<StoredEntry>) -> (Vec<SavedModel>, Vec<Unreadable>) {
    let mut models = Vec::new();
    let mut unreadable = Vec::new();
    for StoredEntry { key, meta, bytes } in entries {
        let name = meta.as_deref().and_then(|m| {
            let v: serde_json::Value = serde_json::from_str(m).ok()?;
            v.get("name")?.as_str().map(str::to_string)
        });
        let fail = |reason: String| Unreadable { key: key.clone(), name: name.clone(), reason };
        let Some(meta) = meta else {
            unreadable.push(fail("no metadata text".into()));
            continue;
        };
        let Some(bytes) = bytes else {
            unreadable.push(fail("no model bytes".into()));
            continue;
        };
        match serde_json::from_str::<ModelMeta>(&meta) {
            Ok(_) if bytes.is_empty() => unreadable.push(fail("the model file is empty".into())),
            Ok(meta) => models.push(SavedModel { meta, bytes: Rc::new(bytes) }),
            Err(e) => unreadable.push(fail(format!("metadata this version cannot read: {e}"))),
        }
    }
    (models, unreadable)
}
