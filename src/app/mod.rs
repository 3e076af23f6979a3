//! The page: the root component owns the state (the core's reducer) and the workers; it
//! turns worker replies into actions and carries out the effects the reducer asks for.
//! Panels render the state and turn clicks into plain actions.

pub mod browser;
pub mod effects;
pub mod panels;
pub mod plots;
pub mod storage;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app_core::models::{uploaded_meta, ModelMeta, SavedModel};
use crate::app_core::{url, Action, DataStatus, Startup, State, Tab, Trainer};
use crate::protocol::{DataSource, FromWorker};
use crate::workers::{absolute_url, pool_size, EvalPool, WorkerHandle};
use browser::{new_model_id, now_ms};

/// Where the Train form and the Reproduce queue are kept between visits.
pub const FORM_KEY: &str = "mpg-train-form";
pub const QUEUE_KEY: &str = "mpg-reproduce-queue";

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
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
    match WorkerHandle::spawn(move |msg| on_trainer(&d, trainer, msg)) {
        Ok(h) => Some(h),
        Err(e) => {
            dispatch.dispatch(Action::Notice(Some(e)));
            None
        }
    }
}

fn on_trainer(dispatch: &Dispatch, trainer: Trainer, msg: FromWorker) {
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

fn on_evaluator(dispatch: &Dispatch, services: &SharedServices, i: usize, msg: FromWorker) {
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
        FromWorker::Imported { name, bytes, model, test_accuracy, pytorch, notes, .. } => {
            let meta = uploaded_meta(new_model_id(), &name, model, test_accuracy, pytorch, notes);
            Action::ModelAdded(SavedModel { meta, bytes: Rc::new(bytes) })
        }
        FromWorker::ImportFailed { name, error, .. } => Action::Notice(Some(format!("could not load {name}: {error}"))),
        FromWorker::ProtocolError(e) => Action::Notice(Some(format!("evaluator: {e}"))),
        _ => return,
    };
    dispatch.dispatch(action);
}

/// Restores saved models from IndexedDB.
fn restore_models(services: SharedServices, dispatch: Dispatch) {
    spawn_local(async move {
        match storage::all_models().await {
            Ok(list) => {
                let mut models = Vec::new();
                for (meta, bytes) in list {
                    if let Ok(meta) = serde_json::from_str::<ModelMeta>(&meta) {
                        let bytes = Rc::new(bytes);
                        if let Some(s) = services.borrow_mut().as_mut() {
                            s.pool.add_model(meta.id, bytes.clone());
                        }
                        models.push(SavedModel { meta, bytes });
                    }
                }
                dispatch.dispatch(Action::ModelsRestored(models));
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
    Startup {
        data_base: absolute_url(&base),
        fragment: browser::location_hash(),
        saved_form: browser::load_text(FORM_KEY),
        saved_queue,
        evaluators,
    }
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
            match EvalPool::new(n, move |i, m| on_evaluator(&d, &sv, i, m)) {
                Ok(pool) => {
                    let trainer = spawn_trainer(dispatch.clone(), Trainer::Main);
                    *services.borrow_mut() = Some(Services { trainer, second: None, pool, source: None });
                    dispatch.dispatch(Action::Start(startup(n)));
                    restore_models(services.clone(), dispatch.clone());
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

    let ctx = panels::Ctx { state: state.clone() };
    let tabs = Tab::ALL.iter().map(|&t| {
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
        },
    };
    html! {
        <>
            <header>
                <h1>{"Memristor Playground"}</h1>
                <p class="tagline">{"Train a digit classifier in your browser, then put its weights on noisy, faulty memristors and watch what happens."}</p>
                <nav role="tablist">{ for tabs }</nav>
                { panels::status::view(&ctx) }
            </header>
            <main id="panel">{ body }</main>
        </>
    }
}
