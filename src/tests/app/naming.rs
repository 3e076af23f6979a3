//! Names in the UI's words and one colour per model.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::model::{Architecture, ModelConfig};
use engine::train::{Biases, GradientVariant, Method, TrainConfig};

use crate::app_core::models::uploaded_meta;
use crate::app_core::naming::{model_colour, model_name, option_label, COLOURS};
use engine::experiments::notes::ModelNotes;

#[test]
fn names_use_the_uis_words() {
    let m = ModelConfig::report_mlp();
    let one = TrainConfig {
        epochs: 1,
        method: Method::NoiseInjection { std: 1.0, gradient: GradientVariant::PerturbRestore },
        ..TrainConfig::default()
    };
    let name = model_name(&m, &one);
    assert_eq!(
        name,
        "MLP 784-256-128-10 · noise injection σ 1 (perturb-restore gradient) · batch 64 · 1 epoch · seed 1234"
    );
    let reparam = TrainConfig {
        method: Method::Distillation {
            std: 0.5,
            loss: engine::train::DistillLoss::Kl,
            gradient: GradientVariant::Reparameterised,
        },
        biases: Biases::Zero,
        ..TrainConfig::default()
    };
    let name = model_name(&ModelConfig { arch: Architecture::LeNet, ..m }, &reparam);
    assert_eq!(
        name,
        "LeNet CNN · teacher-student KL, σ 0.5 (reparameterised gradient) · biases 0 · batch 64 · 5 epochs · seed 1234"
    );
    for n in [model_name(&ModelConfig::report_mlp(), &one), name] {
        assert!(!n.contains("PerturbRestore") && !n.contains("Reparameterised") && !n.contains("Kl"), "{n}");
    }
}

#[test]
fn drop_down_entries_tell_a_plain_from_a_noise_trained_mlp() {
    let m = ModelConfig::report_mlp();
    let plain = model_name(&m, &TrainConfig::default());
    let noisy = model_name(
        &m,
        &TrainConfig {
            method: Method::NoiseInjection { std: 1.0, gradient: GradientVariant::PerturbRestore },
            ..TrainConfig::default()
        },
    );
    let (a, b) = (option_label(&plain, 98.0), option_label(&noisy, 98.0));
    assert_ne!(a, b);
    assert!(a.starts_with(&plain) && b.starts_with(&noisy));
}

#[test]
fn a_model_has_one_colour_whatever_its_place() {
    // Ids are milliseconds: models trained one after another get neighbouring ids.
    let ids: Vec<u64> = (0..COLOURS as u64).map(|k| 1_732_000_000_000 + 61_000 * k).collect();
    let colours: Vec<usize> = ids.iter().map(|&id| model_colour(id)).collect();
    let mut distinct = colours.clone();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() >= 4, "neighbouring ids spread over the palette: {colours:?}");
    // The colour is a function of the id alone: the same in any list, in any order.
    let reversed: Vec<usize> = ids.iter().rev().map(|&id| model_colour(id)).collect();
    assert_eq!(reversed.into_iter().rev().collect::<Vec<_>>(), colours);
    assert!(colours.iter().all(|&c| c < COLOURS));
}

#[test]
fn an_uploaded_file_without_our_notes_is_named_after_itself() {
    let m = ModelConfig::report_mlp();
    // Notes that are not ours (or none, or unreadable) describe no training.
    for text in ["null", "{}", "{\"train\": 3}", "not json"] {
        let notes = serde_json::from_str(text).ok().and_then(|json| ModelNotes::read(&json, &m));
        let meta = uploaded_meta(7, "weights.safetensors", m.clone(), 96.5, false, notes);
        assert_eq!(meta.name, "weights.safetensors (uploaded)", "{text}");
        assert_eq!((meta.train, meta.history.len(), meta.train_seconds), (TrainConfig::default(), 0, 0.0));
    }
    let dict = uploaded_meta(8, "torch.safetensors", m.clone(), 97.1, true, None);
    assert_eq!(dict.name, format!("torch.safetensors (PyTorch import, {})", m.arch.label()));
    assert_eq!((dict.id, dict.test_accuracy), (8, 97.1));
}
