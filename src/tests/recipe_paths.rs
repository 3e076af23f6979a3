//! One experiment model for the app and the CLI, on real MNIST: a report row trained through
//! the app's path (the Reproduce queue's `Train` effect, carried out by the trainer worker;
//! figures from the evaluator's curve jobs, gathered by the app core) and through the CLI's
//! (`train_recipe` and `measure`, as `mpg reproduce` calls them) is the same row of the same
//! `ReportTable`; the worker's model file is its recipe's by the engine's notes, so
//! `mpg reproduce --models DIR` reuses it, and a CLI file uploaded fills its row.
//! Native only: it reads `$MPG_DATA_DIR/mnist`.

use std::collections::BTreeMap;
use std::rc::Rc;

use engine::data::{DatasetKind, Preprocessing, Split};
use engine::experiments::defaults::TRAIN_SEED;
use engine::experiments::measure::{measure, MeasureSettings};
use engine::experiments::notes::{model_file, read_model_file, ModelNotes};
use engine::experiments::{train_recipe, Budget, Figure, RecipeKey, ReportTable, Section};
use engine::model::{io, Model};
use engine::train::{Control, TrainHooks};

use super::app::{ready, take_effects};
use crate::app_core::models::{uploaded_meta, SavedModel};
use crate::app_core::reducer::reduce;
use crate::app_core::report_rows::table_under;
use crate::app_core::reproduce::{recipe, row_status, RowStatus, SECTIONS};
use crate::app_core::{Action, Effect};
use crate::protocol::{DataSource, EvalTask, FromWorker, ToWorker};
use crate::worker_core::{Loaded, WorkerCore};

/// Training images of the tiny budget: enough for a real model, quick in a test.
const TRAIN_IMAGES: usize = 2_000;
/// The tiny budget: one epoch instead of the recipe's five.
const BUDGET: Budget = Budget { epochs: Some(1) };

fn mnist() -> Split {
    let dir = match std::env::var_os("MPG_DATA_DIR") {
        Some(d) => std::path::PathBuf::from(d),
        None => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    };
    let mut split = Split::load_dir(&dir.join("mnist"), DatasetKind::Mnist, true)
        .unwrap_or_else(|e| panic!("MNIST is needed ({e}); set MPG_DATA_DIR to a folder holding mnist/"));
    split.train = split.train.take(TRAIN_IMAGES);
    split
}

/// A worker holding `split` (the trainer's shape: training and test sets).
fn worker(split: &Split) -> WorkerCore {
    let names = ["train-images", "train-labels", "t10k-images", "t10k-labels"].map(String::from);
    let source = DataSource { kind: DatasetKind::Mnist, urls: names.clone(), names, verify: false, need_train: true };
    let mut core = WorkerCore::default();
    core.data = Some(Loaded {
        kind: DatasetKind::Mnist,
        train: Some(split.train.clone()),
        test: split.test.clone(),
        source,
        calibration: None,
    });
    core
}

fn run(core: &mut WorkerCore, msg: ToWorker) -> Vec<FromWorker> {
    let mut out = Vec::new();
    core.handle(msg, &|| 0.0, &mut |m| out.push(m));
    out
}

/// The Reproduce queue's `Train` effect for `key` (the app asks for the recipe's settings),
/// as the worker shell sends it, under the tiny budget.
fn queued_train(key: RecipeKey) -> ToWorker {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![key]));
    let train = take_effects(&mut s).into_iter().find_map(|e| match e {
        Effect::Train { job, model, train, teacher: None, recipe, .. } => Some((job, model, train, recipe)),
        _ => None,
    });
    let (job, model, mut train, recipe) = train.expect("the queue starts the row");
    assert_eq!(recipe, Some(key), "the effect names its row");
    train.epochs = BUDGET.epochs.unwrap();
    ToWorker::Train { job, model, train, teacher: None, recipe }
}

/// The app's path: the queue's training in the trainer worker, the model kept by the page,
/// its noise curve at σ = 1.0 computed by an evaluator from the app's own curve jobs, the
/// table from the app core. Returns the table and the worker's model file.
fn app_path(split: &Split, key: RecipeKey) -> (ReportTable, Vec<u8>) {
    let mut trainer = worker(split);
    let Some(FromWorker::TrainDone { job, bytes, history, test_accuracy, train_seconds }) =
        run(&mut trainer, queued_train(key)).pop()
    else {
        panic!("the worker trains the row")
    };
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![key]));
    let run_job = s.run.as_ref().unwrap().job;
    assert_eq!(job, run_job, "a fresh page numbers its first job alike");
    // The page's run was the full recipe; the budgeted one is what the worker trained.
    s.run.as_mut().unwrap().train.epochs = BUDGET.epochs.unwrap();
    let bytes = Rc::new(bytes);
    reduce(&mut s, Action::TrainDone { job, id: 77, bytes: bytes.clone(), history, test_accuracy, train_seconds });
    assert!(s.model(77).is_some());

    let mut evaluator = worker(split);
    assert!(run(&mut evaluator, ToWorker::PutModel { id: 77, bytes: bytes.to_vec() }).is_empty());
    let tasks: Vec<EvalTask> = s
        .explore
        .curve_tasks()
        .into_iter()
        .filter(|t| matches!(t, EvalTask::Noise { std, .. } if (*std - 1.0).abs() < 1e-4))
        .collect();
    assert_eq!(tasks.len(), s.explore.draws);
    for task in tasks {
        match run(&mut evaluator, ToWorker::Eval { job: 1, model: 77, task }).pop() {
            Some(FromWorker::EvalDone { model, task, output, .. }) => {
                reduce(&mut s, Action::EvalDone { model, task, output, now_ms: 0.0 })
            }
            other => panic!("{other:?}"),
        }
    }
    (table_under(&s, &BUDGET), bytes.to_vec())
}

/// The CLI's path: `mpg reproduce`'s `train_recipe` and `measure`, into the same table.
fn cli_path(split: &Split, key: RecipeKey) -> (ReportTable, Model, ModelNotes) {
    let r = recipe(key);
    let mut progress = |_: &engine::train::Progress| Control::Continue;
    let trained = train_recipe(&r, &BUDGET, &split.train, TrainHooks::with_progress(&mut progress)).unwrap();
    let settings = MeasureSettings::default();
    let m = measure(
        &trained.model,
        &[Figure::Clean, Figure::Std1_0],
        &split.test,
        &split.train,
        &settings,
        &mut |_, _, _| true,
    )
    .unwrap();
    let measured = BTreeMap::from([(key, m)]);
    let table = ReportTable::build(&ReportTable::full_layout(&SECTIONS), &measured, TRAIN_SEED);
    let notes = ModelNotes::new(&trained.model.config, &trained.recipe.train, Some(key), trained.history);
    (table, trained.model, notes)
}

#[test]
fn a_row_trained_in_the_app_and_in_the_cli_is_the_same_row_and_file() {
    let split = mnist();
    let key = RecipeKey::MlpB64;
    let (app, app_file) = app_path(&split, key);
    let (cli, cli_model, cli_notes) = cli_path(&split, key);

    // The same row of the same table, figures bit for bit (one platform, one build).
    let (a, c) = (app.row(Section::Batch, key).unwrap(), cli.row(Section::Batch, key).unwrap());
    assert_eq!((&a.label, &a.report), (&c.label, &c.report));
    let clean = a.ours.clean.as_ref().expect("the app measured the row");
    assert_eq!(Some(clean), c.ours.clean.as_ref());
    assert!(clean.mean > 75.0, "one epoch on 2,000 images is a real model (84%): {}", clean.mean);
    let noisy = a.ours.std1_0.as_ref().expect("the app's curve at σ = 1.0 is in");
    assert_eq!(Some(noisy), c.ours.std1_0.as_ref());
    assert_eq!(noisy.draws.len(), 5);
    assert!(noisy.mean < clean.mean);
    // The same row appears in the hardening and fault-aware sections too, from one model.
    assert_eq!(app.row(Section::Hardening, key).unwrap().ours.clean.as_ref(), Some(clean));

    // The worker's file is the recipe's model by the engine's rule, as `mpg reproduce
    // --models DIR` decides reuse, and holds the CLI's weights.
    let (model, notes) = read_model_file(&app_file, Preprocessing::Raw).unwrap();
    let notes = notes.expect("the worker writes the engine's notes");
    assert_eq!(notes.recipe, Some(key));
    assert!(notes.matches(&model.config, &BUDGET.apply(&recipe(key))));
    assert!(!notes.matches(&model.config, &recipe(key)), "a one-epoch model is not the full recipe's");
    assert!(!notes.matches(&model.config, &BUDGET.apply(&recipe(RecipeKey::MlpB128))));
    assert_eq!(notes.history, cli_notes.history);
    for (w, v) in model.weights().iter().zip(cli_model.weights().iter()) {
        assert_eq!(
            w.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            v.flatten_all().unwrap().to_vec1::<f32>().unwrap()
        );
    }
}

#[test]
fn a_cli_model_file_uploaded_to_the_app_fills_its_row() {
    let split = mnist();
    let key = RecipeKey::MlpB256;
    let r = BUDGET.apply(&recipe(key));
    let mut progress = |_: &engine::train::Progress| Control::Continue;
    let trained = train_recipe(&r, &Budget::default(), &split.train, TrainHooks::with_progress(&mut progress)).unwrap();
    let notes = ModelNotes::new(&trained.model.config, &trained.recipe.train, Some(key), trained.history);
    let file = model_file(&trained.model, &notes).unwrap();

    let mut evaluator = worker(&split);
    let Some(FromWorker::Imported { name, bytes, model, test_accuracy, pytorch: false, notes, .. }) =
        run(&mut evaluator, ToWorker::Import { job: 3, name: format!("{key}.safetensors"), bytes: file }).pop()
    else {
        panic!("the worker reads the CLI's file")
    };
    assert_eq!(notes.as_ref().and_then(|n| n.recipe), Some(key));
    let meta = uploaded_meta(12, &name, model, test_accuracy, false, notes);
    let mut s = ready();
    reduce(&mut s, Action::ModelAdded { job: 3, model: SavedModel { meta, bytes: Rc::new(bytes) } });
    let t = table_under(&s, &BUDGET);
    let row = t.row(Section::Batch, key).unwrap();
    assert_eq!(row.ours.clean.as_ref().map(|c| c.mean), Some(test_accuracy));
    assert_eq!(t.rows.iter().filter(|r| r.ours.clean.is_some()).count(), 1, "that row only");
    // The panel's status is for the full recipe, which this one-epoch file is not.
    assert_eq!(row_status(&s, key), RowStatus::Missing);
}

#[test]
fn the_worker_refuses_a_teacher_of_another_dataset_for_a_distilled_row() {
    let split = mnist();
    let r = recipe(RecipeKey::MlpTsMse);
    let mut fashion = r.model.clone();
    fashion.dataset = DatasetKind::FashionMnist;
    fashion.preprocessing = Preprocessing::normalized_for(DatasetKind::FashionMnist);
    let teacher = io::to_bytes(&Model::init(fashion, 1).unwrap(), None).unwrap();
    let mut train = r.train.clone();
    train.epochs = 1;
    let msg = ToWorker::Train {
        job: 5,
        model: r.model.clone(),
        train,
        teacher: Some(teacher),
        recipe: Some(RecipeKey::MlpTsMse),
    };
    match run(&mut worker(&split), msg).pop() {
        Some(FromWorker::TrainFailed { job: 5, error }) => assert!(error.contains("teacher"), "{error}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_worker_refuses_settings_that_are_not_the_named_recipes() {
    let split = mnist();
    let r = recipe(RecipeKey::MlpB64);
    let mut train = r.train.clone();
    train.epochs = 1;
    train.batch_size = 128;
    let msg = ToWorker::Train { job: 6, model: r.model.clone(), train, teacher: None, recipe: Some(RecipeKey::MlpB64) };
    match run(&mut worker(&split), msg).pop() {
        Some(FromWorker::TrainFailed { job: 6, error }) => assert!(error.contains("mlp-b64"), "{error}"),
        other => panic!("{other:?}"),
    }
}
