//! The Reproduce panel's table: the engine's [`ReportTable`], built by the same
//! [`ReportTable::build`] `mpg reproduce` calls, from the same sections and training seed.
//! This module only gathers the app's measurements of each row's model (matched by its notes,
//! see [`super::reproduce::model_for`]); the joining with the report, by key, and the CSV and
//! JSON are the engine's.

use std::collections::BTreeMap;

use engine::experiments::defaults::TRAIN_SEED;
use engine::experiments::{Budget, Measured, RecipeKey, ReportTable};
use engine::stats::Spread;

use super::explore::{fault_rates, Explore};
use super::readout::first_draws;
use super::reproduce::{keys, model_for, recipe, SECTIONS};
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

/// The app's figures of every row with a model of its recipe under `budget` (the panel's is
/// the report's full one): clean accuracy from training, the noise figures from the Explore
/// panel's curves, the crossbar ones from its fault curve.
pub fn measured(s: &State, budget: &Budget) -> BTreeMap<RecipeKey, Measured> {
    keys()
        .into_iter()
        .filter_map(|key| {
            let m = model_for(&s.models, &budget.apply(&recipe(key)))?;
            let id = m.meta.id;
            let ours = Measured {
                clean: Some(Spread::of(vec![m.meta.test_accuracy])),
                std1_0: curve_spread(s, id, 1.0),
                std1_5: curve_spread(s, id, 1.5),
                crossbar: xbar_at(&s.explore, id, 0),
                crossbar_faults: xbar_at(&s.explore, id, 2),
                train_seconds: Some(m.meta.train_seconds),
                ..Measured::default()
            };
            Some((key, ours))
        })
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
