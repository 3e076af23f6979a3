//! The Reproduce panel's table: the engine's [`ReportTable`], built by the same
//! [`ReportTable::build`] `mpg reproduce` calls, from the same sections and training seed; with
//! several seeds per row, the engine's [`SeedTable`], by the [`SeedTable::build`] of
//! `mpg reproduce --seeds N`.
//! This module only gathers the app's measurements of each row's model (matched by its notes,
//! see [`super::reproduce::model_for`]); the joining with the report, by key, and the CSV and
//! JSON are the engine's.

use std::collections::BTreeMap;

use engine::experiments::defaults::TRAIN_SEED;
use engine::experiments::seeds::SeedTable;
use engine::experiments::{Budget, Measured, RecipeKey, ReportTable};
use engine::stats::Spread;

use super::explore::{fault_rates, Explore};
use super::readout::first_draws;
use super::reproduce::{jobs, keys, model_for, recipe, recipe_at, seeds, Job, SECTIONS};
use super::selectors::curve_spread;
use super::state::State;

/// A point of the fault curve (0 = crossbar without faults, 2 = LRS 0.1 / HRS 0.1), when the
/// crossbar settings are the report's (MemTorch tutorial defaults).
fn xbar_at(e: &Explore, model: u64, point: usize) -> Option<Spread> {
    if !e.crossbar.enabled || e.xbar_key() != Explore::default().xbar_key() {
        return None;
    }
    let draws = e.xbar_curve(model)?.get(&point)?;
    let mut c = e.crossbar.config.clone();
    let p = fault_rates()[point];
    c.faults = engine::crossbar::FaultConfig { lrs: p, hrs: p };
    let n = if c.is_stochastic() { e.draws } else { 1 };
    first_draws(draws, n)
}

/// The app's figures of one model: clean accuracy from training, the noise figures from the
/// Explore panel's curves, the crossbar ones from its fault curve.
fn figures_of(s: &State, m: &super::models::SavedModel) -> Measured {
    let id = m.meta.id;
    Measured {
        clean: Some(Spread::of(vec![m.meta.test_accuracy])),
        std1_0: curve_spread(s, id, 1.0),
        std1_5: curve_spread(s, id, 1.5),
        crossbar: xbar_at(&s.explore, id, 0),
        crossbar_faults: xbar_at(&s.explore, id, 2),
        train_seconds: Some(m.meta.train_seconds),
        ..Measured::default()
    }
}

/// The app's figures of every row with a model of its recipe (report seed) under `budget`
/// (the panel's is the report's full one).
pub fn measured(s: &State, budget: &Budget) -> BTreeMap<RecipeKey, Measured> {
    keys()
        .into_iter()
        .filter_map(|key| Some((key, figures_of(s, model_for(&s.models, &budget.apply(&recipe(key)))?))))
        .collect()
}

/// The app's figures of every (row, seed) model of the panel's seeds that exists under
/// `budget`, keyed as `mpg reproduce --seeds` keys its measurements.
pub fn measured_runs(s: &State, budget: &Budget) -> BTreeMap<Job, Measured> {
    jobs(s)
        .into_iter()
        .filter_map(|job| Some((job, figures_of(s, model_for(&s.models, &budget.apply(&recipe_at(job)))?))))
        .collect()
}

/// The panel's table, rows keyed by recipe: every row of [`SECTIONS`], measured or not.
pub fn table(s: &State) -> ReportTable {
    table_under(s, &Budget::default())
}

/// The table of the models trained under `budget` (a test's tiny one).
pub fn table_under(s: &State, budget: &Budget) -> ReportTable {
    ReportTable::build(&ReportTable::full_layout(&SECTIONS), &measured(s, budget), TRAIN_SEED)
}

/// With two seeds per row or more, the panel's table over seeds: built by the engine's
/// [`SeedTable::build`], the call `mpg reproduce --seeds N` makes (mean ± sd over seeds and a
/// verdict per report figure), the report's protocol being the panel's draws. `None` with one
/// seed, where the panel shows [`table`] as before.
pub fn seed_table(s: &State) -> Option<SeedTable> {
    seed_table_under(s, &Budget::default())
}

/// [`seed_table`] of the models trained under `budget` (a test's tiny one).
pub fn seed_table_under(s: &State, budget: &Budget) -> Option<SeedTable> {
    let seeds = seeds(s);
    (seeds.len() >= 2).then(|| {
        let layout = ReportTable::full_layout(&SECTIONS);
        SeedTable::build(&layout, &measured_runs(s, budget), |_| seeds.clone(), TRAIN_SEED, s.explore.draws)
    })
}
