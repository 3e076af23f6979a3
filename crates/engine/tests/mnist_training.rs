//! Training and noisy evaluation on the real MNIST.

mod common;

use engine::eval::evaluate;
use engine::model::{Model, ModelConfig};
use engine::noise::{noisy_accuracy, NoiseConfig};
use engine::train::{train, Control, TrainConfig, TrainHooks};

#[test]
fn one_epoch_of_the_report_mlp_reaches_96_percent_and_noise_std_1_hurts_it() {
    let split = common::mnist();
    let model = Model::init(ModelConfig::report_mlp(), 1234).unwrap();
    let cfg = TrainConfig { epochs: 1, batch_size: 64, ..TrainConfig::default() };
    let mut last = None;
    let mut progress = |p: &engine::train::Progress| {
        last = Some(p.clone());
        Control::Continue
    };
    let history = train(&model, &split.train, &cfg, TrainHooks::with_progress(&mut progress)).unwrap();
    let last = last.unwrap();
    assert_eq!(last.total_steps, 938, "60000 images at batch 64 with the partial batch kept");
    assert_eq!(last.images_seen, 60_000);
    assert_eq!(history.len(), 1);

    let clean = evaluate(&model, &split.test).unwrap().accuracy();
    eprintln!("clean accuracy after one epoch: {clean:.2}%");
    // PyTorch reaches 96.0-96.7% with this network after one epoch (bench/pytorch_reference.py
    // --one-epoch, seeds 1-3), candle 96.2-96.6%: 96% is the bar a correct implementation clears.
    assert!(clean >= 96.0, "one epoch at batch 64 should reach 96%, got {clean:.2}%");

    let noisy = noisy_accuracy(&model, &split.test, &NoiseConfig { std: 1.0, draws: 5, seed: 7 }, |_, _| true).unwrap();
    eprintln!("noisy accuracy at std 1.0: {:.2} +- {:.2} ({:?})", noisy.mean, noisy.sd, noisy.draws);
    assert_eq!(noisy.draws.len(), 5);
    // The report sees 60-75% for such models; anything above 92% would mean the noise is not applied.
    assert!(
        noisy.mean < clean - 5.0,
        "std 1.0 should cost well over 5 points: clean {clean:.2}, noisy {:.2}",
        noisy.mean
    );
    assert!(noisy.mean > 20.0, "std 1.0 should not destroy the MLP completely: {:.2}", noisy.mean);
    assert!(noisy.sd > 0.0, "independent draws must differ");

    // Small noise costs little: the curve is monotone at its start.
    let small = noisy_accuracy(&model, &split.test, &NoiseConfig { std: 0.1, draws: 3, seed: 7 }, |_, _| true).unwrap();
    assert!(small.mean > noisy.mean + 5.0 && small.mean > clean - 2.0, "std 0.1: {:.2}", small.mean);
}
