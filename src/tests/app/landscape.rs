//! The Landscape panel computes the models the user chose.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::{model, ready, take_effects};
use crate::app_core::reducer::reduce;
use crate::app_core::{Action, Effect};

fn landscape_models(effects: &[Effect]) -> Vec<u64> {
    let mut ids: Vec<u64> = Vec::new();
    for e in effects {
        if let Effect::RequestedJobs(jobs) = e {
            for (id, _) in jobs {
                if !ids.contains(id) {
                    ids.push(*id);
                }
            }
        }
    }
    ids
}

#[test]
fn with_nothing_ticked_the_selected_model_is_computed() {
    let mut s = ready();
    let m = |id| model(id, ModelConfig::report_mlp(), TrainConfig::default());
    reduce(&mut s, Action::ModelsRestored(vec![m(1), m(2), m(3)]));
    reduce(&mut s, Action::SelectModel(Some(1)));
    for id in s.explore.compare.clone() {
        reduce(&mut s, Action::ToggleCompare(id));
    }
    assert!(s.explore.compare.is_empty());
    take_effects(&mut s);
    reduce(&mut s, Action::ComputeLandscape { now_ms: 0.0 });
    assert_eq!(landscape_models(&take_effects(&mut s)), vec![1]);
    assert_eq!((s.landscape.models.clone(), s.landscape.grid_model), (vec![1], Some(1)));

    // Ticked models are computed, the selected one's grid if it is among them.
    reduce(&mut s, Action::ToggleCompare(3));
    reduce(&mut s, Action::ToggleCompare(1));
    reduce(&mut s, Action::ComputeLandscape { now_ms: 0.0 });
    assert_eq!(landscape_models(&take_effects(&mut s)), vec![3, 1]);
    assert_eq!(s.landscape.grid_model, Some(1));
}
