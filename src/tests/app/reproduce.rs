//! The Reproduce queue: the teacher it picks, a running row, no duplicates, a reload.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::data::{DatasetKind, Preprocessing};
use engine::train::{Biases, Method};

use super::{load, model, ready, started_with, take_effects};
use crate::app_core::reducer::reduce;
use crate::app_core::reproduce::{missing, recipe, recipes, row_status, RowStatus};
use crate::app_core::{Action, Effect, State};

fn trains(effects: &[Effect]) -> Vec<(u64, Option<u64>)> {
    effects
        .iter()
        .filter_map(|e| if let Effect::Train { job, teacher, .. } = e { Some((*job, *teacher)) } else { None })
        .collect()
}

fn saved_queue(effects: &[Effect]) -> Option<Vec<String>> {
    effects.iter().rev().find_map(|e| if let Effect::SaveQueue(k) = e { Some(k.clone()) } else { None })
}

#[test]
fn the_teacher_is_the_mnist_trained_bias_standard_batch_64_model() {
    let b64 = recipe("mlp-b64").unwrap();
    let mut fashion = b64.model.clone();
    fashion.dataset = DatasetKind::FashionMnist;
    fashion.preprocessing = Preprocessing::normalized_for(DatasetKind::FashionMnist);
    let zero_bias = engine::train::TrainConfig { biases: Biases::Zero, ..b64.train.clone() };
    let mut noisy = b64.train.clone();
    noisy.method = Method::NoiseInjection { std: 1.0, gradient: Default::default() };
    let mut three_epochs = b64.train.clone();
    three_epochs.epochs = 3;
    let decoys = vec![
        model(1, fashion, b64.train.clone()),
        model(3, b64.model.clone(), zero_bias),
        model(4, b64.model.clone(), noisy),
        model(5, b64.model.clone(), three_epochs),
    ];

    // Without the real teacher, the teacher-student row is skipped, not trained on a decoy.
    let mut s = ready();
    reduce(&mut s, Action::ModelsRestored(decoys.clone()));
    reduce(&mut s, Action::Enqueue(vec!["mlp-ts-mse".into()]));
    assert!(trains(&take_effects(&mut s)).is_empty());
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("teacher")), "{:?}", s.notice);
    assert!(s.reproduce.waiting.is_empty());

    let mut s = ready();
    let mut all = decoys;
    all.insert(1, model(2, b64.model.clone(), b64.train.clone()));
    reduce(&mut s, Action::ModelsRestored(all));
    reduce(&mut s, Action::Enqueue(vec!["mlp-ts-mse".into()]));
    assert_eq!(trains(&take_effects(&mut s)).iter().map(|t| t.1).collect::<Vec<_>>(), vec![Some(2)]);
}

#[test]
fn a_teacher_student_row_waits_for_its_queued_teacher() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec!["mlp-ts-kl".into(), "mlp-b64".into()]));
    // The teacher row trains first; the student waits for it.
    assert_eq!(s.run.as_ref().unwrap().recipe.as_deref(), Some("mlp-b64"));
    assert_eq!(s.reproduce.waiting, vec!["mlp-ts-kl".to_string()]);
    let job = s.run.as_ref().unwrap().job;
    reduce(
        &mut s,
        Action::TrainDone {
            job,
            id: 40,
            bytes: Default::default(),
            history: vec![],
            test_accuracy: 98.0,
            train_seconds: 9.0,
        },
    );
    let effects = take_effects(&mut s);
    assert_eq!(trains(&effects).last().map(|t| t.1), Some(Some(40)));
}

#[test]
fn a_running_row_shows_as_training_and_is_not_queued_twice() {
    let mut s = ready();
    let n = recipes().len();
    assert_eq!(missing(&s).len(), n);
    reduce(&mut s, Action::Enqueue(vec!["mlp-b256".into()]));
    let b256 = recipe("mlp-b256").unwrap();
    assert_eq!(row_status(&s, &b256), RowStatus::Training);
    assert_eq!(missing(&s).len(), n - 1, "the running row is not missing");
    // "Train all missing rows", and the row's own button pressed again.
    let mut all = missing(&s);
    all.push("mlp-b256".into());
    all.push(all[0].clone());
    reduce(&mut s, Action::Enqueue(all));
    assert_eq!(s.reproduce.waiting.len(), n - 1);
    assert!(!s.reproduce.waiting.contains(&"mlp-b256".to_string()));
    let mut sorted = s.reproduce.waiting.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), n - 1, "no duplicates");
}

#[test]
fn the_queue_survives_a_reload_with_the_running_row_first() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec!["mlp-b256".into(), "mlp-b128".into(), "mlp-noise1.0".into()]));
    let saved = saved_queue(&take_effects(&mut s)).expect("the queue is saved");
    assert_eq!(saved, vec!["mlp-b256", "mlp-b128", "mlp-noise1.0"]);
    let mut fresh: State = started_with(None, saved, "");
    assert_eq!(fresh.reproduce.waiting.len(), 3);
    assert!(fresh.run.is_none(), "nothing trains before the data is in");
    load(&mut fresh, DatasetKind::Mnist);
    assert_eq!(fresh.run.as_ref().unwrap().recipe.as_deref(), Some("mlp-b256"));
    // A row whose model was restored meanwhile is not trained again.
    let mut again = started_with(None, vec!["mlp-b128".into(), "mlp-b256".into()], "");
    let b128 = recipe("mlp-b128").unwrap();
    reduce(&mut again, Action::ModelsRestored(vec![model(9, b128.model, b128.train)]));
    load(&mut again, DatasetKind::Mnist);
    assert_eq!(again.run.as_ref().unwrap().recipe.as_deref(), Some("mlp-b256"));
}

#[test]
fn report_rows_do_not_train_on_fashion_mnist() {
    let mut s = started_with(None, vec![], "");
    reduce(&mut s, Action::SwitchDataset(DatasetKind::FashionMnist));
    load(&mut s, DatasetKind::FashionMnist);
    reduce(&mut s, Action::Enqueue(vec!["mlp-b256".into()]));
    assert!(s.run.is_none());
    assert_eq!(s.reproduce.waiting, vec!["mlp-b256".to_string()]);
}

#[test]
fn the_table_has_the_reports_fourteen_trainable_rows_each_with_its_figures() {
    use crate::app_core::report_rows::{csv, rows};
    let mut s = ready();
    let b256 = recipe("mlp-b256").unwrap();
    reduce(&mut s, Action::ModelsRestored(vec![model(5, b256.model.clone(), b256.train.clone())]));
    let table = rows(&s);
    assert_eq!(table.len(), 14);
    assert_eq!(table.iter().filter(|r| r.table == "batch").count(), 8);
    assert_eq!(table.iter().filter(|r| r.table == "hardening").count(), 5);
    let fault_aware: Vec<_> = table.iter().filter(|r| r.table == "fault-aware").collect();
    assert_eq!(fault_aware.len(), 1);
    assert_eq!((fault_aware[0].report.clean, fault_aware[0].report.faults), (Some(97.32), Some(51.49)));
    assert!(table.iter().all(|r| r.report.clean.is_some() && r.report.std1.is_some()));
    let row = table.iter().find(|r| r.recipe.key == "mlp-b256").unwrap();
    assert_eq!((row.status, row.ours.clean), (RowStatus::Trained(5), Some(97.0)));
    assert_eq!(table.iter().filter(|r| r.ours.clean.is_some()).count(), 1);
    assert_eq!(csv(&table).lines().count(), 15);
}
