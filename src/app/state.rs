//! The page's one state and its reducer: every user action and every worker reply is an
//! [`Action`]; side effects (talking to workers, saving) live in the root component.

use std::collections::BTreeMap;
use std::rc::Rc;

use engine::crossbar::CrossbarConfig;
use engine::data::{DatasetKind, Preprocessing};
use engine::model::{Architecture, ModelConfig};
use engine::noise::Spread;
use engine::train::{AdamConfig, Biases, DistillLoss, EpochSummary, GradientVariant, Method, Progress, TrainConfig};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::protocol::{DataError, EvalOutput, EvalTask, Samples};

/// Test images in the fast estimate.
pub const ESTIMATE_IMAGES: usize = 1000;
/// Noise strengths on the curve's x axis (0 to 2 in steps of 0.1: the report's 1.0 and 1.5 are points).
pub const CURVE_POINTS: usize = 21;
pub const CURVE_MAX_STD: f32 = 2.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    Train,
    Explore,
    See,
    Reproduce,
    Landscape,
}

impl Tab {
    pub const ALL: [Tab; 5] = [Tab::Train, Tab::Explore, Tab::See, Tab::Reproduce, Tab::Landscape];
    pub fn label(self) -> &'static str {
        match self {
            Tab::Train => "Train",
            Tab::Explore => "Explore",
            Tab::See => "See it",
            Tab::Reproduce => "Reproduce",
            Tab::Landscape => "Landscape",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Tab::Train => "train",
            Tab::Explore => "explore",
            Tab::See => "see",
            Tab::Reproduce => "reproduce",
            Tab::Landscape => "landscape",
        }
    }
    pub fn from_key(s: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.key() == s)
    }
}

/// Where the data stands.
#[derive(Clone, Debug, PartialEq)]
pub enum DataStatus {
    Loading,
    Ready { kind: DatasetKind, train: usize, test: usize, millis: f64, custom: bool },
    Failed(DataError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArchChoice {
    Mlp,
    LeNet,
    ExampleCnn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MethodChoice {
    Standard,
    NoiseInjection,
    Distillation,
    FaultAware,
}

/// The Train panel's controls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainForm {
    pub arch: ArchChoice,
    /// Comma-separated hidden sizes of the MLP.
    pub hidden: String,
    pub dropout: f32,
    pub normalized: bool,
    pub batch: usize,
    pub epochs: usize,
    pub lr: f64,
    pub seed: u64,
    pub method: MethodChoice,
    pub train_std: f32,
    pub gradient: GradientVariant,
    pub distill_loss: DistillLoss,
    pub teacher: Option<u64>,
    /// Fault-aware training: fractions of weights pulled to the stuck-at-LRS / HRS extremes.
    pub fault_lrs: f64,
    pub fault_hrs: f64,
    /// Hold every bias at zero (crossbar-friendly: see `engine::train::Biases::Zero`).
    #[serde(default)]
    pub zero_biases: bool,
}

impl Default for TrainForm {
    fn default() -> Self {
        Self {
            arch: ArchChoice::Mlp,
            hidden: "256,128".into(),
            dropout: 0.0,
            normalized: true,
            batch: 64,
            epochs: 5,
            lr: 1e-3,
            seed: 1234,
            method: MethodChoice::Standard,
            train_std: 1.0,
            gradient: GradientVariant::PerturbRestore,
            distill_loss: DistillLoss::Mse,
            teacher: None,
            fault_lrs: 0.1,
            fault_hrs: 0.1,
            zero_biases: false,
        }
    }
}

impl TrainForm {
    /// The engine configurations these controls describe, or what is wrong with them.
    pub fn configs(&self, kind: DatasetKind) -> Result<(ModelConfig, TrainConfig), String> {
        let arch = match self.arch {
            ArchChoice::Mlp => {
                let hidden: Result<Vec<usize>, _> = self
                    .hidden
                    .split(',')
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<usize>())
                    .collect();
                let hidden = hidden.map_err(|_| {
                    format!("hidden sizes `{}`: write numbers separated by commas, e.g. 256,128", self.hidden)
                })?;
                Architecture::Mlp { hidden, dropout: self.dropout }
            }
            ArchChoice::LeNet => Architecture::LeNet,
            ArchChoice::ExampleCnn => Architecture::ExampleCnn,
        };
        let preprocessing = if self.normalized { Preprocessing::normalized_for(kind) } else { Preprocessing::Raw };
        let model = ModelConfig { arch, preprocessing, dataset: kind };
        let method = match self.method {
            MethodChoice::Standard => Method::Standard,
            MethodChoice::NoiseInjection => Method::NoiseInjection { std: self.train_std, gradient: self.gradient },
            MethodChoice::Distillation => {
                Method::Distillation { std: self.train_std, loss: self.distill_loss, gradient: self.gradient }
            }
            MethodChoice::FaultAware => Method::FaultAware { lrs: self.fault_lrs, hrs: self.fault_hrs, noise_std: 0.0 },
        };
        let adam = AdamConfig { lr: self.lr, ..AdamConfig::default() };
        let biases = if self.zero_biases { Biases::Zero } else { Biases::Trained };
        let train = TrainConfig { epochs: self.epochs, batch_size: self.batch, adam, seed: self.seed, method, biases };
        model.arch.validate().map_err(|e| e.to_string())?;
        train.validate().map_err(|e| e.to_string())?;
        if self.method == MethodChoice::Distillation && self.teacher.is_none() {
            return Err("teacher-student training needs a teacher: train a standard model first and pick it".into());
        }
        Ok((model, train))
    }
}

/// A trained model kept by the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub id: u64,
    pub name: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    pub test_accuracy: f64,
    pub history: Vec<EpochSummary>,
    pub train_seconds: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SavedModel {
    pub meta: ModelMeta,
    pub bytes: Rc<Vec<u8>>,
}

/// The training run in progress (or the last one, if it failed).
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub job: u64,
    pub name: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    pub progress: Option<Progress>,
    /// (epochs done as a fraction, running loss).
    pub loss: Vec<(f64, f64)>,
    /// (epoch, running train accuracy, test accuracy).
    pub epochs: Vec<(usize, f64, f64)>,
    pub error: Option<String>,
    pub started_ms: f64,
    /// Every finished epoch's training figures.
    pub history: Vec<EpochSummary>,
    /// The model after the latest finished epoch (all but the last), kept if the run is cancelled.
    pub snapshot: Option<PartialModel>,
}

/// A model part-way through a training run.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialModel {
    pub epoch: usize,
    pub bytes: Rc<Vec<u8>>,
    pub test_accuracy: f64,
    pub train_seconds: f64,
}

/// The accuracy readout of the Explore panel for the current slider position.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Readout {
    /// (accuracy, images) of the fast estimate.
    pub estimate: Option<(f64, usize)>,
    /// Finished exact draws, by draw index.
    pub draws: BTreeMap<usize, f64>,
    /// When the slider moved, and when the first and the exact figure arrived (ms, page clock).
    pub moved_ms: f64,
    pub first_ms: Option<f64>,
    pub exact_ms: Option<f64>,
}

/// The crossbar controls of the Explore panel.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossbarUi {
    /// Off until the user turns the simulation on (it is much slower than digital noise).
    pub enabled: bool,
    pub config: CrossbarConfig,
}

impl Default for CrossbarUi {
    fn default() -> Self {
        // The report's Part 2 setting: MemTorch's tutorial crossbar, faults 0.1 / 0.1 off at first.
        Self { enabled: false, config: CrossbarConfig::default() }
    }
}

/// The Explore panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Explore {
    pub model: Option<u64>,
    pub std: f32,
    pub draws: usize,
    pub seed: u64,
    pub readout: Readout,
    /// Per model: per curve point index, the finished draws.
    pub curves: BTreeMap<u64, BTreeMap<usize, BTreeMap<usize, f64>>>,
    /// Models overlaid on the curve.
    pub compare: Vec<u64>,
    pub clean_predictions: Option<(u64, Vec<u8>)>,
    pub noisy_predictions: Option<(u64, f32, Vec<u8>)>,
    pub histogram: Option<(u64, f32, EvalOutput)>,
    pub crossbar: CrossbarUi,
    /// The crossbar readout for the current model and crossbar settings.
    pub xbar: Readout,
    /// Per crossbar settings apart from the fault rates ([`Explore::xbar_key`]), per model, per
    /// fault-curve point: the finished draws. Kept for every settings seen, because the jobs for
    /// a settings are sent once: switching back must find their results.
    pub xbar_curves: BTreeMap<String, BTreeMap<u64, BTreeMap<usize, BTreeMap<usize, f64>>>>,
    /// The first crossbar tile of the current model and settings (`EvalOutput::Tile`).
    pub xbar_tile: Option<(u64, CrossbarConfig, Rc<EvalOutput>)>,
}

impl Default for Explore {
    fn default() -> Self {
        Self {
            model: None,
            std: 0.0,
            draws: 5,
            seed: 1234,
            readout: Readout::default(),
            curves: BTreeMap::new(),
            compare: Vec::new(),
            clean_predictions: None,
            noisy_predictions: None,
            histogram: None,
            crossbar: CrossbarUi::default(),
            xbar: Readout::default(),
            xbar_curves: BTreeMap::new(),
            xbar_tile: None,
        }
    }
}

impl Explore {
    /// The exact figure once every draw is in.
    pub fn exact(&self) -> Option<Spread> {
        first_draws(&self.readout.draws, self.slider_draws())
    }

    /// How many draws the slider's exact figure averages.
    pub fn slider_draws(&self) -> usize {
        if self.std == 0.0 {
            1
        } else {
            self.draws
        }
    }

    /// The slider's jobs for the current position: a fast estimate, then the exact draws.
    pub fn slider_tasks(&self) -> Vec<EvalTask> {
        let n = self.slider_draws();
        let mut tasks = vec![EvalTask::Noise {
            std: self.std,
            seed: self.seed,
            draw: 0,
            subset: Some(ESTIMATE_IMAGES),
            predictions: false,
        }];
        tasks.extend((0..n).map(|k| EvalTask::Noise {
            std: self.std,
            seed: self.seed,
            draw: k,
            subset: None,
            predictions: k == 0,
        }));
        if self.std > 0.0 {
            tasks.push(EvalTask::Histogram { std: self.std, seed: self.seed, bins: 60 });
        }
        tasks
    }

    /// Draws the crossbar figure needs (one when nothing in the configuration is random).
    pub fn xbar_draws(&self) -> usize {
        if self.crossbar.config.is_stochastic() {
            self.draws
        } else {
            1
        }
    }

    /// The crossbar figure once every draw is in.
    /// Shows `id` in the readouts. Both readouts belong to the model they were computed for,
    /// so switching models (picked, trained, added, deleted) starts them afresh.
    pub fn focus(&mut self, id: Option<u64>) {
        if self.model != id {
            self.model = id;
            self.readout = Readout::default();
            self.xbar = Readout::default();
        }
    }

    pub fn xbar_exact(&self) -> Option<Spread> {
        first_draws(&self.xbar.draws, self.xbar_draws())
    }

    /// The crossbar's jobs: an estimate on a subset, then every draw on the full test set.
    pub fn xbar_tasks(&self) -> Vec<EvalTask> {
        if !self.crossbar.enabled || self.crossbar.config.validate().is_err() {
            return vec![];
        }
        let config = self.crossbar.config.clone();
        let mut tasks = vec![
            EvalTask::Crossbar { config: config.clone(), draw: 0, subset: Some(ESTIMATE_IMAGES) },
            EvalTask::Tile { config: config.clone(), draw: 0 },
        ];
        tasks.extend((0..self.xbar_draws()).map(|k| EvalTask::Crossbar {
            config: config.clone(),
            draw: k,
            subset: None,
        }));
        tasks
    }

    /// The crossbar settings without the fault rates, as a key for the fault curve.
    /// A model's fault curve for the current crossbar settings.
    pub fn xbar_curve(&self, model: u64) -> Option<&BTreeMap<usize, BTreeMap<usize, f64>>> {
        self.xbar_curves.get(&self.xbar_key())?.get(&model)
    }

    pub fn xbar_key(&self) -> String {
        settings_key(&self.crossbar.config)
    }

    /// The fault curve's jobs for the current crossbar settings: p = LRS = HRS rate.
    pub fn xbar_curve_tasks(&self) -> Vec<EvalTask> {
        if !self.crossbar.enabled || self.crossbar.config.validate().is_err() {
            return vec![];
        }
        fault_rates()
            .into_iter()
            .flat_map(|p| {
                let mut config = self.crossbar.config.clone();
                config.faults = engine::crossbar::FaultConfig { lrs: p, hrs: p };
                let n = if config.is_stochastic() { self.draws } else { 1 };
                (0..n).map(move |k| EvalTask::Crossbar { config: config.clone(), draw: k, subset: None })
            })
            .collect()
    }

    /// The curve's jobs: every point, every draw, full test set.
    pub fn curve_tasks(&self) -> Vec<EvalTask> {
        curve_stds()
            .into_iter()
            .flat_map(|std| {
                let n = if std == 0.0 { 1 } else { self.draws };
                let seed = self.seed;
                (0..n).map(move |k| EvalTask::Noise { std, seed, draw: k, subset: None, predictions: std == 0.0 })
            })
            .collect()
    }
}

/// The noise strengths of the curve.
pub fn curve_stds() -> Vec<f32> {
    engine::experiments::linspace(0.0, CURVE_MAX_STD, CURVE_POINTS)
}

/// Stuck-at rates of the fault curve (each of LRS and HRS).
pub fn fault_rates() -> Vec<f64> {
    (0..=5).map(|i| i as f64 * 0.05).collect()
}

/// Which point of the fault curve `p` is, if it is one.
pub fn fault_index(p: f64) -> Option<usize> {
    fault_rates().iter().position(|&r| (r - p).abs() < 1e-9)
}

impl Readout {
    /// Records one result: a subset's is the estimate until the first exact draw arrives; the
    /// times of the first figure and of the exact one (all of draws 0..n) are noted once.
    fn record(&mut self, subset: bool, draw: usize, (accuracy, images): (f64, usize), n: usize, now_ms: f64) {
        if !subset {
            self.draws.insert(draw, accuracy);
        } else if self.draws.is_empty() {
            self.estimate = Some((accuracy, images));
        }
        self.first_ms.get_or_insert(now_ms);
        if self.exact_ms.is_none() && first_draws(&self.draws, n).is_some() {
            self.exact_ms = Some(now_ms);
        }
    }
}

/// The crossbar settings apart from the fault rates, as a key: results under one key share a
/// deployment and a fault curve.
pub fn settings_key(config: &CrossbarConfig) -> String {
    serde_json::to_string(&config.without_faults()).unwrap_or_default()
}

/// Mean and sd over draws 0..n, once all of them are in.
pub fn first_draws(draws: &BTreeMap<usize, f64>, n: usize) -> Option<Spread> {
    let first: Vec<f64> = draws.range(..n).map(|(_, &a)| a).collect();
    (first.len() >= n).then(|| Spread::of(first))
}

/// How many of draws 0..n are in.
pub fn draws_in(draws: &BTreeMap<usize, f64>, n: usize) -> usize {
    draws.range(..n).count()
}

/// Which point of the curve `std` is, if it is one.
pub fn curve_index(std: f32) -> Option<usize> {
    curve_stds().iter().position(|&s| (s - std).abs() < 1e-4)
}

/// The whole page state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub tab: Tab,
    pub data: DataStatus,
    pub samples: Option<Rc<Samples>>,
    pub test_labels: Option<Rc<Vec<u8>>>,
    pub trainer_ready: bool,
    /// Training images the trainer holds (evaluators hold the test set only).
    pub trainer_images: usize,
    pub form: TrainForm,
    pub run: Option<Run>,
    pub models: Vec<SavedModel>,
    pub explore: Explore,
    pub landscape: super::landscape::LandscapeView,
    /// The last problem worth showing in the status line.
    pub notice: Option<String>,
    pub evaluators: usize,
    /// Report recipes waiting for the trainer (the Reproduce panel's "train all").
    pub queue: Vec<engine::experiments::noise_tables::Recipe>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            tab: Tab::Train,
            data: DataStatus::Loading,
            samples: None,
            test_labels: None,
            trainer_ready: false,
            trainer_images: 0,
            form: TrainForm::default(),
            run: None,
            models: Vec::new(),
            explore: Explore::default(),
            landscape: Default::default(),
            notice: None,
            evaluators: 0,
            queue: Vec::new(),
        }
    }
}

impl State {
    pub fn model(&self, id: u64) -> Option<&SavedModel> {
        self.models.iter().find(|m| m.meta.id == id)
    }
    pub fn training(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.error.is_none())
    }
}

/// An edit of the Train form, applied to the form as the reducer finds it: two quick edits
/// that arrive before a re-render (a select and a number, say) must not overwrite each other,
/// as copies of the form taken at render time would.
#[derive(Clone)]
pub struct FormEdit(pub Rc<dyn Fn(&mut TrainForm)>);

impl std::fmt::Debug for FormEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormEdit")
    }
}

/// Everything that can happen.
#[derive(Clone, Debug)]
pub enum Action {
    SetTab(Tab),
    DataLoading,
    DataLoaded {
        kind: DatasetKind,
        train: usize,
        test: usize,
        millis: f64,
        custom: bool,
        samples: Rc<Samples>,
        test_labels: Rc<Vec<u8>>,
    },
    TrainerDataLoaded {
        train: usize,
    },
    DataFailed(DataError),
    Form(FormEdit),
    TrainStarted {
        job: u64,
        name: String,
        model: ModelConfig,
        train: TrainConfig,
        now_ms: f64,
    },
    TrainProgress {
        job: u64,
        progress: Progress,
    },
    TrainEpoch {
        job: u64,
        summary: EpochSummary,
        test_accuracy: f64,
        snapshot: Option<(Rc<Vec<u8>>, f64)>,
    },
    TrainDone {
        job: u64,
        id: u64,
        bytes: Rc<Vec<u8>>,
        history: Vec<EpochSummary>,
        test_accuracy: f64,
        train_seconds: f64,
    },
    TrainFailed {
        job: u64,
        error: String,
    },
    /// The run was stopped; `kept` is the id under which its last snapshot is kept, if any.
    TrainCancelled {
        kept: Option<u64>,
    },
    ModelsRestored(Vec<SavedModel>),
    ModelAdded(SavedModel),
    DeleteModel(u64),
    RenameModel(u64, String),
    SelectModel(Option<u64>),
    ToggleCompare(u64),
    SetStd {
        std: f32,
        now_ms: f64,
    },
    SetDraws(usize),
    Crossbar {
        ui: CrossbarUi,
        now_ms: f64,
    },
    EvalDone {
        model: u64,
        task: EvalTask,
        output: EvalOutput,
        now_ms: f64,
    },
    /// Compute the landscapes of these models (the 2-D grid for `grid_model`).
    LandscapeStart {
        models: Vec<u64>,
        grid_model: Option<u64>,
        now_ms: f64,
    },
    Notice(Option<String>),
    Enqueue(Vec<engine::experiments::noise_tables::Recipe>),
    /// The first queued recipe was handed to the trainer.
    Dequeue,
    Evaluators(usize),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::SetTab(t) => s.tab = t,
            Action::DataLoading => {
                s.data = DataStatus::Loading;
                s.trainer_ready = false;
                s.trainer_images = 0;
            }
            Action::DataLoaded { kind, train, test, millis, custom, samples, test_labels } => {
                let train = train.max(s.trainer_images);
                s.data = DataStatus::Ready { kind, train, test, millis, custom };
                s.samples = Some(samples);
                s.test_labels = Some(test_labels);
            }
            Action::TrainerDataLoaded { train } => {
                s.trainer_ready = true;
                s.trainer_images = train;
                if let DataStatus::Ready { train: t, .. } = &mut s.data {
                    *t = train;
                }
            }
            Action::DataFailed(e) => s.data = DataStatus::Failed(e),
            Action::Form(edit) => (edit.0)(&mut s.form),
            Action::TrainStarted { job, name, model, train, now_ms } => {
                s.run = Some(Run {
                    job,
                    name,
                    model,
                    train,
                    progress: None,
                    loss: vec![],
                    epochs: vec![],
                    error: None,
                    started_ms: now_ms,
                    history: vec![],
                    snapshot: None,
                })
            }
            Action::TrainProgress { job, progress } => {
                if let Some(r) = s.run.as_mut().filter(|r| r.job == job) {
                    let x = (progress.epoch - 1) as f64 + progress.step as f64 / progress.steps_per_epoch.max(1) as f64;
                    // A point per twentieth of an epoch: the chart redraws only when one is added.
                    if r.loss.last().is_none_or(|p| x - p.0 >= 0.05) {
                        r.loss.push((x, progress.running_loss as f64));
                    }
                    r.progress = Some(progress);
                }
            }
            Action::TrainEpoch { job, summary, test_accuracy, snapshot } => {
                if let Some(r) = s.run.as_mut().filter(|r| r.job == job) {
                    r.epochs.push((summary.epoch, summary.accuracy as f64, test_accuracy));
                    if let Some((bytes, train_seconds)) = snapshot {
                        r.snapshot = Some(PartialModel { epoch: summary.epoch, bytes, test_accuracy, train_seconds });
                    }
                    r.history.push(summary);
                }
            }
            Action::TrainDone { job, id, bytes, history, test_accuracy, train_seconds } => {
                if let Some(r) = s.run.take().filter(|r| r.job == job) {
                    let meta = ModelMeta {
                        id,
                        name: r.name,
                        model: r.model,
                        train: r.train,
                        test_accuracy,
                        history,
                        train_seconds,
                    };
                    s.models.push(SavedModel { meta, bytes });
                    s.explore.focus(Some(id));
                    if !s.explore.compare.contains(&id) {
                        s.explore.compare.push(id);
                    }
                }
            }
            Action::TrainFailed { job, error } => {
                if let Some(r) = s.run.as_mut().filter(|r| r.job == job) {
                    r.error = Some(error);
                }
            }
            Action::TrainCancelled { kept } => {
                if let (Some(id), Some(r)) = (kept, s.run.take()) {
                    if let Some(p) = r.snapshot {
                        let name = format!("{} (cancelled after epoch {} of {})", r.name, p.epoch, r.train.epochs);
                        let history = r.history.into_iter().take(p.epoch).collect();
                        let meta = ModelMeta {
                            id,
                            name,
                            model: r.model,
                            train: r.train,
                            test_accuracy: p.test_accuracy,
                            history,
                            train_seconds: p.train_seconds,
                        };
                        s.models.push(SavedModel { meta, bytes: p.bytes });
                        s.explore.focus(Some(id));
                        s.explore.compare.push(id);
                        s.notice = Some(format!(
                            "Training cancelled: the model as it was after epoch {} is kept in the list.",
                            p.epoch
                        ));
                    }
                }
                s.run = None;
                s.trainer_ready = false;
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
            }
            Action::ModelAdded(m) => {
                let id = m.meta.id;
                s.models.push(m);
                s.explore.focus(Some(id));
                s.explore.compare.push(id);
            }
            Action::DeleteModel(id) => {
                s.models.retain(|m| m.meta.id != id);
                s.explore.compare.retain(|&m| m != id);
                s.explore.curves.remove(&id);
                if s.explore.model == Some(id) {
                    let last = s.models.last().map(|m| m.meta.id);
                    s.explore.focus(last);
                }
            }
            Action::RenameModel(id, name) => {
                if let Some(m) = s.models.iter_mut().find(|m| m.meta.id == id) {
                    m.meta.name = name;
                }
            }
            Action::SelectModel(id) => {
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
                } else {
                    s.explore.compare.push(id);
                }
            }
            Action::SetStd { std, now_ms } => {
                s.explore.std = (std.clamp(0.0, CURVE_MAX_STD) * 100.0).round() / 100.0;
                s.explore.readout = Readout { moved_ms: now_ms, ..Readout::default() };
            }
            Action::SetDraws(n) => {
                s.explore.draws = n.clamp(1, 50);
                s.explore.readout = Readout::default();
                s.explore.xbar = Readout::default();
                // Curves keep their draws: draw k is the same whatever the number of draws, and
                // a curve uses draws 0..n (see `first_draws`).
            }
            Action::Crossbar { ui, now_ms } => {
                s.explore.crossbar = ui;
                s.explore.xbar = Readout { moved_ms: now_ms, ..Readout::default() };
            }
            Action::EvalDone { model, task, output, now_ms } => {
                s.landscape.receive(model, &task, &output, now_ms);
                reduce_eval(&mut s, model, task, output, now_ms)
            }
            Action::LandscapeStart { models, grid_model, now_ms } => s.landscape.start(models, grid_model, now_ms),
            Action::Notice(n) => s.notice = n,
            Action::Enqueue(list) => s.queue.extend(list),
            Action::Dequeue => {
                if !s.queue.is_empty() {
                    s.queue.remove(0);
                }
            }
            Action::Evaluators(n) => s.evaluators = n,
        }
        Rc::new(s)
    }
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
            if subset.is_none() && config.faults.lrs == config.faults.hrs {
                if let Some(i) = fault_index(config.faults.lrs) {
                    let key = settings_key(&config);
                    e.xbar_curves
                        .entry(key)
                        .or_default()
                        .entry(model)
                        .or_default()
                        .entry(i)
                        .or_default()
                        .insert(draw, accuracy);
                }
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
