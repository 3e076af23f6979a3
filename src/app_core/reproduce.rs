//! The Reproduce panel's queue: which report rows wait for the trainer, which one is
//! training, which model a row (or a teacher-student row's teacher) is, matched by the
//! recipe's full configuration, never by a name or a position. The queue is saved, so a
//! reload resumes it.

use engine::crossbar::experiment::fault_aware_recipe;
use engine::data::DatasetKind;
use engine::experiments::noise_tables::{batch_table_recipes, hardening_recipes, Recipe};

use super::models::SavedModel;
use super::state::State;

/// The seed of the app's Reproduce rows.
pub const SEED: u64 = 1234;

/// The trainable rows in table order: the batch table, the hardening table, Part 2's
/// fault-aware row.
pub fn recipes() -> Vec<Recipe> {
    batch_table_recipes(SEED).into_iter().chain(hardening_recipes(SEED)).chain([fault_aware_recipe(SEED)]).collect()
}

pub fn recipe(key: &str) -> Option<Recipe> {
    recipes().into_iter().find(|r| r.key == key)
}

/// The newest model trained exactly as `recipe` says (dataset, preprocessing, architecture,
/// every training setting including the biases).
pub fn model_for<'a>(models: &'a [SavedModel], recipe: &Recipe) -> Option<&'a SavedModel> {
    models.iter().rev().find(|m| m.meta.model == recipe.model && m.meta.train == recipe.train)
}

/// The teacher of a teacher-student row: the model of the row its recipe names (the MNIST,
/// trained-biases, standard MLP at batch 64 of the same seed and epochs).
pub fn teacher_for(models: &[SavedModel], recipe: &Recipe) -> Option<u64> {
    let teacher = recipe.teacher.as_deref().and_then(self::recipe)?;
    model_for(models, &teacher).map(|m| m.meta.id)
}

/// Where a row stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    Trained(u64),
    Training,
    Queued,
    Missing,
}

/// Report rows waiting for the trainer, by recipe key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReproduceQueue {
    pub waiting: Vec<String>,
    /// What was last saved (see [`saved_keys`]).
    pub saved: Vec<String>,
}

pub fn row_status(s: &State, recipe: &Recipe) -> RowStatus {
    if s.training() && s.run.as_ref().and_then(|r| r.recipe.as_deref()) == Some(recipe.key.as_str()) {
        RowStatus::Training
    } else if let Some(m) = model_for(&s.models, recipe) {
        RowStatus::Trained(m.meta.id)
    } else if s.reproduce.waiting.contains(&recipe.key) {
        RowStatus::Queued
    } else {
        RowStatus::Missing
    }
}

/// Rows neither trained, training nor queued: what "Train all missing rows" queues.
pub fn missing(s: &State) -> Vec<String> {
    recipes().into_iter().filter(|r| row_status(s, r) == RowStatus::Missing).map(|r| r.key).collect()
}

/// Queues the rows of `keys` that are missing (a row already trained, training or queued is
/// not queued twice).
pub fn enqueue(s: &mut State, keys: &[String]) {
    for key in keys {
        if recipe(key).is_some_and(|r| row_status(s, &r) == RowStatus::Missing) {
            s.reproduce.waiting.push(key.clone());
        }
    }
}

/// What to save: the row in training first (a reload loses the run, so it trains again),
/// then the waiting ones.
pub fn saved_keys(s: &State) -> Vec<String> {
    let running = s.run.as_ref().filter(|_| s.training()).and_then(|r| r.recipe.clone());
    running.into_iter().chain(s.reproduce.waiting.iter().cloned()).collect()
}

/// The next row to train, if the trainer is free: the first waiting row whose teacher (if it
/// needs one) exists. Rows whose teacher is neither trained nor on its way are dropped with
/// a notice; rows whose teacher is still to come wait for it.
pub fn next_row(s: &mut State) -> Option<(Recipe, Option<u64>)> {
    if !s.trainer_ready || s.training() || !s.data_ready() || s.reproduce.waiting.is_empty() {
        return None;
    }
    if !matches!(s.data, super::state::DataStatus::Ready { kind: DatasetKind::Mnist, .. }) {
        s.notice = Some("The Reproduce queue waits: the report's rows train on MNIST.".into());
        return None;
    }
    let mut i = 0;
    while i < s.reproduce.waiting.len() {
        let Some(r) = recipe(&s.reproduce.waiting[i]) else {
            s.reproduce.waiting.remove(i);
            continue;
        };
        if matches!(row_status(s, &r), RowStatus::Trained(_)) {
            // trained meanwhile (a restored queue, a model restored after it)
            s.reproduce.waiting.remove(i);
            continue;
        }
        if r.teacher.is_none() {
            s.reproduce.waiting.remove(i);
            return Some((r, None));
        }
        if let Some(t) = teacher_for(&s.models, &r) {
            s.reproduce.waiting.remove(i);
            return Some((r, Some(t)));
        }
        let teacher_key = r.teacher.clone().unwrap_or_default();
        if s.reproduce.waiting.contains(&teacher_key) {
            i += 1;
        } else {
            s.reproduce.waiting.remove(i);
            s.notice = Some(format!("{}: needs the {teacher_key} model as its teacher; skipped", r.label));
        }
    }
    None
}
