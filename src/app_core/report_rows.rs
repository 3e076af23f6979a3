//! The Reproduce panel's table: each trainable report row beside ours, and its CSV and JSON.
//! Ours come from the model trained by the row's recipe (matched by the full configuration)
//! and the Explore panel's curves.
//!
//! The report's figures are still joined here (by recipe key for the crossbar table, by the
//! hardening table's labels, which the recipes take from it); `engine::experiments` is to
//! own one typed report table for the CLI and the app, which this module should then call.

use engine::experiments::noise_tables::Recipe;
use engine::experiments::report::{BATCH_TABLE, CROSSBAR_TABLE, FAULT_AWARE_TABLE, HARDENING_TABLE};

use super::explore::{fault_rates, Explore};
use super::readout::first_draws;
use super::reproduce::{recipes, row_status, RowStatus, SEED};
use super::selectors::noise_curve_points;
use super::state::State;

/// The report's figures and ours for one row: clean, σ = 1.0, σ = 1.5, crossbar, crossbar +
/// faults 0.1 / 0.1.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub clean: Option<f64>,
    pub std1: Option<f64>,
    pub std15: Option<f64>,
    pub crossbar: Option<f64>,
    pub faults: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReportRow {
    pub table: &'static str,
    pub recipe: Recipe,
    pub report: Figures,
    pub ours: Figures,
    pub status: RowStatus,
}

/// Ours at a noise std, from the model's finished curve point.
fn at_std(s: &State, model: u64, std: f32) -> Option<f64> {
    noise_curve_points(s, model).iter().find(|p| (p.0 - std as f64).abs() < 1e-4).map(|p| p.1)
}

/// Ours at a point of the fault curve (0 = crossbar without faults, 2 = LRS 0.1 / HRS 0.1),
/// when the crossbar settings are the report's (MemTorch tutorial defaults).
fn xbar_at(e: &Explore, model: u64, point: usize) -> Option<f64> {
    if !e.crossbar.enabled || e.xbar_key() != Explore::default().xbar_key() {
        return None;
    }
    let draws = e.xbar_curve(model)?.get(&point)?;
    let mut c = e.crossbar.config.clone();
    let p = fault_rates()[point];
    c.faults = engine::crossbar::FaultConfig { lrs: p, hrs: p };
    let n = if c.is_stochastic() { e.draws } else { 1 };
    first_draws(draws, n).map(|sp| sp.mean)
}

/// The report's figures of a recipe, by its key.
fn report_figures(r: &Recipe) -> Option<(&'static str, Figures)> {
    let xbar = CROSSBAR_TABLE.iter().find(|x| x.0 == r.key);
    let (crossbar, faults) = match xbar {
        Some(x) => (Some(x.3), Some(x.4)),
        None if r.key == engine::crossbar::experiment::fault_aware_recipe(SEED).key => {
            (None, Some(FAULT_AWARE_TABLE[1].1))
        }
        None => (None, None),
    };
    if let Some(b) = BATCH_TABLE.iter().find(|b| engine::experiments::noise_tables::batch_key(b.0, b.1) == r.key) {
        return Some(("batch", Figures { clean: Some(b.2), std1: Some(b.3), std15: None, crossbar, faults }));
    }
    let fault_aware = r.key == engine::crossbar::experiment::fault_aware_recipe(SEED).key;
    let label = if fault_aware { "Fault-aware" } else { r.label.as_str() };
    let h = HARDENING_TABLE.iter().find(|h| h.0 == r.label || (fault_aware && h.0.starts_with(label)))?;
    let table = if fault_aware { "fault-aware" } else { "hardening" };
    Some((table, Figures { clean: Some(h.1), std1: Some(h.2), std15: Some(h.3), crossbar, faults }))
}

pub fn rows(s: &State) -> Vec<ReportRow> {
    recipes()
        .into_iter()
        .filter_map(|recipe| {
            let (table, report) = report_figures(&recipe)?;
            let status = row_status(s, &recipe);
            let model = super::reproduce::model_for(&s.models, &recipe);
            let ours = Figures {
                clean: model.map(|m| m.meta.test_accuracy),
                std1: model.and_then(|m| at_std(s, m.meta.id, 1.0)),
                std15: model.and_then(|m| at_std(s, m.meta.id, 1.5)),
                crossbar: model.and_then(|m| xbar_at(&s.explore, m.meta.id, 0)),
                faults: model.and_then(|m| xbar_at(&s.explore, m.meta.id, 2)),
            };
            Some(ReportRow { table, recipe, report, ours, status })
        })
        .collect()
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

pub fn csv(rows: &[ReportRow]) -> String {
    let mut out = vec!["table,key,label,report_clean,ours_clean,report_std1.0,ours_std1.0,report_std1.5,ours_std1.5,report_crossbar,ours_crossbar,report_faults,ours_faults".to_string()];
    for r in rows {
        let (a, b) = (&r.report, &r.ours);
        out.push(format!(
            "{},{},\"{}\",{},{},{},{},{},{},{},{},{},{}",
            r.table,
            r.recipe.key,
            r.recipe.label,
            opt(a.clean),
            opt(b.clean),
            opt(a.std1),
            opt(b.std1),
            opt(a.std15),
            opt(b.std15),
            opt(a.crossbar),
            opt(b.crossbar),
            opt(a.faults),
            opt(b.faults)
        ));
    }
    out.join("\n")
}

pub fn json(rows: &[ReportRow]) -> String {
    let fig = |f: &Figures| serde_json::json!({ "clean": f.clean, "std1.0": f.std1, "std1.5": f.std15, "crossbar": f.crossbar, "faults": f.faults });
    let rows: Vec<_> = rows
        .iter()
        .map(|r| serde_json::json!({ "table": r.table, "key": r.recipe.key, "label": r.recipe.label, "report": fig(&r.report), "ours": fig(&r.ours) }))
        .collect();
    serde_json::json!({ "seed": SEED, "rows": rows }).to_string()
}
