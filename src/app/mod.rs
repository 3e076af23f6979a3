//! The page: the root component owns the state (one reducer) and the workers; panels render
//! the state and turn clicks into actions.

pub mod landscape;
pub mod panels;
pub mod plots;
pub mod state;
pub mod storage;
pub mod url;

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use engine::data::{DataFile, DatasetKind};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::protocol::{DataError, DataSource, FromWorker, ToWorker};
use crate::workers::{absolute_url, pool_size, EvalPool, WorkerHandle};
use state::{Action, DataStatus, ModelMeta, SavedModel, State, Tab};

/// Milliseconds on the page's clock.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}

/// The workers and what the page knows about them (outside the reducer: not renderable).
pub struct Services {
    pub trainer: Option<WorkerHandle>,
    pub pool: EvalPool,
    pub source: DataSource,
    pub next_job: u64,
    /// (model, draws) whose curve was queued.
    pub curves: HashSet<(u64, usize)>,
    /// (model, draws, crossbar settings) whose fault curve was queued.
    pub xbar_curves: HashSet<(u64, usize, String)>,
}

pub type SharedServices = Rc<RefCell<Option<Services>>>;

/// The data folder's URL, from `?data=...` (default `data/`) and the dataset.
pub fn served_source(kind: DatasetKind, need_train: bool) -> DataSource {
    let base = url::query_param("data").unwrap_or_else(|| "data/".into());
    let base = if base.ends_with('/') { base } else { format!("{base}/") };
    let urls = DataFile::ALL.map(|f| absolute_url(&format!("{base}{}/{}.gz", kind.dir_name(), f.stem())));
    DataSource { kind, urls, verify: true, need_train }
}

fn spawn_trainer(dispatch: UseReducerDispatcher<State>, services: SharedServices) -> Option<WorkerHandle> {
    let d = dispatch.clone();
    let handle = WorkerHandle::spawn(move |msg| on_trainer(&d, &services, msg));
    match handle {
        Ok(h) => Some(h),
        Err(e) => {
            dispatch.dispatch(Action::Notice(Some(e)));
            None
        }
    }
}

/// A fresh id for a model (milliseconds since 1970, so ids from several sessions do not collide).
pub fn new_model_id() -> u64 {
    js_sys::Date::now() as u64
}

fn on_trainer(dispatch: &UseReducerDispatcher<State>, services: &SharedServices, msg: FromWorker) {
    match msg {
        FromWorker::DataLoaded { train, .. } => dispatch.dispatch(Action::TrainerDataLoaded { train }),
        FromWorker::DataFailed(e) => dispatch.dispatch(Action::DataFailed(e)),
        FromWorker::TrainProgress { job, progress } => dispatch.dispatch(Action::TrainProgress { job, progress }),
        FromWorker::TrainEpoch { job, summary, test_accuracy, snapshot } => {
            let snapshot = snapshot.map(|p| (Rc::new(p.bytes), p.train_seconds));
            dispatch.dispatch(Action::TrainEpoch { job, summary, test_accuracy, snapshot })
        }
        FromWorker::TrainDone { job, bytes, history, test_accuracy, train_seconds } => {
            let id = new_model_id();
            let bytes = Rc::new(bytes);
            if let Some(s) = services.borrow_mut().as_mut() {
                s.pool.add_model(id, bytes.clone());
            }
            dispatch.dispatch(Action::TrainDone { job, id, bytes, history, test_accuracy, train_seconds });
        }
        FromWorker::TrainFailed { job, error } => dispatch.dispatch(Action::TrainFailed { job, error }),
        FromWorker::ProtocolError(e) => dispatch.dispatch(Action::Notice(Some(format!("trainer: {e}")))),
        _ => {}
    }
}

fn on_evaluator(dispatch: &UseReducerDispatcher<State>, services: &SharedServices, i: usize, msg: FromWorker) {
    if let Some(s) = services.borrow_mut().as_mut() {
        s.pool.on_reply(i, &msg);
    }
    match msg {
        FromWorker::DataLoaded { kind, train, test, millis, samples, test_labels } => {
            let custom = services.borrow().as_ref().is_some_and(|s| !s.source.verify);
            dispatch.dispatch(Action::DataLoaded {
                kind,
                train,
                test,
                millis,
                custom,
                samples: Rc::new(samples),
                test_labels: Rc::new(test_labels),
            })
        }
        FromWorker::DataFailed(e) => dispatch.dispatch(Action::DataFailed(e)),
        FromWorker::EvalDone { model, task, output, .. } => {
            dispatch.dispatch(Action::EvalDone { model, task, output, now_ms: now_ms() })
        }
        FromWorker::EvalFailed { error, .. } => dispatch.dispatch(Action::Notice(Some(format!("evaluator: {error}")))),
        FromWorker::Imported { name, bytes, model, test_accuracy, pytorch, .. } => {
            let id = new_model_id();
            let bytes = Rc::new(bytes);
            if let Some(s) = services.borrow_mut().as_mut() {
                s.pool.add_model(id, bytes.clone());
            }
            let label = if pytorch {
                format!("{name} (PyTorch import, {})", model.arch.label())
            } else {
                format!("{name} (uploaded)")
            };
            let meta = ModelMeta {
                id,
                name: label,
                model,
                train: engine::train::TrainConfig::default(),
                test_accuracy,
                history: vec![],
                train_seconds: 0.0,
            };
            dispatch.dispatch(Action::ModelAdded(SavedModel { meta, bytes }));
        }
        FromWorker::ImportFailed { name, error, .. } => {
            dispatch.dispatch(Action::Notice(Some(format!("could not load {name}: {error}"))))
        }
        FromWorker::ProtocolError(e) => dispatch.dispatch(Action::Notice(Some(format!("evaluator: {e}")))),
        _ => {}
    }
}

/// Starts a training run: `teacher` holds the teacher's bytes for teacher-student training.
pub fn start_training(
    services: &SharedServices,
    dispatch: &UseReducerDispatcher<State>,
    name: String,
    model: engine::model::ModelConfig,
    train: engine::train::TrainConfig,
    teacher: Option<Vec<u8>>,
) {
    let job = {
        let mut guard = services.borrow_mut();
        let Some(sv) = guard.as_mut() else { return };
        let Some(trainer) = &sv.trainer else { return };
        sv.next_job += 1;
        trainer.send(&ToWorker::Train { job: sv.next_job, model: model.clone(), train: train.clone(), teacher });
        sv.next_job
    };
    dispatch.dispatch(Action::TrainStarted { job, name, model, train, now_ms: now_ms() });
}

/// Loads `source` into every worker.
pub fn load_data(services: &SharedServices, dispatch: &UseReducerDispatcher<State>, source: DataSource) {
    dispatch.dispatch(Action::DataLoading);
    if let Some(s) = services.borrow_mut().as_mut() {
        s.source = source.clone();
        s.pool.load_data(&DataSource { need_train: false, ..source.clone() });
        if let Some(t) = &s.trainer {
            t.send(&ToWorker::LoadData(DataSource { need_train: true, ..source }));
        }
    }
}

/// Restores saved models from IndexedDB.
fn restore_models(services: SharedServices, dispatch: UseReducerDispatcher<State>) {
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

/// Saves a model (fire and forget; a failure shows in the status line).
pub fn save_model(model: &SavedModel, dispatch: UseReducerDispatcher<State>) {
    let meta = serde_json::to_string(&model.meta).unwrap_or_default();
    let bytes = model.bytes.clone();
    let id = model.meta.id;
    spawn_local(async move {
        if let Err(e) = storage::put_model(id, &meta, &bytes).await {
            dispatch.dispatch(Action::Notice(Some(format!("could not save the model: {e}"))));
        }
    });
}

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(|| url::initial_state());
    let services: SharedServices = use_mut_ref(|| None);

    // Start the workers once, load the data, restore saved models.
    {
        let services = services.clone();
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let d = dispatch.clone();
            let sv = services.clone();
            let n = pool_size();
            match EvalPool::new(n, move |i, m| on_evaluator(&d, &sv, i, m)) {
                Ok(pool) => {
                    let source = served_source(DatasetKind::Mnist, true);
                    *services.borrow_mut() = Some(Services {
                        trainer: None,
                        pool,
                        source: source.clone(),
                        next_job: 1,
                        curves: HashSet::new(),
                        xbar_curves: HashSet::new(),
                    });
                    let trainer = spawn_trainer(dispatch.clone(), services.clone());
                    if let Some(s) = services.borrow_mut().as_mut() {
                        s.trainer = trainer;
                    }
                    dispatch.dispatch(Action::Evaluators(n));
                    load_data(&services, &dispatch, source);
                    restore_models(services.clone(), dispatch.clone());
                }
                Err(e) => dispatch.dispatch(Action::Notice(Some(e))),
            }
            || ()
        });
    }

    // Save a model when training finishes (the newest model that is not yet stored).
    {
        let dispatch = state.dispatcher();
        let saved = use_mut_ref(HashSet::<u64>::new);
        let models = state.models.clone();
        use_effect_with(models.iter().map(|m| m.meta.id).collect::<Vec<_>>(), move |ids| {
            let mut saved = saved.borrow_mut();
            if saved.is_empty() {
                // the first list comes from the database itself
                saved.extend(ids.iter().copied());
                saved.insert(0);
            } else {
                for m in models.iter().filter(|m| !saved.contains(&m.meta.id)) {
                    save_model(m, dispatch.clone());
                }
                saved.extend(ids.iter().copied());
            }
            || ()
        });
    }

    // The slider's jobs: a new position replaces the queued ones.
    {
        let services = services.clone();
        let e = &state.explore;
        let ready = matches!(state.data, DataStatus::Ready { .. });
        let key = (e.model, (e.std * 100.0).round() as i64, e.draws, e.seed, ready, state.models.len());
        let tasks = e.slider_tasks();
        use_effect_with(key, move |(model, _, _, _, ready, _)| {
            if let (Some(model), true) = (*model, *ready) {
                if let Some(s) = services.borrow_mut().as_mut() {
                    s.pool.replace_slider_jobs(model, tasks);
                }
            }
            || ()
        });
    }

    // The crossbar's jobs: new settings replace the queued ones.
    {
        let services = services.clone();
        let e = &state.explore;
        let ready = matches!(state.data, DataStatus::Ready { .. });
        let key = (
            e.model,
            serde_json::to_string(&e.crossbar.config).unwrap_or_default(),
            e.crossbar.enabled,
            e.draws,
            ready,
            state.models.len(),
        );
        let tasks = e.xbar_tasks();
        use_effect_with(key, move |(model, _, _, _, ready, _)| {
            if let (Some(model), true) = (*model, *ready) {
                if let Some(s) = services.borrow_mut().as_mut() {
                    s.pool.replace_jobs(crate::workers::JobClass::Crossbar, model, tasks);
                }
            }
            || ()
        });
    }

    // Curve jobs for every compared model, once per model and number of draws.
    {
        let services = services.clone();
        let ready = matches!(state.data, DataStatus::Ready { .. });
        let compare: Vec<u64> = state.explore.compare.iter().copied().filter(|id| state.model(*id).is_some()).collect();
        let explore = state.explore.clone();
        use_effect_with((compare, explore.draws, ready), move |(compare, draws, ready)| {
            if *ready {
                if let Some(s) = services.borrow_mut().as_mut() {
                    for &id in compare {
                        if s.curves.insert((id, *draws)) {
                            s.pool.push_curve_jobs(id, explore.curve_tasks());
                        }
                    }
                }
            }
            || ()
        });
    }

    // Fault curves for every compared model, once per model, draws and crossbar settings.
    {
        let services = services.clone();
        let ready = matches!(state.data, DataStatus::Ready { .. });
        let compare: Vec<u64> = state.explore.compare.iter().copied().filter(|id| state.model(*id).is_some()).collect();
        let explore = state.explore.clone();
        use_effect_with(
            (compare, explore.draws, explore.xbar_key(), explore.crossbar.enabled, ready),
            move |(compare, draws, key, enabled, ready)| {
                if *ready && *enabled {
                    if let Some(s) = services.borrow_mut().as_mut() {
                        for &id in compare {
                            if s.xbar_curves.insert((id, *draws, key.clone())) {
                                s.pool.push_curve_jobs(id, explore.xbar_curve_tasks());
                            }
                        }
                    }
                }
                || ()
            },
        );
    }

    // The Landscape view's jobs, handed to the evaluators once per "compute".
    {
        let services = services.clone();
        let view = state.landscape.clone();
        use_effect_with(view.run, move |run| {
            if *run > 0 {
                if let Some(s) = services.borrow_mut().as_mut() {
                    for (id, task) in view.jobs() {
                        s.pool.push_requested_jobs(id, vec![task]);
                    }
                }
            }
            || ()
        });
    }

    // The Reproduce panel's queue: start the next recipe when the trainer is free.
    {
        let services = services.clone();
        let dispatch = state.dispatcher();
        let next = state.queue.first().cloned();
        let free = state.trainer_ready && !state.training();
        let teacher = next.as_ref().and_then(|r| r.teacher.as_ref()).and_then(|_| {
            panels::find_row_model(
                &state,
                &engine::model::Architecture::report_mlp(),
                64,
                &engine::train::Method::Standard,
            )
            .and_then(|(id, _)| state.model(id))
            .map(|m| m.bytes.as_ref().clone())
        });
        use_effect_with((free, state.queue.len()), move |(free, _)| {
            if let (true, Some(r)) = (*free, next) {
                dispatch.dispatch(Action::Dequeue);
                if r.teacher.is_some() && teacher.is_none() {
                    dispatch.dispatch(Action::Notice(Some(format!(
                        "{}: needs the MLP batch 64 model as teacher; skipped",
                        r.label
                    ))));
                } else {
                    let name = format!("{} ({})", r.label, r.key);
                    start_training(&services, &dispatch, name, r.model, r.train, teacher);
                }
            }
            || ()
        });
    }

    // The view lives in the URL.
    {
        let key = (state.tab, (state.explore.std * 100.0).round() as i64, state.explore.draws, state.explore.model);
        use_effect_with(key, move |(tab, std, draws, model)| {
            url::write(*tab, *std as f32 / 100.0, *draws, *model);
            || ()
        });
    }

    let ctx = panels::Ctx { state: state.clone(), services: services.clone() };
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
        DataStatus::Failed(e) => panels::data_problem(&ctx, e),
        _ => match state.tab {
            Tab::Train => panels::train_panel(&ctx),
            Tab::Explore => panels::explore_panel(&ctx),
            Tab::See => panels::see_panel(&ctx),
            Tab::Reproduce => panels::reproduce_panel(&ctx),
            Tab::Landscape => panels::landscape_panel(&ctx),
        },
    };
    html! {
        <>
            <header>
                <h1>{"Memristor Playground"}</h1>
                <p class="tagline">{"Train a digit classifier in your browser, then put its weights on noisy, faulty memristors and watch what happens."}</p>
                <nav role="tablist">{ for tabs }</nav>
                { panels::status_line(&ctx) }
            </header>
            <main id="panel">{ body }</main>
        </>
    }
}

/// Maps dropped or picked files to the four IDX slots by their names.
pub fn files_to_source(files: &[web_sys::File], kind: DatasetKind) -> Result<DataSource, DataError> {
    let mut urls: [Option<String>; 4] = Default::default();
    for f in files {
        let name = f.name();
        let slot = DataFile::ALL.iter().position(|d| {
            let key = d.stem().replace("-idx3-ubyte", "").replace("-idx1-ubyte", "");
            name.contains(&key) || name.replace('.', "-").contains(&key)
        });
        if let Some(i) = slot {
            urls[i] = web_sys::Url::create_object_url_with_blob(f).ok();
        }
    }
    let missing: Vec<&str> =
        DataFile::ALL.iter().zip(&urls).filter(|(_, u)| u.is_none()).map(|(d, _)| d.stem()).collect();
    if !missing.is_empty() {
        return Err(DataError::Missing {
            url: "your files".into(),
            detail: format!("no file named like {} among the {} you gave", missing.join(", "), files.len()),
        });
    }
    Ok(DataSource { kind, urls: urls.map(|u| u.unwrap_or_default()), verify: false, need_train: true })
}
