//! The one notes schema of every model file: how the model was trained (and from which
//! recipe, if any), written into the safetensors header by every writer (the CLI's `train`
//! and `reproduce`, the app's download), so a model trained anywhere is recognised anywhere.
//! Files written before this schema carry one of three older shapes; [`ModelNotes::read`]
//! still understands them, because the reproduction's models take half an hour to retrain.

use serde::{Deserialize, Serialize};

use super::keys::RecipeKey;
use super::recipes::Recipe;
use crate::data::{DatasetKind, Preprocessing};
use crate::error::{Error, Result};
use crate::model::{io, Model, ModelConfig};
use crate::train::{EpochSummary, TrainConfig};

/// Version of the notes written now.
pub const NOTES_SCHEMA: u32 = 1;

/// How a model was trained and how it did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelNotes {
    /// [`NOTES_SCHEMA`] for notes written in this schema; 0 for notes read from an older shape.
    pub schema: u32,
    /// The recipe it was trained from, if any.
    pub recipe: Option<RecipeKey>,
    pub dataset: DatasetKind,
    pub preprocessing: Preprocessing,
    /// Method, epochs, batch, optimiser, seed, biases.
    pub train: TrainConfig,
    /// Epochs actually completed (fewer than `train.epochs` when cancelled).
    pub epochs_done: usize,
    pub history: Vec<EpochSummary>,
    /// Clean test accuracy after training, percent.
    pub test_accuracy: Option<f64>,
    pub train_seconds: Option<f64>,
}

impl ModelNotes {
    /// Notes for a model of `config` trained with `train` (to completion when `history` has
    /// every epoch).
    pub fn new(
        config: &ModelConfig,
        train: &TrainConfig,
        recipe: Option<RecipeKey>,
        history: Vec<EpochSummary>,
    ) -> Self {
        Self {
            schema: NOTES_SCHEMA,
            recipe,
            dataset: config.dataset,
            preprocessing: config.preprocessing,
            train: train.clone(),
            epochs_done: history.len(),
            history,
            test_accuracy: None,
            train_seconds: None,
        }
    }

    /// The notes of a file's JSON, in this schema or one of the older shapes (the config
    /// header supplies what the older shapes did not record); `None` if none fits.
    pub fn read(json: &serde_json::Value, config: &ModelConfig) -> Option<ModelNotes> {
        if json.get("schema").is_some() {
            return serde_json::from_value(json.clone()).ok();
        }
        let f64_of = |k: &str| json.get(k).and_then(|v| v.as_f64());
        // `mpg reproduce` before the schema: {"recipe": Recipe, "train_seconds"}.
        if let Some(r) = json.get("recipe").and_then(|v| serde_json::from_value::<Recipe>(v.clone()).ok()) {
            return Some(ModelNotes {
                schema: 0,
                recipe: Some(r.key),
                dataset: r.model.dataset,
                preprocessing: r.model.preprocessing,
                epochs_done: r.train.epochs,
                train: r.train,
                history: Vec::new(),
                test_accuracy: None,
                train_seconds: f64_of("train_seconds"),
            });
        }
        // `mpg train` and the app before the schema: {"train", "history", "test_accuracy",
        // "train_seconds"}, the app's snapshots of a cancelled run also "epochs_done".
        let train: TrainConfig = serde_json::from_value(json.get("train")?.clone()).ok()?;
        let history: Vec<EpochSummary> =
            json.get("history").and_then(|h| serde_json::from_value(h.clone()).ok()).unwrap_or_default();
        let epochs_done = json.get("epochs_done").and_then(|v| v.as_u64()).map(|v| v as usize).unwrap_or(
            // a finished run's history has every epoch; without one, trust the settings
            if history.is_empty() { train.epochs } else { history.len() },
        );
        Some(ModelNotes {
            schema: 0,
            recipe: None,
            dataset: config.dataset,
            preprocessing: config.preprocessing,
            train,
            epochs_done,
            history,
            test_accuracy: f64_of("test_accuracy"),
            train_seconds: f64_of("train_seconds"),
        })
    }

    /// Whether a model of `config` with these notes is the model of `recipe`: the same network,
    /// data and training settings, trained to the end, and either carrying the recipe's key or,
    /// for a file without a key, a recipe with no teacher (a distilled student is only the
    /// recipe's when it says so, since its settings do not name the teacher).
    pub fn matches(&self, config: &ModelConfig, recipe: &Recipe) -> bool {
        let key_ok = match self.recipe {
            Some(k) => k == recipe.key,
            None => recipe.teacher.is_none(),
        };
        key_ok && *config == recipe.model && self.train == recipe.train && self.epochs_done == recipe.train.epochs
    }
}

/// A model file (safetensors bytes) with its notes in the one schema.
pub fn model_file(model: &Model, notes: &ModelNotes) -> Result<Vec<u8>> {
    let json = serde_json::to_value(notes).map_err(|e| Error::ModelFormat(e.to_string()))?;
    io::to_bytes(model, Some(&json))
}

/// A model file read back, with its notes if it has any this build understands.
pub fn read_model_file(bytes: &[u8], fallback_preprocessing: Preprocessing) -> Result<(Model, Option<ModelNotes>)> {
    let loaded = io::from_bytes(bytes, fallback_preprocessing)?;
    let notes = ModelNotes::read(&loaded.notes, &loaded.model.config);
    Ok((loaded.model, notes))
}
