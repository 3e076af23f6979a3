//! Workers check every field of a message with the engine's own rules before acting on it
//! (issue 11): noise strengths, fault rates and crossbar settings, draws, bins, subsets,
//! landscape coordinates, model and training settings, model file sizes.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::crossbar::CrossbarConfig;
use engine::model::ModelConfig;
use engine::train::TrainConfig;

use crate::app_core::explore::Explore;
use crate::app_core::heal::MAX_MODEL_FILE;
use crate::app_core::landscape::LandscapeView;
use crate::protocol::{EvalTask, FromWorker, ToWorker};
use crate::worker_core::{check_request, check_task, WorkerCore, MAX_BINS};

fn noise(std: f32, draw: usize, subset: Option<usize>) -> EvalTask {
    EvalTask::Noise { std, seed: 1, draw, subset, predictions: false }
}

fn xbar(lrs: f64, hrs: f64) -> EvalTask {
    let mut config = CrossbarConfig::default();
    config.faults.lrs = lrs;
    config.faults.hrs = hrs;
    EvalTask::Crossbar { config, draw: 0, subset: None }
}

fn landscape(coords: Vec<(f32, f32)>) -> EvalTask {
    EvalTask::Landscape { grid: false, first: 0, coords, seed: 1, subset: 500 }
}

#[test]
fn every_task_the_page_sends_passes() {
    let mut e = Explore::default();
    e.crossbar.enabled = true;
    let mut tasks = e.slider_tasks();
    tasks.extend(e.xbar_tasks());
    tasks.extend(e.curve_tasks());
    tasks.extend(e.xbar_curve_tasks());
    let mut land = LandscapeView::default();
    land.start(vec![1, 2], Some(1), 0.0);
    tasks.extend(land.jobs().into_iter().map(|(_, t)| t));
    assert!(tasks.len() > 20, "{}", tasks.len());
    for t in &tasks {
        assert_eq!(check_task(t), Ok(()), "{t:?}");
    }
}

#[test]
fn out_of_range_fields_are_refused_with_the_engines_reasons() {
    let refused = |t: EvalTask| check_task(&t).expect_err(&format!("{t:?} passed"));
    assert!(refused(noise(f32::NAN, 0, None)).contains("noise std"));
    assert!(refused(noise(11.0, 0, None)).contains("[0, 10]"));
    assert!(refused(noise(1.0, 1000, None)).contains("draw"));
    assert!(refused(noise(1.0, 0, Some(0))).contains("subset"));
    assert!(refused(xbar(1.5, 0.0)).contains("lrs proportion"));
    assert!(refused(xbar(0.6, 0.6)).contains("sum to at most 1"));
    assert!(refused(xbar(f64::NAN, 0.0)).contains("lrs proportion"));
    let bad_tile = CrossbarConfig { tile: 0, ..CrossbarConfig::default() };
    assert!(refused(EvalTask::Tile { config: bad_tile, draw: 0 }).contains("tile"));
    for bins in [0, MAX_BINS + 1] {
        assert!(refused(EvalTask::Histogram { std: 1.0, seed: 1, bins }).contains("bins"));
    }
    assert!(check_task(&EvalTask::Histogram { std: 1.0, seed: 1, bins: MAX_BINS }).is_ok());
    assert!(refused(landscape(vec![])).contains("coords"));
    assert!(refused(landscape(vec![(0.0, f32::NAN)])).contains("range"));
    assert!(refused(landscape(vec![(1000.0, 0.0)])).contains("(0, 100]"));
    assert!(check_task(&landscape(vec![(0.0, 0.0), (-100.0, 100.0)])).is_ok());
    assert!(refused(EvalTask::NoiseLandscape { std: 1.0, draws: 0, seed: 1, subset: 500 }).contains("draws"));
    assert!(refused(EvalTask::NoiseLandscape { std: 1.0, draws: 5, seed: 1, subset: 0 }).contains("subset"));
}

#[test]
fn messages_with_bad_fields_get_a_failure_reply_not_a_crash() {
    let mut core = WorkerCore::default();
    let mut out = Vec::new();
    let clock = || 0.0;
    let bad_train = TrainConfig { epochs: 0, ..TrainConfig::default() };
    core.handle(
        ToWorker::Train { job: 3, model: ModelConfig::report_mlp(), train: bad_train, teacher: None, recipe: None },
        &clock,
        &mut |m| out.push(m),
    );
    core.handle(ToWorker::Eval { job: 4, model: 1, task: xbar(2.0, 0.0) }, &clock, &mut |m| out.push(m));
    core.handle(ToWorker::PutModel { id: 5, bytes: vec![] }, &clock, &mut |m| out.push(m));
    core.handle(ToWorker::Import { job: 6, name: "x.safetensors".into(), bytes: vec![] }, &clock, &mut |m| out.push(m));
    assert!(matches!(&out[0], FromWorker::TrainFailed { job: 3, error } if error.contains("epochs")), "{:?}", out[0]);
    assert!(matches!(&out[1], FromWorker::EvalFailed { job: 4, error } if error.contains("lrs")), "{:?}", out[1]);
    assert!(matches!(&out[2], FromWorker::EvalFailed { job: 0, error } if error.contains("model 5")), "{:?}", out[2]);
    assert!(matches!(&out[3], FromWorker::ImportFailed { job: 6, .. }), "{:?}", out[3]);
    assert_eq!(out.len(), 4);
}

#[test]
fn model_files_over_the_cap_are_refused() {
    let big = vec![0u8; MAX_MODEL_FILE as usize + 1];
    let e = check_request(&ToWorker::PutModel { id: 1, bytes: big }).unwrap_err();
    assert!(e.contains("64.0 MB"), "{e}");
}

/// The test-only panic: armed for the next evaluation, it fires there (and only there).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_test_can_make_a_worker_panic_on_its_next_evaluation() {
    use crate::protocol::PanicWhen;
    let mut core = WorkerCore::default();
    let clock = || 0.0;
    core.handle(ToWorker::Panic(PanicWhen::NextEval), &clock, &mut |m| panic!("no reply expected: {m:?}"));
    let task = noise(0.0, 0, None);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        core.handle(ToWorker::Eval { job: 1, model: 1, task }, &clock, &mut |_| {});
    }));
    assert!(caught.is_err(), "the armed panic fires on the evaluation");
}
