//! The page's side of the workers: spawning them, queueing messages until a worker says it is
//! ready, and a pool of evaluators with a job queue where the slider's jobs jump the line.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};

use crate::app_core::eval_queue::{Job, JobClass, JobQueue};
use crate::protocol::{decode, encode, DataSource, EvalTask, FromWorker, ToWorker};

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
}

/// One running worker. Dropping it terminates the worker.
pub struct WorkerHandle {
    inner: Rc<RefCell<Inner>>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl WorkerHandle {
    /// Starts a worker; `on_message` gets every reply except `Ready`.
    pub fn spawn(on_message: impl Fn(FromWorker) + 'static) -> Result<Self, String> {
        let js = absolute_url(WORKER_SCRIPT);
        let wasm = js.replace(".js", "_bg.wasm");
        // A classic worker from a blob: the no-modules script then starts the wasm explicitly.
        let src = Array::of1(&format!("importScripts({js:?}); wasm_bindgen({wasm:?});").into());
        let opts = BlobPropertyBag::new();
        opts.set_type("application/javascript");
        let blob = Blob::new_with_str_sequence_and_options(&src, &opts).map_err(|e| format!("{e:?}"))?;
        let url = Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
        let worker = Worker::new(&url).map_err(|e| format!("cannot start a worker: {e:?}"))?;
        let inner = Rc::new(RefCell::new(Inner { worker: worker.clone(), ready: false, pending: Vec::new() }));
        let weak = Rc::downgrade(&inner);
        let on_message = Rc::new(on_message);
        let cb = on_message.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
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
                Ok(msg) => cb(msg),
                Err(err) => cb(FromWorker::ProtocolError(err.to_string())),
            }
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        let cb = on_message;
        let onerror = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
            cb(FromWorker::ProtocolError(format!("worker error: {}", e.message())));
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Ok(Self { inner, _onmessage: onmessage, _onerror: onerror })
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
        self.inner.borrow().worker.terminate();
    }
}

struct Slot {
    handle: WorkerHandle,
    data_ready: bool,
    busy: bool,
    models: HashSet<u64>,
}

/// Evaluator workers and their queue.
pub struct EvalPool {
    slots: Vec<Slot>,
    queue: JobQueue,
    models: HashMap<u64, Rc<Vec<u8>>>,
}

/// How many evaluators: one per core, at least one, at most four.
pub fn pool_size() -> usize {
    let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency()).unwrap_or(2.0) as usize;
    cores.clamp(1, 4)
}

impl EvalPool {
    /// Spawns `n` evaluators; every reply goes to `on_message(worker index, message)`. The
    /// pool must be told about replies through [`EvalPool::on_reply`] as well.
    pub fn new(n: usize, on_message: impl Fn(usize, FromWorker) + 'static) -> Result<Self, String> {
        let on_message = Rc::new(on_message);
        let mut slots = Vec::new();
        for i in 0..n {
            let cb = on_message.clone();
            let handle = WorkerHandle::spawn(move |m| cb(i, m))?;
            slots.push(Slot { handle, data_ready: false, busy: false, models: HashSet::new() });
        }
        Ok(Self { slots, queue: JobQueue::default(), models: HashMap::new() })
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Sends a one-off message to the first evaluator that has its data (queued behind its
    /// current job).
    pub fn send_to_one(&self, msg: &ToWorker) -> bool {
        match self.slots.iter().find(|s| s.data_ready).or(self.slots.first()) {
            Some(s) => {
                s.handle.send(msg);
                true
            }
            None => false,
        }
    }

    /// Sends every evaluator the data to load.
    pub fn load_data(&mut self, source: &DataSource) {
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
                FromWorker::EvalDone { job, .. } => {
                    slot.busy = false;
                    self.queue.finish(*job);
                }
                // job 0: a model that could not be read; its job's own failure follows
                FromWorker::EvalFailed { job, .. } if *job != 0 => {
                    slot.busy = false;
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
        for slot in self.slots.iter_mut().filter(|s| s.data_ready && !s.busy) {
            let Some(job) = self.queue.pop() else { return };
            let Some(bytes) = self.models.get(&job.model) else { continue };
            if slot.models.insert(job.model) {
                slot.handle.send(&ToWorker::PutModel { id: job.model, bytes: bytes.as_ref().clone() });
            }
            slot.handle.send(&ToWorker::Eval { job: job.id, model: job.model, task: job.task });
            slot.busy = true;
        }
    }
}
