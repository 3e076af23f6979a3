//! The Explore panel's state: the slider and draws readouts, a dataset switch, failed and
//! cancelled work.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::data::DatasetKind;
use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::{load, model, ready, take_effects};
use crate::app_core::explore::{curve_stds, CURVE_POINTS};
use crate::app_core::reducer::{reduce, schedule};
use crate::app_core::selectors::{data_status, noise_curve_progress};
use crate::app_core::{Action, Effect, State};
use crate::protocol::{EvalOutput, EvalTask};

/// A page with MNIST and one model (id 7), selected and compared, its first jobs sent.
fn with_model() -> State {
    let mut s = ready();
    reduce(&mut s, Action::ModelsRestored(vec![model(7, ModelConfig::report_mlp(), TrainConfig::default())]));
    take_effects(&mut s);
    s
}

fn slider_jobs(effects: &[Effect]) -> Vec<f32> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SliderJobs { tasks, .. } => match tasks.first() {
                Some(EvalTask::Noise { std, .. }) => Some(*std),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn accuracy(accuracy: f64) -> EvalOutput {
    EvalOutput::Accuracy { accuracy, images: 10_000, predictions: None }
}

fn estimate_arrives(s: &mut State, std: f32) {
    let task = EvalTask::Noise { std, seed: s.explore.seed, draw: 0, subset: Some(1000), predictions: false };
    reduce(s, Action::EvalDone { model: 7, task, output: accuracy(90.0), now_ms: 1.0 });
}

#[test]
fn a_model_restored_with_data_ready_gets_its_slider_and_curve_jobs() {
    let mut s = ready();
    reduce(&mut s, Action::ModelsRestored(vec![model(7, ModelConfig::report_mlp(), TrainConfig::default())]));
    let effects = take_effects(&mut s);
    assert_eq!(slider_jobs(&effects), vec![0.0]);
    let curves = effects.iter().filter(|e| matches!(e, Effect::CurveJobs { model: 7, .. })).count();
    assert_eq!(curves, 1);
}

#[test]
fn the_slider_at_its_current_value_keeps_the_readout() {
    let mut s = with_model();
    reduce(&mut s, Action::SetStd { value: "1.0".into(), now_ms: 0.0 });
    assert_eq!(slider_jobs(&take_effects(&mut s)), vec![1.0]);
    estimate_arrives(&mut s, 1.0);
    assert!(s.explore.readout.estimate.is_some());
    // An input event with the value the slider already has: nothing to recompute.
    reduce(&mut s, Action::SetStd { value: "1".into(), now_ms: 5.0 });
    assert!(s.explore.readout.estimate.is_some(), "the readout was cleared without new jobs");
    assert!(slider_jobs(&take_effects(&mut s)).is_empty());
}

#[test]
fn two_slider_values_before_a_render_end_with_jobs_for_the_last() {
    let mut s = with_model();
    estimate_arrives(&mut s, 0.0);
    assert!(s.explore.readout.estimate.is_some());
    // 0 -> 0.5 -> 0 in two input events, then the page renders (and schedules) once. The bug
    // this guards against: the readout was cleared on every input while the jobs were keyed on
    // the sigma seen at render, the same as before, so none went and "computing" stayed.
    reduce(&mut s, Action::SetStd { value: "0.5".into(), now_ms: 1.0 });
    reduce(&mut s, Action::SetStd { value: "0".into(), now_ms: 2.0 });
    schedule(&mut s);
    let jobs = slider_jobs(&take_effects(&mut s));
    assert!(
        s.explore.readout.estimate.is_some() || jobs.last() == Some(&0.0),
        "the readout was cleared and no job for sigma 0 was sent: {jobs:?}"
    );
}

#[test]
fn a_repeated_draws_value_keeps_both_readouts() {
    let mut s = with_model();
    reduce(&mut s, Action::SetStd { value: "1.0".into(), now_ms: 0.0 });
    take_effects(&mut s);
    estimate_arrives(&mut s, 1.0);
    let same = s.explore.draws.to_string();
    reduce(&mut s, Action::SetDraws(same));
    assert!(s.explore.readout.estimate.is_some());
    // A new number of draws clears the readout and sends its jobs.
    reduce(&mut s, Action::SetDraws("3".into()));
    assert_eq!(s.explore.readout.estimate, None);
    assert_eq!(slider_jobs(&take_effects(&mut s)), vec![1.0]);
}

#[test]
fn hostile_slider_values_leave_sigma_finite() {
    let mut s = with_model();
    for v in ["NaN", "nan", "inf", "-inf", "1e309", "", "abc"] {
        reduce(&mut s, Action::SetStd { value: v.into(), now_ms: 0.0 });
        assert_eq!(s.explore.std, 0.0, "{v}");
    }
    reduce(&mut s, Action::SetStd { value: "7".into(), now_ms: 0.0 });
    assert_eq!(s.explore.std, 2.0);
    for v in ["-1", "0", "51", "1e3", "x"] {
        reduce(&mut s, Action::SetDraws(v.into()));
        assert_eq!(s.explore.draws, 5, "{v}");
    }
}

#[test]
fn switching_the_dataset_drops_the_old_results_and_resends_the_curves() {
    let mut s = with_model();
    // Results on MNIST: a curve point, the slider's estimate, predictions.
    let task = EvalTask::Noise { std: 0.0, seed: s.explore.seed, draw: 0, subset: None, predictions: true };
    let output = EvalOutput::Accuracy { accuracy: 97.0, images: 10_000, predictions: Some(vec![1, 2]) };
    reduce(&mut s, Action::EvalDone { model: 7, task, output, now_ms: 1.0 });
    assert!(!s.explore.curves.is_empty() && s.explore.clean_predictions.is_some());
    let full = noise_curve_progress(&s).pending + 1;

    reduce(&mut s, Action::SwitchDataset(DatasetKind::FashionMnist));
    let effects = take_effects(&mut s);
    assert!(effects.contains(&Effect::ClearJobs));
    let Some(Effect::LoadData(source)) = effects.iter().find(|e| matches!(e, Effect::LoadData(_))) else {
        panic!("{effects:?}")
    };
    assert_eq!(source.kind, DatasetKind::FashionMnist);
    assert!(source.urls[2].ends_with("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), "{:?}", source.urls);
    assert!(s.explore.curves.is_empty());
    assert_eq!(s.explore.readout, Default::default());
    assert_eq!(s.explore.clean_predictions, None);
    assert_eq!(s.explore.noisy_predictions, None);
    assert_eq!(s.explore.compare, vec![7], "the overlay choice stays");
    assert_eq!(noise_curve_progress(&s).pending, full, "every point is pending again");

    // A late MNIST answer is not the new data.
    load(&mut s, DatasetKind::Mnist);
    assert_eq!(data_status(&s).0, "loading");
    assert!(take_effects(&mut s).is_empty());
    // New draws go to the new data's curve only.
    load(&mut s, DatasetKind::FashionMnist);
    assert_eq!(data_status(&s).0, "ready");
    let effects = take_effects(&mut s);
    assert!(effects.iter().any(|e| matches!(e, Effect::CurveJobs { model: 7, .. })), "{effects:?}");
    assert_eq!(slider_jobs(&effects), vec![0.0]);
}

#[test]
fn a_failed_curve_job_does_not_leave_the_curve_pending() {
    let mut s = with_model();
    let draws = s.explore.draws;
    let mut sent = 0;
    for (i, std) in curve_stds().into_iter().enumerate() {
        let n = if i == 0 { 1 } else { draws };
        for draw in 0..n {
            let task = EvalTask::Noise { std, seed: s.explore.seed, draw, subset: None, predictions: false };
            sent += 1;
            if i == 7 && draw == 2 {
                reduce(&mut s, Action::EvalFailed { model: Some(7), task: Some(task), error: "out of memory".into() });
            } else {
                reduce(&mut s, Action::EvalDone { model: 7, task, output: accuracy(50.0), now_ms: 1.0 });
            }
        }
    }
    assert_eq!(sent, 1 + (CURVE_POINTS - 1) * draws);
    let p = noise_curve_progress(&s);
    assert_eq!((p.pending, p.failed), (0, 1));
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("out of memory")));
}

#[test]
fn a_failed_slider_job_ends_the_wait() {
    let mut s = with_model();
    let task = EvalTask::Noise { std: 0.0, seed: s.explore.seed, draw: 0, subset: None, predictions: true };
    reduce(&mut s, Action::EvalFailed { model: Some(7), task: Some(task), error: "boom".into() });
    assert_eq!(s.explore.readout.error.as_deref(), Some("boom"));
}

#[test]
fn cancel_keeps_the_last_epoch_and_restarts_the_trainer() {
    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let job = s.run.as_ref().unwrap().job;
    let summary = engine::train::EpochSummary { epoch: 1, loss: 0.3, accuracy: 91.0 };
    let snapshot = Some((std::rc::Rc::new(vec![1, 2, 3]), 2.0));
    reduce(&mut s, Action::TrainEpoch { job, summary, test_accuracy: 95.0, snapshot });
    take_effects(&mut s);
    reduce(&mut s, Action::Cancel { keep_id: 99 });
    let effects = take_effects(&mut s);
    assert!(effects.contains(&Effect::RestartTrainer { kept: Some(99) }), "{effects:?}");
    assert!(effects.contains(&Effect::SaveModel(99)));
    let kept = s.model(99).expect("the snapshot is kept");
    assert_eq!((kept.meta.test_accuracy, kept.bytes.as_ref().clone()), (95.0, vec![1, 2, 3]));
    assert!(kept.meta.name.contains("cancelled after epoch 1 of 5"), "{}", kept.meta.name);
    assert!(s.run.is_none() && !s.trainer_ready);
    // Nothing trains until the fresh trainer holds the data.
    reduce(&mut s, Action::Train { now_ms: 1.0 });
    assert!(s.run.is_none());
    reduce(&mut s, Action::TrainerDataLoaded { kind: DatasetKind::Mnist, train: 60_000 });
    reduce(&mut s, Action::Train { now_ms: 1.0 });
    assert!(s.training());
}

/// A Cancel between the last epoch's message and TrainDone (the worker is building the final
/// file) keeps the finished model under its own name: it is not "cancelled after epoch 5 of 5".
#[test]
fn cancel_after_the_last_epoch_keeps_the_finished_model() {
    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let (job, epochs, name) = {
        let r = s.run.as_ref().unwrap();
        (r.job, r.train.epochs, r.name.clone())
    };
    for epoch in 1..=epochs {
        let summary = engine::train::EpochSummary { epoch, loss: 0.3, accuracy: 91.0 };
        let snapshot = Some((std::rc::Rc::new(vec![epoch as u8]), epoch as f64));
        reduce(&mut s, Action::TrainEpoch { job, summary, test_accuracy: 90.0 + epoch as f64, snapshot });
    }
    reduce(&mut s, Action::Cancel { keep_id: 42 });
    let kept = s.model(42).expect("the finished model is kept");
    assert_eq!(kept.meta.name, name);
    assert_eq!(kept.bytes.as_ref().clone(), vec![epochs as u8]);
    assert_eq!((kept.meta.history.len(), kept.meta.epochs_done), (epochs, Some(epochs)));
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("finished all")), "{:?}", s.notice);
}

#[test]
fn two_crossbar_edits_before_a_render_both_count_and_send_one_job_set_each() {
    use crate::app_core::explore::CrossbarField;
    let mut s = with_model();
    let edit = |s: &mut State, field| reduce(s, Action::Crossbar { field, now_ms: 1.0 });
    edit(&mut s, CrossbarField::Enabled(true));
    edit(&mut s, CrossbarField::Lrs("0.1".into()));
    edit(&mut s, CrossbarField::Hrs("0.2".into()));
    edit(&mut s, CrossbarField::Lrs("NaN".into()));
    edit(&mut s, CrossbarField::ROn("inf".into()));
    let c = &s.explore.crossbar.config;
    assert_eq!((c.faults.lrs, c.faults.hrs), (0.1, 0.2));
    assert!(c.r_on.is_finite());
    let effects = take_effects(&mut s);
    let jobs: Vec<_> = effects.iter().filter(|e| matches!(e, Effect::CrossbarJobs { .. })).collect();
    // enabled, then each real change; NaN and inf change nothing and send nothing
    assert_eq!(jobs.len(), 3, "{jobs:?}");
    edit(&mut s, CrossbarField::Hrs("0.2".into()));
    assert!(take_effects(&mut s).iter().all(|e| !matches!(e, Effect::CrossbarJobs { .. })));
}

/// The pause effects asked for since the last call.
fn pauses(s: &mut crate::app_core::State) -> Vec<bool> {
    take_effects(s)
        .into_iter()
        .filter_map(|e| match e {
            Effect::PauseCurves(p) => Some(p),
            _ => None,
        })
        .collect()
}

#[test]
fn curves_wait_while_the_train_panel_trains_but_not_for_the_reproduce_queue() {
    let mut s = ready();
    take_effects(&mut s);
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    assert_eq!(pauses(&mut s), [true]);
    let job = s.run.as_ref().unwrap().job;
    reduce(&mut s, Action::TrainFailed { job, error: "boom".into() });
    assert_eq!(pauses(&mut s), [false], "a failed run lets them go");

    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let job = s.run.as_ref().unwrap().job;
    take_effects(&mut s);
    reduce(
        &mut s,
        Action::TrainDone {
            job,
            id: 9,
            bytes: Default::default(),
            history: vec![],
            test_accuracy: 97.0,
            train_seconds: 1.0,
        },
    );
    assert_eq!(pauses(&mut s), [false]);

    let mut s = ready();
    take_effects(&mut s);
    reduce(&mut s, Action::Enqueue(vec![engine::experiments::RecipeKey::MlpB64]));
    assert!(s.training());
    assert!(pauses(&mut s).is_empty(), "a report row's figures are the queue's own work");
}
