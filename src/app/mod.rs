//! The page: the root component owns the state (the core's reducer) and the workers; it
//! turns worker replies into actions and carries out the effects the reducer asks for.
//! Panels render the state and turn clicks into plain actions.

pub mod browser;
pub mod effects;
pub mod panels;
pub mod plots;
pub mod shipped;
pub mod storage;
pub mod test_hooks;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app_core::heal::{WorkerId, CHECK_EVERY_MS};
use crate::app_core::models::{read_stored, uploaded_meta, SavedModel};
use crate::app_core::{url, Action, DataStatus, Startup, State, Tab, Trainer};
use crate::protocol::{DataSource, FromWorker};
use crate::workers::{absolute_url, pool_size, EvalPool, WorkerEvent, WorkerHandle};
use browser::{new_model_id, now_ms};

/// Where the Train form and the Reproduce queue are kept between visits.
pub const FORM_KEY: &str = "mpg-train-form";
pub const QUEUE_KEY: &str = "mpg-reproduce-queue";

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // The same state, not a copy, so the 5-second check renders nothing when all is well.
        if let Action::Tick { now_ms, .. } = action {
            if crate::app_core::reducer::tick_changes_nothing(&self, now_ms) {
                return self;
            }
        }
        let mut s = (*self).clone();
        crate::app_core::reducer::reduce(&mut s, action);
        Rc::new(s)
    }
}

/// The workers (outside the reducer: not renderable).
pub struct Services {
    pub trainer: Option<WorkerHandle>,
    /// The second trainer, started on demand by the Reproduce queue.
    pub second: Option<WorkerHandle>,
    pub pool: EvalPool,
    /// The data the workers were last told to load.
    pub source: Option<DataSource>,
}

pub type SharedServices = Rc<RefCell<Option<Services>>>;
pub type Dispatch = UseReducerDispatcher<State>;

pub fn spawn_trainer(dispatch: Dispatch, trainer: Trainer) -> Option<WorkerHandle> {
    let d = dispatch.clone();
    match WorkerHandle::spawn(move |event| on_trainer(&d, trainer, event)) {
        Ok(h) => Some(h),
        Err(e) => {
            dispatch.dispatch(Action::Notice(Some(e)));
            None
        }
    }
}

fn on_trainer(dispatch: &Dispatch, trainer: Trainer, event: WorkerEvent) {
    let msg = match event {
        WorkerEvent::Message(msg) => msg,
        WorkerEvent::Crashed { reason, started } => {
            let worker = WorkerId::Trainer(trainer);
            return dispatch.dispatch(Action::WorkerCrashed { worker, reason, started, keep_id: new_model_id() });
        }
        WorkerEvent::Mismatch(detail) => return dispatch.dispatch(Action::ProtocolMismatch(detail)),
    };
    let action = match msg {
        FromWorker::DataLoaded { kind, train, .. } => match trainer {
            Trainer::Main => Action::TrainerDataLoaded { kind, train },
            Trainer::Second => Action::SecondTrainerDataLoaded { kind },
        },
        FromWorker::DataFailed(e) => Action::DataFailed(e),
        FromWorker::TrainProgress { job, progress } => Action::TrainProgress { job, progress, now_ms: now_ms() },
        FromWorker::TrainEpoch { job, summary, test_accuracy, snapshot } => {
            let snapshot = snapshot.map(|p| (Rc::new(p.bytes), p.train_seconds));
            Action::TrainEpoch { job, summary, test_accuracy, snapshot }
        }
        FromWorker::TrainDone { job, bytes, history, test_accuracy, train_seconds } => {
            Action::TrainDone { job, id: new_model_id(), bytes: Rc::new(bytes), history, test_accuracy, train_seconds }
        }
        FromWorker::TrainFailed { job, error } => Action::TrainFailed { job, error },
        FromWorker::ProtocolError(e) => Action::Notice(Some(format!("trainer: {e}"))),
        _ => return,
    };
    dispatch.dispatch(action);
}

/// Evaluator `i` crashed or hung: its job is retried once on another (or its fresh) worker,
/// or filed as failed, and the reducer has it started again.
fn evaluator_crashed(dispatch: &Dispatch, services: &SharedServices, i: usize, reason: String, started: bool) {
    let (failed, imports) = services.borrow_mut().as_mut().map(|s| s.pool.crashed(i)).unwrap_or_default();
    let error = format!("this evaluation crashed an evaluator twice ({reason}); it is not tried again");
    let lost = format!("the evaluator reading it crashed ({reason}); upload it again");
    dispatch.dispatch(Action::WorkerCrashed { worker: WorkerId::Evaluator(i), reason, started, keep_id: 0 });
    if let Some(job) = failed {
        dispatch.dispatch(Action::EvalFailed { model: Some(job.model), task: Some(job.task), error });
    }
    for name in imports {
        dispatch.dispatch(Action::Notice(Some(format!("could not load {name}: {lost}"))));
    }
}

fn on_evaluator(dispatch: &Dispatch, services: &SharedServices, i: usize, generation: u64, event: WorkerEvent) {
    if !services.borrow().as_ref().is_some_and(|s| s.pool.current(i, generation)) {
        return; // from a worker replaced since
    }
    let msg = match event {
        WorkerEvent::Message(msg) => msg,
        WorkerEvent::Crashed { reason, started } => return evaluator_crashed(dispatch, services, i, reason, started),
        WorkerEvent::Mismatch(detail) => return dispatch.dispatch(Action::ProtocolMismatch(detail)),
    };
    let failed = services.borrow_mut().as_mut().and_then(|s| s.pool.on_reply(i, &msg));
    let action = match msg {
        FromWorker::DataLoaded { kind, train, test, millis, samples, test_labels } => Action::DataLoaded {
            kind,
            train,
            test,
            millis,
            samples: Rc::new(samples),
            test_labels: Rc::new(test_labels),
        },
        FromWorker::DataFailed(e) => Action::DataFailed(e),
        FromWorker::EvalDone { model, task, output, .. } => Action::EvalDone { model, task, output, now_ms: now_ms() },
        FromWorker::EvalFailed { error, .. } => {
            Action::EvalFailed { model: failed.as_ref().map(|j| j.model), task: failed.map(|j| j.task), error }
        }
        FromWorker::Imported { job, name, bytes, model, test_accuracy, pytorch, notes } => {
            let meta = uploaded_meta(new_model_id(), &name, model, test_accuracy, pytorch, notes);
            Action::ModelAdded { job, model: SavedModel { meta, bytes: Rc::new(bytes) } }
        }
        FromWorker::ImportFailed { job, name, error } => Action::ImportFailed { job, name, error },
        FromWorker::Exported { name, result, .. } => Action::Exported { name, result: result.map(Rc::new) },
        FromWorker::ProtocolError(e) => Action::Notice(Some(format!("evaluator: {e}"))),
        _ => return,
    };
    dispatch.dispatch(action);
}

/// Restores saved models from IndexedDB.
fn restore_models(services: SharedServices, dispatch: Dispatch) {
    spawn_local(async move {
        match storage::all_models().await {
            Ok(entries) => {
                // Entries that no longer read are listed, never skipped in silence.
                let (models, unreadable) = read_stored(entries);
                for m in &models {
                    if let Some(s) = services.borrow_mut().as_mut() {
                        s.pool.add_model(m.meta.id, m.bytes.clone());
                    }
                }
                dispatch.dispatch(Action::ModelsRestored(models));
                dispatch.dispatch(Action::StoredUnreadable(unreadable));
            }
            Err(e) => dispatch.dispatch(Action::Notice(Some(e))),
        }
    });
}

/// What the page finds when it opens: the data folder, the fragment, what the last visit saved.
fn startup(evaluators: usize) -> Startup {
    let base = url::query_param(&browser::location_search(), "data").unwrap_or_else(|| "data/".into());
    let base = if base.ends_with('/') { base } else { format!("{base}/") };
    let saved_queue =
        browser::load_text(QUEUE_KEY).and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok()).unwrap_or_default();
    let shipped = url::query_param(&browser::location_search(), "shipped").as_deref() != Some("0")
        && browser::load_text(crate::app_core::shipped::ADDED_KEY).is_none();
    Startup {
        shipped,
        data_base: absolute_url(&base),
        fragment: browser::location_hash(),
        saved_form: browser::load_text(FORM_KEY),
        saved_queue,
        evaluators,
    }
}

/// Checks the workers' deadlines every few seconds: a hung evaluator is handled as crashed
/// (here: the pool knows its jobs), a silent trainer by the reducer (`Action::Tick`).
fn watch_deadlines(services: SharedServices, dispatch: Dispatch) {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    let tick = Closure::<dyn FnMut()>::new(move || {
        let now = now_ms();
        let hung = services.borrow().as_ref().map(|s| s.pool.overdue(now)).unwrap_or_default();
        for i in hung {
            let reason = format!("no answer for {:.0} s", crate::app_core::heal::EVAL_DEADLINE_MS / 1000.0);
            evaluator_crashed(&dispatch, &services, i, reason, true);
        }
        dispatch.dispatch(Action::Tick { now_ms: now, keep_id: new_model_id() });
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            CHECK_EVERY_MS as i32,
        );
    }
    tick.forget(); // lives as long as the page
}

/// The lesson's keyboard: → / PageDown for the next step, ← / PageUp for the previous one,
/// except in a control that uses those keys itself (a slider, a field, a drop-down).
fn lesson_keys(dispatch: Dispatch) {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    let on_key = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
        let in_control = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if in_control || e.alt_key() || e.ctrl_key() || e.meta_key() {
            return;
        }
        let forward = match e.key().as_str() {
            "ArrowRight" | "PageDown" => true,
            "ArrowLeft" | "PageUp" => false,
            _ => return,
        };
        dispatch.dispatch(Action::LessonMove { forward, now_ms: now_ms() });
    });
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    }
    on_key.forget(); // lives as long as the page
}

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let services: SharedServices = use_mut_ref(|| None);

    // Start the workers once, then the page (which asks for the data), and restore models.
    {
        let services = services.clone();
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let d = dispatch.clone();
            let sv = services.clone();
            let n = pool_size();
            match EvalPool::new(n, move |i, g, e| on_evaluator(&d, &sv, i, g, e)) {
                Ok(pool) => {
                    let trainer = spawn_trainer(dispatch.clone(), Trainer::Main);
                    *services.borrow_mut() = Some(Services { trainer, second: None, pool, source: None });
                    dispatch.dispatch(Action::Start(startup(n)));
                    restore_models(services.clone(), dispatch.clone());
                    watch_deadlines(services.clone(), dispatch.clone());
                    lesson_keys(dispatch.clone());
                    if url::query_param(&browser::location_search(), "test-hooks").as_deref() == Some("1") {
                        test_hooks::install(services.clone());
                    }
                }
                Err(e) => dispatch.dispatch(Action::Notice(Some(e))),
            }
            || ()
        });
    }

    // Carry out the effects the reducer asked for, once each.
    {
        let services = services.clone();
        let state = state.clone();
        let done = use_mut_ref(|| 0u64);
        use_effect_with(state.next_effect, move |_| {
            let upto = state.next_effect;
            let todo: Vec<_> = state.outbox.iter().filter(|(n, _)| *n > *done.borrow()).cloned().collect();
            *done.borrow_mut() = upto;
            for (_, effect) in todo {
                effects::run(effect, &state, &services);
            }
            if !state.outbox.is_empty() {
                state.dispatch(Action::EffectsDone(upto));
            }
            || ()
        });
    }

    if let Some(detail) = &state.reload {
        return panels::reload::view(detail);
    }
    let ctx = panels::Ctx { state: state.clone() };
    // Your own data at any time: IDX files dropped anywhere on the page are used as the
    // dataset (as on the data-problem screen).
    let on_drop = {
        let d = state.dispatcher();
        Callback::from(move |e: DragEvent| {
            let Some(list) = e.data_transfer().and_then(|t| t.files()) else { return };
            let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
            if !files.is_empty() && files.iter().all(|f| f.name().contains("idx")) {
                e.prevent_default();
                d.dispatch(panels::data_problem::files_action(&files));
            }
        })
    };
    let tabs = state.visible_tabs().into_iter().map(|t| {
        let dispatch = state.dispatcher();
        let selected = state.tab == t;
        html! {
            <button role="tab" id={format!("tab-{}", t.key())} aria-selected={selected.to_string()}
                class={classes!("tab", selected.then_some("selected"))}
                onclick={Callback::from(move |_| dispatch.dispatch(Action::SetTab(t)))}>{ t.label() }</button>
        }
    });
    let body = match &state.data {
        DataStatus::Failed(e) => panels::data_problem::view(&ctx, e),
        _ => match state.tab {
            Tab::Train => panels::train::view(&ctx),
            Tab::Explore => panels::explore::view(&ctx),
            Tab::See => panels::see::view(&ctx),
            Tab::Reproduce => panels::reproduce::view(&ctx),
            Tab::Landscape => panels::landscape::view(&ctx),
            Tab::Draw => panels::draw::view(&ctx),
        },
    };
    html! {
        <>
            <header>
                <h1>{"Memristor Playground"}</h1>
                <p class="tagline">{"Train a digit classifier in your browser, then put its weights on noisy, faulty memristors and watch what happens."}</p>
                if !state.teacher.lock { <nav role="tablist">{ for tabs }</nav> }
                if !state.hides("status") { { panels::status::view(&ctx) } }
            </header>
            { panels::lesson::view(&ctx) }
            { panels::retrain_offer::view(&ctx) }
            <main id="panel" ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={on_drop}>{ body }</main>
        </>
    }
}
