//! The Reproduce queue: the teacher it picks, a running row, no duplicates, a reload.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::data::{DatasetKind, Preprocessing};
use engine::train::{Biases, EpochSummary, Method};

use super::{load, model, ready, started_with, take_effects};
use crate::app_core::reducer::reduce;
use engine::experiments::RecipeKey::*;

use crate::app_core::reproduce::{keys, missing, recipe, row_status, RowStatus};
use crate::app_core::{Action, Effect, State, Trainer};
use engine::experiments::defaults::TRAIN_SEED;
use engine::experiments::RecipeKey;

fn trains(effects: &[Effect]) -> Vec<(u64, Option<u64>)> {
    effects
        .iter()
        .filter_map(|e| if let Effect::Train { job, teacher, .. } = e { Some((*job, *teacher)) } else { None })
        .collect()
}

fn saved_queue(effects: &[Effect]) -> Option<Vec<String>> {
    effects.iter().rev().find_map(|e| if let Effect::SaveQueue(k) = e { Some(k.clone()) } else { None })
}

#[test]
fn the_teacher_is_the_mnist_trained_bias_standard_batch_64_model() {
    let b64 = recipe(MlpB64);
    let mut fashion = b64.model.clone();
    fashion.dataset = DatasetKind::FashionMnist;
    fashion.preprocessing = Preprocessing::normalized_for(DatasetKind::FashionMnist);
    let zero_bias = engine::train::TrainConfig { biases: Biases::Zero, ..b64.train.clone() };
    let mut noisy = b64.train.clone();
    noisy.method = Method::NoiseInjection { std: 1.0, gradient: Default::default() };
    let mut three_epochs = b64.train.clone();
    three_epochs.epochs = 3;
    let decoys = vec![
        model(1, fashion, b64.train.clone()),
        model(3, b64.model.clone(), zero_bias),
        model(4, b64.model.clone(), noisy),
        model(5, b64.model.clone(), three_epochs),
    ];

    // Without the real teacher, the teacher-student row is skipped, not trained on a decoy.
    let mut s = ready();
    reduce(&mut s, Action::ModelsRestored(decoys.clone()));
    reduce(&mut s, Action::Enqueue(vec![MlpTsMse]));
    assert!(trains(&take_effects(&mut s)).is_empty());
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("teacher")), "{:?}", s.notice);
    assert!(s.reproduce.waiting.is_empty());

    let mut s = ready();
    let mut all = decoys;
    all.insert(1, model(2, b64.model.clone(), b64.train.clone()));
    reduce(&mut s, Action::ModelsRestored(all));
    reduce(&mut s, Action::Enqueue(vec![MlpTsMse]));
    assert_eq!(trains(&take_effects(&mut s)).iter().map(|t| t.1).collect::<Vec<_>>(), vec![Some(2)]);
}

#[test]
fn a_teacher_student_row_waits_for_its_queued_teacher() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![MlpTsKl, MlpB64]));
    // The teacher row trains first; the student waits for it.
    assert_eq!(s.run.as_ref().unwrap().recipe, Some(MlpB64));
    assert_eq!(s.reproduce.waiting, vec![(MlpTsKl, TRAIN_SEED)]);
    let job = s.run.as_ref().unwrap().job;
    reduce(
        &mut s,
        Action::TrainDone {
            job,
            id: 40,
            bytes: Default::default(),
            // a finished run: every epoch of the recipe
            history: (1..=5).map(|epoch| EpochSummary { epoch, loss: 0.1, accuracy: 98.0 }).collect(),
            test_accuracy: 98.0,
            train_seconds: 9.0,
        },
    );
    let effects = take_effects(&mut s);
    assert_eq!(trains(&effects).last().map(|t| t.1), Some(Some(40)));
}

#[test]
fn a_running_row_shows_as_training_and_is_not_queued_twice() {
    let mut s = ready();
    let n = keys().len();
    assert_eq!(missing(&s).len(), n);
    reduce(&mut s, Action::Enqueue(vec![MlpB256]));
    let b256 = recipe(MlpB256);
    assert_eq!(row_status(&s, b256.key), RowStatus::Training);
    assert_eq!(missing(&s).len(), n - 1, "the running row is not missing");
    // "Train all missing rows", and the row's own button pressed again.
    let mut all = missing(&s);
    all.push(MlpB256);
    all.push(all[0]);
    reduce(&mut s, Action::Enqueue(all));
    assert_eq!(s.reproduce.waiting.len(), n - 1);
    assert!(!s.reproduce.waiting.contains(&(MlpB256, TRAIN_SEED)));
    let mut sorted = s.reproduce.waiting.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), n - 1, "no duplicates");
}

#[test]
fn the_queue_survives_a_reload_with_the_running_row_first() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![MlpB256, MlpB128, MlpNoise10]));
    let saved = saved_queue(&take_effects(&mut s)).expect("the queue is saved");
    assert_eq!(saved, vec!["mlp-b256", "mlp-b128", "mlp-noise1.0"]);
    let mut fresh: State = started_with(None, saved, "");
    assert_eq!(fresh.reproduce.waiting.len(), 3);
    assert!(fresh.run.is_none(), "nothing trains before the data is in");
    load(&mut fresh, DatasetKind::Mnist);
    assert_eq!(fresh.run.as_ref().unwrap().recipe, Some(MlpB256));
    // A row whose model was restored meanwhile is not trained again.
    let mut again = started_with(None, vec!["mlp-b128".into(), "mlp-b256".into()], "");
    let b128 = recipe(MlpB128);
    reduce(&mut again, Action::ModelsRestored(vec![model(9, b128.model, b128.train)]));
    load(&mut again, DatasetKind::Mnist);
    assert_eq!(again.run.as_ref().unwrap().recipe, Some(MlpB256));
}

#[test]
fn report_rows_do_not_train_on_fashion_mnist() {
    let mut s = started_with(None, vec![], "");
    reduce(&mut s, Action::SwitchDataset(DatasetKind::FashionMnist));
    load(&mut s, DatasetKind::FashionMnist);
    reduce(&mut s, Action::Enqueue(vec![MlpB256]));
    assert!(s.run.is_none());
    assert_eq!(s.reproduce.waiting, vec![(MlpB256, TRAIN_SEED)]);
}

#[test]
fn the_table_is_the_engines_with_every_report_row_keyed() {
    use engine::experiments::{ReportTable, Section};

    use crate::app_core::report_rows::table;
    let mut s = ready();
    let b256 = recipe(MlpB256);
    reduce(&mut s, Action::ModelsRestored(vec![model(5, b256.model.clone(), b256.train.clone())]));
    let t = table(&s);
    // Every row of the CLI's layout for these sections, keyed, in its order: none dropped,
    // whatever its label says.
    let layout = ReportTable::full_layout(&[Section::Batch, Section::Hardening, Section::FaultAware]);
    let expected: Vec<_> = layout.iter().flat_map(|(sec, keys)| keys.iter().map(move |k| (*sec, *k))).collect();
    assert_eq!(t.rows.iter().map(|r| (r.section, r.key)).collect::<Vec<_>>(), expected);
    assert_eq!(t.rows.len(), 8 + 7 + 5);
    let fa = t.row(Section::FaultAware, MlpFaultAware).unwrap();
    assert_eq!((fa.report.clean, fa.report.crossbar_faults), (Some(97.32), Some(51.49)));
    assert!(t.section(Section::Batch).all(|r| r.report.clean.is_some() && r.report.std1_0.is_some()));
    let row = t.row(Section::Batch, MlpB256).unwrap();
    assert_eq!(row_status(&s, MlpB256), RowStatus::Trained(5));
    assert_eq!(row.ours.clean.as_ref().map(|c| c.mean), Some(97.0));
    assert_eq!(t.rows.iter().filter(|r| r.ours.clean.is_some()).count(), 1);
    assert_eq!(t.csv().lines().count(), 1 + 20);
    assert_eq!(t.json()["rows"][3]["key"], "mlp-b256");
}

#[test]
fn an_uploaded_cli_model_of_a_distilled_row_fills_that_row_only() {
    // A teacher-student model carries its key (the settings do not name the teacher); the
    // same settings without the key are no teacher-student row.
    let ts = recipe(MlpTsKl);
    let mut keyed = model(7, ts.model.clone(), ts.train.clone());
    keyed.meta.recipe = Some(MlpTsKl);
    let unkeyed = model(8, ts.model.clone(), ts.train.clone());
    let mut s = ready();
    reduce(&mut s, Action::ModelsRestored(vec![unkeyed]));
    assert_eq!(row_status(&s, MlpTsKl), RowStatus::Missing);
    reduce(&mut s, Action::ModelsRestored(vec![keyed]));
    assert_eq!(row_status(&s, MlpTsKl), RowStatus::Trained(7));
    // A run cancelled part-way is not the row's model.
    let b128 = recipe(MlpB128);
    let mut partial = model(9, b128.model.clone(), b128.train.clone());
    partial.meta.epochs_done = Some(2);
    reduce(&mut s, Action::ModelsRestored(vec![partial]));
    assert_eq!(row_status(&s, MlpB128), RowStatus::Missing);
}

fn done(s: &mut State, job: u64, id: u64) {
    let history = (1..=5).map(|epoch| EpochSummary { epoch, loss: 0.1, accuracy: 98.0 }).collect();
    reduce(
        s,
        Action::TrainDone { job, id, bytes: Default::default(), history, test_accuracy: 98.0, train_seconds: 9.0 },
    );
}

fn train_effects(effects: &[Effect]) -> Vec<(Trainer, RecipeKey, Option<u64>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Train { trainer, recipe: Some(k), teacher, .. } => Some((*trainer, *k, *teacher)),
            _ => None,
        })
        .collect()
}

/// wasm runs one thread per worker: the queue starts a second trainer and keeps both busy,
/// and a student waits for a teacher that is training on the other worker.
#[test]
fn the_queue_trains_on_two_workers_and_a_student_waits_for_its_teacher_in_training() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![MlpB256, MlpB128, MlpTsKl, MlpB64]));
    let effects = take_effects(&mut s);
    assert_eq!(train_effects(&effects), vec![(Trainer::Main, MlpB256, None)]);
    assert_eq!(effects.iter().filter(|e| matches!(e, Effect::SpawnSecondTrainer)).count(), 1);

    reduce(&mut s, Action::SecondTrainerDataLoaded { kind: DatasetKind::Mnist });
    let effects = take_effects(&mut s);
    assert_eq!(train_effects(&effects), vec![(Trainer::Second, MlpB128, None)]);
    assert_eq!(row_status(&s, MlpB128), RowStatus::Training);
    assert_eq!(row_status(&s, MlpB256), RowStatus::Training);
    let saved: Vec<RecipeKey> = s.reproduce.saved.iter().map(|j| j.0).collect();
    assert_eq!(saved, vec![MlpB256, MlpB128, MlpTsKl, MlpB64], "both running rows are saved first");

    // The second worker finishes: it skips the student (its teacher is still queued).
    let second_job = s.second.run.as_ref().unwrap().job;
    done(&mut s, second_job, 50);
    assert!(matches!(row_status(&s, MlpB128), RowStatus::Trained(50)));
    assert_eq!(train_effects(&take_effects(&mut s)), vec![(Trainer::Second, MlpB64, None)]);

    // The main worker finishes while the teacher trains on the second: the student waits.
    let main_job = s.run.as_ref().unwrap().job;
    done(&mut s, main_job, 51);
    assert!(train_effects(&take_effects(&mut s)).is_empty());
    assert_eq!(s.reproduce.waiting, vec![(MlpTsKl, TRAIN_SEED)], "the student is kept, not dropped");
    assert!(s.notice.is_none(), "{:?}", s.notice);

    // The teacher is done: the student trains with it, on the first free worker.
    let teacher_job = s.second.run.as_ref().unwrap().job;
    done(&mut s, teacher_job, 52);
    assert_eq!(train_effects(&take_effects(&mut s)), vec![(Trainer::Main, MlpTsKl, Some(52))]);
    assert!(s.reproduce.waiting.is_empty());
}

/// A failed run on the second trainer is said in the status line and frees the worker.
#[test]
fn a_failed_second_trainer_run_is_reported_and_the_queue_moves_on() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![MlpB256, MlpB128, MlpB32]));
    reduce(&mut s, Action::SecondTrainerDataLoaded { kind: DatasetKind::Mnist });
    take_effects(&mut s);
    let job = s.second.run.as_ref().unwrap().job;
    reduce(&mut s, Action::TrainFailed { job, error: "out of memory".into() });
    let notice = s.notice.clone().unwrap_or_default();
    assert!(notice.contains("out of memory") && notice.contains("mlp-b128"), "{notice}");
    assert_eq!(train_effects(&take_effects(&mut s)), vec![(Trainer::Second, MlpB32, None)]);
}

/// A trained report row gets the jobs of its own figures (σ 1.0 and 1.5, every draw; with the
/// crossbar on, its fault points 0 and 0.1 / 0.1), not the full curves of a compared model.
#[test]
fn a_trained_row_asks_only_for_its_figures() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![MlpB256]));
    take_effects(&mut s);
    let job = s.run.as_ref().unwrap().job;
    done(&mut s, job, 60);
    let jobs: Vec<Vec<crate::protocol::EvalTask>> = take_effects(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            Effect::CurveJobs { model: 60, tasks } => Some(tasks),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 1, "one set of jobs for the row");
    let stds: Vec<f32> = jobs[0]
        .iter()
        .map(|t| match t {
            crate::protocol::EvalTask::Noise { std, .. } => *std,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let draws = s.explore.draws;
    assert_eq!(stds.len(), 2 * draws);
    assert!(stds.iter().all(|&x| (x - 1.0).abs() < 1e-4 || (x - 1.5).abs() < 1e-4), "{stds:?}");
    assert!(!s.explore.compare.contains(&60), "a queue row does not take over the Explore panel");
    // Asked once: the next action sends nothing more for it.
    reduce(&mut s, Action::SetTab(crate::app_core::Tab::Reproduce));
    assert!(!take_effects(&mut s).iter().any(|e| matches!(e, Effect::CurveJobs { model: 60, .. })));
    // With the crossbar on, its two fault points follow.
    let mut on = s.explore.crossbar.clone();
    on.enabled = true;
    s.explore.crossbar = on;
    reduce(&mut s, Action::SetTab(crate::app_core::Tab::Reproduce));
    let xbar = take_effects(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            Effect::CurveJobs { model: 60, tasks } => Some(tasks),
            _ => None,
        })
        .flatten()
        .filter(|t| matches!(t, crate::protocol::EvalTask::Crossbar { .. }))
        .count();
    assert!(xbar >= 2, "the crossbar points are asked for once it is on ({xbar})");
}
