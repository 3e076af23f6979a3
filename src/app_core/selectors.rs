//! What the panels show, derived from the state (the views only lay it out).

use engine::data::DatasetKind;

use super::explore::{curve_stds, drift_key, fault_rates, CURVE_POINTS};
use super::readout::{draws_in, first_draws};
use super::state::{DataOrigin, DataStatus, State};
use super::url::ViewParams;

/// The view the URL holds.
pub fn view_params(s: &State) -> ViewParams {
    ViewParams {
        tab: s.tab,
        std: s.explore.std,
        draws: s.explore.draws,
        model: s.explore.model.filter(|&id| shipped_key(s, id).is_none()),
        crossbar: s.explore.crossbar.clone(),
        seeds: s.reproduce.seeds,
        teacher: s.teacher.clone(),
        lesson: s.lesson,
        shipped: s.explore.model.and_then(|id| shipped_key(s, id)),
        compare: compared(s).into_iter().map(|id| shipped_key(s, id).unwrap_or_else(|| id.to_string())).collect(),
        recipe: s.explore.model.and_then(|id| s.model(id)).and_then(|m| super::models::link_recipe(&m.meta)),
    }
}

/// A shipped model's recipe key (how links name it), or `None` for other models.
pub fn shipped_key(s: &State, id: u64) -> Option<String> {
    let m = s.model(id)?;
    m.meta.name.ends_with(super::shipped::SUFFIX).then(|| m.meta.recipe.map(|r| r.as_str().to_string())).flatten()
}

/// The compared models that exist, in the order they were ticked.
pub fn compared(s: &State) -> Vec<u64> {
    s.explore.compare.iter().copied().filter(|&id| s.model(id).is_some()).collect()
}

/// The Landscape's models: the ticked ones, or else the one selected in Explore (the newest
/// only when none is selected); and the one whose 2-D grid is drawn (the selected one if it
/// is among them).
pub fn landscape_models(s: &State) -> (Vec<u64>, Option<u64>) {
    let selected = s.explore.model.filter(|&id| s.model(id).is_some());
    let ticked = compared(s);
    let models =
        if ticked.is_empty() { selected.or(s.models.last().map(|m| m.meta.id)).into_iter().collect() } else { ticked };
    let grid = selected.filter(|id| models.contains(id)).or(models.first().copied());
    (models, grid)
}

/// Evaluations of a curve still to come, and failed ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CurveProgress {
    pub pending: usize,
    pub failed: usize,
}

/// The noise curves of the compared models.
pub fn noise_curve_progress(s: &State) -> CurveProgress {
    let e = &s.explore;
    let mut p = CurveProgress::default();
    for id in compared(s) {
        let failures = e.curve_failures.get(&id);
        for i in 0..CURVE_POINTS {
            let n = if i == 0 { 1 } else { e.draws };
            let have = e.curves.get(&id).and_then(|c| c.get(&i)).map_or(0, |d| draws_in(d, n));
            let failed = failures.map_or(0, |f| f.iter().filter(|(pi, d)| *pi == i && *d < n).count());
            p.failed += failed;
            p.pending += n.saturating_sub(have + failed);
        }
    }
    p
}

/// Mean and sd of the finished points of a model's noise curve (points with all draws only).
pub fn noise_curve_points(s: &State, model: u64) -> Vec<(f64, f64, f64)> {
    let e = &s.explore;
    let stds = curve_stds();
    let Some(c) = e.curves.get(&model) else { return vec![] };
    c.iter()
        .filter_map(|(&i, draws)| {
            let n = if stds[i] == 0.0 { 1 } else { e.draws };
            first_draws(draws, n).map(|sp| (stds[i] as f64, sp.mean, sp.sd))
        })
        .collect()
}

/// The noise curve's figure of `model` at `std`, once all its draws are in.
pub fn curve_spread(s: &State, model: u64, std: f32) -> Option<engine::stats::Spread> {
    let e = &s.explore;
    let i = super::explore::curve_index(std)?;
    let n = if std == 0.0 { 1 } else { e.draws };
    first_draws(e.curves.get(&model)?.get(&i)?, n)
}

/// Draws one point of the fault curve needs at stuck-at rate `p`.
fn fault_draws(s: &State, p: f64) -> usize {
    let mut c = s.explore.crossbar.config.clone();
    c.faults = engine::crossbar::FaultConfig { lrs: p, hrs: p };
    if c.is_stochastic() {
        s.explore.draws
    } else {
        1
    }
}

/// The fault curves of the compared models under the current crossbar settings.
pub fn fault_curve_progress(s: &State) -> CurveProgress {
    let e = &s.explore;
    let key = e.xbar_key();
    let mut p = CurveProgress::default();
    for id in compared(s) {
        let curve = e.xbar_curve(id);
        let failures = e.xbar_curve_failures.get(&key).and_then(|m| m.get(&id));
        for (k, &rate) in fault_rates().iter().enumerate() {
            let n = fault_draws(s, rate);
            let have = curve.and_then(|c| c.get(&k)).map_or(0, |d| draws_in(d, n));
            let failed = failures.map_or(0, |f| f.iter().filter(|(pi, d)| *pi == k && *d < n).count());
            p.failed += failed;
            p.pending += n.saturating_sub(have + failed);
        }
    }
    p
}

/// A model's fault-curve points (rate, mean, sd) under the current settings.
pub fn fault_curve_points(s: &State, model: u64) -> Vec<(f64, f64, f64)> {
    let Some(curve) = s.explore.xbar_curve(model) else { return vec![] };
    fault_rates()
        .iter()
        .enumerate()
        .filter_map(|(k, &p)| {
            curve.get(&k).and_then(|d| first_draws(d, fault_draws(s, p))).map(|sp| (p, sp.mean, sp.sd))
        })
        .collect()
}

/// A model's drift-curve points (seconds, mean, sd) under the current settings.
pub fn drift_curve_points(s: &State, model: u64) -> Vec<(f64, f64, f64)> {
    let Some(curve) = s.explore.drift_curve(model) else { return vec![] };
    let n = drift_draws(s);
    super::explore::DRIFT_TIMES
        .iter()
        .enumerate()
        .filter_map(|(k, &t)| curve.get(&k).and_then(|d| first_draws(d, n)).map(|sp| (t, sp.mean, sp.sd)))
        .collect()
}

/// Draws one point of the drift curve needs.
fn drift_draws(s: &State) -> usize {
    if s.explore.crossbar.config.is_stochastic() {
        s.explore.draws
    } else {
        1
    }
}

/// The drift curves of the compared models under the current crossbar settings.
pub fn drift_curve_progress(s: &State) -> CurveProgress {
    let n = drift_draws(s);
    let mut p = CurveProgress::default();
    let key = drift_key(&s.explore.crossbar.config);
    for id in compared(s) {
        let curve = s.explore.drift_curve(id);
        let failures = s.explore.drift_curve_failures.get(&key).and_then(|m| m.get(&id));
        for k in 0..super::explore::DRIFT_TIMES.len() {
            let have = curve.and_then(|c| c.get(&k)).map_or(0, |d| draws_in(d, n));
            let failed = failed_at(failures, k, n);
            p.failed += failed;
            p.pending += n.saturating_sub(have + failed);
        }
    }
    p
}

/// The status line's data part: `data-state` and its words.
pub fn data_status(s: &State) -> (&'static str, String) {
    let name = |k: DatasetKind| if k == DatasetKind::Mnist { "MNIST" } else { "Fashion-MNIST" };
    let workers = s.evaluators + 1;
    let loaded = s.evaluators_loaded.min(s.evaluators) + usize::from(s.trainer_ready);
    match &s.data {
        DataStatus::Failed(_) => ("failed", "Data problem (see below)".into()),
        DataStatus::Ready { kind, train, test, millis, custom } if loaded >= workers => {
            let how = if *custom { "your own files, not checksum-verified" } else { "SHA-256 verified" };
            (
                "ready",
                format!(
                    "{} ready: {} training / {} test images, {how} ({:.1} s)",
                    name(*kind),
                    fmt_int(*train),
                    fmt_int(*test),
                    millis / 1000.0
                ),
            )
        }
        _ => {
            let what = match &s.origin {
                DataOrigin::Files { .. } => "your files".to_string(),
                DataOrigin::Served { .. } => name(s.form.dataset).to_string(),
            };
            ("loading", format!("Loading and checking {what}… ({loaded} of {workers} workers ready)"))
        }
    }
}

/// The status line's word on the shipped models while they come in (state, text).
pub fn shipped_status(s: &State) -> Option<(&'static str, String)> {
    use super::shipped::ShippedStatus;
    let sh = &s.shipped;
    match &sh.status {
        ShippedStatus::Off | ShippedStatus::Failed(_) => None,
        ShippedStatus::Fetching => Some(("fetching", "fetching the ready-trained models…".into())),
        ShippedStatus::Importing => {
            let left = sh.waiting.len() + sh.in_flight.len();
            Some(("importing", format!("reading the ready-trained models ({left} to go)…")))
        }
        ShippedStatus::Done => Some(("done", "ready-trained models loaded".into())),
    }
}

/// 60000 -> "60,000".
pub fn fmt_int(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Draws one point of the knob curve needs (one where nothing at that point is random).
fn knob_draws(s: &State, x: f64) -> usize {
    let ui = &s.explore.crossbar;
    if ui.knob.set(&ui.config, x).is_stochastic() {
        s.explore.draws
    } else {
        1
    }
}

/// A model's points (knob value, mean, sd) of the curve against the chosen knob.
pub fn knob_curve_points(s: &State, model: u64) -> Vec<(f64, f64, f64)> {
    let Some(curve) = s.explore.knob_curve(model) else { return vec![] };
    s.explore
        .crossbar
        .knob
        .points()
        .into_iter()
        .enumerate()
        .filter_map(|(k, x)| curve.get(&k).and_then(|d| first_draws(d, knob_draws(s, x))).map(|sp| (x, sp.mean, sp.sd)))
        .collect()
}

/// Evaluations of the compared models' knob curves still to come.
pub fn knob_curve_progress(s: &State) -> CurveProgress {
    let mut p = CurveProgress::default();
    if s.explore.crossbar.knob_key().is_none() {
        return p;
    }
    let key = s.explore.crossbar.knob_key();
    for id in compared(s) {
        let curve = s.explore.knob_curve(id);
        let failures = key.as_ref().and_then(|k| s.explore.knob_curve_failures.get(k)).and_then(|m| m.get(&id));
        for (k, x) in s.explore.crossbar.knob.points().into_iter().enumerate() {
            let n = knob_draws(s, x);
            let have = curve.and_then(|c| c.get(&k)).map_or(0, |d| draws_in(d, n));
            let failed = failed_at(failures, k, n);
            p.failed += failed;
            p.pending += n.saturating_sub(have + failed);
        }
    }
    p
}

/// Failed evaluations among the first `n` draws of point `k`.
fn failed_at(failures: Option<&std::collections::BTreeSet<(usize, usize)>>, k: usize, n: usize) -> usize {
    failures.map_or(0, |f| f.iter().filter(|&&(pi, d)| pi == k && d < n).count())
}

impl State {
    /// The text a box with this id shows: what the user is typing into it, else `value`.
    pub fn shown(&self, id: &str, value: String) -> String {
        self.drafts.get(id).cloned().unwrap_or(value)
    }
}
