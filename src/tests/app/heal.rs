//! How the page heals (issue 11): crashed and hung workers are started again, an evaluation
//! whose worker crashed is retried once then failed where its figure would go, a crashed
//! trainer's run ends keeping its last finished epoch and the queue goes on, a protocol
//! mismatch asks for a reload, unreadable stored entries are listed, uploads have size caps.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::rc::Rc;

use engine::data::DatasetKind;
use engine::experiments::RecipeKey;
use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::{model, ready, take_effects};
use crate::app_core::eval_queue::{Crashed, JobQueue};
use crate::app_core::heal::{
    check_data_file, check_model_file, overdue, restart, WorkerId, EVAL_DEADLINE_MS, MAX_DATA_FILE, MAX_MODEL_FILE,
    MAX_RESTARTS, TRAINER_SILENCE_MS,
};
use crate::app_core::models::{read_stored, StoredEntry};
use crate::app_core::reducer::{reduce, tick_changes_nothing};
use crate::app_core::reproduce::{row_status, RowStatus};
use crate::app_core::{Action, Effect, State, Trainer};
use crate::protocol::EvalTask;

fn crash(s: &mut State, worker: WorkerId, started: bool) {
    reduce(s, Action::WorkerCrashed { worker, reason: "boom".into(), started, keep_id: 99 });
}

fn noise(std: f32) -> EvalTask {
    EvalTask::Noise { std, seed: 1, draw: 0, subset: None, predictions: false }
}

#[test]
fn a_crashed_evaluator_is_started_again_and_the_user_told() {
    let mut s = ready();
    take_effects(&mut s);
    crash(&mut s, WorkerId::Evaluator(1), true);
    assert_eq!(take_effects(&mut s), vec![Effect::RespawnEvaluator(1)]);
    let notice = s.notice.clone().unwrap_or_default();
    assert!(notice.contains("evaluator 2 crashed (boom)") && notice.contains("started again"), "{notice}");
}

#[test]
fn a_worker_that_never_started_or_keeps_crashing_is_left_stopped() {
    let mut s = ready();
    take_effects(&mut s);
    crash(&mut s, WorkerId::Evaluator(0), false);
    assert!(take_effects(&mut s).is_empty(), "a worker that never started would crash forever");
    assert!(s.notice.as_deref().unwrap_or_default().contains("reload"), "{:?}", s.notice);
    for _ in 0..MAX_RESTARTS {
        crash(&mut s, WorkerId::Evaluator(1), true);
        assert_eq!(take_effects(&mut s), vec![Effect::RespawnEvaluator(1)]);
    }
    crash(&mut s, WorkerId::Evaluator(1), true);
    assert!(take_effects(&mut s).is_empty(), "restarted {MAX_RESTARTS} times already");
    assert!(s.notice.as_deref().unwrap_or_default().contains("reload"), "{:?}", s.notice);
    assert!(restart(true, 0) && !restart(false, 0) && !restart(true, MAX_RESTARTS));
}

#[test]
fn a_job_whose_evaluator_crashed_is_retried_once_first_in_line_then_failed() {
    let mut q = JobQueue::default();
    q.push_curves(7, vec![noise(0.1), noise(0.2)]);
    let job = q.pop().unwrap();
    assert_eq!(q.crashed(job.id), Crashed::Retried);
    let again = q.pop().unwrap();
    assert_eq!(again, job, "the same job, ahead of the rest of the queue");
    assert_eq!(q.crashed(again.id), Crashed::Failed(job.clone()));
    assert_eq!(q.crashed(job.id), Crashed::Unknown, "failed once, forgotten");
    // A retried job that then succeeds is done; a later crash of another job retries it.
    let other = q.pop().unwrap();
    assert_eq!(q.crashed(other.id), Crashed::Retried);
    let other = q.pop().unwrap();
    assert_eq!(q.finish(other.id).map(|j| j.task), Some(noise(0.2)));
    assert_eq!(q.crashed(other.id), Crashed::Unknown);
    assert!(q.is_empty());
}

#[test]
fn a_failed_retry_shows_near_the_readout() {
    let mut s = ready();
    reduce(&mut s, Action::ModelsRestored(vec![model(7, ModelConfig::report_mlp(), TrainConfig::default())]));
    take_effects(&mut s);
    let task = EvalTask::Noise { std: 0.0, seed: s.explore.seed, draw: 0, subset: None, predictions: true };
    let error = "this evaluation crashed an evaluator twice (boom); it is not tried again".to_string();
    reduce(&mut s, Action::EvalFailed { model: Some(7), task: Some(task), error: error.clone() });
    assert_eq!(s.explore.readout.error.as_deref(), Some(error.as_str()));
}

/// A page training on the main trainer, after one finished epoch (with its snapshot).
fn training_after_one_epoch() -> (State, u64) {
    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let job = s.run.as_ref().unwrap().job;
    let summary = engine::train::EpochSummary { epoch: 1, loss: 0.3, accuracy: 91.0 };
    let snapshot = Some((Rc::new(vec![1, 2, 3]), 2.0));
    reduce(&mut s, Action::TrainEpoch { job, summary, test_accuracy: 95.0, snapshot });
    take_effects(&mut s);
    (s, job)
}

#[test]
fn a_crashed_trainer_leaves_the_training_state_and_keeps_the_last_finished_epoch() {
    let (mut s, _) = training_after_one_epoch();
    crash(&mut s, WorkerId::Trainer(Trainer::Main), true);
    let effects = take_effects(&mut s);
    assert!(effects.contains(&Effect::RestartTrainer { kept: None }), "{effects:?}");
    assert!(effects.contains(&Effect::SaveModel(99)), "{effects:?}");
    assert!(!s.training(), "the Train panel leaves the training state");
    let kept = s.model(99).expect("the snapshot is kept");
    assert_eq!((kept.meta.test_accuracy, kept.bytes.as_ref().clone()), (95.0, vec![1, 2, 3]));
    assert!(kept.meta.name.contains("trainer crashed after epoch 1 of 5"), "{}", kept.meta.name);
    let error = s.run.as_ref().and_then(|r| r.error.clone()).unwrap_or_default();
    assert!(error.contains("crashed (boom)") && error.contains("after epoch 1"), "{error}");
    // The fresh trainer loads the data, and the next run starts.
    reduce(&mut s, Action::Train { now_ms: 1.0 });
    assert!(!s.training(), "nothing trains before the fresh trainer holds the data");
    reduce(&mut s, Action::TrainerDataLoaded { kind: DatasetKind::Mnist, train: 60_000 });
    reduce(&mut s, Action::Train { now_ms: 2.0 });
    assert!(s.training());
}

#[test]
fn a_crash_before_any_epoch_keeps_nothing_and_says_so() {
    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let models = s.models.len();
    crash(&mut s, WorkerId::Trainer(Trainer::Main), true);
    assert!(!s.training() && s.models.len() == models);
    let error = s.run.as_ref().and_then(|r| r.error.clone()).unwrap_or_default();
    assert!(error.contains("no epoch had finished; press Train"), "{error}");
}

#[test]
fn a_trainer_not_started_again_says_to_reload() {
    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    take_effects(&mut s);
    crash(&mut s, WorkerId::Trainer(Trainer::Main), false);
    let restarts = take_effects(&mut s)
        .into_iter()
        .filter(|e| matches!(e, Effect::RestartTrainer { .. } | Effect::SpawnSecondTrainer))
        .count();
    assert_eq!(restarts, 0, "no restart of a worker that never started");
    let error = s.run.as_ref().and_then(|r| r.error.clone()).unwrap_or_default();
    assert!(error.contains("reload the page") && !error.contains("press Train"), "{error}");
}

#[test]
fn the_reproduce_queue_goes_on_after_its_trainer_crashes() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![RecipeKey::MlpB256, RecipeKey::MlpB128]));
    let training: Vec<RecipeKey> = s.running().filter_map(|r| r.recipe).collect();
    assert_eq!(training, vec![RecipeKey::MlpB256]);
    take_effects(&mut s);
    crash(&mut s, WorkerId::Trainer(Trainer::Main), true);
    assert_eq!(row_status(&s, RecipeKey::MlpB256), RowStatus::Missing, "the row is no longer training");
    assert!(s.notice.as_deref().unwrap_or_default().contains("crashed"), "{:?}", s.notice);
    reduce(&mut s, Action::TrainerDataLoaded { kind: DatasetKind::Mnist, train: 60_000 });
    let training: Vec<RecipeKey> = s.running().filter_map(|r| r.recipe).collect();
    assert!(training.contains(&RecipeKey::MlpB128), "the next row trains: {training:?}");
}

#[test]
fn a_crashed_second_trainer_is_started_again_and_its_row_ends() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![RecipeKey::MlpB256, RecipeKey::MlpB128]));
    assert!(take_effects(&mut s).contains(&Effect::SpawnSecondTrainer));
    reduce(&mut s, Action::SecondTrainerDataLoaded { kind: DatasetKind::Mnist });
    assert!(s.second.training());
    take_effects(&mut s);
    crash(&mut s, WorkerId::Trainer(Trainer::Second), true);
    assert!(!s.second.training() && !s.second.ready);
    // Started again; the crashed row is no longer saved as training (the main trainer's is).
    let effects = take_effects(&mut s);
    assert_eq!(effects, vec![Effect::SpawnSecondTrainer, Effect::SaveQueue(vec!["mlp-b256".into()])]);
    assert_eq!(row_status(&s, RecipeKey::MlpB128), RowStatus::Missing);
    assert!(s.training(), "the main trainer's run goes on");
}

#[test]
fn a_silent_trainer_is_taken_for_crashed() {
    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let job = s.run.as_ref().unwrap().job;
    reduce(&mut s, Action::Tick { now_ms: 60_000.0, keep_id: 1 });
    assert!(s.training());
    let progress = engine::train::Progress {
        epoch: 1,
        epochs: 5,
        step: 10,
        steps_per_epoch: 100,
        global_step: 10,
        total_steps: 500,
        loss: 1.0,
        running_loss: 1.0,
        running_accuracy: 50.0,
        images_seen: 640,
        throughput: None,
    };
    reduce(&mut s, Action::TrainProgress { job, progress, now_ms: 100_000.0 });
    reduce(&mut s, Action::Tick { now_ms: 100_000.0 + TRAINER_SILENCE_MS, keep_id: 1 });
    assert!(s.training(), "silent for exactly the limit: not yet");
    take_effects(&mut s);
    reduce(&mut s, Action::Tick { now_ms: 100_001.0 + TRAINER_SILENCE_MS, keep_id: 1 });
    assert!(!s.training());
    assert!(take_effects(&mut s).contains(&Effect::RestartTrainer { kept: None }));
    let error = s.run.as_ref().and_then(|r| r.error.clone()).unwrap_or_default();
    assert!(error.contains("no word from it for 120 s"), "{error}");
}

#[test]
fn a_tick_that_changes_nothing_is_known_as_such() {
    let mut s = ready();
    assert!(tick_changes_nothing(&s, 1e9), "nothing trains");
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    assert!(tick_changes_nothing(&s, TRAINER_SILENCE_MS));
    assert!(!tick_changes_nothing(&s, TRAINER_SILENCE_MS + 1.0), "the trainer is overdue");
    let mut queued = ready();
    reduce(&mut queued, Action::Enqueue(vec![RecipeKey::MlpB256]));
    assert!(!tick_changes_nothing(&queued, 0.0), "a queued row's clock starts at the first tick");
}

#[test]
fn a_queued_row_without_a_start_time_is_timed_from_the_first_tick() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![RecipeKey::MlpB256]));
    assert!(s.training());
    reduce(&mut s, Action::Tick { now_ms: 1_000_000.0, keep_id: 1 });
    assert!(s.training(), "the first tick only starts the clock");
    reduce(&mut s, Action::Tick { now_ms: 1_000_001.0 + TRAINER_SILENCE_MS, keep_id: 1 });
    assert!(!s.training());
}

#[test]
fn deadlines() {
    assert!(!overdue(0.0, EVAL_DEADLINE_MS, EVAL_DEADLINE_MS));
    assert!(overdue(0.0, EVAL_DEADLINE_MS + 1.0, EVAL_DEADLINE_MS));
}

#[test]
fn a_protocol_mismatch_shows_the_reload_screen() {
    let mut s = ready();
    assert!(s.reload.is_none());
    reduce(&mut s, Action::ProtocolMismatch("protocol version 5 received, 6 expected".into()));
    assert_eq!(s.reload.as_deref(), Some("protocol version 5 received, 6 expected"));
}

#[test]
fn unreadable_stored_entries_are_listed_not_skipped() {
    let good = model(5, ModelConfig::report_mlp(), TrainConfig::default());
    let meta = serde_json::to_string(&good.meta).unwrap();
    let entries = vec![
        StoredEntry { key: "5".into(), meta: Some(meta.clone()), bytes: Some(vec![1, 2]) },
        StoredEntry { key: "6".into(), meta: Some(r#"{"name":"old model","id":6}"#.into()), bytes: Some(vec![1]) },
        StoredEntry { key: "7".into(), meta: Some(meta), bytes: None },
        StoredEntry { key: "8".into(), meta: None, bytes: Some(vec![1]) },
    ];
    let (models, unreadable) = read_stored(entries);
    assert_eq!(models.iter().map(|m| m.meta.id).collect::<Vec<_>>(), vec![5]);
    let keys: Vec<&str> = unreadable.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, vec!["6", "7", "8"]);
    assert_eq!(unreadable[0].name.as_deref(), Some("old model"));
    assert!(unreadable[0].reason.contains("cannot read"), "{}", unreadable[0].reason);
    assert!(unreadable[1].reason.contains("no model bytes"), "{}", unreadable[1].reason);
    let mut s = ready();
    reduce(&mut s, Action::StoredUnreadable(unreadable.clone()));
    assert_eq!(s.unreadable, unreadable);
}

#[test]
fn uploads_over_the_caps_are_refused_with_their_size() {
    assert!(check_model_file("m.safetensors", 3 << 20).is_ok());
    let e = check_model_file("big.safetensors", MAX_MODEL_FILE + 1).unwrap_err();
    assert!(e.contains("big.safetensors") && e.contains("64.0 MB"), "{e}");
    assert!(check_model_file("empty.safetensors", 0).unwrap_err().contains("empty"));
    assert!(check_data_file("train-images-idx3-ubyte", 47_040_016).is_ok());
    let e = check_data_file("huge-idx3-ubyte", MAX_DATA_FILE + 1).unwrap_err();
    assert!(e.contains("huge-idx3-ubyte") && e.contains("128.0 MB"), "{e}");
}
