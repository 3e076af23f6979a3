//! What a worker does with a message, independent of how messages arrive. The worker binary
//! wires this to `postMessage`; tests call it directly, in wasm and natively.

use std::collections::HashMap;

use engine::crossbar::Crossbar;
use engine::data::{idx::read_maybe_gzip, verify_checksum, DataFile, Dataset, DatasetKind, Preprocessing};
use engine::eval::{evaluate, evaluate_with, EVAL_BATCH};
use engine::experiments::notes::{self, ModelNotes};
use engine::experiments::{prepare_recipe, train_prepared, Budget, Recipe, RecipeKey};
use engine::model::{io, Architecture, DigitalLayers, Model, ModelConfig};
use engine::noise::perturb;
use engine::rng::{draw_rng, stream};
use engine::train::{train, Control, EpochSummary, TrainConfig, TrainHooks};

use crate::protocol::{
    DataError, DataSource, EvalOutput, EvalTask, FromWorker, PanicWhen, Samples, Snapshot, ToWorker,
};

/// How many test images the page receives for drawing.
pub const SAMPLE_COUNT: usize = 48;
/// Minimum seconds between two progress messages.
const PROGRESS_EVERY: f64 = 0.25;
/// Seconds a trainer spends at most warming up after its data loaded.
const WARM_UP_BUDGET: f64 = 3.0;
/// Training images of the warm-up runs: 10 steps of 64.
const WARM_UP_TRAIN: usize = 640;
/// Test images of the warm-up runs' per-epoch evaluation.
const WARM_UP_TEST: usize = 1000;

/// Training images an evaluator keeps for calibrated crossbar scaling (the engine's default
/// `calibration_images`).
pub const CALIBRATION_IMAGES: usize = 10_000;

/// The data a worker holds.
pub struct Loaded {
    pub kind: DatasetKind,
    pub train: Option<Dataset>,
    pub test: Dataset,
    /// Where the data came from: an evaluator fetches the training files from there the first
    /// time calibrated crossbar scaling is asked for.
    pub source: DataSource,
    /// An evaluator's first [`CALIBRATION_IMAGES`] training images, once fetched.
    pub calibration: Option<Dataset>,
}

/// A worker's state: its data and the models it was given.
#[derive(Default)]
pub struct WorkerCore {
    pub data: Option<Loaded>,
    models: HashMap<u64, Model>,
    /// The last ideal crossbar deployment (mapping and tuning take a while): model id, the
    /// configuration it was deployed with (as JSON), and the deployment.
    deployed: Option<(u64, String, Crossbar)>,
    /// Whether [`WorkerCore::warm_up`] has run.
    warmed_up: bool,
    /// A test's [`ToWorker::Panic`] waiting for its moment.
    armed: Option<PanicWhen>,
}

/// The most histogram bins a task may ask for (the page asks for 60; the engine has no
/// histogram of its own to take a rule from).
pub const MAX_BINS: usize = 1000;

/// Draws are numbered below the engine's limit on draws ([`engine::noise::NoiseConfig`]: 1000).
const MAX_DRAWS: usize = 1000;

fn invalid(e: engine::Error) -> String {
    e.to_string()
}

fn check_subset(subset: Option<usize>) -> Result<(), String> {
    match subset {
        Some(0) => Err("subset: an evaluation needs at least 1 image".into()),
        _ => Ok(()),
    }
}

fn check_draw(draw: usize) -> Result<(), String> {
    if draw >= MAX_DRAWS {
        return Err(format!("draw {draw}: draws are numbered from 0 to {} (the engine's limit)", MAX_DRAWS - 1));
    }
    Ok(())
}

fn check_model_bytes(what: &str, bytes: &[u8]) -> Result<(), String> {
    crate::app_core::heal::check_model_file(what, bytes.len() as u64)
}

/// Checks every field of an evaluation task with the engine's own rules: noise strengths
/// ([`engine::noise::validate_std`]), crossbar settings and fault rates
/// ([`engine::crossbar::CrossbarConfig::validate`]), draws, landscape ranges and sizes
/// ([`engine::landscape::LandscapeConfig::validate`], [`engine::noise::NoiseConfig::validate`]),
/// histogram bins and subsets.
pub fn check_task(task: &EvalTask) -> Result<(), String> {
    match task {
        EvalTask::Noise { std, draw, subset, .. } => {
            engine::noise::validate_std(*std).map_err(invalid)?;
            check_draw(*draw)?;
            check_subset(*subset)
        }
        EvalTask::Histogram { std, bins, .. } => {
            engine::noise::validate_std(*std).map_err(invalid)?;
            if *bins == 0 || *bins > MAX_BINS {
                return Err(format!("bins: {bins}; a histogram has between 1 and {MAX_BINS} bins"));
            }
            Ok(())
        }
        EvalTask::Crossbar { config, draw, subset } => {
            config.validate().map_err(invalid)?;
            check_draw(*draw)?;
            check_subset(*subset)
        }
        EvalTask::Tile { config, draw } => {
            config.validate().map_err(invalid)?;
            check_draw(*draw)
        }
        EvalTask::Digit { width, height, pixels, std, seed, draws, crossbar } => {
            use engine::data::digit::MAX_SIDE;
            if *width == 0 || *height == 0 || *width > MAX_SIDE || *height > MAX_SIDE {
                return Err(format!(
                    "drawing: {width}x{height} pixels; between 1x1 and {MAX_SIDE}x{MAX_SIDE} are read"
                ));
            }
            if pixels.len() != width * height {
                return Err(format!("drawing: {} pixels for {width}x{height}", pixels.len()));
            }
            engine::noise::NoiseConfig { std: *std, draws: *draws, seed: *seed }.validate().map_err(invalid)?;
            match crossbar {
                Some(c) => c.validate().map_err(invalid),
                None => Ok(()),
            }
        }
        EvalTask::Landscape { coords, seed, subset, .. } => {
            let most = engine::landscape::LandscapeConfig { range: 1.0, points: 401, seed: *seed };
            if coords.is_empty() || coords.len() > most.points * most.points {
                return Err(format!(
                    "coords: {} points; a landscape job has between 1 and {}",
                    coords.len(),
                    most.points * most.points
                ));
            }
            // The engine's range rule, for the range each coordinate needs (NaN fails it).
            for x in coords.iter().flat_map(|&(a, b)| [a, b]).filter(|&x| x != 0.0) {
                let cfg = engine::landscape::LandscapeConfig { range: x.abs(), ..most };
                cfg.validate().map_err(|e| format!("coordinate {x}: {e}"))?;
            }
            check_subset(Some(*subset))
        }
        EvalTask::NoiseLandscape { std, draws, seed, subset } => {
            engine::noise::NoiseConfig { std: *std, draws: *draws, seed: *seed }.validate().map_err(invalid)?;
            check_subset(Some(*subset))
        }
    }
}

/// Checks every field of a message before the worker acts on it (see [`check_task`]; models
/// and training settings with the engine's `validate`, model files against the page's size cap).
pub fn check_request(msg: &ToWorker) -> Result<(), String> {
    match msg {
        ToWorker::LoadData(source) => {
            if source.urls.iter().any(|u| u.is_empty()) {
                return Err("a data file has no URL".into());
            }
            Ok(())
        }
        ToWorker::Train { model, train, teacher, .. } => {
            model.validate().map_err(invalid)?;
            train.validate().map_err(invalid)?;
            match teacher {
                Some(t) => check_model_bytes("the teacher model", t),
                None => Ok(()),
            }
        }
        ToWorker::PutModel { bytes, .. } => check_model_bytes("the model", bytes),
        ToWorker::Import { name, bytes, .. } | ToWorker::Export { name, bytes, .. } => check_model_bytes(name, bytes),
        ToWorker::Eval { task, .. } => check_task(task),
        ToWorker::Panic(_) | ToWorker::WarmUp => Ok(()),
    }
}

/// Decompresses, verifies and parses the four files of `source` (train files may be empty when
/// `need_train` is false). Returns the loaded data and the reply for the page.
pub fn parse_files(source: &DataSource, files: [Vec<u8>; 4], millis: f64) -> Result<(Loaded, FromWorker), DataError> {
    let mut decoded: Vec<Vec<u8>> = Vec::with_capacity(4);
    for ((file, bytes), name) in DataFile::ALL.iter().zip(files).zip(&source.names) {
        let needed = source.need_train || matches!(file, DataFile::TestImages | DataFile::TestLabels);
        decoded.push(if needed { decode_file(source, *file, name, &bytes)? } else { Vec::new() });
    }
    let parse = |i: usize, l: usize| {
        Dataset::from_readers(&decoded[i][..], &decoded[l][..], &source.names[i], &source.names[l])
            .map_err(|e| DataError::Invalid { url: source.names[i].clone(), detail: detail_of(&source.names[i], &e) })
    };
    let test = parse(2, 3)?;
    let train = if source.need_train { Some(parse(0, 1)?) } else { None };
    let n = SAMPLE_COUNT.min(test.len());
    let samples =
        Samples { pixels: test.images.pixels[..n * test.features()].to_vec(), labels: test.labels[..n].to_vec() };
    let reply = FromWorker::DataLoaded {
        kind: source.kind,
        train: train.as_ref().map_or(0, |t| t.len()),
        test: test.len(),
        millis,
        samples,
        test_labels: test.labels.clone(),
    };
    Ok((Loaded { kind: source.kind, train, test, source: source.clone(), calibration: None }, reply))
}

/// The engine's message about file `name` without its leading "name: ": the page shows the
/// file name beside the detail already, and said it twice.
fn detail_of(name: &str, e: &engine::Error) -> String {
    let msg = e.to_string();
    msg.strip_prefix(name).and_then(|m| m.strip_prefix(": ")).map_or(msg.clone(), str::to_string)
}

/// One data file decompressed and, when `source.verify`, checked against its pinned SHA-256.
/// `name` is what messages call it.
fn decode_file(source: &DataSource, file: DataFile, name: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let invalid = |e: engine::Error| DataError::Invalid { url: name.to_string(), detail: detail_of(name, &e) };
    let raw = read_maybe_gzip(bytes, name).map_err(invalid)?;
    if source.verify {
        verify_checksum(source.kind, file, &raw, name).map_err(invalid)?;
    }
    Ok(raw)
}

/// Whether a server's answer is a file at all: a development server (`trunk serve`) answers a
/// missing path with its index.html and status 200. An HTML answer means the file is not
/// there, which the page must say (rather than "damaged, SHA-256 mismatch").
pub fn check_answer(name: &str, content_type: Option<&str>, bytes: &[u8]) -> Result<(), DataError> {
    let html_type = content_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("text/html"));
    let head: Vec<u8> = bytes
        .iter()
        .copied()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let html_body = head.starts_with(b"<!doctype html") || head.starts_with(b"<html");
    if html_type || html_body {
        return Err(DataError::Missing {
            url: name.to_string(),
            detail: "the server answered with a web page instead of the file (the folder is not there)".into(),
        });
    }
    Ok(())
}

/// A model file with the engine's one notes schema: how it was trained, from which recipe,
/// and how it did, so `mpg reproduce --models DIR` reuses a model downloaded from the page.
fn model_file(
    model: &Model,
    cfg: &TrainConfig,
    recipe: Option<RecipeKey>,
    history: &[EpochSummary],
    test_accuracy: f64,
    train_seconds: f64,
) -> engine::Result<Vec<u8>> {
    let mut notes = ModelNotes::new(&model.config, cfg, recipe, history.to_vec());
    notes.test_accuracy = Some(test_accuracy);
    notes.train_seconds = Some(train_seconds);
    notes::model_file(model, &notes)
}

/// An uploaded file read: our bytes, the configuration, clean test accuracy, whether it was a
/// PyTorch state dict, and its notes.
type Imported = (Vec<u8>, engine::model::ModelConfig, f64, bool, Option<ModelNotes>);

/// Whether an evaluation task deploys crossbars with calibrated input scaling.
/// The settings a deployment (mapping, calibration, tuning) depends on: the non-idealities
/// (faults, finite levels, variation, drift, read noise) act only when a draw is realised, so
/// one deployment serves them all.
fn deployment_only(c: &engine::crossbar::CrossbarConfig) -> engine::crossbar::CrossbarConfig {
    engine::crossbar::CrossbarConfig {
        faults: Default::default(),
        levels: None,
        variation: 0.0,
        drift: None,
        read_noise: 0.0,
        ..c.clone()
    }
}

fn calibrated(task: &EvalTask) -> bool {
    match task {
        EvalTask::Crossbar { config, .. } | EvalTask::Tile { config, .. } => {
            config.input_scaling == engine::crossbar::InputScaling::Calibrated
        }
        EvalTask::Digit { crossbar: Some(config), .. } => {
            config.input_scaling == engine::crossbar::InputScaling::Calibrated
        }
        _ => false,
    }
}

impl WorkerCore {
    /// The URLs of the two training files when `msg` needs training images this worker does
    /// not hold yet (calibrated crossbar scaling measures its input ranges on them). The shell
    /// then fetches them and calls [`WorkerCore::add_calibration`] before handling `msg`.
    pub fn needs_calibration(&self, msg: &ToWorker) -> Option<[String; 2]> {
        let ToWorker::Eval { task, .. } = msg else { return None };
        let data = self.data.as_ref()?;
        (calibrated(task) && data.train.is_none() && data.calibration.is_none())
            .then(|| [data.source.urls[0].clone(), data.source.urls[1].clone()])
    }

    /// Keeps the first [`CALIBRATION_IMAGES`] of the training files `images` and `labels`
    /// (the whole files are decompressed and, for the served dataset, checksum-verified).
    pub fn add_calibration(&mut self, images: &[u8], labels: &[u8]) -> Result<(), String> {
        let data = self.data.as_mut().ok_or("no data loaded")?;
        let s = &data.source;
        let images = decode_file(s, DataFile::TrainImages, &s.names[0], images).map_err(|e| e.to_string())?;
        let labels = decode_file(s, DataFile::TrainLabels, &s.names[1], labels).map_err(|e| e.to_string())?;
        let train =
            Dataset::from_readers(&images[..], &labels[..], &s.names[0], &s.names[1]).map_err(|e| e.to_string())?;
        data.calibration = Some(train.take(CALIBRATION_IMAGES));
        Ok(())
    }

    /// Trains throwaway models (the report's MLP and LeNet, 2 epochs each on the first
    /// [`WARM_UP_TRAIN`] training images, evaluated on the first [`WARM_UP_TEST`] test images)
    /// through this worker's own training path, in chunks until the browser's optimising
    /// compiler has taken over. Why: V8 starts wasm in its baseline tier, and a function running
    /// when its optimised code arrives keeps running the old code; measured in Chromium 156, a
    /// user's first run then cost the trainer 6.0-6.2 CPU-seconds an epoch against 3.8-4.1 once
    /// warm. Warming up with the engine's training loop alone did not help: the whole path must
    /// run. Done once per worker, only by a trainer (it holds the training set); the data is put
    /// back as it was. Returns the seconds of each chunk.
    pub fn warm_up(&mut self, clock: &dyn Fn() -> f64) -> Vec<f64> {
        let mut chunks = Vec::new();
        if self.warmed_up {
            return chunks;
        }
        let Some(data) = self.data.as_mut() else { return chunks };
        let Some(full_train) = data.train.take() else { return chunks };
        self.warmed_up = true;
        data.train = Some(full_train.take(WARM_UP_TRAIN.min(full_train.len())));
        let small_test = data.test.take(WARM_UP_TEST.min(data.test.len()));
        let full_test = std::mem::replace(&mut data.test, small_test);
        while !warmed_up(&chunks, WARM_UP_BUDGET) {
            let t0 = clock();
            for arch in [Architecture::report_mlp(), Architecture::LeNet] {
                let model = ModelConfig { arch, ..ModelConfig::report_mlp() };
                let cfg = TrainConfig { epochs: 2, seed: 1, ..TrainConfig::default() };
                if let Err(e) = self.train(0, model, cfg, None, None, clock, &mut |_| {}) {
                    // Cannot happen with these settings; stop rather than loop on it.
                    chunks.push(f64::INFINITY);
                    debug_assert!(false, "warm-up training failed: {e}");
                }
            }
            chunks.push(clock() - t0);
        }
        if let Some(data) = self.data.as_mut() {
            data.train = Some(full_train);
            data.test = full_test;
        }
        chunks
    }

    /// Handles every message except `LoadData`, which needs the network (see the worker binary).
    /// `clock` gives seconds; `post` sends a reply.
    pub fn handle(&mut self, msg: ToWorker, clock: &dyn Fn() -> f64, post: &mut dyn FnMut(FromWorker)) {
        if let Err(error) = check_request(&msg) {
            return post(match msg {
                ToWorker::Train { job, .. } => FromWorker::TrainFailed { job, error },
                ToWorker::Eval { job, .. } => FromWorker::EvalFailed { job, error },
                ToWorker::Import { job, name, .. } => FromWorker::ImportFailed { job, name, error },
                ToWorker::Export { job, name, .. } => FromWorker::Exported { job, name, result: Err(error) },
                ToWorker::PutModel { id, .. } => {
                    FromWorker::EvalFailed { job: 0, error: format!("model {id}: {error}") }
                }
                ToWorker::LoadData(source) => {
                    FromWorker::DataFailed(DataError::Invalid { url: source.names[0].clone(), detail: error })
                }
                ToWorker::Panic(_) | ToWorker::WarmUp => FromWorker::ProtocolError(error),
            });
        }
        match msg {
            ToWorker::Panic(PanicWhen::Now) => panic!("a test asked this worker to panic"),
            ToWorker::Panic(when) => self.armed = Some(when),
            ToWorker::WarmUp => {
                self.warm_up(clock);
            }
            ToWorker::LoadData(_) => post(FromWorker::ProtocolError("LoadData is handled by the worker shell".into())),
            ToWorker::PutModel { id, bytes } => match io::from_bytes(&bytes, Preprocessing::Raw) {
                Ok(loaded) => {
                    self.models.insert(id, loaded.model);
                }
                Err(e) => post(FromWorker::EvalFailed { job: 0, error: format!("model {id}: {e}") }),
            },
            ToWorker::Train { job, model, train: cfg, teacher, recipe } => {
                let result = self.train(job, model, cfg, teacher, recipe, clock, post);
                match result {
                    Ok(done) => post(done),
                    Err(e) => post(FromWorker::TrainFailed { job, error: e }),
                }
            }
            ToWorker::Import { job, name, bytes } => post(match self.import(&bytes) {
                Ok((bytes, model, test_accuracy, pytorch, notes)) => {
                    FromWorker::Imported { job, name, bytes, model, test_accuracy, pytorch, notes }
                }
                Err(error) => FromWorker::ImportFailed { job, name, error },
            }),
            ToWorker::Export { job, name, bytes } => {
                let result = io::from_bytes(&bytes, Preprocessing::Raw)
                    .and_then(|loaded| engine::model::pytorch::to_pytorch_bytes(&loaded.model))
                    .map_err(|e| e.to_string());
                post(FromWorker::Exported { job, name, result })
            }
            ToWorker::Eval { job, model, task } => {
                if self.armed == Some(PanicWhen::NextEval) {
                    panic!("a test asked this worker to panic on its next evaluation (job {job})");
                }
                let t0 = clock();
                match self.eval(model, &task) {
                    Ok(output) => {
                        post(FromWorker::EvalDone { job, model, task, output, millis: (clock() - t0) * 1000.0 })
                    }
                    Err(error) => post(FromWorker::EvalFailed { job, error }),
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // the fields of `ToWorker::Train`, and the shell's two hooks
    fn train(
        &mut self,
        job: u64,
        model_cfg: engine::model::ModelConfig,
        cfg: TrainConfig,
        teacher: Option<Vec<u8>>,
        recipe_key: Option<RecipeKey>,
        clock: &dyn Fn() -> f64,
        post: &mut dyn FnMut(FromWorker),
    ) -> Result<FromWorker, String> {
        // a real run warms the code up itself: a warm-up afterwards would be wasted
        self.warmed_up = true;
        let data = self.data.as_ref().ok_or("no data loaded in the trainer")?;
        let train_set = data.train.as_ref().ok_or("the trainer has no training set")?;
        let test = &data.test;
        let teacher = match teacher {
            Some(bytes) => {
                Some(io::from_bytes(&bytes, model_cfg.preprocessing).map_err(|e| format!("teacher: {e}"))?.model)
            }
            None => None,
        };
        // A report row trains as the engine's recipe (the one `mpg reproduce` trains), under the
        // budget of the epochs sent; `prepare_recipe` refuses a teacher of another network or
        // dataset.
        let (recipe, model): (Option<Recipe>, Model) = match recipe_key {
            Some(key) => {
                let budget = Budget { epochs: Some(cfg.epochs) };
                let (r, model) = prepare_recipe(&engine::experiments::recipe(key, cfg.seed), &budget, teacher.as_ref())
                    .map_err(|e| e.to_string())?;
                if r.model != model_cfg || r.train != cfg {
                    return Err(format!("the settings sent are not those of the {key} recipe"));
                }
                (Some(r), model)
            }
            None => (None, Model::init(model_cfg, cfg.seed).map_err(|e| e.to_string())?),
        };
        let panic_after = match self.armed {
            Some(PanicWhen::AfterEpoch(n)) => Some(n),
            _ => None,
        };
        let start = clock();
        let mut last_post = f64::NEG_INFINITY;
        let mut eval_seconds = 0.0;
        let mut eval_error = None;
        let mut epochs_so_far = Vec::new();
        // The test accuracy after the last finished epoch: TrainDone's, without evaluating the
        // same weights on the test set a second time.
        let mut last_test_accuracy = None;
        let mut progress = |p: &engine::train::Progress| {
            let now = clock();
            let epoch_end = p.step == p.steps_per_epoch;
            if now - last_post >= PROGRESS_EVERY || epoch_end {
                last_post = now;
                post(FromWorker::TrainProgress { job, progress: p.clone() });
            }
            if epoch_end {
                let t0 = clock();
                let summary = EpochSummary { epoch: p.epoch, loss: p.running_loss, accuracy: p.running_accuracy };
                epochs_so_far.push(summary.clone());
                let snapshot_and_accuracy = evaluate(&model, test).and_then(|ev| {
                    let test_accuracy = ev.accuracy();
                    last_test_accuracy = Some(test_accuracy);
                    // Every epoch leaves a model the page can keep if the run is cancelled (the
                    // worker is then terminated and cannot answer any more). The last one too:
                    // a Cancel pressed between its epoch message and TrainDone lost the whole
                    // trained model (e2e, twice).
                    let train_seconds = t0 - start - eval_seconds;
                    let bytes = model_file(&model, &cfg, recipe_key, &epochs_so_far, test_accuracy, train_seconds)?;
                    Ok((Some(Snapshot { bytes, train_seconds }), test_accuracy))
                });
                match snapshot_and_accuracy {
                    Ok((snapshot, test_accuracy)) => {
                        post(FromWorker::TrainEpoch { job, summary, test_accuracy, snapshot });
                        if panic_after == Some(p.epoch) {
                            panic!("a test asked this worker to panic after epoch {}", p.epoch);
                        }
                    }
                    Err(e) => {
                        eval_error = Some(e.to_string());
                        return Control::Stop;
                    }
                }
                eval_seconds += clock() - t0;
            }
            Control::Continue
        };
        let hooks = TrainHooks { teacher: teacher.as_ref(), clock: Some(clock), progress: &mut progress };
        let history = match &recipe {
            Some(r) => train_prepared(r, &model, train_set, hooks),
            None => train(&model, train_set, &cfg, hooks),
        };
        if let Some(e) = eval_error {
            return Err(e);
        }
        let history = history.map_err(|e| e.to_string())?;
        let train_seconds = clock() - start - eval_seconds;
        let test_accuracy = match last_test_accuracy {
            Some(a) if history.len() == cfg.epochs => a,
            _ => evaluate(&model, test).map_err(|e| e.to_string())?.accuracy(),
        };
        let bytes =
            model_file(&model, &cfg, recipe_key, &history, test_accuracy, train_seconds).map_err(|e| e.to_string())?;
        Ok(FromWorker::TrainDone { job, bytes, history, test_accuracy, train_seconds })
    }

    /// Reads a model file; a bare PyTorch state dict is taken to expect the normalised inputs
    /// of the loaded dataset (as torchvision's MNIST examples prepare them).
    /// The file's notes are read as the engine reads them (every older shape too), so a model
    /// from `mpg reproduce` is recognised as its recipe's.
    fn import(&self, bytes: &[u8]) -> Result<Imported, String> {
        let data = self.data.as_ref().ok_or("no data loaded")?;
        let loaded = io::from_bytes(bytes, Preprocessing::normalized_for(data.kind)).map_err(|e| e.to_string())?;
        let notes = ModelNotes::read(&loaded.notes, &loaded.model.config);
        let acc = evaluate(&loaded.model, &data.test).map_err(|e| e.to_string())?.accuracy();
        let ours = io::to_bytes(&loaded.model, Some(&loaded.notes)).map_err(|e| e.to_string())?;
        Ok((ours, loaded.model.config.clone(), acc, loaded.imported, notes))
    }

    fn eval(&mut self, id: u64, task: &EvalTask) -> Result<EvalOutput, String> {
        if let EvalTask::Crossbar { config, draw, subset } = task {
            return self.crossbar(id, config, *draw, *subset);
        }
        if let EvalTask::Tile { config, draw } = task {
            return self.tile(id, config, *draw);
        }
        if let EvalTask::Digit { width, height, pixels, std, seed, draws, crossbar } = task {
            return self.digit(id, (*width, *height, pixels), (*std, *seed, *draws), crossbar.as_ref());
        }
        let data = self.data.as_ref().ok_or("no data loaded in the evaluator")?;
        let model = self.models.get(&id).ok_or_else(|| format!("model {id} was not sent to this evaluator"))?;
        if let EvalTask::Landscape { coords, seed, subset, .. } = task {
            let part = engine::landscape::stratified_subset(&data.test, *subset, *seed);
            let pts = engine::landscape::points_at(model, &part, *seed, coords).map_err(|e| e.to_string())?;
            return Ok(EvalOutput::Landscape { points: pts.iter().map(|p| (p.loss, p.accuracy)).collect() });
        }
        if let EvalTask::NoiseLandscape { std, draws, seed, subset } = *task {
            let part = engine::landscape::stratified_subset(&data.test, subset, seed);
            let n = engine::landscape::noise_landscape(model, &part, &[std], draws, seed, |_, _| true)
                .map_err(|e| e.to_string())?;
            let p = &n[0];
            return Ok(EvalOutput::NoiseLandscape {
                loss: (p.loss.mean, p.loss.sd),
                accuracy: (p.accuracy.mean, p.accuracy.sd),
            });
        }
        match *task {
            EvalTask::Noise { std, seed, draw, subset, predictions } => {
                let part = leading(&data.test, subset);
                let data = &*part;
                let weights = if std == 0.0 {
                    model.weights()
                } else {
                    // The same draw the engine's noisy_accuracy_draw makes, so figures match the CLI's.
                    let mut r = draw_rng(seed, stream::EVAL_NOISE, draw as u64);
                    perturb(&model.weights(), std, &mut r).map_err(|e| e.to_string())?
                };
                let ev = evaluate_with(model, &weights, &DigitalLayers, data, EVAL_BATCH).map_err(|e| e.to_string())?;
                Ok(EvalOutput::Accuracy {
                    accuracy: ev.accuracy(),
                    images: ev.total,
                    predictions: predictions.then_some(ev.predictions),
                })
            }
            EvalTask::Crossbar { .. }
            | EvalTask::Tile { .. }
            | EvalTask::Digit { .. }
            | EvalTask::Landscape { .. }
            | EvalTask::NoiseLandscape { .. } => {
                unreachable!("handled above")
            }
            EvalTask::Histogram { std, seed, bins } => {
                let flat = |ws: &[candle_core::Tensor]| -> Result<Vec<f32>, String> {
                    let mut v = Vec::new();
                    for w in ws {
                        v.extend(w.flatten_all().and_then(|t| t.to_vec1::<f32>()).map_err(|e| e.to_string())?);
                    }
                    Ok(v)
                };
                let clean = flat(&model.weights())?;
                let mut r = draw_rng(seed, stream::EVAL_NOISE, 0);
                let noisy = flat(&perturb(&model.weights(), std, &mut r).map_err(|e| e.to_string())?)?;
                let (lo, hi) = symmetric_range(&clean);
                Ok(EvalOutput::Histogram {
                    lo,
                    hi,
                    clean: histogram(&clean, lo, hi, bins),
                    noisy: histogram(&noisy, lo, hi, bins),
                })
            }
        }
    }
}

impl WorkerCore {
    fn tile(&mut self, id: u64, config: &engine::crossbar::CrossbarConfig, draw: usize) -> Result<EvalOutput, String> {
        let states = self.realise(id, config, draw)?.inspect();
        let l = states.first().ok_or("the model has no weighted layer")?;
        let side = l.tile;
        let (g_on, g_off) = (config.g_on(), config.g_off());
        let pc = l.padded[1];
        let mut level = Vec::with_capacity(side * side);
        let mut stuck = Vec::with_capacity(side * side);
        for r in 0..side {
            for c in 0..side {
                let i = r * pc + c;
                level.push(((l.g_pos[i] - g_off) / (g_on - g_off)).clamp(0.0, 1.0));
                stuck.push(match l.stuck_pos[i] {
                    engine::crossbar::Stuck::No => 0,
                    engine::crossbar::Stuck::Hrs => 1,
                    engine::crossbar::Stuck::Lrs => 2,
                });
            }
        }
        Ok(EvalOutput::Tile {
            layer: l.name.clone(),
            side,
            rows: l.shape[0].min(side),
            cols: l.shape[1].min(side),
            tiles: l.tiles,
            level,
            stuck,
        })
    }

    /// Deploys `model` on ideal crossbars for `config` unless the cached deployment fits.
    fn deploy(&mut self, id: u64, config: &engine::crossbar::CrossbarConfig) -> Result<(), String> {
        let data = self.data.as_ref().ok_or("no data loaded in the evaluator")?;
        let model = self.models.get(&id).ok_or_else(|| format!("model {id} was not sent to this evaluator"))?;
        let ideal_config = deployment_only(config);
        let key = serde_json::to_string(&ideal_config).map_err(|e| e.to_string())?;
        if !matches!(&self.deployed, Some((m, k, _)) if *m == id && *k == key) {
            // Calibrated input scaling measures its ranges on training images: the trainer holds
            // them all, an evaluator the first ten thousand (fetched on first use).
            let calibration = data.train.as_ref().or(data.calibration.as_ref());
            if config.input_scaling == engine::crossbar::InputScaling::Calibrated && calibration.is_none() {
                return Err(
                    "calibrated input scaling needs the training images, which this worker has not loaded".into()
                );
            }
            let cb = Crossbar::deploy(model, &ideal_config, calibration).map_err(|e| e.to_string())?;
            self.deployed = Some((id, key, cb));
        }
        Ok(())
    }

    /// A drawn digit centred as MNIST's were, then read clean, under noise and on crossbars.
    fn digit(
        &mut self,
        id: u64,
        (width, height, pixels): (usize, usize, &[u8]),
        (std, seed, draws): (f32, u64, usize),
        crossbar: Option<&engine::crossbar::CrossbarConfig>,
    ) -> Result<EvalOutput, String> {
        use engine::data::digit::{centre_digit, Drawing};
        use engine::noise::probabilities::class_probabilities;
        let ink: Vec<f32> = pixels.iter().map(|&p| p as f32).collect();
        let centred = centre_digit(&Drawing { width, height, pixels: &ink }).map_err(|e| e.to_string())?;
        let spread = |p: &engine::noise::probabilities::Probabilities| crate::protocol::ClassSpread {
            mean: p.mean.to_vec(),
            sd: p.sd.to_vec(),
        };
        let xbar = match crossbar {
            Some(config) => {
                self.deploy(id, config)?;
                let model = self.models.get(&id).ok_or_else(|| format!("model {id} was not sent to this evaluator"))?;
                let (_, _, ideal) = self.deployed.as_mut().expect("deployed above");
                ideal.config = config.clone();
                let p = engine::crossbar::probabilities::crossbar_class_probabilities(model, &centred, ideal, draws)
                    .map_err(|e| e.to_string())?;
                Some(spread(&p))
            }
            None => None,
        };
        let model = self.models.get(&id).ok_or_else(|| format!("model {id} was not sent to this evaluator"))?;
        let p = class_probabilities(model, &centred, &engine::noise::NoiseConfig { std, draws, seed })
            .map_err(|e| e.to_string())?;
        Ok(EvalOutput::Digit {
            clean: p.clean.to_vec(),
            noisy: (std > 0.0).then(|| spread(&p)),
            crossbar: xbar,
            centred,
        })
    }

    /// Draw `draw` of `config`'s non-idealities on `id`'s deployment (made once per model and
    /// deployment settings). Always realised, even when nothing is random: finite levels and a
    /// drift without spread act all the same.
    fn realise(&mut self, id: u64, config: &engine::crossbar::CrossbarConfig, draw: usize) -> Result<Crossbar, String> {
        self.deploy(id, config)?;
        let (_, _, ideal) = self.deployed.as_mut().expect("deployed above");
        ideal.config = config.clone();
        ideal.realise(draw as u64).map_err(|e| e.to_string())
    }

    fn crossbar(
        &mut self,
        id: u64,
        config: &engine::crossbar::CrossbarConfig,
        draw: usize,
        subset: Option<usize>,
    ) -> Result<EvalOutput, String> {
        // Non-idealities only act when a draw is realised: one deployment serves them all.
        let realised = self.realise(id, config, draw)?;
        let data = self.data.as_ref().ok_or("no data loaded in the evaluator")?;
        let model = self.models.get(&id).ok_or_else(|| format!("model {id} was not sent to this evaluator"))?;
        let part = leading(&data.test, subset);
        let ev = realised.evaluate(model, &part).map_err(|e| e.to_string())?;
        Ok(EvalOutput::Accuracy { accuracy: ev.accuracy(), images: ev.total, predictions: None })
    }
}

/// Whether warming up can stop, given the seconds each chunk took so far: once the last two
/// chunks both ran in under 0.8 times the first and within 20% of each other (the optimised
/// code is in and steady), or after `budget` seconds in all (a busy machine may compile late;
/// the user must not wait for it).
pub fn warmed_up(chunk_seconds: &[f64], budget: f64) -> bool {
    if chunk_seconds.iter().sum::<f64>() >= budget {
        return true;
    }
    match chunk_seconds {
        [first, .., a, b] if chunk_seconds.len() >= 3 => {
            let fast = |t: f64| t < 0.8 * first;
            fast(*a) && fast(*b) && a.max(*b) <= 1.2 * a.min(*b)
        }
        _ => false,
    }
}

/// The first `subset` test images (the fast estimate), or all of them.
fn leading(test: &engine::data::Dataset, subset: Option<usize>) -> std::borrow::Cow<'_, engine::data::Dataset> {
    match subset {
        Some(n) if n < test.len() => std::borrow::Cow::Owned(test.take(n)),
        _ => std::borrow::Cow::Borrowed(test),
    }
}

/// A range symmetric about 0 that holds 99.9% of `values` (outliers land in the edge bins).
fn symmetric_range(values: &[f32]) -> (f32, f32) {
    let mut abs: Vec<f32> = values.iter().map(|v| v.abs()).filter(|v| v.is_finite()).collect();
    if abs.is_empty() {
        return (-1.0, 1.0);
    }
    abs.sort_by(|a, b| a.total_cmp(b));
    let m = abs[((abs.len() - 1) as f64 * 0.999) as usize].max(1e-6);
    (-m, m)
}

/// Counts per bin over [lo, hi]; values outside are counted in the first or last bin.
pub fn histogram(values: &[f32], lo: f32, hi: f32, bins: usize) -> Vec<u32> {
    let bins = bins.max(1);
    let mut h = vec![0u32; bins];
    let width = (hi - lo) / bins as f32;
    for &v in values {
        if !v.is_finite() {
            continue;
        }
        let i = ((v - lo) / width).floor();
        let i = if i < 0.0 { 0 } else { (i as usize).min(bins - 1) };
        h[i] += 1;
    }
    h
}
