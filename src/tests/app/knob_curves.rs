//! The Explore panel's curve against one device knob (conductance levels, device-to-device
//! variation, read noise): the jobs each knob's curve asks for, the results filed on it, the
//! old knob's or old settings' queued jobs dropped, one second curve at a time, the link.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::crossbar::CrossbarConfig;
use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::{model, ready, take_effects};
use crate::app_core::curve_knob::{CurveKnob, READ_NOISE_POINTS, VARIATION_POINTS};
use crate::app_core::eval_queue::curve_still_shown;
use crate::app_core::explore::{drift_key, settings_key, CrossbarField, CrossbarUi, LEVELS};
use crate::app_core::reducer::reduce;
use crate::app_core::selectors::{knob_curve_points, knob_curve_progress};
use crate::app_core::url::{fragment, parse_fragment, ViewParams};
use crate::app_core::{Action, Effect, State};
use crate::protocol::{EvalOutput, EvalTask};

fn set(s: &mut State, field: CrossbarField) {
    reduce(s, Action::Crossbar { field, now_ms: 1.0 });
}

/// A page with two compared models (7 and 8) and the crossbar simulation on.
fn two_models_on_crossbars() -> State {
    let mut s = ready();
    let models = vec![
        model(7, ModelConfig::report_mlp(), TrainConfig::default()),
        model(8, ModelConfig::report_mlp(), TrainConfig { seed: 99, ..TrainConfig::default() }),
    ];
    reduce(&mut s, Action::ModelsRestored(models));
    for id in [7, 8] {
        if !s.explore.compare.contains(&id) {
            reduce(&mut s, Action::ToggleCompare(id));
        }
    }
    set(&mut s, CrossbarField::Enabled(true));
    take_effects(&mut s);
    s
}

/// The crossbar configurations of the curve jobs sent to `model`.
fn curve_configs(effects: &[Effect], model: u64) -> Vec<(CrossbarConfig, usize)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::CurveJobs { model: m, tasks } if *m == model => Some(tasks.clone()),
            _ => None,
        })
        .flatten()
        .filter_map(|t| match t {
            EvalTask::Crossbar { config, draw, subset: None } => Some((config, draw)),
            _ => None,
        })
        .collect()
}

/// The jobs of the knob curve only (the fault curve's are sent with the crossbar turned on).
fn knob_jobs(effects: &[Effect], model: u64, knob: CurveKnob) -> Vec<(CrossbarConfig, usize)> {
    curve_configs(effects, model).into_iter().filter(|(c, _)| knob.index(c).is_some()).collect()
}

#[test]
fn each_knob_asks_for_its_points_with_every_other_setting_held() {
    let mut s = two_models_on_crossbars();
    // Held settings that differ from the defaults: a tile size, 5 % stuck at each state.
    set(&mut s, CrossbarField::Tile("128".into()));
    set(&mut s, CrossbarField::Lrs("0.05".into()));
    set(&mut s, CrossbarField::Hrs("0.05".into()));
    take_effects(&mut s);
    let held = s.explore.crossbar.config.clone();
    let draws = s.explore.draws;
    let cases: [(CurveKnob, Vec<f64>); 3] = [
        (CurveKnob::Levels, LEVELS.iter().map(|&n| f64::from(n)).collect()),
        (CurveKnob::Variation, VARIATION_POINTS.to_vec()),
        (CurveKnob::ReadNoise, READ_NOISE_POINTS.to_vec()),
    ];
    for (knob, points) in cases {
        set(&mut s, CrossbarField::Knob(knob.key().into()));
        let effects = take_effects(&mut s);
        for id in [7, 8] {
            let jobs = curve_configs(&effects, id);
            // with faults on, every point is random: every draw of every point, nothing else
            assert_eq!(jobs.len(), points.len() * draws, "{knob:?} model {id}");
            for (k, &x) in points.iter().enumerate() {
                let at: Vec<usize> = jobs.iter().filter(|(c, _)| knob.index(c) == Some(k)).map(|(_, d)| *d).collect();
                assert_eq!(at, (0..draws).collect::<Vec<_>>(), "{knob:?} point {x}");
                let c = &jobs.iter().find(|(c, _)| knob.index(c) == Some(k)).unwrap().0;
                assert_eq!(*c, knob.set(&held, x), "only the knob moves");
                assert_eq!((c.tile, c.faults.lrs, c.faults.hrs), (128, 0.05, 0.05));
            }
        }
    }
    // Without faults, a deterministic point needs one draw: levels alone are not random.
    set(&mut s, CrossbarField::Lrs("0".into()));
    set(&mut s, CrossbarField::Hrs("0".into()));
    set(&mut s, CrossbarField::Knob("levels".into()));
    let jobs = knob_jobs(&take_effects(&mut s), 7, CurveKnob::Levels);
    assert_eq!(jobs.len(), LEVELS.len(), "{jobs:?}");
    set(&mut s, CrossbarField::Knob("variation".into()));
    let jobs = knob_jobs(&take_effects(&mut s), 7, CurveKnob::Variation);
    assert_eq!(jobs.len(), 1 + (VARIATION_POINTS.len() - 1) * draws, "variation 0 is one draw");
    // Faults only: no knob curve at all.
    set(&mut s, CrossbarField::Knob("faults".into()));
    let effects = take_effects(&mut s);
    assert!([7, 8].iter().all(|&id| curve_configs(&effects, id).is_empty()), "no knob jobs: {effects:?}");
}

#[test]
fn answers_fill_each_models_curve_and_the_pending_count_reaches_zero() {
    let mut s = two_models_on_crossbars();
    set(&mut s, CrossbarField::Knob("levels".into()));
    let effects = take_effects(&mut s);
    assert_eq!(knob_curve_progress(&s).pending, 2 * LEVELS.len());
    for id in [7u64, 8] {
        for (config, draw) in knob_jobs(&effects, id, CurveKnob::Levels) {
            let n = config.levels.unwrap();
            // a model's accuracy rising with its levels, model 8 below model 7
            let accuracy = 50.0 + (n as f64).log2() * 5.0 - (id - 7) as f64 * 10.0;
            let task = EvalTask::Crossbar { config, draw, subset: None };
            let output = EvalOutput::Accuracy { accuracy, images: 10_000, predictions: None };
            reduce(&mut s, Action::EvalDone { model: id, task, output, now_ms: 2.0 });
        }
    }
    assert_eq!(knob_curve_progress(&s).pending, 0);
    let p7 = knob_curve_points(&s, 7);
    let p8 = knob_curve_points(&s, 8);
    assert_eq!(p7.iter().map(|p| p.0).collect::<Vec<_>>(), vec![2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 256.0]);
    assert_eq!(p7[0], (2.0, 55.0, 0.0));
    assert_eq!(p7[6], (256.0, 90.0, 0.0));
    assert_eq!(p8[6], (256.0, 80.0, 0.0));
    // The same results under another tile size are another curve's: not shown here.
    let tile = s.explore.crossbar.config.tile.to_string();
    set(&mut s, CrossbarField::Tile(if tile == "32" { "64" } else { "32" }.into()));
    assert!(knob_curve_points(&s, 7).is_empty());
    set(&mut s, CrossbarField::Tile(tile));
    assert_eq!(knob_curve_points(&s, 7).len(), 7, "and back: the results are kept");
}

#[test]
fn a_new_knob_or_new_settings_drop_the_old_curves_queued_jobs() {
    let mut s = two_models_on_crossbars();
    set(&mut s, CrossbarField::Knob("levels".into()));
    let levels_jobs = knob_jobs(&take_effects(&mut s), 7, CurveKnob::Levels);
    assert_eq!(levels_jobs.len(), LEVELS.len());
    set(&mut s, CrossbarField::Knob("read-noise".into()));
    let effects = take_effects(&mut s);
    let drop = effects.iter().find_map(|e| match e {
        Effect::DropStaleCurves { xbar_key, drift_key, knob } => {
            Some((xbar_key.clone(), drift_key.clone(), knob.clone()))
        }
        _ => None,
    });
    let (xbar_key, drift, knob) = drop.expect("the old knob's queued jobs are dropped");
    assert_eq!(knob.as_ref().map(|k| k.0), Some(CurveKnob::ReadNoise));
    let shown = |t: &EvalTask| curve_still_shown(t, &xbar_key, drift.as_deref(), knob.as_ref());
    let task = |config: CrossbarConfig| EvalTask::Crossbar { config, draw: 0, subset: None };
    // Every levels point but the current settings' own (the fault curve's too) is dropped.
    let kept: Vec<bool> = levels_jobs.iter().map(|(c, _)| shown(&task(c.clone()))).collect();
    assert_eq!(kept, vec![false; LEVELS.len()], "the default is continuous: no levels point is current");
    let read_noise = knob_jobs(&effects, 7, CurveKnob::ReadNoise);
    assert_eq!(read_noise.len(), 1 + (READ_NOISE_POINTS.len() - 1) * s.explore.draws);
    assert!(read_noise.iter().all(|(c, _)| shown(&task(c.clone()))), "the new curve's jobs stay");
    let fault_point = {
        let mut c = s.explore.crossbar.config.clone();
        c.faults.lrs = 0.1;
        c.faults.hrs = 0.1;
        c
    };
    assert!(shown(&task(fault_point)), "the fault curve stays");
    assert!(shown(&EvalTask::Noise { std: 1.0, seed: 1, draw: 0, subset: None, predictions: false }));
    // Coming back to levels asks again (its unfinished jobs were dropped).
    set(&mut s, CrossbarField::Knob("levels".into()));
    assert_eq!(knob_jobs(&take_effects(&mut s), 7, CurveKnob::Levels).len(), LEVELS.len());
    // Another setting: the levels curve of the old tile size is dropped, the new one asked for.
    set(&mut s, CrossbarField::Tile("256".into()));
    let effects = take_effects(&mut s);
    assert!(effects.iter().any(|e| matches!(e, Effect::DropStaleCurves { .. })));
    let new_jobs = knob_jobs(&effects, 7, CurveKnob::Levels);
    assert_eq!(new_jobs.len(), LEVELS.len());
    assert!(new_jobs.iter().all(|(c, _)| c.tile == 256));
    let old_key = settings_key(&levels_jobs[0].0);
    let now_key = s.explore.xbar_key();
    assert_ne!(old_key, now_key);
    let knob_now = (CurveKnob::Levels, CurveKnob::Levels.curve_key(&s.explore.crossbar.config));
    assert!(!curve_still_shown(&task(levels_jobs[3].0.clone()), &now_key, None, Some(&knob_now)));
    assert!(curve_still_shown(&task(new_jobs[3].0.clone()), &now_key, None, Some(&knob_now)));
}

#[test]
fn one_second_curve_at_a_time_and_drift_on_shows_the_drift_curve() {
    let mut s = two_models_on_crossbars();
    set(&mut s, CrossbarField::Knob("variation".into()));
    take_effects(&mut s);
    // Drift turned on while another knob is chosen: the chosen curve stays, no drift curve.
    set(&mut s, CrossbarField::Drift(true));
    assert_eq!(s.explore.crossbar.knob, CurveKnob::Variation);
    let effects = take_effects(&mut s);
    let drift_jobs = curve_configs(&effects, 7)
        .into_iter()
        .filter(|(c, _)| c.drift.is_some_and(|d| d.time != s.explore.crossbar.config.drift.unwrap().time))
        .count();
    assert_eq!(drift_jobs, 0, "no drift curve while the variation curve is chosen");
    assert!(!knob_jobs(&effects, 7, CurveKnob::Variation).is_empty(), "the variation curve under drift");
    // Choosing drift time: its curve, and the variation one's queued jobs are dropped.
    set(&mut s, CrossbarField::Knob("drift".into()));
    let effects = take_effects(&mut s);
    let dropped = effects.iter().find_map(|e| match e {
        Effect::DropStaleCurves { drift_key: d, knob, .. } => Some((d.clone(), knob.clone())),
        _ => None,
    });
    assert_eq!(dropped, Some((Some(drift_key(&s.explore.crossbar.config)), None)));
    assert_eq!(curve_configs(&effects, 7).len(), crate::app_core::explore::DRIFT_TIMES.len());
    // On a fresh page, turning drift on shows its curve (as before the knob existed).
    let mut s = two_models_on_crossbars();
    set(&mut s, CrossbarField::Drift(true));
    assert_eq!(s.explore.crossbar.knob, CurveKnob::DriftTime);
    assert!(s.explore.crossbar.drift_curve_on());
}

#[test]
fn the_knob_travels_in_the_link() {
    for knob in CurveKnob::ALL {
        for drift in [false, true] {
            let mut ui = CrossbarUi { enabled: true, ..CrossbarUi::default() };
            ui.apply(CrossbarField::Drift(drift));
            ui.apply(CrossbarField::Knob(knob.key().into()));
            assert_eq!(ui.knob, knob);
            let view = ViewParams { crossbar: ui, ..ViewParams::default() };
            let f = fragment(&view);
            assert_eq!(parse_fragment(&f), view, "{f}");
        }
    }
    let f = fragment(&ViewParams {
        crossbar: CrossbarUi { enabled: true, knob: CurveKnob::Levels, ..CrossbarUi::default() },
        ..ViewParams::default()
    });
    assert!(f.contains("&curve=levels"), "{f}");
    // Hostile or unknown values keep what the rest of the link implies.
    assert_eq!(parse_fragment("#xbar=on&curve=../../etc").crossbar.knob, CurveKnob::Faults);
    assert_eq!(parse_fragment("#xbar=on&drift=3600&curve=%00").crossbar.knob, CurveKnob::DriftTime);
    assert_eq!(parse_fragment("#xbar=on&curve=read-noise").crossbar.knob, CurveKnob::ReadNoise);
    let mut ui = CrossbarUi::default();
    ui.apply(CrossbarField::Knob("bogus".into()));
    assert_eq!(ui.knob, CurveKnob::Faults);
}

#[test]
fn failed_knob_and_drift_curve_jobs_end_the_wait() {
    let mut s = two_models_on_crossbars();
    for knob in [CurveKnob::Levels, CurveKnob::DriftTime] {
        if knob == CurveKnob::DriftTime {
            set(&mut s, CrossbarField::Drift(true));
        }
        set(&mut s, CrossbarField::Knob(knob.key().into()));
        let effects = take_effects(&mut s);
        let progress = || match knob {
            CurveKnob::DriftTime => crate::app_core::selectors::drift_curve_progress(&s),
            _ => knob_curve_progress(&s),
        };
        let before = progress();
        assert!(before.pending > 0, "{knob:?}: nothing pending");
        // Every job of this curve fails (an evaluator out of memory, say).
        let jobs: Vec<(u64, CrossbarConfig, usize)> = [7, 8]
            .into_iter()
            .flat_map(|m| curve_configs(&effects, m).into_iter().map(move |(c, d)| (m, c, d)))
            .filter(|(_, c, _)| match knob {
                CurveKnob::DriftTime => c.drift.is_some(),
                _ => knob.index(c).is_some(),
            })
            .collect();
        assert!(!jobs.is_empty(), "{knob:?}: no jobs sent");
        for (m, config, draw) in jobs {
            let task = EvalTask::Crossbar { config, draw, subset: None };
            reduce(&mut s, Action::EvalFailed { model: Some(m), task: Some(task), error: "out of memory".into() });
        }
        let p = match knob {
            CurveKnob::DriftTime => crate::app_core::selectors::drift_curve_progress(&s),
            _ => knob_curve_progress(&s),
        };
        assert_eq!(p.pending, 0, "{knob:?}: the failed evaluations still count as running");
        assert_eq!(p.failed, before.pending, "{knob:?}");
    }
}
