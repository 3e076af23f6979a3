//! The experiments layer: every recipe against the report's setup, the one notes schema (and
//! the older shapes it still reads), and `train_recipe` + `measure` + `ReportTable` giving the
//! same row whichever caller (the CLI's reproduce or the app's queue) runs them.

mod common;

use std::collections::BTreeMap;

use engine::data::{DatasetKind, Preprocessing};
use engine::experiments::defaults;
use engine::experiments::measure::{measure, MeasureSettings};
use engine::experiments::notes::{model_file, read_model_file, ModelNotes};
use engine::experiments::recipes::{recipe, report_config, BATCH_KEYS, FAULT_AWARE_KEYS, HARDENING_KEYS};
use engine::experiments::{train_recipe, Budget, Figure, RecipeKey, ReportTable, Section};
use engine::landscape::stratified_subset;
use engine::model::{io, Architecture, Model, ModelConfig};
use engine::train::{Biases, Control, DistillLoss, GradientVariant, Method, TrainHooks};

#[test]
fn every_recipe_follows_the_reports_setup() {
    let mnist = Preprocessing::Normalized { mean: 0.1307, std: 0.3081 };
    for key in RecipeKey::ALL {
        let r = recipe(key, 1234);
        assert_eq!(r.key, key);
        assert_eq!(r.train.seed, 1234, "{key}");
        assert_eq!(r.train.epochs, 5, "{key}: the report trains 5 epochs");
        assert_eq!(r.model.dataset, DatasetKind::Mnist, "{key}");
        assert_eq!(r.model.preprocessing, mnist, "{key}: normalised with MNIST's mean and sd");
        let lr = if key == RecipeKey::MlpFaultAwareLr1e4 { 1e-4 } else { 1e-3 };
        assert_eq!(r.train.adam.lr, lr, "{key}: Adam's default learning rate");
        assert_eq!((r.train.adam.beta1, r.train.adam.beta2, r.train.adam.eps), (0.9, 0.999, 1e-8), "{key}");
        let dropout = if key == RecipeKey::MlpDropout05 { 0.5 } else { 0.0 };
        if key.is_cnn() {
            assert_eq!(r.model.arch, Architecture::LeNet, "{key}");
        } else {
            assert_eq!(
                r.model.arch,
                Architecture::Mlp { hidden: vec![256, 128], dropout },
                "{key}: MLP 784-256-128-10"
            );
        }
        let zero_biases =
            matches!(key, RecipeKey::MlpFaultAware | RecipeKey::MlpB64Bias0 | RecipeKey::MlpFaultAwareLr1e4);
        assert_eq!(r.train.biases, if zero_biases { Biases::Zero } else { Biases::Trained }, "{key}");
    }
    for (key, batch) in BATCH_KEYS.iter().zip([32, 64, 128, 256, 32, 64, 128, 256]) {
        let r = recipe(*key, 1);
        assert_eq!(r.train.batch_size, batch, "{key}");
        assert_eq!(r.train.method, Method::Standard);
        assert_eq!(r.teacher, None);
    }
    let pr = GradientVariant::PerturbRestore;
    let methods: Vec<Method> = HARDENING_KEYS.iter().map(|&k| recipe(k, 1).train.method).collect();
    assert_eq!(
        methods,
        vec![
            Method::NoiseInjection { std: 0.5, gradient: pr },
            Method::NoiseInjection { std: 1.0, gradient: pr },
            Method::Distillation { std: 1.0, loss: DistillLoss::Mse, gradient: pr },
            Method::Distillation { std: 1.0, loss: DistillLoss::Kl, gradient: pr },
            Method::Standard,
        ]
    );
    for k in HARDENING_KEYS.into_iter().chain(FAULT_AWARE_KEYS) {
        assert_eq!(recipe(k, 1).train.batch_size, 64, "{k}: hardening is at batch 64");
    }
    assert_eq!(recipe(RecipeKey::MlpTsMse, 1).teacher, Some(RecipeKey::MlpB64), "the teacher is the baseline");
    assert_eq!(recipe(RecipeKey::MlpTsKl, 1).teacher, Some(RecipeKey::MlpB64));
    let fa = Method::FaultAware { lrs: 0.1, hrs: 0.1, noise_std: 0.0 };
    assert_eq!(recipe(RecipeKey::MlpFaultAware, 1).train.method, fa, "the report's 0.1 / 0.1 faults");
    let xbar = report_config(7);
    assert_eq!((xbar.faults.lrs, xbar.faults.hrs, xbar.tile, xbar.vmax, xbar.adc_bits), (0.1, 0.1, 128, 0.3, Some(8)));
    assert_eq!(
        (defaults::TRAIN_SEED, defaults::NOISE_SEED, defaults::CROSSBAR_SEED, defaults::DRAWS),
        (1234, 1234, 1234, 5)
    );
}

fn model_of(key: RecipeKey) -> Model {
    let r = recipe(key, 1234);
    Model::init(r.model, 1234).unwrap()
}

/// A model file with `notes` as raw JSON, as the writers before the schema wrote it.
fn old_file(model: &Model, notes: &str) -> Vec<u8> {
    io::to_bytes(model, Some(&serde_json::from_str(notes).unwrap())).unwrap()
}

const MNIST: &str = r#"{"kind":"normalized","mean":0.1307,"std":0.3081}"#;
const ADAM: &str = r#"{"lr":0.001,"beta1":0.9,"beta2":0.999,"eps":1e-8}"#;

#[test]
fn notes_written_by_the_old_reproduce_are_recognised_and_reused() {
    // `mpg reproduce` before the schema, for a teacher-student row: {"recipe": Recipe, "train_seconds"}.
    let ts = format!(
        r#"{{"recipe":{{"key":"mlp-ts-kl","label":"Teacher-student, KL divergence, std 1.0","model":{{"arch":{{"kind":"mlp","hidden":[256,128],"dropout":0.0}},"preprocessing":{MNIST},"dataset":"mnist"}},"train":{{"epochs":5,"batch_size":64,"adam":{ADAM},"seed":1234,"method":{{"kind":"distillation","std":1.0,"loss":"kl","gradient":"perturb-restore"}},"biases":"trained"}},"teacher":"mlp-b64"}},"train_seconds":161.5}}"#
    );
    let (model, notes) = read_model_file(&old_file(&model_of(RecipeKey::MlpTsKl), &ts), Preprocessing::Raw).unwrap();
    let notes = notes.expect("the old reproduce shape is read");
    assert_eq!(notes.recipe, Some(RecipeKey::MlpTsKl));
    assert_eq!(notes.train_seconds, Some(161.5));
    assert!(notes.matches(&model.config, &recipe(RecipeKey::MlpTsKl, 1234)));
    assert!(!notes.matches(&model.config, &recipe(RecipeKey::MlpTsMse, 1234)), "another recipe's key");
    assert!(!notes.matches(&model.config, &recipe(RecipeKey::MlpTsKl, 1)), "another seed");

    // The oldest files have no "biases" field: trained biases.
    let b64 = format!(
        r#"{{"recipe":{{"key":"mlp-b64","label":"MLP batch 64","model":{{"arch":{{"kind":"mlp","hidden":[256,128],"dropout":0.0}},"preprocessing":{MNIST},"dataset":"mnist"}},"train":{{"epochs":5,"batch_size":64,"adam":{ADAM},"seed":1234,"method":{{"kind":"standard"}}}},"teacher":null}},"train_seconds":52.0}}"#
    );
    let (model, notes) = read_model_file(&old_file(&model_of(RecipeKey::MlpB64), &b64), Preprocessing::Raw).unwrap();
    assert!(notes.unwrap().matches(&model.config, &recipe(RecipeKey::MlpB64, 1234)));
}

#[test]
fn notes_written_by_the_old_app_and_train_match_by_settings_unless_a_teacher_is_involved() {
    let train = |epochs: usize, method: &str| {
        format!(
            r#"{{"epochs":{epochs},"batch_size":64,"adam":{ADAM},"seed":1234,"method":{method},"biases":"trained"}}"#
        )
    };
    let history = r#"[{"epoch":1,"loss":0.3,"accuracy":91.0},{"epoch":2,"loss":0.1,"accuracy":96.0},{"epoch":3,"loss":0.1,"accuracy":97.0},{"epoch":4,"loss":0.1,"accuracy":97.5},{"epoch":5,"loss":0.1,"accuracy":98.0}]"#;
    let app = format!(
        r#"{{"train":{},"test_accuracy":97.9,"train_seconds":80.0,"history":{history}}}"#,
        train(5, r#"{"kind":"noise-injection","std":1.0,"gradient":"perturb-restore"}"#)
    );
    let (model, notes) =
        read_model_file(&old_file(&model_of(RecipeKey::MlpNoise10), &app), Preprocessing::Raw).unwrap();
    let notes = notes.unwrap();
    assert_eq!((notes.recipe, notes.epochs_done, notes.test_accuracy), (None, 5, Some(97.9)));
    assert!(
        notes.matches(&model.config, &recipe(RecipeKey::MlpNoise10, 1234)),
        "same settings, no teacher: the recipe's model"
    );
    assert!(!notes.matches(&model.config, &recipe(RecipeKey::MlpNoise05, 1234)));

    // The app's snapshot of a run cancelled after 2 of 5 epochs is not the recipe's model.
    let snapshot = format!(
        r#"{{"train":{},"test_accuracy":96.0,"train_seconds":30.0,"history":[],"epochs_done":2}}"#,
        train(5, r#"{"kind":"noise-injection","std":1.0,"gradient":"perturb-restore"}"#)
    );
    let (model, notes) =
        read_model_file(&old_file(&model_of(RecipeKey::MlpNoise10), &snapshot), Preprocessing::Raw).unwrap();
    assert!(!notes.unwrap().matches(&model.config, &recipe(RecipeKey::MlpNoise10, 1234)));

    // A student without a key: its settings do not say which teacher, so it is never reused.
    let student = format!(
        r#"{{"train":{},"history":{history},"test_accuracy":92.0,"train_seconds":100.0}}"#,
        train(5, r#"{"kind":"distillation","std":1.0,"loss":"kl","gradient":"perturb-restore"}"#)
    );
    let (model, notes) =
        read_model_file(&old_file(&model_of(RecipeKey::MlpTsKl), &student), Preprocessing::Raw).unwrap();
    assert!(!notes.unwrap().matches(&model.config, &recipe(RecipeKey::MlpTsKl, 1234)));
}

#[test]
fn the_schema_round_trips_with_its_recipe_key() {
    let r = recipe(RecipeKey::MlpFaultAware, 1234);
    let model = Model::init(r.model.clone(), 1234).unwrap();
    let history = (1..=5).map(|e| engine::train::EpochSummary { epoch: e, loss: 0.5, accuracy: 90.0 }).collect();
    let mut notes = ModelNotes::new(&model.config, &r.train, Some(r.key), history);
    notes.train_seconds = Some(12.0);
    let (back, read) = read_model_file(&model_file(&model, &notes).unwrap(), Preprocessing::Raw).unwrap();
    let read = read.unwrap();
    assert_eq!(read, notes);
    assert!(read.matches(&back.config, &r));
    let other = ModelConfig { dataset: DatasetKind::FashionMnist, ..back.config.clone() };
    assert!(!read.matches(&other, &r), "a Fashion-MNIST model is not the recipe's");
}

#[test]
fn a_teacher_from_another_dataset_is_refused() {
    let split = common::mnist();
    let data = stratified_subset(&split.train, 200, 1);
    let r = recipe(RecipeKey::MlpTsMse, 1234);
    let teacher_cfg = ModelConfig { dataset: DatasetKind::FashionMnist, ..recipe(RecipeKey::MlpB64, 1234).model };
    let teacher = Model::init(teacher_cfg, 1).unwrap();
    let mut go = |_: &engine::train::Progress| Control::Continue;
    let hooks = TrainHooks { teacher: Some(&teacher), clock: None, progress: &mut go };
    let e = train_recipe(&r, &Budget { epochs: Some(1) }, &data, hooks).unwrap_err().to_string();
    assert!(e.contains("teacher"), "{e}");
}

/// Trains `key` on a tiny budget and measures it into a one-row batch table, as both callers do.
fn tiny_row(key: RecipeKey, split: &engine::data::Split) -> (ReportTable, Vec<u8>) {
    let train = stratified_subset(&split.train, 2000, 3);
    let test = stratified_subset(&split.test, 1000, 3);
    let mut go = |_: &engine::train::Progress| Control::Continue;
    let trained =
        train_recipe(&recipe(key, 1234), &Budget { epochs: Some(1) }, &train, TrainHooks::with_progress(&mut go))
            .unwrap();
    assert_eq!(trained.recipe.train.epochs, 1, "the budget is part of the recipe as trained");
    let settings = MeasureSettings { draws: 2, ..MeasureSettings::default() };
    let figures = [Figure::Clean, Figure::Std1_0, Figure::Crossbar];
    let m = measure(&trained.model, &figures, &test, &train, &settings, &mut |_, _, _| true).unwrap();
    let notes = ModelNotes::new(&trained.model.config, &trained.recipe.train, Some(key), trained.history);
    let file = model_file(&trained.model, &notes).unwrap();
    let table = ReportTable::build(&[(Section::Batch, vec![key])], &BTreeMap::from([(key, m)]), 1234);
    (table, file)
}

#[test]
fn one_recipe_trained_twice_through_the_shared_path_gives_the_same_table_row() {
    let split = common::mnist();
    let (cli, file) = tiny_row(RecipeKey::MlpB64, &split);
    let (app, _) = tiny_row(RecipeKey::MlpB64, &split);
    assert_eq!(cli, app, "same recipe, seed and budget: the same row, bit for bit on one platform");
    let row = cli.row(Section::Batch, RecipeKey::MlpB64).unwrap();
    let clean = row.ours.clean.as_ref().unwrap().mean;
    assert!(clean > 80.0 && clean < 100.0, "one epoch on 2,000 images: {clean}");
    assert_eq!(row.ours.std1_0.as_ref().unwrap().draws.len(), 2);
    assert_eq!(row.report.clean, Some(97.98), "joined to the report's row by key");

    // The file one caller writes is the other's: read back, it is the budgeted recipe's model
    // (never the full recipe's) and measures to the same row.
    let (model, notes) = read_model_file(&file, Preprocessing::Raw).unwrap();
    let notes = notes.unwrap();
    assert!(notes.matches(&model.config, &Budget { epochs: Some(1) }.apply(&recipe(RecipeKey::MlpB64, 1234))));
    assert!(!notes.matches(&model.config, &recipe(RecipeKey::MlpB64, 1234)), "a 1-epoch model is not the 5-epoch row");
    let test = stratified_subset(&split.test, 1000, 3);
    let train = stratified_subset(&split.train, 2000, 3);
    let settings = MeasureSettings { draws: 2, ..MeasureSettings::default() };
    let again = measure(
        &model,
        &[Figure::Clean, Figure::Std1_0, Figure::Crossbar],
        &test,
        &train,
        &settings,
        &mut |_, _, _| true,
    )
    .unwrap();
    assert_eq!(again.clean, row.ours.clean);
    assert_eq!(again.std1_0, row.ours.std1_0);
    assert_eq!(again.crossbar, row.ours.crossbar);
}
