//! The reducer: every action changes the state and asks for side effects as data; then
//! [`schedule`] sends whatever work the new state needs (evaluator jobs, the next queued
//! report row, the URL), so work is sent exactly when a figure is cleared.

use std::rc::Rc;

use engine::crossbar::CrossbarConfig;
use engine::data::DataFile;

use super::action::{Action, Startup};
use super::curve_knob::SWEPT;
use super::draw::{self, ReadingKey};
use super::effects::Effect;
use super::explore::{
    curve_index, drift_index, drift_key, fault_index, settings_key, SliderKey, XbarKey, CURVE_MAX_STD,
};
use super::heal::{self, WorkerId};
use super::lesson;
use super::models::{ModelMeta, Run, SavedModel};
use super::naming::model_name;
use super::readout::Readout;
use super::reproduce;
use super::selectors;
use super::shipped::{self, ManifestEntry, ShippedStatus};
use super::state::{DataOrigin, DataStatus, State, Trainer};
use super::url;
use crate::protocol::{DataSource, EvalOutput, EvalTask};

/// Applies `action` to `s`.
pub fn reduce(s: &mut State, action: Action) {
    match action {
        Action::EffectsDone(upto) => {
            s.outbox.retain(|(n, _)| *n > upto);
            return;
        }
        other => apply(s, other),
    }
    schedule(s);
}

/// Whether a `Tick` at `now_ms` would change nothing (every run in progress was heard of
/// recently): the page then skips the render.
pub fn tick_changes_nothing(s: &State, now_ms: f64) -> bool {
    s.running().all(|r| r.heard_ms.is_some_and(|t| !heal::overdue(t, now_ms, heal::TRAINER_SILENCE_MS)))
}

/// The data source for the current origin and dataset.
pub fn data_source(s: &State) -> DataSource {
    let kind = s.form.dataset;
    match &s.origin {
        DataOrigin::Served { base } => {
            let names = DataFile::ALL.map(|f| format!("{}/{}.gz", kind.dir_name(), f.stem()));
            DataSource {
                kind,
                urls: names.clone().map(|n| format!("{base}{n}")),
                names,
                verify: true,
                need_train: true,
            }
        }
        DataOrigin::Files { urls, names } => {
            DataSource { kind, urls: urls.clone(), names: names.clone(), verify: false, need_train: true }
        }
    }
}

/// Starts loading the current source: every result computed on the old data is dropped, and
/// queued evaluations with it.
fn load(s: &mut State) {
    s.data = DataStatus::Loading;
    s.data_generation += 1;
    s.evaluators_loaded = 0;
    s.trainer_ready = false;
    s.trainer_images = 0;
    s.second.ready = false;
    s.samples = None;
    s.test_labels = None;
    s.explore.forget_results();
    s.landscape = Default::default();
    s.effect(Effect::ClearJobs);
    s.effect(Effect::LoadData(data_source(s)));
}

fn start(s: &mut State, st: Startup) {
    let view = url::parse_fragment(&st.fragment);
    s.tab = view.tab;
    s.explore.std = view.std;
    s.explore.draws = view.draws;
    s.explore.model = view.model;
    s.explore.crossbar = view.crossbar.clone();
    s.reproduce.seeds = view.seeds;
    s.teacher = view.teacher.clone();
    if view.shipped.is_some() || !view.compare.is_empty() || view.model.is_some() {
        s.link = Some(view.clone());
    }
    if s.hides(s.tab.key()) {
        s.tab = s.visible_tabs()[0];
    }
    s.form = super::form::TrainForm::from_saved(st.saved_form.as_deref());
    s.served_base = st.data_base.clone();
    s.origin = DataOrigin::Served { base: st.data_base };
    s.evaluators = st.evaluators;
    s.reproduce.waiting = reproduce::restore(&st.saved_queue);
    s.reproduce.saved = s.reproduce.waiting.clone();
    if let Some(step) = view.lesson {
        lesson::apply(s, step, 0.0);
    }
    if st.shipped {
        // A first visit opens where the shipped models are useful at once: the Explore view at
        // the report's σ = 1, unless the link says otherwise.
        if st.fragment.trim_start_matches('#').is_empty() {
            s.tab = super::state::Tab::Explore;
            s.explore.std = 1.0;
        }
        fetch_shipped(s);
    }
    s.last_fragment = url::fragment(&selectors::view_params(s));
    load(s);
}

fn fetch_shipped(s: &mut State) {
    s.shipped.status = ShippedStatus::Fetching;
    s.shipped.focused = false;
    s.effect(Effect::FetchShipped);
}

/// An import job answered (done or failed): once every shipped file is in, the shipped
/// models are done (and remembered as added, so a next visit does not fetch them again).
fn shipped_answered(s: &mut State, job: u64) -> Option<ManifestEntry> {
    let entry = s.shipped.in_flight.remove(&job)?;
    if s.shipped.in_flight.is_empty() && s.shipped.waiting.is_empty() && s.shipped.status == ShippedStatus::Importing {
        s.shipped.status = ShippedStatus::Done;
        s.effect(Effect::MarkShippedAdded);
    }
    Some(entry)
}

/// The file name of a model's PyTorch export: the shipped ones by recipe key, others by id.
fn pytorch_file_name(name: &str, id: u64) -> String {
    let stem = if name.ends_with(shipped::SUFFIX) {
        name.trim_end_matches(shipped::SUFFIX).to_lowercase().replace([' ', ','], "-")
    } else {
        format!("model-{id}")
    };
    format!("{stem}-pytorch.safetensors")
}

/// The lesson's step again once the shipped models it shows are in (a link that opens the
/// lesson arrives before them), and the link's models.
fn lesson_models_arrived(s: &mut State) {
    if let (Some(i), ShippedStatus::Done) = (s.lesson, &s.shipped.status) {
        let moved = s.explore.moved_ms;
        lesson::apply(s, i, moved);
    }
    resolve_link(s);
}

/// Shows the models a link named once they are in the list: shipped ones by recipe key,
/// this browser's by id. A model of another browser is offered for training again from the
/// link's recipe. Tried after every arrival until the shipped models are settled.
fn resolve_link(s: &mut State) {
    let Some(view) = s.link.clone() else { return };
    let find = |s: &State, token: &str| match token.parse::<u64>() {
        Ok(id) => s.model(id).map(|_| id),
        Err(_) => lesson::shipped_model(s, token),
    };
    if let Some(id) =
        view.shipped.as_deref().and_then(|k| find(s, k)).or_else(|| view.model.filter(|&id| s.model(id).is_some()))
    {
        s.explore.focus(Some(id));
    }
    let compare: Vec<u64> = view.compare.iter().filter_map(|t| find(s, t)).collect();
    if !compare.is_empty() {
        s.explore.compare = compare;
    }
    let settled = !matches!(s.shipped.status, ShippedStatus::Fetching | ShippedStatus::Importing);
    if settled {
        if let (Some(id), Some(recipe)) = (view.model, view.recipe) {
            if s.model(id).is_none() {
                s.retrain_offer = Some(recipe);
            }
        }
        s.link = None;
    }
}

/// A shipped model read by an evaluator: named as the report's row; the first one takes the
/// Explore panel, the MLPs join its comparison.
fn add_shipped(s: &mut State, entry: &ManifestEntry, mut m: SavedModel) {
    let id = m.meta.id;
    m.meta.name = shipped::display_name(entry);
    if s.model(id).is_none() {
        s.models.push(m);
    }
    if !s.shipped.focused {
        s.shipped.focused = true;
        s.explore.focus(Some(id));
    }
    if shipped::compared_at_first(entry) && !s.explore.compare.contains(&id) {
        s.explore.compare.push(id);
    }
    s.effect(Effect::SaveModel(id));
}

fn add_model(s: &mut State, m: SavedModel) {
    let id = m.meta.id;
    // A Reproduce row trained by the queue is kept, but does not take over the Explore panel
    // (nor start its full curves): the panel asks only for the row's own figures (`schedule`).
    let queued_row = m.meta.recipe.is_some() && m.meta.epochs_done.is_none();
    if s.model(id).is_none() {
        s.models.push(m);
    }
    if queued_row {
        s.effect(Effect::SaveModel(id));
        return;
    }
    s.explore.focus(Some(id));
    if !s.explore.compare.contains(&id) {
        s.explore.compare.push(id);
    }
    s.effect(Effect::SaveModel(id));
}

fn apply(s: &mut State, action: Action) {
    match action {
        Action::EffectsDone(_) => {}
        Action::Start(st) => start(s, st),
        Action::SetTab(t) => {
            // a locked page stays on its view; a hidden tab has no button, nor a way in
            if !s.teacher.lock && !s.hides(t.key()) {
                s.tab = t;
            }
        }
        Action::Lesson { step, now_ms } => match step {
            Some(i) if i < lesson::STEPS.len() => lesson::apply(s, i, now_ms),
            Some(_) => {}
            None => s.lesson = None,
        },
        Action::LessonMove { forward, now_ms } => {
            if let Some(i) = s.lesson {
                let next = if forward { i + 1 } else { i.saturating_sub(1) };
                if next < lesson::STEPS.len() && next != i {
                    lesson::apply(s, next, now_ms);
                }
            }
        }
        Action::SwitchDataset(kind) => {
            if s.training() || (kind == s.form.dataset && !matches!(s.data, DataStatus::Failed(_))) {
                return;
            }
            s.form.dataset = kind;
            s.effect(Effect::SaveForm(s.form.to_saved()));
            load(s);
        }
        Action::UseFiles { urls, names } => {
            s.origin = DataOrigin::Files { urls, names };
            load(s);
        }
        Action::RetryServed => {
            if let DataOrigin::Files { .. } = s.origin {
                // back to the served folder the page opened with
                s.origin = DataOrigin::Served { base: s.served_base.clone() };
            }
            load(s);
        }
        Action::DataLoaded { kind, train, test, millis, samples, test_labels } => {
            // A late answer for the dataset the page switched away from.
            if kind != s.form.dataset || matches!(s.data, DataStatus::Failed(_)) {
                return;
            }
            s.evaluators_loaded += 1;
            let custom = matches!(s.origin, DataOrigin::Files { .. });
            let train = train.max(s.trainer_images);
            s.data = DataStatus::Ready { kind, train, test, millis, custom };
            s.samples = Some(samples);
            s.test_labels = Some(test_labels);
        }
        Action::TrainerDataLoaded { kind, train } => {
            if kind != s.form.dataset {
                return;
            }
            s.trainer_ready = true;
            s.trainer_images = train;
            if let DataStatus::Ready { train: t, .. } = &mut s.data {
                *t = train;
            }
        }
        Action::SecondTrainerDataLoaded { kind } => {
            if kind == s.form.dataset {
                s.second.ready = true;
            }
        }
        Action::DataFailed(e) => s.data = DataStatus::Failed(e),
        Action::Draft { id, text } => {
            s.drafts.insert(id, text);
        }
        Action::Form(field) => {
            // A committed edit ends typing: the box shows the state's value again (which is
            // the typed one, or the old one when the text was not a valid value).
            s.drafts.clear();
            s.form.apply(field);
            s.effect(Effect::SaveForm(s.form.to_saved()));
        }
        Action::Train { now_ms } => {
            if !s.trainer_ready || s.training() {
                return;
            }
            match s.form.configs() {
                Ok((model, train)) => {
                    let teacher = match train.method {
                        engine::train::Method::Distillation { .. } => s.form.teacher,
                        _ => None,
                    };
                    let name = model_name(&model, &train);
                    start_run(s, Trainer::Main, name, model, train, teacher, None, Some(now_ms));
                }
                Err(e) => s.notice = Some(e),
            }
        }
        Action::Cancel { keep_id } => {
            let Some(r) = s.run.take() else { return };
            let epochs = r.train.epochs;
            let kept = keep_snapshot(s, r, keep_id, "cancelled");
            if let Some((_, epoch)) = kept {
                s.notice = Some(if epoch >= epochs {
                    format!("Training had finished all {epochs} epochs: the model is kept in the list.")
                } else {
                    format!("Training cancelled: the model as it was after epoch {epoch} is kept in the list.")
                });
            }
            s.trainer_ready = false;
            s.trainer_warm = false;
            s.effect(Effect::RestartTrainer { kept: kept.map(|k| k.0) });
        }
        Action::TrainProgress { job, progress, now_ms } => {
            if let Some(r) = run_of(s, job) {
                r.started_ms.get_or_insert(now_ms);
                r.heard_ms = Some(now_ms);
                let x = (progress.epoch - 1) as f64 + progress.step as f64 / progress.steps_per_epoch.max(1) as f64;
                // A point per twentieth of an epoch: the chart redraws only when one is added.
                if r.loss.last().is_none_or(|p| x - p.0 >= 0.05) {
                    r.loss.push((x, progress.running_loss as f64));
                }
                r.progress = Some(progress);
            }
        }
        Action::TrainEpoch { job, summary, test_accuracy, snapshot } => {
            if let Some(r) = run_of(s, job) {
                r.epochs.push((summary.epoch, summary.accuracy as f64, test_accuracy));
                if let Some((bytes, train_seconds)) = snapshot {
                    r.snapshot =
                        Some(super::models::PartialModel { epoch: summary.epoch, bytes, test_accuracy, train_seconds });
                }
                r.history.push(summary);
            }
        }
        Action::TrainDone { job, id, bytes, history, test_accuracy, train_seconds } => {
            let slot = if s.run.as_ref().is_some_and(|r| r.job == job) {
                Some(&mut s.run)
            } else if s.second.run.as_ref().is_some_and(|r| r.job == job) {
                Some(&mut s.second.run)
            } else {
                None
            };
            if let Some(r) = slot.and_then(Option::take) {
                if r.recipe.is_none() && s.run.is_none() {
                    // the Train panel's run: its result stays in view, with a "done"
                    s.last_run = Some((r.clone(), id, test_accuracy));
                }
                let meta = ModelMeta {
                    id,
                    name: r.name,
                    model: r.model,
                    train: r.train,
                    test_accuracy,
                    history,
                    train_seconds,
                    recipe: r.recipe,
                    epochs_done: None,
                };
                add_model(s, SavedModel { meta, bytes });
            }
        }
        Action::TrainFailed { job, error } => {
            if s.second.run.as_ref().is_some_and(|r| r.job == job) {
                // Not on the Train panel: say so in the status line; the queue moves on.
                let name = s.second.run.as_ref().map(|r| r.name.clone()).unwrap_or_default();
                s.notice = Some(format!("{name}: training failed: {error}"));
            }
            if let Some(r) = run_of(s, job) {
                r.error = Some(error);
            }
        }
        Action::ModelsRestored(list) => {
            for m in list {
                if s.model(m.meta.id).is_none() {
                    s.models.push(m);
                }
            }
            s.models.sort_by_key(|m| m.meta.id);
            if s.explore.model.is_none_or(|id| s.model(id).is_none()) {
                let last = s.models.last().map(|m| m.meta.id);
                s.explore.focus(last);
            }
            if s.explore.compare.is_empty() {
                s.explore.compare = s.explore.model.into_iter().collect();
            }
            if let Some(i) = s.lesson {
                // a returning visitor's shipped models come from storage
                let moved = s.explore.moved_ms;
                lesson::apply(s, i, moved);
            }
            resolve_link(s);
        }
        Action::RetrainLinked { now_ms } => {
            if !s.trainer_ready || s.training() {
                return;
            }
            if let Some(r) = s.retrain_offer.take() {
                let name = model_name(&r.model, &r.train);
                start_run(s, Trainer::Main, name, r.model, r.train, None, None, Some(now_ms));
                s.tab = super::state::Tab::Train;
            }
        }
        Action::UploadRefused(why) => s.upload_error = Some(why),
        Action::ExportPytorch(id) => {
            if let Some(m) = s.model(id) {
                let (name, bytes) = (pytorch_file_name(&m.meta.name, id), m.bytes.clone());
                s.next_job += 1;
                s.effect(Effect::Export { job: s.next_job, name, bytes });
            }
        }
        Action::Exported { name, result } => match result {
            Ok(bytes) => s.effect(Effect::Download { name, bytes, mime: "application/octet-stream" }),
            Err(e) => s.notice = Some(format!("could not convert {name} for PyTorch: {e}")),
        },
        Action::Upload { name, bytes } => {
            s.upload_error = None;
            s.next_job += 1;
            s.effect(Effect::Import { job: s.next_job, name, bytes });
        }
        Action::ModelAdded { job, model } => match shipped_answered(s, job) {
            Some(entry) => {
                add_shipped(s, &entry, model);
                lesson_models_arrived(s);
            }
            None => add_model(s, model),
        },
        Action::ImportFailed { job, name, error } => {
            let what = match shipped_answered(s, job) {
                Some(entry) => {
                    s.shipped.status = ShippedStatus::Failed(format!("{}: {error}", entry.file));
                    format!("could not load the ready-trained model {}: {error}", entry.file)
                }
                None => {
                    let why = format!("could not load {name}: {error}");
                    s.upload_error = Some(why.clone());
                    why
                }
            };
            s.notice = Some(what);
        }
        Action::ShippedFetched(files) => {
            if s.shipped.status == ShippedStatus::Fetching {
                s.shipped.status = ShippedStatus::Importing;
                s.shipped.waiting = files;
            }
        }
        Action::ShippedFailed(e) => {
            s.notice =
                Some(format!("The ready-trained models could not be loaded: {e}. Train your own in the Train tab."));
            s.shipped.status = ShippedStatus::Failed(e);
        }
        Action::Drew { width, height, ink } => s.draw.set(Some((width, height, ink))),
        Action::ClearDrawing => s.draw.set(None),
        Action::AddShipped => {
            if !matches!(s.shipped.status, ShippedStatus::Fetching | ShippedStatus::Importing) {
                fetch_shipped(s);
            }
        }
        Action::DeleteModel(id) => {
            s.models.retain(|m| m.meta.id != id);
            s.explore.compare.retain(|&m| m != id);
            s.explore.curves.remove(&id);
            s.explore.curve_failures.remove(&id);
            s.explore.curves_sent.retain(|(m, _)| *m != id);
            s.explore.xbar_curves_sent.retain(|(m, _, _)| *m != id);
            s.explore.drift_curves_sent.retain(|(m, _, _)| *m != id);
            s.explore.knob_curves_sent.retain(|(m, _, _)| *m != id);
            if s.explore.model == Some(id) {
                let last = s.models.last().map(|m| m.meta.id);
                s.explore.focus(last);
            }
            if s.form.teacher == Some(id) {
                s.form.teacher = None;
            }
            s.effect(Effect::DeleteModel(id));
        }
        Action::SelectModel(id) => {
            let id = id.filter(|&id| s.model(id).is_some());
            s.explore.focus(id);
            if let Some(id) = id {
                if !s.explore.compare.contains(&id) {
                    s.explore.compare.push(id);
                }
            }
        }
        Action::ToggleCompare(id) => {
            if s.explore.compare.contains(&id) {
                s.explore.compare.retain(|&m| m != id);
            } else if s.model(id).is_some() {
                s.explore.compare.push(id);
            }
        }
        Action::SetStd { value, now_ms } => {
            // NaN and infinities are refused (NaN passes `clamp`); the slider's steps are 0.01.
            if let Some(std) = value.trim().parse::<f32>().ok().filter(|x| x.is_finite()) {
                let std = (std.clamp(0.0, CURVE_MAX_STD) * 100.0).round() / 100.0;
                if std != s.explore.std {
                    s.explore.std = std;
                    s.explore.moved_ms = now_ms;
                }
            }
        }
        Action::SetDraws(value) => {
            s.drafts.clear();
            if let Some(n) = url::parse_draws(&value) {
                // Curves keep their draws: draw k is the same whatever the number of draws,
                // and a curve uses draws 0..n (see `first_draws`).
                s.explore.draws = n;
            }
        }
        Action::Crossbar { field, now_ms } => {
            s.drafts.clear();
            let mut ui = s.explore.crossbar.clone();
            ui.apply(field);
            if ui != s.explore.crossbar {
                s.explore.crossbar = ui;
                s.explore.xbar_moved_ms = now_ms;
            }
        }
        Action::EvalDone { model, task, output, now_ms } => {
            s.landscape.receive(model, &task, &output, now_ms);
            if let Some(key) = drawing_key(s, &task) {
                s.draw.receive(model, key, output);
                return;
            }
            reduce_eval(s, model, task, output, now_ms)
        }
        Action::EvalFailed { model, task, error } => {
            if let (Some(model), Some(task)) = (model, task) {
                record_failure(s, model, &task, &error);
            }
            s.notice = Some(format!("evaluator: {error}"));
        }
        Action::ComputeLandscape { now_ms } => {
            let (models, grid_model) = selectors::landscape_models(s);
            if models.is_empty() {
                return;
            }
            s.landscape.start(models, grid_model, now_ms);
            s.effect(Effect::RequestedJobs(s.landscape.jobs()));
        }
        Action::Notice(n) => s.notice = n,
        Action::StoredUnreadable(list) => s.unreadable = list,
        Action::WorkerCrashed { worker, reason, started, keep_id } => crashed(s, worker, &reason, started, keep_id),
        Action::Tick { now_ms, keep_id } => {
            for trainer in [Trainer::Main, Trainer::Second] {
                let run = match trainer {
                    Trainer::Main => s.run.as_mut().filter(|r| r.error.is_none()),
                    Trainer::Second => s.second.run.as_mut().filter(|r| r.error.is_none()),
                };
                let Some(r) = run else { continue };
                let heard = *r.heard_ms.get_or_insert(now_ms);
                if heal::overdue(heard, now_ms, heal::TRAINER_SILENCE_MS) {
                    let reason = format!("no word from it for {:.0} s", (now_ms - heard) / 1000.0);
                    crashed(s, WorkerId::Trainer(trainer), &reason, true, keep_id);
                }
            }
        }
        Action::ProtocolMismatch(detail) => s.reload = Some(detail),
        Action::Enqueue(keys) => reproduce::enqueue(s, &keys),
        Action::SetSeedsPerRow(n) => s.reproduce.seeds = reproduce::clamp_seeds(n),
    }
}

/// Keeps the snapshot of an ended run (`how`: "cancelled", "trainer crashed") as a model
/// under `keep_id`: the model as it was after its last finished epoch. Returns the id and the
/// epoch.
fn keep_snapshot(s: &mut State, r: Run, keep_id: u64, how: &str) -> Option<(u64, usize)> {
    let p = r.snapshot?;
    // After the last epoch the model is the finished one (only TrainDone was still to come).
    let name = if p.epoch >= r.train.epochs {
        r.name.clone()
    } else {
        format!("{} ({how} after epoch {} of {})", r.name, p.epoch, r.train.epochs)
    };
    let history = r.history.into_iter().take(p.epoch).collect();
    let meta = ModelMeta {
        id: keep_id,
        name,
        model: r.model,
        train: r.train,
        test_accuracy: p.test_accuracy,
        history,
        train_seconds: p.train_seconds,
        recipe: r.recipe,
        epochs_done: Some(p.epoch),
    };
    add_model(s, SavedModel { meta, bytes: p.bytes });
    Some((keep_id, p.epoch))
}

/// A worker crashed or hung. An evaluator is started again (the pool retries its job once); a
/// trainer's run ends as failed, with the model after its last finished epoch kept (as Cancel
/// keeps it), and the trainer is started again, so the Train panel and the Reproduce queue go
/// on. A worker that never started, or crashed too often, is left stopped with a message.
fn crashed(s: &mut State, worker: WorkerId, reason: &str, started: bool, keep_id: u64) {
    let count = s.restarts.entry(worker).or_default();
    let again = heal::restart(started, *count);
    if again {
        *count += 1;
    }
    let after = if again {
        "it was started again".to_string()
    } else if !started {
        "it never started; reload the page".to_string()
    } else {
        format!("it crashed {} times and was not started again; reload the page", heal::MAX_RESTARTS + 1)
    };
    match worker {
        WorkerId::Evaluator(i) => {
            s.notice = Some(format!("{worker} crashed ({reason}); {after}"));
            if again {
                s.effect(Effect::RespawnEvaluator(i));
            }
        }
        WorkerId::Trainer(trainer) => {
            let slot = match trainer {
                Trainer::Main => &mut s.run,
                Trainer::Second => &mut s.second.run,
            };
            // Only a run in progress ends here (a failed one stays as it is, for its message).
            let run = slot.as_ref().filter(|r| r.error.is_none()).cloned();
            let mut notice = format!("{worker} crashed ({reason}); {after}");
            if let Some(r) = run {
                let name = r.name.clone();
                let kept = keep_snapshot(s, r, keep_id, "trainer crashed");
                let next = if again { "press Train to try again" } else { after.as_str() };
                let what = match kept {
                    Some((_, epoch)) => format!("the model as it was after epoch {epoch} is kept in the list; {next}"),
                    None => format!("no epoch had finished; {next}"),
                };
                let error = format!("{worker} crashed ({reason}): {what}");
                notice = format!("{name}: {error}");
                let slot = match trainer {
                    Trainer::Main => &mut s.run,
                    Trainer::Second => &mut s.second.run,
                };
                if let Some(r) = slot.as_mut() {
                    r.error = Some(error);
                    r.snapshot = None;
                }
            }
            s.notice = Some(notice);
            match trainer {
                Trainer::Main => {
                    s.trainer_ready = false;
                    s.trainer_warm = false;
                    if again {
                        s.effect(Effect::RestartTrainer { kept: None });
                    }
                }
                Trainer::Second => {
                    s.second.ready = false;
                    if again {
                        s.effect(Effect::SpawnSecondTrainer);
                    }
                }
            }
        }
    }
}

/// The run of `job`, on either trainer.
fn run_of(s: &mut State, job: u64) -> Option<&mut Run> {
    s.run.as_mut().filter(|r| r.job == job).or(s.second.run.as_mut().filter(|r| r.job == job))
}

#[allow(clippy::too_many_arguments)]
fn start_run(
    s: &mut State,
    trainer: Trainer,
    name: String,
    model: engine::model::ModelConfig,
    train: engine::train::TrainConfig,
    teacher: Option<u64>,
    recipe: Option<engine::experiments::RecipeKey>,
    now_ms: Option<f64>,
) {
    s.next_job += 1;
    let job = s.next_job;
    let mut run = Run::new(job, name, model.clone(), train.clone(), now_ms);
    run.recipe = recipe;
    if trainer == Trainer::Main && recipe.is_none() {
        s.last_run = None;
    }
    match trainer {
        Trainer::Main => s.run = Some(run),
        Trainer::Second => s.second.run = Some(run),
    }
    s.effect(Effect::Train { trainer, job, model, train, teacher, recipe });
}

/// The reading key of a Draw panel job, if it read the current drawing.
fn drawing_key(s: &State, task: &EvalTask) -> Option<ReadingKey> {
    let EvalTask::Digit { pixels, .. } = task else { return None };
    let d = s.draw.drawing.as_ref()?;
    let current = pixels.as_slice() == d.ink.as_slice();
    // an answer about an older drawing: dropped (generation 0 is never current)
    draw::task_key(task, if current { d.generation } else { 0 }, s.data_generation)
}

/// The Draw panel's jobs: every compared model (the focused one first), on the current
/// drawing, σ, draws and crossbar settings; sent again for all when any of that changes. Only
/// while the panel is shown, so the evaluators' one crossbar deployment is not thrashed.
fn schedule_drawing(s: &mut State) {
    if s.tab != super::state::Tab::Draw || !s.data_ready() {
        return;
    }
    let Some((task, key)) = draw::current_task(s) else { return };
    let models = draw::models(s);
    if models.iter().all(|m| s.draw.sent.get(m) == Some(&key)) {
        return;
    }
    for &m in &models {
        s.draw.sent.insert(m, key.clone());
    }
    s.effect(Effect::DigitJobs(models.into_iter().map(|m| (m, task.clone())).collect()));
}

/// Files a failed evaluation where its figure would have gone, so nothing waits for it.
fn record_failure(s: &mut State, model: u64, task: &EvalTask, error: &str) {
    if let EvalTask::Digit { .. } = task {
        s.draw.errors.insert(model, error.to_string());
        return;
    }
    let e = &mut s.explore;
    match task {
        EvalTask::Noise { std, seed, draw, subset, .. } if *seed == e.seed => {
            if subset.is_none() {
                if let Some(i) = curve_index(*std) {
                    e.curve_failures.entry(model).or_default().insert((i, *draw));
                }
            }
            if e.model == Some(model) && (*std - e.std).abs() < 1e-6 {
                e.readout.error = Some(error.to_string());
            }
        }
        EvalTask::Crossbar { config, draw, subset } => {
            for (curve, key, i) in crossbar_curve_points(config, *subset) {
                let failures = match curve {
                    XbarCurve::Drift => &mut e.drift_curve_failures,
                    XbarCurve::Knob => &mut e.knob_curve_failures,
                    XbarCurve::Fault => &mut e.xbar_curve_failures,
                };
                failures.entry(key).or_default().entry(model).or_default().insert((i, *draw));
            }
            if e.model == Some(model) && *config == e.crossbar.config {
                e.xbar.error = Some(error.to_string());
            }
        }
        _ => {}
    }
}

/// The crossbar curves a job's result (or failure) belongs on.
enum XbarCurve {
    Drift,
    Knob,
    Fault,
}

/// Which curve points a crossbar job with these settings fills: (curve, its key, the point's
/// index). A subset job (a fast estimate) fills none.
fn crossbar_curve_points(config: &CrossbarConfig, subset: Option<usize>) -> Vec<(XbarCurve, String, usize)> {
    let mut out = Vec::new();
    if subset.is_some() {
        return out;
    }
    if let Some(i) = config.drift.as_ref().and_then(drift_index) {
        out.push((XbarCurve::Drift, drift_key(config), i));
    }
    for knob in SWEPT {
        if let Some(i) = knob.index(config) {
            out.push((XbarCurve::Knob, knob.curve_key(config), i));
        }
    }
    if config.faults.lrs == config.faults.hrs {
        if let Some(i) = fault_index(config.faults.lrs) {
            out.push((XbarCurve::Fault, settings_key(config), i));
        }
    }
    out
}

fn reduce_eval(s: &mut State, model: u64, task: EvalTask, output: EvalOutput, now_ms: f64) {
    let e = &mut s.explore;
    match (task, output) {
        (EvalTask::Noise { std, seed, draw, subset, .. }, EvalOutput::Accuracy { accuracy, images, predictions }) => {
            if seed != e.seed {
                return;
            }
            let current = e.model == Some(model) && (std - e.std).abs() < 1e-6;
            if subset.is_none() {
                if let Some(i) = curve_index(std) {
                    let n = if std == 0.0 { 1 } else { e.draws };
                    if draw < n {
                        e.curves.entry(model).or_default().entry(i).or_default().insert(draw, accuracy);
                    }
                }
            }
            if let Some(p) = predictions {
                if std == 0.0 {
                    e.clean_predictions = Some((model, p.clone()));
                }
                if current {
                    e.noisy_predictions = Some((model, std, p));
                }
            }
            if !current {
                return;
            }
            let n = e.slider_draws();
            e.readout.record(subset.is_some(), draw, (accuracy, images), n, now_ms);
        }
        (EvalTask::Crossbar { config, draw, subset }, EvalOutput::Accuracy { accuracy, images, .. }) => {
            // every curve the result lies on: the settings it ran with say which
            for (curve, key, i) in crossbar_curve_points(&config, subset) {
                let curves = match curve {
                    XbarCurve::Drift => &mut e.drift_curves,
                    XbarCurve::Knob => &mut e.knob_curves,
                    XbarCurve::Fault => &mut e.xbar_curves,
                };
                curves.entry(key).or_default().entry(model).or_default().entry(i).or_default().insert(draw, accuracy);
            }
            if e.model != Some(model) || !e.crossbar.enabled || config != e.crossbar.config {
                return;
            }
            let n = e.xbar_draws();
            e.xbar.record(subset.is_some(), draw, (accuracy, images), n, now_ms);
        }
        (EvalTask::Tile { config, .. }, out @ EvalOutput::Tile { .. }) => {
            e.xbar_tile = Some((model, config, Rc::new(out)));
        }
        (EvalTask::Histogram { std, .. }, out @ EvalOutput::Histogram { .. }) => {
            e.histogram = Some((model, std, out));
        }
        _ => {}
    }
}

/// Sends the work the state needs and has not been sent: the slider's and the crossbar's
/// jobs (clearing their readouts as they go), the compared models' curves, the next queued
/// report row, the URL and the saved queue.
pub fn schedule(s: &mut State) {
    let ready = s.data_ready();

    // The shipped models are MNIST models: read (and their accuracy measured) on MNIST only.
    if ready && s.form.dataset == engine::data::DatasetKind::Mnist && !s.shipped.waiting.is_empty() {
        for f in std::mem::take(&mut s.shipped.waiting) {
            s.next_job += 1;
            s.shipped.in_flight.insert(s.next_job, f.entry.clone());
            s.effect(Effect::Import { job: s.next_job, name: f.entry.file.clone(), bytes: f.bytes });
        }
    }
    let model = s.explore.model.filter(|&id| s.model(id).is_some());
    let data = s.data_generation;

    let slider = model.filter(|_| ready).map(|model| SliderKey {
        model,
        std_centi: (s.explore.std * 100.0).round() as i64,
        draws: s.explore.draws,
        seed: s.explore.seed,
        data,
    });
    if slider != s.explore.slider_sent {
        s.explore.readout = Readout { moved_ms: s.explore.moved_ms, ..Readout::default() };
        if let Some(k) = &slider {
            s.effect(Effect::SliderJobs { model: k.model, tasks: s.explore.slider_tasks() });
        }
        s.explore.slider_sent = slider;
    }

    let xbar = model.filter(|_| ready && s.explore.crossbar.enabled).map(|model| XbarKey {
        model,
        config: serde_json::to_string(&s.explore.crossbar.config).unwrap_or_default(),
        draws: s.explore.draws,
        data,
    });
    if xbar != s.explore.xbar_sent {
        s.explore.xbar = Readout { moved_ms: s.explore.xbar_moved_ms, ..Readout::default() };
        match (&xbar, model) {
            (Some(k), _) => s.effect(Effect::CrossbarJobs { model: k.model, tasks: s.explore.xbar_tasks() }),
            // turned off: drop its queued jobs
            (None, Some(m)) => s.effect(Effect::CrossbarJobs { model: m, tasks: vec![] }),
            (None, None) => {}
        }
        s.explore.xbar_sent = xbar;
    }

    if ready {
        let compare: Vec<u64> = s.explore.compare.iter().copied().filter(|&id| s.model(id).is_some()).collect();
        let draws = s.explore.draws;
        for &id in &compare {
            if s.explore.curves_sent.insert((id, draws)) {
                s.effect(Effect::CurveJobs { model: id, tasks: s.explore.curve_tasks() });
            }
        }
        if s.explore.crossbar.enabled {
            let key = s.explore.xbar_key();
            // One second curve at a time: the drift curve or the chosen knob's, if any.
            let drift = s.explore.crossbar.drift_curve_on().then(|| drift_key(&s.explore.crossbar.config));
            let knob = s.explore.crossbar.knob_key();
            let now = Some((key.clone(), drift.clone(), knob.clone()));
            if s.explore.curves_for != now {
                // Other settings' queued curves would keep the evaluators busy for minutes with
                // figures nobody sees: dropped, and marked unsent so coming back asks again.
                if s.explore.curves_for.is_some() {
                    let knob_effect = knob.clone().map(|k| (s.explore.crossbar.knob, k));
                    s.effect(Effect::DropStaleCurves {
                        xbar_key: key.clone(),
                        drift_key: drift.clone(),
                        knob: knob_effect,
                    });
                    s.explore.xbar_curves_sent.retain(|(_, _, k)| *k == key);
                    s.explore.drift_curves_sent.retain(|(_, _, k)| Some(k) == drift.as_ref());
                    s.explore.knob_curves_sent.retain(|(_, _, k)| Some(k) == knob.as_ref());
                    s.explore.report_sent.retain(|(_, _, k)| k.is_empty() || *k == key);
                }
                s.explore.curves_for = now;
            }
            for &id in &compare {
                if s.explore.xbar_curves_sent.insert((id, draws, key.clone())) {
                    s.effect(Effect::CurveJobs { model: id, tasks: s.explore.xbar_curve_tasks() });
                }
            }
            if let Some(key) = knob {
                for &id in &compare {
                    if s.explore.knob_curves_sent.insert((id, draws, key.clone())) {
                        s.effect(Effect::CurveJobs { model: id, tasks: s.explore.knob_curve_tasks() });
                    }
                }
            }
            if drift.is_some() {
                let key = drift_key(&s.explore.crossbar.config);
                for &id in &compare {
                    if s.explore.drift_curves_sent.insert((id, draws, key.clone())) {
                        s.effect(Effect::CurveJobs { model: id, tasks: s.explore.drift_curve_tasks() });
                    }
                }
            }
        }
        // The Reproduce panel's figures of every report row's model that the full curves above
        // do not already cover. `schedule` runs after every action (each evaluation result), so
        // the rows are only matched to models while some model still lacks its jobs.
        let key = s.explore.xbar_key();
        let noise_marker = (draws, String::new());
        let xbar_marker = s.explore.crossbar.enabled.then_some((draws, key));
        let sent = |id: u64, (d, k): &(usize, String)| s.explore.report_sent.contains(&(id, *d, k.clone()));
        let unsent: Vec<u64> = s
            .models
            .iter()
            .map(|m| m.meta.id)
            .filter(|id| !compare.contains(id))
            .filter(|&id| !sent(id, &noise_marker) || xbar_marker.as_ref().is_some_and(|m| !sent(id, m)))
            .collect();
        if !unsent.is_empty() {
            let rows: Vec<u64> = reproduce::jobs(s)
                .into_iter()
                .filter_map(|job| match reproduce::job_status(s, job) {
                    reproduce::RowStatus::Trained(id) => Some(id),
                    _ => None,
                })
                .collect();
            for id in unsent.into_iter().filter(|id| rows.contains(id)) {
                if s.explore.report_sent.insert((id, draws, String::new())) {
                    s.effect(Effect::CurveJobs { model: id, tasks: s.explore.report_noise_tasks() });
                }
                if let Some((d, k)) = &xbar_marker {
                    if s.explore.report_sent.insert((id, *d, k.clone())) {
                        s.effect(Effect::CurveJobs { model: id, tasks: s.explore.report_xbar_tasks() });
                    }
                }
            }
        }
    }

    schedule_drawing(s);

    // The trainer warms up once it holds the data, unless the shipped models are still on
    // their way in: the first figures of a first visit need both cores first.
    let shipped_busy = matches!(s.shipped.status, ShippedStatus::Fetching | ShippedStatus::Importing);
    if s.trainer_ready && !s.trainer_warm && !shipped_busy && !s.training() {
        s.trainer_warm = true;
        s.effect(Effect::WarmUpTrainer);
    }

    let pause = super::eval_queue::curves_wait_while(s);
    if pause != s.curves_paused {
        s.curves_paused = pause;
        s.effect(Effect::PauseCurves(pause));
    }

    for trainer in [Trainer::Main, Trainer::Second] {
        if let Some((r, teacher)) = reproduce::next_row(s, trainer) {
            let name = if r.train.seed == engine::experiments::defaults::TRAIN_SEED {
                format!("{} ({})", r.label, r.key)
            } else {
                format!("{} ({}, seed {})", r.label, r.key, r.train.seed)
            };
            start_run(s, trainer, name, r.model, r.train, teacher, Some(r.key), None);
        }
    }
    if reproduce::wants_second_trainer(s) {
        s.second.spawned = true;
        s.effect(Effect::SpawnSecondTrainer);
    }
    let jobs = reproduce::saved_jobs(s);
    if jobs != s.reproduce.saved {
        s.reproduce.saved = jobs.clone();
        s.effect(Effect::SaveQueue(reproduce::saved_strings(&jobs)));
    }

    let frag = url::fragment(&selectors::view_params(s));
    if frag != s.last_fragment {
        s.last_fragment = frag.clone();
        s.effect(Effect::WriteUrl(frag));
    }
}
