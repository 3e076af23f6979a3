//! The Reproduce panel's queue: which report models wait for the trainer, which one is
//! training, which model a row (or a teacher-student row's teacher) is. A row is trained from
//! one to [`MAX_SEEDS_PER_ROW`] training seeds (1234, 1235, ..., as `mpg reproduce --seeds N`
//! trains them); each (row, seed) model is queued and recognised on its own. A model is a
//! row's when the engine's [`ModelNotes::matches`] says so for the recipe at that seed, the
//! rule `mpg reproduce` uses to reuse a file, never by a name or a position. The queue is
//! saved, so a reload resumes it.

use engine::data::DatasetKind;
use engine::experiments::defaults::TRAIN_SEED;
use engine::experiments::seeds::training_seeds;
use engine::experiments::{Recipe, RecipeKey, ReportTable, Section};

use super::models::SavedModel;
use super::state::{State, Trainer};

/// The report's tables the panel shows: Part 1's batch and hardening tables and Part 2's
/// fault-aware one (with the project's ablations), as `mpg reproduce` lays them out.
pub const SECTIONS: [Section; 3] = [Section::Batch, Section::Hardening, Section::FaultAware];

/// Most training seeds per row the panel offers: each one trains every row once more (in a
/// browser, minutes per row), and five already give the spread a verdict needs.
pub const MAX_SEEDS_PER_ROW: usize = 5;

/// One model of the table: a row's recipe trained from one seed.
pub type Job = (RecipeKey, u64);

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

/// A "seeds per row" value from anywhere (a link, a test): within 1..=[`MAX_SEEDS_PER_ROW`].
pub fn clamp_seeds(n: usize) -> usize {
    n.clamp(1, MAX_SEEDS_PER_ROW)
}

/// The training seeds of every row: `n` consecutive seeds from the report's (the CLI's rule).
pub fn seeds(s: &State) -> Vec<u64> {
    training_seeds(TRAIN_SEED, clamp_seeds(s.reproduce.seeds))
}

/// Every (row, seed) model of the table, each row's seeds in turn, in table order.
pub fn jobs(s: &State) -> Vec<Job> {
    let seeds = seeds(s);
    keys().into_iter().flat_map(|k| seeds.iter().map(move |&seed| (k, seed))).collect()
}

/// The recipe of a row, from the engine's default training seed (the CLI's too).
pub fn recipe(key: RecipeKey) -> Recipe {
    recipe_at((key, TRAIN_SEED))
}

/// The recipe of a row trained from one seed: the engine's, as `mpg reproduce` trains it.
pub fn recipe_at((key, seed): Job) -> Recipe {
    engine::experiments::recipe(key, seed)
}

/// The newest model that is the model of `recipe` by its notes: the same network, data and
/// training settings (the seed included), trained to the end, and the recipe's key (or none,
/// for a recipe that needs no teacher).
pub fn model_for<'a>(models: &'a [SavedModel], recipe: &Recipe) -> Option<&'a SavedModel> {
    models.iter().rev().find(|m| m.meta.notes().matches(&m.meta.model, recipe))
}

/// The teacher of a teacher-student row: the model of the row its recipe names, trained from
/// the same seed (as `mpg reproduce --seeds` pairs them).
pub fn teacher_for(models: &[SavedModel], recipe: &Recipe) -> Option<u64> {
    let teacher = recipe_at((recipe.teacher?, recipe.train.seed));
    model_for(models, &teacher).map(|m| m.meta.id)
}

/// Where a row (or one of its models) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    Trained(u64),
    Training,
    Queued,
    Missing,
}

/// Report models waiting for the trainer, and how many seeds each row is trained from.
#[derive(Clone, Debug, PartialEq)]
pub struct ReproduceQueue {
    pub waiting: Vec<Job>,
    /// What was last saved (see [`saved_jobs`]).
    pub saved: Vec<Job>,
    /// Seeds per row (1 to [`MAX_SEEDS_PER_ROW`]): 1 is the report's single run.
    pub seeds: usize,
}

impl Default for ReproduceQueue {
    fn default() -> Self {
        Self { waiting: Vec::new(), saved: Vec::new(), seeds: 1 }
    }
}

/// Where one (row, seed) model stands.
pub fn job_status(s: &State, job: Job) -> RowStatus {
    if s.running().any(|r| r.recipe == Some(job.0) && r.train.seed == job.1) {
        RowStatus::Training
    } else if let Some(m) = model_for(&s.models, &recipe_at(job)) {
        RowStatus::Trained(m.meta.id)
    } else if s.reproduce.waiting.contains(&job) {
        RowStatus::Queued
    } else {
        RowStatus::Missing
    }
}

/// Where a row stands over its seeds: trained when every seed's model is (the first seed's
/// id), else training if one is, else missing if one is neither trained nor on its way.
pub fn row_status(s: &State, key: RecipeKey) -> RowStatus {
    let all: Vec<RowStatus> = seeds(s).into_iter().map(|seed| job_status(s, (key, seed))).collect();
    if let Some(&first @ RowStatus::Trained(_)) = all.first() {
        if all.iter().all(|st| matches!(st, RowStatus::Trained(_))) {
            return first;
        }
    }
    [RowStatus::Training, RowStatus::Missing, RowStatus::Queued]
        .into_iter()
        .find(|want| all.contains(want))
        .unwrap_or(RowStatus::Missing)
}

/// Models neither trained, training nor queued: what "Train all missing" queues.
pub fn missing_jobs(s: &State) -> Vec<Job> {
    jobs(s).into_iter().filter(|&j| job_status(s, j) == RowStatus::Missing).collect()
}

/// Rows with a model missing.
pub fn missing(s: &State) -> Vec<RecipeKey> {
    let mut out: Vec<RecipeKey> = missing_jobs(s).into_iter().map(|(k, _)| k).collect();
    out.dedup();
    out
}

/// Queues the missing models of the rows of `keys`, every seed of each (a model already
/// trained, training or queued is not queued twice; a key the panel does not show is ignored).
pub fn enqueue(s: &mut State, keys: &[RecipeKey]) {
    let shown = self::keys();
    for &key in keys {
        if !shown.contains(&key) {
            continue;
        }
        for seed in seeds(s) {
            if job_status(s, (key, seed)) == RowStatus::Missing {
                s.reproduce.waiting.push((key, seed));
            }
        }
    }
}

/// The queue as saved between visits: a model's recipe key, with `@seed` after it unless it is
/// the report's seed (so a queue saved before seeds existed reads back the same).
pub fn saved_strings(jobs: &[Job]) -> Vec<String> {
    jobs.iter().map(|&(k, seed)| if seed == TRAIN_SEED { k.to_string() } else { format!("{k}@{seed}") }).collect()
}

/// A saved queue read back: models of rows the panel shows, from a seed the panel can ask for,
/// each once (anything else is dropped).
pub fn restore(saved: &[String]) -> Vec<Job> {
    let shown = keys();
    let allowed = training_seeds(TRAIN_SEED, MAX_SEEDS_PER_ROW);
    let mut out = Vec::new();
    for entry in saved {
        let (key, seed) = match entry.split_once('@') {
            Some((k, seed)) => (k, seed.trim().parse::<u64>().ok()),
            None => (entry.as_str(), Some(TRAIN_SEED)),
        };
        let (Some(key), Some(seed)) = (RecipeKey::parse(key), seed) else { continue };
        if shown.contains(&key) && allowed.contains(&seed) && !out.contains(&(key, seed)) {
            out.push((key, seed));
        }
    }
    out
}

/// What to save: the models in training first (a reload loses the runs, so they train
/// again), then the waiting ones.
pub fn saved_jobs(s: &State) -> Vec<Job> {
    let running = s.running().filter_map(|r| r.recipe.map(|k| (k, r.train.seed)));
    running.chain(s.reproduce.waiting.iter().copied()).collect()
}

/// Whether to start the second trainer now: the main trainer is busy, the queue still has a
/// row the second could start, and it was never started. Started on demand, because it holds
/// its own copy of the training set.
pub fn wants_second_trainer(s: &State) -> bool {
    !s.second.spawned && s.training() && s.data_ready() && !s.reproduce.waiting.is_empty()
}

/// The next model for `trainer`, if it is free: the first waiting one whose teacher (if it
/// needs one: the teacher row's model of the same seed) exists. Models whose teacher is
/// neither trained nor on its way (queued, or in training on the other trainer) are dropped
/// with a notice; those whose teacher is still to come wait for it.
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
        let job = s.reproduce.waiting[i];
        let r = recipe_at(job);
        if matches!(job_status(s, job), RowStatus::Trained(_)) {
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
        let teacher = (teacher_key, job.1);
        if s.reproduce.waiting.contains(&teacher) || job_status(s, teacher) == RowStatus::Training {
            i += 1;
        } else {
            s.reproduce.waiting.remove(i);
            s.notice = Some(format!("{}: needs the {teacher_key} model as its teacher; skipped", r.label));
        }
    }
    None
}
