//! The engine gives the same numbers in wasm as natively: the same seed trains the same
//! weights (to float tolerance) and a noise draw gives the same accuracy. `agreement.json` is
//! written by the native run (`MPG_UPDATE_FIXTURES=1 cargo test -p memristor-playground
//! agreement`) and checked by both.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::data::Dataset;
use engine::eval::evaluate;
use engine::model::{Architecture, Model, ModelConfig};
use engine::noise::{noisy_accuracy_draw, NoiseConfig};
use engine::train::{train, Control, TrainConfig, TrainHooks};
use serde::{Deserialize, Serialize};

use super::fixtures::images_labels;

#[derive(Debug, Serialize, Deserialize)]
struct Fingerprint {
    /// Per parameter tensor: sum and sum of squares.
    sums: Vec<(f64, f64)>,
    /// The first weights of the first layer.
    head: Vec<f32>,
    losses: Vec<f32>,
    test_accuracy: f64,
    noisy_accuracy: f64,
}

fn fingerprint(arch: Architecture, train_images: usize, epochs: usize) -> Fingerprint {
    let (ti, tl) = images_labels(train_images, 11);
    let (vi, vl) = images_labels(200, 12);
    let train_set = Dataset::from_readers(&ti[..], &tl[..], "train images", "train labels").unwrap();
    let test = Dataset::from_readers(&vi[..], &vl[..], "test images", "test labels").unwrap();
    let config = ModelConfig { arch, ..ModelConfig::report_mlp() };
    let cfg = TrainConfig { epochs, batch_size: 32, seed: 42, ..TrainConfig::default() };
    let model = Model::init(config, cfg.seed).unwrap();
    let mut losses = Vec::new();
    let mut progress = |p: &engine::train::Progress| {
        losses.push(p.loss);
        Control::Continue
    };
    train(&model, &train_set, &cfg, TrainHooks::with_progress(&mut progress)).unwrap();
    let weights = model.weights();
    let sums = weights
        .iter()
        .map(|w| {
            let v = w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            (v.iter().map(|&x| x as f64).sum(), v.iter().map(|&x| (x as f64).powi(2)).sum())
        })
        .collect();
    let head = weights[0].flatten_all().unwrap().to_vec1::<f32>().unwrap()[..16].to_vec();
    let test_accuracy = evaluate(&model, &test).unwrap().accuracy();
    let noisy_accuracy = noisy_accuracy_draw(&model, &test, &NoiseConfig { std: 1.0, draws: 1, seed: 7 }, 0).unwrap();
    Fingerprint { sums, head, losses, test_accuracy, noisy_accuracy }
}

fn close(a: f64, b: f64, what: &str) {
    let tol = 1e-4 * (1.0 + a.abs().max(b.abs()));
    assert!((a - b).abs() <= tol, "{what}: {a} here vs {b} in the native fixture");
}

fn compare(here: &Fingerprint, native: &Fingerprint) {
    assert_eq!(here.sums.len(), native.sums.len());
    for (i, (a, b)) in here.sums.iter().zip(&native.sums).enumerate() {
        close(a.0, b.0, &format!("sum of tensor {i}"));
        close(a.1, b.1, &format!("sum of squares of tensor {i}"));
    }
    for (i, (a, b)) in here.head.iter().zip(&native.head).enumerate() {
        close(*a as f64, *b as f64, &format!("weight {i}"));
    }
    assert_eq!(here.losses.len(), native.losses.len());
    for (i, (a, b)) in here.losses.iter().zip(&native.losses).enumerate() {
        close(*a as f64, *b as f64, &format!("loss at step {i}"));
    }
    // Accuracies count whole images: they agree exactly unless a logit tie flips.
    close(here.test_accuracy, native.test_accuracy, "test accuracy");
    close(here.noisy_accuracy, native.noisy_accuracy, "accuracy under noise draw 0");
}

#[allow(unused_variables)]
fn update(name: &str, here: &Fingerprint) {
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("MPG_UPDATE_FIXTURES").is_some() {
        let path = format!("{}/src/tests/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::write(path, serde_json::to_string_pretty(here).unwrap()).unwrap();
    }
}

#[test]
fn same_seed_same_weights_as_native() {
    let here = fingerprint(Architecture::Mlp { hidden: vec![32, 16], dropout: 0.25 }, 320, 2);
    update("agreement.json", &here);
    compare(&here, &serde_json::from_str(include_str!("agreement.json")).unwrap());
}

/// The convolution path too (LeNet, 96 images, one epoch), and twice in a row: the same seed
/// must give the same weights bit for bit within one run.
#[test]
fn lenet_same_seed_same_weights_as_native_and_twice() {
    let here = fingerprint(Architecture::LeNet, 96, 1);
    let again = fingerprint(Architecture::LeNet, 96, 1);
    assert_eq!(here.sums, again.sums, "LeNet training is not reproducible within one run");
    update("agreement-lenet.json", &here);
    compare(&here, &serde_json::from_str(include_str!("agreement-lenet.json")).unwrap());
}
