//! The crossbar's other device effects in the app: finite levels, variation, read noise and
//! drift, their controls, their link, and the drift curve.

use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::{model, ready, take_effects};
use crate::app_core::explore::{drift_at, drift_index, CrossbarField, CrossbarUi, DRIFT_TIMES};
use crate::app_core::reducer::reduce;
use crate::app_core::selectors::{drift_curve_points, drift_curve_progress};
use crate::app_core::url::{fragment, parse_fragment, ViewParams};
use crate::app_core::{Action, Effect};
use crate::protocol::{EvalOutput, EvalTask};

fn edit(ui: &mut CrossbarUi, f: CrossbarField) -> &mut CrossbarUi {
    ui.apply(f);
    ui
}

#[test]
fn the_controls_take_only_what_they_offer() {
    let mut ui = CrossbarUi::default();
    assert_eq!(edit(&mut ui, CrossbarField::Levels("16".into())).config.levels, Some(16));
    assert_eq!(edit(&mut ui, CrossbarField::Levels("17".into())).config.levels, Some(16), "not an offered count");
    assert_eq!(edit(&mut ui, CrossbarField::Levels("continuous".into())).config.levels, None);
    assert_eq!(edit(&mut ui, CrossbarField::Variation("0.9".into())).config.variation, 0.3, "clamped");
    assert_eq!(edit(&mut ui, CrossbarField::Variation("NaN".into())).config.variation, 0.3, "NaN ignored");
    assert_eq!(edit(&mut ui, CrossbarField::ReadNoise("0.02".into())).config.read_noise, 0.02);
    assert_eq!(edit(&mut ui, CrossbarField::Drift(true)).config.drift, Some(drift_at(3600.0)));
    let d = edit(&mut ui, CrossbarField::DriftTime("8.5".into())).config.drift.unwrap();
    assert_eq!(d.time, 316_000_000.0, "10^8.5 s to three significant digits: 10 years");
    // before t0 the programmed values hold: 1 s reads as t0
    assert_eq!(drift_at(1.0).time, engine::crossbar::DriftConfig::default().t0);
    assert_eq!(drift_index(&drift_at(1.0)), Some(0));
    assert_eq!(drift_index(&drift_at(DRIFT_TIMES[7])), Some(7));
    assert!(ui.config.validate().is_ok());
}

#[test]
fn device_effects_travel_in_the_link() {
    let mut ui = CrossbarUi { enabled: true, ..CrossbarUi::default() };
    for f in [
        CrossbarField::Levels("8".into()),
        CrossbarField::Variation("0.05".into()),
        CrossbarField::ReadNoise("0.01".into()),
        CrossbarField::Drift(true),
        CrossbarField::DriftTime("7".into()),
    ] {
        ui.apply(f);
    }
    let view = ViewParams { crossbar: ui, ..ViewParams::default() };
    let f = fragment(&view);
    assert!(
        f.contains("levels=8") && f.contains("var=0.05") && f.contains("rnoise=0.01") && f.contains("drift="),
        "{f}"
    );
    assert_eq!(parse_fragment(&f), view);
    // hostile values keep the defaults
    let v = parse_fragment("#xbar=on&levels=3&var=-1&rnoise=inf&drift=1e300");
    let c = v.crossbar.config;
    assert_eq!((c.levels, c.variation, c.read_noise, c.drift), (None, 0.0, 0.0, None));
}

#[test]
fn turning_drift_on_draws_a_drift_curve_for_every_compared_model() {
    let mut s = ready();
    let ms = [7, 8].map(|id| model(id, ModelConfig::report_mlp(), TrainConfig::default())).to_vec();
    reduce(&mut s, Action::ModelsRestored(ms));
    reduce(&mut s, Action::SelectModel(Some(7)));
    reduce(&mut s, Action::Crossbar { field: CrossbarField::Enabled(true), now_ms: 1.0 });
    take_effects(&mut s);
    reduce(&mut s, Action::Crossbar { field: CrossbarField::Drift(true), now_ms: 2.0 });
    let curves: Vec<(u64, Vec<EvalTask>)> = take_effects(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            Effect::CurveJobs { model, tasks }
                if tasks.iter().all(|t| matches!(t, EvalTask::Crossbar { config, .. } if config.drift.is_some())) =>
            {
                Some((model, tasks))
            }
            _ => None,
        })
        .filter(|(_, t)| t.len() == DRIFT_TIMES.len())
        .collect();
    let mut models: Vec<u64> = curves.iter().map(|c| c.0).collect();
    models.sort();
    assert_eq!(models, [7, 8], "one drift curve per compared model");
    assert_eq!(drift_curve_progress(&s).pending, 2 * DRIFT_TIMES.len());
    for (model, tasks) in curves {
        for (k, task) in tasks.into_iter().enumerate() {
            let output = EvalOutput::Accuracy { accuracy: 90.0 - k as f64, images: 10_000, predictions: None };
            reduce(&mut s, Action::EvalDone { model, task, output, now_ms: 3.0 });
        }
    }
    assert_eq!(drift_curve_progress(&s).pending, 0);
    let points = drift_curve_points(&s, 8);
    assert_eq!(points.len(), DRIFT_TIMES.len());
    assert_eq!((points[0].0, points[0].1), (1.0, 90.0));
    assert_eq!(points[7].1, 83.0);
}

#[test]
fn curves_of_settings_left_behind_are_dropped_and_asked_again_on_return() {
    let mut s = ready();
    reduce(&mut s, Action::ModelsRestored(vec![model(7, ModelConfig::report_mlp(), TrainConfig::default())]));
    take_effects(&mut s); // the noise curve
    reduce(&mut s, Action::Crossbar { field: CrossbarField::Enabled(true), now_ms: 1.0 });
    let first = take_effects(&mut s);
    assert!(!first.iter().any(|e| matches!(e, Effect::DropStaleCurves { .. })), "nothing to drop yet");
    let curves = |effects: &[Effect]| effects.iter().filter(|e| matches!(e, Effect::CurveJobs { .. })).count();
    assert_eq!(curves(&first), 1, "the fault curve");
    reduce(&mut s, Action::Crossbar { field: CrossbarField::Levels("4".into()), now_ms: 2.0 });
    let effects = take_effects(&mut s);
    let key = s.explore.xbar_key();
    assert!(effects.contains(&Effect::DropStaleCurves { xbar_key: key, drift_key: None, knob: None }), "{effects:?}");
    assert_eq!(curves(&effects), 1, "the new settings' curve");
    // back to continuous levels: its curve is asked for again (its queued jobs were dropped)
    reduce(&mut s, Action::Crossbar { field: CrossbarField::Levels("continuous".into()), now_ms: 3.0 });
    assert_eq!(curves(&take_effects(&mut s)), 1);
}
