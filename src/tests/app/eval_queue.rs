//! The evaluators' queue policy.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::app_core::eval_queue::{JobClass, JobQueue};
use crate::protocol::EvalTask;

fn noise(std: f32) -> EvalTask {
    EvalTask::Noise { std, seed: 1, draw: 0, subset: None, predictions: false }
}

fn order(q: &JobQueue) -> Vec<(JobClass, u64)> {
    q.jobs().map(|j| (j.class, j.model)).collect()
}

#[test]
fn interactive_jobs_first_then_requested_then_curves() {
    let mut q = JobQueue::default();
    q.push_curves(1, vec![noise(0.0), noise(0.1)]);
    q.push_requested(vec![(2, noise(0.5))]);
    q.replace(JobClass::Slider, 3, vec![noise(1.0)]);
    q.replace(JobClass::Crossbar, 3, vec![noise(1.1)]);
    // a new slider position replaces the old one's jobs, after the crossbar's, ahead of the rest
    q.replace(JobClass::Slider, 3, vec![noise(1.2), noise(1.3)]);
    assert_eq!(
        order(&q),
        vec![
            (JobClass::Crossbar, 3),
            (JobClass::Slider, 3),
            (JobClass::Slider, 3),
            (JobClass::Requested, 2),
            (JobClass::Curve, 1),
            (JobClass::Curve, 1)
        ]
    );
    q.remove_model(1);
    assert_eq!(q.len(), 4);
    q.clear();
    assert!(q.is_empty());
}

#[test]
fn a_failed_job_is_known_by_its_id() {
    let mut q = JobQueue::default();
    q.push_curves(7, vec![noise(0.3), noise(0.4)]);
    let first = q.pop().unwrap();
    let second = q.pop().unwrap();
    assert_eq!(q.finish(second.id).map(|j| (j.model, j.task)), Some((7, noise(0.4))));
    assert_eq!(q.finish(second.id), None, "answered once");
    assert_eq!(q.finish(first.id).map(|j| j.task), Some(noise(0.3)));
}

#[test]
fn paused_curves_wait_while_readouts_still_run() {
    let mut q = JobQueue::default();
    q.push_curves(1, vec![noise(0.0), noise(0.1)]);
    q.pause_curves(true);
    assert_eq!(q.pop(), None, "only curves queued: nothing to hand out");
    q.replace(JobClass::Slider, 3, vec![noise(1.0)]);
    assert_eq!(q.pop().map(|j| (j.class, j.model)), Some((JobClass::Slider, 3)));
    assert_eq!(q.pop(), None);
    assert_eq!(q.len(), 2, "the curves are kept, in order");
    q.pause_curves(false);
    assert_eq!(q.pop().map(|j| j.task), Some(noise(0.0)));
}

#[test]
fn stale_crossbar_curves_are_dropped_but_noise_curves_and_readouts_stay() {
    let mut q = JobQueue::default();
    let xbar = |lrs: f64| EvalTask::Crossbar {
        config: engine::crossbar::CrossbarConfig {
            faults: engine::crossbar::FaultConfig { lrs, hrs: lrs },
            ..Default::default()
        },
        draw: 0,
        subset: None,
    };
    q.push_curves(1, vec![noise(0.5), xbar(0.1), xbar(0.2)]);
    q.replace(JobClass::Crossbar, 1, vec![xbar(0.3)]);
    q.drop_stale_curves(&|t| matches!(t, EvalTask::Crossbar { config, .. } if config.faults.lrs == 0.2));
    assert_eq!(
        q.jobs().map(|j| (j.class, j.task.clone())).collect::<Vec<_>>(),
        vec![(JobClass::Crossbar, xbar(0.3)), (JobClass::Curve, noise(0.5)), (JobClass::Curve, xbar(0.2))]
    );
}
