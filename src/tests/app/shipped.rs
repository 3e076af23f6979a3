//! The shipped ready-trained models on a first visit: fetched, read once the data is in,
//! named as the report's rows, the first one in the Explore panel.

use std::rc::Rc;

use engine::data::DatasetKind;
use engine::model::{Architecture, ModelConfig};
use engine::train::TrainConfig;

use super::{load, model, take_effects};
use crate::app_core::reducer::reduce;
use crate::app_core::shipped::{Manifest, ShippedFile, ShippedStatus, SUFFIX};
use crate::app_core::{Action, Effect, Startup, State, Tab};

fn first_visit(fragment: &str) -> State {
    let mut s = State::default();
    reduce(
        &mut s,
        Action::Start(Startup {
            data_base: "http://localhost/data/".into(),
            fragment: fragment.into(),
            saved_form: None,
            saved_queue: vec![],
            evaluators: 2,
            shipped: true,
        }),
    );
    s
}

/// The manifest the site ships.
fn manifest() -> Manifest {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/pretrained/manifest.json")).unwrap();
    Manifest::parse(&text).unwrap()
}

fn fetched() -> Vec<ShippedFile> {
    manifest().models.into_iter().map(|entry| ShippedFile { bytes: Rc::new(vec![1, 2, 3]), entry }).collect()
}

fn imports(effects: &[Effect]) -> Vec<(u64, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Import { job, name, .. } => Some((*job, name.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_site_manifest_lists_the_four_models_of_the_issue() {
    let m = manifest();
    let names: Vec<&str> = m.models.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["mlp-b64", "mlp-noise1.0", "mlp-faultaware", "cnn-b64"]);
    for e in &m.models {
        let on_disk = std::fs::metadata(format!("{}/www/pretrained/{}", env!("CARGO_MANIFEST_DIR"), e.file)).unwrap();
        assert_eq!(on_disk.len() as usize, e.bytes, "{}", e.file);
    }
}

#[test]
fn a_manifest_naming_files_outside_its_folder_is_refused() {
    let bad = r#"{"models":[{"name":"x","file":"../secret.safetensors","label":"x","bytes":3,"clean_accuracy":1.0}]}"#;
    assert!(Manifest::parse(bad).unwrap_err().contains("not a model file name"));
    assert!(Manifest::parse(r#"{"models":[]}"#).is_err());
    assert!(Manifest::parse("<!DOCTYPE html>").unwrap_err().contains("does not read as a manifest"));
}

#[test]
fn a_first_visit_fetches_them_and_opens_explore_at_sigma_one() {
    let mut s = first_visit("");
    assert_eq!(s.tab, Tab::Explore);
    assert_eq!(s.explore.std, 1.0);
    assert_eq!(s.shipped.status, ShippedStatus::Fetching);
    assert!(take_effects(&mut s).contains(&Effect::FetchShipped));
    // a link keeps its own view
    let s = first_visit("#tab=train&std=0.50");
    assert_eq!((s.tab, s.explore.std), (Tab::Train, 0.5));
    // a returning visitor (or ?shipped=0) fetches nothing
    let mut s = super::started();
    assert_eq!(s.tab, Tab::Train);
    assert!(!take_effects(&mut s).contains(&Effect::FetchShipped));
}

#[test]
fn files_fetched_before_the_data_wait_for_it() {
    let mut s = first_visit("");
    take_effects(&mut s);
    reduce(&mut s, Action::ShippedFetched(fetched()));
    assert!(imports(&take_effects(&mut s)).is_empty(), "an evaluator without data cannot read a model");
    load(&mut s, DatasetKind::Mnist);
    let sent = imports(&take_effects(&mut s));
    let names: Vec<&str> = sent.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        ["mlp-b64.safetensors", "mlp-noise1.0.safetensors", "mlp-faultaware.safetensors", "cnn-b64.safetensors"]
    );
    // sent once
    reduce(&mut s, Action::Notice(None));
    assert!(imports(&take_effects(&mut s)).is_empty());
}

#[test]
fn they_are_not_read_on_fashion_mnist() {
    let mut s = first_visit("");
    reduce(&mut s, Action::SwitchDataset(DatasetKind::FashionMnist));
    reduce(&mut s, Action::ShippedFetched(fetched()));
    load(&mut s, DatasetKind::FashionMnist);
    assert!(imports(&take_effects(&mut s)).is_empty(), "MNIST models measured on Fashion-MNIST");
    reduce(&mut s, Action::SwitchDataset(DatasetKind::Mnist));
    load(&mut s, DatasetKind::Mnist);
    assert_eq!(imports(&take_effects(&mut s)).len(), 4);
}

#[test]
fn the_first_takes_explore_the_mlps_are_compared_and_the_end_is_remembered() {
    let mut s = first_visit("");
    reduce(&mut s, Action::ShippedFetched(fetched()));
    load(&mut s, DatasetKind::Mnist);
    let sent = imports(&take_effects(&mut s));
    let arch = |name: &str| {
        let mut c = ModelConfig::report_mlp();
        if name.starts_with("cnn") {
            c.arch = Architecture::LeNet;
        }
        c
    };
    // answers may come in any order: the CNN first here
    let mut order: Vec<usize> = vec![3, 0, 1, 2];
    let mut ids = [0u64; 4];
    for (k, i) in order.drain(..).enumerate() {
        let (job, name) = &sent[i];
        ids[i] = 100 + k as u64;
        reduce(&mut s, Action::ModelAdded { job: *job, model: model(ids[i], arch(name), TrainConfig::default()) });
    }
    let names: Vec<String> = ids.iter().map(|&id| s.model(id).unwrap().meta.name.clone()).collect();
    assert!(names.iter().all(|n| n.ends_with(SUFFIX)), "{names:?}");
    assert_eq!(names[0], format!("MLP batch 64{SUFFIX}"));
    assert_eq!(s.explore.model, Some(ids[3]), "the first answer takes the panel");
    let mut compared = s.explore.compare.clone();
    compared.sort();
    let mut mlps = ids[..3].to_vec();
    mlps.sort();
    assert_eq!(compared, mlps, "the MLPs are overlaid, the CNN is one tick away");
    assert_eq!(s.shipped.status, ShippedStatus::Done);
    let effects = take_effects(&mut s);
    assert_eq!(effects.iter().filter(|e| **e == Effect::MarkShippedAdded).count(), 1);
    assert_eq!(effects.iter().filter(|e| matches!(e, Effect::SaveModel(_))).count(), 4);
}

#[test]
fn a_file_that_does_not_read_is_named_and_the_rest_still_load() {
    let mut s = first_visit("");
    reduce(&mut s, Action::ShippedFetched(fetched()));
    load(&mut s, DatasetKind::Mnist);
    let sent = imports(&take_effects(&mut s));
    reduce(&mut s, Action::ImportFailed { job: sent[1].0, name: sent[1].1.clone(), error: "truncated".into() });
    assert!(s.notice.as_deref().unwrap().contains("mlp-noise1.0.safetensors: truncated"), "{:?}", s.notice);
    reduce(
        &mut s,
        Action::ModelAdded { job: sent[0].0, model: model(7, ModelConfig::report_mlp(), TrainConfig::default()) },
    );
    assert_eq!(s.explore.model, Some(7));
    assert!(matches!(s.shipped.status, ShippedStatus::Failed(_)));
    // the button offers them again
    reduce(&mut s, Action::AddShipped);
    assert_eq!(s.shipped.status, ShippedStatus::Fetching);
}

#[test]
fn a_failed_fetch_says_why_and_leaves_training_one_click_away() {
    let mut s = first_visit("");
    reduce(&mut s, Action::ShippedFailed("pretrained/manifest.json: HTTP 404 Not Found".into()));
    assert!(s.notice.as_deref().unwrap().contains("HTTP 404"));
    assert!(matches!(s.shipped.status, ShippedStatus::Failed(_)));
}

#[test]
fn an_upload_is_not_taken_for_a_shipped_model() {
    let mut s = first_visit("");
    load(&mut s, DatasetKind::Mnist);
    reduce(&mut s, Action::Upload { name: "mine.safetensors".into(), bytes: Rc::new(vec![1]) });
    let sent = imports(&take_effects(&mut s));
    let mut m = model(9, ModelConfig::report_mlp(), TrainConfig::default());
    m.meta.name = "mine (uploaded)".into();
    reduce(&mut s, Action::ModelAdded { job: sent[0].0, model: m });
    assert_eq!(s.model(9).unwrap().meta.name, "mine (uploaded)");
}

#[test]
fn the_trainer_warms_up_once_the_shipped_models_are_in() {
    let warm = |s: &mut State| take_effects(s).iter().filter(|e| **e == Effect::WarmUpTrainer).count();
    // a first visit: not while the shipped models come in
    let mut s = first_visit("");
    reduce(&mut s, Action::ShippedFetched(fetched()));
    load(&mut s, DatasetKind::Mnist);
    let effects = take_effects(&mut s);
    assert!(!effects.contains(&Effect::WarmUpTrainer), "the first figures need the cores first");
    let sent = imports(&effects);
    assert_eq!(sent.len(), 4);
    for (k, (job, _)) in sent.iter().enumerate() {
        let m = model(50 + k as u64, ModelConfig::report_mlp(), TrainConfig::default());
        reduce(&mut s, Action::ModelAdded { job: *job, model: m });
    }
    assert_eq!(warm(&mut s), 1);
    reduce(&mut s, Action::Notice(None));
    assert_eq!(warm(&mut s), 0, "once");
    // without shipped models: as soon as the trainer holds the data
    let mut s = super::started();
    load(&mut s, DatasetKind::Mnist);
    assert_eq!(warm(&mut s), 1);
}
