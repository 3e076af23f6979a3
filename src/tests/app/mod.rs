//! Tests of the app's core, run natively: the reducer, its effects, the selectors, the URL,
//! the Reproduce queue, the names, the evaluator queue policy. Each bug of issue 9 has one.

mod data;
mod device_effects;
mod done;
mod draw;
mod eval_queue;
mod explore;
mod form;
mod heal;
mod knob_curves;
mod landscape;
mod lesson;
mod link;
mod naming;
mod reproduce;
mod seeds;
mod shipped;
mod url;

use std::rc::Rc;

use engine::data::DatasetKind;
use engine::model::ModelConfig;
use engine::train::TrainConfig;

use crate::app_core::models::{ModelMeta, SavedModel};
use crate::app_core::reducer::reduce;
use crate::app_core::{Action, Effect, Startup, State};
use crate::protocol::Samples;

/// A page that has started (two evaluators), without anything loaded.
pub fn started() -> State {
    started_with(None, vec![], "")
}

pub fn started_with(saved_form: Option<String>, saved_queue: Vec<String>, fragment: &str) -> State {
    let mut s = State::default();
    reduce(
        &mut s,
        Action::Start(Startup {
            data_base: "http://localhost/data/".into(),
            fragment: fragment.into(),
            saved_form,
            saved_queue,
            evaluators: 2,
            shipped: false,
        }),
    );
    s
}

/// Every worker reports the data of `kind` loaded.
pub fn load(s: &mut State, kind: DatasetKind) {
    for _ in 0..s.evaluators {
        reduce(
            s,
            Action::DataLoaded {
                kind,
                train: 0,
                test: 10_000,
                millis: 5.0,
                samples: Rc::new(Samples { pixels: vec![], labels: vec![] }),
                test_labels: Rc::new(vec![]),
            },
        );
    }
    reduce(s, Action::TrainerDataLoaded { kind, train: 60_000 });
}

/// A started page with MNIST loaded.
pub fn ready() -> State {
    let mut s = started();
    load(&mut s, DatasetKind::Mnist);
    s
}

/// A kept model trained as `model` / `train` says.
pub fn model(id: u64, model: ModelConfig, train: TrainConfig) -> SavedModel {
    let meta = ModelMeta {
        id,
        name: format!("model {id}"),
        model,
        train: train.clone(),
        test_accuracy: 97.0,
        history: vec![],
        train_seconds: 1.0,
        recipe: None,
        // a finished run (the history is left out)
        epochs_done: Some(train.epochs),
    };
    SavedModel { meta, bytes: Rc::new(vec![id as u8]) }
}

/// The effects asked for since the last call (and marks them carried out).
pub fn take_effects(s: &mut State) -> Vec<Effect> {
    let effects: Vec<Effect> = s.outbox.iter().map(|(_, e)| e.clone()).collect();
    let upto = s.next_effect;
    reduce(s, Action::EffectsDone(upto));
    assert!(s.outbox.is_empty());
    effects
}
