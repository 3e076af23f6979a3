//! The Reproduce panel's queue: which report rows wait for the trainer, which one is
//! training, which model a row (or a teacher-student row's teacher) is. A model is a row's
//! when the engine's [`ModelNotes::matches`] says so, the rule `mpg reproduce` uses to reuse a
//! file, never by a name or a position. The queue is saved, so a reload resumes it.

use engine::data::DatasetKind;
use engine::experiments::defaults::TRAIN_SEED;
use engine::experiments::{Recipe, RecipeKey, ReportTable, Section};

use super::models::SavedModel;
use super::state::{State, Trainer};

/// The report's tables the panel shows: Part 1's batch and hardening tables and Part 2's
/// fault-aware one (with the project's ablations), as `mpg reproduce` lays them out.
pub const SECTIONS: [Section; 3] = [Section::Batch, Section::Hardening, Section::FaultAware];

/// Every trainable row of [`SECTIONS`], each recipe once, in table order.
pub fn keys() -> Vec<RecipeKey> {
    let mut out: Vec<RecipeKey> = Vec::new();
    for (_, keys) in ReportTable::full_layout(&SECTIONS) {
        for k in keys {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

/// The recipe of a row, from the engine's default training seed (the CLI's too).
pub fn recipe(key: RecipeKey) -> Recipe {
    engine::experiments::recipe(key, TRAIN_SEED)
}

/// The newest model that is the model of `recipe` by its notes: the same network, data and
/// training settings, trained to the end, and the recipe's key (or none, for a recipe that
/// needs no teacher).
pub fn model_for<'a>(models: &'a [SavedModel], recipe: &Recipe) -> Option<&'a SavedModel> {
    models.iter().rev().find(|m| m.meta.notes().matches(&m.meta.model, recipe))
}

/// The teacher of a teacher-student row: the model of the row its recipe names.
pub fn teacher_for(models: &[SavedModel], recipe: &Recipe) -> Option<u64> {
    let teacher = self::recipe(recipe.teacher?);
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

/// Report rows waiting for the trainer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReproduceQueue {
    pub waiting: Vec<RecipeKey>,
    /// What was last saved (see [`saved_keys`]).
    pub saved: Vec<RecipeKey>,
}

pub fn row_status(s: &State, key: RecipeKey) -> RowStatus {
    if s.running().any(|r| r.recipe == Some(key)) {
        RowStatus::Training
    } else if let Some(m) = model_for(&s.models, &recipe(key)) {
        RowStatus::Trained(m.meta.id)
    } else if s.reproduce.waiting.contains(&key) {
        RowStatus::Queued
    } else {
        RowStatus::Missing
    }
}

/// Rows neither trained, training nor queued: what "Train all missing rows" queues.
pub fn missing(s: &State) -> Vec<RecipeKey> {
    keys().into_iter().filter(|&k| row_status(s, k) == RowStatus::Missing).collect()
}

/// Queues the rows of `keys` that are missing (a row already trained, training or queued is
/// not queued twice; a key the panel does not show is ignored).
pub fn enqueue(s: &mut State, keys: &[RecipeKey]) {
    let shown = self::keys();
    for &key in keys {
        if shown.contains(&key) && row_status(s, key) == RowStatus::Missing {
            s.reproduce.waiting.push(key);
        }
    }
}

/// The queue as saved between visits: the keys' stable strings.
pub fn saved_strings(keys: &[RecipeKey]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

/// A saved queue read back: rows the panel shows, each once (unknown strings are dropped).
pub fn restore(saved: &[String]) -> Vec<RecipeKey> {
    let shown = keys();
    let mut out = Vec::new();
    for k in saved.iter().filter_map(|s| RecipeKey::parse(s)) {
        if shown.contains(&k) && !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// What to save: the rows in training first (a reload loses the runs, so they train again),
/// then the waiting ones.
pub fn saved_keys(s: &State) -> Vec<RecipeKey> {
    let running = s.running().filter_map(|r| r.recipe);
    running.chain(s.reproduce.waiting.iter().copied()).collect()
}

/// Whether to start the second trainer now: the main trainer is busy, the queue still has a
/// row the second could start, and it was never started. Started on demand, because it holds
/// its own copy of the training set.
pub fn wants_second_trainer(s: &State) -> bool {
    !s.second.spawned && s.training() && s.data_ready() && !s.reproduce.waiting.is_empty()
}

/// The next row for `trainer`, if it is free: the first waiting row whose teacher (if it
/// needs one) exists. Rows whose teacher is neither trained nor on its way (queued, or in
/// training on the other trainer) are dropped with a notice; rows whose teacher is still to
/// come wait for it.
pub fn next_row(s: &mut State, trainer: Trainer) -> Option<(Recipe, Option<u64>)> {
    if !s.trainer_free(trainer) || !s.data_ready() || s.reproduce.waiting.is_empty() {
        return None;
    }
    if !matches!(s.data, super::state::DataStatus::Ready { kind: DatasetKind::Mnist, .. }) {
        s.notice = Some("The Reproduce queue waits: the report's rows train on MNIST.".into());
        return None;
    }
    let mut i = 0;
    while i < s.reproduce.waiting.len() {
        let r = recipe(s.reproduce.waiting[i]);
        if matches!(row_status(s, r.key), RowStatus::Trained(_)) {
            // trained meanwhile (a restored queue, a model restored after it)
            s.reproduce.waiting.remove(i);
            continue;
        }
        let Some(teacher_key) = r.teacher else {
            s.reproduce.waiting.remove(i);
            return Some((r, None));
        };
        if let Some(t) = teacher_for(&s.models, &r) {
            s.reproduce.waiting.remove(i);
            return Some((r, Some(t)));
        }
        if s.reproduce.waiting.contains(&teacher_key) || row_status(s, teacher_key) == RowStatus::Training {
            i += 1;
        } else {
            s.reproduce.waiting.remove(i);
            s.notice = Some(format!("{}: needs the {teacher_key} model as its teacher; skipped", r.label));
        }
    }
    None
}
