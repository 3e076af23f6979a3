//! Carries out the core's effects: workers, IndexedDB, localStorage, the URL. The only place
//! the page does anything besides rendering and dispatching actions.

use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{browser, spawn_trainer, storage, SharedServices, FORM_KEY, QUEUE_KEY};
use crate::app_core::eval_queue::JobClass;
use crate::app_core::{Action, Effect, State, Trainer};
use crate::protocol::{DataSource, ToWorker};

pub fn run(effect: Effect, state: &UseReducerHandle<State>, services: &SharedServices) {
    let dispatch = state.dispatcher();
    let mut guard = services.borrow_mut();
    let Some(sv) = guard.as_mut() else { return };
    match effect {
        Effect::LoadData(source) => {
            sv.pool.load_data(&DataSource { need_train: false, ..source.clone() });
            for t in [&sv.trainer, &sv.second].into_iter().flatten() {
                t.send(&ToWorker::LoadData(DataSource { need_train: true, ..source.clone() }));
            }
            sv.source = Some(source);
        }
        Effect::ClearJobs => sv.pool.clear_jobs(),
        Effect::Train { trainer, job, model, train, teacher, recipe } => {
            let teacher = teacher.and_then(|id| state.model(id)).map(|m| m.bytes.as_ref().clone());
            let worker = match trainer {
                Trainer::Main => &sv.trainer,
                Trainer::Second => &sv.second,
            };
            match worker {
                Some(t) => t.send(&ToWorker::Train { job, model, train, teacher, recipe }),
                None => dispatch.dispatch(Action::TrainFailed { job, error: "no trainer worker is running".into() }),
            }
        }
        Effect::RestartTrainer { .. } => {
            // A worker busy training cannot read messages: stop it and start a fresh one.
            sv.trainer = None;
            sv.trainer = spawn_trainer(dispatch.clone(), Trainer::Main);
            if let (Some(t), Some(src)) = (&sv.trainer, &sv.source) {
                t.send(&ToWorker::LoadData(DataSource { need_train: true, ..src.clone() }));
            }
        }
        Effect::WarmUpTrainer => {
            if let Some(t) = &sv.trainer {
                t.send(&ToWorker::WarmUp);
            }
        }
        Effect::SpawnSecondTrainer => {
            sv.second = spawn_trainer(dispatch.clone(), Trainer::Second);
            if let (Some(t), Some(src)) = (&sv.second, &sv.source) {
                t.send(&ToWorker::LoadData(DataSource { need_train: true, ..src.clone() }));
            }
        }
        Effect::SaveModel(id) => {
            let Some(m) = state.model(id) else { return };
            sv.pool.add_model(id, m.bytes.clone());
            let meta = serde_json::to_string(&m.meta).unwrap_or_default();
            let bytes = m.bytes.clone();
            let name = m.meta.name.clone();
            spawn_local(async move {
                // Resolves when the transaction commits: a quota abort at commit is reported too.
                if let Err(e) = storage::put_model(id, &meta, &bytes).await {
                    let msg = format!(
                        "{e} — model '{name}' was not saved in this browser (it stays in the list until the page closes; download it to keep it)"
                    );
                    dispatch.dispatch(Action::Notice(Some(msg)));
                }
            });
        }
        Effect::DeleteModel(id) => {
            sv.pool.remove_model(id);
            spawn_local(async move {
                if let Err(e) = storage::delete_model(id).await {
                    let msg = format!("{e} — the model was not deleted from this browser's storage");
                    dispatch.dispatch(Action::Notice(Some(msg)));
                }
            });
        }
        Effect::RespawnEvaluator(i) => {
            if let Err(e) = sv.pool.respawn(i) {
                dispatch.dispatch(Action::Notice(Some(format!("could not start evaluator {} again: {e}", i + 1))));
            }
        }
        Effect::Import { job, name, bytes } => {
            let bytes = Rc::try_unwrap(bytes).unwrap_or_else(|b| b.as_ref().clone());
            if !sv.pool.send_import(job, name, bytes) {
                dispatch.dispatch(Action::Notice(Some("no evaluator is running to read the model".into())));
            }
        }
        Effect::SliderJobs { model, tasks } => sv.pool.replace_jobs(JobClass::Slider, model, tasks),
        Effect::CrossbarJobs { model, tasks } => sv.pool.replace_jobs(JobClass::Crossbar, model, tasks),
        Effect::Export { job, name, bytes } => {
            let bytes = Rc::try_unwrap(bytes).unwrap_or_else(|b| b.as_ref().clone());
            if !sv.pool.send_export(job, name, bytes) {
                dispatch.dispatch(Action::Notice(Some("no evaluator is running to convert the model".into())));
            }
        }
        Effect::Download { name, bytes, mime } => browser::download(&bytes, &name, mime),
        Effect::DropStaleCurves { xbar_key, drift_key, knob } => {
            sv.pool.drop_stale_curves(&xbar_key, drift_key.as_deref(), knob.as_ref())
        }
        Effect::PauseCurves(paused) => sv.pool.pause_curves(paused),
        Effect::DigitJobs(jobs) => sv.pool.replace_all_jobs(JobClass::Digit, jobs),
        Effect::CurveJobs { model, tasks } => sv.pool.push_curve_jobs(model, tasks),
        Effect::RequestedJobs(jobs) => sv.pool.push_requested_jobs(jobs),
        Effect::SaveForm(text) => browser::save_text(FORM_KEY, &text),
        Effect::SaveQueue(keys) => browser::save_text(QUEUE_KEY, &serde_json::to_string(&keys).unwrap_or_default()),
        Effect::WriteUrl(frag) => browser::replace_fragment(&frag),
        Effect::FetchShipped => spawn_local(async move {
            match super::shipped::fetch_all().await {
                Ok(files) => dispatch.dispatch(Action::ShippedFetched(files)),
                Err(e) => dispatch.dispatch(Action::ShippedFailed(e)),
            }
        }),
        Effect::MarkShippedAdded => browser::save_text(crate::app_core::shipped::ADDED_KEY, "1"),
    }
}
