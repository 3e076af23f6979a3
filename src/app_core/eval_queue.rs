//! The evaluators' queue policy: the slider's and the crossbar readout's jobs replace their
//! own queued ones and run first; jobs a button asked for come next; background curves last.
//! A job handed to an evaluator is remembered until its answer, so a failure can be filed
//! where its figure would have gone.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::protocol::EvalTask;

/// Why an evaluation was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobClass {
    Slider,
    Crossbar,
    /// The Draw panel's readings (one per model).
    Digit,
    Requested,
    Curve,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: u64,
    pub class: JobClass,
    pub model: u64,
    pub task: EvalTask,
}

#[derive(Clone, Debug, Default)]
pub struct JobQueue {
    queue: VecDeque<Job>,
    started: BTreeMap<u64, Job>,
    /// Jobs already retried once after their evaluator crashed.
    retried: BTreeSet<u64>,
    next_id: u64,
    curves_paused: bool,
}

/// Whether background curves wait: while the Train panel's own run trains. wasm runs one
/// thread per worker and the machine may have two cores: two evaluators computing curves took
/// a third of the trainer's speed (LeNet 16.7 s an epoch in the app against 11 s alone). The
/// Reproduce queue's runs do not pause them: its rows' figures are part of its work.
pub fn curves_wait_while(s: &super::state::State) -> bool {
    s.run.as_ref().is_some_and(|r| r.error.is_none() && r.recipe.is_none())
}

/// What becomes of a started job whose evaluator crashed or hung.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // returned once per crash, consumed at once
pub enum Crashed {
    /// Queued again, first in line: its first crash.
    Retried,
    /// It crashed an evaluator twice: it is failed (filed where its figure would go).
    Failed(Job),
    /// Not a started job of this queue (already answered, or forgotten).
    Unknown,
}

impl JobQueue {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Replaces the queued jobs of `class` with `tasks`, after the other interactive class's
    /// jobs and before requested jobs and curves.
    pub fn replace(&mut self, class: JobClass, model: u64, tasks: Vec<EvalTask>) {
        self.replace_all(class, tasks.into_iter().map(|t| (model, t)).collect());
    }

    /// Replaces the queued jobs of `class` with `jobs` (of several models), as [`JobQueue::replace`].
    pub fn replace_all(&mut self, class: JobClass, jobs: Vec<(u64, EvalTask)>) {
        self.queue.retain(|j| j.class != class);
        let at = self
            .queue
            .iter()
            .position(|j| matches!(j.class, JobClass::Requested | JobClass::Curve))
            .unwrap_or(self.queue.len());
        for (i, (model, task)) in jobs.into_iter().enumerate() {
            let id = self.next_id();
            self.queue.insert(at + i, Job { id, class, model, task });
        }
    }

    /// Jobs a button asked for: after the queued interactive and requested jobs, before curves.
    pub fn push_requested(&mut self, jobs: Vec<(u64, EvalTask)>) {
        let at = self.queue.iter().position(|j| j.class == JobClass::Curve).unwrap_or(self.queue.len());
        for (i, (model, task)) in jobs.into_iter().enumerate() {
            let id = self.next_id();
            self.queue.insert(at + i, Job { id, class: JobClass::Requested, model, task });
        }
    }

    /// Curve jobs, behind everything else.
    pub fn push_curves(&mut self, model: u64, tasks: Vec<EvalTask>) {
        for task in tasks {
            let id = self.next_id();
            self.queue.push_back(Job { id, class: JobClass::Curve, model, task });
        }
    }

    /// Forgets queued background curve jobs for crossbar settings no longer shown (`keep`
    /// says which crossbar tasks still count); started jobs are still answered and filed.
    pub fn drop_stale_curves(&mut self, keep: &dyn Fn(&EvalTask) -> bool) {
        self.queue
            .retain(|j| j.class != JobClass::Curve || !matches!(j.task, EvalTask::Crossbar { .. }) || keep(&j.task));
    }

    /// Forgets a model's queued jobs.
    pub fn remove_model(&mut self, model: u64) {
        self.queue.retain(|j| j.model != model);
    }

    /// Forgets every queued job (the data changed); answers to started ones are still filed.
    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// While a model trains in the Train panel, background curves wait (see
    /// [`curves_wait_while`]); the readouts and buttons' jobs still run.
    pub fn pause_curves(&mut self, paused: bool) {
        self.curves_paused = paused;
    }

    /// The next job to hand out, remembered as started.
    pub fn pop(&mut self) -> Option<Job> {
        let at = if self.curves_paused { self.queue.iter().position(|j| j.class != JobClass::Curve)? } else { 0 };
        let job = self.queue.remove(at)?;
        self.started.insert(job.id, job.clone());
        Some(job)
    }

    /// The answer to a started job came (done or failed): the job, if it was one of ours.
    pub fn finish(&mut self, id: u64) -> Option<Job> {
        self.retried.remove(&id);
        self.started.remove(&id)
    }

    /// The evaluator running started job `id` crashed or hung: the job is retried once, at the
    /// head of the queue, then failed.
    pub fn crashed(&mut self, id: u64) -> Crashed {
        let Some(job) = self.started.remove(&id) else { return Crashed::Unknown };
        if self.retried.insert(id) {
            self.queue.push_front(job);
            Crashed::Retried
        } else {
            self.retried.remove(&id);
            Crashed::Failed(job)
        }
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The queued jobs in order (for tests and the status line).
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.queue.iter()
    }
}

/// Whether a queued curve job is still one of the curves shown: a crossbar job of the fault
/// curve's settings (`xbar_key`), of the drift curve's (`drift_key`), or of the chosen knob's
/// curve (`knob`: the knob and its curve key); any other task is not a crossbar curve's.
pub fn curve_still_shown(
    task: &EvalTask,
    xbar_key: &str,
    drift_key: Option<&str>,
    knob: Option<&(super::curve_knob::CurveKnob, String)>,
) -> bool {
    use super::explore::{drift_key as drift_of, settings_key};
    match task {
        EvalTask::Crossbar { config, .. } => {
            settings_key(config) == xbar_key
                || drift_key.is_some_and(|k| config.drift.is_some() && drift_of(config) == k)
                || knob.is_some_and(|(knob, k)| knob.index(config).is_some() && knob.curve_key(config) == *k)
        }
        _ => true,
    }
}
