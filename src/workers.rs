//! The page's side of the workers: spawning them, queueing messages until a worker says it is
//! ready, and a pool of evaluators with a job queue where the slider's jobs jump the line.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};

use crate::app_core::eval_queue::{Crashed, Job, JobClass, JobQueue};
use crate::app_core::heal;
use crate::protocol::{decode, encode, DataSource, DecodeError, EvalTask, FromWorker, ToWorker};

/// Where trunk puts the worker's no-modules script, relative to the page.
const WORKER_SCRIPT: &str = "worker.js";

/// An absolute URL for `path` relative to the page.
pub fn absolute_url(path: &str) -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    Url::new_with_base(path, &href).map(|u| u.href()).unwrap_or_else(|_| path.to_string())
}

struct Inner {
    worker: Worker,
    ready: bool,
    pending: Vec<Vec<u8>>,
    /// It crashed: nothing more from it is passed on.
    dead: bool,
}

/// What a worker's owner hears.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // one event at a time, handled at once
pub enum WorkerEvent {
    /// A reply (every one except `Ready`).
    Message(FromWorker),
    /// The worker crashed: it panicked (its panic hook said so), an exception escaped it (the
    /// error event), or a message to it could not be read. `started`: it had said `Ready`.
    /// Said once; the worker is dead after it.
    Crashed { reason: String, started: bool },
    /// It speaks another protocol version (a stale cached script).
    Mismatch(String),
}

/// One running worker. Dropping it terminates the worker.
pub struct WorkerHandle {
    inner: Rc<RefCell<Inner>>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(web_sys::ErrorEvent)>,
    _onmessageerror: Closure<dyn FnMut(MessageEvent)>,
}

/// Marks the worker dead; returns whether it had started, or `None` if it was dead already.
fn mark_dead(inner: &std::rc::Weak<RefCell<Inner>>) -> Option<bool> {
    let inner = inner.upgrade()?;
    let mut inner = inner.borrow_mut();
    if inner.dead {
        return None;
    }
    inner.dead = true;
    Some(inner.ready)
}

impl WorkerHandle {
    /// Starts a worker; `on_event` hears every reply except `Ready`, and its crash.
    pub fn spawn(on_event: impl Fn(WorkerEvent) + 'static) -> Result<Self, String> {
        let js = absolute_url(WORKER_SCRIPT);
        let wasm = js.replace(".js", "_bg.wasm");
        // A classic worker from a blob: the no-modules script then starts the wasm explicitly.
        let src = Array::of1(&format!("importScripts({js:?}); wasm_bindgen({wasm:?});").into());
        let opts = BlobPropertyBag::new();
        opts.set_type("application/javascript");
        let blob = Blob::new_with_str_sequence_and_options(&src, &opts).map_err(|e| format!("{e:?}"))?;
        let url = Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
        let worker = Worker::new(&url).map_err(|e| format!("cannot start a worker: {e:?}"))?;
        let inner =
            Rc::new(RefCell::new(Inner { worker: worker.clone(), ready: false, pending: Vec::new(), dead: false }));
        let on_event = Rc::new(on_event);
        let (weak, cb) = (Rc::downgrade(&inner), on_event.clone());
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if weak.upgrade().is_none_or(|i| i.borrow().dead) {
                return;
            }
            let bytes = Uint8Array::new(&e.data()).to_vec();
            match decode::<FromWorker>(&bytes) {
                Ok(FromWorker::Ready) => {
                    if let Some(inner) = weak.upgrade() {
                        let mut inner = inner.borrow_mut();
                        inner.ready = true;
                        for m in std::mem::take(&mut inner.pending) {
                            let _ = inner.worker.post_message(&Uint8Array::from(&m[..]));
                        }
                    }
                }
                Ok(FromWorker::Panicked(reason)) => {
                    if let Some(started) = mark_dead(&weak) {
                        cb(WorkerEvent::Crashed { reason: format!("it panicked: {reason}"), started });
                    }
                }
                Ok(msg) => cb(WorkerEvent::Message(msg)),
                Err(err @ DecodeError::Version { .. }) => {
                    // A worker of another build: it cannot be trusted with any job.
                    if mark_dead(&weak).is_some() {
                        cb(WorkerEvent::Mismatch(err.to_string()));
                    }
                }
                Err(err) => cb(WorkerEvent::Message(FromWorker::ProtocolError(err.to_string()))),
            }
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        let (weak, cb) = (Rc::downgrade(&inner), on_event.clone());
        let onerror = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
            // handled here: not logged again as an uncaught error of the page
            e.prevent_default();
            if let Some(started) = mark_dead(&weak) {
                let msg = e.message();
                let reason = if msg.is_empty() { "an error escaped it".to_string() } else { msg };
                cb(WorkerEvent::Crashed { reason, started });
            }
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        let (weak, cb) = (Rc::downgrade(&inner), on_event);
        let onmessageerror = Closure::<dyn FnMut(MessageEvent)>::new(move |_e: MessageEvent| {
            // A message that could not be received: its job would never be answered.
            if let Some(started) = mark_dead(&weak) {
                cb(WorkerEvent::Crashed { reason: "a message from it could not be received".into(), started });
            }
        });
        worker.set_onmessageerror(Some(onmessageerror.as_ref().unchecked_ref()));
        Ok(Self { inner, _onmessage: onmessage, _onerror: onerror, _onmessageerror: onmessageerror })
    }

    pub fn send(&self, msg: &ToWorker) {
        let bytes = encode(msg);
        let mut inner = self.inner.borrow_mut();
        if inner.ready {
            let _ = inner.worker.post_message(&Uint8Array::from(&bytes[..]));
        } else {
            inner.pending.push(bytes);
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let inner = self.inner.borrow();
        // Nothing of it may reach the dropped closures.
        inner.worker.set_onmessage(None);
        inner.worker.set_onerror(None);
        inner.worker.set_onmessageerror(None);
        inner.worker.terminate();
    }
}

struct Slot {
    handle: WorkerHandle,
    /// Which start of this slot's worker it is: events of a worker replaced since are dropped.
    generation: u64,
    data_ready: bool,
    /// The job it runs, and when it was handed over (page clock, ms).
    job: Option<(u64, f64)>,
    /// Uploaded files it was asked to read and has not answered for: (job, file name).
    imports: Vec<(u64, String)>,
    models: HashSet<u64>,
}

type OnEvent = Rc<dyn Fn(usize, u64, WorkerEvent)>;

/// Evaluator workers and their queue.
pub struct EvalPool {
    slots: Vec<Slot>,
    queue: JobQueue,
    models: HashMap<u64, Rc<Vec<u8>>>,
    /// The data the evaluators were last told to load (a fresh evaluator loads it too).
    source: Option<DataSource>,
    on_event: OnEvent,
    generations: u64,
}

/// How many evaluators: one per core, at least one, at most four.
pub fn pool_size() -> usize {
    let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency()).unwrap_or(2.0) as usize;
    cores.clamp(1, 4)
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}

impl EvalPool {
    /// Spawns `n` evaluators; every event goes to `on_event(worker index, generation, event)`.
    /// The pool must be told about replies through [`EvalPool::on_reply`] (after checking
    /// [`EvalPool::current`]) and about crashes through [`EvalPool::crashed`].
    pub fn new(n: usize, on_event: impl Fn(usize, u64, WorkerEvent) + 'static) -> Result<Self, String> {
        let mut pool = Self {
            slots: Vec::new(),
            queue: JobQueue::default(),
            models: HashMap::new(),
            source: None,
            on_event: Rc::new(on_event),
            generations: 0,
        };
        for i in 0..n {
            let slot = pool.start(i)?;
            pool.slots.push(slot);
        }
        Ok(pool)
    }

    fn start(&mut self, i: usize) -> Result<Slot, String> {
        self.generations += 1;
        let generation = self.generations;
        let cb = self.on_event.clone();
        let handle = WorkerHandle::spawn(move |e| cb(i, generation, e))?;
        Ok(Slot { handle, generation, data_ready: false, job: None, imports: Vec::new(), models: HashSet::new() })
    }

    /// Whether an event of generation `generation` of worker `i` is from its current worker.
    pub fn current(&self, i: usize, generation: u64) -> bool {
        self.slots.get(i).is_some_and(|s| s.generation == generation)
    }

    /// Evaluator `i` crashed or hung: it gets no more work, and its job is queued again first
    /// in line, or, if this job had crashed an evaluator before, returned as failed. Also
    /// returns the names of the uploaded files it was reading (lost with it).
    pub fn crashed(&mut self, i: usize) -> (Option<Job>, Vec<String>) {
        let Some(slot) = self.slots.get_mut(i) else { return (None, Vec::new()) };
        slot.data_ready = false;
        let job = slot.job.take();
        let imports = std::mem::take(&mut slot.imports).into_iter().map(|(_, name)| name).collect();
        let failed = match job.map(|(id, _)| self.queue.crashed(id)) {
            Some(Crashed::Failed(job)) => Some(job),
            _ => None,
        };
        self.dispatch();
        (failed, imports)
    }

    /// Replaces evaluator `i` with a fresh worker on the current data (the old one is stopped).
    pub fn respawn(&mut self, i: usize) -> Result<(), String> {
        if i >= self.slots.len() {
            return Err(format!("no evaluator {i}"));
        }
        let slot = self.start(i)?;
        if let Some(src) = &self.source {
            slot.handle.send(&ToWorker::LoadData(src.clone()));
        }
        self.slots[i] = slot;
        Ok(())
    }

    /// The evaluators whose job has run past its deadline at `now` (hung: see `heal`).
    pub fn overdue(&self, now: f64) -> Vec<usize> {
        let late = |s: &Slot| s.job.is_some_and(|(_, t)| heal::overdue(t, now, heal::EVAL_DEADLINE_MS));
        self.slots.iter().enumerate().filter(|(_, s)| late(s)).map(|(i, _)| i).collect()
    }

    /// Sends every evaluator `msg` (the test hook's panics).
    pub fn send_to_all(&self, msg: &ToWorker) {
        for s in &self.slots {
            s.handle.send(msg);
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Asks the least loaded evaluator that holds the data to read an uploaded model file;
    /// remembered until it answers, so a crash can say it was lost.
    pub fn send_import(&mut self, job: u64, name: String, bytes: Vec<u8>) -> bool {
        self.send_file(job, name.clone(), ToWorker::Import { job, name, bytes })
    }

    /// Asks the least loaded evaluator with the data to convert a model for PyTorch.
    pub fn send_export(&mut self, job: u64, name: String, bytes: Vec<u8>) -> bool {
        self.send_file(job, name.clone(), ToWorker::Export { job, name, bytes })
    }

    /// Sends a file-reading message (import, export) to the least loaded evaluator that holds
    /// the data (reading a file is as much work as a job), remembered as busy until it answers.
    fn send_file(&mut self, job: u64, name: String, msg: ToWorker) -> bool {
        let i = (0..self.slots.len())
            .filter(|&i| self.slots[i].data_ready)
            .min_by_key(|&i| self.slots[i].imports.len() + usize::from(self.slots[i].job.is_some()))
            .unwrap_or(0);
        match self.slots.get_mut(i) {
            Some(s) => {
                s.handle.send(&msg);
                s.imports.push((job, name));
                true
            }
            None => false,
        }
    }

    /// Sends every evaluator the data to load.
    pub fn load_data(&mut self, source: &DataSource) {
        self.source = Some(source.clone());
        for s in &mut self.slots {
            s.data_ready = false;
            s.handle.send(&ToWorker::LoadData(source.clone()));
        }
    }

    /// Makes a model available to every evaluator (sent lazily, with the first job).
    pub fn add_model(&mut self, id: u64, bytes: Rc<Vec<u8>>) {
        self.models.insert(id, bytes);
    }

    /// Forgets a model and its queued jobs.
    pub fn remove_model(&mut self, id: u64) {
        self.models.remove(&id);
        self.queue.remove_model(id);
    }

    /// Forgets every queued job (the data changed).
    pub fn clear_jobs(&mut self) {
        self.queue.clear();
    }

    /// Replaces the queued jobs of `class` with `tasks` (see [`JobQueue::replace`]).
    pub fn replace_jobs(&mut self, class: JobClass, model: u64, tasks: Vec<EvalTask>) {
        self.queue.replace(class, model, tasks);
        self.dispatch();
    }

    /// Drops queued fault-, drift- and knob-curve jobs of crossbar settings other than these
    /// (the settings key of the fault curve, the drift key of the drift curve, the chosen
    /// knob's curve key).
    pub fn drop_stale_curves(
        &mut self,
        xbar_key: &str,
        drift_key: Option<&str>,
        knob: Option<&(crate::app_core::curve_knob::CurveKnob, String)>,
    ) {
        self.queue
            .drop_stale_curves(&|task| crate::app_core::eval_queue::curve_still_shown(task, xbar_key, drift_key, knob));
        self.dispatch();
    }

    /// Holds background curves back (or lets them go again); see `eval_queue::curves_wait_while`.
    pub fn pause_curves(&mut self, paused: bool) {
        self.queue.pause_curves(paused);
        self.dispatch();
    }

    /// Replaces the queued jobs of `class` with `jobs` of several models.
    pub fn replace_all_jobs(&mut self, class: JobClass, jobs: Vec<(u64, EvalTask)>) {
        self.queue.replace_all(class, jobs);
        self.dispatch();
    }

    /// Queues jobs a button asked for.
    pub fn push_requested_jobs(&mut self, jobs: Vec<(u64, EvalTask)>) {
        self.queue.push_requested(jobs);
        self.dispatch();
    }

    /// Queues curve jobs behind everything else.
    pub fn push_curve_jobs(&mut self, model: u64, tasks: Vec<EvalTask>) {
        self.queue.push_curves(model, tasks);
        self.dispatch();
    }

    /// Updates the pool's bookkeeping for a reply from worker `i`, then starts queued work.
    /// For a failed evaluation, returns the job that failed.
    pub fn on_reply(&mut self, i: usize, msg: &FromWorker) -> Option<Job> {
        let mut failed = None;
        if let Some(slot) = self.slots.get_mut(i) {
            match msg {
                FromWorker::DataLoaded { .. } => slot.data_ready = true,
                FromWorker::Imported { job, .. }
                | FromWorker::ImportFailed { job, .. }
                | FromWorker::Exported { job, .. } => slot.imports.retain(|(j, _)| j != job),
                FromWorker::EvalDone { job, .. } => {
                    slot.job = None;
                    self.queue.finish(*job);
                }
                // job 0: a model that could not be read; its job's own failure follows
                FromWorker::EvalFailed { job, .. } if *job != 0 => {
                    slot.job = None;
                    failed = self.queue.finish(*job);
                }
                _ => {}
            }
        }
        self.dispatch();
        failed
    }

    /// Starts queued jobs on idle evaluators that have their data.
    pub fn dispatch(&mut self) {
        // A worker still reading files is busy: a job sent to it would wait behind them (on a
        // first visit, the σ readout behind the shipped LeNet's import).
        for slot in self.slots.iter_mut().filter(|s| s.data_ready && s.job.is_none() && s.imports.is_empty()) {
            let Some(job) = self.queue.pop() else { return };
            let Some(bytes) = self.models.get(&job.model) else { continue };
            if slot.models.insert(job.model) {
                slot.handle.send(&ToWorker::PutModel { id: job.model, bytes: bytes.as_ref().clone() });
            }
            slot.handle.send(&ToWorker::Eval { job: job.id, model: job.model, task: job.task });
            slot.job = Some((job.id, now_ms()));
        }
    }
}
