//! Same seed, same result: training is bit-for-bit reproducible; a different seed differs.

mod common;

use engine::model::{Model, ModelConfig};
use engine::train::{train, Control, GradientVariant, Method, TrainConfig, TrainHooks};

fn weights_after(seed: u64, method: Method, steps: usize) -> Vec<Vec<f32>> {
    let split = common::mnist();
    let data = split.train.take(steps * 64);
    let mut cfg = ModelConfig::report_mlp();
    cfg.arch = engine::model::Architecture::Mlp { hidden: vec![256, 128], dropout: 0.2 };
    let model = Model::init(cfg, seed).unwrap();
    let tc = TrainConfig { epochs: 1, batch_size: 64, seed, method, ..TrainConfig::default() };
    let mut go = |_: &engine::train::Progress| Control::Continue;
    train(&model, &data, &tc, TrainHooks::with_progress(&mut go)).unwrap();
    model.weights().iter().map(|w| w.flatten_all().unwrap().to_vec1::<f32>().unwrap()).collect()
}

#[test]
fn same_seed_gives_identical_weights_after_300_steps() {
    // Dropout and training noise both draw random numbers every step: all must be seeded.
    let method = Method::NoiseInjection { std: 0.5, gradient: GradientVariant::PerturbRestore };
    let a = weights_after(42, method.clone(), 300);
    let b = weights_after(42, method.clone(), 300);
    assert!(a == b, "two runs with seed 42 must be bit-identical");
    let c = weights_after(43, method, 300);
    assert!(a != c, "a different seed must give different weights");
}
